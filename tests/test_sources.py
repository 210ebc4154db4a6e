"""Where the method's numbers come from, and the win rate's rule for withdrawn deals.

Every ``source:`` mark in method.yaml is article, reading or default; what is marked
``article`` is written in the article; deals we withdrew from (放弃/NoGo) leave every win
rate's denominator unless ``indicators.win_rate.abandoned.count_as_lost`` says otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kalib.config import SOURCES, Config, ConfigError, default_config, source_name
from kalib.health import health_check
from kalib.indicators import basis_text
from kalib.pipeline import own_win_rate, stage_table
from kalib.problems import InputError
from kalib.settings import parse_settings
from kalib.team import dimensions, opportunity_stats

ROOT = Path(__file__).resolve().parents[1]
METHOD = ROOT / "kalib" / "method.yaml"
# The article's ten indicators and its layer 4, word for word (the seed article "一顿饭成交6000万，如何搞定大客户？").
ARTICLE_LINES = (
    '1. 大客户贡献度:排名前10的客户至少要贡献50%,最好是70%',
    '2. 老客户续约率:至少80%以上',
    '3. 老单一大客户份额:至少30%以上,最好是单一采购来源',
    '4. 客户忠诚度:NPS净推荐值10-20%,服务业要到40%',
    '5. 赢单成功率:赢单成功率至少要达到33%以上',
    '6. 储备销售机会:在跟销售机会至少是销售目标的3倍',
    '7. 销售人员年人均销售额:制造业至少1000万,服务业至少600万',
    '8. 企业人均年生产产值:制造业至少100万,服务业至少40万',
    '9. 销售人员分布:超过平均销售额的人员至少要到50%',
    '10. 产品竞争力:30%的核心产品要贡献70%的收入',
    '第四层,如何构建一个致力于成功的销售团队。需要从销售职业、人才管理、领导力与销售文化、绩效支持4个维度来构建。这部分,适合企业决策者深度学习。',
)
COUNT_AS_LOST = {"indicators": {"win_rate": {"abandoned": {"count_as_lost": True}}}}


def _marks(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            where = f"{path}.{k}" if path else str(k)
            if k == "source" or str(k).endswith("_source"):
                yield where, v
            else:
                yield from _marks(v, where)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _marks(v, f"{path}[{i}]")


# ---------------------------------------------------------------------------
# source marks
# ---------------------------------------------------------------------------
def test_every_source_mark_in_method_yaml_is_known():
    text = METHOD.read_text(encoding="utf-8")
    marks = list(_marks(yaml.safe_load(text)))
    assert len(marks) > 40
    bad = [(where, v) for where, v in marks if v not in {"article", "default", "reading"}]
    assert bad == []
    # the text too (a mark in a flow mapping or a comment-free line the loader might fold)
    written = re.findall(r"\b\w*source:\s*([\w-]+)", "\n".join(l.split("#")[0] for l in text.splitlines()))
    assert written and set(written) <= {"article", "default", "reading"}
    assert set(SOURCES) == {"article", "default", "reading"}


def test_the_three_readings_are_not_labelled_as_the_article():
    cfg = default_config()
    nps = cfg.line("nps", "manufacturing")
    assert (nps["pass"], nps["excellent"], nps["source"]) == (0.10, 0.20, "reading")
    dims = cfg.section("team")["dimensions"]
    assert [d["source"] for d in dims] == ["article"] * 4          # the names are the article's
    assert [d["about_source"] for d in dims] == ["reading"] * 4    # what they cover is ours
    comment = METHOD.read_text(encoding="utf-8").split("win_rate_window_days")[0].rsplit("\n\n", 1)[-1]
    assert "our reading" in comment and "(article: a 33%" not in comment


def test_config_refuses_an_unknown_source():
    data = default_config().data
    data["indicators"]["win_rate"]["lines"]["services"]["source"] = "blog"
    with pytest.raises(ConfigError, match=r"indicators\.win_rate\.lines\.services\.source"):
        Config(data)


def test_overrides_schema_checks_source_marks_and_the_withdrawn_rule():
    probs: list = []
    parse_settings("overrides:\n  indicators:\n    win_rate:\n      lines: {services: {source: blog}}\n"
                   "      abandoned: {count_as_lost: maybe}\n", "client.yml", probs)
    where = {p.column: str(p) for p in probs}
    assert set(where) == {"overrides.indicators.win_rate.lines.services.source",
                          "overrides.indicators.win_rate.abandoned.count_as_lost"}, where
    ok: list = []
    parse_settings("overrides:\n  indicators:\n    win_rate:\n      abandoned: {count_as_lost: true}\n",
                   "client.yml", ok)
    assert ok == []


def _article_forms(value: float, unit: str) -> set[str]:
    if unit == "share":
        pct = round(value * 100)
        return {f"{pct}%"} | ({"单一采购来源"} if value == 1.0 else set())
    if unit == "ratio":
        return {f"{value:g}倍"}
    return {f"{value / 10_000:g}万"}


def test_what_is_marked_article_is_written_in_the_article():
    """Each indicator line marked ``article`` has its numbers, as written, on the article's line for
    that indicator; the reading of NPS "10-20%" as two lines is not literal, and is marked so."""
    text = "\n".join(ARTICLE_LINES)
    cfg = default_config()
    checked = 0
    for key in cfg.indicator_keys():
        ind = cfg.indicator(key)
        line = next(l for l in text.splitlines() if l.startswith(f"{ind['id']}. "))
        for industry, spec in ind["lines"].items():
            values = [v for v in (spec.get("pass"), spec.get("excellent")) if v is not None]
            literal = all(any(form in line for form in _article_forms(v, ind["unit"])) for v in values)
            if spec["source"] == "article":
                assert literal, (key, industry, line)
                checked += 1
            else:
                assert not literal, (key, industry, "written in the article: mark it article")
    assert checked == 19
    for d in cfg.section("team")["dimensions"]:
        assert d["zh"] in text and d["about_zh"] not in text


def test_sources_are_shown_in_words():
    assert [source_name(s, "zh") for s in SOURCES] == ["文章", "我们的解读", "默认"]
    assert [source_name(s, "en") for s in SOURCES] == ["article", "our reading", "our default"]
    from kalib import Client
    d = dimensions(Client({}), "zh")
    assert d["来源"].tolist() == ["文章"] * 4 and d["内容来源"].tolist() == ["我们的解读"] * 4
    assert set(stage_table(default_config(), "en")["Source"]) == {"our default"}
    from kalib.course import method_overview
    ov = method_overview(None, "en", "manufacturing")
    assert ov.loc[4, "Source"] == "our reading" and ov.loc[5, "Source"] == "article"


# ---------------------------------------------------------------------------
# withdrawn deals (放弃/NoGo) and the win rate
# ---------------------------------------------------------------------------
def _closed_in(o: pd.DataFrame, start, end) -> pd.DataFrame:
    when = o["closed_date"].fillna(o["expected_close"])
    return o[o["status"].isin(["won", "lost"]) & (when >= start) & (when <= end)]


def _expected_rate(closed: pd.DataFrame, count_withdrawn: bool) -> tuple[int, int, float]:
    won = int((closed["status"] == "won").sum())
    lost_rows = closed[closed["status"] == "lost"]
    if not count_withdrawn:
        lost_rows = lost_rows[lost_rows["stage"] != "abandoned"]
    lost = len(lost_rows)
    return won, lost, won / (won + lost)


@pytest.mark.parametrize("count_withdrawn", [False, True], ids=["default", "count_as_lost"])
def test_indicator_5_leaves_withdrawn_deals_out_by_default(demo_client, count_withdrawn):
    c = demo_client.with_config(COUNT_AS_LOST) if count_withdrawn else demo_client
    per = c.period()
    closed = _closed_in(c.table("opportunities"), per.start, per.end)
    assert (closed["stage"] == "abandoned").sum() > 10  # the demo has withdrawn deals to leave out
    won, lost, rate = _expected_rate(closed, count_withdrawn)
    ind = health_check(c, period=per)["win_rate"]
    assert ind.value == pytest.approx(rate, rel=1e-12)
    assert (ind.detail["won"], ind.detail["lost"]) == (won, lost)
    en, zh = basis_text(ind, "en"), basis_text(ind, "zh")
    if count_withdrawn:
        assert "abandoned included" in en and "含放弃" in zh
    else:
        n = int((closed["stage"] == "abandoned").sum())
        assert f"the {n} we withdrew from (NoGo) are left out" in en and f"放弃（NoGo）的{n}个不计入" in zh
        assert "abandoned included" not in en and "含放弃" not in zh


@pytest.mark.parametrize("count_withdrawn", [False, True], ids=["default", "count_as_lost"])
def test_own_win_rate_follows_the_same_rule(demo_client, count_withdrawn):
    c = demo_client.with_config(COUNT_AS_LOST) if count_withdrawn else demo_client
    o = c.table("opportunities")
    end = c.as_of.normalize()
    days = c.config.section("forecast")["win_rate_window_days"]
    closed = o[o["status"].isin(["won", "lost"]) & (o["closed_date"] > end - pd.Timedelta(days=days))
               & (o["closed_date"] <= end)]
    won, lost, rate = _expected_rate(closed, count_withdrawn)
    got = own_win_rate(c)
    assert (got["won"], got["lost"], got["basis"]) == (won, lost, "window")
    assert got["rate"] == pytest.approx(rate, rel=1e-12)
    withdrawn = 0 if count_withdrawn else int((closed["stage"] == "abandoned").sum())
    assert got["withdrawn"] == withdrawn
    # the coverage needed counts every deal that left the pipeline, withdrawn ones included
    assert got["required_coverage"] == pytest.approx(len(closed) / won, rel=1e-12)
    assert got["required_coverage"] == pytest.approx((won + lost + withdrawn) / won, rel=1e-12)
    if not count_withdrawn:
        assert withdrawn > 0 and got["required_coverage"] > 1 / rate


@pytest.mark.parametrize("count_withdrawn", [False, True], ids=["default", "count_as_lost"])
def test_each_salespersons_win_rate_follows_the_same_rule(demo_client, count_withdrawn):
    c = demo_client.with_config(COUNT_AS_LOST) if count_withdrawn else demo_client
    per = c.period()
    o = c.table("opportunities")
    o = o[o["owner"].notna()]
    closed = _closed_in(o, per.start, per.end)
    if not count_withdrawn:
        closed = closed[closed["stage"] != "abandoned"]
    won = (closed["status"] == "won").groupby(closed["owner"]).sum()
    n = closed.groupby("owner").size()
    stats = opportunity_stats(c, per)
    assert stats.loc[n.index, "closed"].tolist() == n.tolist()
    assert stats.loc[n.index, "win_rate"].tolist() == pytest.approx((won / n).tolist(), rel=1e-12)


def test_the_setting_is_a_client_override(tmp_path):
    """``overrides:`` in client.yml turns the rule, and the default rule leaves a higher rate."""
    import shutil

    import kalib
    from kalib.io import find_demo

    folder = tmp_path / "demo"
    shutil.copytree(find_demo(), folder)
    yml = folder / "client.yml"
    yml.write_text(yml.read_text(encoding="utf-8")
                   + "\noverrides:\n  indicators:\n    win_rate:\n      abandoned: {count_as_lost: true}\n",
                   encoding="utf-8")
    counted = kalib.load_client(folder)
    default = kalib.load_client("demo")
    assert counted.config.withdrawn_stages() == frozenset()
    assert default.config.withdrawn_stages() == frozenset({"abandoned"})
    assert health_check(default)["win_rate"].value > health_check(counted)["win_rate"].value
    yml.write_text(yml.read_text(encoding="utf-8").replace("count_as_lost: true", "count_as_lost: 1"),
                   encoding="utf-8")
    with pytest.raises(InputError, match="count_as_lost"):
        kalib.load_client(folder)


def test_a_line_the_client_changed_is_shown_as_the_clients():
    cfg = default_config().with_overrides({"indicators": {"win_rate": {"lines": {"services": {"pass": 0.30}}}}})
    assert cfg.line("win_rate", "services") == {"pass": 0.30, "excellent": None, "source": "client"}
    assert cfg.line("win_rate", "manufacturing")["source"] == "article"  # untouched
    assert default_config().line("win_rate", "services")["source"] == "article"
    assert source_name("client", "zh") == "客户设定"
