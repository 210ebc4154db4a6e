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
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import parse as P
from .client import Client, normalise, parse_period
from .config import INDUSTRIES, default_config, normalise_label
from .problems import Problem
from .schema import TABLES, Table, header_lookup, table_lookup
from .tables import MAX_LISTED, _rows_text, normalise_tables
from .settings import (CLIENT_YML_KEYS, DATE_RANGE, ClientMeta, Located, check_date, check_overrides,
                       meta_from_settings, read_settings)

__all__ = ["load_client", "read_client_yml", "normalise_tables", "find_demo", "CLIENT_YML_KEYS", "MAX_LISTED"]

DATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
IGNORED_SHEETS = {normalise_label(x) for x in ("说明", "readme", "说明readme", "instructions", "使用说明", "填写说明",
                                                "notes", "备注")}
#: Read and check a client.yml (kept under this name for callers of the loader).
read_client_yml = read_settings


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
    for enc in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sample.
            codecs.getincrementaldecoder(enc)().decode(head, final=len(head) == size)
            return enc
        except UnicodeDecodeError:
            continue
    raise UnicodeError("cannot tell the text encoding (tried UTF-8 and GBK/GB18030); save it as 'CSV UTF-8'")


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    """All cells as text; row numbers as a person sees them in column ``_row``."""
    enc = _detect_encoding(path, encoding)
    with open(path, encoding=enc, newline="") as fh:
        first = fh.readline()
    if not first.strip():
        raise ValueError("the file is empty (no header row)")
    delim = max([",", ";", "\t", "|"], key=first.count) if path.suffix.lower() != ".tsv" else "\t"
    import csv

    header = next(csv.reader([first], delimiter=delim))
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
                                                 strings_can_be_null=True, null_values=P.NULLISH),
        )
        df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get,
                             self_destruct=True, split_blocks=True)
        del table
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        df = None
    except Exception as exc:  # ragged rows and the like: let pandas name the line
        if "column" not in str(exc).lower() and "row" not in str(exc).lower():
            raise
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
            raise
    df.columns = header if len(set(header)) == len(header) else _dedupe(header)
    df.insert(0, "_row", np.arange(2, len(df) + 2, dtype="int64"))
    return df


class _RowError(ValueError):
    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row = row


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        out.append(h if n == 0 else f"{h}.{n}")
        seen[h] = n + 1
    return out


def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v)
    return s


def _read_xlsx(path: Path) -> dict[str, pd.DataFrame | None]:
    """Every sheet as text (None for a sheet with nothing in it)."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on data validation and styles
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[str, pd.DataFrame | None] = {}
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = None
            data: list[list[str | None]] = []
            row_numbers: list[int] = []
            header_row = 0
            for i, row in enumerate(rows, start=1):
                cells = [_cell_text(v) for v in row]
                if header is None:
                    if any(c not in (None, "") for c in cells):
                        header = [(c or "").strip() for c in cells]
                        header_row = i
                    continue
                if any(c not in (None, "") for c in cells):
                    data.append(cells)
                    row_numbers.append(i)
            if header is None:
                out[ws.title] = None
                continue
            while header and header[-1] == "":
                header.pop()
            width = len(header)
            names = [h if h else f"(column {openpyxl.utils.get_column_letter(j + 1)})" for j, h in enumerate(header)]
            frame = pd.DataFrame([r[:width] + [None] * (width - len(r)) for r in data], columns=_dedupe(names),
                                 dtype="str")
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
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
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
    col_map = settings.get("columns") or {}
    files_map = settings.get("files") or {}
    if not files:
        problems.append(Problem("no data files found (CSV or XLSX)", file=str(path.name)))

    raw_tables: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    warnings: list[Problem] = []
    for f in files:
        try:
            if f.suffix.lower() in (".xlsx", ".xlsm"):
                sheets = _read_xlsx(f)
            else:
                sheets = {None: _read_csv(f, meta.extra.get("encoding"))}
        except _RowError as exc:
            problems.append(Problem(str(exc), file=f.name, row=exc.row))
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
        parsed = _parse_table(TABLES[table], frame, fname, sheet, col_map.get(table) or {}, meta, problems, warnings,
                              where=where)
        if parsed is not None:
            parsed.attrs["source"] = {"file": fname, "sheet": sheet}
            frames[table] = parsed
            sources[table] = fname + (f" › {sheet}" if sheet else "")
    client = normalise(frames, meta, cfg, stage_map=stage_map, path=path, sources=sources, warnings=warnings,
                       problems=problems)
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


_KIND_EXPECT = {
    "money": "an amount (e.g. 12,500 or 1.2万)",
    "number": "a number",
    "int": "a whole number",
    "rate": "a percentage (e.g. 35% or 0.35)",
    "date": "a date (e.g. 2024-03-05, 2024/3/5, 3/5/2024)",
    "bool": "yes or no (是/否)",
    "status": "won, lost or open (赢单/丢单/进行中)",
}


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
    for header in frame.columns[1:]:
        key = normalise_label(header)
        canon = user.get(key) or lookup.get(key)
        if canon is None:
            continue
        if canon in chosen:
            if key in user and normalise_label(chosen[canon]) not in user:
                chosen[canon] = header  # the client's explicit mapping wins
            continue
        chosen[canon] = header
    missing = [c for c in t.columns if c.required and c.name not in chosen]
    for c in missing:
        problems.append(Problem(
            f"missing column {c.zh} / {c.en} ({c.name}), which the {t.name} table needs; found columns: "
            f"{', '.join(map(str, frame.columns[1:]))[:300]}. Rename the header or map it in client.yml "
            f"(columns: {{{t.name}: {{'your header': {c.name}}}}})", file=fname, sheet=sheet, column=c.en))
    if t.one_of and not any(all(c in chosen for c in group) for group in t.one_of):
        alts = " or ".join(" and ".join(TABLES[t.name].column(c).zh + " / " + c for c in g) for g in t.one_of)
        problems.append(Problem(f"missing column: the {t.name} table needs {alts}", file=fname, sheet=sheet))
    if missing:
        return None
    out = pd.DataFrame({"_row": frame["_row"].to_numpy()})
    order = meta.extra.get("date_format", "mdy")
    unit = meta.extra.get("amount_unit", 1.0)
    for col in t.columns:
        if col.name not in chosen:
            continue
        header = chosen[col.name]
        raw = frame[header]
        kind = col.kind
        if kind in ("text", "id", "stage"):
            values, bad = P.parse_text(raw)
        elif kind == "money":
            values, bad = P.parse_money(raw)
            values = values * unit * meta.fx_to_rmb
        elif kind == "number":
            values, bad = P.parse_number(raw)
        elif kind == "int":
            values, bad = P.parse_int(raw)
        elif kind == "rate":
            values, bad = P.parse_rate(raw)
        elif kind == "date":
            values, bad = P.parse_date(raw, order=order)
        elif kind == "bool":
            values, bad = P.parse_bool(raw)
        elif kind == "status":
            values, bad = P.parse_status(raw)
        else:  # pragma: no cover
            raise AssertionError(kind)
        if bad.any():
            rows = frame.loc[bad, "_row"]
            sample = raw[bad].iloc[0]
            extra, first = _rows_text(rows)
            problems.append(Problem(f"expected {_KIND_EXPECT.get(kind, kind)}, found {sample!r}{extra}",
                                    file=fname, sheet=sheet, row=first, column=str(header)))
        if col.required:
            empty = values.isna() & ~bad
            if empty.any():
                extra, first = _rows_text(frame.loc[empty, "_row"])
                problems.append(Problem(f"is blank, but {col.zh} / {col.en} is required{extra}", file=fname,
                                        sheet=sheet, row=first, column=str(header)))
        out[col.name] = values.to_numpy() if kind not in ("text", "id", "stage", "status", "bool") else values.values
    out.attrs["columns"] = {k: str(v) for k, v in chosen.items()}
    return out
