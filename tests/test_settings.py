"""client.yml and overrides: every key known, every value checked, every problem located."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

import kalib
from kalib.cli import main
from kalib.config import default_config
from kalib.problems import InputError
from kalib.settings import (CLIENT_YML_KEYS, MAX_ALIASES, MAX_SETTINGS_BYTES, client_schema, overrides_schema,
                            parse_settings)
from kalib.templates import client_yml_template

ROOT = Path(__file__).resolve().parents[1]
OPP = ("机会编号,客户名称,负责人,产品,金额,销售阶段,预计成交日期,状态,关闭日期\n"
       "O1,甲公司,张三,泵,100000,合格,2024-05-01,,\n"
       "O2,乙公司,李四,阀,200000,赢单,2024-03-01,赢单,2024-03-02\n")


def folder_with(tmp_path: Path, yml: str, name: str = "c") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "销售机会.csv").write_text(OPP, encoding="utf-8")
    (folder / "client.yml").write_text(yml, encoding="utf-8")
    return folder


def problems(folder: Path) -> list[kalib.Problem]:
    with pytest.raises(InputError) as info:
        kalib.load_client(folder)
    return info.value.problems


def one(probs, fragment: str) -> kalib.Problem:
    match = [p for p in probs if fragment in p.message]
    assert match, [str(p) for p in probs]
    return match[0]


def typo(key: str) -> str:
    """The key with its second letter dropped (a slip of the finger)."""
    return key[0] + key[2:]


# ---------------------------------------------------------------------------
# unknown keys: refused with their line and the nearest valid key
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(CLIENT_YML_KEYS))
def test_mistyped_top_level_key(tmp_path, key, capsys):
    wrong = typo(key)
    folder = folder_with(tmp_path, f"# settings\nname: 甲\n{wrong}: x\n")
    p = one(problems(folder), f"unknown setting {wrong!r}")
    assert p.message.endswith(f"(did you mean `{key}`?)")
    assert (p.file, p.row, p.column) == ("client.yml", 3, wrong)
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"did you mean `{key}`?" in err and "line 3" in err and "Traceback" not in err


@pytest.mark.parametrize("section", sorted(overrides_schema()["properties"]))
def test_mistyped_override_section(tmp_path, section):
    wrong = typo(section)
    folder = folder_with(tmp_path, f"industry: services\noverrides:\n  {wrong}:\n    x: 1\n")
    p = one(problems(folder), f"unknown setting {wrong!r}")
    assert p.message.endswith(f"(did you mean `{section}`?)")
    assert (p.row, p.column) == (3, f"overrides.{wrong}")


@pytest.mark.parametrize("yml, line, key, near", [
    ("overrides:\n  forcast:\n    trials: 500\n", 2, "overrides.forcast", "forecast"),
    ("overrides:\n  indicators:\n    win_rate:\n      lines:\n        services: {pas: 0.3}\n", 5,
     "overrides.indicators.win_rate.lines.services.pas", "pass"),
    ("overrides:\n  indicators:\n    win_rat:\n      lines: {services: {pass: 0.3}}\n", 3,
     "overrides.indicators.win_rat", "win_rate"),
    ("overrides:\n  deals:\n    red_flags:\n      no_coach: {enabeld: false}\n", 4,
     "overrides.deals.red_flags.no_coach.enabeld", "enabled"),
    ("overrides:\n  forecast:\n    stale_day: 30\n", 3, "overrides.forecast.stale_day", "stale_days"),
])
def test_mistyped_deep_override(tmp_path, yml, line, key, near):
    p = one(problems(folder_with(tmp_path, yml)), "unknown setting")
    assert (p.row, p.column) == (line, key)
    assert p.message.endswith(f"(did you mean `{near}`?)")


def test_valid_overrides_still_apply(tmp_path):
    folder = folder_with(tmp_path, "overrides:\n  stages: {rates: {qualified: 0.4}}\n"
                                   "  deals:\n    red_flags:\n      no_coach: {enabled: false}\n"
                                   "  forecast: {trials: 2000}\n"
                                   "  indicators:\n    win_rate:\n      lines: {manufacturing: {pass: 0.30}}\n")
    c = kalib.load_client(folder)
    assert c.config.stage_rates()["qualified"] == 0.4
    assert c.config.section("deals")["red_flags"]["no_coach"]["enabled"] is False
    assert c.config.section("forecast")["trials"] == 2000
    assert c.config.line("win_rate", "manufacturing")["pass"] == 0.30


# ---------------------------------------------------------------------------
# wrong types: located problems in check, report and app, never a Python error
# ---------------------------------------------------------------------------
WRONG_TYPES = [
    ("columns: 商机号\n", 1, "columns", "columns must be a mapping"),
    ("files: [a.csv, b.csv]\n", 1, "files", "files must be a mapping"),
    ("employees: .inf\n", 1, "employees", "employees must be a finite number, not .inf"),
    ("stages: [初步接触]\n", 1, "stages", "stages must be a mapping"),
    ("name: 甲\noverrides: 3\n", 2, "overrides", "overrides must be a mapping"),
    ("columns:\n  opportunities: 商机号\n", 2, "columns.opportunities", "opportunities must be a mapping"),
    ("fiscal_year_start: march\n", 1, "fiscal_year_start", "must be a whole number"),
    ("overrides:\n  forecast: {trials: many}\n", 2, "overrides.forecast.trials", "trials must be a whole number"),
    ("overrides:\n  tiers:\n    list:\n      - {key: a, min: lots}\n", 4, "overrides.tiers.list[0].min",
     "min must be a number"),
    ("employees: 1.0e+300\n", 1, "employees", "employees must be a head count"),
]


@pytest.mark.parametrize("yml, line, key, fragment", WRONG_TYPES,
                         ids=[w[2] + str(i) for i, w in enumerate(WRONG_TYPES)])
def test_wrong_type_is_located_in_check(tmp_path, yml, line, key, fragment, capsys):
    folder = folder_with(tmp_path, yml)
    p = one(problems(folder), fragment)
    assert (p.file, p.row, p.column) == ("client.yml", line, key)
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and "Error:" not in err


def test_wrong_types_are_located_in_report(tmp_path, capsys):
    # one client.yml with the four wrong types (a report run costs seconds)
    folder = folder_with(tmp_path, "".join(w[0] for w in WRONG_TYPES[:4]))
    out = tmp_path / "out"
    assert main(["report", str(folder), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    for line, (_, _, key, fragment) in enumerate(WRONG_TYPES[:4], start=1):
        assert f"line {line} › key '{key}': {fragment}" in err, err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*.html"))


@pytest.mark.parametrize("yml, line, key, fragment", WRONG_TYPES[:4], ids=[w[2] for w in WRONG_TYPES[:4]])
def test_wrong_type_is_located_in_app(tmp_path, yml, line, key, fragment):
    from kalib.app import build_app

    page = build_app(str(folder_with(tmp_path, yml)), "en", tools=["health"])
    shown = page.error_area.value
    assert fragment in shown and f"line {line}" in shown
    assert "AttributeError" not in shown and "TypeError" not in shown and "OverflowError" not in shown


# ---------------------------------------------------------------------------
# sense checks, each located in client.yml
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [".nan", ".inf", "0", "-7.1"])
def test_fx_must_be_positive_and_finite(tmp_path, value):
    probs = problems(folder_with(tmp_path, f"currency: USD\nfx_to_rmb: {value}\n"))
    p = one(probs, "fx_to_rmb must be")
    assert (p.file, p.row, p.column) == ("client.yml", 2, "fx_to_rmb")
    # the data file is not blamed for what the setting did
    assert all(q.file == "client.yml" for q in probs), [str(q) for q in probs]


def test_lines_in_order(tmp_path):
    yml = ("overrides:\n  indicators:\n    win_rate:\n      lines:\n"
           "        manufacturing: {pass: 0.40, excellent: 0.36}\n"
           "    top10_share:\n      lines:\n        services:\n          pass: 0.80\n")
    probs = problems(folder_with(tmp_path, yml))
    p = one(probs, "win_rate (manufacturing): the excellent line (0.36) must be at or above the pass line (0.4)")
    assert (p.row, p.column) == (5, "overrides.indicators.win_rate.lines.manufacturing.excellent")
    # only the pass line given: located at it, against the default excellent line
    p = one(probs, "top10_share (services)")
    assert (p.row, p.column) == (9, "overrides.indicators.top10_share.lines.services.pass")


def test_lines_in_order_where_lower_is_better(tmp_path):
    good = "overrides:\n  indicators:\n    win_rate:\n      direction: lower\n      lines:\n" \
           "        services: {pass: 0.40, excellent: 0.20}\n"
    assert kalib.load_client(folder_with(tmp_path, good, "good")).config.line("win_rate", "services")["pass"] == 0.4
    bad = good.replace("excellent: 0.20", "excellent: 0.60")
    p = one(problems(folder_with(tmp_path, bad, "bad")), "must be at or below the pass line")
    assert "lower is better" in p.message and p.row == 6


@pytest.mark.parametrize("yml, line, key", [
    ("overrides:\n  stages:\n    rates: {qualified: 1.5}\n", 3, "overrides.stages.rates.qualified"),
    ("overrides:\n  forecast:\n    confidence: 95\n", 3, "overrides.forecast.confidence"),
    ("overrides:\n  forecast:\n    percentiles: [0.1, 0.5, 9]\n", 3, "overrides.forecast.percentiles[2]"),
    ("overrides:\n  team:\n    top_fraction: -0.2\n", 3, "overrides.team.top_fraction"),
    ("overrides:\n  indicators:\n    renewal_rate:\n      lines: {services: {pass: 80}}\n", 4,
     "overrides.indicators.renewal_rate.lines.services.pass"),
])
def test_rates_between_0_and_1(tmp_path, yml, line, key):
    probs = problems(folder_with(tmp_path, yml))
    p = [q for q in probs if q.column == key]
    assert p, [str(q) for q in probs]
    assert p[0].row == line and ("0 to 1" in p[0].message or "from 0 to 1" in p[0].message), str(p[0])


@pytest.mark.parametrize("trials, fragment", [(1_000_000_000, "at most 1,000,000"), (0, "at least 1")])
def test_forecast_trials_bounded(tmp_path, trials, fragment):
    probs = problems(folder_with(tmp_path, f"overrides:\n  forecast:\n    trials: {trials}\n"))
    p = one(probs, fragment)
    assert (p.row, p.column) == (3, "overrides.forecast.trials")
    assert default_config().section("limits")["max_trials"] == 1_000_000


def test_trials_limit_cannot_be_overridden(tmp_path):
    p = one(problems(folder_with(tmp_path, "overrides:\n  limits: {max_trials: 1000000000}\n")), "unknown setting")
    assert p.column == "overrides.limits"


@pytest.mark.parametrize("value", ["2999-12-31", "'2999-12-31'", "1066-10-14"])
def test_as_of_within_supported_range(tmp_path, value, capsys):
    folder = folder_with(tmp_path, f"name: 甲\nas_of: {value}\n")
    p = one(problems(folder), "outside the dates kalib analyses (1900-01-01 to 2199-12-31)")
    assert (p.row, p.column) == (2, "as_of")
    assert main(["check", str(folder)]) == 2
    assert "Out of bounds" not in capsys.readouterr().err


def test_as_of_argument_within_supported_range(tmp_path, capsys):
    folder = folder_with(tmp_path, "name: 甲\n")
    assert main(["health", str(folder), "--as-of", "2999-12-31"]) == 2
    err = capsys.readouterr().err
    assert "outside the dates kalib analyses" in err and "Out of bounds" not in err


def test_every_problem_in_one_pass(tmp_path):
    yml = ("industy: services\n"          # 1 unknown key
           "fx_to_rmb: .nan\n"             # 2 not finite
           "columns: x\n"                  # 3 wrong type
           "as_of: 2999-01-01\n"           # 4 out of range
           "overrides:\n"
           "  forcast: {trials: 5}\n"      # 6 unknown section
           "  indicators:\n"
           "    win_rate:\n"
           "      lines: {services: {pass: 0.5, excellent: 0.4}}\n")   # 9 lines out of order
    probs = problems(folder_with(tmp_path, yml))
    assert sorted(p.row for p in probs if p.file == "client.yml") == [1, 2, 3, 4, 6, 9], [str(p) for p in probs]


# ---------------------------------------------------------------------------
# the file itself: size, kind, aliases
# ---------------------------------------------------------------------------
def test_alias_bomb_refused_quickly(tmp_path):
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    folder = folder_with(tmp_path, "\n".join(levels) + "\nname: *a9\n")
    start = time.perf_counter()
    p = one(problems(folder), f"more than {MAX_ALIASES} aliases")
    assert time.perf_counter() - start < 5
    assert p.file == "client.yml" and p.row == 4  # the first alias beyond the limit


def test_a_few_aliases_are_fine(tmp_path):
    c = kalib.load_client(folder_with(tmp_path, "name: &n 甲公司\nnotes: *n\n"))
    assert c.name == "甲公司"


def test_client_yml_directory(tmp_path, capsys):
    folder = folder_with(tmp_path, "")
    (folder / "client.yml").unlink()
    (folder / "client.yml").mkdir()
    one(problems(folder), "is a folder")
    assert main(["check", str(folder)]) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_client_yml_fifo_does_not_block(tmp_path):
    folder = folder_with(tmp_path, "")
    (folder / "client.yml").unlink()
    os.mkfifo(folder / "client.yml")
    run = subprocess.run([sys.executable, "-m", "kalib", "check", str(folder)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 2 and "not a regular file" in run.stderr


def test_client_yml_too_large(tmp_path):
    folder = folder_with(tmp_path, "name: 甲\n" + "# padding\n" * (MAX_SETTINGS_BYTES // 10 + 1))
    one(problems(folder), f"at most {MAX_SETTINGS_BYTES:,} bytes")


# ---------------------------------------------------------------------------
# the schema covers the method and the documentation
# ---------------------------------------------------------------------------
def test_every_method_key_is_a_valid_override():
    data = default_config().data
    for key in ("version", "industries", "limits"):
        data.pop(key)
    probs: list = []
    text = yaml.safe_dump({"overrides": data}, allow_unicode=True)
    parse_settings(text, "client.yml", probs)
    assert probs == []


@pytest.mark.parametrize("path", ["kalib/demo_data/client.yml", "tests/fixtures/acme/client.yml"])
def test_shipped_settings_are_valid(path):
    probs: list = []
    parse_settings((ROOT / path).read_text(encoding="utf-8"), "client.yml", probs)
    assert probs == []


def test_template_is_valid():
    probs: list = []
    parse_settings(client_yml_template("华东精工"), "client.yml", probs)
    assert probs == []


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"`client\.yml` \(all optional\):\n\n```yaml\n(.*?)```", text, re.S)
    assert m, "README has no client.yml block"
    return m.group(1)


def test_readme_documents_exactly_the_schema():
    documented = yaml.safe_load(_readme_block())
    assert set(documented) == set(client_schema()["properties"]) == CLIENT_YML_KEYS
    jsonschema.validate({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in documented.items()},
                        client_schema())
    probs: list = []
    parse_settings(_readme_block(), "client.yml", probs)
    assert probs == []


@pytest.mark.parametrize("yml, line, key, fragment", [
    ("overrides:\n  forecast:\n    percentiles: [0.9, 0.5, 0.1]\n", 3, "overrides.forecast.percentiles",
     "percentiles must be in increasing order"),
    ("overrides:\n  deals:\n    go_nogo: {go_min: 40, nogo_below: 60}\n", 3, "overrides.deals.go_nogo",
     "nogo_below (60) must not be above go_min (40)"),
    ("overrides:\n  accounts:\n    trend: {growing: -0.2}\n", 3, "overrides.accounts.trend",
     "declining must be below growing"),
    ("overrides:\n  tiers:\n    list:\n      - {key: a, min: 5}\n", 4, "overrides.tiers.list[0]",
     "it replaces the whole default list); missing: en, zh"),
])
def test_other_sense_checks(tmp_path, yml, line, key, fragment):
    p = one(problems(folder_with(tmp_path, yml)), fragment)
    assert (p.row, p.column) == (line, key)


def test_period_within_supported_range_with_other_problems(tmp_path, capsys):
    # reported together with the other problems of the file, located at its line
    folder = folder_with(tmp_path, "industy: services\nperiod: 2999\n")
    probs = problems(folder)
    p = one(probs, "period 2999 is outside the dates kalib analyses")
    assert (p.row, p.column) == (2, "period") and len(probs) == 2
    assert main(["health", str(folder_with(tmp_path, "name: 甲\n", "ok")), "--period", "3000"]) == 2
    assert "period 3000 is outside the dates kalib analyses" in capsys.readouterr().err
