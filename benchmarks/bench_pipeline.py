"""Benchmarks of layer 3: Board 2 (dashboard), the Monte Carlo forecast and the Monday review.

Run: ``python benchmarks/bench_pipeline.py`` (add ``--quick`` to skip the large cases).
Prints the median time of a few runs of each case and the peak memory.  Aims:

* dashboard + forecast on 5,000 open deals with 10,000 trials: under 200 ms
  (the live widget recomputes both on every change);
* the same on 100,000 open deals: under 3 s;
* Board 1 of 100,000 open deals with two snapshots (reported);
* the review of two snapshots of 1,000,000 opportunities (reported).

The data are synthetic canonical frames (the shape :mod:`kalib.io` produces),
seeded, so every run measures the same work.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time

import numpy as np
import pandas as pd

from kalib import Client, default_config
from kalib.forecast import simulate
from kalib.pipeline import board1, dashboard, win_rate_model
from kalib.review import review

AS_OF = pd.Timestamp("2024-05-15")
# A milestone far enough for every open deal (expected close up to 400 days ahead) to be drawn.
MILESTONE = "2024-01-01..2025-12-31"


def opportunities(n_open: int, n_closed: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stages = [s["key"] for s in default_config().stages() if s["status"] == "open"]
    n = n_open + n_closed
    status = np.array(["open"] * n_open + list(rng.choice(["won", "lost"], n_closed, p=[0.35, 0.65])))
    stage = np.where(status == "open", rng.choice(stages, n), status)
    amount = np.round(rng.lognormal(13.5, 1.0, n), -3)
    amount[rng.random(n) < 0.01] = np.nan
    close = AS_OF + pd.to_timedelta(rng.integers(-60, 400, n), unit="D")
    closed = np.where(status == "open", np.datetime64("NaT"), (AS_OF - pd.to_timedelta(rng.integers(0, 700, n),
                                                                                        unit="D")).to_numpy())
    override = np.where(rng.random(n) < 0.1, rng.choice([0.2, 0.4, 0.6, 0.8], n), np.nan)
    reps = np.array([f"rep{i:03d}" for i in range(max(20, n // 200))])
    return pd.DataFrame({
        "opportunity_id": pd.array([f"O{i:07d}" for i in range(n)], dtype="str"),
        "customer": pd.array([f"C{i:05d}" for i in rng.integers(0, max(50, n // 10), n)], dtype="str"),
        "name": pd.array([f"deal {i}" for i in range(n)], dtype="str"),
        "owner": pd.array(rng.choice(reps, n), dtype="str"),
        "product": pd.array(rng.choice([f"P{i:02d}" for i in range(40)], n), dtype="str"),
        "amount": amount, "stage": pd.array(stage, dtype="str"), "win_rate_override": override,
        "created": AS_OF - pd.to_timedelta(rng.integers(30, 900, n), unit="D"),
        "expected_close": close, "status": pd.array(status, dtype="str"),
        "closed_date": pd.to_datetime(closed), "last_change": AS_OF - pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
    })


def snapshots(n: int, seed: int = 2) -> pd.DataFrame:
    """Two weekly snapshots of ``n`` opportunities with a realistic share of changes."""
    rng = np.random.default_rng(seed)
    a = opportunities(n, 0, seed)
    b = a.copy()
    stages = [s["key"] for s in default_config().stages() if s["status"] == "open"]
    move = rng.random(n)
    st = b["stage"].to_numpy(dtype=object)
    st = np.where(move < 0.02, "won", np.where(move < 0.05, "lost", np.where(move < 0.12, rng.choice(stages, n), st)))
    b["stage"] = pd.array(st, dtype="str")
    b["status"] = pd.array(np.where(st == "won", "won", np.where(st == "lost", "lost", "open")), dtype="str")
    b["amount"] = b["amount"] * np.where(rng.random(n) < 0.05, rng.uniform(0.7, 1.3, n), 1.0)
    b["expected_close"] = b["expected_close"] + pd.to_timedelta(np.where(rng.random(n) < 0.08, 45, 0), unit="D")
    keep = rng.random(n) > 0.005
    b = b.loc[keep]
    new = opportunities(n // 100, 0, seed + 1)
    new["opportunity_id"] = pd.array([f"N{i:07d}" for i in range(len(new))], dtype="str")
    b = pd.concat([b, new], ignore_index=True)
    a.insert(0, "snapshot_date", AS_OF - pd.Timedelta(days=7))
    b.insert(0, "snapshot_date", AS_OF)
    return pd.concat([a, b], ignore_index=True)


CPU: dict[str, float] = {}


def timed(fn, repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall time of ``repeat`` runs (the median CPU time goes to ``CPU[label]``: on a
    shared machine it is the steadier of the two)."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_board2(n_open: int, repeat: int) -> None:
    c = Client.from_frames({"opportunities": opportunities(n_open, n_open // 2)}, as_of=str(AS_OF.date()),
                           sales_target=5e9)
    win_rate_model(c)  # warm-up (imports, caches)
    t_model, model = timed(lambda: win_rate_model(c), repeat, "model")
    t_dash, _ = timed(lambda: dashboard(c, MILESTONE, model=model), repeat, "dash")
    t_fc, fc = timed(lambda: simulate(c, MILESTONE, model=model, trials=10_000), repeat, "fc")
    t_all, _ = timed(lambda: (lambda m: (dashboard(c, MILESTONE, model=m),
                                         simulate(c, MILESTONE, model=m, trials=10_000)))(win_rate_model(c)), repeat,
                     "all")
    print(f"{n_open:>9,} open deals (+{n_open // 2:,} closed), 10,000 trials, {fc.n_deals:,} deals drawn "
          f"(wall / CPU, median of {repeat}):\n"
          f"    model {t_model * 1e3:6.0f} / {CPU['model'] * 1e3:4.0f} ms | dashboard {t_dash * 1e3:6.0f} / "
          f"{CPU['dash'] * 1e3:4.0f} ms | forecast {t_fc * 1e3:6.0f} / {CPU['fc'] * 1e3:4.0f} ms | "
          f"widget update (all three) {t_all * 1e3:6.0f} / {CPU['all'] * 1e3:4.0f} ms | peak {peak_mb():.0f} MB")


def bench_board1(n: int, repeat: int) -> None:
    s = snapshots(n)
    o = s.loc[s["snapshot_date"] == s["snapshot_date"].max()].drop(columns="snapshot_date")
    c = Client.from_frames({"opportunities": o, "snapshots": s}, as_of=str(AS_OF.date()))
    t, b = timed(lambda: board1(c), repeat, "board1")
    print(f"Board 1 of {len(b):,} open deals with two snapshots ({len(s):,} rows): {t:6.2f} s wall / "
          f"{CPU['board1']:.2f} s CPU | peak {peak_mb():.0f} MB")


def bench_review(n: int, repeat: int) -> None:
    s = snapshots(n)
    c = Client.from_frames({"snapshots": s}, as_of=str(AS_OF.date()))
    t, r = timed(lambda: review(c), repeat, "review")
    print(f"review of two snapshots of {n:,} opportunities ({len(s):,} rows): {t:6.2f} s wall / "
          f"{CPU['review']:.2f} s CPU | "
          f"{sum(v for k, v in r.counts.items() if k != 'unchanged'):,} changes | peak {peak_mb():.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the 5,000-deal case")
    args = ap.parse_args()
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"kalib layer-3 benchmarks · Python {platform.python_version()} · pandas {pd.__version__} · "
          f"numpy {np.__version__} · {platform.machine()} · {os.cpu_count()} CPUs · load average {load:.1f}")
    bench_board2(5_000, repeat=7)
    if not args.quick:
        bench_board2(100_000, repeat=3)
        bench_board1(100_000, repeat=3)
        bench_review(1_000_000, repeat=2)


if __name__ == "__main__":
    main()
