"""What the CLI prints: names from a client's files are shown but never obeyed by the terminal, and an
output folder that is a file is refused with a sentence (exit 2)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kalib.cli import main
from kalib.commands._common import display_width, neutralise, text_table
from kalib.io import find_demo

REPO = Path(__file__).resolve().parents[1]
DEMO = find_demo()
# colour, a window-title change ended by BEL, and a clear-screen; a right-to-left override
EVIL_REP = "陈\x1b[31m志强\x1b]0;pwned\x07"
EVIL_CUSTOMER = "\u202eEvil\x1b[2J客户"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory) -> Path:
    """The demo with one salesperson's and one customer's names full of terminal control sequences."""
    dst = tmp_path_factory.mktemp("evil") / "client"
    shutil.copytree(DEMO, dst)
    for name in ("收入.csv", "销售机会.csv", "机会快照.csv"):
        df = pd.read_csv(dst / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for col in ("销售员", "负责人"):
            if col in df:
                df[col] = df[col].replace("陈志强", EVIL_REP)
        df["客户名称"] = df["客户名称"].replace(df["客户名称"].iloc[0], EVIL_CUSTOMER)
        df.to_csv(dst / name, index=False, encoding="utf-8-sig")
    return dst


def _run(args: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        code = main(args)
    return code, buf.getvalue()


@pytest.mark.parametrize("command", ["check", "health", "accounts", "pipeline", "review", "deals", "team"])
def test_control_sequences_in_names_are_shown_not_obeyed(command, evil_client):
    code, out = _run([command, str(evil_client)])
    assert code == 0, out
    assert not UNSAFE.search(out), repr(UNSAFE.search(out))
    if command in ("team", "deals", "review"):  # they list the salesperson: shown, spelled out
        assert "陈\\u001b[31m志强\\u001b]0;pwned\\u0007" in out


def test_json_keeps_the_names_exactly(evil_client):
    code, out = _run(["deals", str(evil_client), "--json"])
    assert code == 0
    assert not UNSAFE.search(out)
    deals = json.loads(out)["deals"]
    assert EVIL_REP in {d["owner"] for d in deals}  # JSON escapes them; the value is unchanged


def test_neutralise_and_the_table_helper():
    assert neutralise("plain 中文\n") == "plain 中文\n"
    assert neutralise("a\rb") == "a\\u000db"
    assert json.loads(f'"{neutralise(EVIL_CUSTOMER)}"') == EVIL_CUSTOMER  # same spelling as a JSON escape
    table = text_table(["名称", "x"], [["华东精工", "1"], ["Acme", "22"], [EVIL_REP, "3"]])
    lines = table.splitlines()
    assert not UNSAFE.search(table)
    # every row's second column starts in the same terminal column
    starts = {display_width(line[:line.rindex(" ") + 1]) for line in lines}
    assert len(starts) == 1, table


@pytest.mark.parametrize("batch", [False, True])
def test_an_output_folder_that_is_a_file_is_refused(tmp_path, batch):
    taken = tmp_path / "report.html"
    taken.write_text("yesterday's report", encoding="utf-8")
    clients = tmp_path / "clients"
    shutil.copytree(DEMO, clients / "demo")
    args = ["report", "--batch", str(clients)] if batch else ["report", "demo"]
    code, out = _run(args + ["-o", str(taken)])
    assert code == 2, out
    assert "names a file, not a folder" in out and str(taken) in out
    assert "Error" not in out and "Traceback" not in out
    code, out = _run(args + ["-o", str(taken / "sub")])
    assert code == 2 and "is a file, not a folder" in out
    assert taken.read_text(encoding="utf-8") == "yesterday's report"


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`kalib health demo | head -1`: the closed pipe ends the run with 141, as coreutils do, without an error."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "kalib", "health", "demo", "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 141, err
    assert first and "failed" not in err and "Error" not in err and "Traceback" not in err, err
