"""Generated input files, well-formed or not, through the loader and ``kalib check``.

Whatever the files hold, the outcome is a client or one InputError whose every
problem names at least its file; ``kalib check`` exits 0 or 2 with no traceback
and strict JSON; and the files are byte-for-byte what they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import kalib  # noqa: E402
from kalib.cli import main  # noqa: E402
from kalib.client import InputError  # noqa: E402

EXAMPLES = int(os.environ.get("KALIB_PROPERTY_EXAMPLES", "50"))

HEADERS = ["机会编号", "客户名称", "负责人", "金额", "预计金额", "销售阶段", "预计成交日期", "状态", "关闭日期", "赢率",
           "日期", "产品", "数量", "单价", "客户", "评分", "快照日期", "Amount", "StageName", "CloseDate", "Id",
           "IsWon", "Probability", "核心产品", "姓名", "x", "", "金额.1", "员工人数"]
TABLE_NAMES = ["销售机会", "收入", "客户", "产品", "NPS调查", "机会快照", "销售人员", "决策人", "要素评分", "opportunities",
               "说明", "杂项"]
ODD_VALUES = ["", " ", "0", "-5", "(300)", "1,234.5", "1.234,56", "12,5", "¥3万", "1.5亿", "inf", "-Infinity",
              "1e400", "NaN", "nan", "NULL", "#N/A", "35%", "150%", "high", "高", "2024-05-01", "2024/3/5",
              "3/5/2024", "2024年3月5日", "45358", "2999-12-31", "10000-01-01", "0024-01-01", "2024-13-45",
              "合格", "方案", "赢单", "丢单", "Closed Won", "拜访", "是", "否", "O1", "O1", "甲公司", '"', '""',
              "a\nb", "a,b", "a;b", "\t", "\ufeff", "=1+1", "@SUM(A1)", "\u202e", "\x00", "\x1b[31m", "😀",
              "x" * 300]
cell = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=8))
header = st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6)


@st.composite
def csv_bytes(draw) -> bytes:
    head = draw(header)
    delim = draw(st.sampled_from([",", ",", ";", "\t"]))
    quote = draw(st.booleans())
    lines = [delim.join(head)]
    for _ in range(draw(st.integers(0, 6))):
        width = draw(st.sampled_from([len(head), len(head), len(head) + 1, max(len(head) - 1, 0)]))
        cells = [draw(cell) for _ in range(width)]
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' if any(ch in c for ch in f'"\n{delim}') else c for c in cells]
        lines.append(delim.join(cells))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16", "utf-16-le"]))
    data = text.encode(enc, errors="replace") if enc == "gbk" else text.encode(enc, errors="surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # a stray byte somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


# Tables that get as far as parsing: the required headers are there, each column's cells mostly of its kind.
KINDS = {
    "机会编号": ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", ""],
    "销售阶段": ["合格", "方案", "赢单", "丢单", "发现", "Closed Won", "拜访", ""],
    "金额": ["100", "1,234.5", "¥3万", "0", "250000", "-5", "(300)", "inf", "1e400", "NaN", "12,5", "1.234,56", "abc", ""],
    "预计成交日期": ["2024-05-01", "2024-06-30", "2023-12-31", "2999-12-31", "10000-01-01", "0024-01-01", "3/5/2024",
                "45358", "下周", ""],
    "赢率": ["30%", "0.5", "50", "150%", "high", "inf", ""],
    "状态": ["赢单", "丢单", "进行中", "", "也许"],
    "日期": ["2024-01-01", "2024-02-29", "2999-12-31", "2024/3/5", ""],
    "客户名称": ["甲公司", "乙公司", "", '"引号"', "a,b"],
}
TABLES = {"销售机会.csv": ["机会编号", "销售阶段"], "收入.csv": ["日期", "金额"]}


@st.composite
def typed_csv(draw, required: list[str]) -> bytes:
    head = required + draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=4, unique=True).map(
        lambda hs: [h for h in hs if h not in required]))
    # Each column draws from a few of its values, so that a whole column can be clean but for one cell.
    pools = {h: draw(st.lists(st.sampled_from(KINDS[h]), min_size=1, max_size=3)) for h in head}
    lines = [",".join(head)]
    for _ in range(draw(st.integers(1, 8))):
        cells = [draw(st.sampled_from(pools[h])) for h in head]
        lines.append(",".join('"' + c.replace('"', '""') + '"' if any(ch in c for ch in '",\n') else c
                              for c in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


xlsx_value = st.one_of(cell.filter(lambda v: not ILLEGAL_CHARACTERS_RE.search(v)), st.integers(-10**12, 10**12),
                       st.floats(allow_nan=False, allow_infinity=False, width=32), st.none(), st.booleans(),
                       st.dates(), st.datetimes())


@st.composite
def xlsx_bytes(draw) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=3, unique=True)):
        ws = wb.create_sheet(name)
        ws.append(draw(header))  # header names are all legal in a sheet
        for _ in range(draw(st.integers(0, 5))):
            ws.append(draw(st.lists(xlsx_value, max_size=6)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


file_content = st.one_of(csv_bytes(), csv_bytes(), st.binary(max_size=300))
folder = st.fixed_dictionaries(
    {},
    optional={
        "销售机会.csv": st.one_of(typed_csv(TABLES["销售机会.csv"]), file_content),
        "收入.csv": st.one_of(typed_csv(TABLES["收入.csv"]), file_content), "客户.csv": file_content,
        "机会快照.txt": file_content, "客户数据.xlsx": xlsx_bytes(), "销售机会.xlsx": st.binary(max_size=200),
        "client.yml": st.sampled_from(["decimal: ','\n", "decimal: '.'\n", "date_format: dmy\n",
                                       "allow_links: true\n", "name: x\n", ""]),
    },
)


def snapshot(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir()) if p.is_file()}


def strict(text: str):
    def refuse(const):
        raise ValueError(f"{const} in JSON output")

    return json.loads(text, parse_constant=refuse)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=folder)
def test_any_files_give_a_client_or_located_problems(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "client"
        root.mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        before = snapshot(root)

        try:
            client = kalib.load_client(root)
        except InputError as exc:
            event("refused with located problems")
            assert exc.problems
            unlocated = [str(p) for p in exc.problems if p.severity == "error" and not (p.file or p.sheet)]
            assert not unlocated, unlocated
            for p in exc.problems:
                assert "Traceback" not in p.message and "nanosecond" not in p.message
        else:
            event("loaded")
            assert client.tables is not None

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["check", "--json", str(root)])
        assert rc in (0, 2), err.getvalue()
        assert "Traceback" not in err.getvalue()
        doc = strict(out.getvalue())
        assert doc["ok"] is (rc == 0)
        if rc == 2:
            assert all(p["file"] or p["sheet"] for p in doc["problems"] if p["severity"] == "error")

        assert snapshot(root) == before
