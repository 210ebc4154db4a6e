"""Check that a demo report recorded the numbers the course shows.

The expected numbers have one committed source: the outputs stored in the course notebooks' cells
marked ``# NBVAL_CHECK_OUTPUT`` (the ten indicators, the worked deal, the weighted pipeline), which
``make test`` also compares with a fresh run through nbval.  This script reads the report's
``*.records.json`` (``kalib report`` writes it beside the HTML) and compares, notebook by notebook:
text and whole numbers exactly, other numbers to a relative 1e-9.

    python .ci/check_report.py [REPORT_FOLDER]     (default: reports/demo)

Exit 0 when every number agrees, 1 otherwise (each difference is listed).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-9


def expected_records(notebooks: Path = ROOT / "notebooks" / "zh") -> dict[str, dict[str, Any]]:
    """{notebook stem: {name: value}} recorded in the stored outputs of the checked cells."""
    import nbformat

    from kalib.course import is_checked
    from kalib.record import read_records

    out = {}
    for path in sorted(notebooks.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        nb.cells = [c for c in nb.cells if is_checked(c)]
        if nb.cells:
            out[path.stem] = read_records(nb)
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool) or not all(isinstance(v, (int, float)) for v in (a, b)):
        return a == b
    if float(a).is_integer() and float(b).is_integer():
        return a == b
    return math.isclose(a, b, rel_tol=RTOL)


def differences(expected: dict[str, dict[str, Any]], by_notebook: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    if not expected:
        problems.append("no notebook has a checked cell with recorded numbers")
    for nb, records in expected.items():
        got = by_notebook.get(nb)
        if got is None:
            problems.append(f"{nb}: not in the report")
            continue
        if not records:
            problems.append(f"{nb}: its checked cell records nothing")
        for name, value in records.items():
            if name not in got:
                problems.append(f"{nb}: {name} was not recorded by the report")
            elif not same(value, got[name]):
                problems.append(f"{nb}: {name} = {got[name]!r} in the report, {value!r} in the course")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else ROOT / "reports" / "demo"
    found = sorted(folder.rglob("*.records.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        print(f"no *.records.json under {folder}: did the report run?")
        return 1
    report = json.loads(found[-1].read_text(encoding="utf-8"))
    expected = expected_records()
    problems = differences(expected, report.get("by_notebook", {}))
    for p in problems:
        print(f"DIFFERENT  {p}")
    if problems:
        return 1
    n = sum(len(r) for r in expected.values())
    print(f"{found[-1].relative_to(folder)}: {n} recorded numbers of {len(expected)} notebooks equal the course's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
