"""Kernels of the report runner: no port to collide on, one fresh start after a kernel that dies at once,
and a plain message (no traceback unless ``--debug``) when it dies again.

A kernel that dies at start is simulated by a kernel spec named ``python3`` put first on ``JUPYTER_PATH``:
its command prints what a kernel whose port was taken prints (a ZMQError traceback) and exits, the first
``N`` times it is started, and then starts a real IPython kernel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kalib.report import runner
from report_notebooks import sections

REPO = Path(__file__).resolve().parents[1]
ACME = REPO / "tests" / "fixtures" / "acme"

FLAKY = '''\
import sys
from pathlib import Path
count = Path({count!r})
n = int(count.read_text()) if count.exists() else 0
count.write_text(str(n + 1))
if n < {fail}:
    sys.stderr.write("Traceback (most recent call last):\\n  File \\"kernelapp.py\\", line 1\\n"
                     "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:50123')\\n")
    sys.exit(1)
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
'''


def _flaky_kernels(root: Path, fail: int) -> tuple[dict, Path]:
    """A JUPYTER_PATH whose ``python3`` kernel dies ``fail`` times before it works; (environment, start counter)."""
    spec = root / "share" / "kernels" / "python3"
    spec.mkdir(parents=True)
    count = root / "starts.txt"
    script = root / "flaky_kernel.py"
    script.write_text(FLAKY.format(count=str(count), fail=fail), encoding="utf-8")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(script), "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")
    return {"JUPYTER_PATH": str(root / "share")}, count


def _starts(count: Path) -> int:
    return int(count.read_text()) if count.exists() else 0


@pytest.mark.notebooks
def test_a_kernel_talks_over_ipc_in_a_private_folder_removed_at_shutdown(tmp_path):
    k = runner.start_kernel(str(tmp_path), "python3")
    try:
        assert k.alive()
        if os.name == "posix":
            assert k.km.transport == "ipc"  # Unix sockets: no TCP port that another kernel could take
            assert Path(k.km.ip).parent == k.folder
        assert Path(k.km.connection_file).parent == k.folder
        assert not list(tmp_path.iterdir())  # nothing written where the notebook runs
    finally:
        k.shutdown()
    assert not k.folder.exists()
    assert k not in runner._LIVE


@pytest.mark.notebooks
def test_a_kernel_that_dies_at_start_is_replaced_once(tmp_path, monkeypatch):
    env, count = _flaky_kernels(tmp_path / "k", fail=1)
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    k = runner.start_kernel(str(tmp_path), "python3")
    try:
        assert k.alive() and _starts(count) == 2
    finally:
        k.shutdown()


@pytest.mark.notebooks
def test_a_kernel_that_dies_twice_is_a_plain_error(tmp_path, monkeypatch):
    env, count = _flaky_kernels(tmp_path / "k", fail=99)
    monkeypatch.setenv("JUPYTER_PATH", env["JUPYTER_PATH"])
    with pytest.raises(runner.KernelStartError) as info:
        runner.start_kernel(str(tmp_path), "python3")
    assert _starts(count) == 2
    assert "ZMQError" in info.value.log and "ZMQError" not in str(info.value)
    assert not runner._LIVE


def _one_section(tmp_path: Path) -> Path:
    return sections(tmp_path, "x = 1", ("00.01-health-check",))


@pytest.mark.notebooks
@pytest.mark.parametrize("fresh", [False, True])
def test_the_report_survives_one_kernel_death(tmp_path, fresh):
    env, count = _flaky_kernels(tmp_path / "k", fail=1)
    cmd = [sys.executable, "-m", "kalib", "report", str(ACME), "-o", str(tmp_path / "out"),
           "--notebooks", str(_one_section(tmp_path)), "--lang", "en"] + (["--fresh-kernels"] if fresh else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    assert _starts(count) == 2
    assert "Traceback" not in proc.stderr and "ZMQError" not in proc.stderr


@pytest.mark.notebooks
def test_a_kernel_that_keeps_dying_names_the_section_and_what_to_do(tmp_path):
    env, count = _flaky_kernels(tmp_path / "k", fail=99)
    out = tmp_path / "out"
    base = [sys.executable, "-m", "kalib", "report", str(ACME), "-o", str(out),
            "--notebooks", str(_one_section(tmp_path)), "--lang", "en"]
    proc = subprocess.run(base, capture_output=True, text=True, timeout=300, env={**os.environ, **env})
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr
    assert "section “The ten health indicators”" in err and "00.01-health-check" in err
    assert "stopped before running anything" in err and "run the report again" in err
    assert "Traceback" not in err and "ZMQError" not in err
    assert not list(out.glob(".partial-*"))

    debug = subprocess.run(base + ["--debug"], capture_output=True, text=True, timeout=300,
                           env={**os.environ, **env})
    assert debug.returncode == 1
    assert "ZMQError: Address already in use" in debug.stderr  # the kernel's own log, on request
