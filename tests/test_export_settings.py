"""client.yml's settings for export shapes, and loud file handling: each default said, each mistake located."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from kalib import Client, InputError, load_client
from kalib.cli import main
from kalib.settings import parse_settings
from kalib.tables import lookup_names, month_of_header, quotas_from_wide

OPPS = ("Opportunity ID,Account Name,Owner,Amount,Stage,Close Date\n"
        "A1,Acme,E1,100,Closed Won,2024-03-01\n"
        "A2,Acme,E2,200,Closed Lost,2024-04-01\n"
        "A3,Beta,E1,300,Prospecting,2025-02-01\n")


def folder(tmp_path, yml: str = "", **files: str):
    d = tmp_path / "client"
    d.mkdir(exist_ok=True)
    (d / "client.yml").write_text(yml, encoding="utf-8")
    for name, text in files.items():
        p = d / name.replace("__", "/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return d


def problems_of(path) -> list:
    with pytest.raises(InputError) as exc:
        load_client(path)
    return exc.value.problems


# ---------------------------------------------------------------------------
# settings: validated like every key, located, with the nearest key
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("yml, line, key, words", [
    ("name: x\nlookups:\n  salespeople: {fle: a.csv, key: K, name: N}\n", 3, "lookups.salespeople.fle",
     "did you mean `file`?"),
    ("lookups:\n  salespeople: {file: a.csv}\n", 2, "lookups.salespeople", "needs key, name; missing: key, name"),
    ("lookups:\n  resellers: {key: K, name: N}\n", 2, "lookups.resellers", "unknown setting 'resellers'"),
    ("lookups:\n  products: {key: K, name: [A, 3]}\n", 2, "lookups.products.name[1]", "must be text"),
    ("\nduplicates: merge\n", 2, "duplicates", "must be one of refuse, keep_first, sum"),
    ("amount_from_list_price: yes please\n", 1, "amount_from_list_price", "must be true or false"),
    ("targets: {file: t.csv}\n", 1, "targets", "needs file, person"),
    ("targets: {file: t.csv, person: P, year: 24}\n", 1, "targets.year", "at least 1,900"),
])
def test_settings_are_checked_and_located(yml, line, key, words):
    probs: list = []
    parse_settings(yml, "client.yml", probs)
    assert len(probs) == 1, probs
    p = probs[0]
    assert (p.row, p.column) == (line, key) and words in p.message, p


def test_undated_closed_must_be_a_period(tmp_path):
    d = folder(tmp_path, "name: x\nundated_closed: last summer\n", **{"opportunities.csv": OPPS})
    (p,) = problems_of(d)
    assert (p.file, p.row, p.column) == ("client.yml", 2, "undated_closed") and "all_time or a period" in p.message


# ---------------------------------------------------------------------------
# files: subfolders, missing files, two files for one table
# ---------------------------------------------------------------------------
def test_files_in_a_subfolder_are_read(tmp_path):
    d = folder(tmp_path, "as_of: 2024-12-31\nfiles:\n  opportunities: crm/2024/deals.csv\n",
               **{"crm__2024__deals.csv": OPPS})
    c = load_client(d)
    assert len(c.tables["opportunities"]) == 3 and c.sources["opportunities"] == "crm/2024/deals.csv"


@pytest.mark.parametrize("value, words", [
    ("crm/deals.csv", "does not exist in the client folder"),
    ("deals_2024.csv", "is not a file or sheet of the client"),
    ("../other/deals.csv", "is outside the client folder"),
])
def test_a_file_named_in_client_yml_must_exist(tmp_path, value, words, capsys):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "deals.csv").write_text(OPPS, encoding="utf-8")
    d = folder(tmp_path, f"name: x\nfiles:\n  revenue: x.csv\n  opportunities: {value}\n",
               **{"x.csv": "Date,Customer,Amount\n2024-01-02,Acme,5\n"})
    probs = problems_of(d)
    p = next(p for p in probs if words in p.message)
    assert (p.file, p.row, p.column) == ("client.yml", 4, "files.opportunities")
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "Traceback" not in err


def test_a_named_file_that_cannot_be_read_is_located_at_its_line(tmp_path):
    d = folder(tmp_path, "name: x\nfiles:\n  opportunities: deals.csv\n")
    (d / "deals.csv").mkdir()
    probs = problems_of(d)
    p = next(p for p in probs if "folder" in p.message)
    assert (p.file, p.row, p.column) == ("client.yml", 3, "files.opportunities")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_subfolder_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere.csv").write_text(OPPS, encoding="utf-8")
    d = folder(tmp_path, "name: x\nfiles:\n  opportunities: sub/deals.csv\n")
    (d / "sub").mkdir()
    os.symlink(tmp_path / "elsewhere.csv", d / "sub" / "deals.csv")
    probs = problems_of(d)
    p = next(p for p in probs if "outside the client folder" in p.message)
    assert (p.row, p.column) == (3, "files.opportunities")


def test_two_files_for_one_table_give_the_files_line_to_write(tmp_path):
    d = folder(tmp_path, "name: x\n", **{"opportunities.csv": OPPS, "opportunities_2023.csv": OPPS})
    (p,) = problems_of(d)
    assert 'files: {opportunities: "opportunities_2023.csv"}' in p.message
    assert 'files: {opportunities: "opportunities.csv"}' in p.message
    # written as the message says, it loads; the other file is ignored with a warning
    (d / "client.yml").write_text('name: x\nfiles: {opportunities: "opportunities_2023.csv"}\n', encoding="utf-8")
    c = load_client(d)
    assert c.sources["opportunities"] == "opportunities_2023.csv"
    assert any(w.file == "opportunities.csv" and "ignored" in w.message for w in c.warnings)


# ---------------------------------------------------------------------------
# stages not mapped: said, with what they were read as
# ---------------------------------------------------------------------------
def test_stages_read_by_their_usual_meaning_are_said(tmp_path):
    d = folder(tmp_path, "name: x\n", **{"opportunities.csv": OPPS})
    msg = next(w.message for w in load_client(d).warnings if "stage name" in w.message)
    assert "'Prospecting' → understand" in msg and "0%" in msg and "stages:" in msg
    assert "Closed Won" not in msg  # a closed result needs no saying
    (d / "client.yml").write_text("name: x\nstages: {Prospecting: identified}\n", encoding="utf-8")
    c = load_client(d)
    assert not any("stage name" in w.message for w in c.warnings)
    assert c.tables["opportunities"].set_index("opportunity_id").loc["A3", "stage"] == "identified"


# ---------------------------------------------------------------------------
# lookups
# ---------------------------------------------------------------------------
def test_lookup_names_disambiguates_shared_names():
    keys = pd.Series(["1043", "1044", "7", "8"])
    names = pd.DataFrame({"First": ["伟", "伟", "Ann", None], "Last": ["王", "王", "Lee", None]})
    m, notes = lookup_names(keys, names)
    assert m == {"1043": "伟 王 (1043)", "1044": "伟 王 (1044)", "7": "Ann Lee", "8": "8"}
    assert len(notes) == 1 and "伟 王 (1043)" in notes[0]


def test_owner_ids_shown_by_name_from_an_employee_file(tmp_path):
    yml = ("name: x\nas_of: 2024-12-31\nlookups:\n"
           "  salespeople: {file: staff/Employees.csv, key: Id, name: [FirstName, LastName]}\n")
    d = folder(tmp_path, yml, **{"opportunities.csv": OPPS,
                                 "staff__Employees.csv": "Id,FirstName,LastName\nE1,Wei,Wang\nE2,Wei,Wang\n"})
    c = load_client(d)
    owners = c.tables["opportunities"].set_index("opportunity_id")["owner"]
    assert owners.to_dict() == {"A1": "Wei Wang (E1)", "A2": "Wei Wang (E2)", "A3": "Wei Wang (E1)"}
    assert not any("not recognised" in w.message for w in c.warnings)  # a lookup file is not an unknown table


def test_lookup_column_missing_is_located(tmp_path):
    yml = "name: x\nlookups:\n  salespeople:\n    file: emp.csv\n    key: EmployeeKey\n    name: Nme\n"
    d = folder(tmp_path, yml, **{"opportunities.csv": OPPS, "emp.csv": "EmployeeKey,Name\nE1,Li\n"})
    (p,) = problems_of(d)
    assert (p.row, p.column) == (6, "lookups.salespeople.name") and "'Nme'" in p.message and "Name" in p.message


def test_lookups_from_frames():
    c = Client.from_frames({"revenue": pd.DataFrame({"date": ["2024-01-05"], "customer": ["C9"],
                                                      "amount": [10.0], "salesperson": ["E1"]})},
                           lookups={"customers": {"C9": "Acme"}, "salespeople": {"E1": "Li Na"}})
    r = c.tables["revenue"]
    assert (r["customer"].iloc[0], r["salesperson"].iloc[0]) == ("Acme", "Li Na")


# ---------------------------------------------------------------------------
# repeated ids, undated closed deals, list prices
# ---------------------------------------------------------------------------
LINES = pd.DataFrame({"opportunity_id": ["A", "A", "B", "C"], "stage": ["won", "won", "lost", "qualified"],
                      "amount": [10.0, 5.0, 7.0, 1.0], "product": ["p", "q", "p", "q"],
                      "closed_date": ["2024-02-01", "2024-02-01", "2024-03-01", None]})


@pytest.mark.parametrize("how, amount_a", [("sum", 15.0), ("keep_first", 10.0)])
def test_duplicates_setting(how, amount_a):
    c = Client.from_frames({"opportunities": LINES}, duplicates=how)
    o = c.tables["opportunities"].set_index("opportunity_id")
    assert list(o.index) == ["A", "B", "C"] and o.loc["A", "amount"] == amount_a
    assert any(f"duplicates: {how}" in w.message and "default is refuse" in w.message for w in c.warnings)


def test_duplicates_refused_by_default_and_sum_needs_one_stage():
    with pytest.raises(InputError, match="duplicates: sum"):
        Client.from_frames({"opportunities": LINES})
    mixed = LINES.assign(stage=["won", "lost", "lost", "qualified"])
    with pytest.raises(InputError, match="different stages"):
        Client.from_frames({"opportunities": mixed}, duplicates="sum")


UNDATED = pd.DataFrame({"opportunity_id": ["1", "2", "3", "4"], "stage": ["won", "lost", "lost", "qualified"],
                        "amount": [1.0, 2.0, 3.0, None], "product": ["p", "p", "p", "p"]})


def test_undated_closed_all_time_counts_in_the_period_analysed():
    from kalib.health import health_check

    c = Client.from_frames({"opportunities": UNDATED}, undated_closed="all_time", period="2023", as_of="2024-06-30")
    o = c.tables["opportunities"]
    assert (o["closed_date"].dropna() == pd.Timestamp("2023-12-31")).all()
    assert o["closed_date_assumed"].tolist() == [True, True, True, False]
    assert health_check(c)["win_rate"].value == pytest.approx(1 / 3)
    plain = Client.from_frames({"opportunities": UNDATED}, period="2023", as_of="2024-06-30")
    assert health_check(plain)["win_rate"].value is None


def test_amount_from_list_price_is_opt_in_and_flagged():
    products = pd.DataFrame({"product": ["p"], "list_price": [50.0]})
    off = Client.from_frames({"opportunities": UNDATED, "products": products})
    assert pd.isna(off.tables["opportunities"]["amount"].iloc[3])
    on = Client.from_frames({"opportunities": UNDATED, "products": products}, amount_from_list_price=True)
    o = on.tables["opportunities"]
    assert o["amount"].iloc[3] == 50.0 and o["amount_estimated"].tolist() == [False, False, False, True]
    assert any("list price" in w.message and "amount_estimated" in w.message for w in on.warnings)


# ---------------------------------------------------------------------------
# wide targets
# ---------------------------------------------------------------------------
def test_month_headers():
    assert month_of_header("2024-11") == (2024, 11)
    assert month_of_header("Nov 2024") == (2024, 11)
    assert month_of_header("2024年11月") == (2024, 11)
    assert month_of_header("Nov") is None and month_of_header("Nov", 2023) == (2023, 11)
    assert month_of_header("2024-13") is None and month_of_header("Region") is None


def test_quotas_from_wide_sums_one_year():
    wide = pd.DataFrame({"_row": [2, 3], "Rep": ["Li", "Wu"], "Region": ["E", "W"],
                         "2023-12": ["9", "9"], "2024-01": ["1,000", "2"], "2024-02": ["3", None]})
    q, said, unread = quotas_from_wide(wide, "Rep", None, factor=2.0)
    assert q.set_index("salesperson")["quota"].to_dict() == {"Li": 2006.0, "Wu": 4.0}
    assert "2 month(s) of 2024" in said and "only 2 of 12" in said and unread == ["Region"]
    q23, _, _ = quotas_from_wide(wide, "Rep", 2023)
    assert q23["quota"].tolist() == [9.0, 9.0]


def test_targets_person_missing_is_located(tmp_path):
    d = folder(tmp_path, "name: x\ntargets:\n  file: t.csv\n  person: Employee\n",
               **{"opportunities.csv": OPPS, "t.csv": "Rep,2024-01\nE1,5\n"})
    (p,) = problems_of(d)
    assert (p.row, p.column) == (4, "targets.person") and "Rep" in p.message


def test_a_sheet_named_in_client_yml_must_exist(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "deals"
    for row in OPPS.strip().splitlines():
        ws.append(row.split(","))
    wb.save(tmp_path / "book.xlsx")
    (tmp_path / "book.yml").write_text("name: x\nfiles:\n  opportunities: deals\n  revenue: invoices\n",
                                       encoding="utf-8")
    probs = problems_of(tmp_path / "book.xlsx")
    assert [(p.row, p.column) for p in probs] == [(4, "files.revenue")]
    assert "'invoices' is not a file or sheet" in probs[0].message
