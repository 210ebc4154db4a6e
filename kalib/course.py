"""The course: its notebooks, the start page's contents and each notebook's navigation.

The course is the ordered set of notebooks ``notebooks/NN.MM-kebab-title.ipynb``
(``NN.00`` opens a part).  Nothing about the order is maintained by hand:
this module reads the file names and each notebook's first heading, and
writes

- the **contents** of the start page (``00.00-start.ipynb``): the markdown cell
  tagged ``contents``, listing every notebook with its learning goals;
- the **navigation** of every notebook: one markdown cell tagged ``nav`` at the
  end, ``< previous | contents | next >``.

Run ``python -m kalib.course`` after adding or renaming a notebook (``--check``
only reports what is stale; ``tests/test_course.py`` fails when anything is).
The report renderer drops ``nav`` and ``course-only`` cells, so the
navigation and the exercises never appear in a client's report.

:func:`check_notebook` lists what a notebook lacks against the course's
skeleton (title, learning goals, ``parameters`` cell, at least two exercises,
no stored outputs); the tests run it on every notebook.

A few cells show the demo's key numbers that the course text describes (the
ten indicators, the weighted pipeline, the verdict of the worked deal).  They
start with ``# NBVAL_CHECK_OUTPUT``, are tagged ``keep_output`` and keep the
output of a real run (:func:`refresh_outputs`, ``make outputs``); ``pytest
--nbval-lax`` reruns them and fails when the output changes.  Every other
output is stripped (:func:`strip_notebook`, ``make strip``).

A trainee sees prose, tables, charts and widgets, not code: every code cell's
input is collapsed (JupyterLab's ``metadata.jupyter.source_hidden``; a click on
the cell's left bar shows it) except the cells a trainee edits, tagged
``parameters`` (or ``edit``).  :func:`strip_notebook` sets it and
:func:`check_notebook` reports a cell without it (:func:`hidden_code_problems`).

Examples
--------
>>> parse_name("04.00-sales-team.ipynb")
('04', '00', 'sales-team')
>>> nav_markdown(None, ("01.00-customer-value.ipynb", "01.00 客户价值 · Customer value"))
'< [目录 · Contents](00.00-start.ipynb) | [01.00 客户价值 · Customer value](01.00-customer-value.ipynb) >'
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Client

__all__ = [
    "CourseNotebook",
    "PARAMETERS",
    "check_notebook",
    "contents_markdown",
    "exercise_ids",
    "find_notebooks",
    "main",
    "method_overview",
    "nav_markdown",
    "notebooks_dir",
    "parse_name",
    "update",
]

NAME_RE = re.compile(r"^(\d\d)\.(\d\d)-([a-z0-9][a-z0-9-]*)\.ipynb$")
START = "00.00-start.ipynb"
GOALS_RE = re.compile(r"^##\s*学习目标\s*·\s*Learning goals\s*$", re.M)
#: The names every ``parameters`` cell defines (more are allowed).
PARAMETERS = ("client", "period", "industry", "lang", "as_of")
#: Part titles shown in the contents (by the two-digit part number).
PARTS = {
    "00": ("开始", "Start"),
    "01": ("第一层：始终瞄准客户需求", "Layer 1: aim at customer needs"),
    "02": ("第二层：如何销售", "Layer 2: how to sell"),
    "03": ("第三层：如何管理销售", "Layer 3: how to manage sales"),
    "04": ("第四层：构建致力于成功的销售团队", "Layer 4: build a team committed to success"),
    "05": ("综合：为客户做一次完整诊断", "Together: the whole check on a client"),
}


def parse_name(name: str) -> tuple[str, str, str]:
    """``(part, chapter, slug)`` of a course file name; ValueError when it does not follow ``NN.MM-title.ipynb``."""
    m = NAME_RE.match(Path(name).name)
    if not m:
        raise ValueError(f"{name!r} is not a course notebook name (NN.MM-kebab-title.ipynb)")
    return m.group(1), m.group(2), m.group(3)


def notebooks_dir() -> Path:
    """The course folder: ``notebooks/`` next to the kalib package (a clone), else ``./notebooks``."""
    here = Path(__file__).resolve().parents[1] / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


@dataclass
class CourseNotebook:
    """One notebook of the course, as the contents and the navigation see it."""

    path: Path
    title: str
    goals: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def part(self) -> str:
        return parse_name(self.name)[0]


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _first_heading(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nav" not in _tags(cell):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _goals(nb: Any) -> list[str]:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        m = GOALS_RE.search(cell.source)
        if not m:
            continue
        out = []
        for line in cell.source[m.end():].splitlines():
            if line.startswith("#"):
                break
            s = line.strip()
            if re.match(r"^([-*]|\d+\.)\s+", s):
                out.append(re.sub(r"^([-*]|\d+\.)\s+", "", s))
        return out
    return []


def find_notebooks(folder: str | Path | None = None) -> list[CourseNotebook]:
    """The course's notebooks in order, with their titles and learning goals."""
    import nbformat

    folder = Path(folder) if folder else notebooks_dir()
    out = []
    for path in sorted(folder.glob("*.ipynb")):
        if not NAME_RE.match(path.name):
            continue
        nb = nbformat.read(str(path), as_version=4)
        out.append(CourseNotebook(path, _first_heading(nb) or path.stem, _goals(nb)))
    return out


def nav_markdown(prev: tuple[str, str] | None, nxt: tuple[str, str] | None) -> str:
    """The navigation line: ``< previous | contents | next >`` (``(file, title)`` pairs)."""
    parts = []
    if prev:
        parts.append(f"[{prev[1]}]({prev[0]})")
    parts.append(f"[目录 · Contents]({START})")
    if nxt:
        parts.append(f"[{nxt[1]}]({nxt[0]})")
    return "< " + " | ".join(parts) + " >"


def contents_markdown(notebooks: list[CourseNotebook]) -> str:
    """The start page's contents: parts, notebooks (linked) and their learning goals."""
    lines = ["## 目录 · Contents", "",
             "<!-- generated by `python -m kalib.course` from the notebooks' names and headings; do not edit -->", ""]
    part = None
    for nb in notebooks:
        if nb.part != part:
            part = nb.part
            zh, en = PARTS.get(part, (f"第{int(part)}部分", f"Part {int(part)}"))
            lines += ["", f"### {zh} · {en}", ""]
        lines.append(f"- [{nb.title}]({nb.name})")
        for goal in nb.goals:
            lines.append(f"    - {goal}")
    return "\n".join(lines).replace("\n\n\n", "\n\n").strip() + "\n"


def _set_markdown_cell(nb: Any, tag: str, source: str, *, at_end: bool) -> bool:
    import nbformat

    cells = [c for c in nb.cells if tag in _tags(c)]
    if len(cells) == 1 and cells[0].cell_type == "markdown" and cells[0].source == source and (
            not at_end or nb.cells[-1] is cells[0]):
        return False
    nb.cells = [c for c in nb.cells if tag not in _tags(c)]
    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [tag]})
    cell.pop("id", None)
    if getattr(nb, "nbformat_minor", 4) >= 5:
        cell["id"] = f"{tag}-cell"
    if at_end:
        nb.cells.append(cell)
    else:
        nb.cells.insert(min(len(nb.cells), 1), cell)
    return True


def update(folder: str | Path | None = None, *, write: bool = True) -> list[str]:
    """Rewrite the contents and the navigation cells; return the files that were (or would be) changed."""
    import nbformat

    notebooks = find_notebooks(folder)
    changed = []
    for i, cn in enumerate(notebooks):
        nb = nbformat.read(str(cn.path), as_version=4)
        prev = (notebooks[i - 1].name, notebooks[i - 1].title) if i > 0 else None
        nxt = (notebooks[i + 1].name, notebooks[i + 1].title) if i + 1 < len(notebooks) else None
        dirty = _set_markdown_cell(nb, "nav", nav_markdown(prev, nxt), at_end=True)
        if cn.name == START:
            src = contents_markdown(notebooks)
            existing = [c for c in nb.cells if "contents" in _tags(c)]
            if existing:
                if existing[0].source != src:
                    existing[0].source = src
                    dirty = True
            else:
                dirty |= _set_markdown_cell(nb, "contents", src, at_end=False)
        if dirty:
            changed.append(cn.name)
            if write:
                nbformat.write(nb, str(cn.path))
    return changed


def exercise_ids(nb: Any) -> list[str]:
    """Exercise ids a notebook shows (``kalib.exercises.show("id", ...)`` / ``exercises.show(...)``)."""
    ids = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            ids += re.findall(r"""exercises\.show\(\s*["']([^"']+)["']""", cell.source)
    return ids


def _parameter_names(source: str) -> list[str]:
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
        else:
            raise ValueError("the parameters cell must hold only assignments of literals")
    return names


def check_notebook(path: str | Path, *, min_exercises: int = 2) -> list[str]:
    """What a course notebook lacks (empty when it follows the skeleton).

    Checks the name, the ``# NN.MM`` title, the learning goals, one
    ``parameters`` cell with the standard names, at least ``min_exercises``
    exercises shown in ``course-only`` cells (each id known to
    :mod:`kalib.exercises` and starting with the notebook's number), that
    no outputs, execution counts or widget state are stored outside the
    checked cells (:func:`stored_output_problems`) and that the code is
    collapsed except in the cells a trainee edits (:func:`hidden_code_problems`).
    """
    import nbformat

    from . import exercises

    path = Path(path)
    problems: list[str] = []
    try:
        part, chap, _ = parse_name(path.name)
    except ValueError as exc:
        return [str(exc)]
    nb = nbformat.read(str(path), as_version=4)
    number = f"{part}.{chap}"
    title = _first_heading(nb)
    if not title or not title.startswith(number):
        problems.append(f"the first heading should be '# {number} 中文标题 · English title', not {title!r}")
    if not nb.cells or nb.cells[0].cell_type != "markdown" or not nb.cells[0].source.startswith(f"# {number}"):
        problems.append("the first cell should be the markdown title")
    goals = _goals(nb)
    if not goals:
        problems.append("no '## 学习目标 · Learning goals' list")
    params = [c for c in nb.cells if "parameters" in _tags(c)]
    if len(params) != 1:
        problems.append(f"{len(params)} cells tagged 'parameters' (need exactly one)")
    else:
        try:
            names = _parameter_names(params[0].source)
            missing = [n for n in PARAMETERS if n not in names]
            if missing:
                problems.append(f"the parameters cell lacks {', '.join(missing)}")
        except (SyntaxError, ValueError) as exc:
            problems.append(f"the parameters cell: {exc}")
    ids = exercise_ids(nb)
    if len(set(ids)) < min_exercises:
        problems.append(f"{len(set(ids))} exercise(s) shown (need at least {min_exercises})")
    known = set(exercises.list_exercises())
    for i in ids:
        if i not in known:
            problems.append(f"exercise {i!r} is not defined in kalib.exercises")
        elif not i.startswith(number + "-"):
            problems.append(f"exercise {i!r} belongs to another notebook (ids start with {number}-)")
    for cell in nb.cells:
        if cell.cell_type == "code" and "exercises.show(" in cell.source and "course-only" not in _tags(cell):
            problems.append("an exercise cell is not tagged 'course-only'")
            break
    problems += stored_output_problems(nb)
    problems += hidden_code_problems(nb)
    if "widgets" in nb.metadata:
        problems.append("widget state is stored in the notebook metadata (run 'make strip')")
    navs = [c for c in nb.cells if "nav" in _tags(c)]
    if len(navs) != 1 or nb.cells[-1] is not navs[0]:
        problems.append("the navigation cell (tag 'nav') should be the last cell (run 'python -m kalib.course')")
    return problems


CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
KEEP_TAG = "keep_output"
# Stored outputs must read the same on every run: no memory addresses, no widget or image data.
_UNSTABLE = re.compile(r"0x[0-9a-fA-F]{6,}|\bat 0x|object at |Wall time|CPU times")
_UNSTABLE_MIME = ("application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg", "image/svg+xml")


def is_checked(cell: Any) -> bool:
    """A code cell whose output is stored and compared by nbval (a line ``# NBVAL_CHECK_OUTPUT``)."""
    return cell.get("cell_type") == "code" and any(
        line.strip() == CHECK_MARKER for line in cell.get("source", "").splitlines())


def stored_output_problems(nb: Any) -> list[str]:
    """What is wrong with the outputs stored in a notebook: any output outside the checked cells,
    a checked cell without its output, tag or execution count, or an output that cannot repeat."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {i + 1}"
        if not is_checked(cell):
            if cell.get("outputs") or cell.get("execution_count") is not None:
                problems.append(f"{where}: outputs are stored (run 'make strip')")
            elif KEEP_TAG in _tags(cell):
                problems.append(f"{where}: tagged {KEEP_TAG!r} without '{CHECK_MARKER}'")
            continue
        if KEEP_TAG not in _tags(cell):
            problems.append(f"{where}: '{CHECK_MARKER}' without the tag {KEEP_TAG!r} (nbstripout would strip it)")
        if not cell.get("outputs") or cell.get("execution_count") is None:
            problems.append(f"{where}: '{CHECK_MARKER}' but no stored output of a run (run 'make outputs')")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = "".join(out.get("text", "")) + "".join(
                v if isinstance(v, str) else "".join(v) for k, v in data.items() if k.startswith("text/"))
            if out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr"):
                problems.append(f"{where}: the stored output is an error or a warning")
            if any(m in data for m in _UNSTABLE_MIME) or _UNSTABLE.search(text):
                problems.append(f"{where}: the stored output would differ run to run (addresses, timings, widgets, "
                                "images)")
    return problems


# Code cells a trainee is meant to edit: their code stays on screen.
EDITABLE_TAGS = frozenset({"parameters", "edit"})


def is_editable(cell: Any) -> bool:
    """A code cell a trainee edits (tagged ``parameters`` or ``edit``): its code stays visible."""
    return cell.get("cell_type") == "code" and not EDITABLE_TAGS.isdisjoint(_tags(cell))


def _source_hidden(cell: Any) -> bool:
    return (cell.get("metadata", {}).get("jupyter") or {}).get("source_hidden") is True


def hide_code(nb: Any) -> bool:
    """Collapse the input of every code cell (``metadata.jupyter.source_hidden``) except the editable
    ones, whose input is shown.  True when anything changed."""
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.setdefault("metadata", {})
        if is_editable(cell):
            jup = meta.get("jupyter")
            if jup and "source_hidden" in jup:
                del jup["source_hidden"]
                if not jup:
                    del meta["jupyter"]
                changed = True
        elif not _source_hidden(cell):
            meta.setdefault("jupyter", {})["source_hidden"] = True
            changed = True
    return changed


def hidden_code_problems(nb: Any) -> list[str]:
    """Code cells a trainee would see the code of though not meant to edit it, and editable cells
    whose code is hidden."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_editable(cell) and _source_hidden(cell):
            problems.append(f"cell {i + 1}: a cell to edit has its code hidden (run 'make strip')")
        elif not is_editable(cell) and not _source_hidden(cell):
            problems.append(f"cell {i + 1}: the code is not collapsed for trainees "
                            "(metadata.jupyter.source_hidden; run 'make strip')")
    return problems


def strip_notebook(path: str | Path) -> bool:
    """Strip a notebook as nbstripout does (its ``keep_output`` tag honoured, widget state out), keeping the
    execution count of the checked cells, which nbval needs to compare them, and collapse the code a
    trainee does not edit (:func:`hide_code`).  True when the file changed."""
    import nbformat
    from nbstripout import strip_output

    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    counts = {i: c.get("execution_count") for i, c in enumerate(nb.cells) if is_checked(c)}
    strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=["metadata.widgets"])
    for i, cell in enumerate(nb.cells):
        if i in counts and KEEP_TAG in _tags(cell) and cell.get("outputs"):
            cell["execution_count"] = counts[i]
    hide_code(nb)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def refresh_outputs(path: str | Path, *, timeout: int = 600) -> int:
    """Run a notebook top to bottom (its default parameters: the demo) and store the outputs of its
    checked cells, stripping everything else.  Returns the number of checked cells."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    checked = [i for i, c in enumerate(nb.cells) if is_checked(c)]
    if not checked:
        return 0
    run = nbformat.read(str(path), as_version=4)
    NotebookClient(run, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for i in checked:
        nb.cells[i]["outputs"] = run.cells[i]["outputs"]
        nb.cells[i]["execution_count"] = run.cells[i]["execution_count"]
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    strip_notebook(path)
    return len(checked)


def method_overview(client: Client | None = None, lang: str = "zh", industry: str | None = None):
    """The ten health indicators with their pass and excellent lines for the client's industry.

    >>> t = method_overview(None, "en", "services")
    >>> t.index.name, t.loc[4].tolist()
    ('#', ['Customer loyalty (NPS)', '40%', '–', 'article'])
    """
    import pandas as pd

    from .config import default_config, source_name
    from .i18n import fmt_pct, fmt_rmb, fmt_times, tr

    cfg = client.config if client is not None else default_config()
    ind = industry or (client.industry if client is not None else "manufacturing")

    def fmt(v: Any, unit: str) -> str:
        if v is None:
            return "–"
        if unit == "share":
            return fmt_pct(v)
        if unit == "rmb":
            return fmt_rmb(v, lang)
        return fmt_times(v, lang)

    rows = []
    for key in cfg.indicator_keys():
        i = cfg.indicator(key)
        line = cfg.line(key, ind)
        rows.append({"#": i["id"], tr(lang, "指标", "Indicator"): tr(lang, i["zh"], i["en"]),
                     tr(lang, "及格线", "Pass line"): fmt(line["pass"], i["unit"]),
                     tr(lang, "优分线", "Excellent line"): fmt(line["excellent"], i["unit"]),
                     tr(lang, "来源", "Source"): source_name(line["source"], lang)})
    return pd.DataFrame(rows).set_index("#")


def main(argv: list[str] | None = None) -> int:
    """``python -m kalib.course [--check] [FOLDER]``."""
    p = argparse.ArgumentParser(prog="python -m kalib.course",
                                description="Rewrite the start page's contents and every notebook's navigation.")
    p.add_argument("folder", nargs="?", help="the notebooks folder (default: notebooks/)")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 when contents or navigation are stale, or a notebook breaks the "
                        "skeleton")
    p.add_argument("--strip", action="store_true",
                   help="strip every notebook's outputs except the checked cells' (# NBVAL_CHECK_OUTPUT) "
                        "and collapse the code a trainee does not edit")
    p.add_argument("--outputs", action="store_true",
                   help="run the notebooks that have checked cells and store those cells' outputs")
    args = p.parse_args(argv)
    folder = Path(args.folder) if args.folder else notebooks_dir()
    if args.strip or args.outputs:
        for cn in find_notebooks(folder):
            if args.outputs and (n := refresh_outputs(cn.path)):
                print(f"{cn.name}: stored the output of {n} checked cell(s)")
            elif args.strip and strip_notebook(cn.path):
                print(f"{cn.name}: stripped")
        return 0
    changed = update(folder, write=not args.check)
    if args.check:
        bad = 0
        for name in changed:
            print(f"{name}: contents or navigation are stale (run python -m kalib.course)")
            bad += 1
        for cn in find_notebooks(folder):
            for problem in check_notebook(cn.path):
                print(f"{cn.name}: {problem}")
                bad += 1
        return 1 if bad else 0
    for name in changed:
        print(f"updated {name}")
    if not changed:
        print("contents and navigation are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
