"""The status symbols (✗ ✓ ★ –) shared by text, tables, charts and widgets.

Plain strings with no drawing library behind them, so analyses can write them;
:data:`kalib.charts.STATUS_STYLE` adds a colour and a marker to each.

>>> " ".join(STATUS_SYMBOLS.values())
'✗ ✓ ★ –'
"""

from __future__ import annotations

__all__ = ["STATUS_SYMBOLS", "status_symbol"]

#: Health status -> symbol (every status also has a colour and a marker in charts).
STATUS_SYMBOLS = {"below": "✗", "pass": "✓", "excellent": "★", "na": "–"}


def status_symbol(status: str) -> str:
    """The symbol of a status (``below``, ``pass``, ``excellent``, ``na``)."""
    return STATUS_SYMBOLS[status]
