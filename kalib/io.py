"""A client's data in: files to a validated :class:`~kalib.client.Client`.

A client is a folder of CSV/XLSX files, or one ``.xlsx`` workbook with a
sheet per table, plus an optional ``client.yml``.  The loader

1. reads every file as text (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030;
   XLSX through openpyxl), never modifying or locking it and never
   evaluating anything in it (formulas are read as their cached values);
2. recognises each file or sheet as a table by its name, and each header as a
   canonical column (English, Chinese, Salesforce, HubSpot names, or the
   ``columns:`` mapping of ``client.yml``);
3. parses every column by its kind (:mod:`kalib.parse`) and collects **every**
   problem with its file, sheet, row and column, then raises one
   :class:`~kalib.client.InputError` listing them all;
4. builds the client through :func:`kalib.client.normalise` (the one way from
   frames to a client, see :mod:`kalib.tables`): stage names to stage
   keys, status won/lost/open, amounts to RMB, revenue from won opportunities
   when there is no revenue table, account IDs to customer names, product
   spellings to the product list.  Messy-but-usable rows (open deals without
   an amount, rows without a customer, product names spelled differently) are
   kept and counted in ``client.warnings``.

Examples
--------
>>> c = load_client("demo")
>>> c.summary()["opportunities"]["rows"] > 0, bool(c.table("opportunities")["stage"].isin(c.config.stage_order()).all())
(True, True)
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import parse as P
from .client import Client, normalise, parse_period
from .config import INDUSTRIES, default_config, normalise_label
from .problems import Problem
from .schema import TABLES, Table, header_lookup, table_lookup
from .tables import MAX_LISTED, lookup_names, merge_quotas, normalise_tables, quotas_from_wide, rows_text
from .settings import (CLIENT_YML_KEYS, DATE_RANGE, LOOKUP_TABLES, ClientMeta, Located, check_date, check_overrides,
                       meta_from_settings, read_settings)

__all__ = ["load_client", "client_path", "read_client_yml", "normalise_tables", "find_demo", "CLIENT_YML_KEYS", "MAX_LISTED"]

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
IGNORED_SHEETS = {normalise_label(x) for x in ("说明", "readme", "说明readme", "instructions", "使用说明", "填写说明",
                                                "notes", "备注")}
#: Read and check a client.yml (kept under this name for callers of the loader).
read_client_yml = read_settings
# The demo company's files, inside the package.
DEMO_PACKAGE_DIR = "demo_data"
# What the loader reads before refusing a file; method.yaml's input_limits
# (overridable in client.yml) replace these.
LIMITS = {"max_file_mb": 512, "max_cell_chars": 1_000_000, "max_xlsx_uncompressed_mb": 1024,
          "max_shared_strings_mb": 100, "max_zip_ratio": 200}


#: CSV files of at least this size have their repetitive columns read dictionary-encoded (see _read_csv).
DICTIONARY_FROM_BYTES = 16 * 2**20
#: Text columns whose values seldom repeat (read as plain text even in big files).
FREE_TEXT = {"name", "note"}


# ---------------------------------------------------------------------------
# locating the client
# ---------------------------------------------------------------------------
def find_demo() -> Path:
    """The demo company's folder, shipped inside the package (``kalib/demo_data``).

    Read through :mod:`importlib.resources`, so every installation reads the same
    committed files; nothing is generated.  A missing folder is an incomplete
    installation and raises :class:`FileNotFoundError` saying so.
    """
    from importlib import resources

    res = resources.files("kalib") / DEMO_PACKAGE_DIR
    path = res if isinstance(res, Path) else _extracted(res)
    if not (path / "client.yml").is_file():
        raise FileNotFoundError(
            f"the demo company's files are missing from this installation of kalib (looked in {path}); "
            "reinstall kalib, or in a source checkout restore kalib/demo_data with git")
    return path


def _extracted(res) -> Path:
    """A copy on disk of a packaged folder that is not a plain directory (e.g. inside a zip)."""
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="kalib-demo-"))
    if res.is_dir():
        for item in res.iterdir():
            if item.is_file():
                (out / item.name).write_bytes(item.read_bytes())
    return out


def client_path(source: str | os.PathLike) -> Path:
    """The folder or workbook ``source`` names (``"demo"``: the packaged demo); FileNotFoundError, ValueError."""
    return _resolve(source)


def _resolve(source: str | os.PathLike) -> Path:
    if str(source) == "demo":
        return find_demo()
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"client not found: {path} (give a folder, an .xlsx workbook, or 'demo')")
    if path.is_file() and path.suffix.lower() not in (".xlsx", ".xlsm"):
        if path.name in ("client.yml", "client.yaml"):
            return path.parent
        raise ValueError(f"{path}: a client is a folder of CSV/XLSX files or one .xlsx workbook")
    return path


# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# what is read at all: regular files inside the client folder, within limits
# ---------------------------------------------------------------------------
def _limits(cfg: Config, problems: list[Problem], fname: str) -> dict[str, float]:
    """The input limits in force: method.yaml's ``input_limits`` with the client's overrides."""
    out = dict(LIMITS)
    raw = cfg.data.get("input_limits") or {}
    for key, value in (raw.items() if isinstance(raw, Mapping) else ()):
        if key == "source":
            continue
        if key not in out:
            problems.append(Problem(f"overrides: input_limits has no {key!r}; its keys are {', '.join(LIMITS)}",
                                    file=fname, column="overrides"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            problems.append(Problem(f"overrides: input_limits.{key} must be a positive number, not {value!r}",
                                    file=fname, column="overrides"))
        else:
            out[key] = value
    return out


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _refusal(f: Path, root: Path | None, allow_links: bool, limits: Mapping[str, float]) -> str | None:
    """Why ``f`` is not read (None: read it).  Only ``stat`` is used: nothing is opened."""
    try:
        st = f.stat()
    except OSError as exc:
        if f.is_symlink():
            return f"is a link to {os.readlink(f)}, which does not exist"
        return f"cannot be read: {exc.strerror or exc}"
    if root is not None and not allow_links:
        real = f.resolve()
        if not real.is_relative_to(root.resolve()):
            return (f"is a link to {real}, outside the client folder: not read (another client's data would be "
                    "mixed in). Copy the file here, or set allow_links: true in client.yml")
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a data file"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a pipe, socket or device): not opened"
    if st.st_size > limits["max_file_mb"] * 2**20:
        return (f"is {_mb(st.st_size)}, above the limit of {_mb(limits['max_file_mb'] * 2**20)}: not read "
                "(raise it in client.yml: overrides: {input_limits: {max_file_mb: ...}})")
    return None


# ---------------------------------------------------------------------------
# reading files as text
# ---------------------------------------------------------------------------
def _detect_encoding(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(min(size, 64 * 1024 * 1024))
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            if "\x00" not in codecs.getincrementaldecoder("utf-16")().decode(head[:1 << 16], final=False):
                return "utf-16"  # Excel's "Unicode text"
        except UnicodeDecodeError:
            pass
        raise UnicodeError("cannot tell the text encoding (tried UTF-8, UTF-16 and GBK/GB18030); save it as "
                           "'CSV UTF-8'")
    if b"\x00" in head:
        sample = head[:1 << 16]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > len(sample) // 8 and min(even, odd) < max(even, odd) // 4:
            order = "utf-16-le" if odd > even else "utf-16-be"
            raise UnicodeError(f"is UTF-16 text without a byte-order mark; save it as 'CSV UTF-8' (or set "
                               f"encoding: {order} in client.yml)")
        line = head[:head.index(b"\x00")].count(b"\n") + 1
        raise _RowError(line, "holds a NUL byte (\\0): not a text file, or a damaged one")
    try:
        # A multi-byte character may be cut at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
        return "utf-8"
    except UnicodeDecodeError as exc:
        prefix = head[:exc.start]
        # UTF-8 up to here, with Chinese text in it (each character 3 bytes): a stray row in another encoding.
        if len(prefix) - len(prefix.decode("utf-8")) >= 20:
            line = prefix.count(b"\n") + 1
            raise _RowError(line, f"is UTF-8 text up to this line, which is not (bytes "
                                  f"{head[exc.start:exc.start + 4].hex(' ')}: text pasted from a GBK file?); "
                                  "fix the row or save the file again as 'CSV UTF-8'") from None
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=len(head) == size)
        return "gb18030"
    except UnicodeDecodeError:
        pass
    raise UnicodeError("cannot tell the text encoding (tried UTF-8 and GBK/GB18030); save it as 'CSV UTF-8'")


def _locate_csv_problem(path: Path, enc: str, delim: str, max_cell: int) -> None:
    """Raise :class:`_RowError` at the first row that cannot be decoded or tokenised, if any.

    Runs only when the fast reader failed; reads the file as a stream.
    """
    import csv

    if not enc.lower().replace("_", "-").startswith("utf-16"):
        dec = codecs.getincrementaldecoder(enc)()
        with open(path, "rb") as fh:
            for line_no, line in enumerate(fh, start=1):
                try:
                    dec.decode(line)
                except UnicodeDecodeError:
                    raise _RowError(line_no, f"cannot be read as {enc.upper()} text from this line on (a row in "
                                             "another encoding?); save the file again as 'CSV UTF-8'") from None
    old = csv.field_size_limit()
    csv.field_size_limit(int(max_cell))
    try:
        with open(path, encoding=enc, newline="") as fh:
            reader = csv.reader(fh, delimiter=delim, strict=True)
            row = 0
            while True:
                try:
                    next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    text = str(exc)
                    if "field larger" in text:
                        raise _RowError(row + 1, f"has a cell longer than {int(max_cell):,} characters (the "
                                                 "limit), or a quote (\") opened here that is never closed") from None
                    if "end of data" in text:
                        raise _RowError(row + 1, "a quote (\") opened in this row is never closed") from None
                    # Text after a closing quote: the tolerant readers accept it; go on.
                row += 1
    finally:
        csv.field_size_limit(old)


def _read_csv(path: Path, encoding: str | None, limits: Mapping[str, float] = LIMITS,
              dictionary: Callable[[str], bool] | None = None) -> pd.DataFrame:
    """All cells as text; row numbers as a person sees them in column ``_row``.

    The columns whose header ``dictionary`` accepts are read dictionary-encoded (a categorical of the same
    text: each distinct text held once, so a big file's repetitive columns take a fraction of the memory
    and are parsed once per distinct value, see :func:`kalib.parse.by_distinct`)."""
    enc = _detect_encoding(path, encoding)
    max_cell = int(limits["max_cell_chars"])
    try:
        with open(path, encoding=enc, newline="") as fh:
            first = fh.readline(max_cell * 64)
    except LookupError:
        raise ValueError(f"unknown text encoding {enc!r} (set in client.yml)") from None
    except UnicodeDecodeError:
        raise _RowError(1, f"the header cannot be read as {enc.upper()} text; save the file as 'CSV UTF-8'") from None
    if not first.strip():
        raise ValueError("the file is empty (no header row)")
    delim = max([",", ";", "\t", "|"], key=first.count) if path.suffix.lower() != ".tsv" else "\t"
    import csv

    if len(first) > max_cell:
        raise _RowError(1, f"the header row is longer than {max_cell:,} characters (the cell limit)")
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, max_cell))
    try:
        header = next(csv.reader([first], delimiter=delim))
    except csv.Error as exc:
        raise _RowError(1, f"the header row cannot be read: {exc}") from None
    finally:
        csv.field_size_limit(old_limit)
    header = [h.strip().lstrip("\ufeff") for h in header]
    names = [f"c{i}" for i in range(len(header))]
    encoded = {n for n, h in zip(names, header) if dictionary is not None and dictionary(h)}
    df = None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if enc.startswith("utf-8") else enc, skip_rows=1,
                                           column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.dictionary(pa.int32(), pa.string())
                                                               if n in encoded else pa.string() for n in names},
                                                 strings_can_be_null=True,
                                                 # "NaN" stays text: blank for text, an error for an amount.
                                                 null_values=[v for v in P.NULLISH if v.lower() != "nan"]),
        )
        df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get,
                             self_destruct=True, split_blocks=True)
        del table
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        df = None
    except Exception:  # ragged rows, bad bytes, unclosed quotes: find the row, else let pandas name it
        _locate_csv_problem(path, enc, delim, max_cell)
        df = None
    if df is None:
        try:
            df = pd.read_csv(path, encoding=enc, sep=delim, dtype="str", keep_default_na=False, na_values=[""],
                             header=None, skiprows=1, names=names, engine="c")
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m:
                raise _RowError(int(m.group(2)), f"has {m.group(3)} cells where the header has {m.group(1)} "
                                                 "(a stray separator or quote?)") from None
            raise ValueError(f"cannot be read as CSV: {exc}") from None
    df.columns = header if len(set(header)) == len(header) else _dedupe(header)
    df.insert(0, "_row", np.arange(2, len(df) + 2, dtype="int64"))
    for col in df.columns[1:]:
        if len(df) and df[col].dtype != "int64":
            s = df[col]
            if isinstance(s.dtype, pd.CategoricalDtype):  # each distinct text measured once
                if not len(s.cat.categories) or s.cat.categories.str.len().max() <= max_cell:
                    continue
                s = _plain_text(s)
            lengths = s.str.len()
            if lengths.max() > max_cell:
                at = int(lengths.to_numpy().argmax())
                raise _RowError(int(df["_row"].iloc[at]), f"a cell of {int(lengths.iloc[at]):,} characters, above "
                                                          f"the limit of {max_cell:,}", column=str(col))
    return df


def _dictionary_columns(f: Path, table: str | None, col_map: Any, settings: Any) -> Callable[[str], bool] | None:
    """Which headers of the CSV file ``f`` (read as ``table``) to read dictionary-encoded: in a file of at least
    :data:`DICTIONARY_FROM_BYTES`, the canonical columns whose values repeat (amounts, dates, stages, names of
    customers, products and people), not ids or free text.  None (every column plain text) for smaller files and
    for a client.yml with ``lookups:`` or ``targets:`` (they read other files' cells as text)."""
    if table is None or settings.get("lookups") or settings.get("targets"):
        return None
    try:
        if f.stat().st_size < DICTIONARY_FROM_BYTES:
            return None
    except OSError:
        return None
    t = TABLES[table]
    lookup = header_lookup(t)
    mapping = col_map.get(table) if isinstance(col_map, Mapping) else None
    user = {normalise_label(k): v for k, v in mapping.items()} if isinstance(mapping, Mapping) else {}

    def encode(header: str) -> bool:
        key = normalise_label(header)
        canon = user.get(key) or lookup.get(key)
        return canon in t.column_names and t.column(canon).kind != "id" and canon not in FREE_TEXT

    return encode


class _RowError(ValueError):
    """A problem at a row (and column, sheet) of a file that stops reading it."""

    def __init__(self, row: int | None, message: str, column: str | None = None, sheet: str | None = None):
        super().__init__(message)
        self.row = row
        self.column = column
        self.sheet = sheet


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        out.append(h if n == 0 else f"{h}.{n}")
        seen[h] = n + 1
    return out


def _cell_text(v: Any, decimal: str = ".") -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        text = repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        return text.replace(".", ",") if decimal == "," else text
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v)
    return s


def _check_workbook(path: Path, limits: Mapping[str, float]) -> None:
    """Refuse a workbook whose parts would inflate beyond the limits, before openpyxl reads any of them.

    Python's zip reader stops each part at its declared size, so the declared
    sizes checked here bound what is read.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ValueError("is not an Excel workbook (.xlsx) that can be opened: a damaged or encrypted file, or "
                         "another format renamed .xlsx (save it again from Excel as .xlsx)") from None
    with zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if info.file_size > 2**20 and info.file_size > limits["max_zip_ratio"] * max(info.compress_size, 1):
                raise ValueError(f"its part {info.filename} would inflate {info.file_size / max(info.compress_size, 1):,.0f}"
                                 f" times to {_mb(info.file_size)} (limit: {limits['max_zip_ratio']:g} times): not "
                                 "read, as a deliberately inflating file")
            if info.filename.lower().endswith("sharedstrings.xml") and \
                    info.file_size > limits["max_shared_strings_mb"] * 2**20:
                raise ValueError(f"its shared text ({info.filename}) is {_mb(info.file_size)}, above the limit of "
                                 f"{_mb(limits['max_shared_strings_mb'] * 2**20)}: not read")
        if total > limits["max_xlsx_uncompressed_mb"] * 2**20:
            raise ValueError(f"unpacks to {_mb(total)}, above the limit of "
                             f"{_mb(limits['max_xlsx_uncompressed_mb'] * 2**20)}: not read")


def _read_xlsx(path: Path, limits: Mapping[str, float] = LIMITS, decimal: str = ".") -> dict[str, pd.DataFrame | None]:
    """Every sheet as text (None for a sheet with nothing in it).

    The sheet's declared size is not trusted (a few cells can claim a million
    rows and columns): rows are read as they are, cut to the header's width.
    """
    import warnings

    import openpyxl

    _check_workbook(path, limits)
    max_cell = int(limits["max_cell_chars"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on data validation and styles
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[str, pd.DataFrame | None] = {}
    try:
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            rows = ws.iter_rows(values_only=True)
            header = None
            data: list[list[str | None]] = []
            row_numbers: list[int] = []
            header_row = 0
            width = 0
            for i, row in enumerate(rows, start=1):
                cells = [_cell_text(v, decimal) for v in (row if header is None else row[:width])]
                for j, c in enumerate(cells):
                    if c is not None and len(c) > max_cell:
                        col = (header[j] if header is not None else None) or openpyxl.utils.get_column_letter(j + 1)
                        raise _RowError(i, f"a cell of {len(c):,} characters, above the limit of {max_cell:,}",
                                        column=col, sheet=ws.title)
                if header is None:
                    if any(c not in (None, "") for c in cells):
                        header = [(c or "").strip() for c in cells]
                        header_row = i
                        while header and header[-1] == "":
                            header.pop()
                        width = len(header)
                    continue
                if any(c not in (None, "") for c in cells):
                    data.append(cells)
                    row_numbers.append(i)
            if header is None:
                out[ws.title] = None
                continue
            # Columns without a header or any value are left out: a stray cell far to the right of the
            # header must not turn every row into thousands of empty cells.
            used = {j for r in data for j, c in enumerate(r) if c not in (None, "")}
            keep = [j for j, h in enumerate(header) if h or j in used]
            names = [header[j] or f"(column {openpyxl.utils.get_column_letter(j + 1)})" for j in keep]
            frame = pd.DataFrame([[r[j] if j < len(r) else None for j in keep] for r in data],
                                 columns=_dedupe(names) if names else None, dtype="str")
            frame.insert(0, "_row", np.asarray(row_numbers, dtype="int64"))
            frame.attrs["header_row"] = header_row
            out[ws.title] = frame
    finally:
        wb.close()
    return out


# ---------------------------------------------------------------------------
# the loader
# ---------------------------------------------------------------------------
def _same_file(value: Any, name: str) -> bool:
    """Whether a file name written in client.yml (with or without its suffix) names ``name`` (a file's path
    inside the client folder, or a sheet)."""
    if value is None:
        return False
    key = normalise_label(re.sub(r"\.(csv|tsv|txt|xlsx|xlsm)$", "", str(name), flags=re.I))
    return normalise_label(str(value)) in (key, normalise_label(str(name)))


def _named_by_files(name: str, files_map: Mapping[str, str]) -> str | None:
    """The table client.yml's ``files:`` assigns to the file or sheet ``name``, if any."""
    for table, fname in files_map.items():
        if _same_file(fname, name):
            return table
    return None


def _table_for(name: str, files_map: Mapping[str, str]) -> str | None:
    key = normalise_label(re.sub(r"\.(csv|tsv|txt|xlsx|xlsm)$", "", name, flags=re.I))
    named = _named_by_files(name, files_map)
    if named is not None:
        return named
    lookup = table_lookup()
    if key in lookup:
        return lookup[key]
    # "01-销售机会", "客户 Customers", "opportunities_2024": try pieces.
    for piece in re.split(r"[\s_\-·.()（）]+", re.sub(r"^\d+", "", name)):
        p = normalise_label(piece)
        if p in lookup:
            return lookup[p]
    return None


def _rel(f: Path, root: Path) -> str:
    """A file's name as client.yml writes it: its path inside the client folder."""
    if root.is_dir():
        try:
            return f.relative_to(root).as_posix()
        except ValueError:
            return f.name
    return f.name


def _listing(root: Path, files: list[Path]) -> str:
    names = [_rel(f, root) for f in files]
    if not names:
        return "it has no CSV or XLSX files"
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return "its files: " + ", ".join(names[:10]) + more


def named_files(settings: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Every file client.yml names (``files:``, ``lookups: … file:``, ``targets: file:``), by its key path."""
    out: dict[tuple[str, ...], str] = {}
    for table, value in (settings.get("files") or {}).items():
        if isinstance(value, str):
            out[("files", str(table))] = value
    for kind, spec in (settings.get("lookups") or {}).items():
        if isinstance(spec, Mapping) and isinstance(spec.get("file"), str):
            out[("lookups", str(kind), "file")] = spec["file"]
    targets = settings.get("targets")
    if isinstance(targets, Mapping) and isinstance(targets.get("file"), str):
        out[("targets", "file")] = targets["file"]
    return out


def subfolder_files(root: Path, named: Mapping[tuple[str, ...], str], files: list[Path],
                    where: Located) -> list[Path]:
    """The files client.yml names inside subfolders of the client folder (``files: {revenue: 2024/sales.csv}``).

    A path leading out of the folder, or to no file, is a problem located at its line."""
    if not root.is_dir():
        return []
    out: list[Path] = []
    for key, value in named.items():
        if "/" not in value and "\\" not in value:
            continue
        rel = value.replace("\\", "/")
        target = Path(os.path.normpath(root / rel))
        if Path(rel).is_absolute() or not target.is_relative_to(Path(os.path.normpath(root))):
            where.add(key, f"{'.'.join(key)}: {value!r} is outside the client folder; name a file inside it "
                           "(a path from the folder, such as 2024/sales.csv)")
            continue
        if not target.exists() and not target.is_symlink():
            where.add(key, f"{'.'.join(key)}: {value!r} does not exist in the client folder")
            continue
        if target.suffix.lower() not in DATA_SUFFIXES:
            where.add(key, f"{'.'.join(key)}: {value!r} is not a CSV or XLSX file")
            continue
        if target not in files and target not in out:
            out.append(target)
    return out


def _find_frame(value: str, read: Mapping[str, Mapping[str | None, pd.DataFrame | None]]
                ) -> tuple[pd.DataFrame | None, str | None]:
    """The first sheet of the file ``value`` names (or the sheet it names), with its label."""
    for rel, sheets in read.items():
        if _same_file(value, rel) or _same_file(value.replace("\\", "/"), rel):
            for sheet, frame in sheets.items():
                if frame is not None:
                    return frame, rel + (f" › {sheet}" if sheet is not None and len(sheets) > 1 else "")
            return None, rel
    for rel, sheets in read.items():
        for sheet, frame in sheets.items():
            if sheet is not None and _same_file(value, sheet):
                return frame, f"{rel} › {sheet}"
    return None, None


def _header(frame: pd.DataFrame, name: str) -> str | None:
    heads = {normalise_label(str(h)): h for h in frame.columns[1:]}
    return heads.get(normalise_label(str(name)))


_MAIN_COLUMN = {"customers": "customer", "products": "product", "salespeople": "salesperson"}


def resolve_lookups(settings: Mapping[str, Any], raw_tables: Mapping[str, tuple[pd.DataFrame, str, str | None]],
                    read: Mapping[str, Mapping[str | None, pd.DataFrame | None]], col_map: Mapping[str, Any],
                    where: Located, warnings: list[Problem]) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """client.yml's ``lookups:`` read: code -> display name per kind, and the column mapping with, for a
    lookup in the table's own file, the code column read as the table's name column (then named)."""
    out: dict[str, dict[str, str]] = {}
    cmap = {k: dict(v or {}) for k, v in (col_map or {}).items()}
    for kind, spec in (settings.get("lookups") or {}).items():
        if kind not in LOOKUP_TABLES or not isinstance(spec, Mapping) or not spec.get("key") or not spec.get("name"):
            continue  # the schema has said what is wrong
        name_cols = [spec["name"]] if isinstance(spec["name"], str) else [str(x) for x in spec["name"]]
        value = spec.get("file")
        own = value is None or (kind in raw_tables and (_same_file(value, raw_tables[kind][1])
                                                       or _same_file(value, str(raw_tables[kind][2]))))
        if own:
            if kind not in raw_tables:
                where.add(("lookups", kind), f"lookups: {kind} has no file: and there is no {kind} table to read "
                                             "the names from; add file: (the file holding them)")
                continue
            frame, label = raw_tables[kind][0], raw_tables[kind][1]
        else:
            frame, label = _find_frame(value, read)
            if frame is None:
                where.add(("lookups", kind, "file"), f"lookups.{kind}.file: {value!r} is not a file or sheet of the "
                                                     "client (or it is empty)")
                continue
        key_h = _header(frame, spec["key"])
        name_h = [_header(frame, n) for n in name_cols]
        heads = ", ".join(map(str, frame.columns[1:]))[:300]
        if key_h is None:
            where.add(("lookups", kind, "key"), f"lookups.{kind}.key: {label} has no column {spec['key']!r}; "
                                                f"its columns: {heads}")
        for n, h in zip(name_cols, name_h):
            if h is None:
                where.add(("lookups", kind, "name"), f"lookups.{kind}.name: {label} has no column {n!r}; "
                                                     f"its columns: {heads}")
        if key_h is None or None in name_h:
            continue
        mapping, notes = lookup_names(frame[key_h], frame[name_h])
        out[kind] = mapping
        if own:
            cmap[kind] = {**cmap.get(kind, {}), str(key_h): _MAIN_COLUMN[kind]}
        for note in notes:
            m = re.match(r"(\d+) name\(s\) .*\(e\.g\. (.*)\)$", note)
            zh = (f"lookups.{kind}：{m.group(1)}个名称对应多个编号，显示时带上编号（例如 {m.group(2)}）" if m else None)
            warnings.append(Problem(f"lookups.{kind}: {note}", file=label, column=str(name_h[0]),
                                    severity="warning", message_zh=zh))
    return out, cmap


def add_targets(targets: Mapping[str, Any], read: Mapping[str, Mapping[str | None, pd.DataFrame | None]],
                frames: dict[str, pd.DataFrame], sources: dict[str, str], meta: ClientMeta, where: Located,
                warnings: list[Problem]) -> None:
    """A targets file (one row per person, one column per month) read as the salespeople's yearly quotas."""
    frame, label = _find_frame(str(targets["file"]), read)
    if frame is None:
        where.add(("targets", "file"), f"targets.file: {targets['file']!r} is not a file or sheet of the client "
                                       "(or it is empty)")
        return
    person = _header(frame, str(targets.get("person") or ""))
    if person is None:
        where.add(("targets", "person"), f"targets.person: {label} has no column {targets.get('person')!r}; its "
                                         f"columns: {', '.join(map(str, frame.columns[1:]))[:300]}")
        return
    factor = float(meta.extra.get("amount_unit", 1.0)) * meta.fx_to_rmb
    quotas, said, unread = quotas_from_wide(frame, person, targets.get("year"), factor,
                                            meta.extra.get("decimal") or ".")
    if not len(quotas):
        where.add(("targets", "file"), f"targets.file: {label} has no month columns (headers such as 2024-01, "
                                       f"Jan 2024 or 2024年1月); its columns: {', '.join(unread)[:300]}")
        return
    had = "salespeople" in frames
    sp = merge_quotas(frames.get("salespeople"), quotas)
    sp.attrs["source"] = frames["salespeople"].attrs.get("source") if had else {"file": label, "sheet": None}
    sp.attrs["columns"] = {**(frames["salespeople"].attrs.get("columns") or {} if had else {}),
                           "quota": f"{label} (months)"}
    frames["salespeople"] = sp
    sources.setdefault("salespeople", label)
    warnings.append(Problem(f"targets: {said}, read as yearly quotas" + (" (they replace the quota column)"
                                                                         if had else ""),
                            file=label, severity="warning", count=len(quotas),
                            message_zh=f"`targets`：{len(quotas)}名销售人员的指标取自月度列之和，按年度指标读取"
                                       + ("（替换了年度指标列）" if had else "")))


def load_client(
    source: str | os.PathLike,
    *,
    as_of: str | pd.Timestamp | None = None,
    period: str | None = None,
    industry: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    cache: bool = True,
) -> Client:
    """Load, check and normalise a client's data.

    Parameters
    ----------
    source
        A folder of CSV/XLSX files (with an optional ``client.yml``), a single
        ``.xlsx`` workbook (one sheet per table; an optional ``client.yml`` or
        ``<workbook name>.yml`` beside it), or ``"demo"``.
    as_of, period, industry
        Override what ``client.yml`` says (None keeps it).
    overrides
        Method overrides, merged after the client's own.
    cache
        Read the client from the cache of loaded clients when its files are unchanged, and store it there
        after loading (:mod:`kalib.cache`; ``KALIB_NO_CACHE=1`` turns it off too).

    Returns
    -------
    Client
        With canonical tables (see :mod:`kalib.schema`) and ``warnings``.

    Raises
    ------
    InputError
        Listing every problem found, each with file › sheet › row › column.
    """
    path = _resolve(source)
    if cache:
        from .cache import cached_load

        options = {"as_of": as_of, "period": period, "industry": industry, "overrides": overrides}
        return cached_load(path, options, lambda: load_client(source, as_of=as_of, period=period,
                                                               industry=industry, overrides=overrides, cache=False))
    problems: list[Problem] = []
    if path.is_dir():
        yml = next((path / n for n in ("client.yml", "client.yaml") if (path / n).exists()), None)
        # Folders, pipes and devices named like data files are listed too: refused below, never opened.
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in DATA_SUFFIXES
                       and not p.name.startswith(("~$", ".")))
        default_name = path.name if str(source) != "demo" else "demo"
    else:
        cands = [path.with_suffix(".yml"), path.parent / "client.yml"]
        yml = next((p for p in cands if p.exists()), None)
        files = [path]
        default_name = path.stem
    settings = read_settings(yml, problems)
    yname = settings.fname
    where = settings.located(problems)
    meta = meta_from_settings(settings, default_name, problems)
    if industry is not None:
        if industry not in INDUSTRIES:
            raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}")
        meta.industry = industry
    if period is not None:
        meta.period = str(period)
    if as_of is not None:
        day = check_date(as_of, "--as-of", Located(None, {}, problems), ())
        meta.as_of = day.isoformat() if day else None
    cfg = settings.config or default_config()
    if overrides is not None:
        cfg = check_overrides(overrides, Located(None, {}, problems, root=("overrides",)), cfg) or cfg
    stage_map = settings.get("stages") or {}
    known = set(cfg.stage_order())
    for raw, key in dict(stage_map).items():
        if key not in known:
            where.add(("stages", str(raw)), f"stages: {raw!r} is mapped to {key!r}, which is not a stage; "
                                            f"stages are: {', '.join(cfg.stage_order())}")
    if meta.period is not None:
        _check_period(meta, Located(yname, settings.lines, problems) if period is None else Located(None, {}, problems))
    if meta.undated_closed is not None and meta.undated_closed.strip().lower() not in ("all_time", "all-time", "all"):
        try:
            parse_period(meta.undated_closed, fiscal_start=meta.fiscal_year_start)
        except (ValueError, OverflowError) as exc:
            where.add(("undated_closed",), f"undated_closed is all_time or a period: {exc}")
            meta.undated_closed = None
    col_map = settings.get("columns") or {}
    files_map = settings.get("files") or {}
    limits = _limits(cfg, problems, yname)
    # Both are checked against client.yml's schema (kalib.settings): a wrong value is already a problem.
    allow_links = settings.get("allow_links") is True
    decimal = settings.get("decimal") if settings.get("decimal") in (".", ",") else None
    meta.extra["decimal"] = None if decimal is None else str(decimal)

    raw_tables: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    warnings: list[Problem] = []
    named = named_files(settings)
    files = files + subfolder_files(path, named, files, where)
    if not files:
        problems.append(Problem("no data files found (CSV or XLSX)", file=str(path.name)))
    read: dict[str, dict[str | None, pd.DataFrame | None]] = {}
    chosen_by: dict[str, bool] = {}  # table -> whether client.yml's files: named its file
    for f in files:
        rel = _rel(f, path)
        refusal = _refusal(f, path if path.is_dir() else None, allow_links, limits)
        if refusal:
            regular = f.is_file() and not f.is_symlink()
            mentioned = [k for k, v in named.items() if _same_file(v, rel)]
            if mentioned:
                for k in mentioned:
                    where.add(k, f"{'.'.join(k)}: {named[k]!r} {refusal}")
            elif path.is_dir() and not regular and not f.is_symlink() and _table_for(rel, files_map) is None:
                warnings.append(Problem(f"{refusal}; ignored", file=rel, severity="warning"))
            else:
                problems.append(Problem(refusal, file=rel))
            continue
        try:
            if f.suffix.lower() in (".xlsx", ".xlsm"):
                sheets = _read_xlsx(f, limits, meta.extra.get("decimal") or ".")
            else:
                sheets = {None: _read_csv(f, meta.extra.get("encoding"), limits,
                                          _dictionary_columns(f, _table_for(rel, files_map), col_map, settings))}
        except _RowError as exc:
            problems.append(Problem(str(exc), file=rel, sheet=exc.sheet, row=exc.row, column=exc.column))
            continue
        except MemoryError:
            problems.append(Problem("is too large to read in the memory available", file=rel))
            continue
        except (UnicodeError, ValueError) as exc:
            problems.append(Problem(str(exc), file=rel))
            continue
        except Exception as exc:
            problems.append(Problem(f"cannot be read: {type(exc).__name__}: {exc}", file=rel))
            continue
        read[rel] = sheets
        for sheet, frame in sheets.items():
            label = sheet if sheet is not None else rel
            if sheet is not None and normalise_label(sheet) in IGNORED_SHEETS:
                continue
            table = _table_for(label, files_map)
            if table is None and sheet is not None and len(sheets) == 1:
                table = _table_for(rel, files_map)
            if table is None:
                if not any(_same_file(v, label) or _same_file(v, rel) for v in named.values()):
                    warnings.append(Problem("not recognised as a table, ignored (name it after a table, e.g. "
                                            "销售机会/opportunities, or map it under files: in client.yml)",
                                            file=rel, sheet=sheet, severity="warning"))
                continue
            by_name = _named_by_files(label, files_map) == table or (
                sheet is not None and len(sheets) == 1 and _named_by_files(rel, files_map) == table)
            if table in files_map and not by_name:
                # client.yml names another file for this table: this one only looks like it.
                warnings.append(Problem(f"looks like the {table} table, but client.yml's files: names "
                                        f"{files_map[table]!r} for it; ignored", file=rel, sheet=sheet,
                                        severity="warning"))
                continue
            if frame is None or (len(frame.columns) <= 1):
                problems.append(Problem(f"is empty: no header row (the {TABLES[table].zh} / {table} table needs "
                                        f"at least the columns {_required_names(TABLES[table])})",
                                        file=rel, sheet=sheet))
                continue
            if table in raw_tables:
                prev = raw_tables[table]
                this = sheet if sheet is not None and not path.is_dir() else rel
                other = prev[2] if prev[2] is not None and not path.is_dir() else prev[1]
                problems.append(Problem(f"holds the {table} table, which {prev[1]}"
                                        f"{' › ' + prev[2] if prev[2] else ''} also holds; say which one to read "
                                        f"with this line in client.yml: files: {{{table}: \"{this}\"}} "
                                        f"(or files: {{{table}: \"{other}\"}})", file=rel, sheet=sheet))
                continue
            if len(frame) == 0:
                warnings.append(Problem(f"has a header but no rows: the {table} table is treated as absent",
                                        file=rel, sheet=sheet, severity="warning"))
                continue
            raw_tables[table] = (frame, rel, sheet)
            chosen_by[table] = by_name
    for table, value in files_map.items():
        if table not in raw_tables and not any(_same_file(value, r) or any(_same_file(value, str(sh)) for sh in shs
                                                                           if sh is not None)
                                               for r, shs in read.items()) \
                and not any(_same_file(value, _rel(f, path)) for f in files):
            where.add(("files", table), f"files: {table}: {value!r} is not a file or sheet of the client "
                                        f"({_listing(path, files)})")
    lookups, col_map = resolve_lookups(settings, raw_tables, read, col_map, where, warnings)
    meta.lookups = lookups
    targets = settings.get("targets")
    if not (isinstance(targets, Mapping) and targets.get("file")):
        read.clear()  # only a targets file is read from here on: the tables' cells are held by raw_tables alone

    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    sheets = frame = None  # the cells as read (text) are dropped as soon as their table is parsed
    for table in list(raw_tables):
        frame, fname, sheet = raw_tables.pop(table)
        parsed = _parse_table(TABLES[table], frame, fname, sheet, col_map.get(table) or {}, meta, problems, warnings,
                              where=where)
        frame = None
        if parsed is not None:
            parsed.attrs["source"] = {"file": fname, "sheet": sheet}
            frames[table] = parsed
            sources[table] = fname + (f" › {sheet}" if sheet else "")
    if isinstance(targets, Mapping) and targets.get("file"):
        add_targets(targets, read, frames, sources, meta, where, warnings)
    client = normalise(frames, meta, cfg, stage_map=stage_map, path=path, sources=sources, warnings=warnings,
                       problems=problems, take=True)
    return client


def _check_period(meta: ClientMeta, where: Located) -> None:
    """The period can be read and lies within the supported dates (as_of-relative forms are read against
    client.yml's as_of, else today: only their form is checked here)."""
    try:
        anchor = pd.Timestamp(meta.as_of) if meta.as_of else pd.Timestamp.today().normalize()
        per = parse_period(meta.period, as_of=anchor, fiscal_start=meta.fiscal_year_start)
    except (ValueError, OverflowError) as exc:
        where.add(("period",), str(exc))
        return
    lo, hi = DATE_RANGE
    if per.start.date() < lo or per.end.date() > hi:
        where.add(("period",), f"period {meta.period} is outside the dates kalib analyses "
                               f"({lo.isoformat()} to {hi.isoformat()})")


def _required_names(t: Table) -> str:
    cols = [c for c in t.columns if c.required]
    return ", ".join(f"{c.zh} ({c.en})" for c in cols) or "(none)"


def _plain_text(raw: pd.Series) -> pd.Series:
    """A column as text cells (a dictionary-encoded one decoded)."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        return raw.astype(pd.StringDtype("pyarrow", na_value=np.nan))
    return raw


_KIND_EXPECT = {
    "money": "an amount (e.g. 12,500 or 1.2万)",
    "number": "a number",
    "int": "a whole number",
    "rate": "a percentage (e.g. 35% or 0.35)",
    "date": "a date (e.g. 2024-03-05, 2024/3/5, 3/5/2024)",
    "bool": "yes or no (是/否)",
    "status": "won, lost or open (赢单/丢单/进行中)",
}
_KIND_EXPECT_ZH = {
    "money": "金额（例如 12,500 或 1.2万）",
    "number": "数字",
    "int": "整数",
    "rate": "百分比（例如 35% 或 0.35）",
    "date": "日期（例如 2024-03-05、2024/3/5、3/5/2024）",
    "bool": "是或否",
    "status": "赢单、丢单或进行中",
}


def _rows_zh(extra: str) -> str:
    """``" (rows 3, 4 and 2 more)"`` → ``"（第3, 4行等）"``."""
    m = re.match(r" \(rows (.*?)( and \d+ more)?\)$", extra)
    return f"（第{m.group(1)}行{'等' if m.group(2) else ''}）" if m else ""


def _bad_cells(kind: str, raw: pd.Series, bad: pd.Series, rows: pd.Series, declared: str | None,
               problems: list[Problem], fname: str, sheet: str | None, header: str) -> None:
    """Problems for the cells of one column that could not be read, by what is wrong with them."""
    groups: list[tuple[pd.Series, str, str]] = []
    if kind in ("money", "number", "int", "rate"):
        nonfinite = bad & P.nonfinite_cells(raw)
        groups.append((nonfinite, "expected a finite number, found {sample!r} (NaN, infinity or too large)",
                       "应为有限的数字，实际是 {sample!r}（NaN、无穷大或数值过大）"))
        bad = bad & ~nonfinite
        if declared is None and kind != "rate":
            comma = bad & P.decimal_comma_cells(raw)
            groups.append((comma, "found {sample!r}, which only reads as a number with a decimal comma (12,5 = 12.5):"
                                  " say which convention the files use in client.yml: decimal: ',' (1.234,56) or "
                                  "decimal: '.' (1,234.56)",
                           "实际是 {sample!r}，只有把逗号当作小数点（12,5 = 12.5）才能读成数字：请在 client.yml 中说明文件的"
                           "写法：decimal: ','（1.234,56）或 decimal: '.'（1,234.56）"))
            bad = bad & ~comma
        elif declared == ",":
            what = {"money": "an amount", "number": "a number", "int": "a whole number", "rate": "a percentage"}[kind]
            what_zh = {"money": "金额", "number": "数字", "int": "整数", "rate": "百分比"}[kind]
            groups.append((bad.copy(), f"expected {what} written with a decimal comma (1.234,56, as client.yml's "
                                       "decimal: ',' says), found {sample!r}",
                           f"应为以逗号作小数点的{what_zh}（1.234,56，按 client.yml 的 decimal: ','），实际是 {{sample!r}}"))
            bad = bad & False
    if kind == "date":
        far = bad & P.date_out_of_range(raw)
        groups.append((far, f"found {{sample!r}}: dates from {P.DATE_MIN.date()} to {P.DATE_MAX.date()} are "
                            "supported (a typing slip, or a placeholder for 'no date'? leave it blank)",
                       f"实际是 {{sample!r}}：只支持 {P.DATE_MIN.date()} 到 {P.DATE_MAX.date()} 之间的日期"
                       "（是输入错误，还是用来表示“没有日期”的占位值？没有日期请留空）"))
        bad = bad & ~far
    groups.append((bad, f"expected {_KIND_EXPECT.get(kind, kind)}, found {{sample!r}}",
                   f"应为{_KIND_EXPECT_ZH.get(kind, kind)}，实际是 {{sample!r}}"))
    for mask, message, message_zh in groups:
        if mask.any():
            extra, first = rows_text(rows[mask])
            sample = raw[mask].iloc[0]
            sample = sample if len(str(sample)) <= 80 else str(sample)[:77] + "..."
            problems.append(Problem(message.format(sample=sample) + extra, file=fname, sheet=sheet, row=first,
                                    column=header, message_zh=message_zh.format(sample=sample) + _rows_zh(extra)))


def _parse_table(t: Table, frame: pd.DataFrame, fname: str, sheet: str | None, mapping: Mapping[str, str],
                 meta: ClientMeta, problems: list[Problem], warnings: list[Problem],
                 where: Located | None = None) -> pd.DataFrame | None:
    where = where or Located("client.yml", {}, problems)
    lookup = header_lookup(t)
    user = {normalise_label(k): v for k, v in (mapping or {}).items()}
    for raw, canon in (mapping or {}).items():
        if canon not in t.column_names:
            where.add(("columns", t.name, str(raw)),
                      f"columns mapping for {t.name}: {raw!r} -> {canon!r}, but {t.name} has no column {canon!r}; "
                      f"its columns are {', '.join(t.column_names)}")
    chosen: dict[str, str] = {}
    candidates: dict[str, list[str]] = {}
    for header in frame.columns[1:]:
        key = normalise_label(header)
        canon = user.get(key) or lookup.get(key)
        if canon is None and re.search(r"\.\d+$", str(header)):  # a repeated header, renamed "金额.1" on reading
            canon = lookup.get(normalise_label(re.sub(r"\.\d+$", "", str(header))))
        if canon is None:
            continue
        candidates.setdefault(canon, []).append(str(header))
        if canon in chosen:
            if key in user and normalise_label(chosen[canon]) not in user:
                chosen[canon] = header  # the client's explicit mapping wins
            continue
        chosen[canon] = header
    for canon, headers in candidates.items():
        if len(headers) > 1 and normalise_label(chosen[canon]) not in user:
            col = t.column(canon)
            preferred = {normalise_label(p) for p in col.preferred}
            best = [h for h in headers if normalise_label(h) in preferred]
            if len(best) == 1 and P.blank(frame[best[0]]).all() and len(headers) == 2:
                best = [h for h in headers if h != best[0]]  # the precise field is empty in this export
            if len(best) == 1:  # an export's more precise field (or the only one filled in): used, and said
                chosen[canon] = best[0]
                others = ", ".join(repr(h) for h in headers if h != best[0])
                warnings.append(Problem(
                    f"{len(headers)} columns mean {col.zh} / {col.en} ({canon}): {best[0]!r} is used, {others} is not "
                    f"(to use another, name it in client.yml: columns: {{{t.name}: {{'{headers[0]}': {canon}}}}})",
                    file=fname, sheet=sheet, column=best[0], severity="warning",
                    message_zh=f"有{len(headers)}列都表示{col.zh}：用的是 {best[0]!r}，没有用 {others}"
                               f"（要改用另一列，请在 client.yml 中指明：columns: {{{t.name}: {{'{headers[0]}': {canon}}}}}）"))
                continue
            problems.append(Problem(
                f"{len(headers)} columns all mean {col.zh} / {col.en} ({canon}): {', '.join(map(repr, headers))}; "
                f"keep one, or name the one to use in client.yml (columns: {{{t.name}: {{'{headers[0]}': {canon}}}}})",
                file=fname, sheet=sheet, column=headers[1],
                message_zh=f"有{len(headers)}列都表示{col.zh}：{'、'.join(map(repr, headers))}；请只保留一列，"
                           f"或在 client.yml 中指明用哪一列（columns: {{{t.name}: {{'{headers[0]}': {canon}}}}}）"))
    missing = [c for c in t.columns if c.required and c.name not in chosen]
    for c in missing:
        problems.append(Problem(
            f"missing column {c.zh} / {c.en} ({c.name}), which the {t.name} table needs; found columns: "
            f"{', '.join(map(str, frame.columns[1:]))[:300]}. Rename the header or map it in client.yml "
            f"(columns: {{{t.name}: {{'your header': {c.name}}}}})", file=fname, sheet=sheet, column=c.en,
            message_zh=f"缺少{t.zh}表需要的列“{c.zh}”；现有的列："
                       f"{'、'.join(map(str, frame.columns[1:]))[:300]}。请改列名，或在 client.yml 中对应"
                       f"（columns: {{{t.name}: {{'你的列名': {c.name}}}}}）"))
    if t.one_of and not any(all(c in chosen for c in group) for group in t.one_of):
        alts = " or ".join(" and ".join(TABLES[t.name].column(c).zh + " / " + c for c in g) for g in t.one_of)
        cols = dict.fromkeys(c for g in t.one_of for c in g)
        known = "; ".join(f"{c}: {', '.join(dict.fromkeys((t.column(c).zh, t.column(c).en) + t.column(c).aliases))}"
                          for c in cols)
        problems.append(Problem(f"missing column: the {t.name} table needs {alts}. Its headers are: "
                                f"{', '.join(map(str, frame.columns[1:]))[:300]}. Headers recognised: {known}; "
                                f"or map yours in client.yml (columns: {{{t.name}: {{'your header': "
                                f"{t.one_of[0][0]}}}}})", file=fname, sheet=sheet))
    if missing:
        return None
    out = pd.DataFrame({"_row": frame["_row"].to_numpy()})
    order = meta.extra.get("date_format", "mdy")
    unit = meta.extra.get("amount_unit", 1.0)
    declared = meta.extra.get("decimal")
    decimal = declared or "."
    for col in t.columns:
        if col.name not in chosen:
            continue
        header = chosen[col.name]
        raw = frame[header]
        kind = col.kind
        if kind in ("text", "id", "stage"):
            parser, kwargs = P.parse_text, {}
        elif kind in ("money", "number", "int", "rate"):
            parser = {"money": P.parse_money, "number": P.parse_number, "int": P.parse_int, "rate": P.parse_rate}[kind]
            kwargs = {"decimal": decimal}
        elif kind == "date":
            parser, kwargs = P.parse_date, {"order": order}
        elif kind == "bool":
            parser, kwargs = P.parse_bool, {}
        elif kind == "status":
            parser, kwargs = P.parse_status, {}
        else:  # pragma: no cover
            raise AssertionError(kind)
        if isinstance(raw.dtype, pd.CategoricalDtype):  # a big file's column read dictionary-encoded
            values, bad = P.by_distinct(parser, raw, categorical=kind in ("text", "stage", "status"), **kwargs)
        else:
            values, bad = parser(raw, **kwargs)
        if kind == "money":
            values = values * unit * meta.fx_to_rmb
        if bad.any():
            _bad_cells(kind, _plain_text(raw), bad, frame["_row"], declared, problems, fname, sheet, str(header))
        if kind == "money" and t.name in ("opportunities", "snapshots"):
            neg = values.notna() & (values < 0)
            if neg.any():
                extra, first = rows_text(frame.loc[neg, "_row"])
                problems.append(Problem(f"a negative amount ({raw[neg].iloc[0]}) in an opportunity{extra}: an "
                                        "opportunity is worth zero or more; credits and returns belong in the "
                                        "revenue table", file=fname, sheet=sheet, row=first, column=str(header),
                                        message_zh=f"销售机会的金额为负数（{raw[neg].iloc[0]}）{_rows_zh(extra)}："
                                                   "一个机会的金额应为零或正数；红冲和退货请放在收入表中"))
        if col.required:
            empty = values.isna() & ~bad
            if empty.any():
                extra, first = rows_text(frame.loc[empty, "_row"])
                problems.append(Problem(f"is blank, but {col.zh} / {col.en} is required{extra}", file=fname,
                                        sheet=sheet, row=first, column=str(header),
                                        message_zh=f"为空，但“{col.zh}”是必填的{_rows_zh(extra)}"))
        out[col.name] = values.to_numpy() if kind not in ("text", "id", "stage", "status", "bool") else values.values
    out.attrs["columns"] = {k: str(v) for k, v in chosen.items()}
    return out
