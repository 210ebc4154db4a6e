"""One language per reader: every table, summary and message kalib writes follows ``lang``.

A Chinese rendering has no English word of three letters or more (beyond the allowed terms and the
client's own names); an English one has no Chinese character (beyond a term introduced in parentheses and
the client's own names).  Tables for readers have headers in the reader's language, formatted cells
(no ``nan``, no trailing ``.0``) and no row numbers as their index.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import kalib
from kalib.i18n import display_table, fmt_count, fmt_days, fmt_pct, fmt_rmb
from kalib.langscan import find_foreign

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = sorted(p for p in (ROOT / "tests" / "fixtures" / "exports").iterdir() if p.is_dir())


# ---------------------------------------------------------------------------
# the formats
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("x", [0, 1, 9_999, 10_000, 70_835_000, 99_950_000, 1.2e8, 2.5e9, -3.5e6, 123.456, 1e12])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_amounts_never_end_in_point_zero_and_keep_their_unit(x, lang):
    s = fmt_rmb(x, lang)
    assert not re.search(r"\.0(?!\d)", s) and "nan" not in s.lower()
    assert ("元" in s) if lang == "zh" else s.lstrip("-").startswith("RMB ")
    assert not find_foreign(s, lang)
    # read back: the shown amount is within rounding of the amount
    if lang == "zh":
        num = float(re.sub(r"[^\d.]", "", s))
        scale = 1e8 if "亿" in s else 1e4 if "万" in s else 1
    else:
        body = s.lstrip("-").removeprefix("RMB ")
        scale = {"k": 1e3, "M": 1e6, "B": 1e9}.get(body[-1], 1)
        num = float(re.sub(r"[^\d.]", "", body))
    assert num * scale == pytest.approx(abs(x), rel=0.01, abs=1)


def test_counts_days_and_missing_values():
    assert [fmt_count(n, "en", "名销售", "salesperson") for n in (0, 1, 2)] == \
        ["0 salespeople", "1 salesperson", "2 salespeople"]
    assert fmt_count(2, "zh", "名销售", "salesperson") == "2名销售"
    assert fmt_days(154.6, "en") == "155 days" and fmt_days(155.0, "zh") == "155天"
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert fmt_rmb(missing, "zh") == fmt_pct(missing) == fmt_days(missing, "en") == "–"


def test_display_table_hides_row_numbers():
    html = display_table(pd.DataFrame({"客户": ["甲", "乙"]})).to_html()
    assert "甲" in html and not re.search(r"<th[^>]*>\s*[01]\s*</th>", html)


def test_scanner_finds_each_language_in_the_other():
    assert find_foreign("赢率 42%，win rate too low", "zh") == ["win", "rate", "too", "low"]
    assert find_foreign("Win rate 42%，过低", "en") == ["过低"]
    assert find_foreign("Win rate (赢率) 42%", "en") == []
    assert find_foreign("及格线（pass line）", "zh") == [] and find_foreign("及格线 pass line", "zh")
    assert find_foreign("客户 Acme Steel 的 NPS", "zh", allow=["Acme Steel"]) == []


# ---------------------------------------------------------------------------
# tables and texts on the demo
# ---------------------------------------------------------------------------
def data_names(client) -> list[str]:
    """The client's own words (names of customers, people, products, titles, teams…): allowed in either language."""
    out = {client.name, *(str(v) for v in client.sources.values() if v)}  # file and sheet names
    for df in client.tables.values():
        for col in df.columns:
            if df[col].dtype == object or isinstance(df[col].dtype, pd.CategoricalDtype) or \
                    pd.api.types.is_string_dtype(df[col]):
                out.update(str(v) for v in df[col].dropna().unique()[:5000] if isinstance(v, str))
    return sorted(out)


def frame_text(obj) -> tuple[str, pd.DataFrame, bool]:
    """The text a reader sees, the frame and whether its index is shown."""
    if hasattr(obj, "hide") and hasattr(obj, "data"):  # a Styler from display_table
        return " | ".join(map(str, obj.data.columns)) + "\n" + obj.data.to_string(index=False), obj.data, False
    return obj.to_string(), obj, True


def display_frames(c, lang):
    from kalib.accounts import customer_value
    from kalib.calibration import calibrate
    from kalib.course import method_overview
    from kalib.deals import default_opportunity, factor_table, portfolio, review_deal
    from kalib.forecast import what_ifs
    from kalib.health import health_check
    from kalib.pipeline import board1, board1_display, dashboard, stage_table, win_rate_model
    from kalib.powermap import role_guide, style_guide
    from kalib.review import review
    from kalib.team import dimensions, team_analysis

    ev = review_deal(c, default_opportunity(c))
    model = win_rate_model(c)
    dash = dashboard(c, "quarter", model=model)
    t = team_analysis(c)
    cal = calibrate(c)
    return {
        "health": health_check(c).to_frame(lang, formatted=True),
        "accounts": customer_value(c).display_table(lang, n=15),
        "factor_table": factor_table(c.config, lang), "profile": ev.profile_frame(lang),
        "power_map": ev.power_map.to_frame(lang), "checks": ev.power_map.checks_frame(lang),
        "roles": role_guide(c.config, lang), "styles": style_guide(c.config, lang),
        "portfolio": portfolio(c, strict=False).to_frame(lang, evaluated_only=True),
        "stages": stage_table(c.config, lang), "board1": board1_display(board1(c, model=model), c.config, lang),
        **{f"dashboard.{w}": dash.frame(w, lang) for w in ("categories", "by_rep", "by_team", "by_product")},
        "review": review(c, milestone="quarter").rep_frame(lang),
        "calibration": cal.frame("stages", lang), "time_to_close": cal.frame("time_to_close", lang),
        "forecast": what_ifs(c, "quarter", model=model).table(lang),
        "dimensions": dimensions(c, lang), "team": t.table(lang), "ramp": t.ramp_frame(lang),
        "groups": t.groups(lang).drop(columns="need"), "findings": t.findings_frame(lang),
        "overview": method_overview(c, lang), "client": c.summary_frame(lang),
    }


@pytest.fixture(scope="module")
def demo():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kalib.load_client("demo")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_display_table_is_in_one_language(demo, lang):
    allow = data_names(demo)
    bad = {}
    for name, obj in display_frames(demo, lang).items():
        if obj is None:
            continue
        text, df, index_shown = frame_text(obj)
        problems = find_foreign(text, lang, allow=allow)
        if index_shown and df.index.name is None and list(df.index) == list(range(len(df))):
            problems.append("row numbers as index")
        if re.search(r"(?<![\w.])(nan|NaN|None|<NA>|NaT)(?![\w])", text):
            problems.append("a missing value shown as nan/None")
        if re.search(r"\d\.0(?!\d)", text):
            problems.append("a trailing .0")
        raw = [c for c in df.columns if re.fullmatch(r"[a-z]+(_[a-z]+)+", str(c))]
        if raw:
            problems.append(f"raw column names {raw}")
        if problems:
            bad[name] = problems
    assert not bad, bad


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summaries_are_in_one_language(demo, lang):
    from kalib.checkup import client_check
    from kalib.health import health_check
    from kalib.pipeline import dashboard

    allow = data_names(demo)
    h = health_check(demo)
    chk = client_check(demo)
    texts = {"health": h.summary(lang), **{f"explain.{i.key}": i.explain(lang) for i in h},
             "dashboard": dashboard(demo, "quarter").summary(lang), "heading": chk.heading(lang),
             **{f"check.{k}": chk.section(k, lang, chart=False).text for k in ("health", "accounts", "pipeline",
                                                                               "deals", "team")},
             "conclusion": chk.conclusion(lang)}
    bad = {k: find_foreign(v, lang, allow=allow) for k, v in texts.items()}
    assert not {k: v for k, v in bad.items() if v}
    assert demo.industry_name(lang) == {"zh": "制造业", "en": "Manufacturing"}[lang]


# ---------------------------------------------------------------------------
# the executive summary always says what to do first, or why nothing
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("folder", EXPORTS, ids=[p.name for p in EXPORTS])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_conclusion_never_leaves_a_heading_empty(folder, lang):
    from kalib.checkup import client_check

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = kalib.load_client(folder)
    chk = client_check(c)
    text = chk.conclusion(lang)
    blocks = [b for b in text.split("\n\n") if b.strip()]
    for head, body in zip(blocks, blocks[1:] + [""]):  # every heading line (ending in a colon) has lines under it
        if head.rstrip().endswith(("：", ":", "：**", ":**")):
            assert body.strip().startswith(("1. ", "- ")), (head, body)
    acts = chk.sales_actions()
    count = int(c.config.section("sales_actions")["count"])
    if len(acts) < count:  # fewer actions than asked for: it says why, each reason a sentence
        why = chk.why_not_more(lang)
        assert why and all(w in text for w in why)
    for a in acts:
        assert a.what(lang) in text
    assert not find_foreign(text, lang, allow=data_names(c))


def test_no_action_says_what_the_data_lack():
    from kalib.checkup import client_check

    rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01", "2023-04-01"]),
                        "customer": ["A", "B", "A"], "amount": [6e6, 3e6, 2e6]})
    chk = client_check(Client_from(rev))
    zh, en = chk.conclusion("zh"), chk.conclusion("en")
    assert not chk.sales_actions()
    assert zh.startswith("**暂时没有可以先做的销售行动**") and en.startswith("**No sales action comes first yet**")
    # what to add: opportunities for the deals, a salesperson for the team
    assert "销售机会" in zh and "opportunities" in en and "salesperson" in en
    assert not find_foreign(zh, "zh") and not find_foreign(en, "en")


def Client_from(rev):
    from kalib import Client

    return Client.from_frames({"revenue": rev}, period="2024")


# ---------------------------------------------------------------------------
# messages: loader warnings, capabilities, the check's sections, on every export fixture
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("folder", EXPORTS + [ROOT / "tests" / "fixtures" / "acme"], ids=lambda p: p.name)
def test_messages_on_the_fixtures_are_in_one_language(folder):
    from kalib.capabilities import capabilities
    from kalib.checkup import client_check
    from kalib.health import health_check

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = kalib.load_client(folder)
    allow = data_names(c) + [w.column for w in c.warnings if w.column]  # the client's own headers
    h, chk = health_check(c), client_check(c)
    for w in c.warnings:
        assert w.message_zh, f"a warning without its Chinese: {w}"
    for lang in ("zh", "en"):
        texts = {"summary": h.summary(lang), **{f"explain {i.key}": i.explain(lang) for i in h},
                 **{f"capability {k.key}": k.text(lang) for k in capabilities(c)},
                 **{f"warning {i}": w.text(lang) for i, w in enumerate(c.warnings)},
                 **{f"section {k}": chk.section(k, lang, chart=False).text
                    for k in ("health", "accounts", "pipeline", "deals", "team")}}
        bad = {k: find_foreign(t, lang, allow=allow) for k, t in texts.items()}
        assert not {k: v for k, v in bad.items() if v}, lang


def test_a_bad_input_is_told_in_chinese(tmp_path):
    from kalib.problems import InputError

    (tmp_path / "nps.csv").write_text("date,customer,score\n2024-01-05,甲,11\n2024-02-05,乙,12\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        kalib.load_client(tmp_path)
    zh, en = e.value.text("zh"), e.value.text("en")
    assert "NPS评分应在0到10之间" in zh and "第2行" in zh and "from 0 to 10" in en
    assert not find_foreign(zh, "zh", allow=["nps.csv", "score"]) and not find_foreign(en, "en")  # its own header
