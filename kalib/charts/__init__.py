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
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import matplotlib

from ..symbols import STATUS_SYMBOLS

__all__ = ["cjk_font", "chart_lang", "CJKFontWarning", "PALETTE", "STATUS_STYLE"]

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
