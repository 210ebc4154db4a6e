"""Notebook hygiene: the course's sources (course/) and its two editions (notebooks/zh, notebooks/en):
every edition notebook follows the skeleton, is stored stripped, is current (``python -m kalib.course``
builds it) and is in one language; the sources keep the two languages in step."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from kalib import course, exercises

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "course").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks" / "zh").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "en").glob("*.ipynb"))
PLAN = ["00.00-start", "00.01-health-check", "01.00-customer-needs", "02.00-customer-value", "02.01-how-to-sell",
        "02.02-my-deal", "03.00-win-rate-model", "04.00-sales-team", "05.00-client-check"]


def _ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


def test_each_edition_has_every_source_and_nothing_else():
    names = [p.name for p in SOURCES]
    for lang in course.EDITIONS:
        assert sorted(p.name for p in (ROOT / "notebooks" / lang).glob("*.ipynb")) == names
    assert not list((ROOT / "notebooks").glob("*.ipynb")), "notebooks/ holds the editions' folders only"


@pytest.mark.parametrize("path", SOURCES, ids=_ids(SOURCES))
def test_sources_keep_the_languages_in_step(path):
    assert course.source_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_an_edition_is_in_its_own_language(path):
    """No markdown cell of the other language, no language tag left, the parameters set to the edition."""
    lang = path.parent.name
    nb = nbformat.read(str(path), as_version=4)
    cjk = re.compile(r"[\u3400-\u9fff]")
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        assert not set(tags) & set(course.EDITIONS)
        if cell.cell_type == "markdown" and lang == "en":
            # Chinese only where a term is introduced in parentheses: "pass line (及格线)".
            bare = re.sub(r"[(（][^()（）]*[)）]", "", cell.source)
            assert not cjk.search(bare), cell.source[:200]
    (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert f'lang = "{lang}"' in params.source
    for line in params.source.splitlines():  # the comments a trainee reads before changing a parameter
        comment = line.split("#", 1)[1]
        assert bool(cjk.search(comment)) == (lang == "zh"), line


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


# The cells whose output is stored and compared by nbval: the demo's key numbers the course text
# describes (notebook -> the call whose output is shown).
CHECKED = {
    "00.01-health-check": "h.to_frame(lang, formatted=True)",  # the ten indicators
    "02.01-how-to-sell": "display(Markdown(ev.summary(lang)))",  # the worked deal's verdict
    "03.00-win-rate-model": 'display(Markdown(dash.summary(lang).replace("\\n", "  \\n")))',  # weighted pipeline
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs_or_widget_state(path):
    """Only the checked cells keep an output (of a real run, with its count); nothing else is stored."""
    nb = nbformat.read(str(path), as_version=4)
    assert course.stored_output_problems(nb) == []
    for cell in nb.cells:
        if cell.cell_type == "code" and not course.is_checked(cell):
            assert cell.outputs == [] and cell.execution_count is None
        assert "attachments" not in cell or not cell.attachments
    assert "widgets" not in nb.metadata


def test_exactly_the_key_numbers_are_checked_and_run_under_nbval():
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    found = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if course.is_checked(cell):
                assert found.get(path.stem, cell.source.splitlines()[-1]) == cell.source.splitlines()[-1]
                assert sum(course.is_checked(c) for c in nb.cells) == 1, f"{path.name}: more than one checked cell"
                found[path.stem] = cell.source.splitlines()[-1]
                assert "keep_output" in cell.metadata.get("tags", [])
                assert cell.outputs and cell.execution_count is not None
    assert found == CHECKED
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--nbval-lax" in ini["addopts"].split()
    assert sorted(p for p in ini["testpaths"] if p.endswith(".ipynb")) == sorted(
        f"notebooks/{lang}/{n}.ipynb" for n in CHECKED for lang in course.EDITIONS)


def test_the_stored_ten_indicators_are_the_committed_demo_s(demo_client):
    """The stored output is the demo as committed (what nbval compares a fresh run with)."""
    from kalib.health import health_check

    nb = nbformat.read(str(ROOT / "notebooks" / "zh" / "00.01-health-check.ipynb"), as_version=4)
    (cell,) = [c for c in nb.cells if course.is_checked(c)]
    (table,) = [o for o in cell.outputs if "text/plain" in o.get("data", {})]
    expected = health_check(demo_client).to_frame("zh", formatted=True)
    assert table["data"]["text/plain"] == repr(expected)


def _dirty(nb):
    """Outputs and counts on every code cell, and widget state, as after a session in Lab."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = i + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"run {i}\n")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}


def test_strip_keeps_exactly_the_checked_outputs(tmp_path):
    src = ROOT / "notebooks" / "zh" / "00.01-health-check.ipynb"
    path = tmp_path / src.name
    path.write_bytes(src.read_bytes())
    assert course.strip_notebook(path) is False  # the committed notebook is already stripped
    nb = nbformat.read(str(path), as_version=4)
    kept = [(i, c.outputs, c.execution_count) for i, c in enumerate(nb.cells) if course.is_checked(c)]
    _dirty(nb)
    for i, outputs, count in kept:
        nb.cells[i].outputs, nb.cells[i].execution_count = outputs, count
    nbformat.write(nb, str(path))
    assert course.strip_notebook(path) is True
    assert path.read_bytes() == src.read_bytes()


def test_nbstripout_itself_honours_keep_output_but_drops_the_count(tmp_path):
    """Why `make strip` runs kalib.course --strip: nbstripout keeps the tagged outputs but clears their
    execution count, and nbval refuses stored outputs of a cell without a count."""
    import subprocess
    import sys

    path = tmp_path / "00.01-health-check.ipynb"
    path.write_bytes((ROOT / "notebooks" / "zh" / path.name).read_bytes())
    subprocess.run([sys.executable, "-m", "nbstripout", str(path)], check=True)
    nb = nbformat.read(str(path), as_version=4)
    (cell,) = [c for c in nb.cells if course.is_checked(c)]
    assert cell.outputs and cell.execution_count is None
    assert any("no stored output of a run" in p for p in course.stored_output_problems(nb))


def test_stored_output_problems_catch_unstable_or_misplaced_outputs():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nx", execution_count=1, metadata={"tags": ["keep_output"]},
                                   outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "3"},
                                                                   execution_count=1)])
    nb.cells = [ok]
    assert course.stored_output_problems(nb) == []
    addr = nbformat.v4.new_output("execute_result", data={"text/plain": "<Foo object at 0x7f3a2b1c9d00>"},
                                  execution_count=1)
    untagged = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\ny", execution_count=2, outputs=[addr])
    stray = nbformat.v4.new_code_cell("z", execution_count=3,
                                      outputs=[nbformat.v4.new_output("stream", name="stdout", text="z")])
    unrun = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nw", metadata={"tags": ["keep_output"]})
    nb.cells = [ok, untagged, stray, unrun]
    text = "\n".join(course.stored_output_problems(nb))
    assert "cell 2: '# NBVAL_CHECK_OUTPUT' without the tag" in text
    assert "cell 2: the stored output would differ run to run" in text
    assert "cell 3: outputs are stored" in text
    assert "cell 4: '# NBVAL_CHECK_OUTPUT' but no stored output of a run" in text


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


def test_the_editions_are_built_from_the_sources():
    stale = course.build(write=False)
    assert stale == [], f"run 'python -m kalib.course' (or make course): stale {stale}"


@pytest.mark.parametrize("lang", course.EDITIONS)
def test_start_page_lists_every_notebook(lang):
    nb = nbformat.read(str(ROOT / "notebooks" / lang / "00.00-start.ipynb"), as_version=4)
    (contents,) = [c for c in nb.cells if "contents" in c.metadata.get("tags", [])]
    for p in SOURCES:
        assert f"]({p.name})" in contents.source


# ---------------------------------------------------------------------------
# kalib.course on a scratch folder
# ---------------------------------------------------------------------------
def _write(folder: Path, name: str, zh: str, en: str, goals=(("goal", "goal"),), extra=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {zh}\n\n## 学习目标\n" + "".join(f"- {g[0]}\n" for g in goals),
                                      metadata={"tags": ["zh"]}),
        nbformat.v4.new_markdown_cell(f"# {en}\n\n## Learning goals\n" + "".join(f"- {g[1]}\n" for g in goals),
                                      metadata={"tags": ["en"]}),
        nbformat.v4.new_code_cell('client = "demo"  # c\nlang = "zh"  # l', metadata={"tags": ["parameters"]}),
        *extra]
    nbformat.write(nb, str(folder / name))


def test_build_writes_one_language_editions_and_is_idempotent(tmp_path):
    src, out = tmp_path / "course", tmp_path / "notebooks"
    src.mkdir()
    _write(src, "00.00-start.ipynb", "00.00 开始", "00.00 Start")
    _write(src, "01.00-first.ipynb", "01.00 第一", "01.00 First", goals=(("学会 A", "learn A"), ("学会 B", "learn B")))
    _write(src, "01.01-second.ipynb", "01.01 第二", "01.01 Second")
    (src / "scratch.ipynb").write_text((src / "01.01-second.ipynb").read_text())  # not a course name
    changed = course.build(src, out)
    assert changed == [f"{lang}/{n}" for lang in ("zh", "en")
                       for n in ("00.00-start.ipynb", "01.00-first.ipynb", "01.01-second.ipynb")]
    assert course.build(src, out) == []  # nothing left to do
    zh = nbformat.read(str(out / "zh" / "01.00-first.ipynb"), as_version=4)
    en = nbformat.read(str(out / "en" / "01.00-first.ipynb"), as_version=4)
    assert [c.source.splitlines()[0] for c in zh.cells if c.cell_type == "markdown"][0] == "# 01.00 第一"
    assert 'lang = "en"' in en.cells[2].source and 'lang = "zh"' in zh.cells[2].source
    assert not any("First" in c.source for c in zh.cells[:-1]) and not any("第一" in c.source for c in en.cells[:-1])
    assert en.cells[-1].metadata["tags"] == ["nav"] and en.cells[1].metadata["tags"] == ["nav"]
    assert en.cells[1].source == en.cells[-1].source
    assert en.cells[-1].source == ("< [00.00 Start](00.00-start.ipynb) | [Contents](00.00-start.ipynb)"
                                   " | [01.01 Second](01.01-second.ipynb) >")
    start = nbformat.read(str(out / "zh" / "00.00-start.ipynb"), as_version=4)
    (contents,) = [c for c in start.cells if "contents" in c.metadata.get("tags", [])]
    assert "- [01.00 第一](01.00-first.ipynb)\n    - 学会 A\n    - 学会 B" in contents.source
    assert "### 第一层" in contents.source and "scratch" not in contents.source and "Layer" not in contents.source
    # A renamed heading makes the neighbours stale; a removed source removes its editions.
    _write(src, "01.01-second.ipynb", "01.01 第二（新）", "01.01 Second, renamed")
    assert set(course.build(src, out, write=False)) == {f"{lang}/{n}" for lang in ("zh", "en")
                                                        for n in ("00.00-start.ipynb", "01.00-first.ipynb",
                                                                  "01.01-second.ipynb")}
    course.build(src, out)
    assert "第二（新）" in nbformat.read(str(out / "zh" / "01.00-first.ipynb"), as_version=4).cells[-1].source
    (src / "01.01-second.ipynb").unlink()
    assert "zh/01.01-second.ipynb" in course.build(src, out)
    assert not (out / "zh" / "01.01-second.ipynb").exists()


def test_build_keeps_checked_outputs_while_the_code_is_unchanged(tmp_path):
    src, out = tmp_path / "course", tmp_path / "notebooks"
    src.mkdir()
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nx", metadata={"tags": ["keep_output"]})
    _write(src, "00.00-start.ipynb", "00.00 开始", "00.00 Start", extra=[checked])
    course.build(src, out)
    path = out / "en" / "00.00-start.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = [c for c in nb.cells if course.is_checked(c)][0]
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=4)]
    cell.execution_count = 4
    nbformat.write(nb, str(path))
    assert course.build(src, out) == []  # the stored output is carried over
    raw = json.loads((src / "00.00-start.ipynb").read_text())
    raw["cells"][-1]["source"] = "# NBVAL_CHECK_OUTPUT\ny"
    (src / "00.00-start.ipynb").write_text(json.dumps(raw))
    course.build(src, out)
    cell = [c for c in nbformat.read(str(path), as_version=4).cells if course.is_checked(c)][0]
    assert cell.outputs == [] and cell.execution_count is None  # changed code: run 'make outputs'


def test_source_problems_catch_untagged_prose_and_editions_out_of_step(tmp_path):
    _write(tmp_path, "01.00-x.ipynb", "01.00 第一", "01.00 First",
           extra=[nbformat.v4.new_markdown_cell("## 小节", metadata={"tags": ["zh"]}),
                  nbformat.v4.new_markdown_cell("Some prose in no language tag")])
    text = "\n".join(course.source_problems(tmp_path / "01.00-x.ipynb"))
    assert "the editions' headings differ" in text and "zh: ##" in text and "en: none" in text
    assert "a markdown cell with prose but no language tag" in text


def test_check_notebook_reports_what_is_missing(tmp_path):
    code = nbformat.v4.new_code_cell("x = 1", execution_count=3)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 02.00 坏"), code]
    nbformat.write(nb, str(tmp_path / "02.01-bad.ipynb"))
    problems = course.check_notebook(tmp_path / "02.01-bad.ipynb")
    text = "\n".join(problems)
    for expected in ("学习目标", "02.01 <title>", "parameters", "exercise(s) shown", "outputs are stored", "navigation"):
        assert expected in text
    assert course.check_notebook(tmp_path / "Bad Name.ipynb")[0].startswith("'Bad Name.ipynb' is not")


def test_method_overview_lists_the_ten_indicators():
    df = course.method_overview(None, "zh", "manufacturing")
    assert df.index.tolist() == list(range(1, 11)) and df.index.name == "#"
    assert df.iloc[0]["及格线"] == "50%" and df.iloc[6]["及格线"] == "1,000万元"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_is_collapsed_for_trainees_except_the_cells_to_edit(path):
    """A trainee first sees prose, tables, charts and widgets: every code cell's input is collapsed
    (JupyterLab's metadata.jupyter.source_hidden) except the parameters cell, which they edit."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    to_edit = [c for c in code if {"parameters", "edit"} & set(c["metadata"].get("tags", []))]
    assert len(to_edit) >= 1  # the parameters cell
    for cell in code:
        hidden = cell["metadata"].get("jupyter", {}).get("source_hidden")
        if cell in to_edit:
            assert hidden is None, cell["source"]
        else:
            assert hidden is True, cell["source"]


def test_strip_collapses_the_code_and_changes_only_that_metadata(tmp_path):
    src = ROOT / "notebooks" / "zh" / "03.00-win-rate-model.ipynb"
    path = tmp_path / src.name
    raw = json.loads(src.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        cell["metadata"].pop("jupyter", None)
    raw["cells"][2]["metadata"]["jupyter"] = {"source_hidden": True}  # the parameters cell, hidden by mistake
    assert "parameters" in raw["cells"][2]["metadata"]["tags"]
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    problems = course.check_notebook(path)
    assert any("cell 3: a cell to edit has its code hidden" in p for p in problems)
    assert any("cell 4: the code is not collapsed for trainees" in p for p in problems)
    assert course.strip_notebook(path) is True
    assert course.check_notebook(path) == []
    # Byte for byte the committed notebook: sources, checked outputs and formatting untouched.
    assert path.read_bytes() == src.read_bytes()
    assert course.strip_notebook(path) is False


def test_hide_code_keeps_other_jupyter_metadata():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"jupyter": {"outputs_hidden": True}}),
        nbformat.v4.new_code_cell("client = 'demo'", metadata={"tags": ["edit"], "jupyter": {"source_hidden": True}}),
        nbformat.v4.new_markdown_cell("# t"),
    ])
    assert course.hide_code(nb) is True
    assert nb.cells[0].metadata.jupyter == {"outputs_hidden": True, "source_hidden": True}
    assert "jupyter" not in nb.cells[1].metadata
    assert "jupyter" not in nb.cells[2].metadata
    assert course.hide_code(nb) is False
    assert course.hidden_code_problems(nb) == []


#: Statistics a salesperson may skip: only in sections marked advanced (进阶 / Advanced).
STATISTICS = re.compile(r"\bHHI\b|Brier|Wilson|\bP10\b|\bP50\b|\bP90\b|置信区间|confidence interval|赫芬达尔|Herfindahl",
                        re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_statistics_live_in_advanced_sections(path):
    """HHI, the Brier score, Wilson intervals and P10/P50/P90 appear in the prose only inside sections
    marked advanced (heading 进阶：/ Advanced:, every cell tagged `advanced`), which a salesperson can skip."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "markdown" or "advanced" in tags or {"nav", "contents"} & set(tags):
            continue
        found = STATISTICS.findall(cell.source)
        assert not found, f"{found} outside an advanced section: {cell.source[:120]!r}"
    for cell in nb.cells:
        if "advanced" in cell.metadata.get("tags", []) and cell.cell_type == "markdown":
            heads = re.findall(r"^#+\s+(.*)$", cell.source, re.M)
            assert all(h.startswith(("进阶", "Advanced")) for h in heads[:1]) or not heads, heads


def test_judgement_problems_want_a_judgement_asked_in_markdown():
    nb = nbformat.v4.new_notebook()
    show = nbformat.v4.new_code_cell('kalib.exercises.show("02.01-go-nogo", c, lang)', metadata={"tags": ["course-only"]})
    nb.cells = [nbformat.v4.new_markdown_cell("## Exercises"), show]
    assert "has no '### 判断" in course.judgement_problems(nb)[0]
    nb.cells = [nbformat.v4.new_markdown_cell("### Judgement: Go or NoGo?\n\nThe case…"),
                nbformat.v4.new_code_cell("display(case)"), show]
    assert course.judgement_problems(nb) == []
    nb.cells = [nbformat.v4.new_code_cell('kalib.exercises.show("02.01-deal-score", c, lang)')]
    assert course.judgement_problems(nb) == ["no judgement exercise (kalib.exercises.judgement): every notebook asks "
                                             "for at least one"]
