"""Live tools (ipywidgets).

Each panel is a class (a ``VBox`` declaring its parts: :class:`PanelBase`) built by a
function that returns it and never calls ``display()``: a pure function in :mod:`kalib` computes, the panel only wires
inputs to it and shows the result in ``HTML``/``Label`` values and an ``Image``
of the chart, so tests can set ``.value`` and assert on what changed.
Callback errors appear in the panel's error area (see :func:`error_area`).
"""

from __future__ import annotations

import html
import io
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["PanelBase", "error_area", "guarded", "figure_png"]

try:  # panel classes derive from VBox at import time; the package must import without ipywidgets
    from ipywidgets import VBox as PanelBase
except ImportError:  # pragma: no cover
    PanelBase = object  # type: ignore[assignment,misc]


def error_area():
    """An HTML widget for errors raised inside callbacks (empty while all is well)."""
    import ipywidgets as w

    return w.HTML(value="", layout=w.Layout(min_height="0px"))


def guarded(area, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback so any error shows in ``area`` (and clears on the next success)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            out = fn(*args, **kwargs)
        except Exception as exc:  # shown to the user, never swallowed
            area.value = (
                '<div class="kalib-error" style="color:#b00020;border-left:4px solid #b00020;padding:4px 8px">'
                f"<b>Error:</b> {html.escape(str(exc) or type(exc).__name__)}"
                f"<details><summary>details</summary><pre>{html.escape(traceback.format_exc())}</pre></details></div>"
            )
            return None
        area.value = ""
        return out

    return run


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``); closes the figure."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
