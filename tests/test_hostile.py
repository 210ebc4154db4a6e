"""Hostile and broken input files: refused or read right, never a silent wrong number, a hang or a crash.

Each case checks the message and where it points (file › sheet › row › column).
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

import kalib
from kalib.cli import main
from kalib.client import InputError

H = "机会编号,客户名称,负责人,产品,金额,销售阶段,预计成交日期,状态,关闭日期\n"
ROW = "O{i},甲公司,张三,泵,100000,合格,2024-05-01,,\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def rows(n: int, start: int = 1) -> str:
    return "".join(ROW.format(i=i) for i in range(start, start + n))


def problems_of(path: Path) -> list[kalib.Problem]:
    with pytest.raises(InputError) as info:
        kalib.load_client(path)
    return info.value.problems


def one(probs: list[kalib.Problem], fragment: str) -> kalib.Problem:
    match = [p for p in probs if fragment in p.message]
    assert match, f"no problem says {fragment!r}; got: {[str(p) for p in probs]}"
    return match[0]


def where(p: kalib.Problem) -> tuple:
    return p.file, p.sheet, p.row, p.column


# ---------------------------------------------------------------------------
# files: links, special files, sizes, workbooks that inflate
# ---------------------------------------------------------------------------
def test_a_link_to_another_clients_file_is_refused_unless_allowed(tmp_path):
    other = write(tmp_path / "other", {"销售机会.csv": H + rows(2)})
    client = write(tmp_path / "client", {"客户.csv": "客户名称\n甲公司\n"})
    (client / "销售机会.csv").symlink_to(other / "销售机会.csv")
    p = one(problems_of(client), "outside the client folder")
    assert where(p) == ("销售机会.csv", None, None, None)
    assert str((other / "销售机会.csv").resolve()) in p.message and "allow_links: true" in p.message
    write(client, {"client.yml": "allow_links: true\n"})
    c = kalib.load_client(client)
    assert c.table("opportunities")["opportunity_id"].tolist() == ["O1", "O2"]
    # A link to a file inside the folder needs no permission.
    (client / "销售机会.csv").unlink()
    (client / "client.yml").unlink()
    write(client, {"opportunities-2024.txt.bak": H + rows(3)})
    (client / "销售机会.csv").symlink_to("opportunities-2024.txt.bak")
    assert len(kalib.load_client(client).table("opportunities")) == 3


def test_special_files_are_refused_without_being_opened(tmp_path):
    client = write(tmp_path / "c", {"客户.csv": "客户名称\n甲公司\n"})
    os.mkfifo(client / "销售机会.csv")  # opening it would wait for a writer forever
    (client / "收入.csv").mkdir()
    (client / "产品.csv").symlink_to("/dev/zero")
    write(client, {"client.yml": "allow_links: true\n"})
    t0 = time.monotonic()
    probs = problems_of(client)
    assert time.monotonic() - t0 < 10
    assert where(one(probs, "is a folder")) == ("收入.csv", None, None, None)
    assert [p.file for p in probs if "not a regular file" in p.message] == ["产品.csv", "销售机会.csv"]


def test_a_folder_named_like_a_file_but_no_table_is_only_a_warning(tmp_path):
    client = write(tmp_path / "c", {"销售机会.csv": H + rows(1)})
    (client / "archive.csv").mkdir()
    c = kalib.load_client(client)
    assert any(w.file == "archive.csv" and "is a folder" in w.message for w in c.warnings)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    client = write(tmp_path / "c", {"客户.csv": "客户名称\n甲公司\n"})
    with open(client / "销售机会.csv", "wb") as fh:  # sparse: 600 MB on paper, nothing on disk
        fh.write(H.encode())
        fh.truncate(600 * 2**20)
    t0 = time.monotonic()
    p = one(problems_of(client), "above the limit of 512.0 MB")
    assert time.monotonic() - t0 < 10
    assert where(p) == ("销售机会.csv", None, None, None) and "600.0 MB" in p.message
    # The limit is the method's, overridable per client.
    small = write(tmp_path / "small", {"销售机会.csv": H + rows(20_000),
                                       "client.yml": "overrides:\n  input_limits:\n    max_file_mb: 1\n"})
    one(problems_of(small), "above the limit of 1.0 MB")
    bad = write(tmp_path / "bad", {"销售机会.csv": H + rows(1),
                                   "client.yml": "overrides:\n  input_limits:\n    max_file_mb: -1\n"})
    assert where(one(problems_of(bad), "max_file_mb must be a positive number")) == (
        "client.yml", None, None, "overrides")


def test_a_giant_cell_is_located_not_read_into_memory(tmp_path):
    big = "x" * (2 * 10**6)
    client = write(tmp_path / "c", {"销售机会.csv": H + rows(2) + f'O9,"{big}",张三,泵,1,合格,2024-05-01,,\n'})
    p = one(problems_of(client), "a cell of 2,000,000 characters, above the limit of 1,000,000")
    assert where(p) == ("销售机会.csv", None, 4, "客户名称")
    # Larger than a read block (the 50 MB cell of a runaway export): still located at its row.
    huge = write(tmp_path / "huge", {"销售机会.csv": H + rows(2) + 'O9,"' + "y" * (17 * 2**20) + '",张三,泵,1,合格,,,\n'})
    p = one(problems_of(huge), f"a cell of {17 * 2**20:,} characters")
    assert where(p) == ("销售机会.csv", None, 4, "客户名称")
    # An unclosed quote swallowing the rest of a long file reads as one giant cell: located where it opens.
    runaway = write(tmp_path / "runaway", {"销售机会.csv": H + rows(2) + 'O9,"甲,张三,泵,1,合格,,,\n' + rows(60_000, 10)})
    p = one(problems_of(runaway), "never closed")
    assert where(p) == ("销售机会.csv", None, 4, None)


def _xlsx(path: Path, rows_: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "销售机会"
    for r in rows_:
        ws.append(r)
    wb.save(path)
    return path


def _rewrite_member(path: Path, name: str, edit) -> None:
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members[name] = edit(members.get(name, b""))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)


def test_a_workbook_claiming_a_huge_sheet_is_read_by_its_real_cells(tmp_path):
    n = 3000
    rows_ = [["机会编号", "销售阶段", "金额"]] + [[f"A{i}", "合格", i] for i in range(n)]
    path = _xlsx(tmp_path / "c.xlsx", rows_)
    # 9,000 real cells and a note far below; the sheet says it spans every column Excel has (16,384 per row:
    # hundreds of millions of cells if the declared size were believed).
    _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        f'<dimension ref="A1:C{n + 1}" />'.encode(), b'<dimension ref="A1:XFD1048576" />').replace(
        b"</sheetData>", b'<row r="100000"><c r="A100000" t="inlineStr"><is><t>end</t></is></c></row></sheetData>'))
    with zipfile.ZipFile(path) as z:
        assert b"A1:XFD1048576" in z.read("xl/worksheets/sheet1.xml")
    t0 = time.monotonic()
    probs = problems_of(path)
    assert time.monotonic() - t0 < 8
    # Every real row is read: only the note's row lacks a stage.
    assert [where(p) for p in probs] == [("c.xlsx", "销售机会", 100000, "销售阶段")]


def test_an_inflating_workbook_is_refused_before_it_is_unpacked(tmp_path):
    path = _xlsx(tmp_path / "bomb.xlsx", [["机会编号", "销售阶段"], ["A", "合格"]])
    bomb = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + \
        b"<si><t>A</t></si>" * (4 * 2**20) + b"</sst>"
    _rewrite_member(path, "xl/sharedStrings.xml", lambda _: bomb)
    p = one(problems_of(path), "would inflate")
    assert where(p) == ("bomb.xlsx", None, None, None) and "xl/sharedStrings.xml" in p.message
    # Shared text that compresses only moderately is bounded by its size.
    path2 = _xlsx(tmp_path / "texts.xlsx", [["机会编号", "销售阶段"], ["A", "合格"]])
    texts = b"".join(b"<si><t>%x</t></si>" % (i * 2654435761 % 2**32) for i in range(150_000))
    _rewrite_member(path2, "xl/sharedStrings.xml", lambda _: bomb[:bomb.index(b"<si>")] + texts + b"</sst>")
    folder = tmp_path / "limit"
    folder.mkdir()
    path2.rename(folder / "texts.xlsx")
    write(folder, {"client.yml": "overrides:\n  input_limits:\n    max_shared_strings_mb: 1\n"})
    p = one(problems_of(folder), "its shared text (xl/sharedStrings.xml) is 3.4 MB, above the limit of 1.0 MB")
    assert where(p) == ("texts.xlsx", None, None, None)
    # Not a zip at all: said in words, not as a library's exception.
    fake = write(tmp_path / "f", {"销售机会.xlsx": H + rows(1)})
    assert where(one(problems_of(fake), "is not an Excel workbook")) == ("销售机会.xlsx", None, None, None)


def test_a_giant_workbook_cell_is_located(tmp_path):
    folder = write(tmp_path / "c", {"client.yml": "overrides:\n  input_limits:\n    max_cell_chars: 10000\n"})
    _xlsx(folder / "c.xlsx", [["机会编号", "销售阶段", "金额", "名称"], ["A", "合格", 1, "n"], ["B", "合格", 1, "n" * 20_000]])
    p = one(problems_of(folder), "a cell of 20,000 characters, above the limit of 10,000")
    assert where(p) == ("c.xlsx", "销售机会", 3, "名称")


# ---------------------------------------------------------------------------
# numbers: decimal commas, non-finite values, duplicate and missing columns, negatives
# ---------------------------------------------------------------------------
EURO = H + 'O1,甲,张三,泵,"1.234,56",合格,2024-05-01,,\nO2,甲,张三,泵,"12,5",合格,2024-05-01,,\nO3,甲,张三,泵,7,合格,2024-05-01,,\n'


def test_a_decimal_comma_is_never_guessed(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": EURO})
    p = one(problems_of(folder), "decimal comma")
    assert where(p) == ("销售机会.csv", None, 2, "金额")
    assert "'1.234,56'" in p.message and "(rows 2, 3)" in p.message and "decimal: ','" in p.message


def test_a_declared_decimal_comma_reads_european_amounts(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": EURO, "client.yml": "decimal: ','\n"})
    assert kalib.load_client(folder).table("opportunities")["amount"].tolist() == [1234.56, 12.5, 7.0]
    semi = H.replace(",", ";") + "O1;甲;张三;泵;1.234,56;合格;2024-05-01;;\nO2;甲;张三;泵;0,5;合格;2024-05-01;;\n"
    folder = write(tmp_path / "semi", {"销售机会.csv": semi, "client.yml": "decimal: ','\n"})
    assert kalib.load_client(folder).table("opportunities")["amount"].tolist() == [1234.56, 0.5]
    # Declared, a decimal point is what is out of place.
    point = write(tmp_path / "point", {"销售机会.csv": H + 'O1,甲,张三,泵,"1,234.5",合格,2024-05-01,,\n',
                                       "client.yml": "decimal: ','\n"})
    p = one(problems_of(point), "expected an amount written with a decimal comma")
    assert where(p) == ("销售机会.csv", None, 2, "金额") and "'1,234.5'" in p.message
    # A workbook's numeric cells are numbers either way.
    wb = write(tmp_path / "wb", {"client.yml": "decimal: ','\n"})
    _xlsx(wb / "c.xlsx", [["机会编号", "销售阶段", "金额"], ["A", "合格", 1234.5], ["B", "合格", "2,5"]])
    assert kalib.load_client(wb).table("opportunities")["amount"].tolist() == [1234.5, 2.5]


def test_a_declared_decimal_point_refuses_a_comma_that_groups_nothing(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": EURO, "client.yml": "decimal: '.'\n"})
    probs = problems_of(folder)
    p = one(probs, "expected an amount")
    assert where(p) == ("销售机会.csv", None, 2, "金额") and "(rows 2, 3)" in p.message
    ok = write(tmp_path / "ok", {"销售机会.csv": H + 'O1,甲,张三,泵,"1,234.5",合格,2024-05-01,,\n'})
    assert kalib.load_client(ok).table("opportunities")["amount"].tolist() == [1234.5]
    bad = write(tmp_path / "bad", {"销售机会.csv": H + rows(1), "client.yml": "decimal: ';'\n"})
    assert where(one(problems_of(bad), "decimal must be")) == ("client.yml", None, 1, "decimal")


def test_non_finite_amounts_are_located_errors(tmp_path, capsys):
    folder = write(tmp_path / "c", {"销售机会.csv": H + rows(1) + "O2,甲,张三,泵,inf,合格,2024-05-01,,\n"
                                                         "O3,甲,张三,泵,1e400,合格,2024-05-01,,\n"
                                                         "O4,甲,张三,泵,NaN,合格,2024-05-01,,\n"})
    p = one(problems_of(folder), "expected a finite number")
    assert where(p) == ("销售机会.csv", None, 3, "金额") and "(rows 3, 4, 5)" in p.message
    assert main(["check", "--json", str(folder)]) == 2
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert out["ok"] is False
    # In a workbook too.
    path = _xlsx(tmp_path / "c.xlsx", [["机会编号", "销售阶段", "金额"], ["A", "合格", "Infinity"]])
    assert where(one(problems_of(path), "expected a finite number")) == ("c.xlsx", "销售机会", 2, "金额")


def test_several_columns_for_one_field_are_an_error_naming_them(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": "机会编号,销售阶段,金额,预计金额,合同金额\nO1,合格,1,2,3\n"})
    p = one(problems_of(folder), "3 columns all mean 金额 / Amount")
    assert "'金额', '预计金额', '合同金额'" in p.message and p.file == "销售机会.csv"
    # The same header twice counts too.
    twice = write(tmp_path / "twice", {"销售机会.csv": "机会编号,销售阶段,金额,金额\nO1,合格,1,2\n"})
    one(problems_of(twice), "2 columns all mean 金额 / Amount")
    # Naming the one to use settles it.
    write(folder, {"client.yml": "columns:\n  opportunities:\n    合同金额: amount\n"})
    assert kalib.load_client(folder).table("opportunities")["amount"].tolist() == [3.0]


def test_a_negative_opportunity_amount_is_a_located_error(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": H + rows(2) + "O9,甲,张三,泵,(5000),合格,2024-05-01,,\n"})
    p = one(problems_of(folder), "a negative amount")
    assert where(p) == ("销售机会.csv", None, 4, "金额") and "revenue table" in p.message
    # Returns in the revenue table stay fine.
    rev = write(tmp_path / "r", {"收入.csv": "日期,客户名称,金额\n2024-01-01,甲,500\n2024-02-01,甲,-100\n"})
    assert kalib.load_client(rev).table("revenue")["amount"].tolist() == [500.0, -100.0]


def test_opportunities_without_an_amount_column_are_refused_with_the_names_that_would_work(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": "机会编号,销售阶段,钱\nO1,合格,5\n"})
    p = one(problems_of(folder), "needs 金额 / amount")
    assert where(p) == ("销售机会.csv", None, None, None)
    assert "Its headers are: 机会编号, 销售阶段, 钱" in p.message
    assert "预计金额" in p.message and "deal amount" in p.message and "columns: {opportunities:" in p.message


# ---------------------------------------------------------------------------
# one pass, every message located and in the user's words
# ---------------------------------------------------------------------------
def test_dates_beyond_the_supported_range_are_located_and_hide_nothing(tmp_path):
    folder = write(tmp_path / "c", {
        "销售机会.csv": H + "O1,甲,张三,泵,abc,合格,2999-12-31,,\nO2,甲,张三,泵,1,拜访,2024-05-01,,\n"
                            "O3,甲,张三,泵,1,合格,10000-01-01,,\n",
        "收入.csv": "日期,客户名称,金额\n2024-01-01,甲,5\n0024-01-01,甲,6\n",
    })
    probs = problems_of(folder)
    p = one(probs, "'2999-12-31': dates from 1900-01-01 to 2199-12-31 are supported")
    assert where(p) == ("销售机会.csv", None, 2, "预计成交日期") and "(rows 2, 4)" in p.message
    assert where(one(probs, "'0024-01-01': dates from")) == ("收入.csv", None, 3, "日期")
    assert where(one(probs, "expected an amount")) == ("销售机会.csv", None, 2, "金额")
    assert where(one(probs, "unknown stage '拜访'")) == ("销售机会.csv", None, 3, "销售阶段")
    assert not [p for p in probs if "nanosecond" in p.message or "Out of bounds" in p.message]


def test_an_amount_error_does_not_hide_an_unknown_stage_or_a_contradiction(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": H + "O1,甲,张三,泵,abc,合格,2024-05-01,,\n"
                                                         "O2,甲,张三,泵,1,拜访,2024-05-01,,\n"
                                                         "O3,甲,张三,泵,1,赢单,2024-05-01,丢单,2024-05-02\n"})
    probs = problems_of(folder)
    assert [where(p) for p in probs] == [("销售机会.csv", None, 2, "金额"), ("销售机会.csv", None, 3, "销售阶段"),
                                         ("销售机会.csv", None, 4, "状态")]


def test_an_unclosed_quote_is_located_at_its_row(tmp_path):
    folder = write(tmp_path / "c", {"销售机会.csv": H + rows(3) + 'O9,"甲,张三,泵,1,合格,2024-05-01,,\n' + rows(2, 10)})
    p = one(problems_of(folder), "never closed")
    assert where(p) == ("销售机会.csv", None, 5, None)


def test_a_gbk_row_far_into_a_utf8_file_is_located(tmp_path):
    data = (H + rows(3000)).encode("utf-8") + "O9999,乙公司,李四,阀,1,合格,2024-05-01,,\n".encode("gbk") + \
        rows(5, 10_000).encode("utf-8")
    folder = write(tmp_path / "c", {"销售机会.csv": data})
    p = one(problems_of(folder), "is UTF-8 text up to this line")
    assert where(p) == ("销售机会.csv", None, 3002, None) and "CSV UTF-8" in p.message
    # A GBK file is still read as GBK.
    gbk = write(tmp_path / "g", {"销售机会.csv": (H + rows(3)).encode("gbk")})
    assert kalib.load_client(gbk).table("opportunities")["customer"].tolist() == ["甲公司"] * 3


def test_utf16_without_a_byte_order_mark_is_named_and_can_be_declared(tmp_path):
    text = H + rows(3)
    folder = write(tmp_path / "c", {"销售机会.csv": text.encode("utf-16-le")})
    p = one(problems_of(folder), "UTF-16 text without a byte-order mark")
    assert where(p) == ("销售机会.csv", None, None, None) and "encoding: utf-16-le" in p.message
    write(folder, {"client.yml": "encoding: utf-16-le\n"})
    assert len(kalib.load_client(folder).table("opportunities")) == 3
    # With a byte-order mark (Excel's "Unicode text") it is simply read.
    bom = write(tmp_path / "bom", {"销售机会.txt": text.replace(",", "\t").encode("utf-16")})
    assert kalib.load_client(bom).table("opportunities")["customer"].tolist() == ["甲公司"] * 3


def test_the_command_line_shows_no_library_text(tmp_path, capsys):
    folder = write(tmp_path / "c", {"销售机会.csv": H + "O1,甲,张三,泵,inf,合格,2999-12-31,,\n", "客户.csv": "客户名称\n甲\n"})
    os.mkfifo(folder / "收入.csv")
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    for text in ("Traceback", "OutOfBounds", "nanosecond", "Error:", "Infinity"):
        assert text not in err, err


def test_a_header_cell_far_to_the_right_does_not_widen_every_row(tmp_path):
    path = _xlsx(tmp_path / "c.xlsx", [["机会编号", "销售阶段", "金额"]] + [[f"A{i}", "合格", i] for i in range(5000)])
    wb = openpyxl.load_workbook(path)
    wb.active["XFD1"] = "备注"  # the last column Excel has
    wb.save(path)
    t0 = time.monotonic()
    c = kalib.load_client(path)
    assert time.monotonic() - t0 < 8
    assert c.table("opportunities")["amount"].sum() == sum(range(5000))
