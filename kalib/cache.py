"""Load once: a cache of loaded clients (parsed, checked, normalised tables), outside the client folder.

:func:`kalib.io.load_client` goes through :func:`cached_load`: the first load of a client
writes its tables as Parquet files; a later load of the same input reads them back instead of
reading, parsing and checking the files again (a report's notebooks, the CLI run after run).

An entry is found by a key made of

- the content (SHA-256) of every file the loader reads: the data files of the folder (or the
  workbook) and ``client.yml``, with their names;
- the load's options (``as_of``, ``period``, ``industry``, ``overrides``);
- kalib's version and the source of the modules that load a client (so a changed loader or
  ``method.yaml`` never serves old tables), and the versions of pandas, numpy and pyarrow.

A file's hash is remembered with its size, modification time and inode (``hashes.json``), as
git's index does, so an unchanged file is not read again; a file changed within two seconds of
being hashed is always hashed afresh.

Entries live in :func:`cache_dir` (``KALIB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kalib``, else
``~/.cache/kalib``), one folder per entry: a Parquet file per table (page checksums on), the
rest of the client (settings, warnings, sources) pickled, and a manifest with the files' sizes,
the pickle's hash and every column's dtype.  An entry that does not match its manifest in any
way is a miss: it is removed and the client loaded from its files, never served.  Writes go to
a temporary folder renamed into place, so a reader never sees half an entry.  One entry is kept
per client and options.  ``KALIB_NO_CACHE=1`` (or ``--no-cache``, ``load_client(cache=False)``)
turns the cache off; :func:`clear` empties it (``kalib cache clear``).

The cache is the user's own folder, like ``~/.cache`` for any program: the pickled part is
trusted as the user's own files are, and only there: a cache folder that another user owns or
may write to is not used (:func:`private_dir`).

>>> import tempfile, os
>>> d, before = tempfile.mkdtemp(), os.environ.get("KALIB_CACHE_DIR")
>>> os.environ["KALIB_CACHE_DIR"] = d
>>> cache_dir() == Path(d)
True
>>> clear()
(0, 0)
>>> if before is None: del os.environ["KALIB_CACHE_DIR"]
... else: os.environ["KALIB_CACHE_DIR"] = before
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .client import Client
from .files import write_atomic

__all__ = ["cache_dir", "enabled", "private_dir", "input_files", "cache_key", "read_entry", "write_entry", "cached_load", "clear",
           "entries", "last_status", "remembered", "FORMAT"]

#: Bumped when the layout of an entry changes.
FORMAT = 1
#: The suffixes of the files a client folder's load reads (data files and client.yml).
INPUT_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".yml", ".yaml"}
_RACY_SECONDS = 2.0
_PACKAGE = Path(__file__).resolve().parent
_last: dict[str, str] = {}  # what the last cached_load did, for tests and the benchmark: {"status": "hit"|...}


def cache_dir() -> Path:
    """Where entries are kept: ``KALIB_CACHE_DIR``, else ``$XDG_CACHE_HOME/kalib``, else ``~/.cache/kalib``."""
    env = os.environ.get("KALIB_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "kalib"


def enabled() -> bool:
    """False when ``KALIB_NO_CACHE`` is set to anything but ``0`` or empty."""
    return os.environ.get("KALIB_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def input_files(path: Path) -> list[Path] | None:
    """The files a load of ``path`` (a folder or a workbook) reads, sorted; None when one of them is not a
    regular file (the loader refuses or ignores it: such a client is never cached)."""
    if path.is_dir():
        found = []
        for p in path.iterdir():
            if p.suffix.lower() not in INPUT_SUFFIXES or p.name.startswith(("~$", ".")):
                continue
            if not p.is_file():
                return None
            found.append(p)
        return sorted(found)
    cands = [path, path.with_suffix(".yml"), path.parent / "client.yml"]
    return [p for p in dict.fromkeys(cands) if p.is_file()]


def _hash_file(p: Path, memo: dict[str, list], now: float) -> str:
    st = p.stat()
    sig = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
    known = memo.get(str(p))
    if known and known[:4] == sig and known[5] - st.st_mtime_ns / 1e9 > _RACY_SECONDS \
            and known[5] - st.st_ctime_ns / 1e9 > _RACY_SECONDS:
        return known[4]
    with open(p, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else \
            _sha256_chunks(fh)
    memo[str(p)] = [*sig, digest, now]
    return digest


def _sha256_chunks(fh) -> str:  # Python 3.10
    h = hashlib.sha256()
    while chunk := fh.read(1 << 22):
        h.update(chunk)
    return h.hexdigest()


def _code_version() -> str:
    """kalib's version and the source of the loading modules: every top-level module (``__init__.py``, which
    holds the version, among them) and method.yaml; and the versions of pandas, numpy and pyarrow."""
    import numpy
    import pyarrow

    h = hashlib.sha256(f"{FORMAT}|{pd.__version__}|{numpy.__version__}|{pyarrow.__version__}".encode())
    for p in sorted([*_PACKAGE.glob("*.py"), _PACKAGE / "method.yaml"]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _read_memo(root: Path) -> dict[str, list]:
    try:
        data = json.loads((root / "hashes.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def private_dir(root: Path) -> bool:
    """Whether ``root`` is safe to keep entries in: created for this user only (``0o700``) when it does
    not exist; an existing folder must belong to this user and be writable by nobody else.  Entries hold
    a pickled part, so a cache folder others can write to (a shared ``KALIB_CACHE_DIR``) is not used:
    the client is then loaded from its files, as with ``--no-cache``."""
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = root.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):  # Windows: the folder's ACL is the user profile's
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def cache_key(path: Path, options: Mapping[str, Any]) -> tuple[str, str] | None:
    """(the client's slot, the entry's key) for loading ``path`` with ``options``; None when it cannot be cached."""
    files = input_files(path)
    if not files:
        return None
    root = cache_dir()
    if not private_dir(root):
        return None
    memo = _read_memo(root)
    before = json.dumps(memo, sort_keys=True)
    now = time.time()
    h = hashlib.sha256(_code_version().encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + _hash_file(f, memo, now).encode() + b"\0")
    opts = json.dumps({k: (None if v is None else str(v) if not isinstance(v, Mapping) else v)
                       for k, v in sorted(options.items())}, sort_keys=True, default=str, ensure_ascii=False)
    slot = hashlib.sha256(f"{path.resolve()}|{opts}".encode()).hexdigest()[:20]
    if json.dumps(memo, sort_keys=True) != before:
        with contextlib.suppress(OSError):
            root.mkdir(parents=True, exist_ok=True)
            write_atomic(root / "hashes.json", json.dumps(memo).encode())
    return slot, f"{slot}-{h.hexdigest()[:32]}"


def _entry_dir(key: str) -> Path:
    return cache_dir() / "entries" / key


def _file_sha(p: Path) -> str:
    with open(p, "rb") as fh:
        return _sha256_chunks(fh)


def read_entry(key: str) -> Client | None:
    """The client stored under ``key``, or None (no entry, or one that does not match its manifest: removed)."""
    d = _entry_dir(key)
    if not (d / "manifest.json").is_file():
        return None
    try:
        import pyarrow.parquet as pq

        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if man.get("format") != FORMAT or man.get("key") != key:
            raise ValueError("another format or key")
        rest_path = d / "client.pkl"
        if rest_path.stat().st_size != man["rest"]["size"] or _file_sha(rest_path) != man["rest"]["sha256"]:
            raise ValueError("client.pkl does not match its manifest")
        rest = pickle.loads(rest_path.read_bytes())
        tables: dict[str, pd.DataFrame] = {}
        for name, info in man["tables"].items():
            f = d / f"{info['file']}"
            if f.stat().st_size != info["size"]:
                raise ValueError(f"{f.name} does not match its manifest")
            # the Arrow buffers are released column by column as pandas takes them: no second copy at the peak
            df = pq.read_table(f, page_checksum_verification=True).to_pandas(self_destruct=True, split_blocks=True)
            got = [[str(c), str(t)] for c, t in df.dtypes.items()]
            if got != info["dtypes"] or len(df) != info["rows"]:
                raise ValueError(f"{name}: columns or rows differ from the manifest")
            tables[name] = df
        return Client._from_normalised(tables, rest["meta"], rest["config"], rest["warnings"], rest["path"],
                                       rest["sources"], rest["derived"])
    except Exception:  # anything wrong with an entry: a miss, and the entry goes
        shutil.rmtree(d, ignore_errors=True)
        return None


def write_entry(key: str, slot: str, client: Client) -> bool:
    """Store ``client`` under ``key`` (replacing the slot's older entries); False when it could not be written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = cache_dir() / "entries"
    tmp = base / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir(parents=True)
        tables = {}
        for i, (name, df) in enumerate(client.tables.items()):
            fname = f"t{i}.parquet"
            pq.write_table(pa.Table.from_pandas(df, preserve_index=None), tmp / fname, write_page_checksum=True,
                           compression="zstd")
            tables[name] = {"file": fname, "size": (tmp / fname).stat().st_size, "rows": int(len(df)),
                            "dtypes": [[str(c), str(t)] for c, t in df.dtypes.items()]}
        rest = pickle.dumps({"meta": client.meta, "config": client.config, "warnings": client.warnings,
                             "path": client.path, "sources": client.sources, "derived": client.derived},
                            protocol=pickle.HIGHEST_PROTOCOL)
        (tmp / "client.pkl").write_bytes(rest)
        man = {"format": FORMAT, "key": key, "tables": tables, "created": time.time(),
               "rest": {"size": len(rest), "sha256": hashlib.sha256(rest).hexdigest()}}
        (tmp / "manifest.json").write_text(json.dumps(man, ensure_ascii=False), encoding="utf-8")
        for old in base.glob(f"{slot}-*"):
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, base / key)
        return True
    except Exception:  # a full disk, a read-only home, another process first: the cache is only a cache
        shutil.rmtree(tmp, ignore_errors=True)
        return False


def cached_load(path: Path, options: Mapping[str, Any], load: Callable[[], Client]) -> Client:
    """The client that ``load()`` would return for ``path`` and ``options``: from the cache when it holds it,
    else ``load()``'s, stored for next time.  Errors of ``load()`` (bad input) pass through, never cached."""
    keys = cache_key(path, options) if enabled() else None
    if keys is None:
        _last["status"] = "off"
        return load()
    slot, key = keys
    client = read_entry(key)
    if client is not None:
        _last["status"] = "hit"
        return client
    client = load()
    _last["status"] = "stored" if write_entry(key, slot, client) else "miss"
    return client


def remembered(path: Path, options: Mapping[str, Any], name: str, params: Mapping[str, Any], source: str | Path,
               compute: Callable[[], tuple[Client, Any]]) -> tuple[Client, Any]:
    """A command's result for a client (``compute()``: the loaded client and the result), kept beside the client's
    entry: a second run on unchanged files skips loading the tables at all.

    The result is found by the entry's own key (the same files, client.yml, options and kalib's loading code:
    anything that invalidates the tables invalidates it), ``name`` and ``params`` (the command's own options),
    the source of the command's module (``source``) and today's date (a client without dates is analysed as of
    today).  It is stored in the entry's folder, so removing the entry (a replaced, damaged or cleared one)
    removes it; its bytes are checked against the SHA-256 written with them.  On a hit the client returned has
    the entry's settings, warnings and sources but no tables (what a command prints around its result)."""
    keys = cache_key(path, options) if enabled() else None
    if keys is None:
        return compute()
    _, key = keys
    d = _entry_dir(key)
    spec = json.dumps({"name": name, "params": dict(params), "day": time.strftime("%Y-%m-%d"),
                       "source": hashlib.sha256(Path(source).read_bytes()).hexdigest()},
                      sort_keys=True, default=str, ensure_ascii=False)
    f = d / "results" / f"{name}-{hashlib.sha256(spec.encode()).hexdigest()[:32]}.pkl"
    got = _read_result(d, key, f)
    if got is not None:
        _last["status"] = "result"
        return got
    client, value = compute()  # loads through the cache: the entry under ``key`` is now there (unless unwritable)
    if (d / "manifest.json").is_file():
        with contextlib.suppress(Exception):  # the cache is only a cache
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            f.parent.mkdir(exist_ok=True)
            write_atomic(f, hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    return client, value


def _read_result(d: Path, key: str, f: Path) -> tuple[Client, Any] | None:
    """The result in ``f`` and the entry's client without tables, or None (a miss: a damaged result is removed)."""
    if not f.is_file() or not (d / "manifest.json").is_file():
        return None
    try:
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if man.get("format") != FORMAT or man.get("key") != key:
            return None
        rest_bytes = (d / "client.pkl").read_bytes()
        if len(rest_bytes) != man["rest"]["size"] or hashlib.sha256(rest_bytes).hexdigest() != man["rest"]["sha256"]:
            return None
        raw = f.read_bytes()
        digest, _, data = raw.partition(b"\n")
        if hashlib.sha256(data).hexdigest().encode() != digest:
            raise ValueError("the result does not match its checksum")
        value = pickle.loads(data)
        rest = pickle.loads(rest_bytes)
    except Exception:  # anything wrong: a miss, and the result goes (the tables are checked when read)
        with contextlib.suppress(OSError):
            f.unlink()
        return None
    client = Client._from_normalised({}, rest["meta"], rest["config"], rest["warnings"], rest["path"],
                                     rest["sources"], rest["derived"])
    return client, value


def last_status() -> str | None:
    """What the last :func:`cached_load` in this process did: ``hit``, ``stored``, ``miss`` or ``off`` (or
    ``result``: :func:`remembered` found the result without loading)."""
    return _last.get("status")


def entries() -> list[Path]:
    """The entries' folders."""
    base = cache_dir() / "entries"
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")) if base.is_dir() else []


def clear() -> tuple[int, int]:
    """Remove every entry and the remembered hashes; (entries removed, bytes freed)."""
    root = cache_dir()
    n = size = 0
    base = root / "entries"
    if base.is_dir():
        for p in base.iterdir():
            if p.is_dir():
                size += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
                n += 0 if p.name.startswith(".") else 1
                shutil.rmtree(p, ignore_errors=True)
    memo = root / "hashes.json"
    if memo.is_file():
        size += memo.stat().st_size
        memo.unlink()
    return n, size
