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

Kernels talk to this process over ``ipc`` (files in a private folder) where the
platform has it, so kernels started at the same moment never collide on a
port; a kernel that dies before running anything is replaced once by a fresh
one (:func:`start_kernel`).

The kernels' own log lines that say nothing to a coach ("Kernel is running
over TCP without encryption", a kernel interrupted on shutdown) are filtered
out of the terminal; anything else they print still shows.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .workers import Workers, at_stop

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
    "start_kernel",
    "kill_kernels",
    "StartedKernel",
    "KernelStartError",
]

#: Lines a kernel prints that are noise to a report's reader.
KERNEL_NOISE = re.compile(
    r"Kernel is running over TCP without encryption|KeyboardInterrupt caught in kernel"
    r"|Passed unknown parameter|Black is not installed|Unable to parse line \d+ "
)


@dataclass
class NotebookRun:
    """How one notebook ran."""

    name: str  # e.g. "00.01-health-check"
    output: Path  # the executed notebook (kept for the coach to inspect, also when it failed)
    seconds: float
    error: str | None = None  # None when it ran to the end
    error_type: str | None = None  # e.g. "MissingData", "InputError", "Timeout"
    records: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def notebooks_dir(directory: str | os.PathLike | None = None, lang: str | None = None) -> Path:
    """Where the report notebooks are.

    ``directory`` if given, else ``$KALIB_NOTEBOOKS``, else the ``notebooks``
    folder next to the installed ``kalib`` package (a clone), else
    ``./notebooks``.  With ``lang``, the course's edition in that language
    (``notebooks/zh``, ``notebooks/en``) when the folder has one, so a
    report is in one language.
    """
    if directory is not None:
        root = Path(directory).expanduser().resolve()
    elif os.environ.get("KALIB_NOTEBOOKS"):
        root = Path(os.environ["KALIB_NOTEBOOKS"]).expanduser().resolve()
    else:
        here = Path(__file__).resolve().parents[2] / "notebooks"
        root = here if here.is_dir() else (Path.cwd() / "notebooks").resolve()
    if lang and (root / lang).is_dir():
        return root / lang
    return root


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
    interrupted = False
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        except KeyboardInterrupt:  # what a stopped run printed is noise: Ctrl-C says one line
            interrupted = True
            raise
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True) if not KERNEL_NOISE.search(line)]
            if kept and not interrupted:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


#: Cells with these tags are not run for a report (they are the course's: exercises, live widgets...).
SKIP_TAGS = frozenset({"course-only"})


def _declared_parameters(source: Path) -> set[str] | None:
    """Names in the notebook's ``parameters`` cell, as papermill reads them (None when it declares none)."""
    import papermill as pm

    names = set(pm.inspect_notebook(_literal_path(source)))
    return names or None


RESET_TAG = "kalib-reset"
_RESET_SOURCE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import sys as _sys\n"
    "if 'matplotlib.pyplot' in _sys.modules:\n"
    "    _sys.modules['matplotlib.pyplot'].close('all')\n"
    "del _sys"
)

#: Seconds a kernel may take to start and answer (a busy two-core machine needs more than the usual 60).
STARTUP_TIMEOUT = 120


class KernelStartError(RuntimeError):
    """A kernel stopped (or never answered) before it could run anything, twice; ``log`` is what it printed."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


def _transport(folder: Path) -> str:
    """``ipc`` (files in a private folder: no port to collide on) where the platform has it, else ``tcp``."""
    # A Unix socket's path is limited to about 100 bytes (104 on macOS).
    return "ipc" if os.name == "posix" and len(os.fsencode(folder)) < 80 else "tcp"


class StartedKernel:
    """A kernel this process started: its manager, its private folder (connection file, sockets) and its log."""

    def __init__(self, cwd: str | None, kernel_name: str):
        from jupyter_client.manager import AsyncKernelManager

        self.folder = Path(tempfile.mkdtemp(prefix="kalib-kernel-"))
        self.log = tempfile.TemporaryFile()
        self.pos = 0
        self.pgid: int | None = None
        transport = _transport(self.folder)
        settings: dict[str, Any] = {"kernel_name": kernel_name, "transport": transport,
                                    "connection_file": str(self.folder / "kernel.json")}
        if transport == "ipc":
            settings["ip"] = str(self.folder / "ipc")
        self.km = AsyncKernelManager(**settings)
        self.cwd = cwd
        _LIVE.add(self)

    async def _start(self, timeout: float) -> None:
        await self.km.start_kernel(cwd=self.cwd, stderr=self.log)
        with contextlib.suppress(Exception):
            info = await self.km.provisioner.get_provisioner_info()
            self.pgid = info.get("pgid") or info.get("pid")
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)  # raises if the kernel died (e.g. a port was taken)
        finally:
            kc.stop_channels()

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        from jupyter_core.utils import run_sync

        run_sync(self._start)(timeout)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def log_text(self) -> str:
        with contextlib.suppress(Exception):
            self.log.seek(0)
            return self.log.read().decode("utf-8", "replace")
        return ""

    def forward_log(self) -> None:
        """Show what the kernel printed on its stderr since last time, without the noise."""
        with contextlib.suppress(Exception):
            self.log.seek(self.pos)
            text = self.log.read()
            self.pos = self.log.tell()
            kept = [ln for ln in text.decode("utf-8", "replace").splitlines(keepends=True)
                    if not KERNEL_NOISE.search(ln)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()

    def shutdown(self, *, forward: bool = True) -> None:
        """Shut the kernel down and remove its files."""
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)  # also removes its connection file
        if forward:
            self.forward_log()
        self._forget()

    def kill(self) -> None:
        """End the kernel at once, without waiting or asyncio (safe in a signal handler), and remove its files."""
        group = self.pgid or getattr(self.km.provisioner, "pgid", None)  # the kernel leads a session of its own
        pid = getattr(self.km.provisioner, "pid", None)
        with contextlib.suppress(Exception):
            if group and hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)
            elif pid:
                os.kill(pid, signal.SIGKILL)
        self._forget()

    def _forget(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(Exception):
            self.log.close()
        _LIVE.discard(self)


_LIVE: set[StartedKernel] = set()


def start_kernel(cwd: str | None, kernel_name: str = "python3", *, timeout: float = STARTUP_TIMEOUT,
                 tries: int = 2) -> StartedKernel:
    """Start a kernel and wait until it answers; one that dies first is replaced once by a fresh one.

    Over ``ipc`` there is no port to collide on; over ``tcp`` (Windows) the
    fresh kernel gets fresh ports. Raises :class:`KernelStartError`.
    """
    log = ""
    for _ in range(max(1, tries)):
        k = StartedKernel(cwd, kernel_name)
        try:
            k.start(timeout)
            return k
        except Exception as exc:
            log = k.log_text() + f"\n{type(exc).__name__}: {exc}"
            k.kill()
    raise KernelStartError("the kernel (the Python process that runs the notebook) stopped before running anything, "
                           "twice", log)


def kill_kernels(now: bool = True) -> None:
    """End every kernel this process started: at once (``now``, e.g. on Ctrl-C), else by a shutdown request."""
    for k in list(_LIVE):
        if now:
            k.kill()
        else:
            k.shutdown(forward=False)


at_stop(kill_kernels)


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
        self.kernel: StartedKernel | None = None
        self.key: tuple | None = None
        self.used = 0

    @property
    def km(self):
        return self.kernel.km if self.kernel is not None else None

    def get(self, cwd: str | None, kernel_name: str) -> StartedKernel:
        key = (cwd, kernel_name)
        if self.kernel is not None and (self.key != key or not self.kernel.alive()):
            self.shutdown()
        if self.kernel is None:
            self.kernel = start_kernel(cwd, kernel_name)
            self.key, self.used = key, 0
        return self.kernel

    def forward_log(self) -> None:
        if self.kernel is not None:
            self.kernel.forward_log()

    def shutdown(self, *, forward: bool = True) -> None:
        if self.kernel is not None:
            self.kernel.shutdown(forward=forward)
        self.kernel, self.key, self.used = None, None, 0


_KERNEL = _Kernel()


def shutdown_kernel() -> None:
    """Shut down the kernel this process kept for report notebooks, if any."""
    _KERNEL.shutdown()


def _register_engine() -> str:
    """A papermill engine that runs a notebook in the kernel it is given and leaves that kernel running."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class GivenKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            import logging

            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, **kwargs,
            )
            try:
                return client.execute()
            finally:  # the kernel is the caller's (nbclient leaves it running); its client is ours to close
                if client.kc is not None:
                    with contextlib.suppress(Exception):
                        client.kc.stop_channels()

    papermill_engines.register(ENGINE, GivenKernelEngine)
    return ENGINE


ENGINE = "kalib-given-kernel"


def _literal_path(path: Path) -> str:
    """``path`` for papermill, which reads output paths as format strings (``{x}`` would be a parameter)."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _ran_nothing(output: Path) -> bool:
    """Whether no cell of the executed notebook at ``output`` started (a kernel that died at once)."""
    import nbformat

    try:
        nb = nbformat.read(str(output), as_version=4)
    except Exception:
        return True
    return not any(c.cell_type == "code" and (c.get("execution_count") or c.get("outputs")) for c in nb.cells)


def _kernel_died(exc: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, (DeadKernelError, KernelStartError)) or "kernel died" in str(exc).lower()


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
    debug: bool = False,
) -> NotebookRun:
    """Run one notebook with papermill into ``output``; never raises for an error inside the notebook.

    Cells tagged with one of ``skip_tags`` (default ``course-only``: exercises,
    live widgets) are left out before the run: a report does not show them.
    Parameters the notebook does not declare (:func:`papermill.inspect_notebook`)
    are not passed (papermill would only warn).  ``timeout`` is per cell, in
    seconds.  With ``keep_kernel``, the notebook runs in this process's kept
    kernel (see :class:`_Kernel`), else in a kernel of its own.

    A kernel that dies before running anything (on a busy machine) is replaced
    once by a fresh one; if that one dies too, the run fails with
    ``error_type="KernelDied"`` and a message saying what to do (the kernel's
    own log only with ``debug``).
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
    skip = frozenset(skip_tags)
    cwd_text = str(cwd) if cwd else None
    for attempt in (1, 2):
        error = error_type = None
        own: StartedKernel | None = None
        try:
            nb = nbformat.read(str(source), as_version=4)
            if skip:
                nb.cells = [c for c in nb.cells if not skip & set(c.get("metadata", {}).get("tags", []))]
            declared = _declared_parameters(source)
            params = {k: v for k, v in parameters.items() if declared is None or k in declared}
            if keep_kernel:
                kernel = _KERNEL.get(cwd_text, kernel_name)
                if _KERNEL.used:
                    reset = nbformat.v4.new_code_cell(_RESET_SOURCE)
                    reset.metadata["tags"] = [RESET_TAG]
                    nb.cells.insert(0, reset)
                _KERNEL.used += 1
            else:
                kernel = own = start_kernel(cwd_text, kernel_name)
            with _filtered_stderr():
                pm.execute_notebook(
                    nb, _literal_path(output), parameters=params, kernel_name=kernel_name, progress_bar=False,
                    log_output=False, request_save_on_cell_execute=False, cwd=cwd_text,
                    execution_timeout=timeout, engine_name=_register_engine(), km=kernel.km,
                )
        except PapermillExecutionError as exc:
            error_type = exc.ename
            evalue = str(exc.evalue).strip()
            error = f"{name}: cell {exc.exec_count}: {exc.ename}: {evalue}"
        except KernelStartError as exc:
            error_type = "KernelDied"
            error = f"{name}: {exc}" + (f"\n{exc.log.strip()}" if debug and exc.log.strip() else "")
            break  # start_kernel has already tried a fresh kernel
        except Exception as exc:  # kernel died, timeout, unreadable notebook...
            error_type = "Timeout" if "timeout" in type(exc).__name__.lower() else type(exc).__name__
            error = f"{name}: {type(exc).__name__}: {str(exc).strip() or 'no message'}"
            died = _kernel_died(exc)
            if died:
                error_type = "KernelDied"
            if keep_kernel:  # a kernel still busy with a cell that timed out is no use to the next notebook
                _KERNEL.shutdown(forward=debug or not died)  # a dead kernel's log is a traceback
            if died and attempt == 1 and _ran_nothing(output):
                continue  # it died before running anything: once more, in a fresh kernel
            if died:
                error = (f"{name}: the kernel (the Python process that runs the notebook) stopped"
                         + (" before running anything, twice" if _ran_nothing(output) else " while running it"))
        finally:
            if own is not None:
                own.shutdown(forward=debug or error_type != "KernelDied")
        break
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
    source, output, parameters, cwd, timeout, keep, debug = args
    return execute_notebook(source, output, parameters, cwd=cwd, timeout=timeout, keep_kernel=keep, debug=debug)


class Execution:
    """Notebooks running in worker processes (:class:`~kalib.report.workers.Workers`); :meth:`wait` collects them.

    The workers start (``fork`` on Linux) as soon as the object is made, so the
    caller can do other work (load the client to check it) while they run.
    Each worker keeps one kernel for the notebooks it runs (``keep_kernels``).
    ``jobs=1`` runs nothing until :meth:`wait`, then one notebook after the
    other in this process; its kernel is shut down at the end unless
    ``keep_kernel_after`` (a batch worker keeps it for the next client).
    """

    def __init__(self, sources: Sequence[str | os.PathLike], out_dir: str | os.PathLike,
                 parameters: Mapping[str, Any], *, jobs: int | None = None, cwd: str | os.PathLike | None = None,
                 timeout: float | None = 600, keep_kernels: bool = True, keep_kernel_after: bool = False,
                 debug: bool = False):
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.tasks = [(Path(s), out_dir / Path(s).name, dict(parameters), cwd, timeout, keep_kernels, debug)
                      for s in sources]
        n = len(self.tasks)
        if jobs is None:
            jobs = min(n, os.cpu_count() or 1) if keep_kernels else n
        self.keep_kernel_after = keep_kernel_after
        if jobs > 1:
            import papermill  # noqa: F401  (imported once here, inherited by forked workers)
        self.workers = Workers(_run_one, self.tasks, jobs)
        self.jobs = self.workers.jobs

    def cancel(self) -> None:
        """Stop: no notebook runs any more (those running are stopped, their kernels ended)."""
        self.workers.stop()

    def wait(self, on_done: Callable[[NotebookRun], None] | None = None) -> list[NotebookRun]:
        """One :class:`NotebookRun` per notebook, in the order given; ``on_done`` is called as each ends."""
        def failed(i: int, exc: BaseException) -> NotebookRun:
            src, out = self.tasks[i][0], self.tasks[i][1]
            if type(exc).__name__ == "CancelledError":
                return NotebookRun(src.stem, out, 0.0, f"{src.stem}: not run", "Cancelled")
            return NotebookRun(src.stem, out, 0.0, f"{src.stem}: {type(exc).__name__}: {exc}", type(exc).__name__)

        results: dict[int, NotebookRun] = {}
        interrupted = True
        try:
            for i, run in self.workers.results(failed):
                results[i] = run
                if on_done:
                    on_done(run)
            interrupted = False
        finally:
            if self.workers.jobs == 1:
                if interrupted:
                    kill_kernels()
                elif not self.keep_kernel_after:
                    _KERNEL.shutdown()
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
    debug: bool = False,
) -> list[NotebookRun]:
    """Run every notebook of ``sources`` into ``out_dir``, up to ``jobs`` at once (default: one per core).

    Returns one :class:`NotebookRun` per notebook, in the order of
    ``sources``; a notebook that fails does not stop the others.  ``jobs=1``
    runs them one after another in this process.  ``keep_kernels=False``
    gives every notebook a kernel of its own (slower; ``jobs`` then defaults
    to all notebooks at once).
    """
    return Execution(sources, out_dir, parameters, jobs=jobs, cwd=cwd, timeout=timeout,
                     keep_kernels=keep_kernels, debug=debug).wait(on_done)
