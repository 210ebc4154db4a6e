"""Each export shape of the coach's guide goes from its raw files and client.yml to a report.

``test_exports.py`` checks the figures of ``kalib health`` / ``kalib pipeline`` against values computed
from the raw files with plain pandas; here the whole report runs on the same fixtures (exit 0, one HTML
file) and the figures its notebooks record are those same checked figures, so the report shows what the
coach's guide promises.  Sections a shape cannot have (no pipeline in an ERP export, say) are listed as
not available, not failures.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from html import escape as html_escape
from pathlib import Path

import pytest

from kalib.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
SHAPES = sorted(p.name for p in EXPORTS.iterdir() if (p / "client.yml").is_file())


def _cli_json(argv: list[str]) -> tuple[int, dict | None]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--json"])
    return code, (json.loads(out.getvalue()) if out.getvalue().strip() else None)


def test_every_shape_of_the_guide_is_here():
    assert set(SHAPES) >= {"crm", "erp", "webshop", "wonlost", "productlines"}


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("shape", SHAPES)
def test_export_shape_gets_a_report(shape, tmp_path):
    folder = EXPORTS / shape
    code, health = _cli_json(["health", str(folder)])
    assert code == 0, health
    values = {i["key"]: i["value"] for i in health["indicators"]}

    code, data = _cli_json(["report", str(folder), "-o", str(tmp_path / "out"), "--lang", "en", "-q",
                            "--jobs", "2"])
    assert code == 0, data
    html = Path(data["html"])
    assert html.is_file() and html.stat().st_size > 10_000
    text = html.read_text(encoding="utf-8")
    # every section is either in the report or says what it needs
    for missing in data["missing_sections"]:
        assert missing["reason"].startswith("needs ") and html_escape(missing["reason"]) in text, missing
    assert ("<strong>Not available</strong>: needs " in text) == bool(data["missing_sections"])
    assert "Traceback" not in text
    recorded = data["records"].get("health.values")
    assert recorded, sorted(data["records"])
    for key, value in values.items():
        got = recorded.get(key)
        if value is None:
            assert got is None, (key, got)
        else:
            assert got is not None and math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12), (key, got, value)
