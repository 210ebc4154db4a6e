"""Time the team analysis (layer 4) on the demo and on a large made-up client.

Run: ``.venv/bin/python benchmarks/bench_team.py``.  Prints seconds and peak memory.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd

import kalib
from kalib.team import team_analysis


def large_client(reps: int = 500, rows: int = 200_000, opps: int = 50_000, seed: int = 1) -> kalib.Client:
    rng = np.random.default_rng(seed)
    names = [f"rep{i:04d}" for i in range(reps)]
    sp = pd.DataFrame({"salesperson": names, "team": rng.choice(list("ABCDEFGH"), reps),
                       "hire_date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3600, reps), "D"),
                       "quota": rng.uniform(5e6, 3e7, reps).round(-4)})
    rev = pd.DataFrame({"date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, rows), "D"),
                        "customer": rng.integers(0, 5000, rows).astype(str),
                        "amount": rng.lognormal(11, 1.2, rows).round(0),
                        "salesperson": rng.choice(names, rows)})
    stages = ["identified", "validated", "qualified", "solution", "agreed", "won", "lost"]
    st = rng.choice(stages, opps)
    closed = np.isin(st, ["won", "lost"])
    op = pd.DataFrame({"opportunity_id": [f"O{i}" for i in range(opps)], "owner": rng.choice(names, opps),
                       "stage": st, "amount": rng.lognormal(13, 1, opps).round(-3),
                       "closed_date": pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, opps), "D")).where(closed)})
    return kalib.Client.from_frames({"salespeople": sp, "revenue": rev, "opportunities": op},
                                    name="large", as_of="2024-12-31")


def bench(label: str, client: kalib.Client, repeat: int = 3) -> None:
    team_analysis(client)  # warm up
    tracemalloc.start()
    t0 = time.perf_counter()
    for _ in range(repeat):
        t = team_analysis(client)
    dt = (time.perf_counter() - t0) / repeat
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"{label:<40} {dt * 1000:8.1f} ms   peak {peak:6.1f} MB   ({t.summary['salespeople']} salespeople)")


if __name__ == "__main__":
    bench("demo", kalib.load_client("demo"))
    bench("acme-like (fixture)", kalib.load_client("tests/fixtures/acme"))
    bench("500 reps, 200k revenue rows, 50k opps", large_client())
