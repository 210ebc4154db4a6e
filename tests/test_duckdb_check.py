"""kalib's ten indicators equal DuckDB's SQL over the same CSV files, to the last digit.

The SQL (benchmarks/sql_indicators.py) is a second, independent computation straight from
the files: no kalib code, the method's defaults written out.  The client is the demo company
generated at 20,000 opportunities and 100,000 revenue rows, with its realistic mess (rows without
a customer, product names spelled differently, open deals without an amount).  The same check
runs with the tables compacted (categorical text, as for big clients).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

from kalib import compact, demo  # noqa: E402
from kalib import io as kio  # noqa: E402
from kalib.cli import main  # noqa: E402
from kalib.io import load_client  # noqa: E402

SQL = Path(__file__).resolve().parents[1] / "benchmarks" / "sql_indicators.py"


def _sql_module():
    spec = importlib.util.spec_from_file_location("sql_indicators", SQL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory):
    frames, meta = demo.generate(n_customers=400, n_opportunities=20_000, n_revenue=100_000, snapshot_weeks=0,
                                 n_key_deals=0)
    out = tmp_path_factory.mktemp("client20k")
    demo.write_client({k: v for k, v in frames.items() if len(v)}, meta, out, fmt="csv", headers="zh", fast=True)
    return out, meta


def _kalib_values(folder: Path, capsys) -> dict:
    assert main(["health", str(folder), "--json", "--period", "2024", "--no-cache"]) == 0
    return {i["key"]: i["value"] for i in json.loads(capsys.readouterr().out)["indicators"]}


@pytest.mark.parametrize("compacted,dictionary", [(False, False), (True, False), (True, True)],
                         ids=["plain", "compacted", "dictionary-read"])
def test_the_indicators_equal_duckdb_sql_to_the_last_digit(big_folder, capsys, monkeypatch, compacted, dictionary):
    folder, meta = big_folder
    monkeypatch.setattr(compact, "COMPACT_FROM_ROWS", 1_000 if compacted else 10**12)
    # dictionary-read: every file read as a big one is (repetitive columns dictionary-encoded, kalib.io)
    monkeypatch.setattr(kio, "DICTIONARY_FROM_BYTES", 0 if dictionary else 10**15)
    rev = load_client(folder, cache=False).tables["revenue"]
    assert (str(rev["customer"].dtype) == "category") is compacted
    ours = _kalib_values(folder, capsys)
    sql = _sql_module().indicators(folder, "2024-01-01", "2024-12-31", "2023-01-01", "2023-12-31", years=1.0,
                                   sales_target=meta["sales_target"], employees=meta["employees"])
    assert set(sql) == set(ours)
    assert all(v is not None for v in sql.values())
    assert {k: repr(v) for k, v in ours.items()} == {k: repr(v) for k, v in sql.items()}


def test_the_sql_sees_the_mess_kalib_handles(big_folder):
    """The cross-check is not trivially equal: the files hold what the loader has to fold."""
    folder, _ = big_folder
    con = duckdb.connect()
    rev = str(folder / "收入.csv")
    raw = con.execute(f"SELECT count(DISTINCT \"产品\"), count(*) FILTER (WHERE \"客户名称\" IS NULL) "
                      f"FROM read_csv('{rev}', all_varchar=true)").fetchone()
    listed = con.execute(f"SELECT count(*) FROM read_csv('{folder / '产品.csv'}', all_varchar=true)").fetchone()[0]
    assert raw[0] > listed  # misspelt product names
    assert raw[1] > 0       # revenue without a customer
