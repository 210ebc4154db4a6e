"""The one-page deal review (kalib.dealsheet), the own-deal panel and ``kalib deal --sheet``."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kalib.deals import FACTOR_KEYS, default_opportunity, evaluate_deal, review_deal
from kalib.dealsheet import deal_sheet_html, write_deal_sheet
from kalib.i18n import fmt_rmb
from kalib.report.pdf import find_chromium, html_to_pdf

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no local Chromium/Chrome to print with")


def pdf_pages(path: Path) -> int:
    """Pages of a PDF, counted from its page objects (``/Type /Page``, not ``/Pages``)."""
    data = Path(path).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


@pytest.fixture(scope="module")
def demo_deal(demo_client):
    """The demo's worked deal: all nine factors scored and eight stakeholders."""
    ev = review_deal(demo_client, default_opportunity(demo_client))
    assert ev.scored == 9 and len(ev.power_map.people) == 8
    return ev


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_filled_in_deal_with_eight_stakeholders_prints_on_one_a4_page(demo_deal, tmp_path, lang):
    html, pdf = write_deal_sheet(demo_deal, tmp_path / f"deal-{lang}.html", lang, printer=html_to_pdf,
                                 review_date="2025-01-08")
    assert html.exists() and pdf.suffix == ".pdf"
    assert pdf_pages(pdf) == 1


@needs_chromium
def test_the_page_count_sees_an_overfull_sheet(demo_deal, tmp_path):
    """The count above can fail: forty stakeholders do not fit on one page."""
    people = pd.concat([demo_deal.power_map.people] * 5, ignore_index=True)
    people["person"] = [f"人{i}" for i in range(len(people))]
    ev = evaluate_deal(demo_deal.scores, people, stage=demo_deal.stage.stage, info=demo_deal.info)
    _, pdf = write_deal_sheet(ev, tmp_path / "long.html", "zh", printer=html_to_pdf)
    assert pdf_pages(pdf) >= 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sheet_shows_the_deal_its_people_verdict_and_actions(demo_deal, lang):
    page = deal_sheet_html(demo_deal, lang, review_date="2025-01-08")
    label = {"go": ("Go（继续）", "Go"), "review": ("Review", "Review"), "nogo": ("NoGo", "NoGo")}[demo_deal.verdict]
    assert label[0 if lang == "zh" else 1] in page
    for name in demo_deal.power_map.people["person"]:
        assert f"<td>{html.escape(name)}</td>" in page
    assert len(demo_deal.actions) == 3
    for a in demo_deal.actions:
        assert html.escape(a.text(lang)) in page
    assert fmt_rmb(demo_deal.info["amount"], lang) in page
    # due at the next Monday review after 2025-01-08 (a Wednesday): 2025-01-13
    assert "2025-01-13" in page and "<script" not in page and "http" not in page


def test_a_blank_deal_still_renders_and_names_are_escaped():
    ev = evaluate_deal(None, [{"person": "<b>王</b>", "role": "decision_maker"}], info={"customer": "A&B"})
    page = deal_sheet_html(ev, "zh")
    assert "&lt;b&gt;王&lt;/b&gt;" in page and "A&amp;B" in page and "<b>王</b>" not in page


def test_the_sheet_is_written_as_html_only(demo_deal, tmp_path):
    with pytest.raises(ValueError, match="HTML"):
        write_deal_sheet(demo_deal, tmp_path / "x.pdf")


def test_my_deal_panel_saves_the_review_of_what_was_entered(tmp_path):
    from kalib.widgets.deals import my_deal_panel

    printed = []
    panel = my_deal_panel("en", folder=tmp_path, review_date="2025-01-08",
                          printer=lambda html, pdf: printed.append((html, pdf)) or Path(pdf).write_bytes(b"%PDF"))
    scores = dict(zip(FACTOR_KEYS, [4, 3, 2, 2, 3, 4, 3, 3, 4]))
    people = [{"person": "张总", "role": "decision_maker", "influence": 5, "attitude": 1, "relationship": 2,
               "met": True}, {"person": "李工", "role": "evaluator", "influence": 3, "attitude": -1}]
    with panel.hold():
        panel.customer.value, panel.deal_name.value, panel.owner.value = "甲公司", "产线改造", "王"
        panel.amount.value = 350.0  # 万元
        panel.stage.value = "solution"
        for k, v in scores.items():
            panel.sliders[k].value = v
    for p in people:
        row = panel.add_person.click() or panel.people[-1]
        row.person.value = p["person"]
        row.role.value = p["role"]
        row.influence.value = str(p["influence"])
        row.attitude.value = str(p["attitude"])
        if "relationship" in p:
            row.relationship.value = str(p["relationship"])
        row.met.value = p.get("met", False)
    expected = evaluate_deal(scores, people, stage="solution")
    assert panel.evaluation.verdict == expected.verdict
    assert panel.evaluation.score == pytest.approx(expected.score)
    files = panel.save_sheets()
    assert [f.name for f in files] == ["deal-review-2025-01-08-zh.html", "deal-review-2025-01-08-zh.pdf",
                                       "deal-review-2025-01-08-en.html", "deal-review-2025-01-08-en.pdf"]
    assert len(printed) == 2
    en = (tmp_path / "deal-review-2025-01-08-en.html").read_text(encoding="utf-8")
    assert "甲公司" in en and "产线改造" in en and fmt_rmb(3.5e6, "en") in en and "李工" in en
    assert [html.escape(a.text("en")) in en for a in expected.actions] == [True] * len(expected.actions)
    assert "deal-review-2025-01-08-zh.pdf" in panel.saved.value


def test_my_deal_panel_says_what_is_wrong_with_a_typed_amount(tmp_path):
    from kalib.widgets.deals import my_deal_panel

    panel = my_deal_panel("zh", folder=tmp_path)
    panel.amount.value = -20.0
    assert "-20" in panel.saved.value and "amount" not in panel.evaluation.info
    panel.amount.value = 20.0
    assert panel.evaluation.info["amount"] == 2e5 and panel.saved.value == ""


def test_kalib_deal_writes_the_sheet(tmp_path):
    out = tmp_path / "review.html"
    run = subprocess.run([sys.executable, "-m", "kalib", "deal", "demo", "--sheet", str(out), "--lang", "en"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Deal review" in out.read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "kalib", "deal", "demo", "--sheet", str(tmp_path / "x.pdf")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "HTML" in bad.stderr
