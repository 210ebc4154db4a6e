"""Files written whole or not at all.

:func:`write_atomic` writes to a hidden temporary file beside the target and renames it into
place, so a reader (another command, a browser, a worker on shared storage) sees the old file or
the new one, never half of one; a write that fails leaves the old file as it was.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "summary.json"
>>> write_atomic(p, '{"ok": true}'); p.read_text(encoding="utf-8")
'{"ok": true}'
>>> sorted(x.name for x in p.parent.iterdir())
['summary.json']
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(target: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``target`` through a temporary file renamed into place."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
