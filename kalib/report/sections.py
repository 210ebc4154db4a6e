"""The report's sections: which notebooks, in which order, under which titles.

This is the one place that lists the notebooks a client report is made of.
Every report notebook is also a course notebook; the report shows its prose,
tables and charts without code, and leaves out cells tagged ``course-only``,
``nav`` and ``parameters``.

Cells tagged ``recommendations`` (in any notebook) are gathered into a closing
"Recommendations" section instead of staying where they are.

>>> [s.notebook for s in SECTIONS][:2]
['05.00-client-check', '00.01-health-check']
>>> SECTIONS[0].title("en"), SECTIONS[0].title("zh")
('Executive summary', '执行摘要')
>>> SECTIONS[1].needs
'health'

A section with ``needs`` runs only when the client's data allow that analysis
(:func:`kalib.capabilities.capability`); otherwise the report shows it as
"not available: needs …; add …".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import tr

__all__ = ["Section", "SECTIONS", "RECOMMENDATIONS", "HIDDEN_TAGS", "RECOMMENDATION_TAG"]


@dataclass(frozen=True)
class Section:
    """One part of the report: a notebook (``notebooks/<notebook>.ipynb``) and its title."""

    notebook: str
    zh: str
    en: str
    layer: int | None = None  # layer of the method (1-4), None for the summary
    #: The analysis the section shows (a key of :data:`kalib.capabilities.CAPABILITIES`): when the client's
    #: data do not allow it, the notebook is not run and the section says what is needed.  None: always run.
    needs: str | None = None

    @property
    def key(self) -> str:
        """A short id for anchors, e.g. ``s0501`` for ``05.01-...``."""
        return "s" + self.notebook.split("-", 1)[0].replace(".", "")

    def title(self, lang: str) -> str:
        return tr(lang, self.zh, self.en)

    def subtitle(self, lang: str) -> str:
        """The title in the other language, shown small beside the main one."""
        return tr(lang, self.en, self.zh)


SECTIONS: tuple[Section, ...] = (
    Section("05.00-client-check", "执行摘要", "Executive summary"),
    Section("00.01-health-check", "健康度问诊", "The health check-up", None, "health"),
    Section("02.00-customer-value", "客户价值", "Customer value", 2, "accounts"),
    Section("03.00-win-rate-model", "销售看板与业绩仪表盘", "Sales boards and dashboard", 3, "pipeline"),
    Section("02.01-how-to-sell", "商机评审", "Deal reviews", 2, "deals"),
    Section("04.00-sales-team", "销售团队", "Sales team", 4, "team"),
)

#: The closing section, made of the cells tagged ``recommendations``.
RECOMMENDATIONS = Section("recommendations", "建议", "Recommendations")

#: Cells with any of these tags are left out of a report.
HIDDEN_TAGS: frozenset[str] = frozenset({"course-only", "nav", "parameters", "injected-parameters", "remove-cell",
                                        "kalib-reset"})

RECOMMENDATION_TAG = "recommendations"
