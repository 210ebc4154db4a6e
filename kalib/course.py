"""The course: its sources, its two editions, the start page's contents and each notebook's navigation.

The course is the ordered set of notebooks ``NN.MM-kebab-title.ipynb`` (``NN.00`` opens a part).
Maintainers edit the **sources** in ``course/``: one notebook per lesson, whose markdown cells are
tagged ``zh`` or ``en`` (a cell in one language each) and whose code cells are shared.  Trainees open
the **editions**, ``notebooks/zh/`` and ``notebooks/en/``, each in one language, which
``python -m kalib.course`` builds (:func:`build`):

- a markdown cell tagged with the other language is left out, the ``parameters`` cell's
  ``lang = "…"`` is set to the edition's language (so the text, tables and charts that code writes
  follow it);
- the **contents** of the start page (``00.00-start.ipynb``: the markdown cell tagged ``contents``)
  list every notebook with its learning goals, in the edition's language;
- the **navigation** of every notebook: a markdown cell tagged ``nav`` under the title and another
  at the end, ``< previous | contents | next >``.

``python -m kalib.course --check`` changes nothing and fails when an edition is stale, when a source's
two languages are out of step (:func:`source_problems`) or when a notebook breaks the skeleton
(:func:`check_notebook`); ``tests/test_course.py`` runs the same checks.  Nothing about the order is
maintained by hand.  The report renderer drops ``nav`` and ``course-only`` cells, so the navigation
and the exercises never appear in a client's report.

A few cells show the demo's key numbers that the course text describes.  They start with
``# NBVAL_CHECK_OUTPUT``, are tagged ``keep_output`` and keep, in each edition, the output of a real
run (:func:`refresh_outputs`, ``make outputs``); ``pytest --nbval-lax`` reruns them and fails when the
output changes.  The sources store no output; every other output is stripped (:func:`strip_notebook`,
``make strip``).

A trainee sees prose, tables, charts and widgets, not code: every code cell's input is collapsed
(JupyterLab's ``metadata.jupyter.source_hidden``; a click on the cell's left bar shows it) except the
cells a trainee edits, tagged ``parameters`` (or ``edit``).

Examples
--------
>>> parse_name("04.00-sales-team.ipynb")
('04', '00', 'sales-team')
>>> nav_markdown(None, ("00.01-health-check.ipynb", "00.01 健康度问诊"), "zh")
'< [目录](00.00-start.ipynb) | [00.01 健康度问诊](00.01-health-check.ipynb) >'
>>> nav_markdown(("00.00-start.ipynb", "00.00 Start here"), None, "en")
'< [00.00 Start here](00.00-start.ipynb) | [Contents](00.00-start.ipynb) >'
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
    "EDITIONS",
    "CourseNotebook",
    "build",
    "edition",
    "source_dir",
    "source_problems",
    "PARAMETERS",
    "check_notebook",
    "contents_markdown",
    "exercise_ids",
    "judgement_problems",
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
#: The editions the course is built in, from one set of sources.
EDITIONS = ("zh", "en")
GOALS_RE = re.compile(r"^##\s*(?:学习目标|Learning goals)(?:\s*·\s*Learning goals)?\s*$", re.M)
#: The names every ``parameters`` cell defines (more are allowed).
PARAMETERS = ("client", "period", "industry", "lang", "as_of")
#: Part titles shown in the contents (by the two-digit part number), per edition.
PARTS = {
    "00": ("开篇：从黑箱到科学", "Start: from a black box to a science"),
    "01": ("第一层：始终瞄准客户需求", "Layer 1: aim at the customer's needs"),
    "02": ("第二层：如何销售", "Layer 2: how to sell"),
    "03": ("第三层：如何管理销售", "Layer 3: how to manage sales"),
    "04": ("第四层：构建致力于成功的销售团队", "Layer 4: build a team committed to success"),
    "05": ("综合：为客户做一次完整诊断", "Together: the whole check on a client"),
}
_CONTENTS_HEADING = {"zh": "目录", "en": "Contents"}
_LANG_LINE = re.compile(r"^lang\s*=\s*[\"'][a-z]+[\"']", re.M)
#: The Chinese edition's comments on the parameters (the sources carry the English ones).
PARAMETER_COMMENTS_ZH = {
    "client": '客户的数据文件夹、Excel 文件，或 "demo"（演示公司）',
    "period": '例如 "2024"；None 表示数据中最后一个完整年度',
    "industry": '"manufacturing"（制造业）| "services"（服务业）；None 表示按 client.yml',
    "lang": '"zh" 中文 | "en" 英文',
    "as_of": '例如 "2024-12-31"；None 表示数据中最晚的日期',
    "opportunity": "要评审的机会编号；None 表示课程跟踪的那个机会（client.yml 的 course:，否则取最大的已评分在跟机会）",
    "save_to": "打印出的评审单放在这个文件夹（在本笔记本旁边）",
    "milestone": '"month" | "quarter" | "half" | "year"：看板二看的下一个节点',
}


def _parameter_comments(source: str, lang: str) -> str:
    """The parameters cell with its comments in the edition's language (the sources' are English)."""
    if lang != "zh":
        return source
    out = []
    for line in source.splitlines(keepends=True):
        m = re.match(r"^(\s*(\w+)\s*=\s*[^#]*?)\s*#.*?(\n?)$", line)
        if m and m.group(2) in PARAMETER_COMMENTS_ZH:
            line = f"{m.group(1)}  # {PARAMETER_COMMENTS_ZH[m.group(2)]}{m.group(3)}"
        out.append(line)
    return "".join(out)


def parse_name(name: str) -> tuple[str, str, str]:
    """``(part, chapter, slug)`` of a course file name; ValueError when it does not follow ``NN.MM-title.ipynb``."""
    m = NAME_RE.match(Path(name).name)
    if not m:
        raise ValueError(f"{name!r} is not a course notebook name (NN.MM-kebab-title.ipynb)")
    return m.group(1), m.group(2), m.group(3)


def _repo_dir(name: str) -> Path:
    here = Path(__file__).resolve().parents[1] / name
    return here if here.is_dir() else Path.cwd() / name


def source_dir() -> Path:
    """The course's sources, ``course/`` next to the kalib package (a clone), else ``./course``."""
    return _repo_dir("course")


def notebooks_dir(lang: str | None = None) -> Path:
    """The built editions, ``notebooks/`` next to the kalib package, else ``./notebooks``; with ``lang``,
    that edition's folder (``notebooks/zh``)."""
    root = _repo_dir("notebooks")
    return root / lang if lang else root


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


def _sources(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("*.ipynb")) if NAME_RE.match(p.name)]


def find_notebooks(folder: str | Path | None = None) -> list[CourseNotebook]:
    """The notebooks of a folder (an edition, by default the Chinese one) in order, with titles and goals."""
    import nbformat

    folder = Path(folder) if folder else notebooks_dir("zh")
    out = []
    for path in _sources(folder):
        nb = nbformat.read(str(path), as_version=4)
        out.append(CourseNotebook(path, _first_heading(nb) or path.stem, _goals(nb)))
    return out


def nav_markdown(prev: tuple[str, str] | None, nxt: tuple[str, str] | None, lang: str = "zh") -> str:
    """The navigation line: ``< previous | contents | next >`` (``(file, title)`` pairs), in the edition's language."""
    parts = []
    if prev:
        parts.append(f"[{prev[1]}]({prev[0]})")
    parts.append(f"[{_CONTENTS_HEADING[lang]}]({START})")
    if nxt:
        parts.append(f"[{nxt[1]}]({nxt[0]})")
    return "< " + " | ".join(parts) + " >"


def contents_markdown(notebooks: list[CourseNotebook], lang: str = "zh") -> str:
    """The start page's contents: parts, notebooks (linked) and their learning goals, in one language."""
    lines = [f"## {_CONTENTS_HEADING[lang]}", "",
             "<!-- generated by `python -m kalib.course` from the notebooks' names and headings; do not edit -->", ""]
    part = None
    for nb in notebooks:
        if nb.part != part:
            part = nb.part
            zh, en = PARTS.get(part, (f"第{int(part)}部分", f"Part {int(part)}"))
            lines += ["", f"### {zh if lang == 'zh' else en}", ""]
        lines.append(f"- [{nb.title}]({nb.name})")
        for goal in nb.goals:
            lines.append(f"    - {goal}")
    return "\n".join(lines).replace("\n\n\n", "\n\n").strip() + "\n"


def _new_markdown(nb: Any, tag: str, source: str, cell_id: str | None = None) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [tag]})
    cell.pop("id", None)
    if getattr(nb, "nbformat_minor", 4) >= 5:
        cell["id"] = cell_id or f"{tag}-cell"
    return cell


def edition(source: Any, lang: str) -> Any:
    """The ``lang`` edition of a source notebook (a copy): markdown cells tagged with the other language
    dropped, the language tags removed, ``lang = "…"`` in the parameters cell set to ``lang``; no
    navigation, contents or outputs yet (:func:`build` adds them)."""
    import copy

    nb = copy.deepcopy(source)
    other = {e for e in EDITIONS if e != lang}
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "markdown" and (other & set(tags) or "nav" in tags):
            continue
        if lang in tags:
            kept = [t for t in tags if t != lang]
            if kept:
                cell.metadata["tags"] = kept
            else:
                cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            if "parameters" in tags:
                cell.source = _parameter_comments(_LANG_LINE.sub(f'lang = "{lang}"', cell.source), lang)
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata["kalib"] = {"edition": lang, "source": "course/ (built by python -m kalib.course; do not edit)"}
    return nb


def _carry_outputs(nb: Any, old_path: Path) -> None:
    """Keep the stored outputs of the checked cells from the edition on disk when their code is unchanged."""
    import nbformat

    if not old_path.is_file():
        return
    try:
        old = nbformat.read(str(old_path), as_version=4)
    except Exception:  # a damaged edition is rebuilt without outputs
        return
    by_id = {c.get("id"): c for c in old.cells if is_checked(c)}
    for cell in nb.cells:
        prev = by_id.get(cell.get("id"))
        if is_checked(cell) and prev is not None and prev.source == cell.source and prev.get("outputs"):
            cell["outputs"] = prev["outputs"]
            cell["execution_count"] = prev.get("execution_count")


def build(source: str | Path | None = None, out: str | Path | None = None, *, write: bool = True,
          langs: tuple[str, ...] = EDITIONS) -> list[str]:
    """Build the editions (``out/zh``, ``out/en``) from the sources; return the edition files that were (or,
    with ``write=False``, would be) written, as ``zh/00.00-start.ipynb``.

    Each edition gets its navigation and the start page's contents in its language; the outputs of the
    checked cells (``# NBVAL_CHECK_OUTPUT``) are carried over from the edition on disk while their code
    is unchanged (``make outputs`` refreshes them).
    """
    import nbformat

    source = Path(source) if source else source_dir()
    out = Path(out) if out else notebooks_dir()
    paths = _sources(source)
    originals = [nbformat.read(str(p), as_version=4) for p in paths]
    changed = []
    for lang in langs:
        folder = out / lang
        eds = [edition(nb, lang) for nb in originals]
        infos = [CourseNotebook(p, _first_heading(nb) or p.stem, _goals(nb)) for p, nb in zip(paths, eds)]
        for i, (path, nb) in enumerate(zip(paths, eds)):
            prev = (infos[i - 1].name, infos[i - 1].title) if i > 0 else None
            nxt = (infos[i + 1].name, infos[i + 1].title) if i + 1 < len(infos) else None
            nav = nav_markdown(prev, nxt, lang)
            nb.cells.insert(1, _new_markdown(nb, "nav", nav, "nav-top"))
            nb.cells.append(_new_markdown(nb, "nav", nav))
            if path.name == START:
                src = contents_markdown(infos, lang)
                slots = [c for c in nb.cells if "contents" in _tags(c)]
                if slots:
                    slots[0].source = src
                else:
                    nb.cells.insert(min(len(nb.cells), 1), _new_markdown(nb, "contents", src))
            target = folder / path.name
            _carry_outputs(nb, target)
            hide_code(nb)
            text = nbformat.writes(nb) + "\n"
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                changed.append(f"{lang}/{path.name}")
                if write:
                    folder.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
        if folder.is_dir():
            for stale in _sources(folder):
                if stale.name not in {p.name for p in paths}:
                    changed.append(f"{lang}/{stale.name}")
                    if write:
                        stale.unlink()
    return changed


def source_problems(path: str | Path) -> list[str]:
    """What is wrong with a source notebook: stored outputs, a markdown cell in no edition's language
    (untagged cells must hold no prose), and editions out of step (between two code cells, the
    Chinese and English cells must have the same headings, level by level)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"cell {i + 1}: a source stores outputs (run 'make strip')")
        tags = set(_tags(cell))
        if cell.cell_type == "markdown" and not tags & {*EDITIONS, "contents", "nav"}:
            if re.search(r"[A-Za-z]{3,}|[\u3400-\u9fff]", re.sub(r"<!--.*?-->|`[^`]*`|\$[^$]*\$", "", cell.source)):
                problems.append(f"cell {i + 1}: a markdown cell with prose but no language tag (tag it zh or en)")
    # headings per stretch between code cells, per language
    stretch: dict[str, list[str]] = {e: [] for e in EDITIONS}
    k = 0

    def compare() -> None:
        levels = {e: [h for h in stretch[e]] for e in EDITIONS}
        if len({tuple(v) for v in levels.values()}) > 1:
            problems.append(f"before code cell {k + 1}: the editions' headings differ "
                            + "; ".join(f"{e}: {' '.join(v) or 'none'}" for e, v in levels.items()))

    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            compare()
            stretch = {e: [] for e in EDITIONS}
            k = i
            continue
        for e in EDITIONS:
            if e in _tags(cell):
                stretch[e] += [m.group(1) for m in re.finditer(r"^(#+)\s", cell.source, re.M)]
    compare()
    return problems


def update(folder: str | Path | None = None, *, write: bool = True) -> list[str]:
    """Build the editions from the sources (:func:`build`); kept for callers of the old name."""
    return build(out=folder, write=write)


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
        problems.append(f"the first heading should be '# {number} <title>', not {title!r}")
    if not nb.cells or nb.cells[0].cell_type != "markdown" or not nb.cells[0].source.startswith(f"# {number}"):
        problems.append("the first cell should be the markdown title")
    goals = _goals(nb)
    if not goals:
        problems.append("no '## 学习目标' (or '## Learning goals') list")
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
    problems += judgement_problems(nb)
    problems += stored_output_problems(nb)
    problems += hidden_code_problems(nb)
    if "widgets" in nb.metadata:
        problems.append("widget state is stored in the notebook metadata (run 'make strip')")
    navs = [c for c in nb.cells if "nav" in _tags(c)]
    if len(navs) != 2 or nb.cells[1] is not navs[0] or nb.cells[-1] is not navs[1]:
        problems.append("the navigation (tag 'nav') should be the second and the last cell (run 'python -m kalib.course')")
    return problems


def judgement_problems(nb: Any) -> list[str]:
    """A notebook needs at least one judgement exercise (:func:`kalib.exercises.judgement`), and each one's
    question must be readable without running anything: a markdown cell with a ``判断`` / ``Judgement``
    heading is the nearest heading above its cell."""
    from . import exercises

    problems, found = [], 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for ex_id in re.findall(r"""exercises\.show\(\s*["']([^"']+)["']""", cell.source):
            try:
                kind = exercises.get(ex_id).kind
            except KeyError:
                continue
            if kind != "judgement":
                continue
            found += 1
            asked = False
            for prev in reversed(nb.cells[:i]):  # back to the nearest heading, not past another exercise
                if prev.cell_type == "code" and "exercises.show(" in prev.source:
                    break
                heads = re.findall(r"^#+\s*(.*)$", prev.source, re.M) if prev.cell_type == "markdown" else []
                if heads:
                    asked = heads[-1].startswith(("判断", "Judgement"))
                    break
            if not asked:
                problems.append(f"cell {i + 1}: the judgement {ex_id!r} has no '### 判断：…' / '### Judgement: …' "
                                "markdown above it stating the case and the question")
    if not found:
        problems.append("no judgement exercise (kalib.exercises.judgement): every notebook asks for at least one")
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


def strip_notebook(path: str | Path, *, keep_checked: bool = True) -> bool:
    """Strip a notebook as nbstripout does (its ``keep_output`` tag honoured, widget state out), keeping the
    execution count of the checked cells, which nbval needs to compare them, and collapse the code a
    trainee does not edit (:func:`hide_code`).  True when the file changed."""
    import nbformat
    from nbstripout import strip_output

    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    counts = {i: c.get("execution_count") for i, c in enumerate(nb.cells) if is_checked(c) and keep_checked}
    if not keep_checked:  # a source: nothing is kept
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
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
    """``python -m kalib.course [--check | --strip | --outputs]``."""
    p = argparse.ArgumentParser(prog="python -m kalib.course",
                                description="Build the course's editions (notebooks/zh, notebooks/en) from its sources "
                                            "(course/): one language each, with their navigation and contents.")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 when an edition is stale, a source is out of step or a notebook "
                        "breaks the skeleton")
    p.add_argument("--strip", action="store_true",
                   help="strip the sources' outputs, and the editions' except the checked cells' "
                        "(# NBVAL_CHECK_OUTPUT); collapse the code a trainee does not edit")
    p.add_argument("--outputs", action="store_true",
                   help="run each edition's notebooks that have checked cells and store those cells' outputs")
    args = p.parse_args(argv)
    if args.strip or args.outputs:
        if args.strip:
            for path in _sources(source_dir()):
                if strip_notebook(path, keep_checked=False):
                    print(f"course/{path.name}: stripped")
        for lang in EDITIONS:
            for cn in find_notebooks(notebooks_dir(lang)):
                if args.outputs and (n := refresh_outputs(cn.path)):
                    print(f"{lang}/{cn.name}: stored the output of {n} checked cell(s)")
                elif args.strip and strip_notebook(cn.path):
                    print(f"{lang}/{cn.name}: stripped")
        return 0
    changed = build(write=not args.check)
    if args.check:
        bad = 0
        for name in changed:
            print(f"notebooks/{name}: stale (run python -m kalib.course)")
            bad += 1
        for path in _sources(source_dir()):
            for problem in source_problems(path):
                print(f"course/{path.name}: {problem}")
                bad += 1
        for lang in EDITIONS:
            for cn in find_notebooks(notebooks_dir(lang)):
                for problem in check_notebook(cn.path):
                    print(f"notebooks/{lang}/{cn.name}: {problem}")
                    bad += 1
        return 1 if bad else 0
    for name in changed:
        print(f"built notebooks/{name}")
    if not changed:
        print("the editions are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
