"""One client's report, from its files to ``reports/<client>/<as-of date>/``.

:func:`render_report` runs the report notebooks (:data:`~kalib.report.sections.SECTIONS`)
with papermill on the client, all at once, while it loads the client itself
to check the input and to name the outputs; then it assembles the HTML page
(:mod:`kalib.report.html`), prints it to PDF when asked (:mod:`kalib.report.pdf`),
and moves everything into place only when all of it is written.

What a run leaves in ``OUT/<as-of date>/`` (``<base>`` is
``<client>-<period>-<lang>``, e.g. ``demo-2024-zh``):

* ``<base>.html`` — the report (moved last: when it is there, the rest is too);
* ``<base>.pdf`` — with ``pdf=True``;
* ``<base>.notebooks/`` — the executed notebooks, for the coach to inspect;
* ``<base>.records.json`` — the parameters and every number the notebooks recorded.

When a notebook fails, nothing replaces a finished report: the executed
notebooks (the failing one shows the error) go to ``<base>.failed/`` and
:class:`ReportFailed` says which notebook, which cell and what error.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import check_lang, tr
from ..jsonout import dumps
from .runner import Execution, NotebookRun, notebook_parameters, notebooks_dir
from .workers import temporary_folder
from .sections import RECOMMENDATIONS, SECTIONS, Section

__all__ = ["ReportResult", "ReportFailed", "render_report", "slug", "output_name", "client_language",
           "section_availability"]


class ReportFailed(RuntimeError):
    """The report could not be made.  ``errors`` lists why; ``kept`` is where the executed notebooks are.

    ``kind`` is ``"KernelDied"`` when every failure was a kernel that stopped
    (the machine, not the client: running again helps), else ``"NotebookFailed"``.
    """

    def __init__(self, message: str, errors: Sequence[str] = (), kept: Path | None = None,
                 kind: str = "NotebookFailed"):
        self.errors = list(errors)
        self.kept = kept
        self.kind = kind
        super().__init__(message)


#: What to do when a kernel stopped before running anything (twice).
KERNEL_ADVICE = ("This is the computer, not the client's data: it was short of memory or very busy. "
                 "Close other programs (or use --jobs 1) and run the report again; --debug shows the kernel's log.")


def _failure_line(run: NotebookRun, section: Section | None, lang: str) -> str:
    """One failed notebook, named by its section: ``section “Health check” (00.01-health-check: ...)``."""
    if section is None:
        return run.error or run.name
    title = tr(lang, section.zh, section.en)
    text = run.error or run.name
    if run.error_type == "KernelDied":
        return f"section “{title}” ({text}). {KERNEL_ADVICE}"
    return f"section “{title}” ({text})"


@dataclass
class ReportResult:
    """What :func:`render_report` wrote."""

    client: str
    name: str
    lang: str
    period: str
    as_of: str
    html: Path
    out_dir: Path
    notebooks: list[Path]
    records: dict[str, Any]
    pdf: Path | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    runs: list[NotebookRun] = field(default_factory=list)
    #: Sections shown as "not available" (``section``, ``title_zh``, ``title_en``, ``reason``): their data are missing.
    missing: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"missing_sections": list(self.missing),
            "client": self.client, "name": self.name, "lang": self.lang, "period": self.period, "as_of": self.as_of,
            "html": str(self.html), "pdf": str(self.pdf) if self.pdf else None, "out_dir": str(self.out_dir),
            "notebooks": [str(p) for p in self.notebooks], "seconds": round(self.seconds, 2),
            "warnings": list(self.warnings), "records": self.records,
        }


def slug(text: str, default: str = "client") -> str:
    """A file-name-safe form of ``text`` (letters of any script, digits, ``-_.``).

    >>> slug("华东 精工/2024"), slug('a"b\\'; rm -rf / #客户'), slug("..")
    ('华东-精工-2024', 'a-b-rm-rf-客户', 'client')
    """
    s = re.sub(r"[^\w.\-]+", "-", str(text), flags=re.UNICODE)
    s = re.sub(r"-{2,}", "-", s).strip("-.")
    return s[:80] or default


def _client_source(client: str | os.PathLike) -> str:
    text = os.fspath(client)
    if text == "demo":
        return "demo"
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"client not found: {path} (give a folder, an .xlsx workbook, or 'demo')")
    return str(path.resolve())


def output_name(client: str | os.PathLike) -> str:
    """The name of a client's report folder: its folder's name, or its workbook's name without ``.xlsx``.

    >>> output_name("clients/华东 精工"), output_name("/x/acme.xlsx"), output_name("demo")
    ('华东-精工', 'acme', 'demo')
    """
    path = Path(os.fspath(client))
    return slug(path.stem if path.suffix.lower() in (".xlsx", ".xlsm") else path.name)


def client_language(client: str | os.PathLike) -> str:
    """The report language ``client.yml`` asks for (``"zh"`` when it says nothing), read without loading the data."""
    try:
        from ..io import find_demo, read_client_yml

        text = os.fspath(client)
        path = find_demo() if text == "demo" else Path(text)
        if path.is_dir():
            cands = [path / "client.yml", path / "client.yaml"]
        else:
            cands = [path.with_suffix(".yml"), path.parent / "client.yml"]
        yml = next((p for p in cands if p.exists()), None)
        lang = str(read_client_yml(yml, []).get("language") or "zh")
        return lang if lang in ("zh", "en") else "zh"
    except Exception:
        return "zh"


def _found_sections(directory: Path, sections: Sequence[Section]) -> tuple[list[tuple[Section, Path]], list[Section]]:
    paths = [(s, directory / f"{s.notebook}.ipynb") for s in sections]
    return [(s, p) for s, p in paths if p.exists()], [s for s, p in paths if not p.exists()]


def _move_into_place(src: Path, dst: Path) -> None:
    """Replace ``dst`` by ``src`` (same file system); a directory is swapped, never merged."""
    if src.is_dir():
        if dst.exists():
            trash = dst.with_name(f".{dst.name}.old-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(dst, trash)
            os.replace(src, dst)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(src, dst)
    else:
        os.replace(src, dst)


def _format_period(period) -> str:
    return f"{period.label} ({period.start.date().isoformat()} – {period.end.date().isoformat()})"


def _industry_label(industry: str, lang: str) -> str:
    return {"manufacturing": tr(lang, "制造业", "Manufacturing"), "services": tr(lang, "服务业", "Services")}.get(
        industry, industry)


def render_report(
    client: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    lang: str | None = None,
    period: str | None = None,
    industry: str | None = None,
    as_of: str | None = None,
    pdf: bool = False,
    jobs: int | None = None,
    notebooks: str | os.PathLike | None = None,
    sections: Sequence[Section] = SECTIONS,
    timeout: float | None = 600,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
    keep_kernels: bool = True,
    keep_kernel_after: bool = False,
    debug: bool = False,
) -> ReportResult:
    """Run the report notebooks on a client and write its HTML report (and PDF).

    Parameters
    ----------
    client
        A client folder, an ``.xlsx`` workbook, or ``"demo"``.
    out
        The client's report folder (default ``reports/<client>``); the run
        writes into ``out/<as-of date>/``.
    lang
        ``"zh"`` or ``"en"`` (default: ``client.yml``'s language, else zh).
    period, industry, as_of
        Passed to the notebooks (None: the client's own settings).
    pdf
        Also print the page to PDF with a local Chromium.  Without one, the
        HTML is still written and ``warnings`` says how to get one.
    jobs
        Notebooks run at once (default: one per core; 1 = one after another in
        this process).
    notebooks
        The folder of the report notebooks (default: see :func:`~kalib.report.runner.notebooks_dir`).
    sections
        The report's parts, in order (default :data:`~kalib.report.sections.SECTIONS`);
        a part whose notebook is missing is left out with a warning.
    timeout
        Seconds a notebook cell may run.
    name
        The name used in output paths (default: the client folder's name).
    progress
        Called with a short line of text as the run goes on.
    keep_kernels
        Run the notebooks of a worker in one kept kernel, cleared between
        notebooks (the imports are paid once); False gives each notebook a
        fresh kernel.
    keep_kernel_after
        With ``jobs=1``, leave this process's kernel running for the next
        report (a batch worker does).
    debug
        Keep the log of a kernel that died in the error.

    Raises
    ------
    kalib.InputError, FileNotFoundError, ValueError
        The client's input cannot be used (nothing is written).
    ReportFailed
        A notebook stopped with an error (the executed notebooks are kept in
        ``<base>.failed/``; a finished report already there is left as it was).
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    source = _client_source(client)
    lang = check_lang(lang or client_language(source))
    directory = notebooks_dir(notebooks, lang)
    found, missing = _found_sections(directory, sections)
    notes: list[str] = []
    for s in missing:
        msg = f"notebook {s.notebook}.ipynb not found in {directory}: the section '{s.en}' is left out"
        warnings.warn(msg, stacklevel=2)
        notes.append(tr(lang, f"未包含“{s.zh}”部分（缺少 notebook {s.notebook}）。",
                        f"The section “{s.en}” is not included (notebook {s.notebook} is missing)."))
    if not found:
        raise FileNotFoundError(
            f"no report notebook found in {directory} (expected {sections[0].notebook}.ipynb ...); "
            "give the course's notebooks folder with --notebooks DIR or KALIB_NOTEBOOKS")

    stem = slug(name) if name else output_name(source)
    root = Path(out) if out is not None else Path("reports") / stem
    root = root.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    with temporary_folder(root, ".partial-") as work:  # removed also when Ctrl-C stops a batch worker
        return _render(source=source, root=root, work=work, stem=stem, lang=lang, period=period,
                       industry=industry, as_of=as_of, pdf=pdf, jobs=jobs, directory=directory, found=found,
                       notes=notes, timeout=timeout, say=say, keep_kernels=keep_kernels,
                       keep_kernel_after=keep_kernel_after, debug=debug, started=started)


def _render(*, source: str, root: Path, work: Path, stem: str, lang: str, period, industry, as_of, pdf: bool,
            jobs, directory: Path, found, notes: list[str], timeout, say, keep_kernels: bool, keep_kernel_after: bool,
            debug: bool, started: float) -> ReportResult:
    """The body of :func:`render_report`, writing into the temporary folder ``work``."""
    params = notebook_parameters(source, lang=lang, period=period, industry=industry, as_of=as_of)
    nb_tmp = work / "notebooks"
    nb_tmp.mkdir(parents=True, exist_ok=True)
    # Load the client first: it checks the input, names the outputs, says which sections its data allow, and
    # fills the cache of loaded clients (kalib.cache), from which every notebook then reads it.
    from ..io import load_client

    c = load_client(source, period=period, industry=industry, as_of=as_of)
    the_period = c.period(period)
    parts = _Sections([s for s, _ in found], lang)
    unavailable = section_availability(c, [s for s, _ in found], period)
    for s in unavailable:
        parts.unavailable(s.notebook, unavailable[s])
        say(f"not available: {s.notebook} ({unavailable[s].text('en')})")
    to_run = [(s, p) for s, p in found if s not in unavailable]
    say(f"running {len(to_run)} notebook(s) on {stem} ({lang})")

    def done(run: NotebookRun) -> None:
        missing = _missing_data(run)
        say(f"{'ok' if run.ok else 'not available' if missing else 'FAILED'} {run.name} ({run.seconds:.1f} s)")
        if missing:
            parts.unavailable(run.name, missing)
        else:
            parts.add(run)  # its HTML is made while the other notebooks still run

    runs: list[NotebookRun] = []
    if to_run:
        execution = Execution([p for _, p in to_run], nb_tmp, params, jobs=jobs, cwd=directory, timeout=timeout,
                              keep_kernels=keep_kernels, keep_kernel_after=keep_kernel_after, debug=debug)
        runs = execution.wait(done)
    as_of_text = c.as_of.date().isoformat()
    base = f"{stem}-{slug(the_period.label, 'period')}-{lang}"
    day = root / as_of_text
    day.mkdir(parents=True, exist_ok=True)
    failed = [r for r in runs if not r.ok and not _missing_data(r)]
    if failed:
        kept = day / f"{base}.failed"
        (nb_tmp / "error.txt").write_text("\n".join(r.error or "" for r in failed) + "\n", encoding="utf-8")
        _move_into_place(nb_tmp, kept)
        errors = [r.error or r.name for r in failed]
        by_notebook = {s.notebook: s for s, _ in found}
        lines = [_failure_line(r, by_notebook.get(r.name), lang) for r in failed]
        kind = "KernelDied" if all(r.error_type == "KernelDied" for r in failed) else "NotebookFailed"
        raise ReportFailed(
            f"{len(failed)} of {len(runs)} report notebooks failed for {stem}:\n"
            + "\n".join(f"  - {e}" for e in lines)
            + f"\nthe executed notebooks (with the error) are in {kept}", lines, kept, kind)

    say("assembling the HTML report")
    records: dict[str, Any] = {}
    by_notebook: dict[str, dict[str, Any]] = {}
    for r in runs:
        by_notebook[r.name] = r.records
        records.update(r.records)
    html_text = _page(c, parts, lang=lang, period=the_period, notes=notes)
    tmp_html = work / f"{base}.html"
    tmp_html.write_text(html_text, encoding="utf-8")
    result_warnings = list(notes)
    tmp_pdf = None
    if pdf:
        from .pdf import NoChromium, html_to_pdf

        say("printing the PDF")
        try:
            tmp_pdf = html_to_pdf(tmp_html, work / f"{base}.pdf")
        except NoChromium as exc:
            result_warnings.append(str(exc))
    missing = parts.missing_list()
    (work / f"{base}.records.json").write_text(dumps({
        "client": stem, "name": c.meta.name, "lang": lang, "period": the_period.to_dict(), "as_of": as_of_text,
        "parameters": params, "records": records, "by_notebook": by_notebook, "missing_sections": missing,
    }), encoding="utf-8")

    # Everything is written: move it into place, the HTML last.
    final_nb = day / f"{base}.notebooks"
    _move_into_place(nb_tmp, final_nb)
    _move_into_place(work / f"{base}.records.json", day / f"{base}.records.json")
    final_pdf = day / f"{base}.pdf"
    if tmp_pdf is not None:
        _move_into_place(tmp_pdf, final_pdf)
    else:  # a PDF of an earlier run would not match the new report
        final_pdf.unlink(missing_ok=True)
        final_pdf = None
    final_html = day / f"{base}.html"
    _move_into_place(tmp_html, final_html)
    shutil.rmtree(day / f"{base}.failed", ignore_errors=True)
    return ReportResult(
        client=stem, name=c.meta.name, lang=lang, period=the_period.label, as_of=as_of_text, html=final_html,
        out_dir=day, notebooks=[final_nb / r.output.name for r in runs], records=records, pdf=final_pdf,
        seconds=time.perf_counter() - started, warnings=result_warnings, runs=runs, missing=missing,
    )


def section_availability(client, sections: Sequence[Section], period=None) -> dict[Section, Any]:
    """The sections whose analysis the client's data do not allow, each with its
    :class:`~kalib.capabilities.Capability` (what it needs, what to add)."""
    from ..capabilities import capability

    out: dict[Section, Any] = {}
    for s in sections:
        if s.needs:
            cap = capability(client, s.needs, period)
            if not cap.ok:
                out[s] = cap
    return out


def _missing_data(run: NotebookRun) -> str | None:
    """The message of a MissingData that stopped a notebook (the section is then "not available"), else None."""
    if run.ok or run.error_type != "MissingData":
        return None
    text = run.error or ""
    return text.split("MissingData: ", 1)[1].strip() if "MissingData: " in text else text


class _Sections:
    """The report's sections, rendered one by one as their notebooks finish (while others still run)."""

    def __init__(self, sections: Sequence[Section], lang: str):
        from .html import ReportPreprocessor

        self.sections = {s.notebook: s for s in sections}
        self.order = [s.notebook for s in sections]
        self.lang = lang
        self.prep = ReportPreprocessor(lang=lang)
        self.bodies: dict[str, Any] = {}
        self.recs: dict[str, Any] = {}
        self.missing: dict[str, str] = {}

    def unavailable(self, notebook: str, reason) -> None:
        """Show ``notebook``'s section as not available: ``reason`` is a capability or the text of a
        MissingData raised while the notebook ran."""
        from .html import unavailable_section

        if notebook not in self.sections:
            return
        text = reason.reason(self.lang) if hasattr(reason, "reason") else str(reason)
        self.missing[notebook] = text
        self.bodies[notebook] = unavailable_section(self.sections[notebook], text, self.lang)

    def missing_list(self) -> list[dict[str, Any]]:
        """The sections shown as not available, in report order."""
        return [{"section": n, "title_zh": self.sections[n].zh, "title_en": self.sections[n].en,
                 "reason": self.missing[n]} for n in self.order if n in self.missing]

    def add(self, run: NotebookRun) -> None:
        import nbformat

        from .html import number_headings, render_notebook, split_recommendations

        if not run.ok or run.name not in self.sections:
            return
        nb = self.prep(nbformat.read(str(run.output), as_version=4))
        nb, rec = split_recommendations(nb)
        if rec.cells:
            self.recs[run.name] = rec
        self.bodies[run.name] = number_headings(self.sections[run.name], render_notebook(nb))

    def rendered(self) -> list:
        """The sections in report order, the recommendations last, each chart and table once."""
        from .html import drop_repeats, link_sections, number_headings, render_notebook

        out = [self.bodies[n] for n in self.order if n in self.bodies]
        recs = [self.recs[n] for n in self.order if n in self.recs]
        if recs:
            merged = recs[0]
            merged.cells = [c for r in recs for c in r.cells]
            body = link_sections(render_notebook(merged), list(self.sections.values()), self.lang)
            out.append(number_headings(RECOMMENDATIONS, body))
        return drop_repeats(out, self.lang)


def _page(c, sections: _Sections, *, lang: str, period, notes) -> str:
    from .. import __version__
    from .html import assemble

    facts = [
        (tr(lang, "分析期间", "Period"), _format_period(period)),
        (tr(lang, "数据截至", "Data as of"), c.as_of.date().isoformat()),
        (tr(lang, "行业", "Industry"), _industry_label(c.meta.industry, lang)),
        (tr(lang, "报告日期", "Report date"), _dt.date.today().isoformat()),
    ]
    data_notes = [w.text(lang) if hasattr(w, "text") else str(w) for w in c.warnings[:30]]
    if len(c.warnings) > 30:
        data_notes.append(tr(lang, f"……另有 {len(c.warnings) - 30} 条（kalib check 可列出全部）",
                             f"... and {len(c.warnings) - 30} more (kalib check lists them all)"))
    return assemble(
        sections.rendered(), lang=lang, client_name=c.meta.name, facts=facts, notes=notes, data_notes=data_notes,
        generated=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"), version=__version__, period=_format_period(period),
    )
