"""Exercises: answers checked by kalib, feedback a learner can act on, panels that work headless."""

from __future__ import annotations

import html
import re

import pytest

import kalib.exercises as E
from kalib import MissingData
from kalib.exercises import Feedback, choice, hint, items, numeric, parse_number


# ---------------------------------------------------------------------------
# Reading answers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("35%", "share", 0.35), ("35", "share", 0.35), ("0.35", "share", 0.35), ("３５％", "share", 0.35),
        ("1,234万", "rmb", 12_340_000.0), ("1.2亿", "rmb", 120_000_000.0), ("12.3M", "rmb", 12_300_000.0),
        ("800k RMB", "rmb", 800_000.0), ("¥5,000", "rmb", 5000.0), ("3.2倍", "ratio", 3.2), ("2.5x", "ratio", 2.5),
        ("7人", "people", 7.0), (" 12 ", "count", 12.0), (4, "count", 4.0), ("-3", "number", -3.0),
    ],
)
def test_parse_number(text, unit, value):
    assert parse_number(text, unit) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "12..3", "nan", None, True])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text, "number")


# ---------------------------------------------------------------------------
# Checking, hints, kinds
# ---------------------------------------------------------------------------
def _share_exercise():
    return numeric(
        "99.01-share", "占比？", "Share?", answer=lambda c: c["share"], unit="share", register=False,
        hints=[hint("你除以了客户数。", "You divided by the number of customers.", when=lambda c: c["wrong"]),
               hint("第一条提示。", "First hint."), hint("第二条提示。", "Second hint.")],
        explain_zh="因为 {answer}。", explain_en="Because {answer}.")


def test_numeric_right_within_tolerance():
    ex = _share_exercise()
    c = {"share": 0.6234, "wrong": 0.1}
    for given in ("62%", "0.62", "62.3", 0.625):
        fb = ex.check(given, c, "en")
        assert fb.correct, (given, fb)
    assert ex.check("62%", c, "en").message == "Correct: 62%. Because 62%."
    assert not ex.check("60%", c, "en").correct


def test_numeric_known_mistake_gets_its_hint():
    ex = _share_exercise()
    fb = ex.check("10%", {"share": 0.62, "wrong": 0.1}, "en")
    assert fb == Feedback(False, "Not yet. You divided by the number of customers.")
    assert fb.kind == "mistake"
    assert ex.check("10%", {"share": 0.62, "wrong": 0.1}, "zh").message == "还不对。你除以了客户数。"


def test_numeric_general_hints_say_which_way_and_progress():
    ex = _share_exercise()
    c = {"share": 0.62, "wrong": 0.1}
    first = ex.check("40%", c, "en", attempt=1).message
    second = ex.check("90%", c, "en", attempt=2).message
    third = ex.check("90%", c, "en", attempt=5).message
    assert first.startswith("Not yet: your answer is too low") and first.endswith("First hint.")
    assert "too high" in second and second.endswith("Second hint.")
    assert third.endswith("Second hint.")  # the last hint stays


def test_numeric_far_off_share_suggests_the_format():
    ex = numeric("99.02-x", "?", "?", answer=0.004, unit="share", register=False)
    msg = ex.check("0.9", None, "en").message
    assert "percentage or a fraction" in msg


def test_bad_input_is_explained_not_counted():
    ex = _share_exercise()
    fb = ex.check("lots", {"share": 0.62, "wrong": 0.1}, "en")
    assert not fb.correct and fb.kind == "input" and "35%" in fb.message
    assert ex.check("", None, "zh").message == "请先输入答案。"


def test_missing_data_is_said_plainly():
    def needs_revenue(c):
        raise MissingData("indicator 1 needs the revenue table (收入), which this client does not have.")

    ex = numeric("99.03-x", "?", "?", answer=needs_revenue, register=False)
    fb = ex.check("1", None, "en")
    assert not fb.correct and fb.kind == "data" and "revenue table" in fb.message


def test_choice():
    ex = choice("99.04-x", "哪个？", "Which?", options=[("a", "甲", "A"), ("b", "乙", "B"), ("c", "丙", "C")],
                answer="a", register=False, hints=[hint("乙是另一回事。", "B is something else.", when="b")])
    assert ex.check("a", None, "en").correct
    assert ex.check("b", None, "en").message == "Not yet. B is something else."
    assert ex.check("c", None, "en").message.startswith("Not yet. ")
    assert len(ex.check("c", None, "en").message) > len("Not yet. ")
    assert ex.format_answer(None, "zh") == "甲"


def test_items_names_wrong_picks_but_never_the_missing_ones():
    ex = items("99.05-x", "哪些？", "Which?", options=["甲", "乙", "丙", "丁"], answer=["甲", "乙"], register=False)
    fb = ex.check(["甲", "丙"], None, "en")
    assert not fb.correct
    assert "丙" in fb.message and "1 missing" in fb.message and "乙" not in fb.message
    assert ex.check("乙, 甲", None, "en").correct
    assert ex.check(("甲", "乙"), None, "zh").correct


def test_ids_must_name_the_notebook():
    with pytest.raises(ValueError, match="NN.MM"):
        numeric("top10", "?", "?", answer=1)


def test_duplicate_ids_from_two_modules_are_refused():
    ex = E.get("04.00-dimension")
    clone = type(ex)(**{**ex.__dict__, "module": "somewhere.else"})
    with pytest.raises(ValueError, match="defined twice"):
        E.register(clone)


def test_per_client_caches_per_object():
    calls = []

    @E.per_client
    def f(c):
        calls.append(c)
        return len(calls)

    class C:
        pass

    a, b = C(), C()
    assert (f(a), f(a), f(b), f(a)) == (1, 1, 2, 1)


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------
def test_numeric_panel_headless():
    ex = _share_exercise()
    c = {"share": 0.62, "wrong": 0.1}
    panel = ex.widget(c, "en")
    assert "Share?" in panel.children[0].value
    panel.input.value = "10%"
    panel.button.click()
    assert "divided by the number of customers" in panel.feedback.value and "✗" in panel.feedback.value
    assert panel.solution_button.layout.display == "none"
    panel.input.value = "40%"
    panel.button.click()
    assert "First hint." in panel.feedback.value  # general hints count only general misses
    panel.input.value = "90%"
    panel.button.click()
    assert panel.solution_button.layout.display is None  # offered after three wrong tries
    panel.solution_button.click()
    assert "62%" in panel.solution.value
    panel.input.value = "62%"
    panel.button.click()
    assert "✓" in panel.feedback.value and "Correct" in panel.feedback.value


def test_choice_and_items_panels_headless():
    ch = choice("99.06-x", "哪个？", "Which?", options=[("a", "甲", "A"), ("b", "乙", "B")], answer="b",
                register=False)
    panel = ch.widget(None, "zh")
    panel.button.click()
    assert "请先输入答案" in panel.feedback.value
    panel.input.value = "b"
    panel.button.click()
    assert "正确" in panel.feedback.value
    it = items("99.07-x", "哪些？", "Which?", options=lambda c: ["甲", "乙"], answer=lambda c: ["乙"], register=False)
    panel = it.widget(None, "en")
    panel.input.value = ("乙",)
    panel.button.click()
    assert "Correct" in panel.feedback.value


# ---------------------------------------------------------------------------
# Every registered exercise, on both clients
# ---------------------------------------------------------------------------
ALL = E.list_exercises()


def test_registry_is_populated_and_well_formed():
    assert len(ALL) >= 6
    for i in ALL:
        assert re.fullmatch(r"\d\d\.\d\d-[a-z0-9-]+", i)
        ex = E.get(i)
        if ex.kind == "judgement":  # each option carries its reasoning instead of hints
            assert all(o[3] and o[4] for o in ex.options_for(None)), f"{i}: an option without its reasoning"
        else:
            assert ex.hints, f"{i} has no hints"
    with pytest.raises(KeyError, match="this notebook has"):
        E.get("04.00-no-such-exercise")


def _wrong_answer(ex, client):
    ans = ex.answer_for(client)
    if ex.kind == "numeric":
        return ans * 3 + 7
    if ex.kind == "choice":
        return next(k for k, _, _ in ex.options_for(client) if k != ans)
    if ex.kind == "judgement":
        return next(o[0] for o in ex.options_for(client) if o[0] != ans)
    opts = [str(o) for o in ex.options_for(client)]
    others = [o for o in opts if o not in ans]
    return others[:1] or opts[:1]


@pytest.mark.parametrize("client_name", ["demo_client", "acme_client"])
@pytest.mark.parametrize("ex_id", ALL)
def test_every_exercise_answers_and_hints(ex_id, client_name, request):
    client = request.getfixturevalue(client_name)
    ex = E.get(ex_id)
    for lang in ("zh", "en"):
        assert ex.question(client, lang).strip()
    try:
        ans = ex.answer_for(client)
    except MissingData as exc:  # said plainly in the panel
        fb = ex.check("1", client, "en")
        assert fb.kind == "data" and str(exc) in fb.message
        return
    right = ans if ex.kind != "items" else sorted(ans)
    if ex.kind == "numeric":
        right = ex.format_answer(client, "en")  # what a learner reads is accepted back
    assert ex.check(right, client, "en").correct, (ex_id, right)
    wrong = ex.check(_wrong_answer(ex, client), client, "zh")
    assert not wrong.correct
    assert len(wrong.message) > len("还不对。") + 4, wrong.message  # never just "wrong"
    assert E.show(ex_id, client, "en").feedback.value == ""


# ---------------------------------------------------------------------------
# Feedback in the answer's own unit
# ---------------------------------------------------------------------------
def test_share_gap_in_percentage_points():
    ex = numeric("99.11-rate", "赢率？", "Win rate?", answer=0.331, unit="share", register=False)
    zh = ex.check("30%", None, "zh").message
    en = ex.check("30%", None, "en").message
    assert "差 3.1 个百分点" in zh and "偏低" in zh
    assert "3.1 percentage points" in en and "too low" in en
    assert "%" not in zh + en  # no relative gap (3.1 / 33.1 = 9%)


def test_amount_gap_in_its_money_unit():
    ex = numeric("99.12-amount", "金额？", "Amount?", answer=1_000_000, unit="rmb", register=False)
    zh = ex.check("112万", None, "zh").message
    en = ex.check("1,120,000", None, "en").message
    assert "偏高（差 12万元）" in zh
    assert "too high (by 120,000 RMB)" in en
    assert "%" not in zh + en


def test_count_gap_is_a_plain_count():
    ex = numeric("99.13-n", "几个？", "How many?", answer=10, unit="count", tol=0.0, register=False)
    assert "（差 3 个）" in ex.check("13", None, "zh").message
    assert "(by 3)" in ex.check("7", None, "en").message


# ---------------------------------------------------------------------------
# What is on screen: a human title, never an internal id
# ---------------------------------------------------------------------------
def _screen_text(widget) -> str:
    """Every text a learner can see in a widget tree (HTML, labels, descriptions, options)."""
    parts = []
    for attr in ("value", "description", "placeholder"):
        v = getattr(widget, attr, None)
        if isinstance(v, str):
            parts.append(v)
    parts += [str(o) for o in getattr(widget, "options", ()) or ()]
    for child in getattr(widget, "children", ()) or ():
        parts.append(_screen_text(child))
    return "\n".join(parts)


@pytest.mark.parametrize("ex_id", ALL)
def test_panel_shows_no_internal_id(ex_id, demo_client):
    ex = E.get(ex_id)
    for lang in ("zh", "en"):
        panel = E.show(ex_id, demo_client, lang)
        panel.solution_button.click()
        shown = _screen_text(panel)
        assert ex_id not in shown, shown
        assert panel.children[0].value.count(ex.title(demo_client, lang)) == 1
    assert re.fullmatch(r"练习 \d+", ex.title(demo_client, "zh"))
    assert re.fullmatch(r"Exercise \d+", ex.title(demo_client, "en"))


def test_exercises_are_numbered_as_each_notebook_shows_them(repo_root):
    import nbformat

    from kalib import course

    for path in sorted((repo_root / "notebooks" / "zh").glob("*.ipynb")):
        ids = course.exercise_ids(nbformat.read(str(path), as_version=4))
        assert [E.get(i).title(None, "zh") for i in ids] == [f"练习 {n}" for n in range(1, len(ids) + 1)], path.name


# ---------------------------------------------------------------------------
# The "show solution" button explains itself
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ex_id", ALL)
def test_solution_says_how_the_answer_is_obtained(ex_id, demo_client):
    ex = E.get(ex_id)
    for lang in ("zh", "en"):
        try:
            bare = ex.format_answer(demo_client, lang)
        except MissingData:
            pytest.skip("the demo lacks this exercise's data")
        how = ex.how(demo_client, lang)
        solution = ex.solution(demo_client, lang)
        assert bare in solution and how in solution, solution
        if lang == "zh":
            assert len(re.findall(r"[\u4e00-\u9fff]", how)) >= 10, how
        else:
            assert len(re.findall(r"[A-Za-z]{2,}", how)) >= 6 and not re.search(r"[\u4e00-\u9fff]", how), how
        panel = E.show(ex_id, demo_client, lang)
        panel.solution_button.click()
        assert how in html.unescape(panel.solution.value)


# ---------------------------------------------------------------------------
# Hints point to the notebook, they do not ask for computations
# ---------------------------------------------------------------------------
_COMPUTE_ZH = re.compile(r"汇总|排序|数一数|先算|加起来，除以")
_COMPUTE_EN = re.compile(r"\b(sort|total the|compute the mean|add their)\b", re.IGNORECASE)


@pytest.mark.parametrize("ex_id", ALL)
def test_general_hints_point_to_the_notebook(ex_id):
    for h in E.get(ex_id).hints:
        if h.when is None:
            assert not _COMPUTE_ZH.search(h.zh), h.zh
            assert not _COMPUTE_EN.search(h.en), h.en


def test_an_answer_not_available_is_said_plainly_without_the_id():
    ex = numeric("99.14-nan", "？", "?", answer=float("nan"), unit="share", register=False)
    panel = ex.widget(None, "zh")
    panel.input.value = "30%"
    panel.button.click()
    assert "这个客户缺少本练习需要的数据" in panel.feedback.value and "99.14" not in panel.feedback.value


def test_a_judgement_gives_the_reasoning_of_the_option_chosen(demo_client):
    from kalib.exercises import judgement

    def biggest(c):
        from kalib.accounts import customer_value
        top = customer_value(c).table.iloc[0]
        return "farm" if top["tier"] == "diamond" else "hunt"

    ex = judgement("99.99-judge", "该怎么做？", "What now?", register=False, answer=biggest,
                   case_zh=lambda c: "最大客户：" + customer_value_top(c), case_en=lambda c: "Largest: " + customer_value_top(c),
                   options=[("farm", "深耕", "Farm it", "它是钻石客户。", "It is a diamond customer."),
                            ("hunt", "找新客户", "Hunt", "丢下最大的客户去找新客户。", "Leaves the largest customer.")])
    wrong = ex.check("hunt", demo_client, "en")
    assert not wrong.correct and wrong.message == "Not yet. Leaves the largest customer."
    right = ex.check("farm", demo_client, "zh")
    assert right.correct and right.message == "正确：深耕。它是钻石客户。"
    assert ex.case(demo_client, "en").startswith("Largest: ")
    panel = ex.widget(demo_client, "en")
    assert "Largest: " in panel.children[0].value
    panel.input.value = "hunt"
    panel.button.click()
    assert "Leaves the largest customer." in panel.feedback.value
    with pytest.raises(ValueError, match="judgement option"):
        judgement("99.99-bad", "?", "?", register=False, answer="a", options=[("a", "A", "A")]).options_for(None)


def customer_value_top(c):
    from kalib.accounts import customer_value
    return str(customer_value(c).table.iloc[0]["customer"])
