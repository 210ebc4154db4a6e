"""The client data template (kalib.templates) and ``kalib new``."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

import kalib
from kalib.cli import main
from kalib.config import default_config, normalise_label
from kalib.schema import TABLES, header_lookup
from kalib.templates import (
    TEMPLATE_NAME,
    build_template,
    client_yml_template,
    header,
    sheet_name,
    template_path,
    workbook_values,
)

REPO = Path(__file__).resolve().parents[1]


def test_committed_template_matches_the_code():
    committed = REPO / "data" / "templates" / TEMPLATE_NAME
    assert committed == template_path()
    assert workbook_values(committed) == workbook_values(build_template()), (
        "data/templates is out of date: run `python -m kalib.templates`")


def test_one_sheet_per_table_with_recognised_headers():
    wb = build_template()
    assert wb.sheetnames[0] == "说明 README"
    assert wb.sheetnames[1:] == [f"{t.zh} {t.en}" for t in TABLES.values()]
    for t in TABLES.values():
        ws = wb[sheet_name(t)]
        row = [c.value for c in ws[1]]
        assert row == [f"{c.zh} {c.en}" for c in t.columns]
        lookup = header_lookup(t)
        assert [lookup[normalise_label(h)] for h in row] == t.column_names
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        assert ws.max_row == 1  # empty below the header


def test_readme_explains_every_column():
    wb = build_template()
    rows = list(wb["说明 README"].iter_rows(values_only=True))
    described = {(r[0], r[1]): r for r in rows if r and r[1] and r[0] in {sheet_name(t) for t in TABLES.values()}}
    for t in TABLES.values():
        for col in t.columns:
            r = described[(sheet_name(t), header(col))]
            kind, required, text, example = r[2], r[3], r[4], r[5]
            assert kind.endswith(f"/ {col.kind}")
            assert required == ("必填 required" if col.required else "可选 optional")
            assert text and "\n" in text  # Chinese line, then English line
            assert example
    stages = [r[0] for r in rows if r and isinstance(r[0], str)]
    for st in default_config().stages():
        assert f"{st['zh']} {st['en']}" in stages


def test_dropdowns_for_stage_status_and_yes_no():
    wb = build_template()

    def validations(sheet):
        ws = wb[sheet]
        return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}

    opp = validations(sheet_name(TABLES["opportunities"]))
    cols = {c.name: openpyxl.utils.get_column_letter(i) for i, c in enumerate(TABLES["opportunities"].columns, 1)}
    stage_list = opp[cols["stage"]].formula1.strip('"').split(",")
    assert stage_list == [s["zh"] for s in default_config().stages()]
    assert opp[cols["status"]].formula1 == '"进行中,赢单,丢单"'
    prod = validations(sheet_name(TABLES["products"]))
    assert prod["B"].formula1 == '"是,否"'
    scores = validations(sheet_name(TABLES["deal_scores"]))
    assert scores["D"].type == "whole" and (scores["D"].formula1, scores["D"].formula2) == ("1", "5")


def test_a_filled_template_loads(tmp_path):
    wb = openpyxl.load_workbook(template_path())
    wb["销售机会 Opportunities"].append(
        ["O1", "甲公司", "甲-扩产", "张三", "泵", "1,000,000", "合格", "60%", "2024-01-05", "2024-06-30", "进行中"])
    wb["销售机会 Opportunities"].append(
        ["O2", "乙公司", "乙-新厂", "李四", "阀", "500,000", "赢单", None, "2024-01-08", "2024-03-30", "赢单",
         "2024-03-28"])
    wb["客户 Customers"].append(["C1", "甲公司", "汽车", "华东", 800, None, "5,000,000", "民营"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    c = kalib.load_client(path)
    o = c.table("opportunities").set_index("opportunity_id")
    assert o.loc["O1", "stage"] == "qualified" and o.loc["O1", "status"] == "open"
    assert o.loc["O1", "win_rate_override"] == pytest.approx(0.6)
    assert o.loc["O2", "status"] == "won" and o.loc["O2", "amount"] == 500_000
    assert c.table("customers").set_index("customer").loc["甲公司", "wallet"] == 5_000_000
    assert not [w for w in c.warnings if "README" in str(w) or "说明" in str(w)]


def test_client_yml_template_documents_every_setting():
    text = client_yml_template("华东精工")
    data = yaml.safe_load(text)
    keys = {"name", "industry", "currency", "fx_to_rmb", "employees", "sales_target", "period", "as_of",
            "fiscal_year_start", "language", "date_format", "amount_unit", "columns", "stages", "files", "overrides"}
    assert keys <= set(data)
    from kalib.io import CLIENT_YML_KEYS

    assert set(data) <= CLIENT_YML_KEYS
    assert data["name"] == "华东精工"
    for key in keys:  # each setting has a comment line just above it (or above its examples)
        before = text.split(f"\n{key}:")[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), key
    for st in default_config().stages():
        assert f"#   {st['key']}" in text


def test_kalib_new_creates_a_folder_that_loads(tmp_path, capsys):
    assert main(["new", "华东精工", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "华东精工"
    assert sorted(p.name for p in folder.iterdir()) == sorted([TEMPLATE_NAME, "client.yml"])
    assert workbook_values(folder / TEMPLATE_NAME) == workbook_values(template_path())
    assert "kalib check" in capsys.readouterr().out
    c = kalib.load_client(folder)  # empty sheets: loads, with nothing to analyse
    assert c.name == "华东精工" and not any(c.has(t) for t in TABLES)


def test_kalib_new_services_industry(tmp_path):
    assert main(["new", "acme", "--dir", str(tmp_path), "--industry", "services"]) == 0
    assert yaml.safe_load((tmp_path / "acme" / "client.yml").read_text(encoding="utf-8"))["industry"] == "services"


def test_kalib_new_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    assert main(["new", "x", "--dir", str(tmp_path)]) == 0  # empty folder: fine
    before = sorted(p.name for p in (tmp_path / "x").iterdir())
    assert main(["new", "x", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == before


@pytest.mark.parametrize("bad", ["a/b", "..", "  "])
def test_kalib_new_refuses_bad_names(tmp_path, capsys, bad):
    assert main(["new", bad, "--dir", str(tmp_path)]) == 2
    assert "folder name" in capsys.readouterr().err
