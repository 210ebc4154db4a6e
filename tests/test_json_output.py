"""Every ``--json`` output is strict JSON: no ``NaN``/``Infinity`` (which ``jq`` and ``JSON.parse`` refuse).

Each command runs with ``--json`` on the demo and on an edge-case client made from it (one salesperson,
no won deal, a salesperson without a quota), and its output is parsed with a parser that refuses the
non-standard constants. Where a number had no value, ``null_reasons`` says where and why.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kalib.cli import main
from kalib.io import find_demo
from kalib.jsonout import NULL_REASONS_KEY, dumps, jsonable
from report_notebooks import sections

REPO = Path(__file__).resolve().parents[1]
DEMO = find_demo()
COMMANDS = ["check", "health", "accounts", "pipeline", "review", "deal", "deals", "team"]


def _refuse(constant: str):
    raise ValueError(f"not JSON: {constant}")


def strict(text: str):
    return json.loads(text, parse_constant=_refuse)


def _run(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def edge_client(tmp_path_factory) -> Path:
    """The demo reduced to one salesperson, without a won deal, the salesperson's quota left blank."""
    dst = tmp_path_factory.mktemp("edge") / "one-rep"
    shutil.copytree(DEMO, dst)
    who = "陈志强"

    def csv(name):
        return pd.read_csv(dst / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    def save(df, name):
        df.to_csv(dst / name, index=False, encoding="utf-8-sig")

    opps = csv("销售机会.csv")
    opps = opps[(opps["负责人"] == who) & (opps["状态"] != "赢单")]
    save(opps, "销售机会.csv")
    ids = set(opps["机会编号"])
    for name in ("机会快照.csv", "决策人.csv", "要素评分.csv"):
        df = csv(name)
        save(df[df["机会编号"].isin(ids)], name)
    rev = csv("收入.csv")
    save(rev[rev["销售员"] == who], "收入.csv")
    people = pd.read_excel(dst / "销售人员.xlsx", dtype=str)
    people = people[people["姓名"] == who].copy()
    people["年度指标"] = None
    people.to_excel(dst / "销售人员.xlsx", index=False)
    return dst


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("which", ["demo", "edge"])
def test_every_command_prints_strict_json(command, which, edge_client):
    client = "demo" if which == "demo" else str(edge_client)
    code, text = _run([command, client, "--json"])
    assert code == 0, text
    data = strict(text)  # raises on NaN / Infinity
    assert isinstance(data, dict) and data


def test_missing_values_become_null_with_the_reason():
    """The demo's team has people with no leaving date and reps whose judged win rate has nothing to go on."""
    code, text = _run(["team", "demo", "--json"])
    assert code == 0
    data = strict(text)
    reasons = data[NULL_REASONS_KEY]
    assert "people[].leave_date" in reasons and "no value" in reasons["people[].leave_date"]
    assert all(p["leave_date"] is None for p in data["people"] if p["leave_date"] is None)
    code, text = _run(["review", "demo", "--json"])
    assert any(k.startswith("by_rep[].") for k in strict(text)[NULL_REASONS_KEY])


def test_a_bad_client_is_reported_in_strict_json(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "client.yml").write_text("industry: mining\n", encoding="utf-8")
    code, text = _run(["check", str(bad), "--json"])
    assert code == 2
    assert strict(text)["ok"] is False


@pytest.mark.notebooks
def test_report_json_is_strict(tmp_path):
    nbs = sections(tmp_path, "from kalib.record import record\nrecord('rate', float('nan'))\n"
                         "record('ratio', float('inf'))", ("05.00-client-check",))
    code, text = _run(["report", "demo", "-o", str(tmp_path / "out"), "--notebooks", str(nbs), "--json", "-j", "1",
                       "--quiet"])
    assert code == 0, text
    data = strict(text)
    assert data["records"]["rate"] is None and data["records"]["ratio"] is None
    records = next((tmp_path / "out").rglob("*.records.json"))
    strict(records.read_text(encoding="utf-8"))


def test_the_helper_converts_numpy_pandas_and_refuses_nothing_silently():
    import numpy as np

    value = {"i": np.int64(3), "f": np.float64("nan"), "b": np.bool_(True), "t": pd.Timestamp("2024-12-31"),
             "ts": pd.Timestamp("2024-12-31 08:30"), "na": pd.NA, "nat": pd.NaT, "arr": np.array([1.0, np.inf]),
             "s": pd.Series([1, 2]), "path": Path("/x/y"), "df": pd.DataFrame({"a": [1.5, math.nan]})}
    assert jsonable(value) == {"i": 3, "f": None, "b": True, "t": "2024-12-31", "ts": "2024-12-31T08:30:00",
                               "na": None, "nat": None, "arr": [1.0, None], "s": [1, 2], "path": "/x/y",
                               "df": [{"a": 1.5}, {"a": None}]}
    text = dumps(value, reasons=True)
    data = strict(text)
    assert set(data[NULL_REASONS_KEY]) == {"f", "arr[]", "df[].a"}
    assert "infinite" in data[NULL_REASONS_KEY]["arr[]"]
