"""The result of checking an exercise's answer, and how it is shown."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Feedback", "feedback_html"]


@dataclass(frozen=True)
class Feedback:
    """The result of checking an answer: ``correct`` and a message a learner can act on."""

    correct: bool
    message: str
    #: "correct", "mistake" (a known mistake matched), "hint" (a general hint), "input" or "data".
    kind: str = field(default="", repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "message": self.message}

    def _repr_html_(self) -> str:
        return feedback_html(self)


def feedback_html(fb: Feedback) -> str:
    """A feedback as a coloured HTML block."""
    colour, symbol = ("#1e8449", "✓") if fb.correct else ("#b9770e", "✗")
    return (f'<div class="kalib-feedback" style="border-left:4px solid {colour};padding:4px 8px">'
            f'<b style="color:{colour}">{symbol}</b> {html.escape(fb.message)}</div>')
