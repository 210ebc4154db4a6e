"""The Monday review (kalib.review) and ``kalib review``.

The fixture has two snapshots built so that every kind of change happens; the
expected categories, weighted pipelines and waterfall are computed here from
the raw rows with plain Python.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from kalib import Client, MissingData, default_config
from kalib.review import CHANGES, STEPS, review, snapshot_dates

A_DATE, B_DATE = "2024-06-03", "2024-06-10"
END = pd.Timestamp("2024-06-30")  # the quarter containing B_DATE
NAN = float("nan")

# id: (owner, stage, amount, override, expected_close) in A and in B (None = absent)
DEALS = {
    "R01": (("Li", "qualified", 1e6, NAN, "2024-06-20"), ("Li", "solution", 1e6, NAN, "2024-06-20")),
    "R02": (("Li", "solution", 2e6, NAN, "2024-06-20"), ("Li", "validated", 2e6, NAN, "2024-06-20")),
    "R03": (("Li", "agreed", 1e6, NAN, "2024-06-25"), ("Li", "won", 1e6, NAN, "2024-06-25")),
    "R04": (("Wang", "validated", 5e5, NAN, "2024-06-25"), ("Wang", "lost", 5e5, NAN, "2024-06-25")),
    "R05": (None, ("Wang", "identified", 3e5, NAN, "2024-06-28")),
    "R06": (("Wang", "qualified", 8e5, NAN, "2024-06-15"), ("Wang", "qualified", 8e5, NAN, "2024-07-20")),
    "R07": (("Li", "qualified", 6e5, NAN, "2024-08-01"), ("Li", "qualified", 6e5, NAN, "2024-06-29")),
    "R08": (("Li", "qualified", 1e6, NAN, "2024-06-10"), ("Li", "qualified", 1.5e6, NAN, "2024-06-10")),
    "R09": (("Wang", "solution", 1e6, NAN, "2024-06-10"), ("Wang", "solution", 7e5, NAN, "2024-06-10")),
    "R10": (("Wang", "qualified", 1e6, NAN, "2024-06-10"), ("Wang", "qualified", 1e6, 0.8, "2024-06-10")),
    "R11": (("Li", "qualified", 4e5, NAN, "2024-06-12"), None),
    "R12": (("Wang", "lost", 9e5, NAN, "2024-05-01"), ("Wang", "qualified", 9e5, NAN, "2024-06-30")),
    "R13": (("Li", "validated", 5e5, NAN, "2024-06-30"), ("Li", "validated", 5e5, NAN, "2024-06-30")),
    "R14": (("Li", "validated", NAN, NAN, "2024-06-30"), ("Li", "validated", 2e5, NAN, "2024-06-30")),
    "R15": (("Wang", "identified", 1e6, NAN, "2024-09-30"), ("Wang", "validated", 1e6, NAN, "2024-09-30")),
    "R16": (("Li", "won", 7e5, NAN, "2024-05-30"), ("Li", "won", 7e5, NAN, "2024-05-30")),
}
CFG = default_config()
RATES, STATUS = CFG.stage_rates(), CFG.stage_status()
STEP = {s["key"]: s.get("step") for s in CFG.stages()}


def _frame() -> pd.DataFrame:
    rows = []
    for oid, (a, b) in DEALS.items():
        for date, st in ((A_DATE, a), (B_DATE, b)):
            if st is not None:
                owner, stage, amount, ov, close = st
                rows.append({"snapshot_date": date, "opportunity_id": oid, "owner": owner, "customer": f"C{oid}",
                             "name": f"Deal {oid}", "stage": stage, "amount": amount, "win_rate_override": ov,
                             "expected_close": close})
    df = pd.DataFrame(rows)
    for c in ("snapshot_date", "expected_close"):
        df[c] = pd.to_datetime(df[c])
    return df


@pytest.fixture(scope="module")
def client() -> Client:
    return Client.from_frames({"snapshots": _frame()}, as_of=B_DATE)


def _rate(st) -> float:
    stage, ov = st[1], st[3]
    s = STATUS[stage]
    if s == "won":
        return 1.0
    if s == "lost":
        return 0.0
    return RATES[stage] if math.isnan(ov) else ov


def _open(st) -> bool:
    return st is not None and STATUS[st[1]] == "open"


def _due(st) -> bool:
    return _open(st) and pd.Timestamp(st[4]) <= END


def _w(st) -> float:
    if not _due(st):
        return 0.0
    amount = 0.0 if math.isnan(st[2]) else st[2]
    return amount * _rate(st)


def _expected_flags(a, b) -> set[str]:
    f = set()
    sa = STATUS[a[1]] if a else None
    sb = STATUS[b[1]] if b else None
    if b and sb == "won" and sa != "won":
        f.add("won")
    if b and sb == "lost" and sa != "lost":
        f.add("lost")
    if b and not a:
        f.add("new")
    if a and not b:
        f.add("removed")
    if a and sa != "open" and sb == "open":
        f.add("reopened")
    if _open(a) and _open(b):
        if STEP[b[1]] > STEP[a[1]]:
            f.add("advanced")
        if STEP[b[1]] < STEP[a[1]]:
            f.add("moved_back")
        if _due(a) and not _due(b):
            f.add("slipped")
        if not _due(a) and _due(b):
            f.add("pulled_in")
        if a[1] == b[1] and not (math.isnan(a[3]) and math.isnan(b[3])) and a[3] != b[3]:
            f.add("rate_changed")
    if a and b:
        if (b[2] > a[2]) or (math.isnan(a[2]) and not math.isnan(b[2])):
            f.add("amount_up")
        if (b[2] < a[2]) or (not math.isnan(a[2]) and math.isnan(b[2])):
            f.add("amount_down")
    return f


def test_change_flags_and_category(client):
    r = review(client)
    assert (r.date_from, r.date_to) == (pd.Timestamp(A_DATE), pd.Timestamp(B_DATE))
    ch = r.changes.set_index("opportunity_id")
    order = list(CHANGES)
    for oid, (a, b) in DEALS.items():
        want = _expected_flags(a, b)
        got = {k for k in order if k != "unchanged" and bool(ch.loc[oid, k])}
        assert got == want, oid
        cat = next((k for k in order if k in want), "unchanged")
        assert ch.loc[oid, "category"] == cat, oid
    # Every kind of change happens at least once in the fixture.
    assert all(r.counts[k] >= 1 for k in CHANGES), r.counts
    assert r.counts["won"] == sum("won" in _expected_flags(a, b) for a, b in DEALS.values())


def test_weighted_pipelines_and_waterfall(client):
    r = review(client)
    start = sum(_w(a) for a, _ in DEALS.values())
    end = sum(_w(b) for _, b in DEALS.values())
    assert r.start == pytest.approx(start) and r.end == pytest.approx(end)
    wf = r.waterfall.set_index("step")["value"]
    assert list(wf.index) == STEPS
    assert wf.sum() == pytest.approx(end - start)
    assert r.waterfall["end"].iloc[-1] == pytest.approx(end)
    # Steps computed from the raw rows.
    want = {k: 0.0 for k in STEPS}
    for a, b in DEALS.values():
        wa, wb = _w(a), _w(b)
        if not _due(a) and _due(b):
            key = "new" if a is None else ("pulled_in" if _open(a) else "reopened")
            want[key] += wb
        elif _due(a) and not _due(b):
            key = ("removed" if b is None else "won" if STATUS[b[1]] == "won" else
                   "lost" if STATUS[b[1]] == "lost" else "slipped")
            want[key] -= wa
        elif _due(a) and _due(b):
            am_a = 0.0 if math.isnan(a[2]) else a[2]
            am_b = 0.0 if math.isnan(b[2]) else b[2]
            rate_part = (_rate(b) - _rate(a)) * am_a
            key = "advanced" if STEP[b[1]] > STEP[a[1]] else "moved_back" if STEP[b[1]] < STEP[a[1]] else "rate_changed"
            want[key] += rate_part
            amount_part = (am_b - am_a) * _rate(b)
            want["amount_up" if amount_part > 0 else "amount_down"] += amount_part
    for k in STEPS:
        assert wf[k] == pytest.approx(want[k]), k
    assert wf["won"] == pytest.approx(-1e6 * RATES["agreed"])
    assert wf["slipped"] == pytest.approx(-8e5 * RATES["qualified"])


def test_by_rep_and_contributors(client):
    r = review(client)
    impacts = {}
    for oid, (a, b) in DEALS.items():
        va = (a[2] if STATUS[a[1]] == "won" else _w(a)) if a else 0.0
        vb = (b[2] if STATUS[b[1]] == "won" else _w(b)) if b else 0.0
        impacts[oid] = ((b or a)[0], vb - va)
    for rep in ("Li", "Wang"):
        impact = sum(v for owner, v in impacts.values() if owner == rep)
        assert r.by_rep.loc[rep, "impact"] == pytest.approx(impact)
        assert r.by_rep.loc[rep, "contributed"] + r.by_rep.loc[rep, "detracted"] == pytest.approx(impact)
        best = max((v, oid) for oid, (owner, v) in impacts.items() if owner == rep)[1]
        worst = min((v, oid) for oid, (owner, v) in impacts.items() if owner == rep)[1]
        assert r.contributors(rep, n=1)["opportunity_id"].tolist() == [best]
        assert r.detractors(rep, n=1)["opportunity_id"].tolist() == [worst]
        assert r.by_rep.loc[rep, "top_contributor"] == best
    # A win adds amount × (1 − rate) to the expected result.
    assert impacts["R03"][1] == pytest.approx(1e6 * (1 - RATES["agreed"]))
    assert (r.detractors()["impact"] < 0).all()
    assert r.by_rep.loc["Li", "won_amount"] == pytest.approx(1e6)


def test_missing_amount_is_said(client):
    r = review(client)
    assert any("no amount" in en for _, en in r.notes)


def test_dates_pick_snapshots_and_errors(client):
    assert snapshot_dates(client) == [pd.Timestamp(A_DATE), pd.Timestamp(B_DATE)]
    r = review(client, "2024-06-05", "2024-06-12")
    assert (r.date_from, r.date_to) == (pd.Timestamp(A_DATE), pd.Timestamp(B_DATE))
    with pytest.raises(ValueError, match="no snapshot on or before"):
        review(client, "2024-01-01")
    with pytest.raises(ValueError, match="must come before"):
        review(client, B_DATE, A_DATE)


def test_needs_two_snapshots():
    opp = pd.DataFrame({"opportunity_id": ["X"], "stage": ["qualified"], "amount": [1e6]})
    with pytest.raises(MissingData, match="at least two snapshots.*no snapshots"):
        review(Client.from_frames({"opportunities": opp}, as_of="2024-06-10"))
    one = _frame().query("snapshot_date == @pd.Timestamp(@B_DATE)")
    with pytest.raises(MissingData, match="one snapshot"):
        review(Client.from_frames({"snapshots": one}, as_of=B_DATE))


def test_to_dict_and_summary(client):
    r = review(client)
    d = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
    assert d["from"] == A_DATE and d["counts"]["new"] == 1
    assert "周一盘点" in r.summary("zh") and "Monday review" in r.summary("en")


def test_demo_review_adds_up(demo_client):
    r = review(demo_client)
    assert r.waterfall["value"].sum() == pytest.approx(r.end - r.start)
    assert len(r.changes) == r.changes["opportunity_id"].nunique()


def test_cli_review(capsys, repo_root):
    from kalib.cli import main

    assert main(["review", "demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"from", "to", "waterfall", "by_rep", "counts"} <= set(out)
    acme = str(repo_root / "tests" / "fixtures" / "acme")
    assert main(["review", acme, "--lang", "en"]) == 0
    assert "Monday review" in capsys.readouterr().out
    assert main(["review", acme, "--from", "2000-01-01"]) == 2
    assert "no snapshot on or before" in capsys.readouterr().err
