"""The course's terms: one per concept, the article's word where it has one (``kalib/glossary.yaml``).

Each :class:`Term` has its Chinese and English names, the concept in one line in each language,
where the course teaches it (a notebook and the heading of its section in each edition), its
source (``article``, ``reading`` or ``default``, as in ``method.yaml``) and the variants that must
not appear anywhere (``赢单率`` for indicator 5, ``管道`` for the open opportunities…).
``tests/test_glossary.py`` keeps the notebooks, ``method.yaml``, the command line, the report and
the app in step with it; :func:`glossary_markdown` is the glossary page of notebook 00.00.

>>> term("win_rate").zh, term("win_rate").en
('赢单成功率', 'win rate')
>>> [(v, t.key) for v, t in find_variants("本期赢单率为 40%，管道充足")]
[('赢单率', 'win_rate'), ('管道', 'open_opportunities')]
>>> find_variants("赢单成功率 40%，在跟销售机会是目标的 2 倍")
[]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GLOSSARY_FILE", "Term", "terms", "term", "avoided", "variants", "find_variants",
           "anchor", "glossary_markdown"]

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")


@dataclass(frozen=True)
class Term:
    """One term of the course."""

    key: str
    zh: str
    en: str
    concept_zh: str
    concept_en: str
    notebook: str
    section_zh: str
    section_en: str
    source: str
    forbidden_zh: tuple[str, ...] = ()
    forbidden_en: tuple[str, ...] = ()
    instead_zh: str | None = None
    instead_en: str | None = None

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def concept(self, lang: str) -> str:
        return self.concept_zh if lang == "zh" else self.concept_en

    def section(self, lang: str) -> str:
        return self.section_zh if lang == "zh" else self.section_en

    def forbidden(self, lang: str | None = None) -> tuple[str, ...]:
        """Its forbidden variants in one language, or in both (``lang=None``)."""
        if lang is None:
            return self.forbidden_zh + self.forbidden_en
        return self.forbidden_zh if lang == "zh" else self.forbidden_en


@functools.lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    """Every term, in the glossary's order; ValueError for an entry that lacks a field or a source
    that is not one of ``config.SOURCES``."""
    from .config import SOURCES

    out = []
    for entry in _load()["terms"]:
        taught = entry.get("taught") or {}
        try:
            t = Term(key=entry["key"], zh=entry["zh"], en=entry["en"], concept_zh=entry["concept_zh"],
                     concept_en=entry["concept_en"], notebook=taught["notebook"], section_zh=str(taught["zh"]),
                     section_en=str(taught["en"]), source=entry["source"],
                     forbidden_zh=tuple(entry.get("forbidden_zh") or ()),
                     forbidden_en=tuple(entry.get("forbidden_en") or ()),
                     instead_zh=entry.get("instead_zh"), instead_en=entry.get("instead_en"))
        except KeyError as exc:
            raise ValueError(f"glossary.yaml: the term {entry.get('key')!r} lacks {exc.args[0]!r}") from None
        if t.source not in SOURCES:
            raise ValueError(f"glossary.yaml: the term {t.key!r} has the source {t.source!r}, not one of {SOURCES}")
        out.append(t)
    keys = [t.key for t in out]
    if len(set(keys)) != len(keys):
        raise ValueError("glossary.yaml: a key appears twice")
    return tuple(out)


def term(key: str) -> Term:
    """The term with this key (KeyError when there is none)."""
    for t in terms():
        if t.key == key:
            return t
    raise KeyError(key)


def avoided(lang: str | None = None) -> tuple[str, ...]:
    """Wording avoided everywhere that is not a term's variant (translationese, doubled words)."""
    data = _load()
    zh, en = tuple(data.get("avoid_zh") or ()), tuple(data.get("avoid_en") or ())
    return zh + en if lang is None else (zh if lang == "zh" else en)


@functools.lru_cache(maxsize=1)
def _variants() -> tuple[tuple[str, Term], ...]:
    return tuple((v, t) for t in terms() for v in t.forbidden())


def variants() -> dict[str, Term]:
    """Every forbidden variant (both languages), with the term it stands for."""
    return dict(_variants())


def find_variants(text: str) -> list[tuple[str, Term]]:
    """The forbidden variants ``text`` contains, in the glossary's order (English ones case-insensitively)."""
    low = text.lower()
    return [(v, t) for v, t in _variants() if (v.lower() in low if v.isascii() else v in text)]


def anchor(heading: str) -> str:
    """The link anchor JupyterLab gives a heading (spaces become hyphens)."""
    return heading.strip().replace(" ", "-")


def glossary_markdown(lang: str = "zh") -> str:
    """The glossary page: each term in the edition's language with the other language beside it, the
    concept, where the course teaches it (a link to the section) and its source."""
    from .config import source_name

    if lang == "zh":
        head = "| 术语 | English | 含义 | 在哪里学 | 来源 |\n| --- | --- | --- | --- | --- |"
    else:
        head = "| Term | 中文 | What it means | Where it is taught | Source |\n| --- | --- | --- | --- | --- |"
    rows = []
    for t in terms():
        label = t.section(lang) if t.section(lang).startswith(t.notebook[:5]) else f"{t.notebook[:5]} · {t.section(lang)}"
        where = f"[{label}]({t.notebook}.ipynb#{anchor(t.section(lang))})"
        other = t.en if lang == "zh" else t.zh
        concept = t.concept(lang).replace("|", "\\|")
        avoid = t.forbidden("zh")
        if avoid and lang == "zh":
            concept += "（不说" + "".join(f"“{v}”" for v in avoid) + "）"
        rows.append(f"| **{t.name(lang)}** | {other} | {concept} | {where} | {source_name(t.source, lang)} |")
    return head + "\n" + "\n".join(rows)
