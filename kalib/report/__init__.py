"""Client reports: the course notebooks run on a client's data and turned into one HTML page.

* :mod:`kalib.report.sections` — which notebooks make a report, in which order (one place);
* :mod:`kalib.report.runner` — runs them with papermill, several at once;
* :mod:`kalib.report.html` — one self-contained, sanitised HTML page with a table of contents;
* :mod:`kalib.report.render` — :func:`render_report`: one client, from files to ``reports/<client>/<date>/``;
* :mod:`kalib.report.batch` — :func:`run_batch`: many clients in parallel, with a summary;
* :mod:`kalib.report.pdf` — printing to PDF with a local Chromium.

From the command line: ``kalib report CLIENT`` and ``kalib report --batch CLIENTS_DIR``.
Importing this package imports neither papermill nor nbconvert (they load when a report runs).
"""

from __future__ import annotations

from .render import ReportFailed, ReportResult, render_report
from .sections import SECTIONS, Section

__all__ = ["SECTIONS", "Section", "ReportFailed", "ReportResult", "render_report", "run_batch", "BatchResult",
           "read_batch"]


def __getattr__(name: str):
    if name in ("run_batch", "BatchResult", "read_batch"):
        from . import batch

        return getattr(batch, name)
    raise AttributeError(name)
