"""What the exercise panels show around their inputs."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from kalib.exercises import items  # noqa: E402
from kalib.exercises.panel import ExercisePanel  # noqa: E402


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


@pytest.mark.parametrize("lang, words", [("zh", "按住 Ctrl（Mac：⌘）点击可选多个"),
                                         ("en", "Ctrl-click (⌘-click on a Mac) to choose several")])
def test_a_many_name_selection_says_how_to_choose_several(lang, words):
    names = [f"销售{i}" for i in range(15)]
    ex = items("99.09-x", "哪些？", "Which?", options=names, answer=names[:3], register=False)
    panel = ExercisePanel(ex, None, lang)
    assert type(panel.input).__name__ == "SelectMultiple" and list(panel.input.options) == names
    # The hint sits right under the list, in the same column.
    column = next(x for x in _descendants(panel) if type(x).__name__ == "VBox" and panel.input in x.children)
    below = column.children[column.children.index(panel.input) + 1]
    assert words in below.value
    panel.input.value = tuple(names[:3])
    panel.on_check()  # the check still reads the list itself
    assert panel.feedback.value and "还不对" not in panel.feedback.value and "Not yet" not in panel.feedback.value
    panel.input.value = (names[0], names[5])
    panel.on_check()
    assert names[5] in panel.feedback.value
