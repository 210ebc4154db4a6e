"""Charts (matplotlib), in Chinese or English.

Every chart function takes ``lang="zh"|"en"`` and returns a matplotlib
``Figure``; none calls ``plt.show()`` or changes global settings.  Chinese text
needs a CJK font: :func:`cjk_font` finds one the system has (Noto Sans CJK,
Source Han Sans, WenQuanYi, PingFang, Microsoft YaHei, SimHei), registers it
with matplotlib, and when there is none, charts fall back to English labels
with one clear warning.

Use :func:`chart_lang` at the top of a chart function::

    with chart_lang(lang) as lang:
        fig, ax = plt.subplots()
        ax.set_title(tr(lang, "赢率", "Win rate"))

A chart is in one language, and readable at its edges:

* money is written one way on every axis and label (:func:`money_unit`,
  :func:`fmt_money`, :func:`money_axis`): ``万``/``亿`` in Chinese, ``M``/``B``
  in English, one unit per chart, no scientific notation, no ``-0``;
* names are shortened to a width (:func:`short_name`), never wrapped;
* point labels are placed without overlap, the most important first, the
  rest left to the table beside the chart (:func:`label_points`);
* a chart without data says what is missing (:func:`no_data`).

>>> fmt_money(12_345_678, "zh"), fmt_money(12_345_678, "en"), fmt_money(2.5e9, "en")
('1,235万', '12.3M', '2.5B')
>>> fmt_money(36_000, "zh", unit=money_unit(2e8, "zh")), fmt_money(-1e-9, "en")
('0.0004亿', '0')
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib.ticker import Formatter

from ..symbols import STATUS_SYMBOLS

__all__ = ["cjk_font", "chart_lang", "CJKFontWarning", "PALETTE", "STATUS_STYLE", "money_unit", "fmt_money",
           "money_axis", "MoneyFormatter", "short_name", "text_width", "no_data", "label_points"]

# Font files known to carry Chinese glyphs, in order of preference (lower-case substrings).
_CJK_FILES = (
    "notosanscjk", "notosanssc", "sourcehansans", "notoserifcjk", "wqy-microhei", "wqy-zenhei",
    "pingfang", "msyh", "simhei", "simsun", "heiti", "stheiti", "hiragino sans gb", "arphic", "droidsansfallback",
)

# Colour-blind-safe colours; every status also has a marker so greyscale prints read.
PALETTE = {
    "below": "#c0392b", "pass": "#e0a800", "excellent": "#1e8449", "na": "#9e9e9e",
    "primary": "#1f4e79", "secondary": "#6c8ebf", "light": "#d6e4f0", "accent": "#d35400",
}
STATUS_STYLE = {
    "below": {"color": PALETTE["below"], "marker": "v", "symbol": STATUS_SYMBOLS["below"]},
    "pass": {"color": PALETTE["pass"], "marker": "o", "symbol": STATUS_SYMBOLS["pass"]},
    "excellent": {"color": PALETTE["excellent"], "marker": "*", "symbol": STATUS_SYMBOLS["excellent"]},
    "na": {"color": PALETTE["na"], "marker": "x", "symbol": STATUS_SYMBOLS["na"]},
}


class CJKFontWarning(UserWarning):
    """No font with Chinese glyphs was found; charts use English labels."""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font on this system (registered with matplotlib), or None."""
    from matplotlib import font_manager

    try:
        files = font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf")
    except Exception:  # pragma: no cover - very unusual font setups
        files = []
    ranked: list[tuple[int, str]] = []
    for f in files:
        low = Path(f).name.lower()
        for rank, key in enumerate(_CJK_FILES):
            if key in low:
                # Prefer the regular weight.
                bonus = 0 if ("regular" in low or "-" not in low or low.endswith(("sc.otf", "msyh.ttc"))) else 1
                ranked.append((rank * 2 + bonus, f))
                break
    for _, path in sorted(ranked):
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except Exception:
            continue
    return None


_warned = False


def _notebook_display() -> None:
    """Inside a Jupyter kernel, let a returned Figure show itself as a PNG.

    Charts are plain ``matplotlib.figure.Figure`` objects (not pyplot's), so
    Jupyter's inline backend never learns about them; this registers the PNG
    display of a Figure with the running kernel (as ``%matplotlib inline``
    does), once.  Nothing happens outside a kernel.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        return
    ip = get_ipython()
    if ip is None or not hasattr(ip, "kernel"):
        return
    from matplotlib.figure import Figure

    png = ip.display_formatter.formatters.get("image/png")
    if png is None or Figure in png.type_printers:
        return
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(ip, {"png"})


@contextlib.contextmanager
def chart_lang(lang: str = "zh") -> Iterator[str]:
    """Matplotlib settings for a chart in ``lang``; yields the language actually usable.

    ``zh`` without a CJK font yields ``en`` (one :class:`CJKFontWarning` per session).
    The settings apply only inside the ``with`` block.
    """
    global _warned
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    _notebook_display()
    family = cjk_font()
    if lang == "zh" and family is None:
        if not _warned:
            warnings.warn(
                "No Chinese (CJK) font found: charts use English labels. Install one, e.g. "
                "'apt-get install fonts-noto-cjk' on Debian/Ubuntu (macOS and Windows have one).",
                CJKFontWarning, stacklevel=3,
            )
            _warned = True
        lang = "en"
    rc = {
        # A concrete family list (not the generic "sans-serif"): text keeps its font when the
        # figure is drawn after the block, e.g. by savefig or by Jupyter's inline backend.
        "font.family": ([family] if family else []) + ["DejaVu Sans"],
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "savefig.bbox": "tight",
    }
    with matplotlib.rc_context(rc):
        yield lang


# -- money -------------------------------------------------------------------------------
# The chart's own money formatter (the same rules as the text's): Chinese in 万/亿, English
# in M/B, thousands separators, no trailing ".0", never "-0".

def money_unit(largest: float, lang: str, smallest: float | None = None) -> tuple[float, str]:
    """The (divisor, suffix) for amounts up to ``largest`` (absolute) in ``lang``.

    With ``smallest`` (the smallest amount that must read well), a unit in which it would
    be below 0.1 gives way to the next smaller one (20万 rather than 0.002亿).

    >>> money_unit(3e8, "zh"), money_unit(5e6, "zh"), money_unit(2e9, "en"), money_unit(800, "en")
    ((100000000.0, '亿'), (10000.0, '万'), (1000000000.0, 'B'), (1.0, ''))
    >>> money_unit(3e8, "zh", smallest=2e5)
    (10000.0, '万')
    """
    a = abs(float(largest)) if largest == largest else 0.0
    units = ((1e8, "亿"), (1e4, "万"), (1.0, "")) if lang == "zh" else ((1e9, "B"), (1e6, "M"), (1.0, ""))
    floor = (1e8, 1e4, 0.0) if lang == "zh" else (1e9, 1e5, 0.0)
    k = next(i for i, f in enumerate(floor) if a >= f)
    if smallest is not None and smallest == smallest and smallest > 0:
        while k < 2 and abs(smallest) / units[k][0] < 0.1:
            k += 1
    return units[k]


def _number(v: float, decimals: int) -> str:
    text = f"{v:,.{max(decimals, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0", "") else text


def _decimals(v: float) -> int:
    """About three significant digits, at most four decimals."""
    a = abs(v)
    if a >= 100 or a == 0:
        return 0
    return min(4, 2 - int(math.floor(math.log10(a))))


def fmt_money(x: float | None, lang: str, unit: tuple[float, str] | None = None, decimals: int | None = None) -> str:
    """An amount in RMB for a chart: ``1,235万`` / ``1.2亿`` / ``12.3M`` / ``2.5B`` / ``3,200``.

    ``unit`` (from :func:`money_unit`) fixes the unit, so every label of a chart uses the same.
    """
    if x is None or x != x:
        return "–"
    div, suffix = unit or money_unit(x, lang)
    v = float(x) / div
    text = _number(v, _decimals(v) if decimals is None else decimals)
    return text if text == "0" else text + suffix


class MoneyFormatter(Formatter):
    """Tick labels of a money axis in one unit (see :func:`money_axis`), without offset text."""

    def __init__(self, lang: str, unit: tuple[float, str] | None = None, log: bool = False):
        self.lang, self.unit, self.log = lang, unit, log
        self.ticks: list[float] = []

    def set_locs(self, locs):
        self.ticks = [float(v) for v in locs]

    def current_unit(self) -> tuple[float, str]:
        if self.unit is not None:
            return self.unit
        return money_unit(max([abs(v) for v in self.ticks] or [0.0]), self.lang)

    def __call__(self, x, pos=None):
        div, suffix = self.current_unit()
        v = x / div
        if self.log:
            d = _decimals(v)
        else:
            locs = sorted(self.ticks)
            step = min((b - a for a, b in zip(locs, locs[1:]) if b > a), default=abs(x) or 1.0) / div
            d = 0 if step >= 1 else min(3, int(math.ceil(-math.log10(step) - 1e-9)))
        text = _number(v, d)
        return text if text == "0" else text + suffix

    def get_offset(self):
        return ""


def money_axis(ax, lang: str, axis: str = "x", unit: tuple[float, str] | None = None) -> tuple[float, str]:
    """Money tick labels on ``ax``'s ``axis`` ("x" or "y") in one unit; returns the unit.

    Without ``unit``, it is chosen from the axis's current limits.  On a log axis only the
    decades are labelled (no minor labels such as "2×10⁶").
    """
    from matplotlib.ticker import LogLocator, NullFormatter

    a = ax.xaxis if axis == "x" else ax.yaxis
    lim = ax.get_xlim() if axis == "x" else ax.get_ylim()
    if unit is None:
        unit = money_unit(max(abs(lim[0]), abs(lim[1])), lang)
    log = a.get_scale() == "log"
    a.set_major_formatter(MoneyFormatter(lang, unit, log=log))
    if log:
        a.set_major_locator(LogLocator(base=10))
        a.set_minor_formatter(NullFormatter())
    return unit


# -- names -------------------------------------------------------------------------------

def text_width(text: str) -> int:
    """Display width: a Chinese character counts as two Latin ones."""
    return sum(2 if ord(ch) >= 0x1100 and not 0xFF61 <= ord(ch) <= 0xFFDC else 1 for ch in text)


def short_name(name, width: int = 16) -> str:
    """``name`` cut to ``width`` (Latin characters; Chinese count two) with "…", on one line.

    >>> short_name("欧阳诸葛司马上官东方皇甫慕容", 10), short_name("Alexandra Montgomery", 12)
    ('欧阳诸葛…', 'Alexandra M…')
    """
    text = " ".join(str(name).split())
    if text_width(text) <= width:
        return text
    out, w = "", 0
    for ch in text:
        cw = text_width(ch)
        if w + cw > width - 1:
            break
        out, w = out + ch, w + cw
    return out.rstrip() + "…"


# -- layout --------------------------------------------------------------------------------

def no_data(fig, message: str):
    """``fig`` emptied, with one centred sentence saying what is missing; returns ``fig``."""
    import textwrap

    fig.clear()
    ax = fig.add_subplot()
    ax.set_axis_off()
    width = max(20, int(fig.get_size_inches()[0] * 9))
    lines = textwrap.wrap(message, width if text_width(message) == len(message) else width // 2) or [message]
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", fontsize=11, color="#555555",
            transform=ax.transAxes)
    return fig


def _renderer(fig):
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def text_boxes(fig, renderer=None) -> list:
    """Window extents of the visible, non-empty texts of ``fig`` (after a draw without rendering)."""
    from matplotlib.text import Text

    renderer = renderer or _renderer(fig)
    fig.draw_without_rendering()
    out = []
    for ax in fig.axes:
        ax_bb = ax.get_window_extent(renderer)
        for t in ax.findobj(Text):
            if t.get_visible() and t.get_text().strip() and t.figure is fig:
                bb = t.get_window_extent(renderer)
                # tick labels of ticks outside the view are never drawn
                if bb.width > 0 and (bb.x1 >= ax_bb.x0 - 200 and bb.x0 <= ax_bb.x1 + 200):
                    out.append(bb)
    for t in fig.texts:
        if t.get_visible() and t.get_text().strip():
            out.append(t.get_window_extent(renderer))
    return out


_OFFSETS = ((5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
            (-5, -4, "right", "top"), (0, 9, "center", "bottom"), (0, -9, "center", "top"),
            (9, 0, "left", "center"), (-9, 0, "right", "center"))


def label_points(ax, xs, ys, labels, priority=None, limit: int = 12, fontsize: float = 8, width: int | None = 18,
                 avoid: list | None = None, **text_kw) -> list:
    """Name at most ``limit`` points, the most important first, with no label over another text.

    Each label tries eight places around its point and is left out when none is free (inside
    the axes, clear of every text already drawn).  Call it after ``fig.tight_layout()``: labels
    are anchored in points from their data point.  ``priority`` (higher first) defaults to
    the order given; names are shortened to ``width`` (:func:`short_name`; None: as given).
    Returns the labels drawn.
    """
    import numpy as np

    fig = ax.figure
    renderer = _renderer(fig)
    placed = list(avoid) if avoid is not None else text_boxes(fig, renderer)
    ax_bb = ax.get_window_extent(renderer)
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    order = np.argsort(-np.asarray(priority, dtype=float), kind="stable") if priority is not None \
        else np.arange(len(xs))
    pad = 1.5
    out = []
    for i in order:
        if len(out) >= limit:
            break
        if not (np.isfinite(xs[i]) and np.isfinite(ys[i])):
            continue
        text = short_name(labels[i], width) if width else str(labels[i])
        for dx, dy, ha, va in _OFFSETS:
            a = ax.annotate(text, (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=fontsize, **text_kw)
            bb = a.get_window_extent(renderer)
            inside = (bb.x0 >= ax_bb.x0 and bb.x1 <= ax_bb.x1 and bb.y0 >= ax_bb.y0 and bb.y1 <= ax_bb.y1)
            free = inside and not any(bb.x0 < o.x1 + pad and o.x0 < bb.x1 + pad and bb.y0 < o.y1 + pad
                                      and o.y0 < bb.y1 + pad for o in placed)
            if free:
                placed.append(bb)
                out.append(a)
                break
            a.remove()
    return out
