"""Small report notebooks for the report runner's tests: a parameters cell and one or more code cells."""

from __future__ import annotations

from pathlib import Path

import nbformat

DEMO_PARAMETERS = 'client = "demo"\nlang = "zh"'


def params_cell(source: str | None = None):
    """A cell tagged ``parameters`` (papermill injects the report's values after it)."""
    cell = nbformat.v4.new_code_cell(source or (
        'client = "demo"  # client folder, workbook, or "demo"\n'
        "period = None  # e.g. \"2024\"\n"
        'lang = "zh"  # "zh" | "en"\n'))
    cell.metadata["tags"] = ["parameters"]
    return cell


def write_notebook(path: Path, *cells) -> Path:
    """A notebook of ``cells`` for the python3 kernel, written to ``path``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = list(cells)
    nbformat.write(nb, str(path))
    return path


def sections(root: Path, code: str, names: tuple[str, ...]) -> Path:
    """``root/notebooks`` holding one report section per name: the demo's parameters, then ``code``."""
    nbs = root / "notebooks" / "zh"
    nbs.mkdir()
    for name in names:
        write_notebook(nbs / f"{name}.ipynb", params_cell(DEMO_PARAMETERS), nbformat.v4.new_code_cell(code))
    return nbs
