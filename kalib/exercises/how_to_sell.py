"""Exercises of notebook 02.01, how to sell (layer 2, 如何销售): the nine factors, the power map and Go/NoGo,
judged on the course's story deal (:func:`kalib.story.story_opportunity`)."""

from __future__ import annotations

from . import ExerciseSet, hint, per_client

exercises = ExerciseSet(__name__)


def _cfg(c):
    from ..config import default_config

    return c.config if c is not None else default_config()


@per_client
def _review(c):
    """The deal the notebook reviews by default: the course's story deal."""
    from ..client import MissingData
    from ..deals import review_deal
    from ..story import story_opportunity

    oid = story_opportunity(c) if c is not None else None
    if oid is None:
        raise MissingData("this exercise needs a deal with factor scores (the deal_scores table, 要素评分)")
    return review_deal(c, oid)


def _deal_name(c) -> str:
    try:
        return str(_review(c).opportunity_id)
    except Exception:
        return "–"


def _factor_options(c):
    from ..deals import FACTOR_KEYS, FACTOR_NAMES

    return [(k, FACTOR_NAMES[k][0], FACTOR_NAMES[k][1]) for k in FACTOR_KEYS]


def _level(c, factor: str, lang: str) -> str:
    """The scale's description of the level the story deal scores on ``factor``."""
    ev = _review(c)
    v = ev.scores.get(factor)
    if v is None:
        return ""
    levels = _cfg(c).section("deals")["factors"][factor]["levels"]
    lv = levels.get(int(v)) or levels.get(str(int(v))) or {}
    return str(lv.get(lang, ""))


def _facts(c, lang: str) -> str:
    """The story deal in one paragraph: who, what, stage, the expected close against the as-of date, the note."""
    import pandas as pd

    from ..i18n import fmt_pct, fmt_rmb, tr

    ev = _review(c)
    i = ev.info
    stage = next((s for s in _cfg(c).stages() if s["key"] == ev.stage.stage), None)
    bits = [tr(lang, f"机会 {ev.opportunity_id}（{i.get('customer', '–')}，{i.get('name', '–')}，负责人 "
                     f"{i.get('owner', '–')}）",
               f"Deal {ev.opportunity_id} ({i.get('customer', '–')}, {i.get('name', '–')}, owner "
               f"{i.get('owner', '–')})")]
    if stage is not None:
        rate = f"，赢率 {fmt_pct(i['win_rate'])}" if "win_rate" in i else ""
        rate_en = f", win rate {fmt_pct(i['win_rate'])}" if "win_rate" in i else ""
        bits.append(tr(lang, f"填报在第{stage['step']}步“{stage['zh']}”{rate}",
                       f"is reported at step {stage['step']} '{stage['en']}'{rate_en}"))
    if "amount" in i:
        bits.append(tr(lang, f"金额 {fmt_rmb(i['amount'], 'zh')}", f"amount {fmt_rmb(i['amount'], 'en')}"))
    text = ("，".join(bits) + "。") if lang == "zh" else (bits[0] + " " + ", ".join(bits[1:]) + ".")
    close = i.get("expected_close")
    if close is not None and c is not None and not pd.isna(close):
        days = int((pd.Timestamp(c.as_of) - pd.Timestamp(close)).days)
        if days > 0:
            text += tr(lang, f"预计成交日是 {pd.Timestamp(close):%Y-%m-%d}，到分析基准日已经过了 {days} 天。",
                       f" The expected close was {pd.Timestamp(close):%Y-%m-%d}, {days} days before the as-of date.")
        else:
            text += tr(lang, f"预计成交日是 {pd.Timestamp(close):%Y-%m-%d}。",
                       f" The expected close is {pd.Timestamp(close):%Y-%m-%d}.")
    note = _note(c)
    if note:
        text += tr(lang, f"评审人的记录：“{note}”", f" The reviewer's note (in Chinese): “{note}”")
    return text


@per_client
def _note_cached(c):
    if c is None or not c.has("deal_scores") or "note" not in c.tables["deal_scores"].columns:
        return ""
    ds = c.tables["deal_scores"]
    m = ds[ds["opportunity_id"].astype("object").map(str) == str(_review(c).opportunity_id)]
    v = m["note"].iloc[-1] if len(m) else None
    return "" if v is None or v != v else str(v).strip()


def _note(c) -> str:
    return _note_cached(c)


# ---------------------------------------------------------------------------
# 1. is the deal led by the customer? (factor 1, the sales process)
# ---------------------------------------------------------------------------
def _process_answer(c) -> str:
    """``led`` when the deal raises the led-by-customer flag (its process score at or below the rule's
    maximum), ``leading`` at the top of the scale, else ``matching``."""
    from ..client import MissingData

    d = _cfg(c).section("deals")
    v = _review(c).scores.get("process")
    if v is None:
        raise MissingData("this exercise needs the deal's sales process (销售进程) score")
    rule = d["red_flags"].get("led_by_customer") or {}
    if v <= float(rule.get("max", 2)):
        return "led"
    return "leading" if v >= float(d["scale"]["max"]) else "matching"


def _process_evidence(c, lang: str) -> str:
    from ..i18n import tr

    ev = _review(c)
    v = ev.scores.get("process")
    return tr(lang, f"这个机会的销售进程评 {v:g} 分：“{_level(c, 'process', 'zh')}”。",
              f"This deal's sales process scores {v:g}: “{_level(c, 'process', 'en')}”.")


def _process_why(key: str):
    def why(c, lang):
        from ..i18n import tr

        right = _process_answer(c)
        ev_text = _process_evidence(c, lang)
        method = tr(lang, "文章的第一要素：销售进程要与客户的决策进程匹配，甚至引领；被牵着走时，一定有问题。",
                    "The article's first factor: the sales process should match the customer's decision process, "
                    "even lead it; when we are being led, something is wrong.")
        fix = tr(lang, "该做的是提出共同的评估计划（步骤、标准、时间），由我们提出下一步并取得客户的承诺。",
                 "What to do: propose a joint evaluation plan (steps, criteria, dates), and own the next step with "
                 "a commitment from the customer.")
        if key == right:
            head = {"led": tr(lang, "决定这个机会什么时候往下走的是客户，不是我们。",
                              "It is the customer, not us, who decides when this deal moves on."),
                    "matching": tr(lang, "步骤和时间表已与客户确认，我们的行动与之对应。",
                                   "Steps and dates are confirmed with the customer, and our actions follow them."),
                    "leading": tr(lang, "评估标准和时间表里有我们的影响。",
                                  "The criteria and the timetable carry our mark.")}[key]
            return " ".join([head, ev_text, method] + ([fix] if key == "led" else []))
        head = {"led": tr(lang, "被牵着走，说的是我们只能跟随客户的流程、下一步由客户决定；这个机会的证据不是这样。",
                          "Being led means we can only follow the customer's process and the customer sets the next "
                          "step; this deal's evidence says otherwise."),
                "matching": tr(lang, "匹配，要求决策流程和时间表已与客户确认，每个下一步都有客户的承诺；"
                                     "客户一再推迟、我们只能等，不叫匹配。",
                               "Matching needs the decision process and timetable confirmed with the customer, and a "
                               "customer commitment to each next step; waiting while the customer keeps postponing "
                               "is not a match."),
                "leading": tr(lang, "引领，是我们影响了客户的评估标准和时间表；这要有证据，不能凭感觉。",
                              "Leading means we shaped the customer's criteria and timetable; that needs evidence, "
                              "not a feeling.")}[key]
        return " ".join([head, ev_text, method] + ([fix] if right == "led" else []))
    return why


exercises.judgement(
    "02.01-led-by-customer",
    lambda c: f"机会 {_deal_name(c)} 是被客户牵着走，还是与客户的决策进程匹配，甚至在引领？",
    lambda c: f"Is deal {_deal_name(c)} being led by the customer, or does it match, even lead, the customer's "
              f"decision process?",
    case_zh=lambda c: _facts(c, "zh"),
    case_en=lambda c: _facts(c, "en"),
    options=[
        ("led", "被客户牵着走：我们在跟随客户的流程", "Led by the customer: we follow the customer's process",
         lambda c: _process_why("led")(c, "zh"),
         lambda c: _process_why("led")(c, "en")),
        ("matching", "匹配：流程和时间表已与客户确认，我们的行动与之对应",
         "Matching: process and timetable confirmed with the customer, our actions follow them",
         lambda c: _process_why("matching")(c, "zh"), lambda c: _process_why("matching")(c, "en")),
        ("leading", "引领：我们影响了客户的评估标准和时间表",
         "Leading: we shaped the customer's evaluation criteria and timetable",
         lambda c: _process_why("leading")(c, "zh"), lambda c: _process_why("leading")(c, "en")),
    ],
    answer=_process_answer,
    how_zh="看谁在决定下一步：预计成交日过了、客户一再推迟，而我们拿不出客户承诺的下一步，就是被牵着走（销售进程 ≤ 2 分，"
           "亮起“被客户牵着走”的严重危险信号）。",
    how_en="Look at who sets the next step: an expected close that has passed, a customer who keeps postponing, and "
           "no next step the customer has committed to mean we are led (a sales process score of 2 or less raises "
           "the serious red flag 'led by the customer').",
)


# ---------------------------------------------------------------------------
# 2. whom to see next (the power map)
# ---------------------------------------------------------------------------
@per_client
def _next(c):
    from ..client import MissingData
    from ..powermap import next_person

    n = next_person(_review(c).power_map)
    if n is None:
        raise MissingData("this exercise needs a deal whose power map leaves someone to see "
                          "(the stakeholders table, 决策人)")
    return n


def _people_options(c):
    """Up to five people of the story deal: the one to see next, the person we are closest to, the coach, the
    friendliest low-influence person, then the most influential others."""
    pm = _review(c).power_map
    st = pm.settings
    recs = list(pm.records)
    try:
        answer = _next(c).person
    except Exception:  # the answer says what is missing; the options stay readable
        answer = None

    def rel(p):
        v = p["relationship"]
        return float(v) if v == v and v is not None else -1.0

    def infl(p):
        v = p["influence"]
        return float(v) if v == v and v is not None else 0.0

    picks = [p for p in recs if p["person"] == answer][:1]
    others = [p for p in recs if p["person"] != answer]
    for choose in (lambda ps: max(ps, key=rel),
                   lambda ps: next((p for p in ps if p["role"] == "coach"), None),
                   lambda ps: max(ps, key=lambda p: (rel(p), -infl(p))),
                   lambda ps: max(ps, key=infl)):
        left = [p for p in others if p not in picks]
        if not left or len(picks) >= 5:
            break
        p = choose(left)
        if p is not None and p not in picks:
            picks.append(p)
    for p in sorted(others, key=lambda p: -infl(p)):
        if len(picks) >= 4:
            break
        if p not in picks:
            picks.append(p)
    picks.sort(key=lambda p: recs.index(p))  # the map's order, so the answer is not always first
    out = []
    for p in picks:
        out.append((str(p["person"]), _label(p, st, "zh"), _label(p, st, "en"),
                    (lambda c, p=p: _person_why(c, p, "zh")), (lambda c, p=p: _person_why(c, p, "en"))))
    return out


def _label(p, st, lang: str) -> str:
    from ..i18n import tr

    role = st["roles"].get(p["role"]) if p["role"] else None
    r = role[lang] if role else tr(lang, "角色不明", "role unknown")
    att = {int(k): v for k, v in st["attitude_labels"].items()}
    rel = {int(k): v for k, v in st["relationship_labels"].items()}

    def lab(table, v):
        return table.get(int(v), {}).get(lang, "–") if v == v and v is not None else "–"

    met = tr(lang, "见过", "met") if p["met"] is True else tr(lang, "没见过", "not met")
    infl = "–" if p["influence"] != p["influence"] or p["influence"] is None else f"{p['influence']:g}"
    title = p["title"] if p.get("title") else ""
    if lang == "zh":
        return (f"{p['person']}（{title}，{r}）：影响力 {infl}，态度{lab(att, p['attitude'])}，"
                f"关系{lab(rel, p['relationship'])}，{met}")
    return (f"{p['person']} ({title}, {r}): influence {infl}, {lab(att, p['attitude']).lower()}, "
            f"relationship {lab(rel, p['relationship']).lower()}, {met}")


def _person_why(c, p, lang: str) -> str:
    from ..i18n import tr

    n = _next(c)
    st = _review(c).power_map.settings
    if p["person"] == n.person:
        return n.text(lang)
    strong = p["relationship"] is not None and p["relationship"] == p["relationship"] and \
        p["relationship"] >= st["strong_relationship_min"]
    low = p["influence"] is not None and p["influence"] == p["influence"] and p["influence"] <= st["low_influence_max"]
    if p["person"] == n.route:
        head = tr(lang, f"{p['person']}是打开门的人，不是要见的人：我们和{p['person']}已经有牢固的关系，请{p['person']}引见。",
                  f"{p['person']} opens the door but is not the person to see: we already have a strong relationship "
                  f"there, so ask {p['person']} for the introduction.")
    elif strong and low:
        head = tr(lang, f"和{p['person']}已经很熟，但影响力低：再多花时间，就是文章说的“关系用错地方”。",
                  f"We are already close to {p['person']}, whose influence is low: more time there is what the "
                  f"article calls spending relationships in the wrong place.")
    elif strong:
        head = tr(lang, f"和{p['person']}的关系已经牢固；时间要花在还没覆盖的关键人物身上。",
                  f"Our relationship with {p['person']} is already strong; the time should go to the key person "
                  f"not yet covered.")
    else:
        head = tr(lang, f"{p['person']}也要覆盖，但排在后面。",
                  f"{p['person']} needs covering too, but comes later.")
    return head + " " + tr(lang, "先见的应当是：", "The one to see first: ") + n.text(lang)


exercises.judgement(
    "02.01-next-person",
    lambda c: f"机会 {_deal_name(c)} 的决策权力图上，下一步应当先去见谁？",
    lambda c: f"On the power map of deal {_deal_name(c)}, whom should we see next?",
    case_zh=lambda c: _review(c).power_map.summary("zh"),
    case_en=lambda c: _review(c).power_map.summary("en"),
    options=_people_options,
    answer=lambda c: _next(c).person,
    how_zh="按顺序找：没人见过的决策者；高影响力的反对者；见过但还不信任我们的决策者；关系还弱的高影响力的人。"
           "第一个找到的人就是下一步要见的人，再看谁能引见（教练，或信任我们的高层）。",
    how_en="Look in order: a decision maker nobody has met; a high-influence opponent; a decision maker who is met but "
           "does not trust us yet; a high-influence person we are distant from. The first one found is the person to "
           "see next; then ask who can open the door (the coach, or an executive who trusts us).",
)


# ---------------------------------------------------------------------------
# 3. Go or NoGo, and why
# ---------------------------------------------------------------------------
def _score_only_verdict(c) -> str:
    """The verdict one gets by looking at the score alone (forgetting the gate and the flags)."""
    g = _cfg(c).section("deals")["go_nogo"]
    s = _review(c).score
    if s is None:
        return ""
    return "go" if s >= g["go_min"] else ("nogo" if s < g["nogo_below"] else "review")


def _rule_text(c, lang: str) -> str:
    from ..deals import score_text
    from ..i18n import tr

    ev = _review(c)
    g = _cfg(c).section("deals")["go_nogo"]
    serious = [f for f in ev.flags if f.severity == "serious"]
    names = ("；" if lang == "zh" else "; ").join(f.text(lang) for f in serious)
    gate = ev.gate.text(lang)
    return tr(lang,
              f"{gate}；严重危险信号 {len(serious)} 个（{names or '无'}），NoGo 线是 {g['nogo_serious_flags']} 个；"
              f"得分 {score_text(ev.score)}，Go 线 {g['go_min']:g}、NoGo 线 {g['nogo_below']:g}。",
              f"{gate}; {len(serious)} serious red flag(s) ({names or 'none'}), NoGo at {g['nogo_serious_flags']}; "
              f"score {score_text(ev.score)}, Go line {g['go_min']:g}, NoGo line {g['nogo_below']:g}.")


def _verdict_why(key: str):
    def why(c, lang):
        from ..i18n import tr

        ev = _review(c)
        right = ev.verdict
        reasons = ("；" if lang == "zh" else "; ").join(tr(lang, z, e) for z, e in ev.reasons)
        facts = _rule_text(c, lang)
        if key == right:
            extra = {
                "review": tr(lang, "Review 不是放弃，也不是照常推进：项目是真的，但要先把严重危险信号补上，"
                                   "在此之前不能按填报的阶段和赢率去预测。",
                             "Review is neither giving up nor carrying on as before: the deal is real, but the "
                             "serious red flags come first, and until then the forecast must not count it at its "
                             "reported stage and win rate."),
                "go": tr(lang, "Go：过了关口，没有严重危险信号，得分也过了 Go 线，按计划推进。",
                         "Go: the gate passes, no serious red flag, the score clears the Go line: carry on to plan."),
                "nogo": tr(lang, "NoGo：文章说，NoGo 比 Go 的决定往往更重要——把资源放到赢得下来的机会上。",
                           "NoGo: the article says a NoGo is often more important than a Go — put the effort where "
                           "it can win."),
            }.get(key, "")
            return tr(lang, f"理由：{reasons}。", f"Because: {reasons}. ") + extra + " " + facts
        overlooks = {
            "go": tr(lang, "Go 要过关口、没有严重危险信号、得分过 Go 线，三条都要满足。客户再重要，也不能跳过危险信号。",
                     "Go needs all three: the gate passed, no serious red flag, the score over the Go line. However "
                     "important the customer, the red flags cannot be skipped."),
            "review": tr(lang, "Review 是项目真实、但有严重危险信号或得分在两条线之间时的结论。",
                         "Review is for a real deal with a serious red flag, or a score between the two lines."),
            "nogo": tr(lang, "NoGo 要有理由：关口没过（项目不真实或赢不了）、严重危险信号达到 NoGo 线，或得分低于 NoGo 线。"
                             "一个真实的机会，有办法补上的危险信号，先复核而不是放弃。",
                       "NoGo needs a reason: a failed gate (not real or not winnable), serious red flags up to the "
                       "NoGo count, or a score below the NoGo line. A real deal whose red flags can be fixed is "
                       "reviewed first, not dropped."),
        }[key]
        if key == _score_only_verdict(c):
            overlooks = tr(lang, "只看得分会得出这个结论，但得分是最后才看的。", "The score alone points here, but "
                           "the score comes last. ") + overlooks
        return overlooks + " " + tr(lang, "这个机会：", "This deal: ") + facts
    return why


exercises.judgement(
    "02.01-go-nogo",
    lambda c: f"机会 {_deal_name(c)} 应当 Go、Review 还是 NoGo？为什么？",
    lambda c: f"Should deal {_deal_name(c)} be Go, Review or NoGo, and why?",
    case_zh=lambda c: _rule_text(c, "zh"),
    case_en=lambda c: _rule_text(c, "en"),
    options=[
        ("go", "Go：关口过了、客户重要，继续按计划推进", "Go: the gate passes and the customer matters; carry on to plan",
         lambda c: _verdict_why("go")(c, "zh"), lambda c: _verdict_why("go")(c, "en")),
        ("review", "Review：项目是真的，但先补上严重危险信号再定", "Review: the deal is real, but fix the serious "
         "red flags before deciding", lambda c: _verdict_why("review")(c, "zh"),
         lambda c: _verdict_why("review")(c, "en")),
        ("nogo", "NoGo：危险信号太多，把资源放到别处", "NoGo: too many red flags; put the effort elsewhere",
         lambda c: _verdict_why("nogo")(c, "zh"), lambda c: _verdict_why("nogo")(c, "en")),
    ],
    answer=lambda c: _review(c).verdict,
    how_zh="按顺序判：先看关口（销售判定），再数严重危险信号，最后才看得分线。",
    how_en="Judge in order: the gate first (the sales judgement), then the serious red flags, the score lines last.",
)


# ---------------------------------------------------------------------------
# 4. the gate
# ---------------------------------------------------------------------------
exercises.choice(
    "02.01-gate-factor",
    "九大成功要素中，哪一个是关口：它不过关，其他要素再好也是 NoGo？",
    "Which of the nine success factors is the gate: if it fails, the deal is NoGo however good the rest?",
    how_zh="第九要素“销售判定”先回答：项目是真的吗？我们赢得下来吗？答案是否，其他要素再好也不用看。",
    how_en="The ninth factor, the sales judgement, asks first: is the project real, and can we win it? If "
           "not, the other factors do not matter.",
    options=_factor_options,
    answer=lambda c: _cfg(c).section("deals")["go_nogo"]["gate_factor"],
    hints=[
        hint("决策权力图权重最高，但权重高不等于关口。关口回答的是：这个项目是真的吗？值得做吗？",
             "The power map weighs the most, but a heavy weight is not a gate. The gate answers: is the deal real, "
             "and is it worth pursuing?", when="power_map"),
        hint("销售进程说的是我们是否引领客户的决策流程；关口要先回答项目真不真、能不能赢。",
             "The sales process is about leading the customer's decision process; the gate first asks whether the "
             "deal is real and winnable.", when="process"),
        hint("想想文章的第九条：“不断判定项目真假、是否继续销售，NoGo比Go的决定往往更重要”。",
             "Recall the article's ninth factor: 'keep judging whether the project is real and whether to go on; "
             "a NoGo is often more important than a Go'."),
    ],
    explain_zh="销售判定（第九要素）是关口：项目不真实或赢不了，投入越多损失越大。",
    explain_en="Qualification (the ninth factor) is the gate: on a deal that is not real or not winnable, every "
               "extra effort is a loss.",
)


# ---------------------------------------------------------------------------
# 5. the score (computed once: the number the review shows)
# ---------------------------------------------------------------------------
def _plain_mean_x20(c) -> float:
    s = [v for v in _review(c).scores.values() if v is not None]
    return sum(s) / len(s) * 20


def _unweighted(c) -> float:
    d = _cfg(c).section("deals")["scale"]
    lo, hi = d["min"], d["max"]
    s = [v for v in _review(c).scores.values() if v is not None]
    return 100 * (sum(s) / len(s) - lo) / (hi - lo)


def _shown_score(c) -> float:
    from ..deals import shown_score

    return shown_score(_review(c).score)


exercises.numeric(
    "02.01-deal-score",
    lambda c: f"按上面的评分和权重，机会 {_deal_name(c)} 的九要素得分（0–100）是多少？",
    lambda c: f"With the scores and weights above, what is the nine-factor score (0–100) of deal {_deal_name(c)}?",
    how_zh="把上面要素表里“贡献分”一列加起来：每个已评要素贡献 权重 ×（分 − 1）÷ 4，折成 0–100 分。",
    how_en="Add up the 'Points' column of the factor table above: each rated factor adds weight × (score − "
           "1) ÷ 4, scaled to 0–100.",
    answer=_shown_score,
    unit="number",
    tol=0.0,
    abs_tol=0.6,
    hints=[
        hint("你把平均分乘以 20。得分从最低分算起：(分 − 1) ÷ 4，全是 1 分是 0，不是 20。",
             "You multiplied the average by 20. The score starts from the lowest level: (score − 1) ÷ 4, so all "
             "at 1 is 0, not 20.", when=_plain_mean_x20),
        hint("你没有用权重。每个要素的 (分 − 1) ÷ 4 要乘以它的权重，再除以已评要素的权重之和。",
             "You left out the weights: multiply each factor's (score − 1) ÷ 4 by its weight, then divide by the "
             "sum of the weights of the scored factors.", when=_unweighted),
        hint("只算已评分的要素：未评分的不是 0 分，它的权重也不计入分母。",
             "Count only the scored factors: a factor not scored is not 0, and its weight leaves the denominator."),
        hint("看上面的要素表：“贡献分”一列就是每个要素贡献的分数（九个都评了时），加起来就是得分。",
             "Look at the factor table above: the 'Points' column is what each factor adds (when all nine are "
             "scored); they add up to the score."),
    ],
    explain_zh="得分 = 100 × Σ 权重 × (分 − 1)/4 ÷ Σ 权重（只算已评要素）：本例为 {answer}，与评审结论里的得分是同一个数。",
    explain_en="Score = 100 × Σ weight × (score − 1)/4 ÷ Σ weight, over the scored factors: here {answer}, the same "
               "number the review shows.",
)
