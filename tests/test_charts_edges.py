"""Every chart on the edge cases, in Chinese and in English: readable text only.

Each chart function of :mod:`kalib.charts` is drawn (Agg canvas) on the demo client and on
synthetic variants of it — one salesperson, 500 salespeople, names of 20 characters (Chinese
and Latin), no open pipeline, an open pipeline worth zero, one product, and no data in the
period — and the text the renderer actually drew is checked:

* no two text boxes overlap (1 px tolerance) and none leaves the figure;
* no "nan", no negative zero ("-0.0M"), no scientific offset ("1e6", "×10");
* one language: no CJK in an English chart; in a Chinese chart no English word of three
  letters or more outside a short allow-list (RMB, P10/P50/P90, HHI, Go/NoGo...).

The client's own names (customers, people, products, deal names...) are data, not chart
text: they are taken out of the text before the language check.

``python tests/test_charts_edges.py OUTDIR`` writes a PNG contact sheet per case to OUTDIR.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

CASES = ("demo", "one_rep", "reps_500", "long_names", "no_pipeline", "zero_pipeline", "one_product", "empty")
LANGS = ("zh", "en")

# 20-character names, Chinese and Latin.
LONG_ZH = "欧阳诸葛司马上官东方皇甫慕容长孙宇文轩辕令狐钟离澹台"  # 26 characters to slice from
LONG_LATIN = ("Alexandra Montgomery", "Bartholomew Fitzroy-", "Maximiliano Castella", "Konstantin Abramovic")


def _zh_name(i: int, n: int = 20) -> str:
    s = (LONG_ZH * 2)[i % len(LONG_ZH):][:n - 3]
    return f"{s}{i:03d}"


def _frames(c) -> dict[str, pd.DataFrame]:
    return {k: v.drop(columns=["_row"], errors="ignore").copy() for k, v in c.tables.items()}


def _rebuild(c, fr):
    from kalib.client import Client

    m = c.meta
    return Client.from_frames(fr, name=m.name, industry=m.industry, sales_target=m.sales_target, as_of=m.as_of,
                              employees=m.employees)


def _rename(fr, columns: dict[str, tuple[str, ...]], mapping) -> None:
    """Map the values of the named columns of each table with ``mapping`` (a dict or a function)."""
    for table, cols in columns.items():
        if table not in fr:
            continue
        for col in cols:
            if col in fr[table].columns:
                s = fr[table][col]
                fr[table][col] = s.map(lambda v: mapping(v) if isinstance(v, str) else v) if callable(mapping) else \
                    s.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


PEOPLE_COLS = {"revenue": ("salesperson",), "opportunities": ("owner",), "snapshots": ("owner",),
               "salespeople": ("salesperson",), "deal_scores": ("evaluator",)}


@lru_cache(maxsize=None)
def demo():
    import kalib

    return kalib.load_client("demo")


@lru_cache(maxsize=None)
def client(case: str):
    """The client of one edge case (built from the demo company's tables)."""
    c = demo()
    if case in ("demo", "empty"):
        return c
    fr = _frames(c)
    if case == "one_rep":
        one = str(fr["salespeople"]["salesperson"].iloc[0])
        _rename(fr, PEOPLE_COLS, lambda v: one)
        fr["salespeople"] = fr["salespeople"].iloc[:1]
    elif case == "reps_500":
        names = [f"{'王李张刘陈杨黄赵吴周'[i % 10]}{'伟芳娜敏静丽强磊军洋'[i // 10 % 10]}{i:03d}" for i in range(500)]
        rng = np.random.default_rng(7)
        fr["revenue"]["salesperson"] = [names[k] for k in rng.integers(0, 500, len(fr["revenue"]))]
        owner = dict(zip(fr["opportunities"]["opportunity_id"],
                         [names[k] for k in rng.integers(0, 500, len(fr["opportunities"]))]))
        fr["opportunities"]["owner"] = fr["opportunities"]["opportunity_id"].map(owner)
        fr["snapshots"]["owner"] = fr["snapshots"]["opportunity_id"].map(owner)
        fr["deal_scores"]["evaluator"] = fr["deal_scores"]["opportunity_id"].map(owner)
        sp = fr["salespeople"]
        fr["salespeople"] = pd.DataFrame({
            "salesperson": names, "team": [sp["team"].iloc[i % len(sp)] for i in range(500)],
            "hire_date": [sp["hire_date"].iloc[i % len(sp)] for i in range(500)],
            "leave_date": pd.NaT, "quota": [sp["quota"].iloc[i % len(sp)] / 15 for i in range(500)]})
    elif case == "long_names":
        def long(values, offset):
            out = {}
            for i, v in enumerate(sorted(set(x for x in values if isinstance(x, str)))):
                out[v] = _zh_name(i + offset) if i % 2 == 0 else f"{LONG_LATIN[(i // 2) % 4][:16]}{i:04d}"
            return out
        people = long(pd.concat([fr["salespeople"]["salesperson"], fr["revenue"]["salesperson"],
                                 fr["opportunities"]["owner"]]), 0)
        _rename(fr, PEOPLE_COLS, people)
        customers = long(fr["customers"]["customer"], 3)
        _rename(fr, {t: ("customer",) for t in ("customers", "revenue", "opportunities", "snapshots", "nps")}, customers)
        products = long(fr["products"]["product"], 5)
        _rename(fr, {t: ("product",) for t in ("products", "revenue", "opportunities", "snapshots")}, products)
        persons = long(fr["stakeholders"]["person"], 7)
        _rename(fr, {"stakeholders": ("person", "reports_to")}, persons)
        deals = long(fr["opportunities"]["name"], 9)
        _rename(fr, {"opportunities": ("name",), "snapshots": ("name",)}, deals)
    elif case in ("no_pipeline", "zero_pipeline"):
        for t in ("opportunities", "snapshots"):
            o = fr[t]
            is_open = o["status"] == "open"
            if case == "no_pipeline":
                fr[t] = o.loc[~is_open] if t == "opportunities" else o.loc[~(is_open & (
                    o["snapshot_date"] == o["snapshot_date"].max()))]
            else:
                fr[t].loc[is_open, "amount"] = 0.0
    elif case == "one_product":
        one = str(fr["products"]["product"].iloc[0])
        _rename(fr, {t: ("product",) for t in ("revenue", "opportunities", "snapshots")}, lambda v: one)
        fr["products"] = fr["products"].iloc[:1]
    else:
        raise ValueError(case)
    return _rebuild(c, fr)


@lru_cache(maxsize=None)
def inputs(case: str) -> dict:
    """The analysis results the charts draw, for one case (None where the analysis is not available)."""
    from kalib import MissingData
    from kalib.accounts import customer_value
    from kalib.calibration import calibrate
    from kalib.deals import default_opportunity, evaluate_deal, portfolio, review_deal
    from kalib.forecast import simulate
    from kalib.health import health_check
    from kalib.pipeline import dashboard
    from kalib.review import review
    from kalib.team import team_analysis

    c = client(case)
    out: dict = {"config": c.config}
    if case == "empty":
        # The demo company seen from before its data starts: a period without revenue or deals.
        c = c.with_as_of("2021-03-31")
        per = "2020"
    else:
        per = None

    def get(fn):
        try:
            return fn()
        except MissingData:
            return None

    out["health"] = get(lambda: health_check(c, period=per))
    out["cv"] = get(lambda: customer_value(c, period=per))
    out["dash"] = get(lambda: dashboard(c, "quarter"))
    out["fc"] = get(lambda: simulate(c, "quarter", trials=2000))
    out["rv"] = get(lambda: review(c, milestone="quarter"))
    out["cal"] = get(lambda: calibrate(c))
    out["pf"] = get(lambda: portfolio(c, strict=False))
    deal = None if case == "empty" else default_opportunity(c)
    out["ev"] = review_deal(c, deal) if deal is not None else evaluate_deal(None, config=c.config)
    out["pm"] = out["ev"].power_map
    out["team"] = get(lambda: team_analysis(c, per))
    return out


def _charts():
    from kalib.charts import accounts, deals, health, pipeline, team

    return {
        "health.scorecard": ("health", lambda o, lang: health.scorecard(o["health"], lang)),
        "accounts.pareto_chart": ("cv", lambda o, lang: accounts.pareto_chart(o["cv"], lang)),
        "accounts.tier_chart": ("cv", lambda o, lang: accounts.tier_chart(o["cv"], lang)),
        "accounts.size_value_chart": ("cv", lambda o, lang: accounts.size_value_chart(o["cv"], lang)),
        "accounts.value_trend_chart": ("cv", lambda o, lang: accounts.value_trend_chart(o["cv"], lang)),
        "pipeline.stage_chart": ("dash", lambda o, lang: pipeline.stage_chart(o["dash"], lang)),
        "pipeline.matrix_chart": ("dash", lambda o, lang: pipeline.matrix_chart(o["dash"], "weighted", lang)),
        "pipeline.milestone_chart": ("dash", lambda o, lang: pipeline.milestone_chart(o["dash"], o["fc"], lang)),
        "pipeline.forecast_chart": ("fc", lambda o, lang: pipeline.forecast_chart(o["fc"], lang)),
        "pipeline.production_chart": ("dash", lambda o, lang: pipeline.production_chart(o["dash"], lang)),
        "pipeline.waterfall_chart": ("rv", lambda o, lang: pipeline.waterfall_chart(o["rv"], lang)),
        "pipeline.reliability_chart": ("cal", lambda o, lang: pipeline.reliability_chart(o["cal"], lang)),
        "deals.factor_profile_chart": ("ev", lambda o, lang: deals.factor_profile_chart(o["ev"], lang)),
        "deals.power_map_chart": ("pm", lambda o, lang: deals.power_map_chart(o["pm"], lang)),
        "deals.power_map_chart.org": ("pm", lambda o, lang: deals.power_map_chart(o["pm"], lang, view="org")),
        "deals.stage_chart": ("config", lambda o, lang: deals.stage_chart(None, lang, config=o["config"])),
        "deals.stage_chart.deal": ("ev", lambda o, lang: deals.stage_chart(o["ev"], lang)),
        "deals.portfolio_chart": ("pf", lambda o, lang: deals.portfolio_chart(o["pf"], lang)),
        "team.sales_chart": ("team", lambda o, lang: team.sales_chart(o["team"], lang)),
        "team.needs_chart": ("team", lambda o, lang: team.needs_chart(o["team"], lang)),
        "team.ramp_chart": ("team", lambda o, lang: team.ramp_chart(o["team"], lang)),
        "team.concentration_chart": ("team", lambda o, lang: team.concentration_chart(o["team"], lang)),
    }


CHART_IDS = (
    "health.scorecard", "accounts.pareto_chart", "accounts.tier_chart", "accounts.size_value_chart",
    "accounts.value_trend_chart", "pipeline.stage_chart", "pipeline.matrix_chart", "pipeline.milestone_chart",
    "pipeline.forecast_chart", "pipeline.production_chart", "pipeline.waterfall_chart", "pipeline.reliability_chart",
    "deals.factor_profile_chart", "deals.power_map_chart", "deals.power_map_chart.org", "deals.stage_chart",
    "deals.stage_chart.deal", "deals.portfolio_chart", "team.sales_chart", "team.needs_chart", "team.ramp_chart",
    "team.concentration_chart",
)

# -- what the renderer drew --------------------------------------------------------------

def drawn_texts(fig) -> tuple[list, tuple[float, float]]:
    """Draw ``fig`` on an Agg canvas; (text, window extent) of every Text the renderer drew, and the
    figure's size in pixels."""
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    current: list = []
    seen: dict[int, object] = {}
    orig_text_draw = Text.draw

    def text_draw(self, rend):
        current.append(self)
        try:
            return orig_text_draw(self, rend)
        finally:
            current.pop()

    def draw_text(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if current and s.strip():
            seen.setdefault(id(current[-1]), current[-1])

    # Lay everything out as for a real drawing, but paint nothing (only positions matter here).
    def nothing(*args, **kwargs):
        return None

    for name in ("draw_path", "draw_markers", "draw_path_collection", "draw_image", "draw_gouraud_triangles",
                 "draw_quad_mesh", "draw_tex"):
        if hasattr(renderer, name):
            setattr(renderer, name, nothing)
    renderer.draw_text = draw_text
    Text.draw = text_draw
    try:
        canvas.draw()
    finally:
        Text.draw = orig_text_draw
    out = [(t.get_text(), t.get_window_extent(renderer)) for t in seen.values()]
    return out, (renderer.width, renderer.height)


TOL = 1.0  # pixels
MAX_INCHES = (12.0, 12.0)  # a chart fits on a page


def overlaps(texts, size) -> list[str]:
    """Pairs of overlapping text boxes, and boxes leaving the figure."""
    problems = []
    w, h = size
    boxes = []
    for s, bb in texts:
        if bb.x0 < -TOL or bb.y0 < -TOL or bb.x1 > w + TOL or bb.y1 > h + TOL:
            problems.append(f"outside the figure ({w:.0f}×{h:.0f} px): {s!r} at "
                            f"({bb.x0:.0f}, {bb.y0:.0f})–({bb.x1:.0f}, {bb.y1:.0f})")
        boxes.append((s, bb.x0 + TOL, bb.y0 + TOL, bb.x1 - TOL, bb.y1 - TOL))
    arr = np.array([b[1:] for b in boxes]) if boxes else np.zeros((0, 4))
    for i in range(len(boxes)):
        a = arr[i]
        hit = (arr[i + 1:, 0] < a[2]) & (a[0] < arr[i + 1:, 2]) & (arr[i + 1:, 1] < a[3]) & (a[1] < arr[i + 1:, 3])
        for j in np.nonzero(hit)[0]:
            problems.append(f"overlap: {boxes[i][0]!r} and {boxes[i + 1 + j][0]!r}")
    return problems


CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{3,}")
ZH_ALLOWED = {"RMB", "KPI", "NPS", "HHI", "NoGo", "Brier", "CRM"}
NEG_ZERO = re.compile(r"(?<![\w.])[-−‐‒–]0(?:\.0+)?(?![\d.])")
OFFSET = re.compile(r"\d[eE][+-]?\d|×\s*10|\b1e\d|\^\{|\\mathdefault")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def data_strings(case: str) -> tuple[tuple[str, ...], frozenset]:
    """The client's own text values (names are data, not chart text), longest first, and their prefixes."""
    c = client(case)
    vals = {c.name}
    for t in c.tables.values():
        for col in t.columns:
            s = t[col]
            if s.dtype == object or str(s.dtype) in ("str", "string", "category"):
                vals.update(str(v) for v in s.dropna().unique() if isinstance(v, str))
    vals = {v for v in vals if v.strip()}
    prefixes = frozenset(v[:k] for v in vals for k in range(1, len(v)))
    return tuple(sorted(vals, key=len, reverse=True)), prefixes


@lru_cache(maxsize=None)
def _names_pattern(case: str):
    names, _ = data_strings(case)
    return re.compile("|".join(re.escape(n) for n in names))


def strip_data(text: str, case: str) -> str:
    _names, prefixes = data_strings(case)
    # A name shortened to fit ("欧阳诸葛…"): drop the longest known prefix before each ellipsis.
    while "…" in text:
        i = text.index("…")
        cut = next((j for j in range(max(0, i - 60), i) if text[j:i] in prefixes), i)
        text = text[:cut] + " " + text[i + 1:]
    return _names_pattern(case).sub(" ", text)


def text_problems(texts, lang: str, case: str) -> list[str]:
    problems = []
    for s, _bb in texts:
        if NAN.search(s):
            problems.append(f"nan in {s!r}")
        if NEG_ZERO.search(s):
            problems.append(f"negative zero in {s!r}")
        if OFFSET.search(s):
            problems.append(f"scientific notation in {s!r}")
        rest = strip_data(s, case)
        if lang == "en" and CJK.search(rest):
            problems.append(f"Chinese in an English chart: {s!r}")
        if lang == "zh":
            words = [w for w in WORD.findall(rest) if w not in ZH_ALLOWED]
            if words:
                problems.append(f"English in a Chinese chart: {words} in {s!r}")
    return problems


# 3,200元 / 1.2万元 / 3.3亿 ; 3,200 RMB / 450k RMB / 12.3M / 2.5B
MONEY_SUFFIX = {"zh": re.compile(r"\d(万|亿|元)"), "en": re.compile(r"\d(?:(k|M|B)\b| (RMB))")}
OWN_SCALES = {"health.scorecard"}  # one indicator per row, each on its own scale and in its own unit


def unit_problems(texts, lang: str) -> list[str]:
    """Money in one unit per chart: not 万 beside 亿, nor M beside B."""
    found: dict[str, str] = {}
    for s, _bb in texts:
        for m in MONEY_SUFFIX[lang].finditer(s):
            found.setdefault(next(g for g in m.groups() if g), s)
    return [f"money in {len(found)} units in one chart: " + ", ".join(f"{u} in {s!r}" for u, s in found.items())] \
        if len(found) > 1 else []


def chart_problems(chart: str, case: str, lang: str) -> list[str] | None:
    """Every problem of one chart on one case in one language; None when the chart does not apply."""
    import matplotlib.pyplot as plt

    need, fn = _charts()[chart]
    objs = inputs(case)
    if objs.get(need) is None:
        return None
    n_before = len(plt.get_fignums())
    fig = fn(objs, lang)
    assert len(plt.get_fignums()) == n_before, "a chart must not register a figure with pyplot"
    problems = []
    w, h = fig.get_size_inches()
    if w > MAX_INCHES[0] or h > MAX_INCHES[1]:
        problems.append(f"figure of {w:.1f}×{h:.1f} inches: larger than a page ({MAX_INCHES[0]}×{MAX_INCHES[1]})")
    texts, size = drawn_texts(fig)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            off = axis.get_offset_text()
            if off.get_visible() and off.get_text().strip():
                texts.append((f"[offset text] {off.get_text()}", off.get_window_extent()))
    if chart not in OWN_SCALES:
        problems += unit_problems(texts, lang)
    return problems + overlaps(texts, size) + text_problems(texts, lang, case)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("chart", CHART_IDS)
def test_chart_text_is_readable(chart, case):
    found = {}
    for lang in LANGS:
        p = chart_problems(chart, case, lang)
        if p:
            found[lang] = p
    assert not found, f"{chart} on {case}:\n" + "\n".join(f"[{lang}] {x}" for lang, ps in found.items() for x in ps)


def test_every_chart_function_is_drawn():
    """The list above covers every public chart function of kalib.charts."""
    import inspect

    from kalib.charts import accounts, deals, health, pipeline, team

    public = {f"{m.__name__.rsplit('.', 1)[1]}.{n}" for m in (accounts, deals, health, pipeline, team)
              for n in m.__all__ if inspect.isfunction(getattr(m, n)) and "lang" in inspect.signature(getattr(m, n)).parameters}
    assert public <= set(CHART_IDS) - {"deals.power_map_chart.org", "deals.stage_chart.deal"}, \
        public - set(CHART_IDS)


# -- the checks themselves can fail ------------------------------------------------------

def test_the_checks_catch_overlap_outside_and_wrong_language():
    from matplotlib.figure import Figure

    from kalib.charts import chart_lang

    with chart_lang("zh"):
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "Pipeline", transform=ax.transAxes)
        ax.text(0.52, 0.5, "Pipeline", transform=ax.transAxes)
        ax.text(1.5, 0.5, "far right", transform=ax.transAxes)
        ax.set_title("赢率 win rate -0.0M nan")
        ax.plot([0, 1], [0, 2e6])
        texts, size = drawn_texts(fig)
    probs = overlaps(texts, size)
    assert any(p.startswith("overlap: 'Pipeline'") for p in probs)
    assert any("far right" in p and p.startswith("outside") for p in probs)
    zh = text_problems(texts, "zh", "demo")
    assert any("win" in p and "rate" in p for p in zh) and any("negative zero" in p for p in zh)
    assert any(p.startswith("nan in") for p in zh)
    en = text_problems(texts, "en", "demo")
    assert any(p.startswith("Chinese in an English chart") for p in en)
    assert ax.yaxis.get_offset_text().get_text() == "1e6"  # matplotlib's own offset, which charts must not show


def test_the_unit_check_catches_mixed_units():
    assert unit_problems([("3,200万", None), ("1.2亿", None)], "zh")
    assert unit_problems([("12.3M", None), ("1.2B", None)], "en")
    assert unit_problems([("5,000元", None), ("+1.2万元", None)], "zh")
    assert unit_problems([("3,200 RMB", None), ("12.3M RMB", None)], "en")
    assert not unit_problems([("3,200万", None), ("+12万", None), ("RMB", None)], "zh")


def test_data_names_are_not_chart_text():
    names, _ = data_strings("long_names")
    latin = next(n for n in names if n.startswith(LONG_LATIN[0][:16]))
    assert text_problems([(f"{latin} · 赢率", None)], "zh", "long_names") == []
    assert text_problems([(f"{latin[:8]}… 赢率", None)], "zh", "long_names") == []
    assert text_problems([(f"{latin} · pipeline", None)], "zh", "long_names")


# -- contact sheet -----------------------------------------------------------------------

def contact_sheet(case: str, path: Path, dpi: int = 50) -> None:
    """Every chart of one case, zh and en side by side, as one PNG (for a reviewer's eyes)."""
    import io

    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    charts = _charts()
    tiles = []
    for chart in CHART_IDS:
        need, fn = charts[chart]
        objs = inputs(case)
        row = []
        for lang in LANGS:
            if objs.get(need) is None:
                row.append(None)
                continue
            fig = fn(objs, lang)
            buf = io.BytesIO()
            FigureCanvasAgg(fig).print_png(buf)
            buf.seek(0)
            row.append(mpimg.imread(buf))
        tiles.append((chart, row))
    n = len(tiles)
    cols = 4
    rows = (n * 2 + cols - 1) // cols
    sheet = Figure(figsize=(cols * 5, rows * 3.2))
    for k, (chart, row) in enumerate(tiles):
        for j, img in enumerate(row):
            ax = sheet.add_subplot(rows, cols, 2 * k + j + 1)
            ax.set_axis_off()
            ax.set_title(f"{chart} [{LANGS[j]}]", fontsize=8)
            if img is None:
                ax.text(0.5, 0.5, "not drawn (analysis not available)", ha="center", fontsize=8)
            else:
                ax.imshow(img)
    sheet.suptitle(f"case: {case}")
    sheet.tight_layout()
    FigureCanvasAgg(sheet).print_png(str(path))


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/charts")
    out.mkdir(parents=True, exist_ok=True)
    for case in (sys.argv[2:] or CASES):
        contact_sheet(case, out / f"{case}.png")
        print(out / f"{case}.png")
