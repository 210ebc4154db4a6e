"""Benchmarks of client reports (plain script; prints times).

1. The demo report (``kalib report demo``, a fresh process, as a user runs it) against
   the *floor*: papermill executing the same number of notebooks that only import kalib,
   one after another in one fresh process (its Python API, so its imports are paid once).
   Both are measured in the same run, alternately, ``--reps`` times; the ratio of the
   medians is the figure to watch (aim: under 1.5).
2. A batch of ``--clients`` small fixture clients (generated with ``kalib.demo``):
   ``kalib report --batch`` with ``--jobs 1`` (serial) against ``--jobs 2`` (aim: at least
   1.7 times faster on 2 cores).

Run from the repository root: ``.venv/bin/python benchmarks/bench_report.py``
(``--skip-batch`` for part 1 only; ``--clients 6`` for a quicker part 2).
The machine's load average is printed with each result: other work on the machine
slows both sides of a comparison, not always equally.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KALIB = str(BIN / "kalib")

FLOOR_SCRIPT = r"""
import sys
import papermill as pm
for src, dst in zip(sys.argv[1::2], sys.argv[2::2]):
    pm.execute_notebook(src, dst, parameters={"client": "demo", "lang": "zh"}, kernel_name="python3",
                        progress_bar=False)
"""


def load() -> str:
    try:
        return "load %.1f" % os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return "load ?"


CPU: list[float] = []  # CPU seconds (user + system, the whole process tree) of the last timed() call


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Wall seconds and exit code of ``cmd``; its CPU seconds go to ``CPU``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    seconds = time.perf_counter() - start
    CPU.append(_children_cpu() - cpu)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-1500:])
    return seconds, proc.returncode


def floor_notebooks(n: int, folder: Path) -> list[Path]:
    import nbformat

    paths = []
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = nbformat.v4.new_code_cell('client = "demo"\nlang = "zh"')
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell("import kalib")]
        p = folder / f"floor{i}.ipynb"
        nbformat.write(nb, str(p))
        paths.append(p)
    return paths


def bench_report(reps: int, with_fresh: bool) -> None:
    from kalib.report.runner import notebooks_dir
    from kalib.report.sections import SECTIONS

    present = [s for s in SECTIONS if (notebooks_dir() / f"{s.notebook}.ipynb").exists()]
    n = len(present)
    print(f"demo report: {n} report notebooks present ({', '.join(s.notebook for s in present)})")
    tmp = Path(tempfile.mkdtemp(prefix="kalib-bench-"))
    try:
        nbs = floor_notebooks(n, tmp)
        floor_args = [a for p in nbs for a in (str(p), str(tmp / f"out-{p.name}"))]
        runs: dict[str, list[tuple[float, float]]] = {"floor": [], "report": [], "fresh": []}
        for r in range(reps):
            f, _ = timed([sys.executable, "-c", FLOOR_SCRIPT, *floor_args], cwd=tmp)
            runs["floor"].append((f, CPU[-1]))
            t, code = timed([KALIB, "report", "demo", "-o", str(tmp / f"reports-{r}"), "-q"], cwd=REPO)
            runs["report"].append((t, CPU[-1]))
            line = (f"  rep {r + 1}: floor {f:5.1f} s (cpu {runs['floor'][-1][1]:5.1f})   "
                    f"report {t:5.1f} s (cpu {CPU[-1]:5.1f}, exit {code}, ratio {t / f:4.2f})")
            if with_fresh:
                t2, code2 = timed([KALIB, "report", "demo", "-o", str(tmp / f"fresh-{r}"), "-q", "--fresh-kernels"],
                                  cwd=REPO)
                runs["fresh"].append((t2, CPU[-1]))
                line += f"   --fresh-kernels {t2:5.1f} s (cpu {CPU[-1]:5.1f}, exit {code2})"
            print(f"{line}   {load()}", flush=True)

        def summary(key: str) -> tuple[float, float, float]:
            walls = [w for w, _ in runs[key]]
            return statistics.median(walls), min(walls), statistics.median(c for _, c in runs[key])

        fm, fmin, fcpu = summary("floor")
        for key, label in (("report", "report"), ("fresh", "--fresh-kernels")):
            if runs[key]:
                m, mn, cpu = summary(key)
                print(f"  {label}: wall median {m:.1f} s vs floor {fm:.1f} s = {m / fm:.2f}x; "
                      f"best {mn:.1f} s vs {fmin:.1f} s = {mn / fmin:.2f}x; "
                      f"CPU {cpu:.1f} s vs {fcpu:.1f} s = {cpu / fcpu:.2f}x  (aim: wall < 1.5x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_clients(folder: Path, n: int) -> None:
    from kalib import demo

    for i in range(n):
        frames, meta = demo.generate(seed=100 + i, n_customers=30, years=2, n_salespeople=6, n_key_deals=4,
                                     snapshot_weeks=4)
        meta["name"] = f"测试客户 {i:02d}"
        demo.write_client(frames, meta, folder / f"client{i:02d}", fmt="csv")


def bench_batch(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kalib-bench-batch-"))
    try:
        t0 = time.perf_counter()
        make_clients(tmp / "clients", n)
        print(f"batch: {n} fixture clients generated in {time.perf_counter() - t0:.1f} s")
        times = {}
        for jobs in (1, 2):
            t, code = timed([KALIB, "report", "--batch", str(tmp / "clients"), "-o", str(tmp / f"out{jobs}"),
                             "--jobs", str(jobs), "-q"], cwd=REPO)
            times[jobs] = t
            print(f"  --jobs {jobs}: {t:6.1f} s (exit {code}, {t / n:.1f} s per client)   {load()}", flush=True)
        print(f"  speed-up with 2 jobs: {times[1] / times[2]:.2f}x (aim >= 1.7)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="also time the report with --fresh-kernels")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {load()}")
    if not args.skip_report:
        bench_report(args.reps, args.fresh)
    if not args.skip_batch:
        bench_batch(args.clients)


if __name__ == "__main__":
    main()
