"""Worker processes for reports: one loop for a report's notebooks and for a batch's clients.

:class:`Workers` runs a function over a list of tasks in worker processes
(``fork`` on Linux: a worker starts in milliseconds with papermill already
imported), or one after the other in this process with ``jobs=1``, and hands
the results back as they finish.

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

__all__ = ["Workers", "WorkerDied", "at_stop", "temporary_folder", "pool_context", "stop_now", "stop_kernels_now"]

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


class Workers:
    """``fn(task)`` for every task, ``jobs`` at a time in worker processes (or here, one by one, with ``jobs=1``).

    With ``jobs > 1`` the workers start at once, so the caller can do other
    work meanwhile; :meth:`results` then yields ``(index, result)`` as each
    task ends. ``fn`` must return its errors as results (a task that raises,
    or whose worker dies, gives ``on_error(index, exception)`` instead).
    With ``jobs=1`` nothing runs before :meth:`results`.
    """

    def __init__(self, fn: Callable[[Any], Any], tasks: Sequence[Any], jobs: int):
        self.fn = fn
        self.tasks = list(tasks)
        self.jobs = max(1, min(int(jobs), len(self.tasks) or 1))
        self._pool = None
        self._procs: list = []
        self._futures: dict[Any, int] = {}
        if self.jobs > 1:
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

        finished = False
        try:
            for fut in as_completed(self._futures):
                i = self._futures[fut]
                try:
                    res = fut.result()
                except BrokenProcessPool as exc:
                    res = on_error(i, WorkerDied(f"the worker process stopped ({exc})"))
                except (CancelledError, Exception) as exc:
                    res = on_error(i, exc)
                yield i, res
            finished = True
        finally:
            if finished:  # the workers shut their kernels down as they exit
                self._pool.shutdown(wait=False)
                self._pool, self._procs = None, []
            else:  # an interrupt, or the caller stopped early
                self.stop()
