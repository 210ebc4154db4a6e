"""The demo company: a seeded, fictional Chinese B2B manufacturer.

华东精工装备有限公司 (Huadong Precision Equipment Co., Ltd.) makes CNC machine
tools, automation lines, precision parts and spares in Suzhou, with about 720
employees and 30-odd salespeople in four teams.  It is fictional: every
company, person and number is generated from a seed, and any resemblance to a
real company is a coincidence.

:func:`generate` returns the canonical tables (column names from
:mod:`kalib.schema`) and a ``meta`` dict for ``client.yml``;
:func:`write_client` writes them as a client folder a coach would receive
(CSV in UTF-8 with BOM, a couple of small tables as ``.xlsx``, Chinese or
English headers); ``python -m kalib.demo`` regenerates the committed
``kalib/demo_data`` folder, which ships with the package (same seed,
byte-identical CSVs).  Sorts are stable and every date is whole days in
integer arithmetic, so tied values and floating-point details cannot move a
row or a date.
Everything is vectorised with numpy, so ``generate(scale=...)`` or explicit
``n_opportunities=`` / ``n_revenue=`` produce a million opportunities and five
million revenue rows in seconds (for load benchmarks).

The teaching case (seed 2024, period 2024, manufacturing lines)
---------------------------------------------------------------
The demo is tuned so that the ten health indicators (METHOD.md section 3)
come out *mixed*, as they do in most companies a coach meets:

====  ==================================  ==========  ==========================
 #    indicator                           outcome     value (line)
====  ==================================  ==========  ==========================
 1    top-10 share 大客户贡献度             excellent   72.2% (pass 50%, best 70%)
 2    renewal 老客户续约率                   failing     69.8% (pass 80%)
 3    wallet share 老单一大客户份额          passing     median 35.0% (pass 30%)
 4    NPS 净推荐值                          passing     14.5% (pass 10%, best 20%)
 5    win rate 赢单成功率                    passing     42.2% (pass 33%)
 6    pipeline 储备销售机会                  failing     2.18x target (pass 3x)
 7    sales per rep 销售人员年人均销售额      failing     8.8M RMB (pass 10M)
 8    output per employee 企业人均年生产产值  failing     0.39M RMB (pass 1M)
 9    reps above mean 销售人员分布           failing     34.4% (pass 50%)
 10   core products 产品竞争力               passing     73.8% (pass 70%)
====  ==================================  ==========  ==========================

The levers are explicit (``_TOP10_SHARE``, ``_RENEWAL``, ``_WALLET_SHARES``,
``_WIN_RATE``, ``_COVERAGE``, ``_STAR_SHARE`` and the NPS shares), so other
seeds land close to the same outcome; the test suite checks the outcome for
the committed demo.

The story behind the numbers: a few mid-size customers (e.g. the automotive
and new-energy makers) buy a lot and make the top 10 excellent, while five
huge state-owned groups (央企) with tens of thousands of employees buy almost
nothing: 大企业≠大客户 (a big company is not a key account).  Small customers
churn, so renewal fails; the pipeline is thin for next year's target; the
sales force is too large for its output and its results hang on a few
stars (only about a third of the reps are above the average).

Realistic mess the loader must handle (and count as warnings): a few open
early-stage opportunities without an amount, two revenue rows without a
customer, and a few product names spelled differently from the product list
(extra space, full-width characters, different case).

Examples
--------
>>> frames, meta = generate(seed=1, n_customers=40, years=2)
>>> sorted(frames)  # doctest: +NORMALIZE_WHITESPACE
['customers', 'deal_scores', 'nps', 'opportunities', 'products', 'revenue', 'salespeople',
 'snapshots', 'stakeholders']
>>> meta["industry"], meta["currency"]
('manufacturing', 'RMB')
>>> frames["opportunities"]["status"].isin(["open", "won", "lost"]).all()
np.True_
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import default_config
from .schema import FACTORS, TABLES

__all__ = [
    "DEMO_SEED",
    "DEMO_NAME",
    "generate",
    "write_client",
    "load_demo_frames",
    "client_yml",
    "demo_folder",
    "main",
    "save_workbook_deterministic",
]

DEMO_SEED = 2024
DEMO_NAME = "华东精工装备有限公司"
DEMO_NAME_EN = "Huadong Precision Equipment Co., Ltd."

# ---------------------------------------------------------------------------
# Name pools (fictional)
# ---------------------------------------------------------------------------
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
_GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 红 志强 晓东 海燕 鹏 辉 玲 斌 宇 浩 凯 健 俊 帆 旭 "
    "宁 婷 琳 雪 颖 欣 博 昊 子轩 思远 佳怡 雨桐 晨 阳 亮 飞 峰 波 萍 春梅 建国 国强 立新 海涛 志刚 永刚 秋菊 晓燕 建军 丽娟 卫东 学军 "
    "红梅 金凤 宏伟 振华 晓明 德胜 文静 嘉伟 一鸣 少华"
).split()

# city -> region (区域)
_CITIES = {
    "苏州": "华东", "无锡": "华东", "常州": "华东", "南京": "华东", "杭州": "华东", "宁波": "华东", "温州": "华东",
    "绍兴": "华东", "嘉兴": "华东", "上海": "华东", "合肥": "华东", "芜湖": "华东", "济南": "华北", "青岛": "华东",
    "烟台": "华东", "潍坊": "华东", "天津": "华北", "北京": "华北", "石家庄": "华北", "唐山": "华北", "太原": "华北",
    "沈阳": "东北", "大连": "东北", "长春": "东北", "哈尔滨": "东北", "郑州": "华中", "洛阳": "华中", "武汉": "华中",
    "襄阳": "华中", "长沙": "华中", "株洲": "华中", "南昌": "华中", "福州": "华南", "厦门": "华南", "泉州": "华南",
    "广州": "华南", "深圳": "华南", "东莞": "华南", "佛山": "华南", "中山": "华南", "柳州": "华南", "重庆": "西南",
    "成都": "西南", "绵阳": "西南", "昆明": "西南", "西安": "西北", "宝鸡": "西北", "兰州": "西北",
}
_BRANDS = (
    "恒力 宏达 华信 金鼎 瑞丰 永盛 博远 天成 盛泰 鑫源 恒通 德隆 远航 中联 汇达 新锐 精诚 海德 凯瑞 振邦 东辰 银河 明珠 龙腾 "
    "安泰 嘉禾 宏图 万和 九州 华宇 隆盛 三和 立信 兴达 同创 合力 鼎盛 昌盛 宇晟 福瑞 康达 祥和 广源 诚鑫 晨曦 泰山 江南 "
    "北辰 华晟 启元 天衡 瀚海 博雅 致远 卓远 凌云 星辉 金泰 中科 新纪元 长江 黄河 东海 南岭 岳峰 锦程 融通 信达 华茂 奥凯 "
    "佳盛 立达 宝丰 百川 千禾 润泽 通达 欧普 海川"
).split()
# industry word -> customer industry (行业)
_TRADES = {
    "汽车部件": "汽车零部件", "汽车零部件": "汽车零部件", "机械": "通用机械", "重工": "工程机械", "工程机械": "工程机械",
    "新能源科技": "新能源", "电池科技": "新能源", "电子": "电子制造", "精密电子": "电子制造", "轨道装备": "轨道交通",
    "船舶配套": "船舶", "航空部件": "航空航天", "液压": "通用机械", "电机": "电气设备", "电气": "电气设备", "家电": "家电",
    "模具": "模具", "阀门": "通用机械", "泵业": "通用机械", "智能装备": "智能装备", "动力": "动力设备",
    "新材料": "新材料", "医疗器械": "医疗器械",
}
_SEGMENTS = ("民营", "国企", "外资", "上市公司")

# Five huge state-owned groups that buy almost nothing from us: 大企业≠大客户.
_SOE = (
    ("中国华晟重工集团有限公司", "工程机械", "华北", 182000, 3.6e11),
    ("中国北辰能源装备集团有限公司", "电气设备", "华北", 96000, 2.1e11),
    ("中国天衡轨道装备集团有限公司", "轨道交通", "华北", 143000, 2.4e11),
    ("中国瀚海船舶工业集团有限公司", "船舶", "华东", 121000, 1.9e11),
    ("中国启元航空工业集团有限公司", "航空航天", "西北", 88000, 1.5e11),
)
# Mid-size companies that are our biggest customers: the real key accounts.
_KEY = (
    ("苏州恒力汽车部件股份有限公司", "汽车零部件", "华东", 2600, 3.8e9),
    ("常州瑞丰新能源科技有限公司", "新能源", "华东", 1900, 2.6e9),
    ("宁波博远精密电子有限公司", "电子制造", "华东", 1500, 1.4e9),
    ("佛山嘉禾智能装备有限公司", "智能装备", "华南", 850, 9.0e8),
)

# Products: (name, category, price level, core)
_CATEGORIES = {
    "数控机床": ("HD-V{} 立式加工中心", "HD-H{} 卧式加工中心", "HD-L{} 数控车床", "HD-G{} 龙门加工中心", "HD-5X{} 五轴加工中心"),
    "自动化产线": ("HA-{} 柔性生产线", "HA-R{} 机器人上下料单元", "HA-C{} 自动化装配线"),
    "精密部件": ("HP-S{} 电主轴", "HP-B{} 精密滚珠丝杠", "HP-T{} 数控转台", "HP-G{} 直线导轨"),
    "备件耗材": ("HS-{} 刀具套装", "HS-F{} 滤芯组件", "HS-K{} 维修备件包"),
    "服务": ("HX-{} 安装调试服务", "HX-M{} 年度维保合同", "HX-T{} 操作培训", "HX-U{} 设备改造升级"),
}
_CATEGORY_EN = {"数控机床": "CNC machines", "自动化产线": "Automation lines", "精密部件": "Precision parts",
                "备件耗材": "Spares", "服务": "Services"}
_PRICE = {"数控机床": 9.0, "自动化产线": 14.0, "精密部件": 2.0, "备件耗材": 0.5, "服务": 1.0}

# Indicator 10 looks at the top 30% of core products; the stars among them bring this share of revenue.
PRODUCT_FRACTION = 0.30
_STAR_SHARE = 0.73
_TOP10_SHARE = 0.72  # indicator 1 in the last year
_RENEWAL = 0.70  # indicator 2 in the last year
_WIN_RATE = 0.36  # won ÷ all deals closed in the last year; indicator 5 leaves the withdrawn (放弃) out: ≈ 42%
_COVERAGE = 2.2  # indicator 6 at the as-of date
_WALLET_SHARES = (0.62, 0.55, 0.41, 0.36, 0.34, 0.31, 0.24, 0.18, 0.12, np.nan)  # indicator 3: top 10

_RAMP_QUOTA = 0.4  # a new hire's first-year quota, as a share of the median settled salesperson's
_TEAMS = (("大客户部", 0.26), ("华东区", 0.30), ("华南区", 0.22), ("华北区", 0.22))

_ROLE_TITLES = {
    "approver": ("董事长", "总经理", "集团副总裁"),
    "decision_maker": ("副总经理", "生产副总", "技术副总"),
    "evaluator": ("设备部经理", "采购部经理", "技术中心主任", "工艺部部长", "财务总监"),
    "user": ("车间主任", "设备科长", "生产主管", "工艺工程师"),
    "influencer": ("设计院专家", "外部顾问", "集团设备处处长"),
    "coach": ("设备科副科长", "项目经理", "采购专员"),
}
_STYLES = ("driver", "analytical", "amiable", "expressive")
# Mean factor score of a key deal that will be won, and of one that will not.  The open key deals are the big
# ones a team keeps working on: about a third of them come out NoGo.
_KEY_DEAL_MEANS = (3.9, 3.0)
# Mean attitude (−2 … +2) of the people in the buying centre of a deal that will be won, and of one that will not.
_KEY_DEAL_LEAN = (1.1, 0.1)

# Coaches' notes on key deals: for strong deals, and for weak ones.
_NOTES_STRONG = (
    "客户决策链清楚，需尽快约见分管副总", "技术评估领先，商务条款待谈", "教练关系稳固，推进节奏由我方主导",
    "已完成样件试切，评估者认可", "价值论证已获财务认可，注意最后时刻的让价压力",
)
_NOTES_WEAK = (
    "竞争对手报价低15%，需强化价值论证", "预算尚未批准，判定为风险项目", "客户需求多次变化，需重新确认购买因素",
    "未见到决策者，权力图不完整", "可考虑NoGo，投入产出比偏低", "被客户牵着走，评估标准由竞争对手主导",
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
_EPOCH = np.datetime64("1970-01-01", "D")


def _days(ts: str | pd.Timestamp) -> int:
    return int((np.datetime64(pd.Timestamp(ts).date(), "D") - _EPOCH).astype(np.int64))


def _to_dates(days: np.ndarray) -> pd.Series | np.ndarray:
    """int days since epoch (NaN/huge -> NaT) to datetime64[s]."""
    d = np.asarray(days, dtype="float64")
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = np.isfinite(d) & (np.abs(d) < 1e6)
    out[ok] = (_EPOCH + d[ok].astype(np.int64)).astype("datetime64[s]")
    return out


def _combos(rng: np.random.Generator, sizes: list[int], n: int) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` distinct picks from the cartesian product of ``sizes`` (index per part), then a
    repeat counter (0 for the first pass over the product, 1 for the second...)."""
    total = int(np.prod(sizes))
    idx = rng.permutation(total)[:n] if total <= 4 * n or total <= 100_000 else rng.choice(total, min(n, total),
                                                                                         replace=False)
    if n > total:
        extra = np.arange(n - total)
        idx = np.concatenate([idx, idx[extra % total]])
    rep = np.zeros(n, dtype=np.int64)
    rep[total:] = np.arange(n - total) // total + 1 if n > total else 0
    pieces = []
    rem = idx.copy()
    for size in reversed(sizes):
        pieces.append(rem % size)
        rem //= size
    return pieces[::-1], rep


def _unique_names(rng: np.random.Generator, parts: list[list[str]], n: int) -> np.ndarray:
    """``n`` distinct names built from the cartesian product of ``parts`` (numbered beyond it)."""
    pieces, rep = _combos(rng, [len(p) for p in parts], n)
    out = np.asarray(parts[0], dtype=object)[pieces[0]]
    for p, i in zip(parts[1:], pieces[1:]):
        out = out + np.asarray(p, dtype=object)[i]
    if rep.any():
        out = np.where(rep > 0, out + (rep + 1).astype(str).astype(object), out)
    return out


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    return _unique_names(rng, [_SURNAMES, _GIVEN], n)


def _take(values, codes: np.ndarray, null: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as a pandas ``str`` array, built in Arrow (fast for millions of rows)."""
    import pyarrow as pa

    vals = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(
        np.asarray(values, dtype=object), type=pa.string())
    idx = pa.array(np.asarray(codes, dtype=np.int64), mask=null)
    return pd.array(vals.take(idx), dtype="str")


def _numbered(prefix: str, numbers: np.ndarray, width: int, sep_after: int | None = None):
    """Arrow strings ``prefix + zero-padded number`` (``sep_after``: put a "-" after that many digits)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = np.asarray(numbers, dtype=np.int64)
    text = pa.array(numbers + 10 ** width).cast(pa.string())  # leading "1" keeps the zeros
    text = pc.utf8_replace_slice(text, 0, 1, prefix)
    if sep_after is not None:
        pos = len(prefix) + sep_after
        text = pc.utf8_replace_slice(text, pos, pos, "-")
    return text


def _round_money(x: np.ndarray, step: float = 1.0) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) / step) * step


def _whole_days(x: np.ndarray) -> np.ndarray:
    """A drawn duration as whole days (floored once; every date is then integer days)."""
    return np.floor(np.asarray(x, dtype=float)).astype(np.int64)


def _day_within(rng: np.random.Generator, length: np.ndarray, lo_pct: int, hi_pct: int, size=None) -> np.ndarray:
    """A whole-day offset drawn uniformly between ``lo_pct`` % and ``hi_pct`` % of ``length`` days,
    in integer arithmetic only (the same days on every machine)."""
    length = np.asarray(length, dtype=np.int64)
    lo = length * lo_pct // 100
    hi = np.maximum(length * hi_pct // 100, lo + 1)
    return rng.integers(lo, hi, size=size if size is not None else length.shape)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------
def generate(
    seed: int = DEMO_SEED,
    n_customers: int = 200,
    years: int = 3,
    *,
    end: str = "2024-12-31",
    scale: float = 1.0,
    n_salespeople: int | None = None,
    n_products: int = 45,
    n_opportunities: int | None = None,
    n_revenue: int | None = None,
    snapshot_weeks: int = 26,
    n_key_deals: int = 24,
    n_nps: int | None = None,
    mess: bool = True,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Generate the demo company's tables.

    Parameters
    ----------
    seed
        Random seed; the same seed gives the same tables.
    n_customers, years
        Number of customers and years of revenue (ending at ``end``).
    end
        Last day of the data (the analysis ``as_of`` date).
    scale
        Multiplies every count and money total (customers, salespeople,
        opportunities, revenue rows, NPS answers, targets, employees), so the
        indicators stay about the same at any size.
    n_salespeople, n_products, n_opportunities, n_revenue, n_nps
        Override the counts (None = derived from ``n_customers`` and ``scale``).
    snapshot_weeks
        Weekly pipeline snapshots (Mondays) ending at the last Monday on or
        before ``end``; 0 for none.
    n_key_deals
        Open key deals with nine-factor scores and a stakeholder map.
    mess
        Add the realistic mess the loader must handle (missing amounts,
        revenue without a customer, misspelled product names).

    Returns
    -------
    (frames, meta)
        ``frames``: canonical DataFrames by table name (``customers``,
        ``revenue``, ``opportunities``, ``snapshots``, ``salespeople``,
        ``products``, ``nps``, ``deal_scores``, ``stakeholders``); stages
        are stage keys and statuses ``open``/``won``/``lost``.
        ``meta``: the settings for ``client.yml``.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end).normalize()
    end_day = _days(end_ts)
    last_year = end_ts.year
    first_year = last_year - years + 1
    year_list = np.arange(first_year, last_year + 1)
    n_cust = max(12, int(round(n_customers * scale)))
    n_rep = n_salespeople or max(6, int(round(32 * scale * n_customers / 200)))
    n_opp = n_opportunities or int(round(320 * years * scale * n_customers / 200))
    n_rev = n_revenue or int(round(2300 * years * scale * n_customers / 200))
    size = scale * n_customers / 200  # money scale relative to the default demo
    revenue_last_year = 285e6 * size

    frames: dict[str, pd.DataFrame] = {}

    # -- products -------------------------------------------------------
    prods = _products(rng, n_products)
    frames["products"] = prods[["product", "core", "category"]].copy()

    # -- salespeople ----------------------------------------------------
    reps = _salespeople(rng, n_rep, end_ts, size)
    frames["salespeople"] = reps[["salesperson", "team", "hire_date", "leave_date"]].copy()

    # -- customers ------------------------------------------------------
    cust, active = _customers(rng, n_cust, year_list, reps)
    frames["customers"] = cust[
        ["customer_id", "customer", "industry", "region", "employees", "company_revenue", "wallet", "segment"]
    ].copy()

    # -- revenue --------------------------------------------------------
    frames["revenue"], rev_codes = _revenue(rng, cust, active, prods, reps, year_list, end_day, n_rev, revenue_last_year, mess)

    # wallet estimates follow what the customers actually bought last year
    frames["customers"] = _wallets(rng, frames["customers"], frames["revenue"], rev_codes, cust, last_year)

    # -- opportunities and snapshots ---------------------------------------
    state_day = end_day - ((end_day + 3) % 7)  # the last Monday on or before `end`
    opps, hidden = _opportunities(rng, cust, prods, reps, first_year, last_year, state_day, n_opp, size)
    snap_days = [state_day - 7 * k for k in range(snapshot_weeks - 1, -1, -1)] if snapshot_weeks else []
    frames["opportunities"] = _state(opps, state_day, include_all=True, mess=mess)
    if snap_days:
        window_start = snap_days[0] - 7
        frames["snapshots"] = pd.concat(
            [_state(opps, d, include_all=False, window_start=window_start, mess=mess) for d in snap_days],
            ignore_index=True,
        )
        frames["snapshots"].insert(0, "snapshot_date", np.repeat(
            _to_dates(np.array(snap_days)),
            [int(((opps["created"] <= d) & (opps["close_day"] >= window_start)).sum()) for d in snap_days],
        ))
    # quotas follow each salesperson's book (set once sales and deals exist; no random draw)
    frames["salespeople"]["quota"] = _quotas(reps, frames["revenue"], frames["opportunities"], last_year, end_ts,
                                             330e6 * size)
    # -- NPS ------------------------------------------------------------------
    frames["nps"] = _nps(rng, cust, active, year_list, end_day, n_nps or int(round(110 * years * size)))

    # -- key deals: scores and stakeholders -----------------------------------
    scores, people = _key_deals(rng, frames["opportunities"], hidden, reps, n_key_deals, state_day)
    story = _story_deal(frames["opportunities"], frames["revenue"], scores, last_year)
    if story is not None:
        scores, people = _tell_story(scores, people, story)
    frames["deal_scores"] = scores
    frames["stakeholders"] = people

    # canonical column order
    for name, df in list(frames.items()):
        cols = [c for c in TABLES[name].column_names if c in df.columns]
        frames[name] = df[cols].reset_index(drop=True)

    meta = {
        "name": DEMO_NAME if scale == 1 and n_customers == 200 else f"{DEMO_NAME}（模拟 {n_cust} 客户）",
        "industry": "manufacturing",
        "currency": "RMB",
        "fx_to_rmb": 1.0,
        "employees": int(round(720 * size)),
        "sales_target": float(_round_money(330e6 * size, 1e6)),
        "as_of": end_ts.date().isoformat(),
        "fiscal_year_start": 1,
        "language": "zh",
        "date_format": "ymd",
        "amount_unit": "元",
    }
    if story is not None:
        meta["course"] = {"story_customer": story[1], "story_opportunity": story[0]}
    return frames, meta


def _products(rng: np.random.Generator, n: int) -> pd.DataFrame:
    templates = [(cat, t) for cat, ts in _CATEGORIES.items() for t in ts]
    rows = []
    k = 0
    while len(rows) < n:
        cat, t = templates[k % len(templates)]
        series = 1 + k // len(templates)
        code = {"数控机床": 400 + 150 * series, "自动化产线": 100 * series, "精密部件": 80 + 40 * series,
                "备件耗材": 10 * series, "服务": series}[cat]
        rows.append((t.format(code), cat))
        k += 1
    df = pd.DataFrame(rows, columns=["product", "category"])
    df["price"] = df["category"].map(_PRICE) * rng.lognormal(0, 0.25, len(df))
    # core products: the machines and lines, plus two precision parts (about a quarter of the catalogue)
    core = df["category"].isin(["数控机床", "自动化产线"]).to_numpy().copy()
    parts = np.flatnonzero(df["category"].eq("精密部件").to_numpy())[:2]
    core[parts] = True
    n_core_max = max(1, int(round(0.3 * len(df))))
    core_idx = np.flatnonzero(core)
    if len(core_idx) > n_core_max:
        core[core_idx[n_core_max:]] = False
    df["core"] = core
    # Revenue shares: a handful of star core products sell most (indicator 10 passes, just);
    # the rest of the catalogue shares what is left.
    share = rng.lognormal(0, 1.0, len(df)) * np.where(df["category"].isin(["数控机床", "自动化产线"]), 1.0, 2.0)
    core_idx = np.flatnonzero(core)
    k = math.ceil(PRODUCT_FRACTION * len(core_idx))
    stars = core_idx[rng.permutation(min(len(core_idx), 8))[:k]] if len(core_idx) else np.array([], dtype=int)
    rest = np.setdiff1d(np.arange(len(df)), stars)
    star_share = np.sort(rng.dirichlet(np.full(len(stars), 3.0)))[::-1] * _STAR_SHARE if len(stars) else []
    share[rest] = share[rest] / share[rest].sum() * (1 - (_STAR_SHARE if len(stars) else 0.0))
    share[stars] = star_share
    df["share"] = share
    return df


def _salespeople(rng: np.random.Generator, n: int, end_ts: pd.Timestamp, size: float) -> pd.DataFrame:
    names = _person_names(rng, n)
    end_day = _days(end_ts)
    # about 15% hired in the last year (new), about 6% left during the data
    n_new = max(1, int(round(0.15 * n)))
    n_left = max(1, int(round(0.06 * n)))
    perm = rng.permutation(n)
    new = np.zeros(n, dtype=bool)
    new[perm[:n_new]] = True
    left = np.zeros(n, dtype=bool)
    left[perm[n_new:n_new + n_left]] = True
    # tenure: mostly 2-12 years
    tenure_days = _whole_days(rng.gamma(2.2, 1.6, n) * 365) + 400
    tenure_days[new] = rng.integers(60, 330, n_new)
    hire = end_day - tenure_days
    leave = np.full(n, np.nan)
    leave[left] = end_day - rng.integers(150, 560, n_left)
    # skill: heavy-tailed (lognormal); new people start at half
    skill = rng.lognormal(0, 0.8, n)
    skill[new] *= 0.4
    # the key-account team (大客户部) takes the most skilled; the rest by region
    shares = np.array([sh for _, sh in _TEAMS])
    n_ka = max(1, int(round(shares[0] * n)))
    ka = np.argsort(-np.where(new, -1.0, skill), kind="stable")[:n_ka]
    rest = rng.permutation(np.setdiff1d(np.arange(n), ka))
    counts = np.floor(shares[1:] / shares[1:].sum() * len(rest)).astype(int)
    counts[: len(rest) - counts.sum()] += 1
    team_idx = np.zeros(n, dtype=np.int64)
    team_idx[rest] = np.repeat(np.arange(1, len(_TEAMS)), counts)
    teams = np.array([t for t, _ in _TEAMS], dtype=object)[team_idx]
    return pd.DataFrame({
        "salesperson": pd.array(names, dtype="str"),
        "team": pd.array(teams, dtype="str"),
        "hire_date": _to_dates(hire),
        "leave_date": _to_dates(leave),
        "skill": skill,
        "new": new,
        "left": left,
        "hire_day": hire,
        "leave_day": leave,
        "team_idx": team_idx,
    })


def _quotas(reps: pd.DataFrame, revenue: pd.DataFrame, opps: pd.DataFrame, last_year: int, end_ts: pd.Timestamp,
            target: float) -> np.ndarray:
    """Each salesperson's yearly quota, as a sales leader sets it: the company's yearly target split
    by each one's book: the sales on their accounts in the year before the last (new hires had
    none) and the weighted value of their open deals at the as-of date (half each); nobody gets
    less than ``_RAMP_QUOTA`` of the median settled quota; someone who left keeps the median
    settled quota they were given.
    Rounded to 0.5 million; no random draw, so the rest of the demo does not move.

    >>> reps = pd.DataFrame({"salesperson": ["A", "B", "C"], "new": [False, False, True],
    ...                      "left": [False, False, False]})
    >>> rev = pd.DataFrame({"date": pd.to_datetime(["2023-05-01", "2023-06-01"]), "amount": [3e6, 1e6],
    ...                     "salesperson": ["A", "B"]})
    >>> opps = pd.DataFrame({"owner": ["A", "B"], "status": ["open", "open"], "amount": [2e6, 2e6]})
    >>> _quotas(reps, rev, opps, 2024, pd.Timestamp("2024-12-31"), 10e6).tolist()
    [5000000.0, 3000000.0, 2000000.0]
    """
    names = reps["salesperson"].astype(str).to_numpy()
    new, left = reps["new"].to_numpy(dtype=bool), reps["left"].to_numpy(dtype=bool)
    rev = revenue.loc[revenue["date"].dt.year == last_year - 1]
    sold = rev.groupby(rev["salesperson"].astype(str))["amount"].sum().reindex(names).fillna(0.0).to_numpy()
    o = opps.loc[opps["status"] == "open"]
    rates = o["stage"].map(default_config().stage_rates()).astype(float).fillna(0.0) if "stage" in o else 1.0
    pipe = (o["amount"].astype(float).fillna(0.0) * rates).groupby(o["owner"].astype(str)).sum()
    pipe = pipe.reindex(names).fillna(0.0).to_numpy()
    active = ~left
    book = np.zeros(len(names))
    for part, who in ((sold, active & ~new), (pipe, active)):
        total = part[who].sum()
        if total > 0:
            book[who] += 0.5 * part[who] / total
    share = book / book.sum() if book.sum() > 0 else active / max(active.sum(), 1)
    quota = target * share
    settled = active & ~new
    median = float(np.median(quota[settled])) if settled.any() else target / len(names)
    floor = _RAMP_QUOTA * median
    low = active & (quota < floor)
    quota[low] = floor
    quota[active & ~low] *= (target - floor * low.sum()) / max(quota[active & ~low].sum(), 1.0)
    quota[left] = median
    return np.maximum(_round_money(quota, 5e5), 5e5)


def _customers(rng: np.random.Generator, n: int, year_list: np.ndarray, reps: pd.DataFrame
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers with their hidden value potential (``base``), growth and owner; and the
    customer x year activity matrix."""
    cities = list(_CITIES)
    trades = list(_TRADES)
    n_special = len(_SOE) + len(_KEY) if n >= 50 else 0
    n_gen = n - n_special
    (ci, bi, ti), rep = _combos(rng, [len(cities), len(_BRANDS), len(trades)], n_gen)
    city = np.asarray(cities, dtype=object)[ci]
    trade = np.asarray(trades, dtype=object)[ti]
    raw = city + np.asarray(_BRANDS, dtype=object)[bi] + trade
    raw = np.where(rep > 0, raw + (rep + 1).astype(str).astype(object), raw)
    # value potential: heavy-tailed (Zipf-like on a random rank, with noise)
    rank = rng.permutation(n_gen) + 1 + len(_KEY)
    base = rank.astype(float) ** -1.3 * rng.lognormal(0, 0.35, n_gen)
    big = base > np.quantile(base, 0.9) if n_gen > 10 else np.zeros(n_gen, bool)
    names = raw + np.where(big, "股份有限公司", "有限公司").astype(object)
    employees = np.round(40 * np.exp(rng.normal(0, 0.9, n_gen)) * (1 + 60 * base / base.max()) ** 1.1)
    employees[rng.random(n_gen) < 0.15] = np.nan  # not everyone knows the headcount
    segment = np.asarray(_SEGMENTS, dtype=object)[rng.choice(4, n_gen, p=[0.62, 0.14, 0.1, 0.14])]
    # company revenue (their own size) known for about 40%: roughly employees x 1.2M RMB, noisy
    comp = _round_money(employees * 1.2e6 * rng.lognormal(0, 0.4, n_gen), 1e6)
    comp[rng.random(n_gen) >= 0.4] = np.nan
    df = pd.DataFrame({
        "customer": names,
        "industry": pd.Series(trade).map(_TRADES).to_numpy(dtype=object),
        "region": pd.Series(city).map(_CITIES).to_numpy(dtype=object),
        "employees": employees,
        "company_revenue": comp,
        "segment": segment,
        "base": base,
        "kind": "regular",
    })
    if n_special:
        top = base.max()
        special = [
            {"customer": nm, "industry": ind, "region": reg, "employees": float(emp), "company_revenue": rev,
             "segment": "央企", "base": top * f, "kind": "soe"}
            for (nm, ind, reg, emp, rev), f in zip(_SOE, (0.004, 0.008, 0.012, 0.003, 0.006))
        ] + [
            {"customer": nm, "industry": ind, "region": reg, "employees": float(emp), "company_revenue": rev,
             "segment": seg, "base": top * f, "kind": "key"}
            for (nm, ind, reg, emp, rev), f, seg in zip(_KEY, (1.4, 1.15, 0.95, 0.8), ("上市公司", "民营", "民营", "民营"))
        ]
        df = pd.concat([pd.DataFrame(special), df], ignore_index=True)
        # a generated name may equal a special customer's: number the later ones
        dup = df["customer"].duplicated(keep="first").to_numpy()
        if dup.any():
            k = df.loc[dup].groupby("customer").cumcount().to_numpy() + 2
            df.loc[dup, "customer"] = (df.loc[dup, "customer"].to_numpy(dtype=object)
                                       + "（" + k.astype(str).astype(object) + "）")
    n = len(df)
    kind = df["kind"].to_numpy()
    regular = kind == "regular"
    # life: most customers bought before the data starts; new ones arrive each year; small ones churn
    ny = len(year_list)
    start = np.where(rng.random(n) < 0.72, 0, rng.integers(1, ny + 1, n)).clip(0, ny - 1)
    start[~regular] = 0
    b = df["base"].to_numpy()
    small = b < np.quantile(b, 0.6)
    churn_p = np.where(regular, np.where(small, 0.5, 0.08), 0.0)
    active = np.zeros((n, ny), dtype=bool)
    alive = np.ones(n, dtype=bool)
    for j in range(ny):
        if j > 0:
            alive &= rng.random(n) >= churn_p
        active[:, j] = alive & (start <= j)
    # a few dormant years for mid customers (bought, skipped a year, came back)
    gap = (~small) & (rng.random(n) < 0.05) & regular
    if ny > 1:
        active[gap, ny - 2] = False
        # the last year keeps the intended share of last-but-one year's customers (renewal);
        # small customers are the likeliest to go
        prev = np.flatnonzero(active[:, ny - 2])
        w = churn_p[prev]
        n_go = min(int(round((1 - _RENEWAL) * len(prev))), int((w > 0).sum()))
        go = rng.choice(prev, n_go, replace=False, p=w / w.sum()) if n_go else np.array([], dtype=np.int64)
        active[prev, ny - 1] = True
        active[go, ny - 1] = False
    growth = rng.normal(1.08, 0.18, n).clip(0.6, 1.6)
    growth[kind == "key"] = [1.12, 1.18, 1.05, 1.25][: int((kind == "key").sum())]
    df["growth"] = growth
    df["start"] = start
    df["owner_idx"] = _assign_owners(rng, b, start, kind, reps, ny)
    width = max(5, len(str(n)))
    df["customer_id"] = ("C" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).astype("str")
    df["wallet"] = np.nan
    for col in ("customer", "industry", "region", "segment"):
        df[col] = df[col].astype("str")
    return df, active


def _assign_owners(rng, base, start, kind, reps, ny) -> np.ndarray:
    """Account owners: each salesperson's book of customers is about as big as their skill.

    Reps sorted by skill take consecutive slices of the customers sorted by
    value, so the stars hold the biggest accounts (vectorised, any size).
    The state-owned groups go to the key-account team; new reps get part of
    the customers acquired in the last year.
    """
    n = len(base)
    skill = reps["skill"].to_numpy()
    new = reps["new"].to_numpy()
    book = np.where(new, 0.0, skill ** 1.3)
    order_r = np.argsort(-book, kind="stable")
    cum_b = np.cumsum(book[order_r]) / book.sum()
    order_c = np.argsort(-base, kind="stable")
    cum_v = (np.cumsum(base[order_c]) - base[order_c] / 2) / base.sum()
    owner = np.empty(n, dtype=np.int64)
    owner[order_c] = order_r[np.minimum(np.searchsorted(cum_b, cum_v), len(order_r) - 1)]
    # ...but every settled rep holds at least one sizeable account: the k biggest go one each
    k = int((book > 0).sum())
    owner[order_c[:k]] = order_r[:k]
    ka = np.flatnonzero((reps["team_idx"].to_numpy() == 0) & ~new)
    soe = np.flatnonzero(kind == "soe")
    if len(ka) and len(soe):
        owner[soe] = ka[np.arange(len(soe)) % len(ka)]
    new_idx = np.flatnonzero(new)
    fresh = np.flatnonzero((start == ny - 1) & (kind == "regular"))
    if len(new_idx) and len(fresh):
        take = fresh[rng.random(len(fresh)) < 0.6]
        owner[take] = new_idx[rng.integers(0, len(new_idx), len(take))]
    return owner


def _successor(reps: pd.DataFrame) -> np.ndarray:
    """For each rep, who covers the accounts when they are not there (before hire, after leaving):
    the most skilled settled member of the same team."""
    team = reps["team_idx"].to_numpy()
    settled = ~reps["left"].to_numpy() & ~reps["new"].to_numpy()
    skill = np.where(settled, reps["skill"].to_numpy(), -np.inf)
    best = {t: int(np.argmax(np.where(team == t, skill, -np.inf))) for t in np.unique(team)}
    fallback = int(np.argmax(skill))
    out = np.array([best.get(t, fallback) for t in team], dtype=np.int64)
    out[~np.isfinite(skill[out])] = fallback
    return out


def _revenue(rng, cust, active, prods, reps, year_list, end_day, n_rows, revenue_last_year, mess
             ) -> tuple[pd.DataFrame, np.ndarray]:
    """Revenue rows, and each row's customer position (-1 = no customer)."""
    n, ny = len(cust), len(year_list)
    base = cust["base"].to_numpy()
    growth = cust["growth"].to_numpy()
    yrs = np.arange(ny) - (ny - 1)
    value = base[:, None] * growth[:, None] ** yrs[None, :] * rng.lognormal(0, 0.12, (n, ny)) * active
    # the ten largest customers of the last year bring the intended share of it
    top = np.argsort(-value[:, -1], kind="stable")[:10]
    others = np.ones(n, dtype=bool)
    others[top] = False
    if n > 10 and value[others, -1].sum() > 0:
        value[others] *= value[top, -1].sum() * (1 - _TOP10_SHARE) / _TOP10_SHARE / value[others, -1].sum()
    # rows per customer-year ~ value**0.45 (big customers order more often, with bigger orders)
    w = np.where(active, value, 0.0) ** 0.45
    lam = w / w.sum() * n_rows
    k = np.where(active, 1 + rng.poisson(np.maximum(lam - 1, 0)), 0)
    cy = np.repeat(np.arange(n * ny), k.ravel())
    ci, yi = np.divmod(cy, ny)
    m = len(cy)
    year = year_list[yi]
    # dates: uniform within the year, not after `end`
    y0 = np.array([_days(f"{y}-01-01") for y in year_list])
    y1 = np.minimum(np.array([_days(f"{y}-12-31") for y in year_list]), end_day)
    day = y0[yi] + rng.integers(0, y1[yi] - y0[yi] + 1)
    # amounts: the customer-year's value split over its rows
    wt = rng.lognormal(0, 1.0, m)
    sums = np.bincount(cy, weights=wt, minlength=n * ny)
    amount = value.ravel()[cy] * wt / sums[cy]
    # products: each year's revenue split by the products' shares, the big orders going to
    # the expensive products (machines, lines) and the small ones to parts, spares, services
    prod = np.empty(m, dtype=np.int64)
    by_price = np.argsort(-prods["price"].to_numpy(), kind="stable")
    cum_share = np.cumsum(prods["share"].to_numpy()[by_price])
    cum_share /= cum_share[-1]
    blur = amount * rng.lognormal(0, 0.4, m)
    for j in range(ny):
        rows = np.flatnonzero(yi == j)
        rows = rows[np.argsort(-blur[rows], kind="stable")]
        cum = (np.cumsum(amount[rows]) - amount[rows] / 2) / amount[rows].sum()
        prod[rows] = by_price[np.minimum(np.searchsorted(cum_share, cum), len(by_price) - 1)]
    # scale so the last year's revenue is the target, then round to yuan
    last = yi == ny - 1
    amount *= revenue_last_year / amount[last].sum()
    amount = np.maximum(_round_money(amount, 10.0), 100.0)
    # returns: about 1.5% of rows give part of an order back
    ret = rng.random(m) < 0.015
    amount[ret] = -_round_money(amount[ret] * rng.uniform(0.05, 0.5, ret.sum()), 10.0)
    # who sold it: the account owner, or the successor once the owner has left
    owner = cust["owner_idx"].to_numpy()[ci]
    succ = _successor(reps)
    leave = reps["leave_day"].to_numpy()
    gone = np.isfinite(leave[owner]) & (day >= np.nan_to_num(leave[owner], nan=np.inf))
    owner = np.where(gone, succ[owner], owner)
    # a new rep's customers were served by the team before the rep arrived
    hire = reps["hire_day"].to_numpy()
    early = day < hire[owner]
    owner = np.where(early, succ[owner], owner)
    order = np.lexsort((ci, day))
    day, ci, prod, amount, owner, year = day[order], ci[order], prod[order], amount[order], owner[order], year[order]
    width = max(7, len(str(m)))
    invoice = pd.array(_numbered("INV", year.astype(np.int64) * 10 ** width + np.arange(1, m + 1), 4 + width, 4),
                       dtype="str")
    no_customer = np.zeros(m, dtype=bool)
    product_names = prods["product"].to_numpy(dtype=object)
    if mess and m > 40:
        # two rows without a customer (e.g. a cash sale never attributed)
        no_customer[rng.choice(np.flatnonzero(amount > 0), 2, replace=False)] = True
        # product names spelled differently from the product list
        variants = _misspell(prods["product"].iloc[int(np.argmax(prods["share"].to_numpy()))])
        pick = rng.choice(m, len(variants), replace=False)
        prod = prod.copy()
        prod[pick] = len(product_names) + np.arange(len(variants))
        product_names = np.concatenate([product_names, np.asarray(variants, dtype=object)])
    out = pd.DataFrame({
        "date": _to_dates(day),
        "customer": _take(cust["customer"].to_numpy(dtype=object), ci, no_customer),
        "product": _take(product_names, prod),
        "amount": amount,
        "salesperson": _take(reps["salesperson"].to_numpy(dtype=object), owner),
        "invoice_id": invoice,
    })
    return out, np.where(no_customer, -1, ci)


def _misspell(name: str) -> list[str]:
    """Three spellings of a product name that a careless export produces."""
    full = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in name)
    return [name + " ", full, name.lower().replace(" ", "  ")]


def _wallets(rng, customers: pd.DataFrame, revenue: pd.DataFrame, codes: np.ndarray, cust: pd.DataFrame,
             last_year: int) -> pd.DataFrame:
    """Wallet estimates (category spend per year): ours ÷ a share of wallet; known for ~70% of customers."""
    df = customers.copy()
    n = len(df)
    amount = revenue["amount"].to_numpy()
    year = revenue["date"].dt.year.to_numpy()
    has = codes >= 0
    last = has & (year == last_year)
    ours = np.bincount(codes[last], weights=amount[last], minlength=n)
    kind = cust["kind"].to_numpy()
    share = rng.beta(2.0, 4.5, n)  # median ~0.29
    share = np.where(kind == "soe", rng.uniform(0.0005, 0.003, n), share)
    share = np.where(kind == "key", rng.uniform(0.3, 0.7, n), share)
    top = np.argsort(-ours, kind="stable")[:10]
    share[top] = rng.permutation(np.asarray(_WALLET_SHARES[: len(top)], dtype=float))
    # customers that did not buy last year: their yearly average over the data
    years = max(1, len(np.unique(year)))
    avg = np.bincount(codes[has], weights=amount[has], minlength=n) / years
    base = np.where(ours > 0, ours, np.maximum(avg, 2e5))
    with np.errstate(invalid="ignore"):
        wallet = _round_money(base / share, 1e5)
    # the state-owned giants: their category spend is a sliver of their own huge revenue
    soe = kind == "soe"
    wallet[soe] = _round_money(df["company_revenue"].to_numpy()[soe] * rng.uniform(0.0005, 0.0015, soe.sum()), 1e6)
    big = cust["base"].to_numpy() >= np.quantile(cust["base"].to_numpy(), 0.8)
    known = (rng.random(n) < np.where(big, 0.92, 0.65)) | (kind != "regular")
    known &= np.isfinite(wallet) & (wallet > 0)
    df["wallet"] = np.where(known, wallet, np.nan)
    return df


# -- opportunities ----------------------------------------------------------
_OPEN = ["understand", "identified", "validated", "qualified", "solution", "agreed"]
_CODES = _OPEN + ["won", "completed", "lost", "abandoned"]
_FAR = 10**7  # "never" (days)


def _opportunities(rng, cust, prods, reps, first_year, year, state_day, n_opp, size):
    """All opportunities with their planned life (stage transitions over time)."""
    n_c = len(cust)
    start_day = _days(f"{first_year}-01-01") - 200
    base = cust["base"].to_numpy()
    # customers with more value see more opportunities; the huge SOEs see many small tries
    w = base ** 0.55
    w = np.where(cust["kind"].to_numpy() == "soe", np.median(w) * 3, w)
    ci = rng.choice(n_c, n_opp, p=w / w.sum())
    created = start_day + rng.integers(0, state_day - start_day, n_opp)
    owner = cust["owner_idx"].to_numpy()[ci]
    succ = _successor(reps)
    leave = reps["leave_day"].to_numpy()
    gone = np.isfinite(leave[owner]) & (created >= np.nan_to_num(leave[owner], nan=np.inf))
    owner = np.where(gone, succ[owner], owner)
    hire = reps["hire_day"].to_numpy()
    created = np.maximum(created, hire[owner] + 7)
    # a rep who leaves hands over open deals: keep it simple, deals are created before leaving
    skill = reps["skill"].to_numpy()[owner]
    # amount: heavy-tailed, bigger for bigger customers
    amount0 = rng.lognormal(0, 1.2, n_opp) * (base[ci] / np.median(base)) ** 0.25
    soe = cust["kind"].to_numpy()[ci] == "soe"
    amount0[soe] *= 0.6
    amount0 = np.minimum(amount0, 20 * np.median(amount0))  # no single deal dwarfs the year
    # product of the deal: core machines mostly
    pop = prods["share"].to_numpy() * prods["price"].to_numpy() ** 0.3
    prod = rng.choice(len(prods), n_opp, p=pop / pop.sum())
    # outcome: win chance grows with skill, falls with size; SOE tries rarely win
    rank = np.empty(n_opp, dtype=np.int64)
    rank[np.argsort(amount0, kind="stable")] = np.arange(n_opp)  # ties (capped amounts) by position
    size_rank = rank / max(n_opp - 1, 1)
    p_win = np.clip(0.36 + 0.12 * np.log(skill) - 0.5 * (size_rank - 0.5), 0.05, 0.85)
    p_win[soe] *= 0.35
    won = rng.random(n_opp) < p_win
    abandoned_u = rng.random(n_opp)
    # cycle length (days): longer for bigger deals; some zombies drag on
    cycle = _whole_days(rng.gamma(3.0, 40, n_opp) * (0.3 + 3.0 * size_rank * size_rank)) + 20
    zombie = rng.random(n_opp) < 0.03 + 0.1 * size_rank
    cycle[zombie] += rng.integers(200, 500, zombie.sum())
    close_day = created + cycle
    # the deals closed in the last full year are won at the intended rate
    last_year = (close_day >= _days(f"{year}-01-01")) & (close_day <= min(_days(f"{year}-12-31"), state_day))
    idx = np.flatnonzero(last_year)
    want = int(round(_WIN_RATE * len(idx)))
    have = int(won[idx].sum())
    if have > want:  # the big ones are lost
        cand = idx[won[idx]]
        won[rng.choice(cand, have - want, replace=False, p=amount0[cand] / amount0[cand].sum())] = False
    elif have < want:  # the small ones are won
        cand = idx[~won[idx]]
        w = 1 / amount0[cand] ** 2
        won[rng.choice(cand, want - have, replace=False, p=w / w.sum())] = True
    abandoned = (~won) & (abandoned_u < 0.25)
    # stage path: entry stage, highest open stage, terminal
    entry = (rng.random(n_opp) < 0.45).astype(np.int64)  # 0 understand or 1 identified
    top_lost = entry + rng.integers(0, 5, n_opp)
    top_lost = np.minimum(top_lost, 5)
    top = np.where(won, 5, np.where(abandoned, np.minimum(top_lost, 3), top_lost))
    n_steps = top - entry  # transitions within open stages
    K = 8
    T = np.full((n_opp, K), _FAR, dtype=np.int64)
    L = np.full((n_opp, K), -1, dtype=np.int64)
    T[:, 0] = created
    L[:, 0] = entry
    u = np.sort(_day_within(rng, cycle[:, None], 2, 94, (n_opp, 5)), axis=1)
    for j in range(1, 6):
        has = n_steps >= j
        T[has, j] = created[has] + u[has, j - 1]
        L[has, j] = entry[has] + j
    term_pos = n_steps + 1
    term_code = np.where(won, _CODES.index("won"), np.where(abandoned, _CODES.index("abandoned"), _CODES.index("lost")))
    rows = np.arange(n_opp)
    T[rows, term_pos] = close_day
    L[rows, term_pos] = term_code
    done = won & (rng.random(n_opp) < 0.45)
    comp_day = close_day + rng.integers(60, 200, n_opp)
    T[rows[done], term_pos[done] + 1] = comp_day[done]
    L[rows[done], term_pos[done] + 1] = _CODES.index("completed")
    # expected close: optimistic first; updated (slipped) later by diligent reps
    e0 = created + _day_within(rng, cycle, 45, 95)
    diligent = rng.random(n_opp) < np.clip(0.45 + 0.2 * np.log(skill), 0.15, 0.9)
    slip_day = np.where(diligent & (e0 < close_day), e0 + rng.integers(5, 45, n_opp), _FAR)
    e1 = close_day + rng.integers(-20, 40, n_opp)
    e1 = np.maximum(e1, slip_day + 14)
    # early amounts are optimistic: most deals are re-scoped or discounted later in the cycle
    amt_change = rng.random(n_opp) < 0.6
    amt_day = np.where(amt_change, created + _day_within(rng, cycle, 50, 95), _FAR)
    amount1 = amount0 * np.where(amt_change, rng.uniform(0.4, 1.05, n_opp), 1.0)
    # a rep's own win rate (override), entered at some point on ~15% of deals
    override = rng.random(n_opp) < 0.15
    ov_day = np.where(override, created + _day_within(rng, cycle, 10, 70), _FAR)
    ov_val = np.round(rng.choice([0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], n_opp) * 20) / 20
    # names
    kinds = np.asarray(["采购项目", "扩产项目", "技改项目", "替换项目", "新厂建设", "年度框架"], dtype=object)
    kind = rng.integers(0, len(kinds), n_opp)
    order = np.lexsort((ci, created))
    opp = {
        "opportunity_id": None,
        "ci": ci[order], "created": created[order], "owner": owner[order], "prod": prod[order],
        "amount0": amount0[order], "amount1": amount1[order], "amt_day": amt_day[order],
        "T": T[order], "L": L[order], "close_day": close_day[order], "e0": e0[order], "e1": e1[order],
        "slip_day": slip_day[order], "ov_day": ov_day[order], "ov_val": ov_val[order], "kind": kind[order],
        "won": won[order],
    }
    # scale amounts so the open pipeline at the state date is ~2.2x a year's target
    is_open_now = (opp["created"] <= state_day) & (opp["close_day"] > state_day)
    amt_now = np.where(opp["amt_day"] <= state_day, opp["amount1"], opp["amount0"])
    factor = _COVERAGE * 330e6 * size / amt_now[is_open_now].sum() if is_open_now.any() else 1.0
    opp["amount0"] = _round_money(opp["amount0"] * factor, 1e3)
    opp["amount1"] = _round_money(opp["amount1"] * factor, 1e3)
    keep = opp["created"] <= state_day
    opp = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in opp.items()}
    m = int(keep.sum())
    # text columns, built once in Arrow and taken per snapshot
    import pyarrow as pa
    import pyarrow.compute as pc

    opp["opportunity_id"] = _numbered("OPP-", np.arange(1, m + 1), max(5, len(str(m))))
    opp["customer"] = pa.array(cust["customer"].to_numpy(dtype=object), type=pa.string()).take(pa.array(opp["ci"]))
    opp["owner_name"] = pa.array(reps["salesperson"].to_numpy(dtype=object), type=pa.string()).take(
        pa.array(opp["owner"]))
    opp["product"] = pa.array(prods["product"].to_numpy(dtype=object), type=pa.string()).take(pa.array(opp["prod"]))
    short = pa.array(_short_names(cust["customer"].to_numpy(dtype=object)), type=pa.string()).take(
        pa.array(opp["ci"]))
    what = pa.array((prods["category"].to_numpy(dtype=object)[:, None] + kinds[None, :]).ravel(), type=pa.string())
    opp["name"] = pc.binary_join_element_wise(short, what.take(pa.array(opp["prod"] * len(kinds) + opp["kind"])), "-")
    # no amount yet on a few early-stage open deals
    st_now = _stage_at(opp, state_day)
    early_open = np.flatnonzero((st_now <= 1) & (opp["close_day"] > state_day))
    no_amount = np.zeros(m, dtype=bool)
    if len(early_open) >= 5:
        no_amount[rng.choice(early_open, 5, replace=False)] = True
    opp["no_amount"] = no_amount
    hidden = pd.DataFrame({"opportunity_id": pd.array(opp["opportunity_id"], dtype="str"), "will_win": opp["won"],
                           "close_day": opp["close_day"]})
    return opp, hidden


def _short_names(names: np.ndarray) -> np.ndarray:
    s = pd.Series(names, dtype="str")
    s = s.str.replace(r"(集团)?(股份)?有限公司$", "", regex=True)
    return s.to_numpy(dtype=object)


def _stage_at(opp: dict, day: int) -> np.ndarray:
    count = (opp["T"] <= day).sum(axis=1)
    return opp["L"][np.arange(len(count)), np.maximum(count - 1, 0)]


def _state(opp: dict, day: int, *, include_all: bool, window_start: int | None = None, mess: bool = True
           ) -> pd.DataFrame:
    """The opportunities table as it stood on ``day``."""
    sel = opp["created"] <= day
    if not include_all:
        sel &= opp["close_day"] >= window_start
    idx = np.flatnonzero(sel)
    T, L = opp["T"][idx], opp["L"][idx]
    passed = T <= day
    count = passed.sum(axis=1)
    code = L[np.arange(len(idx)), count - 1]
    stage_change = np.where(passed, T, -_FAR).max(axis=1)
    status_code = np.where(code >= _CODES.index("lost"), 2, np.where(code >= _CODES.index("won"), 1, 0))
    is_open = status_code == 0
    close = opp["close_day"][idx]
    closed_date = np.where(is_open, np.nan, close.astype(float))
    slip = opp["slip_day"][idx]
    expected = np.where(slip <= day, opp["e1"][idx], opp["e0"][idx])
    expected = np.where(is_open, expected, close)  # closed deals show the actual close date
    amt_day = opp["amt_day"][idx]
    amount = np.where(amt_day <= day, opp["amount1"][idx], opp["amount0"][idx])
    if mess:
        amount = np.where(opp["no_amount"][idx] & is_open, np.nan, amount)
    ov_day = opp["ov_day"][idx]
    override = np.where(ov_day <= np.minimum(day, close), opp["ov_val"][idx], np.nan)
    last = np.maximum.reduce([stage_change, np.where(slip <= day, slip, -_FAR), np.where(amt_day <= day, amt_day, -_FAR),
                              np.where(ov_day <= day, ov_day, -_FAR)])
    return pd.DataFrame({
        "opportunity_id": _take(opp["opportunity_id"], idx),
        "customer": _take(opp["customer"], idx),
        "name": _take(opp["name"], idx),
        "owner": _take(opp["owner_name"], idx),
        "product": _take(opp["product"], idx),
        "amount": amount,
        "stage": _take(_CODES, code),
        "win_rate_override": override,
        "created": _to_dates(opp["created"][idx]),
        "expected_close": _to_dates(expected),
        "status": _take(["open", "won", "lost"], status_code),
        "closed_date": _to_dates(closed_date),
        "last_change": _to_dates(last),
    })


def _nps(rng, cust, active, year_list, end_day, n) -> pd.DataFrame:
    """Survey answers twice a year (June, December); loyalty improves a little each year."""
    ny = len(year_list)
    yi = rng.integers(0, ny, n)
    half = rng.integers(0, 2, n)
    start = np.array([_days(f"{yy}-06-01") for yy in year_list])[yi] + half * 183
    day = np.minimum(start + rng.integers(0, 25, n), end_day)
    base = cust["base"].to_numpy()
    # answers come from customers active that year, bigger ones more often
    ci = np.empty(n, dtype=np.int64)
    for j in range(ny):
        pick = yi == j
        w = active[:, j] * base ** 0.3
        if w.sum() == 0:
            w = base ** 0.3
        ci[pick] = rng.choice(len(cust), pick.sum(), p=w / w.sum())
    # probabilities of detractor / passive / promoter by year (last year: NPS ~ 0.14)
    trend = (yi - (ny - 1)) * 0.04
    p_pro = 0.40 + trend
    p_det = 0.26 - trend
    # exact shares per year (rounded), shuffled: the NPS lands where the story needs it
    u = np.empty(n)
    for j in range(ny):
        pick = np.flatnonzero(yi == j)
        u[pick] = rng.permutation((np.arange(len(pick)) + 0.5) / max(len(pick), 1))
    score = np.where(u < p_det, rng.choice([2, 3, 4, 5, 6, 6, 5], n),
                     np.where(u < 1 - p_pro, rng.choice([7, 8, 8], n), rng.choice([9, 9, 10], n)))
    order = np.lexsort((ci, day))
    names = _person_names(rng, n)
    titles = np.asarray(["设备部经理", "采购经理", "生产总监", "技术负责人", "车间主任", "总经理"], dtype=object)
    respondent = names + "（" + titles[rng.integers(0, len(titles), n)] + "）"
    return pd.DataFrame({
        "date": _to_dates(day[order]),
        "customer": _take(cust["customer"].to_numpy(dtype=object), ci[order]),
        "score": score[order].astype("int64"),
        "respondent": pd.array(respondent[order], dtype="str"),
    })


def _key_deals(rng, opps: pd.DataFrame, hidden: pd.DataFrame, reps: pd.DataFrame, n_deals: int, state_day: int):
    score_cols = [k for k, _, _ in FACTORS]
    if n_deals <= 0:
        return (pd.DataFrame(columns=TABLES["deal_scores"].column_names),
                pd.DataFrame(columns=TABLES["stakeholders"].column_names))
    cand = opps[(opps["status"] == "open") & opps["stage"].isin(["validated", "qualified", "solution", "agreed"])
                & opps["amount"].notna()]
    cand = cand.sort_values(["amount", "opportunity_id"], ascending=[False, True]).head(n_deals)
    ids = cand["opportunity_id"].to_numpy(dtype=object)
    will_win = hidden.set_index("opportunity_id").loc[ids, "will_win"].to_numpy()
    k = len(ids)
    # the nine factors: better for the deals that will be won; some blanks
    mean = np.where(will_win, *_KEY_DEAL_MEANS)[:, None] + rng.normal(0, 0.35, (k, 1))
    raw = np.clip(np.round(mean + rng.normal(0, 0.9, (k, len(score_cols)))), 1, 5)
    raw[rng.random((k, len(score_cols))) < 0.08] = np.nan
    team_of = dict(zip(reps["salesperson"], reps["team"]))
    leaders = reps.iloc[np.lexsort((-reps["skill"].to_numpy(), reps["team_idx"].to_numpy()))].drop_duplicates("team")
    leader = dict(zip(leaders["team"], leaders["salesperson"]))
    evaluator = [leader.get(team_of.get(o), "") for o in cand["owner"]]
    evaluated = state_day - rng.integers(3, 40, k)
    notes = np.where(raw.mean(axis=1, where=~np.isnan(raw)) >= 3,
                     np.asarray(_NOTES_STRONG, dtype=object)[rng.integers(0, len(_NOTES_STRONG), k)],
                     np.asarray(_NOTES_WEAK, dtype=object)[rng.integers(0, len(_NOTES_WEAK), k)])
    scores = pd.DataFrame({"opportunity_id": pd.array(ids, dtype="str"), "evaluated": _to_dates(evaluated),
                           "evaluator": pd.array(evaluator, dtype="str")})
    for j, c in enumerate(score_cols):
        scores[c] = raw[:, j]
    scores["note"] = pd.array(notes, dtype="str")
    # stakeholders: a buying centre per deal
    rows = []
    for i, oid in enumerate(ids):
        win = bool(will_win[i])
        roles = ["approver", "decision_maker"] + ["evaluator"] * int(rng.integers(1, 3)) + ["user"] * int(
            rng.integers(1, 3))
        if rng.random() < 0.5:
            roles.append("influencer")
        if rng.random() < (0.8 if win else 0.35):
            roles.append("coach")
        names = _person_names(rng, len(roles))
        by_role: dict[str, list[str]] = {}
        for role, person in zip(roles, names):
            by_role.setdefault(role, []).append(person)
        for role, person in zip(roles, names):
            titles = _ROLE_TITLES[role]
            title = titles[int(rng.integers(0, len(titles)))]
            boss = {"approver": None, "decision_maker": by_role["approver"][0], "evaluator": by_role["decision_maker"][0],
                    "user": by_role["evaluator"][0], "influencer": None, "coach": by_role["evaluator"][-1]}[role]
            influence = {"approver": rng.integers(4, 6), "decision_maker": 5, "evaluator": rng.integers(3, 5),
                         "user": rng.integers(2, 4), "influencer": rng.integers(2, 5), "coach": rng.integers(1, 4)}[role]
            lean = _KEY_DEAL_LEAN[0] if win else _KEY_DEAL_LEAN[1]
            attitude = int(np.clip(np.round(rng.normal(lean + (1.2 if role == "coach" else 0), 0.9)), -2, 2))
            relation = int(np.clip(np.round(rng.normal(1.6 if win else 1.0, 0.8) + (1 if role == "coach" else 0)), 0, 3))
            met = bool(rng.random() < (0.85 if win else 0.45)) if role in ("decision_maker", "approver") else bool(
                rng.random() < 0.9)
            if not met:  # nobody of ours has met them: no relationship to speak of
                relation = 0
            elif attitude <= -1:  # an opponent is not an ally
                relation = min(relation, 1)
            rows.append((oid, person, title, role, float(influence), float(attitude), float(relation), boss,
                         _STYLES[int(rng.integers(0, 4))], met))
    people = pd.DataFrame(rows, columns=["opportunity_id", "person", "title", "role", "influence", "attitude",
                                         "relationship", "reports_to", "style", "met"])
    for c in ("opportunity_id", "person", "title", "role", "reports_to", "style"):
        people[c] = people[c].astype("str")
    return scores, people


# The story deal (the course follows it from notebook to notebook): what its review should say.  Led by the
# customer (the expected close has passed and the customer sets the pace), the decision maker never met, the
# price range given but not yet accepted on its value: a real deal of a key customer, reported at a stage its
# evidence does not support.  Scores by factor; people by role, in the order of the generated buying centre.
_STORY_SCORES = {"process": 2, "buying_factors": 3, "pricing": 3, "power_map": 2, "decision_style": 2, "theme": 3,
                 "negotiation": 3, "efficiency": 3, "qualification": 4}
_STORY_NOTE = "客户一再推迟决策，评估节奏由客户掌握；分管副总还没有见过"
# role -> (influence, attitude, relationship, met, style); the first person of a role gets the first tuple
_STORY_PEOPLE = {
    "approver": [(5, 1, 2, True, "amiable")],
    "decision_maker": [(5, 0, 0, False, "driver")],
    "evaluator": [(4, 0, 1, True, "analytical"), (3, 1, 2, True, "expressive")],
    "user": [(3, 1, 2, True, "expressive"), (2, 1, 2, True, "driver")],
    "influencer": [(3, 1, 1, True, "analytical")],
    "coach": [(3, 2, 3, True, "driver")],
}


def _story_deal(opps: pd.DataFrame, revenue: pd.DataFrame, scores: pd.DataFrame,
                last_year: int) -> tuple[str, str] | None:
    """The deal the course follows, as (opportunity id, customer): among the open deals with factor scores at
    the latest stage they reach, the one of a top-10 customer (by last year's revenue) whose revenue fell the
    most; None when no such deal (or no fall) exists."""
    if not len(scores):
        return None
    year = pd.to_datetime(revenue["date"]).dt.year
    by = revenue.assign(_y=year).groupby(["customer", "_y"])["amount"].sum().unstack(fill_value=0.0)
    if last_year not in by.columns or last_year - 1 not in by.columns:
        return None
    top = by[last_year].sort_values(ascending=False).head(10)
    fall = (by.loc[top.index, last_year] / by.loc[top.index, last_year - 1].where(lambda v: v > 0) - 1).dropna()
    fall = fall[fall < 0]
    o = opps[opps["opportunity_id"].isin(set(scores["opportunity_id"])) & opps["customer"].isin(set(fall.index))]
    if not len(o):
        return None
    o = o.assign(_fall=o["customer"].map(fall)).sort_values(["_fall", "amount", "opportunity_id"],
                                                                ascending=[True, False, True])
    return str(o["opportunity_id"].iloc[0]), str(o["customer"].iloc[0])


def _tell_story(scores: pd.DataFrame, people: pd.DataFrame, story: tuple[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The story deal's scores, note and buying centre set to what its story says (see ``_STORY_SCORES``)."""
    oid = story[0]
    scores, people = scores.copy(), people.copy()
    row = scores["opportunity_id"] == oid
    for k, v in _STORY_SCORES.items():
        scores.loc[row, k] = float(v)
    scores.loc[row, "note"] = _STORY_NOTE
    seen: dict[str, int] = {}
    for i in people.index[people["opportunity_id"] == oid]:
        role = people.at[i, "role"]
        n = seen.get(role, 0)
        seen[role] = n + 1
        options = _STORY_PEOPLE.get(role) or []
        if not options:
            continue
        influence, attitude, relation, met, style = options[min(n, len(options) - 1)]
        people.loc[i, ["influence", "attitude", "relationship"]] = [float(influence), float(attitude), float(relation)]
        people.at[i, "met"] = met
        people.at[i, "style"] = style
    return scores, people


# ---------------------------------------------------------------------------
# Writing a client folder
# ---------------------------------------------------------------------------
_XLSX_TABLES = ("salespeople", "products")
_STATUS_ZH = {"open": "进行中", "won": "赢单", "lost": "丢单"}
_BOOL = {"zh": ("是", "否"), "en": ("yes", "no"), "canonical": ("yes", "no")}


def _file_stem(table: str, headers: str) -> str:
    t = TABLES[table]
    return {"zh": t.zh, "en": t.en, "canonical": t.name}[headers]


def _for_file(name: str, df: pd.DataFrame, headers: str, dates_as_text: bool = True) -> pd.DataFrame:
    """A canonical frame as it appears in a client's file (headers and coded values)."""
    t = TABLES[name]
    out = df.copy()
    cfg = default_config()
    stage_label = {s["key"]: s.get(headers if headers in ("zh", "en") else "key", s["key"]) for s in cfg.stages()}
    yes, no = _BOOL[headers]
    for col in t.columns:
        if col.name not in out.columns:
            continue
        s = out[col.name]
        if col.kind == "date":
            s = s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s)
            out[col.name] = s.dt.strftime("%Y-%m-%d") if dates_as_text else s.dt.normalize()
        elif col.kind == "stage":
            out[col.name] = s.map(stage_label)
        elif col.kind == "status" and headers == "zh":
            out[col.name] = s.map(_STATUS_ZH)
        elif col.kind == "bool":
            out[col.name] = s.map({True: yes, False: no})
        elif col.kind in ("money", "int", "number") and pd.api.types.is_numeric_dtype(s):
            known = s.dropna()
            if (known == np.round(known)).all():  # whole numbers: no ".0" in the file
                out[col.name] = s.round().astype("Int64")
        elif name == "stakeholders" and col.name in ("role", "style") and headers == "zh":
            out[col.name] = s.map(lambda v, m=_power_map_zh(cfg, col.name): m.get(v, v))
    if headers != "canonical":
        out.columns = [getattr(t.column(c), headers) for c in out.columns]
    return out


def _power_map_zh(cfg, what: str) -> dict[str, str]:
    """Chinese names of the stakeholder roles or styles (``deals.power_map`` in the configuration)."""
    try:
        items = (cfg.section("deals").get("power_map") or {}).get(what + "s") or {}
    except Exception:  # a configuration without the deals section: keep the keys
        items = {}
    return {k: v.get("zh", k) for k, v in items.items()}


def client_yml(meta: dict[str, Any], *, files: dict[str, str] | None = None, comment: str | None = None) -> str:
    """A commented ``client.yml`` for ``meta`` (keys as documented in ``kalib new``)."""
    lines = [f"# {comment or meta.get('name', 'client')}", "# client.yml: what kalib needs to know about this client.",
             "# 客户设置：kalib 读取本文件了解客户的基本信息。", ""]
    doc = {
        "name": "客户名称 · client name",
        "industry": "行业 · industry: manufacturing (制造业) | services (服务业); picks the indicator lines",
        "currency": "币种 · currency of the amounts in the files",
        "fx_to_rmb": "汇率 · RMB per unit of currency (1.0 for RMB)",
        "employees": "全体员工数 · all employees (indicator 8)",
        "sales_target": "年度销售目标（元）· yearly sales target in RMB (indicator 6)",
        "as_of": "分析基准日 · analyse as of this date (default: latest date in the data)",
        "period": "分析期间 · analysis period, e.g. 2024 (default: last full year)",
        "fiscal_year_start": "财年起始月 · first month of the fiscal year",
        "language": "报告语言 · report language: zh | en",
        "date_format": "日期顺序 · order of day, month, year in ambiguous dates: ymd | mdy | dmy",
        "amount_unit": "金额单位 · unit of the amounts in the files: 元 | 万 | 亿 ...",
        "course": "课程跟踪的客户和机会 · the customer and the deal the course follows",
    }
    for key, value in meta.items():
        if key not in doc and key in ("columns", "stages", "files", "overrides"):
            continue
        text = yaml_scalar(value)
        lines.append(f"# {doc.get(key, key)}")
        lines.append(f"{key}: {text}")
    if files:
        lines.append("# 文件与表的对应 · which file holds which table")
        lines.append("files:")
        for table, fname in files.items():
            lines.append(f"  {table}: {yaml_scalar(fname)}")
    return "\n".join(lines) + "\n"


def yaml_scalar(value: Any) -> str:
    """One YAML scalar, quoted when needed (dates and names stay strings)."""
    import yaml

    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return str(int(value))
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip().removesuffix("...").strip()


def write_client(
    frames: dict[str, pd.DataFrame],
    meta: dict[str, Any],
    folder: str | Path,
    fmt: str = "mixed",
    headers: str = "zh",
    *,
    fast: bool = False,
) -> list[Path]:
    """Write ``frames`` as a client folder: one file per table, plus ``client.yml``.

    Parameters
    ----------
    frames, meta
        As returned by :func:`generate`.
    folder
        Created if needed; existing files of the same names are replaced.
    fmt
        ``"csv"`` (UTF-8 with BOM, so Excel shows Chinese), ``"xlsx"``, or
        ``"mixed"`` (CSV, with the small salespeople and products tables as
        ``.xlsx``).
    headers
        ``"zh"`` (Chinese headers, file names and stage names), ``"en"``, or
        ``"canonical"`` (kalib's own column names).
    fast
        Write CSVs with pyarrow (much faster for millions of rows; dates and
        numbers are written the same way).

    Returns
    -------
    The paths written.
    """
    if fmt not in ("csv", "xlsx", "mixed"):
        raise ValueError(f"fmt must be 'csv', 'xlsx' or 'mixed', not {fmt!r}")
    if headers not in ("zh", "en", "canonical"):
        raise ValueError(f"headers must be 'zh', 'en' or 'canonical', not {headers!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: dict[str, str] = {}
    for name in TABLES:
        if name not in frames:
            continue
        df = _for_file(name, frames[name], headers, dates_as_text=not fast)
        as_xlsx = fmt == "xlsx" or (fmt == "mixed" and name in _XLSX_TABLES)
        stem = _file_stem(name, headers)
        if as_xlsx:
            path = folder / f"{stem}.xlsx"
            _write_xlsx(df, path, sheet=stem)
        else:
            path = folder / f"{stem}.csv"
            if fast:
                _write_csv_fast(df, path)
            else:
                df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
        files[name] = path.name
        written.append(path)
    yml = folder / "client.yml"
    comment = f"{meta.get('name', 'client')}（虚构的示范公司 · a fictional demo company）"
    yml.write_text(client_yml(meta, comment=comment), encoding="utf-8")
    written.append(yml)
    return written


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """An .xlsx with fixed document properties, so the same data gives the same file."""
    import datetime as _dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(df.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))) else
                   (int(v) if isinstance(v, np.integer) else v) for v in row])
    for i, col in enumerate(df.columns, 1):
        width = max([len(str(col))] + [len(str(v)) for v in df.iloc[:, i - 1].head(200)]) + 4
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(width * 1.3, 40)
    ws.freeze_panes = "A2"
    fixed = _dt.datetime(2024, 12, 31, 0, 0, 0)
    wb.properties.creator = "kalib"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    save_workbook_deterministic(wb, path)


def save_workbook_deterministic(wb, path: str | Path) -> None:
    """Save an openpyxl workbook so that the same content gives the same bytes
    (fixed zip entry times; the document times are whatever ``wb.properties`` says)."""
    import io
    import zipfile

    modified = wb.properties.modified  # read before saving: openpyxl stamps the current time
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml" and modified is not None:
                import re

                stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    Path(path).write_bytes(out.getvalue())


def _write_csv_fast(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols[c] = pa.array(s.to_numpy().astype("datetime64[D]"), type=pa.date32(), mask=s.isna().to_numpy())
        else:
            cols[c] = pa.array(s, from_pandas=True)
    table = pa.table(cols)
    with open(path, "wb") as fh:
        fh.write("\ufeff".encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(quoting_style="needed"))


# ---------------------------------------------------------------------------
# The repository's demo folder
# ---------------------------------------------------------------------------
def demo_folder() -> Path:
    """Where the committed demo client lives in a source checkout (``kalib/demo_data``; it ships with the
    package and is read through :func:`kalib.io.find_demo`)."""
    return Path(__file__).resolve().parent / "demo_data"


def load_demo_frames(seed: int = DEMO_SEED) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The demo company's canonical frames and meta, generated in memory.

    Generated once per process (about a second) and handed out as copies, so
    callers may change what they get.
    """
    frames, meta = _demo_frames_cached(seed)
    return {k: v.copy() for k, v in frames.items()}, dict(meta)


@functools.lru_cache(maxsize=2)
def _demo_frames_cached(seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    return generate(seed=seed)


def main(argv: list[str] | None = None) -> int:
    """``python -m kalib.demo [FOLDER]``: (re)write the demo client folder."""
    p = argparse.ArgumentParser(prog="python -m kalib.demo", description="Write the demo company's client folder.")
    p.add_argument("folder", nargs="?", default=str(demo_folder()))
    p.add_argument("--seed", type=int, default=DEMO_SEED)
    p.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "mixed"], default="mixed")
    p.add_argument("--headers", choices=["zh", "en", "canonical"], default="zh")
    p.add_argument("--customers", type=int, default=200, help="number of customers (default 200)")
    p.add_argument("--years", type=int, default=3, help="years of revenue (default 3)")
    args = p.parse_args(argv)
    frames, meta = generate(seed=args.seed, n_customers=args.customers, years=args.years)
    paths = write_client(frames, meta, args.folder, fmt=args.fmt, headers=args.headers)
    for path in paths:
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
