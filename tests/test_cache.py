"""The cache of loaded clients (kalib.cache): load once, never a wrong number."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from kalib import cache
from kalib.cli import main
from kalib.io import find_demo, load_client


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("KALIB_CACHE_DIR", str(d))
    monkeypatch.delenv("KALIB_NO_CACHE", raising=False)
    return d


@pytest.fixture()
def folder(tmp_path):
    """A copy of the demo company's folder, free to change."""
    out = tmp_path / "client"
    shutil.copytree(find_demo(), out)
    return out


def assert_same_client(a, b):
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=True, check_exact=True)
        assert a.tables[name].attrs == b.tables[name].attrs
        assert list(a.tables[name].dtypes.astype(str)) == list(b.tables[name].dtypes.astype(str))
    assert a.meta == b.meta
    assert a.config.data == b.config.data
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]
    assert (a.path, a.sources, a.derived, a.as_of) == (b.path, b.sources, b.derived, b.as_of)


def test_a_second_load_of_unchanged_files_is_a_hit_and_gives_the_same_client(cache_dir, folder):
    fresh = load_client(folder, cache=False)
    assert cache.last_status() == "off" or not (cache_dir / "entries").exists()
    first = load_client(folder)
    assert cache.last_status() == "stored"
    second = load_client(folder)
    assert cache.last_status() == "hit"
    assert len(cache.entries()) == 1
    assert_same_client(fresh, first)
    assert_same_client(fresh, second)


def test_the_cache_is_outside_the_client_folder_and_follows_the_environment(cache_dir, folder, tmp_path,
                                                                              monkeypatch):
    before = sorted(p.name for p in folder.iterdir())
    load_client(folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert cache.cache_dir() == cache_dir and cache.entries()[0].parent.parent == cache_dir
    monkeypatch.delenv("KALIB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "kalib"


def test_a_changed_byte_of_an_input_file_is_a_miss(cache_dir, folder):
    load_client(folder)
    f = folder / "收入.csv"
    data = bytearray(f.read_bytes())
    at = data.index(b",", data.index(b"\n") + 1) + 1  # first cell after the date of the first row
    i = next(j for j in range(at, len(data)) if chr(data[j]).isdigit())  # a digit of the first row
    data[i] = ord("1") if data[i] != ord("1") else ord("2")
    f.write_bytes(bytes(data))  # same size
    changed = load_client(folder)
    assert cache.last_status() == "stored"
    assert_same_client(changed, load_client(folder, cache=False))
    assert len(cache.entries()) == 1  # the old entry of this client is replaced


def test_a_changed_client_yml_or_option_is_a_miss(cache_dir, folder):
    a = load_client(folder)
    yml = folder / "client.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("employees: ", "employees: 1"), encoding="utf-8")
    b = load_client(folder)
    assert cache.last_status() == "stored"
    assert b.meta.employees != a.meta.employees
    load_client(folder, industry="services")
    assert cache.last_status() == "stored"
    assert load_client(folder, industry="services").meta.industry == "services"
    assert cache.last_status() == "hit"


@pytest.mark.parametrize("damage", ["truncate parquet", "flip parquet byte", "garble manifest", "garble pickle",
                                    "drop table"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cache_dir, folder, damage):
    good = load_client(folder, cache=False)
    load_client(folder)
    (entry,) = cache.entries()
    man = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    biggest = entry / max(man["tables"].values(), key=lambda t: t["size"])["file"]
    if damage == "truncate parquet":
        biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])
    elif damage == "flip parquet byte":
        data = bytearray(biggest.read_bytes())
        data[len(data) // 3] ^= 0xFF
        biggest.write_bytes(bytes(data))
    elif damage == "garble manifest":
        (entry / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "garble pickle":
        p = entry / "client.pkl"
        data = bytearray(p.read_bytes())
        data[len(data) // 2] ^= 0x01
        p.write_bytes(bytes(data))
    else:
        biggest.unlink()
    again = load_client(folder)
    assert cache.last_status() == "stored"  # a miss, rebuilt from the files
    assert_same_client(good, again)
    load_client(folder)
    assert cache.last_status() == "hit"


def test_no_cache_neither_reads_nor_writes(cache_dir, folder, monkeypatch):
    load_client(folder, cache=False)
    assert cache.entries() == []
    monkeypatch.setenv("KALIB_NO_CACHE", "1")
    load_client(folder)
    assert cache.entries() == [] and cache.last_status() == "off"


def test_the_cli_loads_once_and_cache_clear_empties_it(cache_dir, folder, capsys):
    assert main(["health", str(folder), "--json", "--no-cache"]) == 0
    cold = json.loads(capsys.readouterr().out)
    assert cache.entries() == []
    assert main(["health", str(folder), "--json"]) == 0
    assert cache.last_status() == "stored"
    capsys.readouterr()
    assert main(["health", str(folder), "--json"]) == 0
    assert cache.last_status() == "result"  # the health result kept beside the entry: no tables loaded
    assert json.loads(capsys.readouterr().out) == cold
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["entries"] == 1 and info["folder"] == str(cache_dir) and info["bytes"] > 0
    assert main(["cache", "clear", "--json"]) == 0
    cleared = json.loads(capsys.readouterr().out)
    assert cleared["removed_entries"] == 1 and cache.entries() == []
    assert main(["check", str(folder), "--no-cache"]) == 0
    assert cache.entries() == []


def test_a_second_kalib_health_process_hits_the_cache(cache_dir, folder):
    code = ("import sys\nfrom kalib import cache\nfrom kalib.cli import main\n"
            "main(['health', sys.argv[1], '--json'])\nprint(cache.last_status(), file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["stored", "result"]
    assert runs[0].stdout == runs[1].stdout


def _health(args, capsys):
    code = main(["health", *args])
    out = capsys.readouterr()
    return code, out.out, out.err, cache.last_status()


@pytest.mark.parametrize("args", [["--json"], ["--lang", "en"], ["--json", "--period", "2023", "--industry", "services"]],
                         ids=["json", "text", "options"])
def test_a_remembered_health_result_prints_what_a_fresh_run_prints(cache_dir, folder, capsys, args):
    fresh = _health([str(folder), *args, "--no-cache"], capsys)
    stored = _health([str(folder), *args], capsys)
    again = _health([str(folder), *args], capsys)
    assert (stored[3], again[3]) == ("stored", "result")
    assert fresh[:3] == stored[:3] == again[:3]
    assert fresh[0] == 0 and ("warning" in fresh[2]) is ("--json" not in args)  # the demo's, from the entry
    other = _health([str(folder), "--json", "--period", "2022"], capsys)  # other options: not this result
    assert other[3] == "stored" and other[1] != _health([str(folder), "--json"], capsys)[1]


def test_a_remembered_health_result_goes_with_a_changed_file_or_damage(cache_dir, folder, capsys):
    _health([str(folder), "--json"], capsys)
    f = folder / "销售机会.csv"
    f.write_bytes(f.read_bytes().replace(b",481000,", b",481001,", 1))  # one amount, same size
    changed = _health([str(folder), "--json"], capsys)
    assert changed[3] == "stored"
    assert changed[1] == _health([str(folder), "--json", "--no-cache"], capsys)[1]
    results = list((cache.entries()[0] / "results").iterdir())
    assert len(cache.entries()) == 1 and len(results) == 1
    data = bytearray(results[0].read_bytes())
    data[-10] ^= 0xFF  # a flipped byte in the result: never served
    results[0].write_bytes(bytes(data))
    damaged = _health([str(folder), "--json"], capsys)
    assert damaged[3] == "hit" and damaged[1] == changed[1]
    assert _health([str(folder), "--json"], capsys)[3] == "result"  # written again


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"), reason="POSIX permissions")
def test_a_cache_folder_others_may_write_to_is_not_used(cache_dir, folder):
    cache_dir.mkdir()
    cache_dir.chmod(0o777)  # e.g. a shared KALIB_CACHE_DIR: entries hold a pickled part
    load_client(folder)
    assert cache.last_status() == "off" and cache.entries() == []
    cache_dir.chmod(0o700)
    load_client(folder)
    assert cache.last_status() == "stored" and len(cache.entries()) == 1


def test_a_new_cache_folder_is_private(cache_dir, folder):
    load_client(folder)
    assert cache_dir.stat().st_mode & 0o777 == 0o700
