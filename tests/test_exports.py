"""The README's coach's guide, run: five export shapes from raw files and a client.yml to the numbers.

Each folder of ``tests/fixtures/exports/`` holds one client exported the way a
common system exports (see ``make_exports.py``); its ``client.yml`` is the one
the README shows.  Every number checked here is computed again from the raw
files with plain pandas, without kalib.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from kalib import load_client
from kalib.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
SHAPES = ["crm", "erp", "webshop", "wonlost", "productlines"]
Y2024 = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))


def _readme_examples() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- export: (\w+) -->\n```yaml\n(.*?)```", text, re.S))


def _run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 else None), out.err


def _indicator(health: dict, key: str) -> dict:
    return next(i for i in health["indicators"] if i["key"] == key)


def _top_share(by_customer: pd.Series, total: float, n: int = 10) -> tuple[float, list[str]]:
    top = by_customer.sort_values(ascending=False, kind="stable").head(n)
    return float(top.sum()) / total, list(top.index)


# ---------------------------------------------------------------------------
# the README and the fixtures are one thing
# ---------------------------------------------------------------------------
def test_readme_shows_each_fixture_client_yml():
    examples = _readme_examples()
    assert sorted(examples) == sorted(SHAPES)
    for shape in SHAPES:
        assert examples[shape] == (EXPORTS / shape / "client.yml").read_text(encoding="utf-8"), shape


def test_fixtures_are_what_the_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.HERE = tmp_path
    for make in mod.SHAPES.values():
        make()
    for shape in SHAPES:
        made = sorted(p.relative_to(tmp_path / shape) for p in (tmp_path / shape).iterdir())
        kept = sorted(p.relative_to(EXPORTS / shape) for p in (EXPORTS / shape).iterdir())
        assert made == kept, shape
        for rel in made:
            assert (tmp_path / shape / rel).read_bytes() == (EXPORTS / shape / rel).read_bytes(), (shape, rel)
        assert sum(p.stat().st_size for p in (EXPORTS / shape).iterdir()) < 200_000


# ---------------------------------------------------------------------------
# 1. CRM opportunity export with accounts, products, team list
# ---------------------------------------------------------------------------
def test_crm_export(capsys):
    folder = EXPORTS / "crm"
    opp = pd.read_csv(folder / "Opportunities.csv", dtype=str)
    accounts = pd.read_csv(folder / "Accounts.csv", dtype=str)
    prices = pd.read_csv(folder / "Products.csv").set_index("Product Name")["List Price"]
    opp["Amount"] = pd.to_numeric(opp["Amount"])
    close = pd.to_datetime(opp["Close Date"])
    closed = opp["Stage"].isin(["Closed Won", "Closed Lost"])
    in_2024 = closed & close.between(*Y2024)
    won = in_2024 & (opp["Stage"] == "Closed Won")
    win_rate = won.sum() / in_2024.sum()
    open_ = ~closed
    open_amount = opp.loc[open_, "Amount"].fillna(opp.loc[open_, "Product"].map(prices)).sum()
    names = dict(zip(accounts["Account ID"], accounts["Account Name"]))
    by_customer = opp.loc[won].assign(c=opp.loc[won, "Account ID"].map(names)).groupby("c")["Amount"].sum()
    share, top = _top_share(by_customer, opp.loc[won, "Amount"].sum())

    code, health, _ = _run(capsys, "health", str(folder))
    assert code == 0
    assert _indicator(health, "win_rate")["value"] == pytest.approx(win_rate)
    assert _indicator(health, "win_rate")["detail"]["won"] == won.sum()
    ind1 = _indicator(health, "top10_share")
    assert ind1["value"] == pytest.approx(share)
    assert ind1["detail"]["top_customers"] == top
    code, pipe, _ = _run(capsys, "pipeline", str(folder))
    assert code == 0
    dash = pipe["dashboard"]
    assert dash["open_count"] == open_.sum()
    assert dash["open_amount"] == pytest.approx(open_amount)
    assert dash["no_amount_count"] == 0
    priced = open_ & opp["Amount"].isna()
    assert dash["estimated_count"] == priced.sum() > 0
    assert dash["estimated_amount"] == pytest.approx(opp.loc[priced, "Product"].map(prices).sum())
    assert any("list price" in n for n in dash["notes"])

    c = load_client(folder)
    o = c.tables["opportunities"]
    assert int(o["amount_estimated"].sum()) == int((open_ & opp["Amount"].isna()).sum()) > 0
    said = " ".join(w.message for w in c.warnings)
    assert "'Prospecting' → understand" in said and "0%" in said and "Technical Evaluation" not in said
    assert "list price" in said


# ---------------------------------------------------------------------------
# 2. ERP fact table + reseller / product / employee tables + month-per-column targets
# ---------------------------------------------------------------------------
def _names(frame: pd.DataFrame, key: str, cols: list[str]) -> dict[str, str]:
    name = frame[cols].fillna("").astype(str).agg(" ".join, axis=1).str.strip()
    shared = name.duplicated(keep=False)
    shown = name.where(~shared, name + " (" + frame[key].astype(str) + ")")
    return dict(zip(frame[key].astype(str), shown))


def test_erp_export(capsys):
    folder = EXPORTS / "erp"
    fact = pd.read_csv(folder / "FactResellerSales.csv", dtype={"ResellerKey": str, "EmployeeKey": str})
    resellers = pd.read_csv(folder / "DimReseller.csv", dtype=str)
    employees = pd.read_csv(folder / "DimEmployee.csv", dtype=str)
    targets = pd.read_csv(folder / "SalesTargets.csv", dtype={"EmployeeKey": str})
    fx = 7.1
    rev = fact.loc[pd.to_datetime(fact["OrderDate"]).between(*Y2024)]
    total = rev["SalesAmount"].sum() * fx
    reseller_name = _names(resellers, "ResellerKey", ["ResellerName"])
    by_customer = (rev["SalesAmount"] * fx).groupby(rev["ResellerKey"].map(reseller_name)).sum()
    share, top = _top_share(by_customer, total)
    person = _names(employees, "EmployeeKey", ["FirstName", "LastName"])

    code, health, _ = _run(capsys, "health", str(folder))
    assert code == 0
    ind1 = _indicator(health, "top10_share")
    assert ind1["detail"]["total_revenue"] == pytest.approx(total)
    assert ind1["value"] == pytest.approx(share)
    assert ind1["detail"]["top_customers"] == top
    assert any(re.fullmatch(r"Bike World \(\d+\)", n) for n in top)  # a shared name, kept apart
    ind7 = _indicator(health, "sales_per_rep")
    assert ind7["value"] == pytest.approx(total / len(employees))
    code, _, err = _run(capsys, "pipeline", str(folder))
    assert code == 2 and "opportunities" in err

    c = load_client(folder)
    sp = c.tables["salespeople"].set_index("salesperson")
    assert sorted(sp.index) == sorted(person.values())
    assert {"Wei Wang (281)", "Wei Wang (284)"} <= set(sp.index)
    months = [m for m in targets.columns if m.startswith("2024-")]
    assert len(months) == 12
    for key, row in targets.set_index("EmployeeKey").iterrows():
        assert sp.loc[person[key], "quota"] == pytest.approx(row[months].sum() * fx)
    assert pd.isna(sp.loc[person["272"], "quota"])  # no target row: no quota, not 0
    r = c.tables["revenue"]
    assert set(r["salesperson"]) == set(fact["EmployeeKey"].map(person))
    assert r["product"].isin(c.tables["products"]["product"]).all()


# ---------------------------------------------------------------------------
# 3. Web shop invoice lines
# ---------------------------------------------------------------------------
def test_webshop_export(capsys):
    folder = EXPORTS / "webshop"
    lines = pd.read_csv(folder / "online_retail.csv", dtype={"Customer ID": str, "Invoice": str})
    fx = 9.1
    when = pd.to_datetime(lines["InvoiceDate"], format="%d/%m/%Y %H:%M")
    y = lines.loc[when.between(Y2024[0], Y2024[1] + pd.Timedelta(days=1), inclusive="left")]
    amount = y["Quantity"] * y["Price"] * fx
    total = amount.sum()
    by_customer = amount.groupby(y["Customer ID"]).sum()
    share, top = _top_share(by_customer, total)

    code, health, _ = _run(capsys, "health", str(folder))
    assert code == 0
    ind1 = _indicator(health, "top10_share")
    assert ind1["detail"]["total_revenue"] == pytest.approx(total)
    assert ind1["detail"]["unassigned_revenue"] == pytest.approx(amount[y["Customer ID"].isna()].sum())
    assert ind1["value"] == pytest.approx(share)
    assert ind1["detail"]["top_customers"] == top
    assert (y["Quantity"] < 0).any()  # returns are in the data, and lower the total
    code, _, err = _run(capsys, "pipeline", str(folder))
    assert code == 2 and "opportunities" in err


# ---------------------------------------------------------------------------
# 4. Won/lost without dates
# ---------------------------------------------------------------------------
def test_wonlost_export(capsys):
    folder = EXPORTS / "wonlost"
    deals = pd.read_csv(folder / "won_lost.csv")
    won, lost = int((deals["Result"] == "Won").sum()), int((deals["Result"] == "Lost").sum())

    code, health, _ = _run(capsys, "health", str(folder))
    assert code == 0
    ind5 = _indicator(health, "win_rate")
    assert ind5["value"] == pytest.approx(won / (won + lost))
    assert (ind5["detail"]["won"], ind5["detail"]["lost"]) == (won, lost)
    code, pipe, _ = _run(capsys, "pipeline", str(folder))
    assert code == 0
    assert pipe["dashboard"]["own_win_rate"] == pytest.approx(won / (won + lost))
    c = load_client(folder)
    assert bool(c.tables["opportunities"]["closed_date_assumed"].all())
    assert any("undated_closed: 2024" in w.message for w in c.warnings)


def test_wonlost_without_the_setting_says_the_default(tmp_path):
    folder = tmp_path / "wl"
    folder.mkdir()
    (folder / "won_lost.csv").write_bytes((EXPORTS / "wonlost" / "won_lost.csv").read_bytes())
    yml = (EXPORTS / "wonlost" / "client.yml").read_text(encoding="utf-8")
    (folder / "client.yml").write_text(re.sub(r"(?m)^undated_closed:.*\n", "", yml), encoding="utf-8")
    c = load_client(folder)
    msg = next(w.message for w in c.warnings if "have no date" in w.message)
    assert "left out of win rates (default)" in msg and "undated_closed" in msg
    assert not c.tables["opportunities"]["closed_date_assumed"].any()


# ---------------------------------------------------------------------------
# 5. One row per product line
# ---------------------------------------------------------------------------
def test_productlines_export(capsys):
    folder = EXPORTS / "productlines"
    lines = pd.read_csv(folder / "OpportunityLineItems.csv")
    deals = lines.groupby("Opportunity ID").agg(stage=("Stage", "first"), close=("Close Date", "first"),
                                                amount=("Total Price", "sum"))
    assert deals.index.size < len(lines)  # ids do repeat
    closed = deals["stage"].isin(["Closed Won", "Closed Lost"])
    in_2024 = closed & pd.to_datetime(deals["close"]).between(*Y2024)
    won = in_2024 & (deals["stage"] == "Closed Won")

    code, health, _ = _run(capsys, "health", str(folder))
    assert code == 0
    ind5 = _indicator(health, "win_rate")
    assert ind5["value"] == pytest.approx(won.sum() / in_2024.sum())
    assert ind5["detail"]["won"] == won.sum()
    code, pipe, _ = _run(capsys, "pipeline", str(folder))
    assert code == 0
    assert pipe["dashboard"]["open_count"] == (~closed).sum()
    assert pipe["dashboard"]["open_amount"] == pytest.approx(deals.loc[~closed, "amount"].sum())
    ind1 = _indicator(health, "top10_share")
    assert ind1["detail"]["total_revenue"] == pytest.approx(deals.loc[won, "amount"].sum())


def test_productlines_refused_by_default(tmp_path, capsys):
    folder = tmp_path / "pl"
    folder.mkdir()
    (folder / "OpportunityLineItems.csv").write_bytes((EXPORTS / "productlines" / "OpportunityLineItems.csv")
                                                      .read_bytes())
    yml = (EXPORTS / "productlines" / "client.yml").read_text(encoding="utf-8")
    (folder / "client.yml").write_text(re.sub(r"(?m)^duplicates:.*\n", "", yml), encoding="utf-8")
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "duplicates: sum" in err and "duplicates: keep_first" in err and "Traceback" not in err
