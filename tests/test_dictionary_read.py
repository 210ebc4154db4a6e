"""A big CSV's repetitive columns are read dictionary-encoded (kalib.io.DICTIONARY_FROM_BYTES) and parsed once per
distinct value (kalib.parse.by_distinct): the client that comes out, and every problem and warning, are the same
as when every cell is read as plain text."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kalib import compact, demo
from kalib import io as kio
from kalib.io import find_demo, load_client
from kalib.problems import InputError


def _load(folder: Path, monkeypatch, dictionary: bool):
    monkeypatch.setattr(kio, "DICTIONARY_FROM_BYTES", 0 if dictionary else 10**15)
    try:
        return load_client(folder, cache=False), None
    except InputError as exc:
        return None, [str(p) for p in exc.problems]


def _same_client(a, b) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    # 30,000 opportunities and 150,000 revenue rows: with tables compacted from 100,000 rows, the categorical
    # text the dictionary read keeps is compared with the one compact_table makes from plain text
    frames, meta = demo.generate(n_customers=300, n_opportunities=30_000, n_revenue=150_000, snapshot_weeks=0,
                                 n_key_deals=0)
    out = tmp_path_factory.mktemp("client30k")
    demo.write_client({k: v for k, v in frames.items() if len(v)}, meta, out, fmt="csv", headers="zh", fast=True)
    return out


@pytest.mark.parametrize("compact_from", [100_000, 10**12], ids=["compacted", "plain"])
def test_a_generated_client_is_the_same_read_either_way(generated, monkeypatch, compact_from):
    monkeypatch.setattr(compact, "COMPACT_FROM_ROWS", compact_from)
    plain, _ = _load(generated, monkeypatch, False)
    encoded, _ = _load(generated, monkeypatch, True)
    assert str(plain.tables["revenue"]["customer"].dtype) == ("category" if compact_from == 100_000 else "str")
    _same_client(plain, encoded)


def test_the_demo_is_the_same_read_either_way(monkeypatch):
    plain, _ = _load(find_demo(), monkeypatch, False)
    encoded, _ = _load(find_demo(), monkeypatch, True)
    _same_client(plain, encoded)


def _edit(path: Path, edits: dict[tuple[int, int], str]) -> None:
    """Set cells (line number as in Excel, column index) of a CSV."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for (row, col), value in edits.items():
        rows[row - 1][col] = value
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_every_problem_is_the_same_read_either_way(tmp_path, monkeypatch):
    folder = tmp_path / "client"
    shutil.copytree(find_demo(), folder)
    opp, rev = folder / "销售机会.csv", folder / "收入.csv"
    # opportunities: amount, stage, rate, dates, status; revenue: date, amount, a product spelled otherwise
    _edit(opp, {(3, 5): "12,5", (4, 5): "-300", (5, 6): "谈判中?", (6, 7): "150%", (7, 8): "2024-13-45",
                (8, 9): "2999-01-01", (9, 10): "也许", (10, 5): "inf", (11, 8): "", (12, 5): "abc",
                (13, 5): "abc"})
    _edit(rev, {(2, 0): "昨天", (3, 3): "1,2,3", (4, 2): "hs-k10 维修备件包", (5, 3): "", (6, 0): "45300"})
    plain_client, plain = _load(folder, monkeypatch, False)
    encoded_client, encoded = _load(folder, monkeypatch, True)
    assert plain_client is None and encoded_client is None
    assert len(plain) >= 8
    assert encoded == plain
