"""The win-rate model, Board 1, Board 2 (kalib.pipeline) and ``kalib pipeline``.

Expected values are computed here from the raw rows of a small fixture (plain
Python loops over dicts), never by calling the function under test.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from kalib import Client, MissingData, default_config
from kalib.pipeline import (
    board1, board1_display, dashboard, deal_flags, milestone_period, own_win_rate, select_reps, win_rate_model,
)

AS_OF = "2024-05-15"
TARGET = 12e6
T = pd.Timestamp
NaT = pd.NaT

# id, owner, stage, amount, override, expected_close, closed_date, last_change, product
ROWS = [
    ("O1", "Li", "qualified", 1e6, None, "2024-06-10", None, "2024-05-01", "P1"),
    ("O2", "Li", "agreed", 2e6, 0.9, "2024-05-01", None, "2024-02-01", "P1"),
    ("O3", "Wang", "validated", None, None, "2024-06-30", None, "2024-05-10", "P2"),
    ("O4", "Wang", "identified", 4e5, None, "2024-09-15", None, "2024-05-10", "P2"),
    ("O5", "Zhao", "solution", 1.5e6, None, None, None, "2024-05-10", "P1"),
    ("O6", "Li", "won", 8e5, None, "2024-04-30", "2024-04-20", "2024-04-20", "P1"),
    ("O7", "Wang", "won", 5e5, None, "2024-03-31", "2024-03-10", "2024-03-10", "P2"),
    ("O8", "Zhao", "lost", 3e5, None, "2024-05-31", "2024-05-02", "2024-05-02", "P2"),
    ("O9", "Li", "lost", 9e5, None, "2023-01-31", "2023-01-05", "2023-01-05", "P1"),
    ("O10", "Zhao", "understand", 3e6, None, "2024-06-01", None, "2024-01-01", None),
]
COLS = ["opportunity_id", "owner", "stage", "amount", "win_rate_override", "expected_close", "closed_date",
        "last_change", "product"]


def _frame(rows=ROWS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLS)
    for c in ("expected_close", "closed_date", "last_change"):
        df[c] = pd.to_datetime(df[c])
    df["customer"] = "C-" + df["opportunity_id"]
    df["name"] = "Deal " + df["opportunity_id"]
    df["created"] = pd.Timestamp("2023-12-01")
    return df


def _snapshots() -> pd.DataFrame:
    opp = _frame()
    a = opp.copy()
    a["snapshot_date"] = T("2024-04-08")
    a.loc[a["opportunity_id"] == "O1", "stage"] = "validated"
    a.loc[a["opportunity_id"] == "O4", "expected_close"] = T("2024-06-15")
    a = a.loc[~a["opportunity_id"].isin(["O6", "O8"])]  # closed later: still open then
    a = pd.concat([a, opp.loc[opp["opportunity_id"].isin(["O6", "O8"])].assign(
        stage="qualified", closed_date=NaT, snapshot_date=T("2024-04-08"))])
    b = opp.copy()
    b["snapshot_date"] = T("2024-05-13")
    return pd.concat([a, b], ignore_index=True)


def _salespeople() -> pd.DataFrame:
    return pd.DataFrame({"salesperson": ["Li", "Wang", "Zhao"], "team": ["East", "East", "West"],
                         "quota": [4e6, 4e6, 4e6]})


@pytest.fixture(scope="module")
def toy() -> Client:
    return Client.from_frames({"opportunities": _frame(), "snapshots": _snapshots(),
                               "salespeople": _salespeople()}, as_of=AS_OF, sales_target=TARGET)


@pytest.fixture(scope="module")
def bare() -> Client:
    """The same deals without snapshots, salespeople or target."""
    return Client.from_frames({"opportunities": _frame()}, as_of=AS_OF)


RATES = default_config().stage_rates()
STATUS = default_config().stage_status()


def _rate(row) -> float:
    st = STATUS[row[2]]
    if st == "won":
        return 1.0
    if st == "lost":
        return 0.0
    return row[4] if row[4] is not None else RATES[row[2]]


def _open(rows=ROWS):
    return [r for r in rows if STATUS[r[2]] == "open"]


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------
def test_weighted_value_rate_in_force_and_override_shown(toy):
    m = win_rate_model(toy).set_index("opportunity_id")
    for r in ROWS:
        row = m.loc[r[0]]
        assert row["win_rate"] == pytest.approx(_rate(r))
        assert row["stage_rate"] == pytest.approx(RATES[r[2]])
        if r[3] is None:
            assert math.isnan(row["weighted"]) and row["no_amount"]
        else:
            assert row["weighted"] == pytest.approx(r[3] * _rate(r))
    assert m.loc["O2", "override"] == 0.9 and m.loc["O2", "rate_source"] == "override"
    assert m.loc["O1", "rate_source"] == "stage" and math.isnan(m.loc["O1", "override"])
    weighted_total = sum(r[3] * _rate(r) for r in _open() if r[3] is not None)
    assert m.loc[m["status"] == "open", "weighted"].sum() == pytest.approx(weighted_total)


def test_overrides_can_be_ignored_and_rates_replaced(toy):
    m = win_rate_model(toy, use_overrides=False).set_index("opportunity_id")
    assert m.loc["O2", "win_rate"] == RATES["agreed"]
    m2 = win_rate_model(toy, rates={"qualified": 0.3}).set_index("opportunity_id")
    assert m2.loc["O1", "win_rate"] == 0.3 and m2.loc["O1", "weighted"] == pytest.approx(3e5)
    with pytest.raises(ValueError, match="unknown stage"):
        win_rate_model(toy, rates={"nope": 0.3})
    with pytest.raises(ValueError, match="from 0 to 1"):
        win_rate_model(toy, rates={"qualified": 1.3})


def test_forecast_categories_follow_config_thresholds(toy):
    cats = sorted(default_config().section("forecast")["categories"], key=lambda c: -c["min_win_rate"])
    m = win_rate_model(toy).set_index("opportunity_id")
    for r in ROWS:
        st = STATUS[r[2]]
        want = {"won": "closed", "lost": "lost"}.get(st) or next(c["key"] for c in cats if _rate(r) >= c["min_win_rate"])
        assert m.loc[r[0], "category"] == want, r[0]


def test_overdue_flag(toy):
    m = win_rate_model(toy).set_index("opportunity_id")
    as_of = T(AS_OF)
    for r in ROWS:
        want = STATUS[r[2]] == "open" and r[5] is not None and T(r[5]) < as_of
        assert bool(m.loc[r[0], "overdue"]) == want, r[0]


def test_model_does_not_mutate_input(toy):
    before = toy.tables["opportunities"].copy()
    win_rate_model(toy, rates={"qualified": 0.2})
    pd.testing.assert_frame_equal(toy.tables["opportunities"], before)


# ---------------------------------------------------------------------------
# Milestones
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("as_of,ms,fiscal,label,start,end,share", [
    ("2024-05-15", "month", 1, "2024-05", "2024-05-01", "2024-05-31", 1 / 12),
    ("2024-05-15", "quarter", 1, "2024-Q2", "2024-04-01", "2024-06-30", 0.25),
    ("2024-05-15", "half", 1, "2024-H1", "2024-01-01", "2024-06-30", 0.5),
    ("2024-05-15", "year", 1, "2024", "2024-01-01", "2024-12-31", 1.0),
    ("2024-05-15", "quarter", 4, "FY2025-Q1", "2024-04-01", "2024-06-30", 0.25),
    ("2024-02-10", "year", 4, "FY2024", "2023-04-01", "2024-03-31", 1.0),
    ("2024-06-30", "quarter", 1, "2024-Q3", "2024-07-01", "2024-09-30", 0.25),  # last day: the next one
    ("2024-05-15", "2024-Q4", 1, "2024-Q4", "2024-10-01", "2024-12-31", 0.25),
])
def test_milestone_period(as_of, ms, fiscal, label, start, end, share):
    p, s = milestone_period(T(as_of), ms, fiscal_start=fiscal)
    assert (p.label, p.start, p.end) == (label, T(start), T(end))
    assert s == pytest.approx(share)


def test_unknown_milestone():
    with pytest.raises(ValueError, match="unknown milestone"):
        milestone_period(T(AS_OF), "fortnight")


# ---------------------------------------------------------------------------
# Board 2
# ---------------------------------------------------------------------------
def _independent_dashboard(as_of, start, end, share, target):
    won = sum(r[3] for r in ROWS if STATUS[r[2]] == "won" and r[6] and T(start) <= T(r[6]) <= T(as_of))
    due = [r for r in _open() if r[5] is not None and T(r[5]) <= T(end)]
    expected = sum(r[3] * _rate(r) for r in due if r[3] is not None)
    amount_due = sum(r[3] for r in due if r[3] is not None)
    t = target * share
    closed = [r for r in ROWS if STATUS[r[2]] != "open" and T(as_of) - pd.Timedelta(days=365) < T(r[6]) <= T(as_of)]
    own = sum(STATUS[r[2]] == "won" for r in closed) / len(closed)
    return {"won": won, "expected": expected, "amount_due": amount_due, "target": t,
            "coverage": amount_due / (t - won), "own": own, "required": 1 / own, "count_due": len(due)}


@pytest.mark.parametrize("ms", ["month", "quarter", "year"])
def test_dashboard_totals_and_coverage(toy, ms):
    p, share = milestone_period(T(AS_OF), ms)
    want = _independent_dashboard(AS_OF, p.start, p.end, share, TARGET)
    d = dashboard(toy, ms)
    assert d.won_so_far == pytest.approx(want["won"])
    assert d.expected == pytest.approx(want["expected"])
    assert d.projected == pytest.approx(want["won"] + want["expected"])
    assert d.target == pytest.approx(want["target"])
    assert d.milestone_amount == pytest.approx(want["amount_due"])
    assert d.milestone_count == want["count_due"]
    assert d.coverage == pytest.approx(want["coverage"])
    assert d.own_win_rate == pytest.approx(want["own"])
    assert d.coverage_required == pytest.approx(want["required"])
    assert d.gap == pytest.approx(want["target"] - want["won"] - want["expected"])


def test_missing_amounts_are_counted_and_said(toy):
    d = dashboard(toy)
    missing = [r[0] for r in _open() if r[3] is None]
    assert d.no_amount_count == len(missing) == 1
    assert d.no_amount["opportunity_id"].tolist() == missing
    assert any("1 open deal has no amount: not in the weighted total" in en for _, en in d.notes)
    assert d.no_close_date_count == sum(r[5] is None for r in _open())


def test_matrix_counts_amounts_weighted(toy):
    d = dashboard(toy, "quarter")
    as_of = T(AS_OF)
    for what in ("count", "amount", "weighted"):
        t = d.matrix[what]
        for r in _open():
            if r[5] is None:
                col = "no date"
            elif T(r[5]) < as_of:
                col = "overdue"
            else:
                col = T(r[5]).strftime("%Y-%m")
                col = col if col in t.columns else "later"
            same = [x for x in _open() if x[2] == r[2]]
            assert len(same) == 1  # one deal per stage in the fixture
            want = {"count": 1, "amount": r[3] or 0.0, "weighted": (r[3] or 0.0) * _rate(r)}[what]
            assert t.loc[r[2], col] == pytest.approx(want), (what, r[0])
        assert t.loc["total", "total"] == pytest.approx(t.drop(index="total", columns="total").to_numpy().sum())
    assert d.matrix["weighted"].loc["total", "total"] == pytest.approx(
        sum((r[3] or 0) * _rate(r) for r in _open()))


def test_by_rep_team_product_and_production(toy):
    d = dashboard(toy, "quarter")
    p, share = milestone_period(T(AS_OF), "quarter")
    for rep in ("Li", "Wang", "Zhao"):
        rows = [r for r in _open() if r[1] == rep]
        assert d.by_rep.loc[rep, "open_count"] == len(rows)
        assert d.by_rep.loc[rep, "weighted"] == pytest.approx(sum((r[3] or 0) * _rate(r) for r in rows))
        assert d.by_rep.loc[rep, "quota"] == pytest.approx(4e6 * share)
    east = [r for r in _open() if r[1] in ("Li", "Wang")]
    assert d.by_team.loc["East", "open_amount"] == pytest.approx(sum(r[3] or 0 for r in east))
    p1 = [r for r in _open() if r[8] == "P1"]
    assert d.by_product.loc["P1", "weighted"] == pytest.approx(sum((r[3] or 0) * _rate(r) for r in p1))
    assert "unassigned" in d.by_product.index  # O10 has no product: shown, never dropped
    june = sum((r[3] or 0) * _rate(r) for r in _open() if r[5] and T(r[5]).strftime("%Y-%m") == "2024-06")
    assert d.production["2024-06"].sum() == pytest.approx(june)


def test_categories_table(toy):
    d = dashboard(toy, "quarter")
    m = win_rate_model(toy)
    for cat in ("commit", "best_case", "pipeline"):
        rows = [r for r in _open() if m.set_index("opportunity_id").loc[r[0], "category"] == cat]
        assert d.categories.loc[cat, "count"] == len(rows)
        assert d.categories.loc[cat, "weighted"] == pytest.approx(sum((r[3] or 0) * _rate(r) for r in rows))
    assert d.categories.loc["closed", "amount"] == pytest.approx(d.won_so_far)


def test_no_target_is_said_never_invented(bare):
    d = dashboard(bare)
    assert d.target is None and d.gap is None and d.coverage is None
    assert any("sales target is not set" in en for _, en in d.notes)
    assert "target" not in d.summary("en").split("\n")[2].lower() or "not set" in d.summary("en")
    assert d.by_team is None  # no salespeople table


def test_target_override_and_zero_means_not_set(toy):
    assert dashboard(toy, target=24e6).target == pytest.approx(6e6)
    assert dashboard(toy, target=0).target is None


def test_dashboard_to_dict_is_json(toy):
    d = dashboard(toy)
    text = json.dumps(d.to_dict(), ensure_ascii=False)
    assert '"no_amount": ["O3"]' in text
    for lang in ("zh", "en"):
        assert d.summary(lang)


def test_own_win_rate_falls_back_to_all_closed():
    df = _frame()
    df = df.loc[df["opportunity_id"].isin(["O9", "O1"])]
    c = Client.from_frames({"opportunities": df}, as_of=AS_OF)
    own = own_win_rate(c)
    assert own["basis"] == "all" and own["rate"] == 0.0 and own["required_coverage"] is None


# ---------------------------------------------------------------------------
# Board 1
# ---------------------------------------------------------------------------
def test_board1_flags(toy):
    b = board1(toy).set_index("opportunity_id")
    assert set(b.index) == {r[0] for r in _open()}
    assert b.loc["O2", "overdue"] and b.loc["O2", "stale"] and b.loc["O2", "override_used"]
    assert b.loc["O2", "flags"] == "overdue,stale,override"
    assert b.loc["O4", "slipped"] and not b.loc["O1", "slipped"]  # close 06-15 -> 09-15 since 04-08
    assert b.loc["O3", "no_amount"] and b.loc["O3", "attention"]
    assert b.loc["O10", "stale"]
    # Days in stage: O1 reached 'qualified' in the 2024-05-13 snapshot.
    assert b.loc["O1", "days_in_stage"] == (T(AS_OF) - T("2024-05-13")).days
    assert not b.loc["O1", "attention"]
    # Without snapshots, stage dates come from last_change and 'slipped' is unknown (NA), not False.
    f = deal_flags(Client.from_frames({"opportunities": _frame()}, as_of=AS_OF)).set_index("opportunity_id")
    assert f.loc["O1", "stage_since_basis"] == "last change"
    assert f.loc["O1", "days_in_stage"] == (T(AS_OF) - T("2024-05-01")).days
    assert f["slipped"].isna().all()


def test_board1_sorted_attention_first_then_weighted(toy):
    b = board1(toy)
    assert b["owner"].tolist() == sorted(b["owner"].tolist())
    for _, g in b.groupby("owner"):
        key = list(zip(~g["attention"], -g["weighted"].fillna(-1)))
        assert key == sorted(key)
    assert b.loc[b["owner"] == "Li", "opportunity_id"].tolist() == ["O2", "O1"]
    assert b.loc[b["owner"] == "Wang", "opportunity_id"].tolist() == ["O4", "O3"]


def test_board1_filters(toy):
    assert set(board1(toy, rep="Li")["opportunity_id"]) == {"O1", "O2"}
    assert set(board1(toy, team="West")["opportunity_id"]) == {"O5", "O10"}
    with pytest.raises(ValueError, match="unknown salesperson"):
        board1(toy, rep="Nobody")
    with pytest.raises(ValueError, match="unknown team"):
        board1(toy, team="North")
    with pytest.raises(MissingData, match="salespeople"):
        board1(Client.from_frames({"opportunities": _frame()}, as_of=AS_OF), team="East")


def test_select_reps_target_is_their_quotas(toy):
    m, target = select_reps(toy, win_rate_model(toy), team="East")
    assert set(m["owner"]) == {"Li", "Wang"} and target == 8e6
    m, target = select_reps(toy, win_rate_model(toy))
    assert target == TARGET and len(m) == len(ROWS)


def test_board1_display_shows_override_beside_stage_rate(toy):
    shown = board1_display(board1(toy), toy.config, "en")
    row = shown.loc[shown["Opportunity"] == "Deal O2"].iloc[0]
    assert row["Win rate"] == "90% (stage 75%)"
    assert "overdue" in row["Flags"]
    zh = board1_display(board1(toy), toy.config, "zh")
    assert "赢率" in zh.columns and "有条件同意" in set(zh["阶段"])


# ---------------------------------------------------------------------------
# Real clients and the command line
# ---------------------------------------------------------------------------
def test_demo_and_acme_dashboards(demo_client, acme_client):
    for c in (demo_client, acme_client):
        d = dashboard(c)
        o = c.tables["opportunities"]
        open_ = o.loc[o["status"] == "open"]
        assert d.open_count == len(open_)
        assert d.open_amount == pytest.approx(open_["amount"].sum())
        assert len(board1(c)) == len(open_)
        json.dumps(d.to_dict(), ensure_ascii=False)


def test_cli_pipeline_json(capsys):
    from kalib.cli import main

    assert main(["pipeline", "demo", "--json", "--milestone", "year", "--trials", "2000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dashboard"]["milestone"] == "year"
    assert set(out["forecast"]["percentiles"]) == {"P10", "P50", "P90"}
    assert set(out["flags"]) == {"overdue", "slipped", "stale", "override", "no_amount"}
    assert out["forecast"]["percentiles"]["P10"] <= out["forecast"]["percentiles"]["P90"]


def test_cli_pipeline_text_and_bad_input(capsys, repo_root):
    from kalib.cli import main

    acme = str(repo_root / "tests" / "fixtures" / "acme")
    assert main(["pipeline", acme, "--lang", "en", "--trials", "1000"]) == 0
    out = capsys.readouterr().out
    assert "Board 1 flags" in out and "P50" in out
    assert main(["pipeline", acme, "--milestone", "fortnight"]) == 2
    assert "unknown milestone" in capsys.readouterr().err
    assert main(["pipeline", acme, "--rep", "Nobody"]) == 2


def test_demo_year_short_while_next_quarter_is_safe(demo_client):
    """What notebook 03.00 says in words: indicator 6 (all open deals ÷ the yearly target) is under
    its line, Board 2's next quarter is projected above its target, and the whole next year below
    its target, because the close dates are bunched into the quarter."""
    from kalib.health import compute_values

    v = compute_values(demo_client)
    line6 = demo_client.config.line("pipeline_coverage", demo_client.industry)["pass"]
    o = demo_client.tables["opportunities"]
    open_amount = float(o.loc[o["status"] == "open", "amount"].sum())
    assert v["pipeline_coverage"]["value"] == pytest.approx(open_amount / demo_client.meta.sales_target)
    assert v["pipeline_coverage"]["value"] < line6
    q = dashboard(demo_client, "quarter")
    y = dashboard(demo_client, "year")
    assert q.projected > q.target
    assert y.projected < y.target
    assert q.milestone_amount / q.open_amount > q.year_share  # more than a quarter's share due in the quarter
    assert q.open_amount == pytest.approx(open_amount)


def test_demo_own_win_rate_is_indicator_5(demo_client):
    """Board 2's own win rate and indicator 5 count the same deals on the demo (03.00 says so)."""
    from kalib.health import compute_values

    own = own_win_rate(demo_client)
    d5 = compute_values(demo_client)["win_rate"]["detail"]
    o = demo_client.tables["opportunities"]
    withdrawn = o["stage"].isin(demo_client.config.withdrawn_stages())
    closed = o.loc[o["closed_date"].dt.year.eq(2024)]
    assert (own["won"], own["lost"]) == (d5["won"], d5["lost"])
    assert own["won"] == int((closed["status"] == "won").sum())
    assert own["lost"] == int(((closed["status"] == "lost") & ~withdrawn.loc[closed.index]).sum())
