"""Executing the report notebooks with papermill, several at once.

The notebooks of a report run in worker processes, one per core (``fork`` on
Linux), so one client's notebooks run side by side.  Each worker keeps one
kernel for the notebooks it runs and clears it between them (``%reset -f``):
starting a kernel and importing pandas, matplotlib and kalib is paid once per
worker, not once per notebook (``keep_kernel=False`` gives every notebook a
fresh kernel).  Cells tagged ``course-only`` are not run.

Parameters go through papermill's ``parameters=`` dict, which writes them into
the notebook as Python literals (``repr``): a client name with quotes, Chinese
characters or shell metacharacters reaches the notebook as the same string
and runs no code.

The kernels' own log lines that say nothing to a coach ("Kernel is running
over TCP without encryption", a kernel interrupted on shutdown) are filtered
out of the terminal; anything else they print still shows.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "NotebookRun",
    "notebooks_dir",
    "notebook_parameters",
    "execute_notebook",
    "execute_notebooks",
    "Execution",
    "KERNEL_NOISE",
    "SKIP_TAGS",
    "shutdown_kernel",
]

#: Lines a kernel prints that are noise to a report's reader.
KERNEL_NOISE = re.compile(
    r"Kernel is running over TCP without encryption|KeyboardInterrupt caught in kernel"
    r"|Passed unknown parameter|Black is not installed|Unable to parse line \d+ "
)


@dataclass
class NotebookRun:
    """How one notebook ran."""

    name: str  # e.g. "01.01-health-check"
    output: Path  # the executed notebook (kept for the coach to inspect, also when it failed)
    seconds: float
    error: str | None = None  # None when it ran to the end
    error_type: str | None = None  # e.g. "MissingData", "InputError", "Timeout"
    records: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def notebooks_dir(directory: str | os.PathLike | None = None) -> Path:
    """Where the report notebooks are.

    ``directory`` if given, else ``$KALIB_NOTEBOOKS``, else the ``notebooks``
    folder next to the installed ``kalib`` package (a clone), else
    ``./notebooks``.
    """
    if directory is not None:
        return Path(directory).expanduser().resolve()
    env = os.environ.get("KALIB_NOTEBOOKS")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(__file__).resolve().parents[2] / "notebooks"
    if here.is_dir():
        return here
    return (Path.cwd() / "notebooks").resolve()


def notebook_parameters(
    client: str | os.PathLike,
    *,
    lang: str = "zh",
    period: str | None = None,
    industry: str | None = None,
    as_of: str | None = None,
) -> dict[str, Any]:
    """The papermill parameters of a report: ``client`` as an absolute path (or ``"demo"``).

    Only parameters that are set are passed; the notebooks' own defaults
    (``None``) apply to the others.

    >>> notebook_parameters("demo", lang="en", period="2024")
    {'client': 'demo', 'lang': 'en', 'period': '2024'}
    """
    from ..i18n import check_lang

    text = os.fspath(client)
    if text != "demo":  # "demo" is the demo company, as for kalib.load_client
        text = str(Path(text).expanduser().resolve())
    params: dict[str, Any] = {"client": text, "lang": check_lang(lang)}
    for key, value in (("period", period), ("industry", industry), ("as_of", as_of)):
        if value is not None:
            params[key] = str(value)
    return params


@contextlib.contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Send file descriptor 2 (ours and the kernel's) to a file, then replay it without the noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. some IDEs): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True) if not KERNEL_NOISE.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


#: Cells with these tags are not run for a report (they are the course's: exercises, live widgets...).
SKIP_TAGS = frozenset({"course-only"})


def _declared_parameters(nb) -> set[str] | None:
    """Names in the notebook's ``parameters`` cell (None when it has none)."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            names = set(re.findall(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=", cell.source, re.M))
            return names
    return None



RESET_TAG = "kalib-reset"
_RESET_SOURCE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import sys as _sys\n"
    "if 'matplotlib.pyplot' in _sys.modules:\n"
    "    _sys.modules['matplotlib.pyplot'].close('all')\n"
    "del _sys"
)


class _Kernel:
    """The one kernel this process keeps for the notebooks it runs, one after another.

    Starting a kernel and importing pandas, matplotlib and kalib costs a few
    seconds of CPU per notebook; a kept kernel pays it once.  Before each
    notebook after the first, the kernel's variables are cleared
    (``%reset -f``) and open figures closed, so a notebook sees none of the
    previous one's names.  The kernel is restarted when it died or the
    working folder changes, and shut down with the process (or by
    :func:`shutdown_kernel`).
    """

    def __init__(self) -> None:
        self.km = None
        self.key: tuple | None = None
        self.log = None
        self.pos = 0
        self.used = 0

    def get(self, cwd: str | None, kernel_name: str):
        from jupyter_core.utils import run_sync

        key = (cwd, kernel_name)
        if self.km is not None and (self.key != key or not run_sync(self.km.is_alive)()):
            self.shutdown()
        if self.km is None:
            from jupyter_client.manager import AsyncKernelManager

            self.log = tempfile.TemporaryFile()
            self.pos = 0
            km = AsyncKernelManager(kernel_name=kernel_name)
            run_sync(km.start_kernel)(cwd=cwd, stderr=self.log)
            self.km, self.key, self.used = km, key, 0
        return self.km

    def forward_log(self) -> None:
        """Show what the kernel printed on its stderr since last time, without the noise."""
        if self.log is None:
            return
        with contextlib.suppress(Exception):
            self.log.seek(self.pos)
            text = self.log.read()
            self.pos = self.log.tell()
            kept = [ln for ln in text.decode("utf-8", "replace").splitlines(keepends=True) if not KERNEL_NOISE.search(ln)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()

    def shutdown(self) -> None:
        if self.km is not None:
            from jupyter_core.utils import run_sync

            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)  # also removes its connection file
            self.forward_log()
        if self.log is not None:
            with contextlib.suppress(Exception):
                self.log.close()
        self.km, self.key, self.log, self.used = None, None, None, 0


_KERNEL = _Kernel()


def shutdown_kernel() -> None:
    """Shut down the kernel this process kept for report notebooks, if any."""
    _KERNEL.shutdown()


def _register_engine() -> str:
    """A papermill engine that runs a notebook in a kernel it is given and leaves it running."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            import atexit
            import logging

            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, **kwargs,
            )
            try:
                return client.execute()
            finally:
                atexit.unregister(client._cleanup_kernel)  # nbclient would keep every notebook alive until exit
                if client.kc is not None:
                    with contextlib.suppress(Exception):
                        client.kc.stop_channels()

    if "kalib-kept-kernel" not in papermill_engines._engines:
        papermill_engines.register("kalib-kept-kernel", KeptKernelEngine)
    return "kalib-kept-kernel"


def _literal_path(path: Path) -> str:
    """``path`` for papermill, which reads output paths as format strings (``{x}`` would be a parameter)."""
    return str(path).replace("{", "{{").replace("}", "}}")


def execute_notebook(
    source: str | os.PathLike,
    output: str | os.PathLike,
    parameters: Mapping[str, Any],
    *,
    cwd: str | os.PathLike | None = None,
    timeout: float | None = 600,
    kernel_name: str = "python3",
    skip_tags: Iterable[str] = SKIP_TAGS,
    keep_kernel: bool = True,
) -> NotebookRun:
    """Run one notebook with papermill into ``output``; never raises for an error inside the notebook.

    Cells tagged with one of ``skip_tags`` (default ``course-only``: exercises,
    live widgets) are left out before the run: a report does not show them.
    Parameters the notebook does not declare are not passed (papermill would
    only warn).  ``timeout`` is per cell, in seconds.  With ``keep_kernel``,
    the notebook runs in this process's kept kernel (see :class:`_Kernel`),
    else in a kernel of its own.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ..record import read_records

    source, output = Path(source), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    name = source.stem
    error = error_type = None
    start = time.perf_counter()
    try:
        nb = nbformat.read(str(source), as_version=4)
        skip = frozenset(skip_tags)
        if skip:
            nb.cells = [c for c in nb.cells if not skip & set(c.get("metadata", {}).get("tags", []))]
        declared = _declared_parameters(nb)
        params = {k: v for k, v in parameters.items() if declared is None or k in declared}
        extra: dict[str, Any] = {}
        if keep_kernel:
            km = _KERNEL.get(str(cwd) if cwd else None, kernel_name)
            if _KERNEL.used:
                reset = nbformat.v4.new_code_cell(_RESET_SOURCE)
                reset.metadata["tags"] = [RESET_TAG]
                nb.cells.insert(0, reset)
            _KERNEL.used += 1
            extra = {"km": km, "engine_name": _register_engine()}
        with _filtered_stderr():
            pm.execute_notebook(
                nb, _literal_path(output), parameters=params, kernel_name=kernel_name, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False, cwd=str(cwd) if cwd else None,
                execution_timeout=timeout, **extra,
            )
    except PapermillExecutionError as exc:
        error_type = exc.ename
        evalue = str(exc.evalue).strip()
        error = f"{name}: cell {exc.exec_count}: {exc.ename}: {evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook...
        error_type = "Timeout" if "timeout" in type(exc).__name__.lower() else type(exc).__name__
        error = f"{name}: {type(exc).__name__}: {str(exc).strip() or 'no message'}"
        if keep_kernel:  # a kernel still busy with a cell that timed out is no use to the next notebook
            _KERNEL.shutdown()
    if keep_kernel:
        _KERNEL.forward_log()
    records: dict[str, Any] = {}
    if output.exists():
        with contextlib.suppress(Exception):
            done = nbformat.read(str(output), as_version=4)
            done.cells = [c for c in done.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]
            records = read_records(done)
            meta = done.metadata.setdefault("papermill", {})
            meta["input_path"] = str(source)  # papermill stores the whole notebook it was given
            meta["skipped_tags"] = sorted(skip_tags)
            nbformat.write(done, str(output))
    seconds = time.perf_counter() - start
    return NotebookRun(name, output, seconds, error, error_type, records)


def _run_one(args: tuple) -> NotebookRun:
    source, output, parameters, cwd, timeout, keep = args
    return execute_notebook(source, output, parameters, cwd=cwd, timeout=timeout, keep_kernel=keep)


def _worker_init() -> None:
    """In a pool worker: shut the kept kernel down when the worker exits (atexit does not run there)."""
    from multiprocessing import util

    util.Finalize(None, _KERNEL.shutdown, exitpriority=100)


def _pool_context():
    import multiprocessing as mp

    # fork starts a worker in milliseconds with papermill already imported; elsewhere use the default.
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context()


class Execution:
    """Notebooks running in worker processes; :meth:`wait` collects them.

    The workers start (``fork`` on Linux) as soon as the object is made, so the
    caller can do other work (load the client to check it) while they run.
    Each worker keeps one kernel for the notebooks it runs (``keep_kernels``).
    ``jobs=1`` runs nothing until :meth:`wait`, then one notebook after the
    other in this process; its kernel is shut down at the end unless
    ``keep_kernel_after`` (a batch worker keeps it for the next client).
    """

    def __init__(self, sources: Sequence[str | os.PathLike], out_dir: str | os.PathLike,
                 parameters: Mapping[str, Any], *, jobs: int | None = None, cwd: str | os.PathLike | None = None,
                 timeout: float | None = 600, keep_kernels: bool = True, keep_kernel_after: bool = False):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.tasks = [(Path(s), out_dir / Path(s).name, dict(parameters), cwd, timeout, keep_kernels)
                      for s in sources]
        n = len(self.tasks)
        if jobs is None:
            jobs = min(n, os.cpu_count() or 1) if keep_kernels else n
        self.jobs = max(1, min(int(jobs), n or 1))
        self.keep_kernel_after = keep_kernel_after
        self._pool = None
        self._futures: dict[Any, int] = {}
        if self.jobs > 1:
            import papermill  # noqa: F401  (imported once here, inherited by forked workers)
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_pool_context(),
                                             initializer=_worker_init)
            self._futures = {self._pool.submit(_run_one, t): i for i, t in enumerate(self.tasks)}

    def cancel(self) -> None:
        """Run no notebook that has not started; those running finish."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def wait(self, on_done: Callable[[NotebookRun], None] | None = None) -> list[NotebookRun]:
        """One :class:`NotebookRun` per notebook, in the order given; ``on_done`` is called as each ends."""
        results: dict[int, NotebookRun] = {}
        if self._pool is None and not self._futures:
            try:
                for i, task in enumerate(self.tasks):
                    results[i] = _run_one(task)
                    if on_done:
                        on_done(results[i])
            finally:
                if not self.keep_kernel_after:
                    _KERNEL.shutdown()
            return [results[i] for i in range(len(self.tasks))]
        from concurrent.futures import CancelledError, as_completed

        try:
            for fut in as_completed(self._futures):
                i = self._futures[fut]
                src, out = self.tasks[i][0], self.tasks[i][1]
                try:
                    results[i] = fut.result()
                except CancelledError:
                    results[i] = NotebookRun(src.stem, out, 0.0, f"{src.stem}: not run", "Cancelled")
                except Exception as exc:  # the worker process itself died
                    results[i] = NotebookRun(src.stem, out, 0.0, f"{src.stem}: {type(exc).__name__}: {exc}",
                                             type(exc).__name__)
                if on_done:
                    on_done(results[i])
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        return [results[i] for i in range(len(self.tasks))]


def execute_notebooks(
    sources: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    parameters: Mapping[str, Any],
    *,
    jobs: int | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: float | None = 600,
    on_done: Callable[[NotebookRun], None] | None = None,
    keep_kernels: bool = True,
) -> list[NotebookRun]:
    """Run every notebook of ``sources`` into ``out_dir``, up to ``jobs`` at once (default: one per core).

    Returns one :class:`NotebookRun` per notebook, in the order of
    ``sources``; a notebook that fails does not stop the others.  ``jobs=1``
    runs them one after another in this process.  ``keep_kernels=False``
    gives every notebook a kernel of its own (slower; ``jobs`` then defaults
    to all notebooks at once).
    """
    return Execution(sources, out_dir, parameters, jobs=jobs, cwd=cwd, timeout=timeout,
                     keep_kernels=keep_kernels).wait(on_done)
