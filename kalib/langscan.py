"""Find the words of the other language in a text meant for one language.

A Chinese page should read in Chinese and an English page in English; the other
language is allowed only where a term is introduced ("pass line (及格线)") and for
names and abbreviations every reader uses.  :func:`find_foreign` lists what does not
fit, so a test can assert a rendering is clean and say exactly what is left:

- ``lang="zh"``: English words of three letters or more, except identifiers (``deal_scores``,
  ``lookups.customers``, ``--lang``), the allowed terms
  (units, RMB, CRM, ERP, KPI, NPS, Go/NoGo, P10/P50/P90…, anything in ``allow`` such
  as the client's and products' names), text in code font (between backticks or in
  ``<code>``), addresses (``http…``, file names) and words inside parentheses right
  after Chinese text (a term introduced: "及格线（pass line）");
- ``lang="en"``: every run of CJK characters, except those in ``allow`` and those in
  parentheses (a term introduced: "pass line (及格线)").

>>> find_foreign("本期赢率 42%，NPS 8.1，及格线（pass line）", "zh")
[]
>>> find_foreign("赢率 win rate 42%", "zh")
['win', 'rate']
>>> find_foreign("The win rate (赢率) is 42% at 华东精工", "en")
['华东精工']
>>> find_foreign("The win rate (赢率) is 42% at 华东精工", "en", allow=["华东精工"])
[]
>>> find_foreign("列 `mean_sales_rate` 来自 sales.csv", "zh")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ALLOWED_ZH", "ALLOWED_EN", "find_foreign", "strip_markup"]

# Words a Chinese text may keep in Latin letters (compared case-insensitively).
ALLOWED_ZH = frozenset(w.lower() for w in (
    "RMB", "CNY", "USD", "EUR", "CRM", "ERP", "KPI", "NPS", "ROI", "HHI", "CEO", "CFO", "CTO", "COO", "CIO", "VIP",
    "Go", "NoGo", "Brier", "Wilson", "Pareto", "Monte", "Carlo", "Excel", "CSV", "XLSX", "YAML", "JSON", "PDF",
    "HTML", "SQL", "TAS", "Salesforce", "HubSpot", "kalib", "IBM", "Signature", "Selling", "Method", "Blue", "Sheet", "Miller", "Heiman", "Voilà", "Jupyter", "API", "PoC", "POC", "FY", "TOP",
    "P10", "P50", "P90", "Q1", "Q2", "Q3", "Q4", "H1", "H2", "demo", "client", "yml", "xlsx", "csv",
))
# CJK terms an English text may keep (none by default: names of the client's data go in ``allow``).
ALLOWED_EN: frozenset[str] = frozenset()

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_RUN = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"(?<![A-Za-z0-9_./\\-])[A-Za-z][A-Za-z'’]*[A-Za-z](?![A-Za-z0-9_/\\]|\.[A-Za-z_])")
_CODE = re.compile(r"`[^`]*`|<code>.*?</code>", re.S)
_URL = re.compile(r"\b(?:https?|file)://\S+|\b[\w.-]+@[\w.-]+|(?<![\w])[\w./-]+\.(?:ipynb|py|csv|xlsx|yml|yaml|json|html|pdf|md|txt)\b")
_TAG = re.compile(r"<[^>]+>")
# a term introduced in parentheses: （…） after Chinese, or (…) in any text
_PAREN = re.compile(r"（[^（）\n]*）|\([^()\n]*\)")  # within one line


def strip_markup(text: str) -> str:
    """Text without HTML tags, code spans, addresses and file names (what a reader reads as prose).

    >>> strip_markup("<p>见 <code>kalib check</code> 与 notebooks/zh/00.01.ipynb</p>")
    ' 见   与  '
    """
    text = _CODE.sub(" ", text)
    text = _TAG.sub(" ", text)
    return _URL.sub(" ", text)


def _allowed(allow: Iterable[str] | None) -> tuple[set[str], list[str]]:
    """The allowed single words (lower case) and the allowed phrases (to be removed before scanning)."""
    words: set[str] = set()
    phrases: list[str] = []
    for a in allow or ():
        a = str(a).strip()
        if not a:
            continue
        phrases.append(a)
        words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’]*", a))
    return words, sorted(phrases, key=len, reverse=True)


def find_foreign(text: str, lang: str, allow: Iterable[str] | None = None,
                 introduced: bool = True) -> list[str]:
    """The words of ``text`` that are not in ``lang``, in order (repeats kept, so a count is a measure).

    Parameters
    ----------
    text
        Plain text, Markdown or HTML (tags, code spans, addresses and file names are skipped).
    lang
        ``"zh"`` or ``"en"``: the language the text should be in.
    allow
        More words or phrases allowed: the client's, customers' and products' names, column
        names shown on purpose, terms of a particular page.  A phrase is removed whole before
        scanning; each of its Latin words is also allowed alone.
    introduced
        Allow a term of the other language in parentheses (a term introduced where it is first
        used).  ``False`` reports those as well.

    Returns
    -------
    list[str]
        For ``"zh"``: English words of three or more letters; for ``"en"``: runs of CJK characters.

    >>> find_foreign("合计 12.3M RMB", "zh"), find_foreign("Total 1,234万元", "en")
    ([], ['万元'])
    >>> find_foreign("The pass line (及格线)", "en", introduced=False)
    ['及格线']
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    words, phrases = _allowed(allow)
    for p in phrases:  # first, so that a name holding a file name or a tag is removed whole
        text = text.replace(p, " ")
    text = strip_markup(text)
    if introduced:
        text = _PAREN.sub(" ", text)
    if lang == "en":
        return [m for m in _CJK_RUN.findall(text) if m not in ALLOWED_EN]
    out = []
    for w in _WORD.findall(text):
        core = w.strip("'’")
        if len(core) < 3 or core.lower() in ALLOWED_ZH or core.lower() in words:
            continue
        out.append(core)
    return out
