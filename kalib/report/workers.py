"""Worker processes for reports: one loop for a report's notebooks and for a batch's clients.

:class:`Workers` runs a function over a list of tasks in worker processes
(``fork`` on Linux: a worker starts in milliseconds with papermill already
imported), or one after the other in this process with ``jobs=1``, or on a
Dask cluster (:func:`dask_client`: a scheduler's address, or ``"local"`` for a
``LocalCluster`` of worker processes on this machine), and hands the results
back as they finish.

Interrupts. A worker stops on SIGINT (Ctrl-C reaches the whole process group)
or SIGTERM (sent by :meth:`Workers.stop`) without a word: it runs the clean-ups
registered with :func:`at_stop` (the report runner's: kill its kernels), removes
the folders made with :func:`temporary_folder`, and exits. The process that
started the workers stops them, waits for them and only then lets the
interrupt go on, so its own clean-up (removing a report's temporary folder)
runs after the last worker wrote there.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Workers", "WorkerDied", "at_stop", "temporary_folder", "pool_context", "stop_now", "stop_kernels_now",
           "dask_client", "DaskClient", "DASK_MISSING"]

#: Said when ``--scheduler`` is given and Dask's ``distributed`` is not installed.
DASK_MISSING = ("--scheduler needs Dask's distributed package, which is not installed: "
                "pip install 'kalib[dask]' (or pip install distributed), here and on every worker")

_CLEANUPS: list[Callable[[bool], None]] = []
_TEMPORARY: set[Path] = set()


class WorkerDied(RuntimeError):
    """A worker process ended without returning its task's result (killed, out of memory...)."""


def at_stop(fn: Callable[[bool], None]) -> Callable[[bool], None]:
    """Run ``fn(now)`` when a worker ends: ``now=True`` when a signal stops it (must not block), else False."""
    _CLEANUPS.append(fn)
    return fn


@contextlib.contextmanager
def temporary_folder(parent: str | os.PathLike, prefix: str = ".partial-") -> Iterator[Path]:
    """A new folder in ``parent``, removed at the end of the block, and also when a signal stops the worker."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    _TEMPORARY.add(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        _TEMPORARY.discard(path)


def stop_kernels_now() -> None:
    """Run the registered clean-ups at once (the report runner's: kill this process's kernels); never raises."""
    for fn in list(_CLEANUPS):
        with contextlib.suppress(BaseException):
            fn(True)


def stop_now() -> None:
    """Run the registered clean-ups and remove the temporary folders of this process (never raises)."""
    stop_kernels_now()
    for path in list(_TEMPORARY):
        shutil.rmtree(path, ignore_errors=True)
        _TEMPORARY.discard(path)


def _on_signal(signum: int, frame: Any) -> None:
    stop_now()
    os._exit(128 + signum)  # no traceback, no flushing of half-written output


def _worker_init() -> None:
    """In a new worker: stop quietly on SIGINT/SIGTERM; run the clean-ups when the worker exits normally."""
    from multiprocessing import util

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    util.Finalize(None, _exit_cleanly, exitpriority=100)


def _exit_cleanly() -> None:
    for fn in list(_CLEANUPS):
        with contextlib.suppress(Exception):
            fn(False)


def pool_context():
    """``fork`` on Linux (fast, inherits what is imported); elsewhere the platform's default."""
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context()


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while workers are forked: a new worker handles them only once it can stop quietly."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ignore SIGINT while a LocalCluster starts its worker processes: they inherit "ignored" (a Ctrl-C at the
    terminal reaches the whole process group), so they never print a KeyboardInterrupt; this process stops them
    itself. A Ctrl-C in these few seconds is lost (the run can be interrupted once the cluster is up)."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: interrupts are the caller's
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class DaskClient:
    """A ``distributed.Client`` and, for ``"local"``, the ``LocalCluster`` it started (closed together)."""

    def __init__(self, client: Any, cluster: Any = None, address: str = ""):
        self.client = client
        self.cluster = cluster
        self.address = address

    @property
    def workers(self) -> int:
        """Threads across the cluster's workers (at least 1): how many tasks run at once."""
        try:
            info = self.client.scheduler_info()
            return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))
        except Exception:
            return 1

    def run_everywhere(self, fn: Callable[[], Any], timeout: float = 20) -> None:
        """``fn()`` on every worker, in its event loop (e.g. kill the kernels it started); waits at most
        ``timeout`` seconds (a worker that does not answer is not waited for) and never raises."""
        import threading

        def call() -> None:
            with contextlib.suppress(BaseException):
                self.client.run(fn, wait=True)

        t = threading.Thread(target=call, name="kalib-dask-run", daemon=True)
        t.start()
        t.join(timeout)

    def close(self) -> None:
        with contextlib.suppress(BaseException):
            self.client.close(timeout=10)
        if self.cluster is not None:
            with contextlib.suppress(BaseException):
                self.cluster.close(timeout=20)
        self.client = self.cluster = None


def dask_client(scheduler: str, workers: int = 2, timeout: float = 10) -> DaskClient:
    """Connect to a Dask scheduler (``tcp://host:port``, or a scheduler file ``*.json``), or with ``"local"``
    start a ``LocalCluster`` of ``workers`` processes with one thread each.

    Raises ValueError (a user's mistake: exit 2) when ``distributed`` is not
    installed or the scheduler cannot be reached.
    """
    try:
        import distributed
    except ImportError:
        raise ValueError(DASK_MISSING) from None
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # its log lines would break the progress bar
    if scheduler == "local":
        with _ctrl_c_ignored():
            cluster = distributed.LocalCluster(n_workers=max(1, int(workers)), threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.CRITICAL)
        try:
            return DaskClient(distributed.Client(cluster, set_as_default=False), cluster, cluster.scheduler_address)
        except BaseException:
            with contextlib.suppress(BaseException):
                cluster.close(timeout=20)
            raise
    kwargs: dict[str, Any] = {"timeout": timeout, "set_as_default": False}
    if scheduler.endswith(".json"):
        kwargs["scheduler_file"] = scheduler
    else:
        kwargs["address"] = scheduler
    try:
        client = distributed.Client(**kwargs)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(f"cannot reach the Dask scheduler {scheduler} within {timeout:.0f} s "
                         f"({type(exc).__name__}: {exc}); give tcp://HOST:PORT of a running `dask scheduler`, "
                         "or 'local'") from None
    return DaskClient(client, None, scheduler)


class Workers:
    """``fn(task)`` for every task, ``jobs`` at a time in worker processes (or here, one by one, with ``jobs=1``).

    With ``jobs > 1`` the workers start at once, so the caller can do other
    work meanwhile; :meth:`results` then yields ``(index, result)`` as each
    task ends. ``fn`` must return its errors as results (a task that raises,
    or whose worker dies, gives ``on_error(index, exception)`` instead).
    With ``jobs=1`` nothing runs before :meth:`results`.

    With ``dask`` (from :func:`dask_client`) the tasks go to the cluster's
    workers through ``Client.get_executor()`` (``jobs`` is then the cluster's
    thread count); ``fn`` and the tasks must be importable and picklable
    there. At the end, or on an interrupt, ``at_end`` runs on every worker
    (the report runner's: shut its kept kernel down, or kill the kernels).
    """

    def __init__(self, fn: Callable[[Any], Any], tasks: Sequence[Any], jobs: int, *, dask: DaskClient | None = None,
                 at_end: Callable[[], Any] | None = None, on_interrupt: Callable[[], Any] | None = None):
        self.fn = fn
        self.tasks = list(tasks)
        self.jobs = max(1, min(int(jobs), len(self.tasks) or 1))
        self._pool = None
        self._procs: list = []
        self._futures: dict[Any, int] = {}
        self._dask = dask
        self._at_end, self._on_interrupt = at_end, on_interrupt
        if dask is not None:
            self.jobs = dask.workers
            self._pool = dask.client.get_executor(pure=False)
            try:
                self._futures = {self._pool.submit(fn, t): i for i, t in enumerate(self.tasks)}
            except BaseException:
                self.stop()
                raise
        elif self.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            before = set(mp.active_children())
            try:
                with _signals_blocked():
                    self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=pool_context(),
                                                     initializer=_worker_init)
                    self._futures = {self._pool.submit(fn, t): i for i, t in enumerate(self.tasks)}
                    self._procs = [p for p in mp.active_children() if p not in before]
            except BaseException:  # an interrupt held while forking arrives here
                self.stop()
                raise

    def stop(self) -> None:
        """Stop the workers now (their tasks are lost) and wait until they have cleaned up."""
        if self._dask is not None:
            with contextlib.suppress(BaseException):
                self._pool.shutdown(wait=False)  # cancels what has not finished
            if self._on_interrupt is not None:
                self._dask.run_everywhere(self._on_interrupt)
            self._pool = None
            return
        for p in self._procs:
            with contextlib.suppress(Exception):
                if p.is_alive():
                    p.terminate()
        for p in self._procs:
            with contextlib.suppress(Exception):
                p.join(15)
                if p.is_alive():
                    p.kill()
                    p.join(5)
        if self._pool is not None:
            with contextlib.suppress(Exception):
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._procs = []

    def results(self, on_error: Callable[[int, BaseException], Any]) -> Iterator[tuple[int, Any]]:
        """``(index, result)`` for each task, as they end; any interrupt stops the workers first."""
        if self._pool is None and not self._futures:
            for i, task in enumerate(self.tasks):
                try:
                    yield i, self.fn(task)
                except Exception as exc:
                    yield i, on_error(i, exc)
            return
        from concurrent.futures import CancelledError, as_completed
        from concurrent.futures.process import BrokenProcessPool

        killed: tuple[type, ...] = ()
        if self._dask is not None:
            from distributed import KilledWorker

            killed = (KilledWorker,)

        finished = False
        try:
            for fut in as_completed(self._futures):
                i = self._futures[fut]
                try:
                    res = fut.result()
                except BrokenProcessPool as exc:
                    res = on_error(i, WorkerDied(f"the worker process stopped ({exc})"))
                except killed as exc:
                    res = on_error(i, WorkerDied(f"the Dask worker running it stopped, more than once ({exc})"))
                except (CancelledError, Exception) as exc:
                    res = on_error(i, exc)
                yield i, res
            finished = True
        finally:
            if finished and self._dask is not None:  # the workers stay: shut their kept kernels down
                if self._at_end is not None:
                    self._dask.run_everywhere(self._at_end)
                self._pool = None
            elif finished:  # the workers shut their kernels down as they exit
                self._pool.shutdown(wait=False)
                self._pool, self._procs = None, []
            else:  # an interrupt, or the caller stopped early
                self.stop()
