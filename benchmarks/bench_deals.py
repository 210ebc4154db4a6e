"""Time the deal review (layer 2): one deal, the portfolio, the charts and a widget refresh.

Run: ``.venv/bin/python benchmarks/bench_deals.py``.  Prints milliseconds and peak memory.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd

import kalib
from kalib.deals import FACTOR_KEYS, default_opportunity, portfolio, review_deal


def large_client(deals: int = 3000, scored: int = 1000, seed: int = 1) -> kalib.Client:
    """A made-up client: ``deals`` open deals, ``scored`` of them with scores and 6 stakeholders each."""
    rng = np.random.default_rng(seed)
    ids = [f"D{i:05d}" for i in range(deals)]
    stages = ["identified", "validated", "qualified", "solution", "agreed"]
    opps = pd.DataFrame({"opportunity_id": ids, "customer": rng.integers(0, 400, deals).astype(str),
                         "stage": rng.choice(stages, deals), "amount": rng.lognormal(14, 1, deals).round(-3)})
    sid = ids[:scored]
    scores = pd.DataFrame({"opportunity_id": sid, **{k: rng.integers(1, 6, scored) for k in FACTOR_KEYS}})
    roles = ["decision_maker", "approver", "evaluator", "evaluator", "user", "coach"]
    people = pd.DataFrame({
        "opportunity_id": np.repeat(sid, 6), "person": [f"p{i}" for i in range(6 * scored)],
        "role": roles * scored, "influence": rng.integers(1, 6, 6 * scored),
        "attitude": rng.integers(-2, 3, 6 * scored), "relationship": rng.integers(0, 4, 6 * scored),
        "met": rng.random(6 * scored) > 0.4,
        "style": rng.choice(["driver", "analytical", "amiable", "expressive"], 6 * scored)})
    return kalib.Client.from_frames({"opportunities": opps, "deal_scores": scores, "stakeholders": people},
                                    name="large")


def timed(label: str, fn, repeat: int = 3) -> None:
    fn()  # warm up
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    dt = (time.perf_counter() - t0) / repeat
    tracemalloc.start()  # memory on a separate run: tracing slows Python code down several times
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"{label:<52} {dt * 1000:9.1f} ms   peak {peak:6.1f} MB")


if __name__ == "__main__":
    from kalib.charts.deals import factor_profile_chart, portfolio_chart, power_map_chart
    from kalib.widgets import figure_png
    from kalib.widgets.deals import deal_panel

    demo = kalib.load_client("demo")
    oid = default_opportunity(demo)
    ev = review_deal(demo, oid)
    timed("demo: review_deal (one deal)", lambda: review_deal(demo, oid), repeat=10)
    timed("demo: portfolio (all open deals)", lambda: portfolio(demo))
    timed("demo: factor profile chart -> PNG", lambda: figure_png(factor_profile_chart(ev, "zh")))
    timed("demo: power map chart -> PNG", lambda: figure_png(power_map_chart(ev.power_map, "zh")))
    timed("demo: portfolio chart -> PNG", lambda: figure_png(portfolio_chart(portfolio(demo), "zh")), repeat=1)
    panel = deal_panel(demo, "zh")
    flip = iter(range(10_000))
    timed("widget: one slider change (evaluate + profile PNG)",
          lambda: setattr(panel.sliders["theme"], "value", 2 + next(flip) % 3), repeat=5)
    big = large_client()
    timed("3000 open deals, 1000 scored, 6000 people: portfolio", lambda: portfolio(big), repeat=1)
