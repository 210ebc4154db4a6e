"""Loading a client's files: formats, header names, messy rows, and a corpus of malformed inputs.

Each malformed case asserts its own message and where it points (file, sheet, row, column).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kalib
from kalib.cli import main
from kalib.client import InputError

SHARED = Path(__file__).resolve().parents[2] / "shared"
SALESFORCE = SHARED / "samples" / "salesforce"

OPP_HEADER = "机会编号,客户名称,负责人,产品,金额,销售阶段,预计成交日期,状态,关闭日期\n"
OPP_ROWS = [
    "O1,甲公司,张三,泵,100000,合格,2024-05-01,,\n",
    "O2,乙公司,李四,阀,200000,赢单,2024-03-01,赢单,2024-03-02\n",
    "O3,甲公司,张三,泵,50000,丢单,2024-02-01,丢单,2024-02-03\n",
]


def write(folder: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = folder / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding=encoding)
    return folder


def opp_csv(*rows: str, header: str = OPP_HEADER) -> str:
    return header + "".join(rows or OPP_ROWS)


def problems_of(path: Path) -> list[kalib.Problem]:
    with pytest.raises(InputError) as info:
        kalib.load_client(path)
    return info.value.problems


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# what loads
# ---------------------------------------------------------------------------
def test_chinese_headers_and_stages(tmp_path):
    c = kalib.load_client(write(tmp_path / "c", {"销售机会.csv": opp_csv()}))
    o = c.table("opportunities")
    assert o["stage"].tolist() == ["qualified", "won", "lost"]
    assert o["status"].tolist() == ["open", "won", "lost"]
    assert o["amount"].tolist() == [100000.0, 200000.0, 50000.0]
    # No revenue table: revenue comes from the won deal, and the client is told.
    assert c.derived == {"revenue": "opportunities"}
    assert c.table("revenue")["amount"].tolist() == [200000.0]
    assert any("revenue is taken from 1 won" in str(w) for w in c.warnings)


def test_gbk_and_bom_csv_read_the_same(tmp_path):
    text = opp_csv()
    a = kalib.load_client(write(tmp_path / "gbk", {"销售机会.csv": text.encode("gbk")}))
    b = kalib.load_client(write(tmp_path / "bom", {"销售机会.csv": b"\xef\xbb\xbf" + text.encode("utf-8")}))
    pd.testing.assert_frame_equal(a.table("opportunities").drop(columns="_row"),
                                  b.table("opportunities").drop(columns="_row"), check_like=True)
    assert a.table("opportunities")["customer"].iloc[0] == "甲公司"


def test_amount_formats_units_and_currency(tmp_path):
    rows = ["日期,客户名称,产品,金额\n", '2024-01-05,甲,泵,"1,200.50"\n', "2024/1/6,甲,泵,¥3万\n",
            "2024年1月7日,乙,阀,(500)\n", "45300,乙,阀,1.5亿\n"]
    c = kalib.load_client(write(tmp_path / "c", {"收入.csv": "".join(rows)}))
    r = c.table("revenue")
    assert r["amount"].tolist() == [1200.5, 30000.0, -500.0, 1.5e8]
    assert [d.date().isoformat() for d in r["date"]] == ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-09"]
    # A declared unit and exchange rate apply to plain numbers.
    c2 = kalib.load_client(write(tmp_path / "usd", {
        "收入.csv": "日期,客户名称,金额\n2024-01-05,甲,2\n",
        "client.yml": "currency: USD\nfx_to_rmb: 7.0\namount_unit: 万\n",
    }))
    assert c2.table("revenue")["amount"].tolist() == [2 * 1e4 * 7.0]


def test_quantity_times_price(tmp_path):
    c = kalib.load_client(write(tmp_path / "c", {"revenue.csv": "date,customer,quantity,unit price\n2024-02-01,A,3,1000\n"}))
    assert c.table("revenue")["amount"].tolist() == [3000.0]


def test_dates_day_first_when_declared(tmp_path):
    body = "date,customer,amount\n03/04/2024,A,1\n"
    us = kalib.load_client(write(tmp_path / "us", {"revenue.csv": body}))
    eu = kalib.load_client(write(tmp_path / "eu", {"revenue.csv": body, "client.yml": "date_format: dmy\n"}))
    assert us.table("revenue")["date"].iloc[0] == pd.Timestamp("2024-03-04")
    assert eu.table("revenue")["date"].iloc[0] == pd.Timestamp("2024-04-03")


def test_workbook_with_sheet_per_table_and_readme(tmp_path):
    path = xlsx(tmp_path / "client.xlsx", {
        "说明 README": [["这是说明"]],
        "客户 Customers": [["客户名称 Customer", "员工人数 Employees"], ["甲公司", 5000], ["乙公司", 40]],
        "销售机会 Opportunities": [["机会编号 Opportunity ID", "客户名称 Customer", "销售阶段 Stage", "金额 Amount"],
                               ["A-001", "甲公司", "方案", 1_000_000], [None, None, None, None],
                               ["A-002", "乙公司", "发现", None]],
    })
    c = kalib.load_client(path)
    assert c.table("customers")["employees"].tolist() == [5000, 40]
    o = c.table("opportunities")
    assert o["stage"].tolist() == ["solution", "identified"]
    # The blank row is skipped but row numbers stay those a person sees in Excel.
    assert o["_row"].tolist() == [2, 4]
    warn = [w for w in c.warnings if "no amount" in w.message]
    assert warn and warn[0].count == 1 and warn[0].sheet == "销售机会 Opportunities"


def test_messy_rows_load_with_counted_warnings(tmp_path):
    c = kalib.load_client(write(tmp_path / "c", {
        "products.csv": "product,core\n精密泵,是\n控制阀,否\n",
        "revenue.csv": "date,customer,product,amount\n2024-01-01,,精密泵,100\n2024-01-02,A,精密 泵,200\n"
                       "2024-01-03,A,ＣＯＮＴＲＯＬ,5\n2024-01-04,B,控制阀,7\n",
    }))
    msgs = {w.message.split(":")[0]: w for w in c.warnings}
    r = c.table("revenue")
    assert r["customer"].isna().sum() == 1
    assert r["product"].tolist()[:2] == ["精密泵", "精密泵"]
    assert any(w.count == 1 and "no customer" in w.message for w in c.warnings)
    assert any("differ in spelling" in w.message and w.count == 1 for w in c.warnings)
    assert any("not in the product list" in w.message for w in c.warnings), msgs


def test_salesforce_export_loads_with_stages_mapped():
    if not SALESFORCE.is_dir():
        pytest.skip(f"the Salesforce sample is not at {SALESFORCE}")
    c = kalib.load_client(SALESFORCE)
    o = c.table("opportunities")
    raw = pd.read_csv(SALESFORCE / "Opportunity.csv", encoding="utf-8-sig")
    assert len(o) == len(raw)
    expected = {"Qualification": "identified", "Discovery": "validated", "Proposal/Quote": "solution",
                "Negotiation": "agreed", "Closed Won": "won", "Closed Lost": "lost"}
    got = dict(zip(o["stage_raw"], o["stage"]))
    assert got == {k: v for k, v in expected.items() if k in set(raw["StageName"])}
    assert (o["status"] == "won").sum() == (raw["StageName"] == "Closed Won").sum()
    # Account IDs resolve to account names.
    accounts = pd.read_csv(SALESFORCE / "Account.csv", encoding="utf-8-sig")
    assert set(o["customer"].dropna()) <= set(accounts["Name"])
    assert o["amount"].sum() == pytest.approx(raw["Amount"].sum())


# A Salesforce report export of our own making, in the shape Salesforce writes (byte-order mark, the API
# field names, 18-character record ids for accounts and owners, ISO timestamps with +0000, 1/blank flags,
# a JSON address column full of quotes), so the test above also runs where the real sample is absent.
_SF_OPPORTUNITY = ("Id,IsDeleted,AccountId,Name,Description,StageName,Amount,Probability,CloseDate,Type,NextStep,"
                   "LeadSource,IsClosed,IsWon,ForecastCategory,ForecastCategoryName,CampaignId,HasOpportunityLineItem,"
                   "Pricebook2Id,OwnerId,CreatedDate,CreatedById,LastModifiedDate,LastModifiedById,SystemModstamp,"
                   "LastActivityDate,PushCount,LastStageChangeDate,FiscalQuarter,FiscalYear,Fiscal,ContactId,"
                   "LastViewedDate,LastReferencedDate,SyncedQuoteId")
_SF_ACCOUNT = "Id,IsDeleted,MasterRecordId,Name,Type,ParentId,BillingCity,BillingCountry,BillingAddress,OwnerId,CreatedDate"
_SF_STAGES = [("Qualification", 10, "", ""), ("Discovery", 20, "", ""), ("Proposal/Quote", 75, "", ""),
              ("Negotiation", 90, "", ""), ("Closed Won", 100, "1", "1"), ("Closed Lost", 0, "1", "")]


def _salesforce_export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    accounts = [(f"001Ec00000Gw{i:03d}IAD", name) for i, name in
                enumerate(["Walker Henson and Compton", "Hill Group", "Patterson-Hansen", "东方精密 Ltd."])]
    owner = "005Ec000004oBPNIA2"
    stamp = "2024-01-22T16:14:25.000+0000"
    rows = [_SF_ACCOUNT]
    for aid, name in accounts:
        address = '"{""city"":""Springfield"",""country"":""United States"",""latitude"":null}"'
        rows.append(f'{aid},,,"{name}",,,Springfield,United States,{address},{owner},{stamp}')
    (folder / "Account.csv").write_bytes(("\ufeff" + "\n".join(rows) + "\n").encode("utf-8"))
    rows = [_SF_OPPORTUNITY]
    for i in range(12):
        stage, prob, closed, won = _SF_STAGES[i % len(_SF_STAGES)]
        aid, name = accounts[i % len(accounts)]
        cells = [f"006Ec00000Aie{i:03d}IAZ", "", aid, f'"{name} - Services - {2023 + i % 2}"', "", stage,
                 f"{1000 + 137.25 * i:.2f}", str(prob), f"2024-{1 + i % 12:02d}-{10 + i:02d}", "", "", "", closed, won,
                 "Pipeline", "Pipeline", "", "", "", owner, stamp, owner, stamp, owner, stamp, "", "",
                 "" if i % 3 == 0 else f"2024-0{1 + i % 9}-0{1 + i % 7}T08:00:00.000+0000",
                 str(1 + i % 4), "2024", f"2024 {1 + i % 4}", "", "", "", ""]
        assert len(cells) == len(_SF_OPPORTUNITY.split(","))
        rows.append(",".join(cells))
    (folder / "Opportunity.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    return folder


def test_a_salesforce_shaped_export_loads_with_stages_and_accounts_resolved(tmp_path):
    folder = _salesforce_export(tmp_path / "sf")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    c = kalib.load_client(folder)
    o = c.table("opportunities")
    raw = pd.read_csv(folder / "Opportunity.csv", encoding="utf-8-sig")
    accounts = pd.read_csv(folder / "Account.csv", encoding="utf-8-sig")
    assert len(o) == len(raw) == 12
    expected = {"Qualification": "identified", "Discovery": "validated", "Proposal/Quote": "solution",
                "Negotiation": "agreed", "Closed Won": "won", "Closed Lost": "lost"}
    assert dict(zip(o["stage_raw"], o["stage"])) == expected
    assert (o["status"] == "won").sum() == (raw["StageName"] == "Closed Won").sum() == 2
    assert (o["status"] == "lost").sum() == (raw["StageName"] == "Closed Lost").sum() == 2
    # Account ids become the accounts' names, quotes, commas and Chinese included.
    by_id = dict(zip(accounts["Id"], accounts["Name"]))
    assert o["customer"].tolist() == [by_id[a] for a in raw["AccountId"]]
    assert o["amount"].sum() == pytest.approx(raw["Amount"].sum())
    # Both LastModifiedDate and LastStageChangeDate mean "last change": the deal's stage change is used, and said.
    stage_change = pd.to_datetime(raw["LastStageChangeDate"].str[:10])
    pd.testing.assert_series_equal(o["last_change"].reset_index(drop=True), stage_change.astype(o["last_change"].dtype),
                                   check_names=False)
    said = [w for w in c.warnings if w.column == "LastStageChangeDate"]
    assert len(said) == 1 and "'LastModifiedDate' is not" in said[0].message
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_empty_precise_field_gives_way_to_the_filled_one(tmp_path):
    folder = _salesforce_export(tmp_path / "sf")
    raw = pd.read_csv(folder / "Opportunity.csv", encoding="utf-8-sig", dtype=str)
    raw["LastStageChangeDate"] = ""
    (folder / "Opportunity.csv").write_text(raw.to_csv(index=False), encoding="utf-8")
    c = kalib.load_client(folder)
    assert c.table("opportunities")["last_change"].notna().all()
    assert any(w.column == "LastModifiedDate" and "'LastModifiedDate' is used" in w.message for w in c.warnings)


def test_two_columns_for_one_amount_are_still_refused(tmp_path):
    folder = _salesforce_export(tmp_path / "sf")
    raw = pd.read_csv(folder / "Opportunity.csv", encoding="utf-8-sig", dtype=str)
    raw.insert(7, "金额", raw["Amount"])
    (folder / "Opportunity.csv").write_text(raw.to_csv(index=False), encoding="utf-8")
    with pytest.raises(InputError, match="2 columns all mean"):
        kalib.load_client(folder)


def test_files_are_not_modified(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": opp_csv(), "client.yml": "name: 甲\n"})
    xlsx(folder / "客户.xlsx", {"客户": [["客户名称"], ["甲公司"]]})
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    kalib.load_client(folder)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert before == after


def test_yaml_is_never_executed(tmp_path):
    folder = write(tmp_path / "c", {
        "销售机会.csv": opp_csv(),
        "client.yml": "name: !!python/object/apply:os.system ['touch pwned']\n",
    })
    probs = problems_of(folder)
    assert not (folder / "pwned").exists() and not Path("pwned").exists()
    assert probs[0].file == "client.yml" and "not valid YAML" in probs[0].message


def test_check_command_exit_codes(tmp_path, capsys):
    good = write(tmp_path / "good", {"销售机会.csv": opp_csv()})
    assert main(["check", str(good), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "opportunities" in out and "3 rows" in out and "Monday review" in out
    assert main(["check", str(good)]) == 0  # Chinese by default, as every command
    out = capsys.readouterr().out
    assert "销售机会表（opportunities）：3 行" in out and "周一盘点" in out and "Monday" not in out
    bad = write(tmp_path / "bad", {"销售机会.csv": opp_csv("O1,甲,张三,泵,abc,合格,2024-05-01,,\n")})
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "销售机会.csv › row 2 › column '金额'" in err and "Traceback" not in err
    assert main(["check", str(bad), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "销售机会.csv › 第2行 › 列“金额”：应为金额" in err and "abc" in err


# ---------------------------------------------------------------------------
# the malformed corpus: (files, expected message fragment, file, sheet, row, column)
# ---------------------------------------------------------------------------
H = OPP_HEADER
CORPUS = [
    ("bad-amount", {"销售机会.csv": H + "O1,甲,张三,泵,约12万,合格,2024-05-01,,\n"},
     "expected an amount", "销售机会.csv", None, 2, "金额"),
    ("bad-date", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,2024-13-45,,\n"},
     "expected a date", "销售机会.csv", None, 2, "预计成交日期"),
    ("bad-date-word", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,下周,,\n"},
     "found '下周'", "销售机会.csv", None, 2, "预计成交日期"),
    ("unknown-stage", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,2024-05-01,,\nO2,甲,张三,泵,1,拜访,2024-05-01,,\n"},
     "unknown stage '拜访'", "销售机会.csv", None, 3, "销售阶段"),
    ("missing-stage-column", {"销售机会.csv": "机会编号,金额\nO1,5\n"},
     "missing column 销售阶段 / Stage", "销售机会.csv", None, None, "Stage"),
    ("missing-id-column", {"销售机会.csv": "销售阶段,金额\n合格,5\n"},
     "missing column 机会编号 / Opportunity ID", "销售机会.csv", None, None, "Opportunity ID"),
    ("duplicate-id", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,2024-05-01,,\nO1,乙,张三,泵,2,合格,2024-05-01,,\n"},
     "duplicate 机会编号 / opportunity_id 'O1' (rows 2, 3)", "销售机会.csv", None, 2, "机会编号"),
    ("blank-id", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,2024-05-01,,\n,乙,张三,泵,2,合格,2024-05-01,,\n"},
     "is blank, but 机会编号 / Opportunity ID is required", "销售机会.csv", None, 3, "机会编号"),
    ("blank-stage", {"销售机会.csv": H + "O1,甲,张三,泵,1,,2024-05-01,,\n"},
     "is blank, but 销售阶段 / Stage is required", "销售机会.csv", None, 2, "销售阶段"),
    ("bad-status", {"销售机会.csv": H + "O1,甲,张三,泵,1,合格,2024-05-01,也许,\n"},
     "expected won, lost or open", "销售机会.csv", None, 2, "状态"),
    ("status-contradicts-stage", {"销售机会.csv": H + "O1,甲,张三,泵,1,赢单,2024-05-01,丢单,2024-05-02\n"},
     "status contradicts the stage", "销售机会.csv", None, 2, "状态"),
    ("bad-rate", {"销售机会.csv": "机会编号,销售阶段,赢率\nO1,合格,150%\n"},
     "expected a percentage", "销售机会.csv", None, 2, "赢率"),
    ("rate-word", {"销售机会.csv": "机会编号,销售阶段,赢率\nO1,合格,高\n"},
     "found '高'", "销售机会.csv", None, 2, "赢率"),
    ("empty-file", {"销售机会.csv": ""},
     "the file is empty", "销售机会.csv", None, None, None),
    ("ragged-row", {"销售机会.csv": "机会编号,销售阶段\nO1,合格\nO2,合格,多余,又多\n"},
     "has 4 cells where the header has 2", "销售机会.csv", None, 3, None),
    ("revenue-no-date-column", {"收入.csv": "客户名称,金额\n甲,5\n"},
     "missing column 日期 / Date", "收入.csv", None, None, "Date"),
    ("revenue-no-amount-column", {"收入.csv": "日期,客户名称\n2024-01-01,甲\n"},
     "needs 金额 / amount or 数量 / quantity and 单价 / unit_price", "收入.csv", None, None, None),
    ("revenue-blank-date", {"收入.csv": "日期,客户名称,金额\n2024-01-01,甲,5\n,乙,6\n"},
     "is blank, but 日期 / Date is required", "收入.csv", None, 3, "日期"),
    ("revenue-blank-amount", {"收入.csv": "日期,客户名称,金额\n2024-01-01,甲,\n"},
     "no amount", "收入.csv", None, 2, "金额"),
    ("nps-out-of-range", {"nps.csv": "日期,客户名称,评分\n2024-01-01,甲,11\n"},
     "an NPS score is from 0 to 10, found 11", "nps.csv", None, 2, "评分"),
    ("nps-fraction", {"nps.csv": "日期,客户名称,评分\n2024-01-01,甲,7.5\n"},
     "expected a whole number", "nps.csv", None, 2, "评分"),
    ("duplicate-customer", {"客户.csv": "客户名称,员工人数\n甲,5\n乙,6\n甲,7\n"},
     "duplicate 客户名称 / customer '甲' (rows 2, 4)", "客户.csv", None, 2, "客户名称"),
    ("employees-word", {"客户.csv": "客户名称,员工人数\n甲,很多\n"},
     "expected a whole number", "客户.csv", None, 2, "员工人数"),
    ("duplicate-product", {"产品.csv": "产品,核心产品\n泵,是\n泵,否\n"},
     "duplicate 产品 / product '泵'", "产品.csv", None, 2, "产品"),
    ("bad-core-flag", {"产品.csv": "产品,核心产品\n泵,可能\n"},
     "expected yes or no", "产品.csv", None, 2, "核心产品"),
    ("salesperson-bad-hire-date", {"销售人员.csv": "姓名,入职日期\n张三,去年\n"},
     "expected a date", "销售人员.csv", None, 2, "入职日期"),
    ("salesperson-bad-quota", {"销售人员.csv": "姓名,年度指标\n张三,一千万\n"},
     "expected an amount", "销售人员.csv", None, 2, "年度指标"),
    ("snapshot-duplicate", {"机会快照.csv": "快照日期,机会编号,销售阶段\n2024-01-01,O1,合格\n2024-01-01,O1,方案\n"},
     "appears more than once in the snapshot of 2024-01-01", "机会快照.csv", None, 2, "机会编号"),
    ("snapshot-no-date-column", {"机会快照.csv": "机会编号,销售阶段\nO1,合格\n"},
     "missing column 快照日期 / Snapshot date", "机会快照.csv", None, None, "Snapshot date"),
    ("two-files-one-table", {"销售机会.csv": opp_csv(), "opportunities.csv": opp_csv()},
     "holds the opportunities table, which", "销售机会.csv", None, None, None),
    ("bad-industry", {"销售机会.csv": opp_csv(), "client.yml": "industry: 农业\n"},
     "industry must be manufacturing", "client.yml", None, 1, "industry"),
    ("unknown-setting", {"销售机会.csv": opp_csv(), "client.yml": "industy: services\n"},
     "unknown setting 'industy' (did you mean `industry`?)", "client.yml", None, 1, "industy"),
    ("bad-yaml", {"销售机会.csv": opp_csv(), "client.yml": "name: [unclosed\n"},
     "is not valid YAML", "client.yml", None, 2, None),
    ("currency-without-rate", {"销售机会.csv": opp_csv(), "client.yml": "currency: USD\n"},
     "set fx_to_rmb", "client.yml", None, 1, "fx_to_rmb"),
    ("stage-map-to-nothing", {"销售机会.csv": opp_csv(), "client.yml": "stages:\n  拜访: visiting\n"},
     "which is not a stage", "client.yml", None, 2, "stages.拜访"),
    ("column-map-to-nothing", {"销售机会.csv": opp_csv(), "client.yml": "columns:\n  opportunities:\n    编号: idd\n"},
     "has no column 'idd'", "client.yml", None, 3, "columns.opportunities.编号"),
    ("bad-override", {"销售机会.csv": opp_csv(), "client.yml": "overrides:\n  stages:\n    rates:\n      magic: 0.4\n"},
     "unknown stage 'magic'", "client.yml", None, 1, "overrides"),
    ("bad-target", {"销售机会.csv": opp_csv(), "client.yml": "sales_target: lots\n"},
     "sales_target must be a positive number", "client.yml", None, 1, "sales_target"),
    ("bad-period", {"销售机会.csv": opp_csv(), "client.yml": "period: next year\n"},
     "cannot read the period 'next year'", "client.yml", None, 1, "period"),
    ("no-data-files", {"client.yml": "name: x\n"},
     "no data files found", "no-data-files", None, None, None),
    ("not-utf8-nor-gbk", {"销售机会.csv": b"\xff\xfe\x00\x00" + bytes(range(128, 256)) * 4},
     "cannot tell the text encoding", "销售机会.csv", None, None, None),
]


@pytest.mark.parametrize("case", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_corpus(tmp_path, case, capsys):
    name, files, fragment, file, sheet, row, column = case
    folder = write(tmp_path / name, files)
    probs = problems_of(folder)
    match = [p for p in probs if fragment in p.message]
    assert match, f"no problem says {fragment!r}; got: {[str(p) for p in probs]}"
    p = match[0]
    assert (p.file, p.sheet, p.row, p.column) == (file, sheet, row, column), str(p)
    # The command line says the same, exits 2, shows no traceback.
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


XLSX_CORPUS = [
    ("empty-sheet", {"客户 Customers": [["客户名称"], ["甲"]], "销售机会 Opportunities": []},
     "is empty: no header row", "销售机会 Opportunities", None, None),
    ("bad-sheet-cell", {"销售机会": [["机会编号", "销售阶段", "金额"], ["A", "合格", 5], ["B", "合格", "五万元整"]]},
     "expected an amount", "销售机会", 3, "金额"),
    ("sheet-duplicate-ids", {"销售机会": [["机会编号", "销售阶段"], ["A", "合格"], [None, None], ["A", "方案"]]},
     "duplicate 机会编号 / opportunity_id 'A' (rows 2, 4)", "销售机会", 2, "机会编号"),
]


@pytest.mark.parametrize("case", XLSX_CORPUS, ids=[c[0] for c in XLSX_CORPUS])
def test_malformed_workbooks(tmp_path, case):
    name, sheets, fragment, sheet, row, column = case
    path = xlsx(tmp_path / f"{name}.xlsx", sheets)
    probs = problems_of(path)
    match = [p for p in probs if fragment in p.message]
    assert match, [str(p) for p in probs]
    assert (match[0].file, match[0].sheet, match[0].row, match[0].column) == (path.name, sheet, row, column)


def test_every_problem_is_collected(tmp_path):
    folder = write(tmp_path / "many", {
        "销售机会.csv": H + "O1,甲,张三,泵,abc,合格,2024-05-01,,\nO2,甲,张三,泵,1,合格,bad,,\n",
        "收入.csv": "客户名称,金额\n甲,5\n",
        "client.yml": "industry: 农业\n",
    })
    probs = problems_of(folder)
    assert {p.file for p in probs} == {"销售机会.csv", "收入.csv", "client.yml"}
    assert len(probs) >= 4
