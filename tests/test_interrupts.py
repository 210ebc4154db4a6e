"""Ctrl-C during ``kalib report`` and ``kalib report --batch``: SIGINT to the whole process group, as a
terminal sends it, at several moments after the command has started (loading the client, kernels
starting, cells running).

Every time: exit 130, one line saying so and no traceback, no ``.partial-*`` folder left, no kernel
left running, no kernel folder left. Each run gets a ``TMPDIR`` of its own, so the kernels' private
folders (and the processes using them) can be told apart from any other run on the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from report_notebooks import sections

REPO = Path(__file__).resolve().parents[1]
ACME = REPO / "tests" / "fixtures" / "acme"
pytestmark = [pytest.mark.notebooks,
              pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT are POSIX")]


def _slow_notebooks(root: Path) -> Path:
    """Three report sections whose cells take long enough to be interrupted while they run."""
    return sections(root, "import time\nfor _ in range(600):\n    time.sleep(0.1)",
                    ("05.00-client-check", "00.01-health-check", "02.00-customer-value"))


def _processes_using(text: str) -> list[int]:
    """Live processes whose command line mentions ``text`` (the kernels name their connection file)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmd and state != "Z":
            found.append(int(d.name))
    return found


def _interrupt(cmd: list[str], tmp: Path, delay: float, started: str,
               send=lambda pid: os.killpg(pid, signal.SIGINT)) -> tuple[int, str, Path]:
    """Run ``cmd``; ``delay`` s after it printed ``started`` (its imports are done), Ctrl-C (or ``send``)."""
    own_tmp = tmp / f"tmp-{delay}"
    own_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(own_tmp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not any(started in ln for ln in lines):
        assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
        time.sleep(0.05)
    time.sleep(delay)
    assert proc.poll() is None, f"the run ended before the interrupt:\n{''.join(lines)}"
    send(proc.pid)  # Ctrl-C: SIGINT to the whole foreground process group
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError(f"still running 90 s after Ctrl-C:\n{''.join(lines)}")
    reader.join(10)
    return proc.returncode, "".join(lines), own_tmp


def _check_clean(code: int, text: str, own_tmp: Path, out: Path, expected: int = 130) -> None:
    assert code == expected, text
    assert "Traceback" not in text and "Error" not in text, text
    lines = [ln for ln in text.splitlines() if "interrupted" in ln]
    assert lines == ["kalib report: interrupted; the notebooks were stopped and no partial output is left."], text
    assert not list(out.rglob(".partial-*")) if out.exists() else True
    # a kernel killed a moment ago may still be exiting; one whose start raced the stop ends when its
    # parent poller sees the worker gone (about a second once the kernel is up, longer on a loaded machine)
    deadline = time.monotonic() + 30
    while _processes_using(str(own_tmp)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_using(str(own_tmp)), "a kernel outlived the interrupt"
    assert not list(own_tmp.glob("kalib-kernel-*")), list(own_tmp.iterdir())


@pytest.mark.parametrize("delay", [0.0, 2.0, 6.0])
def test_ctrl_c_stops_a_report_quietly(tmp_path, delay):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kalib", "report", str(ACME), "-o", str(out),
           "--notebooks", str(_slow_notebooks(tmp_path)), "-j", "2"]
    code, text, own_tmp = _interrupt(cmd, tmp_path, delay, "running 3 notebook(s)")
    _check_clean(code, text, own_tmp, out)


@pytest.mark.parametrize("delay", [0.3, 5.0])
def test_ctrl_c_stops_a_report_run_in_this_process_quietly(tmp_path, delay):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kalib", "report", str(ACME), "-o", str(out),
           "--notebooks", str(_slow_notebooks(tmp_path)), "-j", "1"]
    code, text, own_tmp = _interrupt(cmd, tmp_path, delay, "running 3 notebook(s)")
    _check_clean(code, text, own_tmp, out)


@pytest.mark.parametrize("delay", [0.0, 4.0, 9.0])
def test_ctrl_c_stops_a_batch_quietly(tmp_path, delay):
    clients = tmp_path / "clients"
    clients.mkdir()
    for name in ("a", "b", "c"):
        shutil.copytree(ACME, clients / name)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kalib", "report", "--batch", str(clients), "-o", str(out),
           "--notebooks", str(_slow_notebooks(tmp_path)), "-j", "2"]
    code, text, own_tmp = _interrupt(cmd, tmp_path, delay, "client(s) from")
    _check_clean(code, text, own_tmp, out)
    assert not (out / "batch-summary.json").exists()  # nothing claims the batch finished


def test_sigterm_to_the_command_alone_stops_its_workers_and_kernels(tmp_path):
    """``timeout`` or a service manager signals the command only: it stops its workers and their kernels."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kalib", "report", str(ACME), "-o", str(out),
           "--notebooks", str(_slow_notebooks(tmp_path)), "-j", "2"]
    code, text, own_tmp = _interrupt(cmd, tmp_path, 4.0, "running 3 notebook(s)",
                                     send=lambda pid: os.kill(pid, signal.SIGTERM))
    _check_clean(code, text, own_tmp, out, expected=143)
