"""The panel of one exercise: question, input, Check button, feedback and, after a few wrong
tries, a "show solution" button."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from ..i18n import tr
from .feedback import Feedback, feedback_html

if TYPE_CHECKING:
    from ..client import Client
    from . import Exercise

__all__ = ["ExercisePanel"]


class ExercisePanel(w.VBox):
    """``children``: question HTML, input row (``input`` and ``button``), ``feedback`` HTML, and the
    solution row (``solution_button``, ``solution``)."""

    def __init__(self, exercise: Exercise, client: Client | None, lang: str):
        self.exercise, self.client, self.lang = exercise, client, lang
        self.wrong = self.hints = 0
        case = exercise.case(client, lang) if hasattr(exercise, "case") else ""
        question = w.HTML(value=(
            f'<div class="kalib-exercise"><b>{html.escape(exercise.title(client, lang))}'
            f"</b><br>{html.escape(exercise.question(client, lang))}"
            + (f'<div class="kalib-case">{html.escape(case)}</div>' if case else "") + "</div>"))
        self.input, row = exercise._input(w, client, lang)
        self.button = w.Button(description=tr(lang, "检查", "Check"), button_style="primary")
        self.feedback = w.HTML(value="")
        self.solution_button = w.Button(description=tr(lang, "显示解答", "Show solution"),
                                        layout=w.Layout(display="none"))
        self.solution = w.HTML(value="")
        self.button.on_click(self.on_check)
        self.solution_button.on_click(self.on_solution)
        super().__init__([question, w.HBox([*row, self.button]), self.feedback,
                          w.VBox([self.solution_button, self.solution])])

    def on_check(self, _: object = None) -> None:
        """Check the input and show the feedback (the solution button after enough wrong tries)."""
        try:
            fb = self.exercise.check(self.input.value, self.client, self.lang, attempt=self.hints + 1)
        except Exception as exc:  # shown, never swallowed
            fb = Feedback(False, tr(self.lang, f"出错了：{exc}", f"Error: {exc}"), "error")
        self.hints += fb.kind == "hint"
        self.wrong += fb.kind in ("hint", "mistake")
        self.feedback.value = feedback_html(fb)
        if not fb.correct and self.wrong >= self.exercise.reveal_after:
            self.solution_button.layout.display = None

    def on_solution(self, _: object = None) -> None:
        """Show the answer, how it is obtained and its explanation."""
        try:
            text = self.exercise.solution(self.client, self.lang)
        except Exception as exc:
            text = str(exc)
        self.solution.value = f'<div class="kalib-solution">{html.escape(text)}</div>'
