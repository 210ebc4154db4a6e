"""The CI script's last step: the demo report's recorded numbers against the ones the course shows."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("check_report", ROOT / ".ci" / "check_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_expected_numbers_come_from_the_checked_cells(check):
    expected = check.expected_records()
    assert set(expected) == {"00.01-health-check", "02.01-how-to-sell", "03.00-win-rate-model"}
    assert len(expected["00.01-health-check"]["health.values"]) == 10
    assert "deals.verdict" in expected["02.01-how-to-sell"]
    assert "pipeline.weighted_total" in expected["03.00-win-rate-model"]


def test_equal_numbers_pass_and_any_difference_is_named(check, tmp_path):
    expected = check.expected_records()
    report = {"by_notebook": json.loads(json.dumps(expected))}
    day = tmp_path / "2024-12-31"
    day.mkdir()
    path = day / "华东精工.records.json"
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    assert check.main([str(tmp_path)]) == 0
    values = report["by_notebook"]["00.01-health-check"]["health.values"]
    values["nps"] *= 1 + 1e-12  # within the tolerance
    assert check.differences(expected, report["by_notebook"]) == []
    values["nps"] *= 1.001
    report["by_notebook"]["02.01-how-to-sell"]["deals.verdict"] = "go"
    del report["by_notebook"]["03.00-win-rate-model"]
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    assert check.main([str(tmp_path)]) == 1
    problems = check.differences(expected, report["by_notebook"])
    assert len(problems) == 3
    assert any("health.values" in p for p in problems) and any("deals.verdict" in p for p in problems)
    assert any(p == "03.00-win-rate-model: not in the report" for p in problems)


def test_no_report_is_a_failure(check, tmp_path):
    assert check.main([str(tmp_path)]) == 1


def test_ci_builds_from_nothing_then_tests_reports_and_checks():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    order = [run.index(s) for s in ("rm -rf .venv", "make test", "make report", ".ci/check_report.py")]
    assert order == sorted(order)
