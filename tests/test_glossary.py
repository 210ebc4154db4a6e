"""The glossary (kalib/glossary.yaml) and the text everywhere else kept in step with it.

Every term is taught where the glossary says (the heading exists in both editions); no forbidden
variant of a term, and none of the avoided wordings, appears in the editions' markdown, in
method.yaml, in what the command line prints on the demo, in the report's page and section titles,
in the app notebook or in any string of kalib's code; the glossary's and method.yaml's source marks
are article, reading or default.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from kalib import glossary
from kalib.config import SOURCES

ROOT = Path(__file__).resolve().parents[1]
KALIB = ROOT / "kalib"
EDITIONS = ("zh", "en")
NOTEBOOKS = [p for lang in EDITIONS for p in sorted((ROOT / "notebooks" / lang).glob("*.ipynb"))]
TERMS = glossary.terms()
# What the command line prints on the demo (each command in both languages).
COMMANDS = ("health", "accounts", "pipeline", "review", "deal", "deals", "team")


def _bad(text: str) -> list[str]:
    """The forbidden variants and avoided wordings in ``text``."""
    found = [v for v, _ in glossary.find_variants(text)]
    return found + [a for a in glossary.avoided() if a in text]


def _headings(path: Path) -> set[str]:
    nb = nbformat.read(str(path), as_version=4)
    return {m.group(1).strip() for c in nb.cells if c.cell_type == "markdown"
            for m in re.finditer(r"^#+\s+(.+?)\s*$", c.source, re.M)}


# ---------------------------------------------------------------------------
# the glossary itself
# ---------------------------------------------------------------------------
def test_the_glossary_has_one_term_per_concept_with_its_source():
    assert len(TERMS) >= 25
    keys = [t.key for t in TERMS]
    assert len(set(keys)) == len(keys)
    for lang in EDITIONS:
        names = [t.name(lang) for t in TERMS]
        assert len(set(names)) == len(names), f"two concepts share a {lang} name"
    for t in TERMS:
        assert t.source in SOURCES
        assert t.zh and t.en and t.concept_zh and t.concept_en
        # a term never carries a variant the glossary forbids
        for text in (t.zh, t.en, t.concept_zh, t.concept_en, t.section_zh, t.section_en):
            assert _bad(text) == [], (t.key, text)
        # the forbidden variants really differ from the term
        assert not any(v in t.zh for v in t.forbidden_zh), t.key
    # the nine factors as the deal-scores table names them
    from kalib.schema import FACTORS

    nine = glossary.term("nine_factors")
    assert all(zh in nine.concept_zh and en.lower() in nine.concept_en for _, zh, en in FACTORS)
    # the ten indicators are named as method.yaml names them
    method = yaml.safe_load((KALIB / "method.yaml").read_text(encoding="utf-8"))
    for key, ind in method["indicators"].items():
        assert glossary.term(key).zh == ind["zh"]
        assert glossary.term(key).en.lower() == ind["en"].lower()


def test_the_article_s_variants_are_forbidden():
    """The drift the course had: each is found, and the article's word is not."""
    assert glossary.find_variants("本期赢单率 40%")[0][1].key == "win_rate"
    for text in ("加权管道", "新增管道", "管道预计"):
        assert [t.key for _, t in glossary.find_variants(text)] == ["open_opportunities"]
    assert glossary.find_variants("企业人均年产值")[0][1].key == "output_per_employee"
    assert glossary.find_variants("签约销售方法")[0][1].key == "signature_selling"
    assert glossary.find_variants("60%来自12个新客户（游猎）")[0][1].key == "hunting"
    for good in ("赢单成功率", "在跟机会的加权金额", "新增销售机会", "企业人均年生产产值",
                 "IBM 的 Signature Selling Method", "农庄耕耘，而不是游猎", "新客户业务"):
        assert glossary.find_variants(good) == [], good


def test_every_source_mark_in_method_yaml_is_article_reading_or_default():
    def marks(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "source" or str(k).endswith("_source"):
                    yield v
                else:
                    yield from marks(v)
        elif isinstance(node, list):
            for v in node:
                yield from marks(v)

    found = list(marks(yaml.safe_load((KALIB / "method.yaml").read_text(encoding="utf-8"))))
    assert len(found) > 40 and set(found) <= set(SOURCES)


# ---------------------------------------------------------------------------
# where each term is taught
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("t", TERMS, ids=[t.key for t in TERMS])
def test_each_term_is_taught_where_the_glossary_says(t, lang):
    path = ROOT / "notebooks" / lang / f"{t.notebook}.ipynb"
    assert path.is_file(), f"{t.key}: no notebook {path.name} in the {lang} edition"
    assert t.section(lang) in _headings(path), f"{t.key}: no heading {t.section(lang)!r} in {lang}/{path.name}"


def test_the_glossary_page_lists_every_term_with_a_link_to_its_section():
    for lang in EDITIONS:
        page = glossary.glossary_markdown(lang)
        rows = [r for r in page.splitlines() if r.startswith("| **")]
        assert len(rows) == len(TERMS)
        for t, row in zip(TERMS, rows):
            assert f"**{t.name(lang)}**" in row and f"({t.notebook}.ipynb#" in row
    # the start page shows it
    for lang in EDITIONS:
        nb = nbformat.read(str(ROOT / "notebooks" / lang / "00.00-start.ipynb"), as_version=4)
        assert any("glossary_markdown(lang)" in c.source for c in nb.cells if c.cell_type == "code")


# ---------------------------------------------------------------------------
# no variant anywhere
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_no_variant_in_the_editions_markdown(path):
    nb = nbformat.read(str(path), as_version=4)
    bad = [(i, _bad(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and _bad(c.source)]
    assert bad == []


def test_no_variant_in_method_yaml():
    def strings(node, where=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from strings(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from strings(v, f"{where}[{i}]")
        elif isinstance(node, str):
            yield where, node

    data = yaml.safe_load((KALIB / "method.yaml").read_text(encoding="utf-8"))
    found = list(strings(data))
    assert any(w.endswith(".zh") for w, _ in found)
    assert [(w, s) for w, s in found if _bad(s)] == []


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def test_no_variant_in_kalib_s_strings():
    """Every string literal in kalib/ (docstrings aside: they document the code, and the glossary's name
    the variants it forbids)."""
    bad = []
    files = sorted(KALIB.rglob("*.py"))
    assert len(files) > 40
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                if found := _bad(node.value):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {found}")
    assert bad == []


def test_no_variant_in_the_app_notebook_or_the_report_chrome():
    from kalib.report import sections

    app = json.loads((KALIB / "app" / "kalib-app.ipynb").read_text(encoding="utf-8"))
    texts = ["".join(c["source"]) for c in app["cells"]]
    texts += [(KALIB / "report" / name).read_text(encoding="utf-8") for name in ("page.html", "portfolio.html")]
    texts += [repr(vars(s)) for s in sections.SECTIONS]
    assert texts and [t[:80] for t in texts if _bad(t)] == []


@pytest.mark.parametrize("lang", EDITIONS)
def test_no_variant_in_what_the_command_line_prints_on_the_demo(lang, capsys):
    from kalib.cli import main

    printed = []
    for cmd in COMMANDS:
        code = main([cmd, "demo", "--lang", lang])
        out = capsys.readouterr()
        assert code == 0, (cmd, out.err[-500:])
        printed.append(out.out)
        assert out.out.strip(), cmd
        assert _bad(out.out + out.err) == [], (cmd, _bad(out.out + out.err))
    # the health check names the indicators as the glossary does
    assert glossary.term("win_rate").name(lang).lower() in printed[0].lower()
