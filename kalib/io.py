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
4. normalises the tables (:func:`normalise_tables`): stage names to stage
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import parse as P
from .client import Client, ClientMeta, InputError, Problem
from .config import INDUSTRIES, Config, ConfigError, default_config, normalise_label
from .schema import TABLES, Table, header_lookup, table_lookup

__all__ = ["load_client", "read_client_yml", "normalise_tables", "find_demo", "CLIENT_YML_KEYS", "MAX_LISTED"]

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
IGNORED_SHEETS = {normalise_label(x) for x in ("说明", "readme", "说明readme", "instructions", "使用说明", "填写说明",
                                                "notes", "备注")}
CLIENT_YML_KEYS = {
    "name", "industry", "currency", "fx_to_rmb", "employees", "sales_target", "period", "as_of",
    "fiscal_year_start", "language", "date_format", "amount_unit", "encoding", "columns", "stages", "files",
    "overrides", "notes", "allow_links", "decimal",
}
# At most this many rows are named per problem before "and N more".
MAX_LISTED = 8
# What the loader reads before refusing a file; method.yaml's input_limits
# (overridable in client.yml) replace these.
LIMITS = {"max_file_mb": 512, "max_cell_chars": 1_000_000, "max_xlsx_uncompressed_mb": 1024,
          "max_shared_strings_mb": 100, "max_zip_ratio": 200}


# ---------------------------------------------------------------------------
# locating the client
# ---------------------------------------------------------------------------
def find_demo() -> Path:
    """The demo company's folder: the repository's ``data/demo``, else a copy
    generated (by the seeded generator) into the user's cache."""
    here = Path(__file__).resolve().parent
    repo = here.parent / "data" / "demo"
    if repo.is_dir() and any(repo.iterdir()):
        return repo
    cache = Path(os.environ.get("KALIB_CACHE", Path.home() / ".cache" / "kalib")) / "demo"
    if not (cache.is_dir() and any(cache.iterdir())):
        from . import demo

        frames, meta = demo.generate()
        demo.write_client(frames, meta, cache)
    return cache


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
# client.yml
# ---------------------------------------------------------------------------
def read_client_yml(path: Path | None, problems: list[Problem]) -> dict[str, Any]:
    """Read and check ``client.yml`` (a safe YAML load: nothing in it is executed)."""
    if path is None or not path.exists():
        return {}
    fname = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        try:
            data = yaml.safe_load(path.read_text(encoding="gb18030"))
        except Exception as exc:  # pragma: no cover - unusual
            problems.append(Problem(f"cannot read the file: {exc}", file=fname))
            return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(f"is not valid YAML: {getattr(exc, 'problem', exc)}", file=fname,
                                row=(mark.line + 1) if mark else None))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem("must be a mapping of settings (key: value lines)", file=fname))
        return {}
    unknown = sorted(set(map(str, data)) - CLIENT_YML_KEYS)
    for key in unknown:
        problems.append(Problem(f"unknown setting {key!r}; known settings: {', '.join(sorted(CLIENT_YML_KEYS))}",
                                file=fname, column=key))
    return data


def _meta_from_yml(data: Mapping[str, Any], default_name: str, problems: list[Problem],
                   fname: str = "client.yml") -> ClientMeta:
    def num(key: str, kind=float, positive=True):
        v = data.get(key)
        if v is None or v == "":
            return None
        try:
            if isinstance(v, str):
                parsed, bad = P.parse_money(pd.Series([v]))
                if bad.iloc[0]:
                    raise ValueError
                v = parsed.iloc[0]
            x = kind(v)
            if positive and x <= 0:
                raise ValueError
            return x
        except (TypeError, ValueError):
            problems.append(Problem(f"{key} must be a positive number, not {v!r}", file=fname, column=key))
            return None

    industry = str(data.get("industry") or "manufacturing").strip().lower()
    zh_industry = {"制造业": "manufacturing", "制造": "manufacturing", "服务业": "services", "服务": "services",
                   "service": "services"}
    industry = zh_industry.get(industry, industry)
    if industry not in INDUSTRIES:
        problems.append(Problem(f"industry must be manufacturing (制造业) or services (服务业), not {industry!r}",
                                file=fname, column="industry"))
        industry = "manufacturing"
    fx = num("fx_to_rmb") or 1.0
    currency = str(data.get("currency") or "RMB").strip().upper()
    if currency not in ("RMB", "CNY", "元") and "fx_to_rmb" not in data:
        problems.append(Problem(f"currency is {currency}: set fx_to_rmb (how many RMB one {currency} is worth)",
                                file=fname, column="fx_to_rmb"))
    unit = data.get("amount_unit")
    unit_factor = 1.0
    if unit:
        if str(unit).strip().lower() not in P.UNIT_FACTORS:
            problems.append(Problem(f"amount_unit must be one of {', '.join(P.UNIT_FACTORS)}, not {unit!r}",
                                    file=fname, column="amount_unit"))
        else:
            unit_factor = P.UNIT_FACTORS[str(unit).strip().lower()]
    target = num("sales_target")
    lang = str(data.get("language") or "zh")
    if lang not in ("zh", "en"):
        problems.append(Problem(f"language must be zh or en, not {lang!r}", file=fname, column="language"))
        lang = "zh"
    fys = data.get("fiscal_year_start", 1)
    if not isinstance(fys, int) or not 1 <= fys <= 12:
        problems.append(Problem(f"fiscal_year_start must be a month number 1–12, not {fys!r}", file=fname,
                                column="fiscal_year_start"))
        fys = 1
    emp = num("employees", kind=float)
    order = str(data.get("date_format") or "mdy").lower().replace("/", "").replace("-", "")
    if order not in ("mdy", "dmy", "ymd"):
        problems.append(Problem(f"date_format must be ymd, mdy or dmy, not {data.get('date_format')!r}",
                                file=fname, column="date_format"))
        order = "mdy"
    as_of = data.get("as_of")
    if as_of is not None:
        d, bad = P.parse_date(pd.Series([str(as_of)]))
        if bad.iloc[0]:
            problems.append(Problem(f"as_of must be a date, not {as_of!r}", file=fname, column="as_of"))
            as_of = None
        else:
            as_of = str(d.iloc[0].date())
    return ClientMeta(
        name=str(data.get("name") or default_name),
        industry=industry,
        currency=currency,
        fx_to_rmb=float(fx),
        employees=int(emp) if emp else None,
        sales_target=float(target) * fx * unit_factor if target else None,
        period=str(data["period"]) if data.get("period") is not None else None,
        as_of=as_of,
        fiscal_year_start=fys,
        language=lang,
        extra={"date_format": order, "amount_unit": unit_factor, "encoding": data.get("encoding")},
    )


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


def _read_csv(path: Path, encoding: str | None, limits: Mapping[str, float] = LIMITS) -> pd.DataFrame:
    """All cells as text; row numbers as a person sees them in column ``_row``."""
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
    df = None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if enc.startswith("utf-8") else enc, skip_rows=1,
                                           column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
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
            lengths = df[col].str.len()
            if lengths.max() > max_cell:
                at = int(lengths.to_numpy().argmax())
                raise _RowError(int(df["_row"].iloc[at]), f"a cell of {int(lengths.iloc[at]):,} characters, above "
                                                          f"the limit of {max_cell:,}", column=str(col))
    return df


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
def _table_for(name: str, files_map: Mapping[str, str]) -> str | None:
    key = normalise_label(re.sub(r"\.(csv|tsv|txt|xlsx|xlsm)$", "", name, flags=re.I))
    for table, fname in files_map.items():
        if normalise_label(str(fname)) in (key, normalise_label(name)):
            return table
    lookup = table_lookup()
    if key in lookup:
        return lookup[key]
    # "01-销售机会", "客户 Customers", "opportunities_2024": try pieces.
    for piece in re.split(r"[\s_\-·.()（）]+", re.sub(r"^\d+", "", name)):
        p = normalise_label(piece)
        if p in lookup:
            return lookup[p]
    return None


def load_client(
    source: str | os.PathLike,
    *,
    as_of: str | pd.Timestamp | None = None,
    period: str | None = None,
    industry: str | None = None,
    overrides: Mapping[str, Any] | None = None,
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
    settings = read_client_yml(yml, problems)
    yname = yml.name if yml else "client.yml"
    meta = _meta_from_yml(settings, default_name, problems, yname)
    if industry is not None:
        if industry not in INDUSTRIES:
            raise ValueError(f"industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}")
        meta.industry = industry
    if period is not None:
        meta.period = str(period)
    if as_of is not None:
        meta.as_of = str(pd.Timestamp(as_of).date())
    try:
        cfg = default_config().with_overrides(settings.get("overrides"))
        cfg = cfg.with_overrides(overrides)
    except ConfigError as exc:
        problems.append(Problem(f"overrides: {exc}", file=yname, column="overrides"))
        cfg = default_config()
    stage_map = settings.get("stages") or {}
    if stage_map and not isinstance(stage_map, Mapping):
        problems.append(Problem("stages must map your stage names to kalib's stage keys", file=yname, column="stages"))
        stage_map = {}
    known = set(cfg.stage_order())
    for raw, key in dict(stage_map).items():
        if key not in known:
            problems.append(Problem(f"stages: {raw!r} is mapped to {key!r}, which is not a stage; "
                                    f"stages are: {', '.join(cfg.stage_order())}", file=yname, column="stages"))
    col_map = settings.get("columns") or {}
    files_map = settings.get("files") or {}
    limits = _limits(cfg, problems, yname)
    allow_links = settings.get("allow_links", False)
    if not isinstance(allow_links, bool):
        problems.append(Problem(f"allow_links must be true or false, not {allow_links!r}", file=yname,
                                column="allow_links"))
        allow_links = False
    decimal = settings.get("decimal")
    if decimal is not None and str(decimal) not in (".", ","):
        problems.append(Problem(f"decimal must be '.' (1,234.56) or ',' (1.234,56), not {decimal!r}", file=yname,
                                column="decimal"))
        decimal = None
    meta.extra["decimal"] = None if decimal is None else str(decimal)
    if not files:
        problems.append(Problem("no data files found (CSV or XLSX)", file=str(path.name)))

    raw_tables: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    warnings: list[Problem] = []
    for f in files:
        refusal = _refusal(f, path if path.is_dir() else None, allow_links, limits)
        if refusal:
            regular = f.is_file() and not f.is_symlink()
            if path.is_dir() and not regular and not f.is_symlink() and _table_for(f.name, files_map) is None:
                warnings.append(Problem(f"{refusal}; ignored", file=f.name, severity="warning"))
            else:
                problems.append(Problem(refusal, file=f.name))
            continue
        try:
            if f.suffix.lower() in (".xlsx", ".xlsm"):
                sheets = _read_xlsx(f, limits, meta.extra.get("decimal") or ".")
            else:
                sheets = {None: _read_csv(f, meta.extra.get("encoding"), limits)}
        except _RowError as exc:
            problems.append(Problem(str(exc), file=f.name, sheet=exc.sheet, row=exc.row, column=exc.column))
            continue
        except MemoryError:
            problems.append(Problem("is too large to read in the memory available", file=f.name))
            continue
        except (UnicodeError, ValueError) as exc:
            problems.append(Problem(str(exc), file=f.name))
            continue
        except Exception as exc:
            problems.append(Problem(f"cannot be read: {type(exc).__name__}: {exc}", file=f.name))
            continue
        for sheet, frame in sheets.items():
            label = sheet if sheet is not None else f.name
            if sheet is not None and normalise_label(sheet) in IGNORED_SHEETS:
                continue
            table = _table_for(label, files_map)
            if table is None and sheet is not None and len(sheets) == 1:
                table = _table_for(f.name, files_map)
            if table is None:
                warnings.append(Problem("not recognised as a table, ignored (name it after a table, e.g. "
                                        "销售机会/opportunities, or map it under files: in client.yml)",
                                        file=f.name, sheet=sheet, severity="warning"))
                continue
            if frame is None or (len(frame.columns) <= 1):
                problems.append(Problem(f"is empty: no header row (the {TABLES[table].zh} / {table} table needs "
                                        f"at least the columns {_required_names(TABLES[table])})",
                                        file=f.name, sheet=sheet))
                continue
            if table in raw_tables:
                prev = raw_tables[table]
                problems.append(Problem(f"holds the {table} table, which {prev[1]}"
                                        f"{' › ' + prev[2] if prev[2] else ''} also holds; keep one",
                                        file=f.name, sheet=sheet))
                continue
            if len(frame) == 0:
                warnings.append(Problem(f"has a header but no rows: the {table} table is treated as absent",
                                        file=f.name, sheet=sheet, severity="warning"))
                continue
            raw_tables[table] = (frame, f.name, sheet)

    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for table, (frame, fname, sheet) in raw_tables.items():
        parsed = _parse_table(TABLES[table], frame, fname, sheet, col_map.get(table) or {}, meta, problems, warnings)
        if parsed is not None:
            parsed.attrs["source"] = {"file": fname, "sheet": sheet}
            frames[table] = parsed
            sources[table] = fname + (f" › {sheet}" if sheet else "")
    # One pass: stage names are checked even when cells are bad, so one problem never hides another.
    frames, more, derived = normalise_tables(frames, cfg, meta, stage_map=stage_map, problems=problems)
    warnings.extend(more)
    if problems:
        raise InputError(problems, source=str(path))
    client = Client(frames, meta=meta, config=cfg, warnings=warnings, path=path, sources=sources, derived=derived)
    if period is not None or meta.period is not None:
        try:
            client.period()
        except ValueError as exc:
            raise InputError([Problem(str(exc), file=yname if period is None else None, column="period")],
                             source=str(path)) from None
    return client


def _required_names(t: Table) -> str:
    cols = [c for c in t.columns if c.required]
    return ", ".join(f"{c.zh} ({c.en})" for c in cols) or "(none)"


def _rows_text(rows: pd.Series, values: pd.Series | None = None) -> tuple[str, int | None]:
    rows = rows.astype("int64")
    n = len(rows)
    first = int(rows.iloc[0]) if n else None
    if n == 1:
        return "", first
    listed = ", ".join(str(r) for r in rows.iloc[:MAX_LISTED])
    more = f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
    return f" (rows {listed}{more})", first


_KIND_EXPECT = {
    "money": "an amount (e.g. 12,500 or 1.2万)",
    "number": "a number",
    "int": "a whole number",
    "rate": "a percentage (e.g. 35% or 0.35)",
    "date": "a date (e.g. 2024-03-05, 2024/3/5, 3/5/2024)",
    "bool": "yes or no (是/否)",
    "status": "won, lost or open (赢单/丢单/进行中)",
}


def _bad_cells(kind: str, raw: pd.Series, bad: pd.Series, rows: pd.Series, declared: str | None,
               problems: list[Problem], fname: str, sheet: str | None, header: str) -> None:
    """Problems for the cells of one column that could not be read, by what is wrong with them."""
    groups: list[tuple[pd.Series, str]] = []
    if kind in ("money", "number", "int", "rate"):
        nonfinite = bad & P.nonfinite_cells(raw)
        groups.append((nonfinite, "expected a finite number, found {sample!r} (NaN, infinity or too large)"))
        bad = bad & ~nonfinite
        if declared is None and kind != "rate":
            comma = bad & P.decimal_comma_cells(raw)
            groups.append((comma, "found {sample!r}, which only reads as a number with a decimal comma (12,5 = 12.5):"
                                  " say which convention the files use in client.yml: decimal: ',' (1.234,56) or "
                                  "decimal: '.' (1,234.56)"))
            bad = bad & ~comma
        elif declared == ",":
            what = {"money": "an amount", "number": "a number", "int": "a whole number", "rate": "a percentage"}[kind]
            groups.append((bad.copy(), f"expected {what} written with a decimal comma (1.234,56, as client.yml's "
                                       "decimal: ',' says), found {sample!r}"))
            bad = bad & False
    if kind == "date":
        far = bad & P.date_out_of_range(raw)
        groups.append((far, f"found {{sample!r}}: dates from {P.DATE_MIN.date()} to {P.DATE_MAX.date()} are "
                            "supported (a typing slip, or a placeholder for 'no date'? leave it blank)"))
        bad = bad & ~far
    groups.append((bad, f"expected {_KIND_EXPECT.get(kind, kind)}, found {{sample!r}}"))
    for mask, message in groups:
        if mask.any():
            extra, first = _rows_text(rows[mask])
            sample = raw[mask].iloc[0]
            sample = sample if len(str(sample)) <= 80 else str(sample)[:77] + "..."
            problems.append(Problem(message.format(sample=sample) + extra, file=fname, sheet=sheet, row=first,
                                    column=header))


def _parse_table(t: Table, frame: pd.DataFrame, fname: str, sheet: str | None, mapping: Mapping[str, str],
                 meta: ClientMeta, problems: list[Problem], warnings: list[Problem]) -> pd.DataFrame | None:
    lookup = header_lookup(t)
    user = {normalise_label(k): v for k, v in (mapping or {}).items()}
    for raw, canon in (mapping or {}).items():
        if canon not in t.column_names:
            problems.append(Problem(f"columns mapping for {t.name}: {raw!r} -> {canon!r}, but {t.name} has no "
                                    f"column {canon!r}; its columns are {', '.join(t.column_names)}",
                                    file="client.yml", column="columns"))
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
            problems.append(Problem(
                f"{len(headers)} columns all mean {col.zh} / {col.en} ({canon}): {', '.join(map(repr, headers))}; "
                f"keep one, or name the one to use in client.yml (columns: {{{t.name}: {{'{headers[0]}': {canon}}}}})",
                file=fname, sheet=sheet, column=headers[1]))
    missing = [c for c in t.columns if c.required and c.name not in chosen]
    for c in missing:
        problems.append(Problem(
            f"missing column {c.zh} / {c.en} ({c.name}), which the {t.name} table needs; found columns: "
            f"{', '.join(map(str, frame.columns[1:]))[:300]}. Rename the header or map it in client.yml "
            f"(columns: {{{t.name}: {{'your header': {c.name}}}}})", file=fname, sheet=sheet, column=c.en))
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
            values, bad = P.parse_text(raw)
        elif kind == "money":
            values, bad = P.parse_money(raw, decimal=decimal)
            values = values * unit * meta.fx_to_rmb
        elif kind == "number":
            values, bad = P.parse_number(raw, decimal=decimal)
        elif kind == "int":
            values, bad = P.parse_int(raw, decimal=decimal)
        elif kind == "rate":
            values, bad = P.parse_rate(raw, decimal=decimal)
        elif kind == "date":
            values, bad = P.parse_date(raw, order=order)
        elif kind == "bool":
            values, bad = P.parse_bool(raw)
        elif kind == "status":
            values, bad = P.parse_status(raw)
        else:  # pragma: no cover
            raise AssertionError(kind)
        if bad.any():
            _bad_cells(kind, raw, bad, frame["_row"], declared, problems, fname, sheet, str(header))
        if kind == "money" and t.name in ("opportunities", "snapshots"):
            neg = values.notna() & (values < 0)
            if neg.any():
                extra, first = _rows_text(frame.loc[neg, "_row"])
                problems.append(Problem(f"a negative amount ({raw[neg].iloc[0]}) in an opportunity{extra}: an "
                                        "opportunity is worth zero or more; credits and returns belong in the "
                                        "revenue table", file=fname, sheet=sheet, row=first, column=str(header)))
        if col.required:
            empty = values.isna() & ~bad
            if empty.any():
                extra, first = _rows_text(frame.loc[empty, "_row"])
                problems.append(Problem(f"is blank, but {col.zh} / {col.en} is required{extra}", file=fname,
                                        sheet=sheet, row=first, column=str(header)))
        out[col.name] = values.to_numpy() if kind not in ("text", "id", "stage", "status", "bool") else values.values
    if t.key and t.key in out:
        k = out[t.key]
        dup = k.notna() & k.duplicated(keep=False)
        if dup.any():
            first_val = k[dup].iloc[0]
            rows = out.loc[dup & (k == first_val), "_row"]
            n_keys = k[dup].nunique()
            problems.append(Problem(
                f"duplicate {t.column(t.key).zh} / {t.key} {first_val!r} (rows {', '.join(map(str, rows.iloc[:MAX_LISTED]))})"
                + (f"; {n_keys - 1} other value(s) are duplicated too" if n_keys > 1 else "")
                + "; each must appear once",
                file=fname, sheet=sheet, row=int(rows.iloc[0]), column=str(chosen[t.key])))
    if t.name == "snapshots" and {"snapshot_date", "opportunity_id"} <= set(out.columns):
        dup = out.duplicated(["snapshot_date", "opportunity_id"], keep=False) & out["opportunity_id"].notna()
        if dup.any():
            r = out.loc[dup]
            problems.append(Problem(
                f"opportunity {r['opportunity_id'].iloc[0]!r} appears more than once in the snapshot of "
                f"{r['snapshot_date'].iloc[0].date()} (rows {', '.join(map(str, r['_row'].iloc[:MAX_LISTED]))})",
                file=fname, sheet=sheet, row=int(r["_row"].iloc[0]), column=str(chosen["opportunity_id"])))
    if t.name == "nps" and "score" in out:
        s = out["score"]
        bad = s.notna() & ((s < 0) | (s > 10))
        if bad.any():
            extra, first = _rows_text(out.loc[bad, "_row"])
            problems.append(Problem(f"an NPS score is from 0 to 10, found {s[bad].iloc[0]:g}{extra}", file=fname,
                                    sheet=sheet, row=first, column=str(chosen["score"])))
    out.attrs["columns"] = {k: str(v) for k, v in chosen.items()}
    return out


# ---------------------------------------------------------------------------
# normalisation (shared with Client.from_frames)
# ---------------------------------------------------------------------------
_DTYPES = {"text": "str", "id": "str", "stage": "str", "status": "str"}


def _ensure_columns(t: Table, df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in t.columns:
        if col.name in df.columns:
            continue
        if col.kind in ("money", "number", "int", "rate"):
            df[col.name] = np.nan
        elif col.kind == "date":
            df[col.name] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        elif col.kind == "bool":
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype="boolean")
        else:
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype="str")
    return df


def _coerce(t: Table, df: pd.DataFrame) -> pd.DataFrame:
    """Give in-memory frames (tests, generated data) the loader's dtypes."""
    df = df.copy()
    for col in t.columns:
        if col.name not in df.columns:
            continue
        s = df[col.name]
        if col.kind == "date" and not pd.api.types.is_datetime64_any_dtype(s):
            df[col.name] = P.parse_date(s.astype("str").where(s.notna()) if s.dtype == object else s)[0]
        elif col.kind == "date":
            df[col.name] = P.parse_date(s)[0]
        elif col.kind in ("money", "number", "int") and not pd.api.types.is_numeric_dtype(s):
            df[col.name] = P.parse_money(s)[0]
        elif col.kind in ("money", "number", "int"):
            df[col.name] = s.astype("float64")
        elif col.kind == "rate":
            df[col.name] = P.parse_rate(s)[0]
        elif col.kind == "bool":
            df[col.name] = P.parse_bool(s)[0]
        elif col.kind == "status":
            df[col.name] = P.parse_status(s)[0]
        elif col.kind in _DTYPES and str(s.dtype) != "str":
            df[col.name] = P.parse_text(s)[0]
    return df


def _report(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None,
            severity: str = "error") -> None:
    """Add one problem covering the rows in ``mask`` (``{n}`` in the message is their count).

    Locates it by the table's source file/sheet, the first row (all rows for
    an error; only a single row for a warning) and the client's header.
    """
    n = int(mask.sum())
    if n == 0:
        return
    src = df.attrs.get("source") or {}
    rows = df.loc[mask, "_row"] if "_row" in df else pd.Series([], dtype="int64")
    first = int(rows.iloc[0]) if len(rows) else None
    extra = ""
    if len(rows) > 1:
        more = " and more" if len(rows) > MAX_LISTED else ""
        extra = f" (rows {', '.join(map(str, rows.iloc[:MAX_LISTED]))}{more})"
    cols = df.attrs.get("columns")
    header = (cols.get(column) if cols is not None else column) if column else None
    if severity == "warning" and n > 1:
        first = None
    out.append(Problem(message.replace("{n}", str(n)) + extra, file=src.get("file"), sheet=src.get("sheet"),
                       row=first, column=header, severity=severity, count=n))


def _warn(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None) -> None:
    _report(out, df, mask, message, column, severity="warning")


def _error(out: list[Problem], df: pd.DataFrame, mask: pd.Series, message: str, column: str | None = None) -> None:
    _report(out, df, mask, message, column)


def _fast_map(s: pd.Series, mapping: Mapping[Any, Any], dtype: str = "str") -> pd.Series:
    """``s.map(mapping)`` through the distinct values (much faster on millions of rows)."""
    codes, uniques = pd.factorize(s)
    values = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=s.index).astype(dtype)


def _map_stages(df: pd.DataFrame, cfg: Config, stage_map: Mapping[str, str], problems: list[Problem]) -> pd.DataFrame:
    lookup = cfg.stage_lookup()
    for raw, key in (stage_map or {}).items():
        lookup[normalise_label(raw)] = key
    raw = df["stage"]
    uniq = pd.Series(raw.dropna().unique())
    mapped = {u: lookup.get(normalise_label(u)) for u in uniq}
    unknown = [u for u, k in mapped.items() if k is None]
    for u in unknown:
        mask = raw == u
        _error(problems, df, mask,
               f"unknown stage {u!r} ({{n}} row(s)); known stages: "
               f"{', '.join(s['key'] + ' ' + s['zh'] for s in cfg.stages())}. Map it in client.yml "
               f"(stages: {{'{u}': qualified}})", column="stage")
    df = df.copy()
    df["stage_raw"] = raw
    df["stage"] = _fast_map(raw, mapped)
    return df


def _derive_status(df: pd.DataFrame, cfg: Config, problems: list[Problem]) -> pd.DataFrame:
    stage_status = _fast_map(df["stage"], cfg.stage_status())
    given = df["status"] if "status" in df else pd.Series(pd.NA, index=df.index, dtype="str")
    # An explicit won/lost wins; an explicit open (or 0/false from an IsWon column) defers to the stage.
    status = given.where(given.isin(["won", "lost"]), stage_status)
    conflict = given.isin(["won", "lost"]) & stage_status.isin(["won", "lost"]) & (given != stage_status)
    _error(problems, df, conflict, "status contradicts the stage ({n} row(s)): a deal cannot be both won and lost",
           column="status")
    df = df.copy()
    df["status"] = status.astype("str")
    return df


def _canon_name_map(names: pd.Series) -> dict[str, str]:
    return {normalise_label(n): n for n in names.dropna().unique()}


def normalise_tables(frames: dict[str, pd.DataFrame], cfg: Config, meta: ClientMeta, *,
                     stage_map: Mapping[str, str] | None = None,
                     problems: list[Problem] | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem], dict[str, str]]:
    """Bring canonical tables to one shape; returns ``(frames, warnings, derived)``.

    Errors (unknown stages, contradictions) go to ``problems`` when given, else
    raise :class:`InputError`.
    """
    raise_after = problems is None
    problems = [] if problems is None else problems
    warnings: list[Problem] = []
    derived: dict[str, str] = {}
    out: dict[str, pd.DataFrame] = {}
    for name, df in frames.items():
        t = TABLES[name]
        attrs = dict(df.attrs)
        df = _ensure_columns(t, _coerce(t, df))
        if "_row" not in df:
            df.insert(0, "_row", np.arange(2, len(df) + 2, dtype="int64"))
        df.attrs.update(attrs)
        out[name] = df

    for name in ("opportunities", "snapshots"):
        if name in out:
            df = _map_stages(out[name], cfg, stage_map or {}, problems)
            df = _derive_status(df, cfg, problems)
            out[name] = df

    # Customers: account IDs (CRM exports) to names.
    if "customers" in out:
        cust = out["customers"]
        idmap = {}
        if cust["customer_id"].notna().any():
            idmap = dict(zip(cust["customer_id"].dropna(), cust.loc[cust["customer_id"].notna(), "customer"]))
        for name in ("revenue", "opportunities", "snapshots", "nps"):
            if name in out and idmap:
                df = out[name]
                hit = df["customer"].isin(idmap.keys())
                if hit.any():
                    df = df.copy()
                    df.loc[hit, "customer"] = df.loc[hit, "customer"].map(idmap)
                    out[name] = df

    if problems and raise_after:
        raise InputError(problems)
    if problems:
        return out, warnings, derived

    # Revenue: amount from quantity × unit price; else from won opportunities.
    if "revenue" in out:
        rev = out["revenue"]
        fill = rev["amount"].isna() & rev["quantity"].notna() & rev["unit_price"].notna()
        if fill.any():
            rev = rev.copy()
            rev.loc[fill, "amount"] = rev.loc[fill, "quantity"] * rev.loc[fill, "unit_price"]
        _error(problems, rev, rev["amount"].isna(),
               "revenue row(s) with no amount (and no quantity × unit price): {n}", column="amount")
        _warn(warnings, rev, rev["customer"].isna(),
              "{n} revenue row(s) have no customer: counted in total revenue as 'unassigned', never as a customer",
              column="customer")
        out["revenue"] = rev
    elif "opportunities" in out:
        o = out["opportunities"]
        won = o[(o["status"] == "won") & o["amount"].notna()]
        if len(won):
            date = won["closed_date"].fillna(won["expected_close"])
            rev = pd.DataFrame({
                "_row": won["_row"].to_numpy(), "date": date.to_numpy(), "customer": won["customer"].to_numpy(),
                "product": won["product"].to_numpy(), "amount": won["amount"].to_numpy(),
                "salesperson": won["owner"].to_numpy(), "invoice_id": won["opportunity_id"].to_numpy(),
            })
            rev = _ensure_columns(TABLES["revenue"], rev)
            rev.attrs["source"] = o.attrs.get("source")
            nodate = rev["date"].isna()
            _warn(warnings, o.loc[won.index], pd.Series(nodate.to_numpy(), index=won.index),
                  "{n} won opportunity(ies) have no closed or expected-close date: left out of revenue")
            out["revenue"] = rev.loc[~nodate].reset_index(drop=True)
            derived["revenue"] = "opportunities"
            warnings.append(Problem(f"no revenue table: revenue is taken from {int((~nodate).sum())} won "
                                    "opportunities (amount on the closed date)", severity="warning",
                                    count=int((~nodate).sum())))

    if "opportunities" in out:
        o = out["opportunities"]
        noamt = o["amount"].isna()
        _warn(warnings, o, noamt & (o["status"] == "open"),
              "{n} open opportunity(ies) have no amount: counted, but not in amounts or weighted totals",
              column="amount")
        _warn(warnings, o, noamt & (o["status"] != "open"),
              "{n} closed opportunity(ies) have no amount: counted in win rates, not in amounts", column="amount")
        _warn(warnings, o, o["customer"].isna(), "{n} opportunity(ies) have no customer", column="customer")
        _warn(warnings, o, o["owner"].isna(), "{n} opportunity(ies) have no owner", column="owner")
        # A rep's win rate is an override only where it says something the stage does not.
        ov = o["win_rate_override"]
        stage_rate = _fast_map(o["stage"], cfg.stage_rates(), "float64")
        same = ov.notna() & (((ov - stage_rate).abs() < 1e-9) | (o["status"] != "open"))
        zero_open = ov.notna() & (ov == 0) & (o["status"] == "open") & (stage_rate > 0)
        if (same | zero_open).any():
            o = o.copy()
            _warn(warnings, o, zero_open,
                  "{n} open opportunity(ies) carry a win rate of 0% while their stage is open: read as no "
                  "override (close the deal as lost or abandoned if it is dead)", column="win_rate_override")
            o.loc[same | zero_open, "win_rate_override"] = np.nan
        closed_no_date = (o["status"] != "open") & o["closed_date"].isna()
        if closed_no_date.any():
            o = o.copy()
            fill = o["expected_close"].where(closed_no_date)
            o.loc[closed_no_date, "closed_date"] = fill[closed_no_date]
            _warn(warnings, o, closed_no_date,
                  "{n} closed opportunity(ies) have no closed date: their expected close date is used",
                  column="closed_date")
            out["opportunities"] = o

    # Product names spelled differently from the product list.
    if "products" in out:
        canon = _canon_name_map(out["products"]["product"])
        for name in ("revenue", "opportunities", "snapshots"):
            if name not in out:
                continue
            df = out[name]
            prod = df["product"]
            known = prod.isin(canon.values())
            fixable = prod.notna() & ~known
            if fixable.any():
                fixed = prod[fixable].map(lambda p: canon.get(normalise_label(p)))
                ok = fixed.notna()
                if ok.any():
                    df = df.copy()
                    df.loc[fixed[ok].index, "product"] = fixed[ok]
                    mask = pd.Series(False, index=df.index)
                    mask[fixed[ok].index] = True
                    _warn(warnings, df, mask,
                          "{n} product name(s) differ in spelling from the product list and were matched to it "
                          f"(e.g. {prod[fixed[ok].index[0]]!r} → {fixed[ok].iloc[0]!r})", column="product")
                unknown = fixed.isna()
                if unknown.any():
                    mask = pd.Series(False, index=df.index)
                    mask[fixed[unknown].index] = True
                    names = ", ".join(repr(x) for x in prod[mask].drop_duplicates().iloc[:5])
                    _warn(warnings, df, mask,
                          "{n} row(s) name products that are not in the product list (" + names + "): kept as given",
                          column="product")
                out[name] = df

    for name in ("deal_scores", "stakeholders"):
        if name in out and "opportunities" in out:
            df = out[name]
            orphan = df["opportunity_id"].notna() & ~df["opportunity_id"].isin(out["opportunities"]["opportunity_id"])
            _warn(warnings, df, orphan, "{n} row(s) name an opportunity that is not in the opportunities table",
                  column="opportunity_id")

    if problems and raise_after:
        raise InputError(problems)
    return out, warnings, derived
