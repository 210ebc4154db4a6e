"""Batch reports on a Dask cluster: a LocalCluster of two worker processes, and a scheduler and two workers
started as separate processes (``dask scheduler``, ``dask worker``) on loopback; a broken client stays isolated.

Small generated clients and a one-cell report notebook keep these fast (a kernel per worker, a second or two a
client). Skipped with the reason when ``distributed`` is not installed (``pip install kalib[dask]``)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from kalib import demo
from kalib.cli import main
from kalib.report.batch import SUMMARY_NAME, read_batch, run_batch
from kalib.report.portfolio import PORTFOLIO_JSON
from report_notebooks import params_cell, write_notebook

distributed = pytest.importorskip("distributed", reason="Dask's distributed is not installed: pip install kalib[dask]")

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]
START_TIMEOUT = 120  # s, for a scheduler and its workers on a busy two-core machine


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Two small generated clients, one broken (unknown industry), and a one-cell report notebook that records
    the client's revenue rows and the worker's process id."""
    root = tmp_path_factory.mktemp("dask")
    folder = root / "clients"
    rows = {}
    for i in (1, 2):
        frames, meta = demo.generate(seed=400 + i, n_customers=10, years=2, n_salespeople=3, n_key_deals=2,
                                     snapshot_weeks=2)
        meta["name"] = f"客户{i} <script>alert(1)</script>"
        demo.write_client(frames, meta, folder / f"good{i}", fmt="csv")
        rows[f"good{i}"] = len(frames["revenue"])
    broken = folder / "broken"
    broken.mkdir()
    (broken / "client.yml").write_text("industry: mining\n", encoding="utf-8")
    (broken / "收入.csv").write_text("日期,客户名称,金额\n2024-01-01,A,100\n", encoding="utf-8")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks / "05.00-client-check.ipynb", params_cell(), nbformat.v4.new_code_cell(
        "import os, kalib\nfrom kalib.record import record\n"
        "c = kalib.load_client(client, period=period)\n"
        "record('revenue_rows', len(c.table('revenue')))\nrecord('kernel_parent', os.getppid())"))
    return root, folder, notebooks, rows


def _check(out: Path, rows: dict[str, int]) -> set[int]:
    """The summary says two succeeded and the broken one failed with its reason; returns the worker pids."""
    summary = json.loads((out / SUMMARY_NAME).read_text(encoding="utf-8"))
    by_name = {o["name"]: o for o in summary["outcomes"]}
    assert sorted(by_name) == ["broken", "good1", "good2"]
    assert by_name["broken"]["ok"] is False and by_name["broken"]["error_type"] == "InputError"
    assert "mining" in by_name["broken"]["error"]
    assert summary["scheduler"] and summary["succeeded"] == 2
    parents = set()
    for name in ("good1", "good2"):
        html = Path(by_name[name]["html"])
        assert by_name[name]["ok"] and html.exists() and html.parent.parent == out / name
        saved = json.loads(html.with_name(html.stem + ".records.json").read_text(encoding="utf-8"))
        assert saved["records"]["revenue_rows"] == rows[name]
        parents.add(saved["records"]["kernel_parent"])
    assert os.getpid() not in parents  # the kernels were started by the cluster's workers, not here
    assert not [p for p in (out / "broken").rglob("*") if p.is_file()]
    assert not list(out.rglob(".partial-*"))
    # the portfolio page's data: indicators for the two good clients, the reason for the broken one
    data = json.loads((out / PORTFOLIO_JSON).read_text(encoding="utf-8"))
    state = {c["name"]: c for c in data["clients"]}
    assert state["broken"]["ok"] is False and "mining" in state["broken"]["error"]
    assert all(len(state[n]["health"]["indicators"]) == 10 for n in ("good1", "good2"))
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    return parents


def test_local_cluster_two_workers(batch):
    root, folder, notebooks, rows = batch
    out = root / "out-local"
    err, buf = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        code = main(["report", "--batch", str(folder), "-o", str(out), "--notebooks", str(notebooks),
                     "--scheduler", "local", "--jobs", "2", "--lang", "en"])
    assert code == 1, err.getvalue()  # the broken client
    _check(out, rows)
    summary = json.loads((out / SUMMARY_NAME).read_text(encoding="utf-8"))
    assert summary["jobs"] == 2
    assert "2 succeeded, 1 failed" in buf.getvalue() and "Dask cluster" in buf.getvalue()
    assert "mining" in err.getvalue() and "Traceback" not in err.getvalue()
    assert "portfolio: " in buf.getvalue()


def _start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in reversed(procs):
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def test_scheduler_and_workers_as_separate_processes(batch, tmp_path):
    root, folder, notebooks, rows = batch
    dask_cli = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    assert dask_cli, "the dask command comes with distributed"
    sched_file = tmp_path / "scheduler.json"
    procs = []
    try:
        procs.append(_start([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                             "--scheduler-file", str(sched_file)], tmp_path / "scheduler.log"))
        deadline = time.monotonic() + START_TIMEOUT
        while not (sched_file.exists() and sched_file.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), (tmp_path / "scheduler.log").read_text(errors="replace")
        address = json.loads(sched_file.read_text(encoding="utf-8"))["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in (1, 2):
            procs.append(_start([dask_cli, "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
                                 "--nworkers", "1", "--no-dashboard", "--name", f"w{k}"],
                                tmp_path / f"worker{k}.log"))
        with distributed.Client(address, timeout=START_TIMEOUT) as c:
            c.wait_for_workers(2, timeout=START_TIMEOUT)
        out = root / "out-remote"
        res = run_batch(read_batch(folder, lang="zh"), out, notebooks=notebooks, scheduler=address, progress=False)
        assert [o.name for o in res.failed] == ["broken"] and res.jobs == 2
        parents = _check(out, rows)
        # the kernels' parents are the dask worker processes (children of the two `dask worker` commands)
        workers = {int(x) for p in procs[1:] for x in
                   subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()}
        assert parents <= workers | {p.pid for p in procs[1:]}
        # the workers shut their kept kernels down at the end of the batch: no kernel left under them
        time.sleep(1)
        left = subprocess.run(["pgrep", "-f", "ipykernel_launcher"], capture_output=True, text=True).stdout.split()
        assert not [pid for pid in left if _parent(int(pid)) in workers]
    finally:
        _stop(procs)


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_no_dask_scheduler_reachable_is_a_clear_exit_2(batch, tmp_path):
    _, folder, notebooks, _ = batch
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", "--batch", str(folder), "-o", str(tmp_path / "o"), "--notebooks", str(notebooks),
                     "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert code == 2 and "cannot reach the Dask scheduler" in err.getvalue()


def test_without_distributed_the_scheduler_option_explains(batch, tmp_path, monkeypatch):
    _, folder, notebooks, _ = batch
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", "--batch", str(folder), "-o", str(tmp_path / "o"), "--scheduler", "local", "-q"])
    assert code == 2 and "pip install 'kalib[dask]'" in err.getvalue()
    assert not (tmp_path / "o" / SUMMARY_NAME).exists()


def test_ctrl_c_on_a_local_cluster_is_clean(batch, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the workers render: exit 130, one
    line, no traceback, no temporary folder, no process of the run left."""
    _, folder, _, _ = batch
    slow = tmp_path / "notebooks"
    slow.mkdir()
    write_notebook(slow / "05.00-client-check.ipynb", params_cell(), nbformat.v4.new_code_cell(
        "import time\ntime.sleep(600)"))
    out = tmp_path / "out"
    kalib_cli = str(Path(sys.executable).parent / "kalib")
    err_log = tmp_path / "err.log"
    p = subprocess.Popen([kalib_cli, "report", "--batch", str(folder), "-o", str(out), "--notebooks", str(slow),
                          "--scheduler", "local", "--jobs", "2"], stdout=subprocess.DEVNULL,
                         stderr=err_log.open("wb"), start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while len(list(out.rglob(".partial-*"))) < 2 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.5)
        assert len(list(out.rglob(".partial-*"))) == 2, err_log.read_text(errors="replace")
        time.sleep(3)  # the kernels run the notebook
        os.killpg(p.pid, 2)
        assert p.wait(120) == 130
    finally:
        if p.poll() is None:
            os.killpg(p.pid, 9)
    err = err_log.read_text(encoding="utf-8", errors="replace")
    assert "interrupted" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not list(out.rglob(".partial-*"))
    deadline = time.monotonic() + 20  # the workers and multiprocessing's resource tracker end with the run
    while (left := subprocess.run(["pgrep", "-a", "-g", str(p.pid)], capture_output=True, text=True).stdout.strip()) \
            and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, left
