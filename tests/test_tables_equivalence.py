"""``review``, ``dashboard`` and ``deal_flags`` give the same results as their earlier numpy
implementations (kept in ``tests/legacy_tables.py``), on the demo and on random clients."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kalib import Client, InputError, default_config
from kalib.pipeline import dashboard, deal_flags
from kalib.review import review

import legacy_tables as legacy

TOL = 1e-9


def random_client(seed: int, n: int = 400) -> Client:
    """Opportunities, three weekly snapshots (with stage moves back and forth, slips, new and removed
    deals, missing owners, amounts and dates), salespeople with teams and quotas."""
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2024-05-15")
    stages = [s["key"] for s in default_config().stages() if s["status"] == "open"]
    reps = [f"rep{i}" for i in range(7)]

    def week(base: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
        b = base.copy()
        move = rng.random(len(b))
        st = b["stage"].to_numpy(dtype=object)
        st = np.where(move < 0.05, "won", np.where(move < 0.09, "lost", np.where(move < 0.3, rng.choice(stages, len(b)),
                                                                                   st)))
        b["stage"] = pd.array(st, dtype="str")
        b["status"] = pd.array(np.where(st == "won", "won", np.where(st == "lost", "lost", "open")), dtype="str")
        b["amount"] = b["amount"] * np.where(rng.random(len(b)) < 0.1, rng.uniform(0.5, 1.5, len(b)), 1.0)
        b.loc[rng.random(len(b)) < 0.03, "amount"] = np.nan
        b["win_rate_override"] = np.where(rng.random(len(b)) < 0.1, rng.choice([0.1, 0.5, 0.9], len(b)),
                                          b["win_rate_override"])
        b["expected_close"] = b["expected_close"] + pd.to_timedelta(
            np.where(rng.random(len(b)) < 0.15, rng.choice([-40, 40, 90], len(b)), 0), unit="D")
        b = b.loc[rng.random(len(b)) > 0.03]
        b.insert(0, "snapshot_date", day)
        return b

    status = np.where(rng.random(n) < 0.7, "open", rng.choice(["won", "lost"], n))
    stage = np.where(status == "open", rng.choice(stages, n), status)
    owner = pd.array(np.where(rng.random(n) < 0.05, None, rng.choice(reps, n)), dtype="str")
    close = as_of + pd.to_timedelta(rng.integers(-60, 300, n), unit="D")
    close = pd.Series(close).mask(rng.random(n) < 0.04)
    opps = pd.DataFrame({
        "opportunity_id": pd.array([f"O{i:04d}" for i in range(n)], dtype="str"),
        "customer": pd.array([f"C{i}" for i in rng.integers(0, 40, n)], dtype="str"),
        "name": pd.array([f"deal {i}" for i in range(n)], dtype="str"),
        "owner": owner,
        "product": pd.array(np.where(rng.random(n) < 0.05, None, rng.choice(["P1", "P2", "P3", "P4"], n)),
                            dtype="str"),
        "amount": np.where(rng.random(n) < 0.05, np.nan, np.round(rng.lognormal(13, 1, n), -3)),
        "stage": pd.array(stage, dtype="str"), "status": pd.array(status, dtype="str"),
        "win_rate_override": np.where(rng.random(n) < 0.1, rng.choice([0.2, 0.6], n), np.nan),
        "created": as_of - pd.to_timedelta(rng.integers(60, 500, n), unit="D"),
        "expected_close": close,
        "closed_date": pd.Series(as_of - pd.to_timedelta(rng.integers(0, 200, n), unit="D")).where(status != "open"),
        "last_change": pd.Series(as_of - pd.to_timedelta(rng.integers(0, 90, n), unit="D")).where(
            rng.random(n) > 0.1),
    })
    days = [as_of - pd.Timedelta(days=d) for d in (14, 7, 0)]
    first = week(opps, days[0])
    second = week(first.drop(columns="snapshot_date"), days[1])
    third = week(second.drop(columns="snapshot_date"), days[2])
    extra = opps.iloc[: n // 20].copy()
    extra["opportunity_id"] = pd.array([f"N{i:04d}" for i in range(len(extra))], dtype="str")
    third = pd.concat([third, extra.assign(snapshot_date=days[2])], ignore_index=True)
    snaps = pd.concat([first, second, third], ignore_index=True).sample(frac=1.0, random_state=seed)
    latest = third.drop(columns="snapshot_date")
    people = pd.DataFrame({"salesperson": reps, "team": [["east", "west", None][i % 3] for i in range(len(reps))],
                           "quota": rng.uniform(5e6, 2e7, len(reps)).round(-4)})
    return Client.from_frames({"opportunities": latest, "snapshots": snaps, "salespeople": people},
                              name=f"random{seed}", as_of=str(as_of.date()), sales_target=2e8)


def assert_same(new, old, where: str) -> None:
    if isinstance(old, pd.DataFrame):
        pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=TOL, atol=TOL, obj=where)
    elif isinstance(old, dict):
        assert new.keys() == old.keys(), where
        for k in old:
            assert_same(new[k], old[k], f"{where}[{k}]")
    elif isinstance(old, float):
        assert new == pytest.approx(old, rel=TOL, abs=TOL, nan_ok=True), where
    else:
        assert new == old, where


def compare(new, old, name: str) -> None:
    for f in dataclasses.fields(old):
        if f.name in ("config",):
            continue
        assert_same(getattr(new, f.name), getattr(old, f.name), f"{name}.{f.name}")


@pytest.fixture(scope="module", params=[1, 2, 3])
def random(request) -> Client:
    return random_client(request.param)


def test_review_as_before_on_the_demo(demo_client):
    compare(review(demo_client), legacy.review(demo_client), "review")
    dates = legacy.snapshot_dates(demo_client)
    compare(review(demo_client, dates[0], milestone="year"), legacy.review(demo_client, dates[0], milestone="year"),
            "review")


def test_review_as_before_on_random_clients(random):
    compare(review(random), legacy.review(random), "review")
    compare(review(random, "2024-05-01", "2024-05-08", milestone="month"),
            legacy.review(random, "2024-05-01", "2024-05-08", milestone="month"), "review")


@pytest.mark.parametrize("milestone", ["quarter", "year", "month"])
def test_dashboard_as_before(demo_client, random, milestone):
    for c in (demo_client, random):
        compare(dashboard(c, milestone), legacy.dashboard(c, milestone), "dashboard")


def test_deal_flags_as_before(demo_client, acme_client, random):
    for c in (demo_client, acme_client, random, random.with_as_of("2024-05-03")):
        assert_same(deal_flags(c), legacy.deal_flags(c), "deal_flags")


def test_duplicated_snapshots_never_reach_review(random):
    """review() merges one row per deal and snapshot; a client with a repeated row cannot be built."""
    snaps = random.tables["snapshots"]
    last = snaps.loc[snaps["snapshot_date"] == snaps["snapshot_date"].max()]
    doubled = pd.concat([snaps, last.iloc[[0]].assign(amount=1.0)], ignore_index=True)
    tables = {**random.tables, "snapshots": doubled}
    with pytest.raises(InputError, match=f"opportunity '{last['opportunity_id'].iloc[0]}' appears more than once"):
        Client(tables, meta=random.meta)


def test_dashboard_as_before_without_open_deals(random):
    opps = random.tables["opportunities"]
    closed = Client({**random.tables, "opportunities": opps.loc[opps["status"] != "open"]}, meta=random.meta)
    new, old = dashboard(closed), legacy.dashboard(closed)
    # Amounts are float64 now even with no deal to add (np.bincount on nothing used to give int64).
    amounts = {c: "float64" for c in ("amount", "weighted", "milestone_amount", "expected")}
    pd.testing.assert_frame_equal(new.production, old.production.astype("float64"))
    pd.testing.assert_frame_equal(new.categories, old.categories.astype(amounts))
    compare(dataclasses.replace(new, production=None, categories=None),
            dataclasses.replace(old, production=None, categories=None), "dashboard")
    assert_same(deal_flags(closed), legacy.deal_flags(closed), "deal_flags")
