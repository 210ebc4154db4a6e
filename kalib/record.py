"""Headline numbers recorded in an executed notebook, and read back.

In a notebook, ``record("health.passed", 6)`` displays the value as a
``application/x.kalib.record+json`` output (invisible in HTML reports); tests
and scripts read every recorded value back from the executed ``.ipynb`` with
:func:`read_records`.

>>> import json, nbformat
>>> nb = nbformat.v4.new_notebook()
>>> nb.cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
...     "display_data", data={MIME: {"name": "x", "value": 1.5}})]))
>>> read_records(nb)
{'x': 1.5}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .jsonout import jsonable

__all__ = ["MIME", "record", "read_records"]

MIME = "application/x.kalib.record+json"


def record(name: str, value: Any) -> Any:
    """Record ``value`` under ``name`` in the running notebook; returns ``value``."""
    from IPython.display import display

    payload = {"name": str(name), "value": jsonable(value)}
    json.dumps(payload)  # fail here, not in the reader, on a value that is not data
    display({MIME: payload}, raw=True)
    return value


def read_records(notebook: Any) -> dict[str, Any]:
    """All values recorded in an executed notebook (a path or a notebook node); later wins."""
    if isinstance(notebook, (str, Path)):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    out: dict[str, Any] = {}
    for cell in notebook.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if MIME in data:
                item = data[MIME]
                if isinstance(item, str):
                    item = json.loads(item)
                out[item["name"]] = item["value"]
    return out
