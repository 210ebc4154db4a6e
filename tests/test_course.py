"""Notebook hygiene: every course notebook follows the skeleton, is stored stripped, and its
contents and navigation are current (``python -m kalib.course`` rewrites them)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from kalib import course, exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLAN = ["00.00-start", "01.00-customer-value", "01.01-health-check", "02.00-how-to-sell", "03.00-win-rate-model",
        "04.00-sales-team", "05.00-client-check"]


def _ids(paths):
    return [p.name for p in paths]


def test_the_course_has_its_start_and_closing_notebooks():
    names = [p.stem for p in NOTEBOOKS]
    assert "00.00-start" in names and "05.00-client-check" in names
    # Notebooks of the plan that exist sort in the plan's order.
    present = [n for n in PLAN if n in names]
    assert present == sorted(present)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_name(path):
    course.parse_name(path.name)  # NN.MM-kebab-title.ipynb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_follows_the_skeleton(path):
    """Title, learning goals, one parameters cell, >= 2 exercises (course-only), no outputs, nav last."""
    assert course.check_notebook(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs_or_widget_state(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "attachments" not in cell or not cell.attachments
    assert "widgets" not in nb.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_parameters_cell_holds_commented_literals_with_demo_defaults(path):
    nb = nbformat.read(str(path), as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign), "the parameters cell holds assignments only"
        values[node.targets[0].id] = ast.literal_eval(node.value)  # literals only, nothing derived
    assert values["client"] == "demo" and values["lang"] in ("zh", "en")
    assert values["period"] is None and values["industry"] is None and values["as_of"] is None
    for line in cell.source.splitlines():
        assert "#" in line, f"uncommented parameter: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_imports_are_explicit_and_exercise_cells_are_one_line(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", cell.source, re.M), "no 'import *'"
        if "exercises.show(" in cell.source:
            # The notebook only names the exercise: its answer lives in kalib.
            assert len(cell.source.strip().splitlines()) == 1, cell.source
            assert "course-only" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_exercise_of_the_notebook_is_shown(path):
    number = path.name[:5]
    shown = set(course.exercise_ids(nbformat.read(str(path), as_version=4)))
    assert set(exercises.list_exercises(number)) <= shown, "an exercise is defined but never shown"


def test_contents_and_navigation_are_current():
    stale = course.update(ROOT / "notebooks", write=False)
    assert stale == [], f"run 'python -m kalib.course': stale {stale}"


def test_start_page_lists_every_notebook():
    nb = nbformat.read(str(ROOT / "notebooks" / "00.00-start.ipynb"), as_version=4)
    (contents,) = [c for c in nb.cells if "contents" in c.metadata.get("tags", [])]
    for p in NOTEBOOKS:
        assert f"]({p.name})" in contents.source


# ---------------------------------------------------------------------------
# kalib.course on a scratch folder
# ---------------------------------------------------------------------------
def _write(folder: Path, name: str, title: str, goals=("goal",), extra=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n## 学习目标 · Learning goals\n"
                                              + "".join(f"- {g}\n" for g in goals)), *extra]
    nbformat.write(nb, str(folder / name))


def test_update_writes_contents_and_nav_and_is_idempotent(tmp_path):
    _write(tmp_path, "00.00-start.ipynb", "00.00 开始 · Start")
    _write(tmp_path, "01.00-first.ipynb", "01.00 第一 · First", goals=("学会 A · learn A", "学会 B · learn B"))
    _write(tmp_path, "01.01-second.ipynb", "01.01 第二 · Second")
    (tmp_path / "scratch.ipynb").write_text((tmp_path / "01.01-second.ipynb").read_text())  # not a course name
    changed = course.update(tmp_path)
    assert changed == ["00.00-start.ipynb", "01.00-first.ipynb", "01.01-second.ipynb"]
    assert course.update(tmp_path) == []  # nothing left to do
    first = nbformat.read(str(tmp_path / "01.00-first.ipynb"), as_version=4)
    assert first.cells[-1].metadata["tags"] == ["nav"]
    assert first.cells[-1].source == ("< [00.00 开始 · Start](00.00-start.ipynb) | [目录 · Contents](00.00-start.ipynb)"
                                      " | [01.01 第二 · Second](01.01-second.ipynb) >")
    start = nbformat.read(str(tmp_path / "00.00-start.ipynb"), as_version=4)
    (contents,) = [c for c in start.cells if "contents" in c.metadata.get("tags", [])]
    assert "- [01.00 第一 · First](01.00-first.ipynb)\n    - 学会 A · learn A\n    - 学会 B · learn B" in contents.source
    assert "### 第一层" in contents.source and "scratch" not in contents.source
    # A renamed heading makes the others stale, and --check says so.
    _write(tmp_path, "01.01-second.ipynb", "01.01 第二（新） · Second, renamed")
    assert course.main(["--check", str(tmp_path)]) == 1
    assert course.main([str(tmp_path)]) == 0
    assert "第二（新）" in nbformat.read(str(tmp_path / "01.00-first.ipynb"), as_version=4).cells[-1].source


def test_check_notebook_reports_what_is_missing(tmp_path):
    code = nbformat.v4.new_code_cell("x = 1", execution_count=3)
    _write(tmp_path, "02.00-bad.ipynb", "02.00 坏 · Bad", goals=(), extra=[code])
    problems = course.check_notebook(tmp_path / "02.00-bad.ipynb")
    text = "\n".join(problems)
    for expected in ("Learning goals", "parameters", "exercise(s) shown", "outputs are stored", "navigation"):
        assert expected in text
    assert course.check_notebook(tmp_path / "Bad Name.ipynb")[0].startswith("'Bad Name.ipynb' is not")


def test_method_overview_lists_the_ten_indicators():
    df = course.method_overview(None, "zh", "manufacturing")
    assert df["#"].tolist() == list(range(1, 11))
    assert df.iloc[0]["及格线"] == "50%" and df.iloc[6]["及格线"] == "1000.0万元"
