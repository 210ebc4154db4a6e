"""Memory given back: big tables' freed buffers returned to the system instead of kept by the allocators.

Loading a big client allocates and frees large buffers (the cells as read, then the parsed
columns).  By default both allocators in play keep freed memory for reuse: glibc's ``malloc``
(numpy's arrays) raises its ``mmap`` threshold after the first large frees, so later large
arrays come from a heap it seldom gives back, and pyarrow's ``mimalloc``/``jemalloc`` pool
caches freed pages.  The process's peak memory then holds what was freed as well as what is
in use (about 40% more on a million-opportunity client).

:func:`return_freed_memory` makes large ``malloc`` blocks ``mmap``'d (so freeing one unmaps it)
and gives pyarrow the system allocator.  The command line calls it once at start; a notebook
or script may call it before loading a big client.  It changes only the current process, and
does nothing where the platform has neither (e.g. macOS, Windows: their allocators already
return large blocks).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["return_freed_memory", "MMAP_THRESHOLD"]

#: Blocks of at least this many bytes come from ``mmap`` (glibc's default, made fixed).
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def return_freed_memory() -> bool:
    """Make freed large buffers go back to the system (glibc ``malloc``, pyarrow's pool); True when changed."""
    changed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            changed = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
        except (OSError, AttributeError):  # not glibc (musl has no mallopt)
            changed = False
    try:
        import pyarrow as pa

        if pa.default_memory_pool().backend_name != "system":
            pa.set_memory_pool(pa.system_memory_pool())
            changed = True
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    return changed
