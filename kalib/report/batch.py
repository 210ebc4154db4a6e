"""Reports for many clients at once: one worker process per core (or a Dask cluster), a progress bar, a summary.

A batch is either a folder of clients (each sub-folder and each ``.xlsx``
workbook in it is a client) or a small YAML file listing clients and their
parameters::

    # clients.yml
    defaults: {lang: zh, period: "2024"}     # optional, for every client
    clients:
      - acme                                 # a path (relative to this file)
      - client: east/华东精工                  # or a mapping with parameters
        name: huadong                        # output folder name (default: the folder's name)
        lang: en
        industry: services
        period: 2024-Q4
        as_of: 2024-12-31
        pdf: true

:func:`run_batch` renders every client with :func:`~kalib.report.render.render_report`
into ``OUT/<name>/<as-of date>/``, continues past a client that fails, and
writes ``OUT/batch-summary.json`` (what succeeded, what failed and why) and the
portfolio page ``OUT/portfolio.html`` (:mod:`kalib.report.portfolio`).

With ``scheduler=`` the clients go to a Dask cluster instead of local worker
processes: every worker needs kalib installed, and reads the client folders
and writes the reports at the same paths as here (shared storage).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "clients.yml").write_text("defaults: {lang: en}\\nclients:\\n  - acme\\n  - {client: b, name: bee}\\n")
>>> [(i.name, pathlib.Path(i.client).name, i.lang) for i in read_batch(d / "clients.yml")]
[('acme', 'acme', 'en'), ('bee', 'b', 'en')]
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..files import write_atomic
from ..jsonout import dumps
from .render import output_name, slug
from .runner import shutdown_kernel
from .workers import Workers

__all__ = ["BatchItem", "BatchOutcome", "BatchResult", "read_batch", "run_batch", "SUMMARY_NAME"]

SUMMARY_NAME = "batch-summary.json"
_ITEM_KEYS = ("client", "name", "lang", "period", "industry", "as_of", "pdf")
_DATA_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class BatchItem:
    """One client of a batch and its parameters (None: the client's own settings)."""

    name: str  # output folder name under OUT
    client: str  # a folder, a workbook, or "demo"
    lang: str | None = None
    period: str | None = None
    industry: str | None = None
    as_of: str | None = None
    pdf: bool = False


@dataclass
class BatchOutcome:
    """How one client of a batch went."""

    name: str
    client: str
    ok: bool
    seconds: float
    html: str | None = None
    pdf: str | None = None
    error: str | None = None
    error_type: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Sections shown as "not available" (the client's data lack what they need): their English titles.
    missing_sections: list[str] = field(default_factory=list)
    health: dict[str, Any] | None = None  # the ten indicators, summarised for the portfolio page
    health_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 2)
        del d["health"], d["health_error"]  # in portfolio.json
        return d


@dataclass
class BatchResult:
    """Every client's outcome, and where the summary was written."""

    outcomes: list[BatchOutcome]
    seconds: float
    jobs: int
    summary: Path | None = None
    portfolio: Path | None = None
    scheduler: str | None = None

    @property
    def ok(self) -> list[BatchOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[BatchOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "finished": _dt.datetime.now().isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 2), "jobs": self.jobs, "scheduler": self.scheduler,
            "clients": len(self.outcomes), "succeeded": len(self.ok), "failed": len(self.failed),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }

    def table(self) -> str:
        """A plain-text table: one line per client (the first line of the error for a failure)."""
        rows = [("client", "status", "seconds", "report / error")]
        for o in self.outcomes:
            what = o.html if o.ok else (o.error or "").strip().splitlines()[0] if o.error else ""
            if o.ok and o.missing_sections:
                what = f"{what}  ({len(o.missing_sections)} section(s) not available: " \
                       f"{', '.join(o.missing_sections)})"
            if o.ok and o.warnings:
                what = f"{what}  ({len(o.warnings)} warning(s))"
            rows.append((o.name, "ok" if o.ok else "FAILED", f"{o.seconds:.1f}", what))
        w0 = max(len(r[0]) for r in rows)
        lines = [f"{r[0]:<{w0}}  {r[1]:<6}  {r[2]:>7}  {r[3]}" for r in rows]
        where = f" on the Dask cluster {self.scheduler}" if self.scheduler else ""
        lines.append(f"{len(self.ok)} succeeded, {len(self.failed)} failed, in {self.seconds:.1f} s "
                     f"with {self.jobs} job(s){where}")
        return "\n".join(lines)


def _item(entry: Any, base: Path, defaults: Mapping[str, Any], where: str) -> BatchItem:
    if isinstance(entry, (str, os.PathLike)):
        entry = {"client": entry}
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: a client is a path or a mapping with 'client:', not {entry!r}")
    unknown = sorted(set(map(str, entry)) - set(_ITEM_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(_ITEM_KEYS)}")
    values = {**{k: v for k, v in defaults.items() if k in _ITEM_KEYS and k not in ("client", "name")}, **entry}
    if not values.get("client"):
        raise ValueError(f"{where}: 'client:' (a folder, a workbook or demo) is missing")
    client = str(values["client"])
    if client != "demo":
        p = Path(client).expanduser()
        client = str(p if p.is_absolute() else (base / p).resolve())
    name = slug(str(values["name"])) if values.get("name") else output_name(client)
    text = {k: (None if values.get(k) is None else str(values[k])) for k in ("lang", "period", "industry", "as_of")}
    if text["lang"] not in (None, "zh", "en"):
        raise ValueError(f"{where}: lang must be zh or en, not {text['lang']!r}")
    return BatchItem(name=name, client=client, pdf=bool(values.get("pdf", False)), **text)


def read_batch(path: str | os.PathLike, **defaults: Any) -> list[BatchItem]:
    """The clients of a batch: a folder of clients, or a YAML file listing them.

    ``defaults`` (``lang``, ``period``, ``industry``, ``as_of``, ``pdf``) apply
    to every client; a YAML file's own ``defaults:`` and each client's
    parameters take precedence over them.
    """
    path = Path(path).expanduser()
    defaults = {k: v for k, v in defaults.items() if v is not None}
    if path.is_dir():
        entries = sorted(
            p for p in path.iterdir()
            if not p.name.startswith((".", "_", "~$"))
            and (p.is_dir() or (p.is_file() and p.suffix.lower() in _DATA_SUFFIXES))
        )
        if not entries:
            raise ValueError(f"{path}: no client in this folder (a client is a sub-folder or an .xlsx workbook)")
        items = [_item({"client": str(p.resolve())}, path, defaults, f"{path} › {p.name}") for p in entries]
    elif path.is_file() and path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{path.name} is not valid YAML: {exc}") from None
        if isinstance(data, list):
            data = {"clients": data}
        unknown = sorted(set(map(str, data)) - {"clients", "defaults"}) if isinstance(data, Mapping) else []
        if unknown:
            raise ValueError(f"{path.name}: unknown key(s) {', '.join(unknown)} (known: clients, defaults)")
        if not isinstance(data, Mapping) or not isinstance(data.get("clients"), (list, Mapping)):
            raise ValueError(f"{path.name}: expected 'clients:' with a list of clients")
        file_defaults = data.get("defaults") or {}
        if not isinstance(file_defaults, Mapping):
            raise ValueError(f"{path.name}: 'defaults:' must be a mapping")
        merged = {**defaults, **file_defaults}
        clients = data["clients"]
        if isinstance(clients, Mapping):  # name: {client: ..., ...} or name: path
            clients = [{"name": k, **(v if isinstance(v, Mapping) else {"client": v})} for k, v in clients.items()]
        items = [_item(e, path.parent, merged, f"{path.name} › clients[{i}]") for i, e in enumerate(clients)]
        if not items:
            raise ValueError(f"{path.name}: the list of clients is empty")
    elif not path.exists():
        raise FileNotFoundError(f"batch not found: {path} (give a folder of clients or a clients.yml)")
    else:
        raise ValueError(f"{path}: a batch is a folder of clients or a .yml file listing them")
    seen: dict[str, int] = {}
    out = []
    for it in items:  # two clients with the same folder name get name, name-2, ...
        n = seen.get(it.name, 0) + 1
        seen[it.name] = n
        out.append(it if n == 1 else replace(it, name=f"{it.name}-{n}"))
    return out


#: A Dask worker may run several tasks at once in threads; the kept kernel is one per process, so one report at a time.
_ONE_REPORT_AT_A_TIME = threading.Lock()


def _render_one(args: tuple) -> BatchOutcome:
    item, out, notebooks, timeout, keep_kernels, debug, *rest = args
    if rest and rest[0]:  # on a Dask worker
        with _ONE_REPORT_AT_A_TIME:
            return _render_and_check(item, out, notebooks, timeout, keep_kernels, debug)
    return _render_and_check(item, out, notebooks, timeout, keep_kernels, debug)


def _render_and_check(item: BatchItem, out: str, notebooks, timeout, keep_kernels: bool, debug: bool) -> BatchOutcome:
    outcome = _render(item, out, notebooks, timeout, keep_kernels, debug)
    if outcome.ok:  # the ten indicators for the portfolio page, from the data (not from the report)
        from .portfolio import client_health

        try:
            outcome.health = client_health(item.client, period=item.period, industry=item.industry,
                                           as_of=item.as_of)
        except Exception as exc:
            outcome.health_error = f"{type(exc).__name__}: {exc}"
    return outcome


def _render(item: BatchItem, out: str, notebooks, timeout, keep_kernels: bool, debug: bool) -> BatchOutcome:
    from ..client import InputError
    from .render import ReportFailed, render_report

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = render_report(
                item.client, Path(out) / item.name, lang=item.lang, period=item.period, industry=item.industry,
                as_of=item.as_of, pdf=item.pdf, jobs=1, notebooks=notebooks, timeout=timeout, name=item.name,
                keep_kernels=keep_kernels, keep_kernel_after=True, debug=debug,
            )
        except InputError as exc:
            return BatchOutcome(item.name, item.client, False, time.perf_counter() - start, error=str(exc),
                                error_type="InputError")
        except ReportFailed as exc:
            return BatchOutcome(item.name, item.client, False, time.perf_counter() - start,
                                error="; ".join(exc.errors) or str(exc), error_type=exc.kind)
        except Exception as exc:
            return BatchOutcome(item.name, item.client, False, time.perf_counter() - start,
                                error=f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__)
    notes = list(res.warnings) + [str(w.message) for w in caught if not _noise(w)]
    return BatchOutcome(item.name, item.client, True, time.perf_counter() - start, html=str(res.html),
                        pdf=str(res.pdf) if res.pdf else None, warnings=list(dict.fromkeys(notes)),
                        missing_sections=[m["title_en"] for m in res.missing])


def _partial_folders(out: Path, items: Sequence[BatchItem]) -> set[Path]:
    return {p for it in items for p in (out / it.name).glob(".partial-*")}


def _remove_partial(out: Path, items: Sequence[BatchItem], keep: set[Path]) -> None:
    """Remove the temporary folders of this run's reports (not those that were there before it)."""
    import shutil

    for p in _partial_folders(out, items) - keep:
        shutil.rmtree(p, ignore_errors=True)


def _noise(w: warnings.WarningMessage) -> bool:
    text = str(w.message)
    return issubclass(w.category, DeprecationWarning) or "TCP without encryption" in text


def run_batch(
    items: Sequence[BatchItem],
    out: str | os.PathLike = "reports",
    *,
    jobs: int | None = None,
    notebooks: str | os.PathLike | None = None,
    timeout: float | None = 600,
    progress: bool = True,
    summary: bool = True,
    keep_kernels: bool = True,
    debug: bool = False,
    scheduler: str | None = None,
    portfolio: bool | None = None,
    lang: str | None = None,
) -> BatchResult:
    """Render every client of ``items`` into ``out/<name>/``, ``jobs`` clients at a time.

    Parameters
    ----------
    items
        From :func:`read_batch`.
    out
        The folder of all reports; the summary goes to ``out/batch-summary.json``.
    jobs
        Clients rendered at once (default: the number of cores); each client's
        notebooks run one after another in its worker.
    notebooks, timeout
        As for :func:`~kalib.report.render.render_report`.
    progress
        Show a progress bar on stderr.
    summary
        Write ``batch-summary.json``.
    keep_kernels
        Each worker keeps one kernel for all its clients' notebooks (cleared
        between notebooks); False starts a kernel per notebook.
    debug
        Keep the log of a kernel that died in the client's error.
    scheduler
        Run on a Dask cluster: ``tcp://HOST:PORT`` (or a scheduler file
        ``*.json``) of a running scheduler, or ``"local"`` for a
        ``LocalCluster`` of ``jobs`` (default 2) worker processes here. Needs
        ``pip install kalib[dask]``; the workers need kalib, and the client
        folders and ``out`` at the same paths (shared storage).
    portfolio
        Write ``portfolio.html`` (and store ``portfolio.json``) in ``out``
        (default: with ``summary``), in ``lang`` (default zh).

    A client that fails (bad input, a notebook error) is recorded with the
    reason and the others go on; no half-written report is left behind.
    """
    out = Path(out).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    dask = None
    if scheduler:
        from .workers import dask_client

        dask = dask_client(scheduler, workers=jobs or 2)
        jobs = dask.workers
    jobs = max(1, min(int(jobs or os.cpu_count() or 1), len(items) or 1))
    notebooks = str(Path(notebooks).expanduser().resolve()) if notebooks else None
    tasks = [(it, str(out), notebooks, timeout, keep_kernels, debug, dask is not None) for it in items]
    outcomes: dict[int, BatchOutcome] = {}
    from tqdm.auto import tqdm

    def died(i: int, exc: BaseException) -> BatchOutcome:
        it = tasks[i][0]
        return BatchOutcome(it.name, it.client, False, 0.0, error=f"{type(exc).__name__}: {exc}",
                            error_type=type(exc).__name__)

    if jobs > 1 and dask is None:
        import papermill  # noqa: F401  (imported once, inherited by forked workers)
    from .runner import kill_kernels

    failed = 0
    finished = False
    bar = workers = None
    before_run = _partial_folders(out, items) if dask is not None else set()
    try:
        workers = Workers(_render_one, tasks, jobs, dask=dask, at_end=kill_kernels, on_interrupt=kill_kernels)
        bar = tqdm(total=len(tasks), unit="client", desc="reports", file=sys.stderr, disable=not progress)
        for i, outcome in workers.results(died):
            outcomes[i] = outcome
            failed += not outcome.ok
            bar.set_postfix_str(f"failed={failed}" if failed else outcome.name)
            bar.update(1)
        finished = True
    finally:
        if bar is not None:
            bar.close()
        if dask is not None:
            dask.close()
            if not finished:  # a worker stopped mid-report cannot remove its temporary folder: do it here
                _remove_partial(out, items, before_run)
        elif workers is not None and workers.jobs == 1:
            if finished:
                shutdown_kernel()
            else:
                kill_kernels()
    result = BatchResult([outcomes[i] for i in range(len(tasks))], time.perf_counter() - start, jobs,
                         scheduler=dask.address if dask is not None else None)
    if summary:
        result.summary = out / SUMMARY_NAME
        write_atomic(result.summary, dumps(result.to_dict()))
    if summary if portfolio is None else portfolio:
        from .portfolio import entries_from_outcomes, portfolio_data, write_portfolio

        result.portfolio = write_portfolio(portfolio_data(entries_from_outcomes(result.outcomes), out=out), out,
                                           lang=lang or "zh")
    return result
