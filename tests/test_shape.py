"""How the modules fit together: model code free of drawing code, no private names across
modules, one meaning per argument."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from kalib.deals import evaluate_deal, review_deal

KALIB = Path(__file__).resolve().parents[1] / "kalib"
#: Private names imported across modules, with the reason (none: a name another module uses is public).
KNOWN: set[tuple[str, str]] = set()


def test_the_health_check_writes_its_symbols_without_the_charts():
    code = ("import sys\n"
            "from kalib.health import evaluate\n"
            "r = evaluate({'win_rate': 0.2, 'top10_share': 0.8})\n"
            "text = r['win_rate'].explain('en') + r['nps'].explain('zh') + r.to_frame('zh', formatted=True).to_string()\n"
            "assert '✗' in text and '–' in text and '★' in text, text\n"
            "print(sorted(m for m in sys.modules if m.startswith(('kalib.charts', 'matplotlib'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_private_name_is_imported_from_another_module():
    found = set()
    for path in KALIB.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("kalib")):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.add((path.relative_to(KALIB).as_posix(), alias.name))
    assert found <= KNOWN, sorted(found - KNOWN)


def test_a_client_deal_is_reviewed_by_review_deal(acme_client):
    ev = review_deal(acme_client, "A-033")
    with pytest.warns(DeprecationWarning, match="review_deal"):
        old = evaluate_deal(acme_client, "A-033")
    assert (old.score, old.verdict, old.opportunity_id) == (ev.score, ev.verdict, ev.opportunity_id)
    with pytest.raises(ValueError, match="review_deal"):
        review_deal(acme_client, "")


def test_each_kind_of_exercise_is_a_class_registered_by_its_module():
    import kalib.exercises as E

    kinds = {E.get(i).kind: type(E.get(i)) for i in E.list_exercises()}
    assert kinds == {"numeric": E.NumericExercise, "choice": E.ChoiceExercise, "items": E.ItemsExercise,
                     "judgement": E.JudgementExercise}
    assert all(E.get(i).module.startswith("kalib.exercises.") for i in E.list_exercises())
    panel = E.show("04.00-dimension", None, "en")
    assert isinstance(panel, E.panel.ExercisePanel) and panel.exercise is E.get("04.00-dimension")


def test_no_attribute_is_patched_onto_a_box():
    """Panels are classes that declare their parts; no ``box = w.VBox(...); box.part = ...``."""
    patched = []
    for path in [*KALIB.joinpath("widgets").glob("*.py"), *KALIB.joinpath("exercises").glob("*.py")]:
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef):
                continue
            boxes = {t.id for node in ast.walk(fn) if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                     and node.value.func.attr in ("VBox", "HBox", "Box") for t in node.targets if isinstance(t, ast.Name)}
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
                            if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id in boxes:
                                patched.append(f"{path.name}:{node.lineno} {e.value.id}.{e.attr}")
    assert not patched, patched
