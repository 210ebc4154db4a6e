"""Benchmark: ``kalib health --json`` against DuckDB computing the same ten indicators in SQL from the same CSVs.

    python benchmarks/bench_duckdb.py                          # the 1,000,000 / 5,000,000 client of bench_load.py
    python benchmarks/bench_duckdb.py --growth 10000 100000 1000000 10000000   # and the growth table
    python benchmarks/bench_duckdb.py --opportunities 20000 --rounds 1 --no-side-by-side --growth 20000

Each run is a fresh child process (kalib through its command line, DuckDB through
``sql_indicators.py``), measured by ``os.wait4``: wall time, CPU time (user + system) and peak
RSS of that process.  The side-by-side table alternates the two, ``--rounds`` times (median);
kalib runs cold (``--no-cache``) and, where the cache exists, once more warm (a cache hit).
The values must agree to the last digit, else the script says which and exits 1.

Clients are generated with ``kalib.demo.generate`` (five revenue rows per opportunity, one
customer per 50 opportunities) into ``benchmarks/generated/`` (git-ignored) and reused.
Run it with ``nice`` on a shared machine; the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import sql_indicators  # noqa: E402

PERIOD = ("2024-01-01", "2024-12-31", "2023-01-01", "2023-12-31")  # the demo's data end on 2024-12-31


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f" · {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        cpu = f" ({cpu})"
    except (OSError, StopIteration):
        pass
    return (f"{platform.node() or '?'} · {platform.system()} {platform.machine()} · {os.cpu_count()} CPU(s){cpu}{mem}"
            f" · Python {platform.python_version()}")


def versions() -> str:
    import duckdb
    import pandas
    import pyarrow

    return f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}"


def run_child(cmd: list[str], env: dict | None = None, cwd: Path = REPO) -> tuple[dict, str]:
    """Run ``cmd`` in a fresh process: its wall time, CPU time (user + system) and peak RSS in MB (``os.wait4`` on
    that process alone, in a small wrapper process), and its stdout."""
    wrapper = ("import json, os, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)\n"
               "out = p.stdout.read()\n"
               "_, st, ru = os.wait4(p.pid, 0)\n"
               "w = time.perf_counter() - t\n"
               "sys.stderr.write(json.dumps({'wall': w, 'cpu': ru.ru_utime + ru.ru_stime, 'rss': ru.ru_maxrss / 1024,"
               " 'code': os.waitstatus_to_exitcode(st)}) + '\\n')\n"
               "sys.stdout.buffer.write(out)\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, cwd=cwd,
                          env={**os.environ, **(env or {}), "PYTHONWARNINGS": "ignore"})
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    stats = json.loads(lines[-1])
    if stats.pop("code") != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n" + "\n".join(lines[-40:]))
    return stats, proc.stdout.decode()


KALIB_SRC: dict[str, Path] = {}  # --kalib-src: run kalib from another source tree (e.g. main's, for "before")


def run_kalib(folder: Path, env: dict, *, no_cache: bool) -> tuple[dict, str]:
    src = KALIB_SRC.get("dir")
    if src is None:
        return run_child(kalib_cmd(folder, no_cache=no_cache), env)
    # the source tree first on the path, and as the working folder (python -m puts it first)
    return run_child(kalib_cmd(folder, no_cache=no_cache), {**env, "PYTHONPATH": str(src)}, cwd=src)


def kalib_cmd(folder: Path, *, no_cache: bool) -> list[str]:
    cmd = [sys.executable, "-m", "kalib", "health", str(folder), "--json", "--period", "2024"]
    return [*cmd, "--no-cache"] if no_cache else cmd


def duckdb_cmd(folder: Path) -> list[str]:
    return [sys.executable, str(HERE / "sql_indicators.py"), str(folder), PERIOD[0], PERIOD[1]]


def has_cache() -> bool:
    src = KALIB_SRC.get("dir")
    out = subprocess.run([sys.executable, "-m", "kalib", "health", "--help"], capture_output=True, text=True,
                         cwd=src or REPO, env={**os.environ, **({"PYTHONPATH": str(src)} if src else {})}).stdout
    return "--no-cache" in out


def compare(kalib_json: str, duck_json: str) -> list[str]:
    k = {i["key"]: i["value"] for i in json.loads(kalib_json)["indicators"]}
    d = json.loads(duck_json)
    return [f"{key}: kalib {k.get(key)!r} ≠ DuckDB {v!r}" for key, v in d.items() if k.get(key) != v]


def ensure_client(n_opps: int, folder: Path | None = None) -> Path:
    from kalib import demo

    folder = folder or HERE / "generated" / f"growth-{n_opps}"
    if (folder / "client.yml").exists():
        return folder
    customers = max(200, n_opps // 50)
    frames, meta = demo.generate(n_customers=customers, n_opportunities=n_opps, n_revenue=5 * n_opps,
                                 snapshot_weeks=0, n_key_deals=0)
    frames = {name: df for name, df in frames.items() if len(df)}
    demo.write_client(frames, meta, folder, fmt="csv", headers="zh", fast=True)
    return folder


def _mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 1e6


def side_by_side(folder: Path, rounds: int, cache: bool, env: dict) -> int:
    runs: dict[str, list[dict]] = {"kalib": [], "duckdb": [], "kalib (cache hit)": []}
    problems: list[str] = []
    for _ in range(rounds):
        s, kout = run_kalib(folder, env, no_cache=cache)
        runs["kalib"].append(s)
        s, dout = run_child(duckdb_cmd(folder), env)
        runs["duckdb"].append(s)
        problems += compare(kout, dout)
    if cache:
        run_kalib(folder, env, no_cache=False)  # fills the cache
        for _ in range(rounds):
            s, kout = run_kalib(folder, env, no_cache=False)
            runs["kalib (cache hit)"].append(s)
            problems += compare(kout, dout)
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss")}
           for name, rs in runs.items() if rs}
    print(f"client: {folder} ({_mb(folder):,.0f} MB of CSV); load average after: "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print()
    print(f"| median of {rounds} | kalib `health --json`{' (--no-cache)' if cache else ''} | DuckDB SQL | ratio |"
          + (" kalib, cache hit |" if cache else ""))
    print("|---|---:|---:|---:|" + ("---:|" if cache else ""))
    for key, label, unit in (("wall", "wall", "s"), ("cpu", "CPU", "s"), ("rss", "peak memory (RSS)", "MB")):
        k, d = med["kalib"][key], med["duckdb"][key]
        fmt = (lambda x: f"{x:,.0f} MB") if unit == "MB" else (lambda x: f"{x:.1f} s")
        row = f"| {label} | {fmt(k)} | {fmt(d)} | {k / d:.2f}× |"
        if cache:
            row += f" {fmt(med['kalib (cache hit)'][key])} |"
        print(row)
    print()
    if problems:
        print("VALUES DIFFER:\n  " + "\n  ".join(sorted(set(problems))))
        return 1
    print("the ten indicators agree to the last digit")
    return 0


def growth(sizes: list[int], cache: bool, env: dict) -> None:
    print()
    print("| opportunities | revenue rows | CSV MB | kalib wall s | kalib CPU s | kalib peak MB | "
          "DuckDB wall s | DuckDB CPU s | DuckDB peak MB | equal |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        folder = ensure_client(n)
        try:
            k, kout = run_kalib(folder, env, no_cache=cache)
        except RuntimeError as exc:
            k, kout = None, str(exc).splitlines()[-1][:60]
        d, dout = run_child(duckdb_cmd(folder), env)
        same = ("yes" if not compare(kout, dout) else "NO") if k else "—"
        kt = (f"{k['wall']:.1f} | {k['cpu']:.1f} | {k['rss']:,.0f}" if k else f"failed: {kout} | | ")
        print(f"| {n:,} | {5 * n:,} | {_mb(folder):,.0f} | {kt} | {d['wall']:.1f} | {d['cpu']:.1f} | "
              f"{d['rss']:,.0f} | {same} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--opportunities", type=int, default=1_000_000, help="size of the side-by-side client")
    p.add_argument("--folder", type=Path, default=None,
                   help="client folder of the side-by-side run (default: bench_load.py's, generated/big, "
                        "for 1,000,000; else generated/growth-N)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--growth", type=int, nargs="*", default=[], metavar="N", help="opportunities per growth row")
    p.add_argument("--no-side-by-side", action="store_true")
    p.add_argument("--cache-dir", type=Path, default=HERE / "generated" / "cache",
                   help="KALIB_CACHE_DIR for the runs (emptied first)")
    p.add_argument("--kalib-src", type=Path, default=None,
                   help="run kalib from this source tree (e.g. `git archive main` unpacked: the 'before' numbers)")
    args = p.parse_args(argv)

    import shutil

    if args.kalib_src:
        KALIB_SRC["dir"] = args.kalib_src.resolve()

    shutil.rmtree(args.cache_dir, ignore_errors=True)
    env = {"KALIB_CACHE_DIR": str(args.cache_dir)}
    cache = has_cache()
    print(f"machine: {machine()}")
    print(f"kalib from {KALIB_SRC.get('dir', REPO)}")
    print(f"{versions()}; load average before: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    code = 0
    if not args.no_side_by_side:
        folder = args.folder or (HERE / "generated" / "big" if args.opportunities == 1_000_000 else None)
        if folder is not None and not (folder / "client.yml").exists():
            folder = ensure_client(args.opportunities, folder)
        folder = folder or ensure_client(args.opportunities)
        code = side_by_side(folder, args.rounds, cache, env)
    if args.growth:
        growth(args.growth, cache, env)
    return code


if __name__ == "__main__":
    sys.exit(main())
