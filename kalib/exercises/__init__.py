"""Exercises with instant feedback (练习): the answer lives in kalib, the notebook only names it.

An exercise asks a question about the client's data.  Its answer is computed
by kalib from that client at run time, so the solution never appears in a
notebook's source ("student copy from a source copy"), and the same exercise
works on the demo company and on any real client.  A wrong answer gets a hint
a learner can act on (which mistake it looks like, or whether it is too high
or too low, then a nudge towards the method), never just "wrong".

Kinds of exercise
-----------------
:func:`numeric`  a number, checked within a tolerance; accepts ``35%``,
                 ``0.35``, ``1,234万``, ``1.2亿``, ``12.3M`` as the unit suggests.
:func:`choice`   one option out of a few (radio buttons).
:func:`items`    a set of items, e.g. "which salespeople are above the
                 average?" (a multi-select list); feedback says how many are
                 right, names the wrong picks, and never the missing ones.
:func:`judgement` a judgement on a case from the client's data (Go or NoGo?
                 which stakeholder next?): options with the reasoning each one
                 earns, shown after Check.  The notebook states the case and
                 the question in markdown (``### 判断：…`` / ``### Judgement: …``).

In a notebook one line shows an exercise (tag the cell ``course-only``)::

    kalib.exercises.show("00.01-top10-share", c, lang)

It returns an ipywidgets panel (question, input, Check button, feedback) and
runs harmlessly headless.  Without widgets, :func:`check` does the same::

    kalib.exercises.check("00.01-top10-share", c, "62%", lang)

How to add an exercise
----------------------
1. Open (or create) the module for your notebook in ``kalib/exercises/``,
   e.g. ``kalib/exercises/health_check.py`` for ``00.01-health-check``.
   Every module of this package is imported when an exercise is first
   looked up, so nothing else needs editing.
2. Define the exercise with a factory; its id starts with the notebook's
   number, then a short kebab name (``"00.01-top10-share"``).  The answer is
   a function of the client (``lambda c: ...``) calling kalib's own analysis,
   or a constant; questions may be strings or functions of the client (to
   name the period, a customer...)::

       from kalib.exercises import ExerciseSet, hint

       exercises = ExerciseSet(__name__)  # registers what follows under this module

       exercises.numeric(
           "00.01-top10-share",
           "期内前10名客户的收入占总收入的比例是多少？",
           "What share of the period's revenue did the 10 largest customers bring?",
           how_zh="看“帕累托曲线与集中度”一节开头那句话。",
           how_en="Read the first sentence of the Pareto curve section.",
           answer=lambda c: health_check(c).value("top10_share"),
           unit="share",
           hints=[
               hint("你用的是客户数量。该指标除以的是总收入。",
                    "You divided by the number of customers; the indicator divides by total revenue.",
                    when=lambda c: 10 / n_customers(c)),
               hint("帕累托曲线上的橙色圆点就是前 10 名客户。",
                    "The orange dot on the Pareto curve marks the 10 largest customers."),
           ],
       )

   Exercises often ask several things of one analysis: decorate the helper
   that computes it with :func:`per_client` so it runs once per client.

   ``how_zh``/``how_en`` say in one sentence how the answer is obtained and
   where the notebook shows it (the "show solution" button gives it); general
   hints point to that place too, rather than ask for a computation.

   A hint with ``when`` is a *known mistake*: it is shown when the learner's
   answer matches the value ``when`` computes (a number, an option key or a
   set).  Hints without ``when`` are shown in order, one more per wrong try.
3. Show it in the notebook with ``kalib.exercises.show(id, c, lang)`` in a
   cell tagged ``course-only``; ``tests/test_course.py`` checks that every
   notebook shows at least two exercises and that each id exists.

Examples
--------
>>> ex = numeric("99.99-doc", "一年有几个季度？", "How many quarters in a year?",
...              answer=4, unit="count", register=False,
...              hints=[hint("一个季度是三个月。", "A quarter is three months.", when=12)])
>>> ex.check("4", lang="en")
Feedback(correct=True, message='Correct: 4.')
>>> ex.check("12", lang="en").message
'Not yet. A quarter is three months.'
>>> ex.check("5", lang="en").message
'Not yet: your answer is too high (by 1). Check your calculation step by step.'
>>> q = choice("99.99-doc2", "哪一项是第5项指标？", "Which is indicator 5?",
...            options=[("win", "赢单成功率", "Win rate"), ("nps", "净推荐值", "NPS")],
...            answer="win", register=False,
...            hints=[hint("NPS 是第4项。", "NPS is indicator 4.", when="nps")])
>>> q.check("nps", lang="en").message
'Not yet. NPS is indicator 4.'
>>> q.check("win", lang="zh").correct
True
"""

from __future__ import annotations

import abc
import importlib
import math
import pkgutil
import re
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..client import Client, MissingData
from ..i18n import check_lang, fmt_num, fmt_pct, fmt_rmb, fmt_times, tr
from .feedback import Feedback, feedback_html

if TYPE_CHECKING:
    from .panel import ExercisePanel

__all__ = [
    "ChoiceExercise",
    "Exercise",
    "ExerciseSet",
    "ItemsExercise",
    "JudgementExercise",
    "NumericExercise",
    "Feedback",
    "Hint",
    "feedback_html",
    "case_text",
    "check",
    "choice",
    "get",
    "hint",
    "items",
    "judgement",
    "list_exercises",
    "per_client",
    "numeric",
    "parse_number",
    "register",
    "show",
]

UNITS = {
    # unit: (zh label, en label)
    "share": ("%", "%"),
    "ratio": ("倍", "×"),
    "rmb": ("元", "RMB"),
    "count": ("个", ""),
    "people": ("人", "people"),
    "days": ("天", "days"),
    "year": ("年", ""),
    "number": ("", ""),
}

_REGISTRY: dict[str, "Exercise"] = {}
_DISCOVERED = False


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Hint:
    """A hint in two languages.  ``when`` (optional) marks a known mistake: the wrong answer it
    leads to, as a value or a function of the client."""

    zh: str
    en: str
    when: Any = None

    def text(self, lang: str) -> str:
        return tr(lang, self.zh, self.en)


def hint(zh: str, en: str, when: Any = None) -> Hint:
    """A :class:`Hint`; with ``when``, shown only when the answer matches that known mistake."""
    return Hint(zh, en, when)


def per_client(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Cache ``fn(client)`` per client object (for helpers several exercises call).

    >>> calls = []
    >>> @per_client
    ... def total(c):
    ...     calls.append(1)
    ...     return 42
    >>> class C: pass
    >>> c = C()
    >>> total(c), total(c), len(calls)
    (42, 42, 1)
    """
    cache: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
    none_key: list = []

    def wrapper(client: Client | None) -> Any:
        if client is None:
            if not none_key:
                none_key.append(fn(client))
            return none_key[0]
        try:
            return cache[client]
        except KeyError:
            value = cache[client] = fn(client)
            return value
        except TypeError:  # not weak-referenceable
            return fn(client)

    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


def case_text(fn: Callable[[Any, str], str]) -> Callable[[Any, str], str]:
    """A judgement's case text ``fn(client, lang)`` that says what is missing, in the reader's language,
    instead of failing when the client lacks the data."""
    def case(c: Any, lang: str) -> str:
        try:
            return fn(c, lang)
        except MissingData as exc:
            return tr(lang, f"无法给出案例：{exc.text('zh')}", f"No case: {exc}")
    return case


def _resolve(value: Any, client: Client | None) -> Any:
    return value(client) if callable(value) else value


# ---------------------------------------------------------------------------
# Reading what a learner typed
# ---------------------------------------------------------------------------
_SCALE = {"万": 1e4, "亿": 1e8, "k": 1e3, "千": 1e3, "m": 1e6, "mn": 1e6, "百万": 1e6, "b": 1e9, "bn": 1e9}


def parse_number(text: Any, unit: str = "number") -> float:
    """Read a number as a learner types it.

    ``35%`` is 0.35; for a ``share`` a plain number above 1 is read as a
    percentage.  Thousands separators, full-width digits, ``万``/``亿`` and
    ``k``/``M``/``B`` suffixes, ``元``/``RMB``/``倍``/``x`` are understood.

    >>> parse_number("35%", "share"), parse_number("35", "share"), parse_number("0.35", "share")
    (0.35, 0.35, 0.35)
    >>> parse_number("1,234.5万", "rmb"), parse_number("12.3M RMB", "rmb"), parse_number("3.2倍", "ratio")
    (12345000.0, 12300000.0, 3.2)
    >>> parse_number("abc")
    Traceback (most recent call last):
    ...
    ValueError: cannot read 'abc' as a number
    """
    if isinstance(text, bool):
        raise ValueError(f"cannot read {text!r} as a number")
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
        percent = False
    else:
        s = unicodedata.normalize("NFKC", str(text)).strip().lower().replace(",", "").replace(" ", "")
        s = re.sub(r"(rmb|cny|元|人民币|¥|倍|x|×|人|个|天|days?)$", "", s)
        s = re.sub(r"^(rmb|cny|¥)", "", s)
        percent = s.endswith("%")
        s = s.rstrip("%")
        scale = 1.0
        for suffix in sorted(_SCALE, key=len, reverse=True):
            if s.endswith(suffix) and re.fullmatch(r"[-+]?\d*\.?\d+", s[: -len(suffix)] or "x"):
                scale, s = _SCALE[suffix], s[: -len(suffix)]
                break
        try:
            value = float(s) * scale
        except ValueError:
            raise ValueError(f"cannot read {text!r} as a number") from None
        if percent:
            value /= 100.0
    if unit == "share" and not percent and 1.0 < abs(value) <= 100.0:
        value /= 100.0
    if not math.isfinite(value):
        raise ValueError(f"cannot read {text!r} as a number")
    return value


def _fmt(value: Any, unit: str, lang: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if unit == "share":
            return fmt_pct(value, 1 if abs(value) < 0.1 else 0)
        if unit == "rmb":
            return fmt_rmb(value, lang)
        if unit == "ratio":
            return fmt_times(value, lang)
        if unit == "year":
            return str(int(round(value)))
        return fmt_num(value, 2)
    return str(value)


def _trim(x: float, digits: int = 1) -> str:
    """``x`` rounded to ``digits`` decimals, without trailing zeros: 3.10 → ``3.1``, 12.0 → ``12``."""
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _gap(gap: float, unit: str, lang: str) -> str:
    """How far off an answer is, in the answer's own unit.

    >>> _gap(0.031, "share", "zh"), _gap(0.031, "share", "en")
    ('3.1 个百分点', '3.1 percentage points')
    >>> _gap(120_000, "rmb", "zh"), _gap(120_000, "rmb", "en"), _gap(2.5e8, "rmb", "zh")
    ('12万元', 'RMB 120k', '2.5亿元')
    >>> _gap(3, "count", "zh"), _gap(2, "people", "en"), _gap(0.78, "ratio", "zh"), _gap(1, "year", "en")
    ('3 个', '2 people', '0.8倍', '1 year')
    """
    if unit == "share":
        points = _trim(gap * 100)
        return tr(lang, f"{points} 个百分点", f"{points} percentage point" + ("" if points == "1" else "s"))
    if unit == "rmb":
        if lang == "zh":
            if gap >= 1e8:
                return f"{_trim(gap / 1e8, 2)}亿元"
            if gap >= 1e4:
                return f"{_trim(gap / 1e4, 1)}万元"
            return f"{gap:,.0f}元"
        return fmt_rmb(gap, "en")
    if unit == "ratio":
        return _trim(gap, 1 if gap >= 0.1 else 2) + tr(lang, "倍", "×")
    text = _trim(gap, 0 if float(gap).is_integer() else 2)
    if unit == "year":
        return tr(lang, f"{text} 年", f"{text} year" + ("" if text == "1" else "s"))
    label = UNITS.get(unit, ("", ""))[0 if lang == "zh" else 1]
    return f"{text} {label}" if label else text


# ---------------------------------------------------------------------------
# The exercises: one class per kind
# ---------------------------------------------------------------------------
@dataclass
class Exercise(abc.ABC):
    """One exercise.  Build it with :func:`numeric`, :func:`choice` or :func:`items`
    (:class:`NumericExercise`, :class:`ChoiceExercise`, :class:`ItemsExercise`).

    Attributes
    ----------
    id
        ``"NN.MM-short-name"``; the prefix is the notebook's number.
    kind
        ``"numeric"``, ``"choice"`` or ``"items"`` (one per class).
    question_zh, question_en
        The question (a string, or a function of the client returning one).
    answer
        The right answer, or a function of the client computing it.
    hints
        :class:`Hint` list: known mistakes (with ``when``) and general hints.
    how_zh, how_en
        How the answer is obtained, in one sentence, pointing to where the
        notebook shows it; the "show solution" button gives it with the answer.
    explain_zh, explain_en
        Shown after a right answer (and by the "show solution" button after
        ``reveal_after`` wrong tries): why it is right, in the method's words.
        Strings may use ``{answer}``; or functions of the client.
    title_zh, title_en
        An optional short title shown after the exercise's number ("练习 2 · 赢单率");
        the id itself is never shown to a learner.
    module
        The module that defines it (two modules may not define the same id).
    """

    kind: ClassVar[str] = ""

    id: str
    question_zh: Any
    question_en: Any
    answer: Any
    hints: list[Hint] = field(default_factory=list)
    explain_zh: Any = None
    explain_en: Any = None
    reveal_after: int = 3
    module: str | None = None
    title_zh: Any = None
    title_en: Any = None
    how_zh: Any = None
    how_en: Any = None

    # -- values ----------------------------------------------------------
    def number(self) -> int | None:
        """Its place among its notebook's exercises (1, 2, ...: the order they are defined in,
        which is the order the notebook shows them), or None when it is not registered."""
        if _REGISTRY.get(self.id) is not self:
            return None
        same = [k for k in _REGISTRY if k[:5] == self.id[:5]]
        return same.index(self.id) + 1

    def title(self, client: Client | None = None, lang: str = "zh") -> str:
        """The heading a learner reads: "练习 2" / "Exercise 2", with the short title if there is one.

        >>> ex = numeric("99.99-doc3", "？", "?", answer=1, register=False, title_zh="季度", title_en="Quarters")
        >>> ex.title(None, "zh"), ex.title(None, "en")
        ('练习 · 季度', 'Exercise · Quarters')
        """
        n = self.number()
        head = tr(lang, "练习", "Exercise") + (f" {n}" if n else "")
        short = _resolve(self.title_zh if check_lang(lang) == "zh" else self.title_en, client)
        return f"{head} · {short}" if short else head

    def question(self, client: Client | None = None, lang: str = "zh") -> str:
        """The question in ``lang`` for this client."""
        return str(_resolve(self.question_zh if check_lang(lang) == "zh" else self.question_en, client))

    def answer_for(self, client: Client | None = None) -> Any:
        """The right answer for this client (raises MissingData when the client lacks the data)."""
        return self._answer_value(_resolve(self.answer, client))

    def explanation(self, client: Client | None = None, lang: str = "zh") -> str:
        """The worked explanation (empty when none is given)."""
        text = _resolve(self.explain_zh if lang == "zh" else self.explain_en, client)
        if not text:
            return ""
        return str(text).replace("{answer}", self.format_answer(client, lang))

    def how(self, client: Client | None = None, lang: str = "zh") -> str:
        """How the answer is obtained and where the notebook shows it (empty when none is given)."""
        text = _resolve(self.how_zh if lang == "zh" else self.how_en, client)
        return str(text).replace("{answer}", self.format_answer(client, lang)) if text else ""

    def solution(self, client: Client | None = None, lang: str = "zh") -> str:
        """What the "show solution" button says: the answer, how it is obtained, and why it matters.

        >>> ex = numeric("99.99-doc4", "一年有几个季度？", "How many quarters in a year?", answer=4, unit="count",
        ...              register=False, how_zh="12 个月 ÷ 每季度 3 个月。", how_en="12 months ÷ 3 months a quarter.")
        >>> ex.solution(None, "zh"), ex.solution(None, "en")
        ('答案：4。12 个月 ÷ 每季度 3 个月。', 'Answer: 4. 12 months ÷ 3 months a quarter.')
        """
        check_lang(lang)
        text = tr(lang, "答案：", "Answer: ") + self.format_answer(client, lang) + tr(lang, "。", ".")
        for part in (self.how(client, lang), self.explanation(client, lang)):
            if part:
                text += tr(lang, "", " ") + part
        return text

    def format_answer(self, client: Client | None = None, lang: str = "zh") -> str:
        return self._format(self.answer_for(client), client, lang)

    # -- what each kind says --------------------------------------------
    def _answer_value(self, value: Any) -> Any:
        return value

    def _format(self, answer: Any, client: Client | None, lang: str) -> str:
        return str(answer)

    def _is_empty(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    @abc.abstractmethod
    def _parse(self, value: Any) -> Any:
        """The answer as typed or chosen, in the form this kind compares."""

    def _matches(self, given: Any, target: Any) -> bool:
        return given == target

    def _wrong(self, given: Any, answer: Any, nudge: str, lang: str) -> Feedback:
        """The feedback on a wrong answer that is no known mistake."""
        return Feedback(False, tr(lang, "还不对。", "Not yet. ") + nudge, "hint")

    @abc.abstractmethod
    def _input(self, w: Any, client: Client | None, lang: str) -> tuple[Any, list]:
        """The input widget, and the widgets of the input row before the Check button."""

    # -- checking --------------------------------------------------------
    def check(self, value: Any, client: Client | None = None, lang: str = "zh", attempt: int = 1) -> Feedback:
        """Check an answer; ``attempt`` (1, 2, ...) decides which general hint is shown.

        Returns a :class:`Feedback` whose message says what to do next.
        """
        check_lang(lang)
        if self._is_empty(value):
            return Feedback(False, tr(lang, "请先输入答案。", "Type an answer first."), "input")
        try:
            given = self._parse(value)
        except ValueError:
            example = {"share": "35%", "rmb": "1234万", "ratio": "2.5"}.get(getattr(self, "unit", ""), "42")
            return Feedback(False, tr(lang, f"无法把“{value}”读作数字；请输入例如 {example}。",
                                      f"Cannot read {value!r} as a number; type e.g. {example}."), "input")
        try:
            answer = self.answer_for(client)
        except MissingData as exc:
            return Feedback(False, tr(lang, f"这个客户缺少本练习需要的数据：{exc.text('zh')}",
                                      f"This client lacks the data this exercise needs: {exc.text('en')}"), "data")
        if self._matches(given, answer):
            msg = tr(lang, "正确：", "Correct: ") + self.format_answer(client, lang) + tr(lang, "。", ".")
            extra = self.explanation(client, lang)
            return Feedback(True, (msg + tr(lang, "", " ") + extra).strip(), "correct")
        # A known mistake?
        for h in self.hints:
            if h.when is None:
                continue
            try:
                target = self._answer_value(_resolve(h.when, client))
            except Exception:  # a mistake we cannot compute for this client is simply not offered
                continue
            if self._matches(given, target):
                return Feedback(False, tr(lang, "还不对。", "Not yet. ") + h.text(lang), "mistake")
        general = [h for h in self.hints if h.when is None]
        nudge = general[min(attempt, len(general)) - 1].text(lang) if general else tr(
            lang, "请逐步检查你的计算。", "Check your calculation step by step.")
        return self._wrong(given, answer, nudge, lang)

    # -- the panel ---------------------------------------------------------
    def widget(self, client: Client | None = None, lang: str = "zh") -> ExercisePanel:
        """An ipywidgets panel (:class:`~kalib.exercises.panel.ExercisePanel`): question, input,
        Check button, feedback (no ``display()``).

        ``panel.children`` are ``[question HTML, input row, feedback HTML, solution row]``;
        tests can set ``panel.input.value``, call ``panel.button.click()`` and read
        ``panel.feedback.value``.
        """
        from .panel import ExercisePanel

        return ExercisePanel(self, client, check_lang(lang))


@dataclass
class NumericExercise(Exercise):
    """A number, right when ``|given - answer| <= max(abs_tol, tol * |answer|)``; ``unit`` (see
    ``UNITS``) says how it is typed and shown."""

    kind: ClassVar[str] = "numeric"

    unit: str = "number"
    tol: float = 0.02
    abs_tol: float = 0.0

    def _answer_value(self, value: Any) -> Any:
        value = float(value)
        if not math.isfinite(value):
            raise MissingData("the answer cannot be computed from this client's data")
        return value

    def _format(self, answer: Any, client: Client | None, lang: str) -> str:
        return _fmt(answer, self.unit, lang)

    def _parse(self, value: Any) -> Any:
        return parse_number(value, self.unit)

    def _matches(self, given: Any, target: Any) -> bool:
        try:
            target = float(target)
        except (TypeError, ValueError):
            return False
        if not math.isfinite(target):
            return False
        return abs(given - target) <= max(self.abs_tol, self.tol * abs(target)) + 1e-12

    def _wrong(self, given: Any, answer: Any, nudge: str, lang: str) -> Feedback:
        """Too high or too low, and by how much in the answer's own unit (percentage points for a
        share, 万元 for an amount, a plain count for a count)."""
        if given == answer:
            side_zh, side_en = "不对", "off"
        else:
            side_zh, side_en = ("偏高", "too high") if given > answer else ("偏低", "too low")
        size = _gap(abs(given - answer), self.unit, lang)
        if answer != 0 and abs(given / answer) > 5:
            if self.unit == "share":
                nudge = tr(lang, "比例请用百分比或小数（如 35% 或 0.35）。",
                           "Give a share as a percentage or a fraction (35% or 0.35). ") + nudge
            elif self.unit == "rmb":
                nudge = tr(lang, "请检查单位：元、万元还是亿元。",
                           "Check the unit: RMB, thousands or millions. ") + nudge
        return Feedback(False, tr(lang, f"还不对：你的答案{side_zh}（差 {size}）。",
                                  f"Not yet: your answer is {side_en} (by {size}). ") + nudge, "hint")

    def _input(self, w: Any, client: Client | None, lang: str) -> tuple[Any, list]:
        inp = w.Text(value="", placeholder=tr(lang, "你的答案", "your answer"), layout=w.Layout(width="14em"))
        return inp, [inp, w.Label(value=UNITS.get(self.unit, ("", ""))[0 if lang == "zh" else 1])]


@dataclass
class ChoiceExercise(Exercise):
    """One option out of a few: ``options`` are ``(key, zh, en)`` (or a function of the client)."""

    kind: ClassVar[str] = "choice"

    options: Any = None

    def options_for(self, client: Client | None = None) -> list:
        opts = _resolve(self.options, client)
        return list(opts) if opts is not None else []

    def _format(self, answer: Any, client: Client | None, lang: str) -> str:
        for key, zh, en in self.options_for(client):
            if key == answer:
                return tr(lang, zh, en)
        return str(answer)

    def _parse(self, value: Any) -> Any:
        return value if value is None else str(value)

    def _input(self, w: Any, client: Client | None, lang: str) -> tuple[Any, list]:
        opts = [(tr(lang, zh, en), key) for key, zh, en in self.options_for(client)]
        inp = w.RadioButtons(options=opts, value=None, layout=w.Layout(width="auto"))
        return inp, [inp]


@dataclass
class ItemsExercise(Exercise):
    """A set of items picked from ``options`` (a list, or a function of the client); feedback says
    how many are right, names the wrong picks, and never the missing ones."""

    kind: ClassVar[str] = "items"

    options: Any = None

    def options_for(self, client: Client | None = None) -> list:
        opts = _resolve(self.options, client)
        return list(opts) if opts is not None else []

    def _answer_value(self, value: Any) -> Any:
        return frozenset(str(v) for v in value)

    def _format(self, answer: Any, client: Client | None, lang: str) -> str:
        return "、".join(sorted(answer)) if lang == "zh" else ", ".join(sorted(answer))

    def _is_empty(self, value: Any) -> bool:
        return super()._is_empty(value) or (not isinstance(value, str) and len(value or ()) == 0)

    def _parse(self, value: Any) -> Any:
        if isinstance(value, str):
            parts = re.split(r"[,，、;；\n]+", value)
            return frozenset(p.strip() for p in parts if p.strip())
        return frozenset(str(v).strip() for v in (value or ()))

    def _matches(self, given: Any, target: Any) -> bool:
        return frozenset(str(v) for v in target) == given

    def _wrong(self, given: Any, answer: Any, nudge: str, lang: str) -> Feedback:
        right = given & answer
        wrong = sorted(given - answer)
        missing = len(answer - given)
        parts = [tr(lang, f"还不对：{len(right)} 个选对了", f"Not yet: {len(right)} right")]
        if wrong:
            parts.append(tr(lang, "，这些不该选：" + "、".join(wrong), "; these do not belong: " + ", ".join(wrong)))
        if missing:
            parts.append(tr(lang, f"，还漏了 {missing} 个", f"; {missing} missing"))
        return Feedback(False, "".join(parts) + tr(lang, "。", ". ") + nudge, "hint")

    def _input(self, w: Any, client: Client | None, lang: str) -> tuple[Any, list]:
        try:
            opts = [str(o) for o in self.options_for(client)]
        except Exception:  # missing data: the check will say so
            opts = []
        inp = w.SelectMultiple(options=opts, value=(), rows=min(max(len(opts), 3), 10), layout=w.Layout(width="22em"))
        how = w.HTML(value="<small>" + tr(lang, "按住 Ctrl（Mac：⌘）点击可选多个，Shift 点击选一段",
                                          "Ctrl-click (⌘-click on a Mac) to choose several, Shift-click for a range")
                     + "</small>")
        return inp, [w.VBox([inp, how])]


# ---------------------------------------------------------------------------
# Factories and the registry
@dataclass
class JudgementExercise(ChoiceExercise):
    """A judgement on a case: one option out of a few, each with its reasoning.

    ``options`` are ``(key, label_zh, label_en, why_zh, why_en)`` (or a function of the client
    returning them): ``why`` is what a learner reads after choosing that option and pressing Check —
    for the right option, why it is right; for a wrong one, what it overlooks and what the method
    says.  ``case_zh`` / ``case_en`` (strings or functions of the client) state the case from the
    client's data above the options; the question itself is also written in the notebook's
    markdown, so it can be read without running anything.

    >>> ex = judgement("99.99-doc5", "该跟进吗？", "Pursue it?", register=False, answer="nogo",
    ...                options=[("go", "跟进", "Go", "赢率太低。", "The odds are too low."),
    ...                         ("nogo", "放弃", "NoGo", "关口要素未达标。", "The gate factor fails.")])
    >>> fb = ex.check("go", None, "en"); fb.correct, fb.message
    (False, 'Not yet. The odds are too low.')
    >>> ex.check("nogo", None, "zh").message
    '正确：放弃。关口要素未达标。'
    """

    kind: ClassVar[str] = "judgement"

    case_zh: Any = None
    case_en: Any = None
    reveal_after: int = 2

    def options_for(self, client: Client | None = None) -> list:
        opts = _resolve(self.options, client)
        out = []
        for opt in list(opts) if opts is not None else []:
            if len(opt) != 5:
                raise ValueError(f"exercise {self.id}: a judgement option is (key, label_zh, label_en, why_zh, why_en)")
            out.append(tuple(opt))
        return out

    def _option(self, key: Any, client: Client | None) -> tuple | None:
        return next((o for o in self.options_for(client) if o[0] == key), None)

    def _format(self, answer: Any, client: Client | None, lang: str) -> str:
        opt = self._option(answer, client)
        return tr(lang, opt[1], opt[2]) if opt else str(answer)

    def case(self, client: Client | None = None, lang: str = "zh") -> str:
        """The case the judgement is about, from this client's data (empty when none is given)."""
        text = _resolve(self.case_zh if check_lang(lang) == "zh" else self.case_en, client)
        return str(text) if text else ""

    def why(self, key: Any, client: Client | None = None, lang: str = "zh") -> str:
        """The reasoning shown for option ``key``."""
        opt = self._option(key, client)
        return str(_resolve(opt[3] if lang == "zh" else opt[4], client)) if opt else ""

    def explanation(self, client: Client | None = None, lang: str = "zh") -> str:
        own = super().explanation(client, lang)
        return own or self.why(self.answer_for(client), client, lang)

    def _wrong(self, given: Any, answer: Any, nudge: str, lang: str) -> Feedback:
        return Feedback(False, tr(lang, "还不对。", "Not yet. ") + (self._why_given or nudge), "hint")

    def check(self, value: Any, client: Client | None = None, lang: str = "zh", attempt: int = 1) -> Feedback:
        self._why_given = "" if self._is_empty(value) else self.why(str(value), client, lang)
        try:
            return super().check(value, client, lang, attempt)
        finally:
            self._why_given = ""

    def _input(self, w: Any, client: Client | None, lang: str) -> tuple[Any, list]:
        opts = [(tr(lang, o[1], o[2]), o[0]) for o in self.options_for(client)]
        inp = w.RadioButtons(options=opts, value=None, layout=w.Layout(width="auto"))
        return inp, [inp]


# ---------------------------------------------------------------------------
def register(ex: Exercise) -> Exercise:
    """Add an exercise to the registry (the factories do this unless ``register=False``)."""
    if not re.fullmatch(r"\d\d\.\d\d-[a-z0-9][a-z0-9-]*", ex.id):
        raise ValueError(f"exercise id {ex.id!r} must look like 'NN.MM-short-name' (the notebook's number first)")
    old = _REGISTRY.get(ex.id)
    if old is not None and old.module != ex.module:
        raise ValueError(f"exercise id {ex.id!r} is defined twice ({old.module} and {ex.module})")
    _REGISTRY[ex.id] = ex
    return ex


_KINDS: dict[str, type[Exercise]] = {c.kind: c for c in (NumericExercise, ChoiceExercise, ItemsExercise,
                                                          JudgementExercise)}


def _make(kind: str, id: str, question_zh: Any, question_en: Any, *, answer: Any, register_it: bool,
          module: str | None, **kw: Any) -> Exercise:
    hints = list(kw.pop("hints", None) or [])
    for h in hints:
        if not isinstance(h, Hint):
            raise TypeError(f"exercise {id}: hints must be made with kalib.exercises.hint(zh, en, when=...)")
    ex = _KINDS[kind](id=id, question_zh=question_zh, question_en=question_en, answer=answer, hints=hints,
                      module=module, **kw)
    return register(ex) if register_it else ex


def numeric(id: str, question_zh: Any, question_en: Any, *, answer: Any, unit: str = "number",
            tol: float = 0.02, abs_tol: float | None = None, hints: Sequence[Hint] = (),
            explain_zh: Any = None, explain_en: Any = None, reveal_after: int = 3,
            title_zh: Any = None, title_en: Any = None, how_zh: Any = None, how_en: Any = None,
            register: bool = True, module: str | None = None) -> NumericExercise:
    """A numeric exercise.

    ``unit`` is one of ``share`` (a fraction, typed as 35% or 0.35), ``ratio``,
    ``rmb``, ``count``, ``people``, ``days``, ``year``, ``number``; a wrong answer is told how far
    off it is in its own unit (percentage points for a share, 万元 for an amount).  ``tol`` is relative;
    ``abs_tol`` defaults to half a percentage point for shares, else 0.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if abs_tol is None:
        abs_tol = 0.005 if unit == "share" else (0.05 if unit == "ratio" else 0.0)
    return _make("numeric", id, question_zh, question_en, answer=answer, register_it=register, module=module, unit=unit,
                 tol=tol, abs_tol=abs_tol, hints=hints, explain_zh=explain_zh, explain_en=explain_en,
                 reveal_after=reveal_after, title_zh=title_zh, title_en=title_en, how_zh=how_zh, how_en=how_en)


def choice(id: str, question_zh: Any, question_en: Any, *, options: Iterable[tuple[str, str, str]],
           answer: Any, hints: Sequence[Hint] = (), explain_zh: Any = None, explain_en: Any = None,
           reveal_after: int = 2, title_zh: Any = None, title_en: Any = None, how_zh: Any = None, how_en: Any = None,
           register: bool = True, module: str | None = None) -> ChoiceExercise:
    """A one-of-several exercise; ``options`` are ``(key, zh, en)``; ``answer`` is a key (or a
    function of the client returning one).  Give a ``hint(..., when=key)`` for each tempting wrong option."""
    options = list(options) if not callable(options) else options
    return _make("choice", id, question_zh, question_en, answer=answer, register_it=register, module=module,
                 options=options,
                 hints=hints, explain_zh=explain_zh, explain_en=explain_en, reveal_after=reveal_after,
                 title_zh=title_zh, title_en=title_en, how_zh=how_zh, how_en=how_en)


def items(id: str, question_zh: Any, question_en: Any, *, options: Any, answer: Any,
          hints: Sequence[Hint] = (), explain_zh: Any = None, explain_en: Any = None,
          reveal_after: int = 3, title_zh: Any = None, title_en: Any = None, how_zh: Any = None, how_en: Any = None,
          register: bool = True, module: str | None = None) -> ItemsExercise:
    """A pick-the-set exercise; ``options`` lists the items to choose from (or a function of the
    client), ``answer`` is the right set (or a function of the client returning an iterable)."""
    return _make("items", id, question_zh, question_en, answer=answer, register_it=register, module=module,
                 options=options,
                 hints=hints, explain_zh=explain_zh, explain_en=explain_en, reveal_after=reveal_after,
                 title_zh=title_zh, title_en=title_en, how_zh=how_zh, how_en=how_en)


def judgement(id: str, question_zh: Any, question_en: Any, *, options: Any, answer: Any,
              case_zh: Any = None, case_en: Any = None, explain_zh: Any = None, explain_en: Any = None,
              reveal_after: int = 2, title_zh: Any = None, title_en: Any = None, how_zh: Any = None,
              how_en: Any = None, register: bool = True, module: str | None = None) -> JudgementExercise:
    """A judgement on a case (:class:`JudgementExercise`): ``options`` are ``(key, label_zh, label_en,
    why_zh, why_en)``; ``answer`` is the right key, or a function of the client computing it from the data."""
    options = list(options) if not callable(options) else options
    return _make("judgement", id, question_zh, question_en, answer=answer, register_it=register, module=module,
                 options=options, case_zh=case_zh, case_en=case_en, explain_zh=explain_zh, explain_en=explain_en,
                 reveal_after=reveal_after, title_zh=title_zh, title_en=title_en, how_zh=how_zh, how_en=how_en)


class ExerciseSet:
    """The exercises one module defines, registered under that module's name:
    ``exercises = ExerciseSet(__name__)``, then ``exercises.numeric(...)``, ``exercises.choice(...)``,
    ``exercises.items(...)`` (the factories above, with ``module`` given)."""

    def __init__(self, module: str):
        self.module = module

    def numeric(self, *args: Any, **kw: Any) -> NumericExercise:
        return numeric(*args, module=self.module, **kw)

    def choice(self, *args: Any, **kw: Any) -> ChoiceExercise:
        return choice(*args, module=self.module, **kw)

    def items(self, *args: Any, **kw: Any) -> ItemsExercise:
        return items(*args, module=self.module, **kw)

    def judgement(self, *args: Any, **kw: Any) -> JudgementExercise:
        return judgement(*args, module=self.module, **kw)


def _discover() -> None:
    """Import every module of this package once, so their exercises register themselves."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "panel":
            importlib.import_module(f"{__name__}.{info.name}")


def get(id: str) -> Exercise:
    """The exercise ``id`` (raises KeyError listing the notebook's exercises when unknown)."""
    _discover()
    try:
        return _REGISTRY[id]
    except KeyError:
        near = [k for k in sorted(_REGISTRY) if k[:5] == id[:5]]
        raise KeyError(f"no exercise {id!r}" + (f"; this notebook has: {', '.join(near)}" if near else "")) from None


def list_exercises(notebook: str | None = None) -> list[str]:
    """Exercise ids, all or those of a notebook number (``"01.01"``), sorted."""
    _discover()
    return sorted(k for k in _REGISTRY if notebook is None or k.startswith(f"{notebook}-"))


def show(id: str, client: Client | None = None, lang: str = "zh") -> ExercisePanel:
    """The panel of exercise ``id`` for ``client`` (put it last in a cell; no ``display()`` needed)."""
    return get(id).widget(client, lang)


def check(id: str, client: Client | None, value: Any, lang: str = "zh") -> Feedback:
    """Check ``value`` against exercise ``id`` for ``client`` without widgets."""
    return get(id).check(value, client, lang)
