"""The portfolio page: its data from kalib's health check, the change since the previous batch run, escaping,
the ``kalib portfolio`` command, and the page in a real headless Chromium (sort, follow a link, language).

Screenshots go to ``test-artifacts/screenshots/portfolio-*.png``."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

import kalib
from kalib import demo
from kalib.cli import main
from kalib.health import health_check
from kalib.report.batch import BatchItem, BatchOutcome, read_batch
from kalib.report.portfolio import (
    PORTFOLIO_HTML,
    PORTFOLIO_JSON,
    PREVIOUS_JSON,
    entries_from_clients,
    portfolio_data,
    write_portfolio,
    entries_from_outcomes,
)

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-artifacts" / "screenshots"
HOSTILE = '客户 <script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """Four small generated clients (different seeds and sizes), one with a hostile name, and a broken one;
    a fake report page per client under OUT/<name>/<date>/."""
    root = tmp_path_factory.mktemp("portfolio")
    folder = root / "clients"
    for i in range(4):
        frames, meta = demo.generate(seed=600 + i, n_customers=10 + 4 * i, years=2, n_salespeople=3 + i,
                                     n_key_deals=2, snapshot_weeks=2)
        meta["name"] = HOSTILE if i == 0 else f"客户{i}"
        demo.write_client(frames, meta, folder / f"c{i}", fmt="csv")
    broken = folder / "broken"
    broken.mkdir()
    (broken / "client.yml").write_text("industry: mining\n", encoding="utf-8")
    out = root / "reports"
    for i in range(4):
        page = out / f"c{i}" / "2024-12-31" / f"c{i}-2024-zh.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<!DOCTYPE html><html><head><title>report c{i}</title></head><body><h1>c{i}</h1></body>"
                        "</html>", encoding="utf-8")
    return folder, out


def _expected(folder: Path, name: str):
    return health_check(kalib.load_client(folder / name))


def test_entries_come_from_the_health_check(clients):
    folder, out = clients
    entries = {e["name"]: e for e in entries_from_clients(read_batch(folder), out)}
    assert sorted(entries) == ["broken", "c0", "c1", "c2", "c3"]
    assert not entries["broken"]["ok"] and "mining" in entries["broken"]["error"]
    for name in ("c1", "c3"):
        expected = _expected(folder, name)
        h = entries[name]["health"]
        assert h["below"] == sum(i.status == "below" for i in expected)
        assert {k: v["status"] for k, v in h["indicators"].items()} == {i.key: i.status for i in expected}
        assert h["gaps"] == [i.key for i in expected.gaps(3)]
        assert entries[name]["html"].endswith(f"{name}-2024-zh.html")


def test_change_since_the_previous_run_and_rotation(clients, tmp_path):
    folder, _ = clients
    items = [i for i in read_batch(folder) if i.name in ("c1", "c2")]
    # the run before: the same clients a year earlier; the gaps differ
    before = portfolio_data(entries_from_clients([BatchItem(i.name, i.client, period="2023") for i in items],
                                                 tmp_path), out=tmp_path)
    write_portfolio(before, tmp_path, record=True)
    now = portfolio_data(entries_from_clients(items, tmp_path), out=tmp_path)
    page = write_portfolio(now, tmp_path, lang="en", record=True).read_text(encoding="utf-8")
    assert json.loads((tmp_path / PREVIOUS_JSON).read_text("utf-8"))["finished"] == before["finished"]
    assert json.loads((tmp_path / PORTFOLIO_JSON).read_text("utf-8"))["clients"][0]["health"]["period"] == "2024"
    for name in ("c1", "c2"):
        old = health_check(kalib.load_client(folder / name), "2023")
        new = health_check(kalib.load_client(folder / name), "2024")
        delta = sum(i.status == "below" for i in new) - sum(i.status == "below" for i in old)
        row = re.search(rf'<tr data-client="{name}">(.*?)</tr>', page, re.S).group(1)
        assert f'<td class="change" data-sort="{delta}"' in row
        moved = [i for i in new if i.status != old[i.key].status]
        for i in moved:
            assert i.en in row  # named in the cell's hover text
    assert any(_deltas(page).values())  # the two runs differ somewhere, or this test would prove little
    # kalib portfolio (not a batch run) on the clients as the last run left them: compared with the run before
    (tmp_path / "clients.yml").write_text(f"clients: [{folder / 'c1'}, {folder / 'c2'}]\n", encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["portfolio", str(tmp_path / "clients.yml"), "-o", str(tmp_path), "--lang", "en"]) == 0
    again = (tmp_path / PORTFOLIO_HTML).read_text(encoding="utf-8")
    assert _deltas(again) == _deltas(page)
    assert json.loads((tmp_path / PORTFOLIO_JSON).read_text("utf-8"))["finished"] == now["finished"]  # untouched


def _deltas(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-client="([^"]+)">.*?<td class="change" data-sort="([^"]*)"', page, re.S))


def test_batch_outcomes_without_indicators_are_listed_as_failed(tmp_path):
    ok = BatchOutcome("a", "/x/a", True, 1.0, html=str(tmp_path / "a" / "r.html"),
                      health={"indicators": {}, "gaps": [], "below": 0, "na": 10})
    no_health = BatchOutcome("b", "/x/b", True, 1.0, html=None, health=None, health_error="MissingData: revenue")
    bad = BatchOutcome("c", "/x/c", False, 1.0, error="c: broken <b>", error_type="InputError")
    entries = entries_from_outcomes([ok, no_health, bad])
    assert [e["ok"] for e in entries] == [True, False, False]
    data = portfolio_data(entries, out=tmp_path)
    assert data["clients"][0]["report"] == "a/r.html"
    page = write_portfolio(data, tmp_path).read_text(encoding="utf-8")
    assert "MissingData: revenue" in page and "c: broken &lt;b&gt;" in page


def test_command_writes_the_page_and_escapes_names(clients):
    folder, out = clients
    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        assert main(["portfolio", str(folder), "-o", str(out), "--lang", "zh"]) == 0
    assert "客户组合页" in buf.getvalue() and "broken" in err.getvalue()
    page = (out / PORTFOLIO_HTML).read_text(encoding="utf-8")
    assert HOSTILE not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert page.count("<script>") == 1  # only the page's own sorting script
    assert not (out / PORTFOLIO_JSON).exists()  # kalib portfolio is not a batch run: nothing recorded
    assert main(["portfolio", str(folder / "nowhere"), "-o", str(out)]) == 2


# ---------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------
def _browser_or_skip():
    from test_browser import _REASON

    if _REASON:
        pytest.skip(_REASON)


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _open(browser, path: Path, errors: list):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.as_uri())
    return page


def _column(page, col: int) -> list[str]:
    return page.eval_on_selector_all(f"#grid tbody tr", f"rows => rows.map(r => r.cells[{col}].dataset.sort)")


@pytest.mark.browser
def test_page_in_chromium_sort_link_language(clients, browser):
    folder, out = clients
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["portfolio", str(folder), "-o", str(out), "--lang", "en"]) == 0
    errors: list = []
    page = _open(browser, out / PORTFOLIO_HTML, errors)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Client portfolio")
    names = page.eval_on_selector_all("#grid tbody tr", "rows => rows.map(r => r.dataset.client)")
    assert sorted(names) == ["c0", "c1", "c2", "c3"]
    assert page.locator("#failed li[data-client=broken]").inner_text().count("mining") >= 1
    # the hostile name shows as text, and ran nothing
    assert page.locator("tr[data-client=c0] td.name a").inner_text() == HOSTILE
    # the number of gaps in each row is the health check's
    gaps = {n: int(page.locator(f"tr[data-client={n}] td.gaps").inner_text()) for n in names}
    expected = {n: sum(i.status == "below" for i in _expected(folder, n)) for n in names}
    assert gaps == expected
    # sort by gaps: ascending, then descending
    page.locator("#grid thead th[data-col='1'] button").click()
    assert [int(x) for x in _column(page, 1)] == sorted(expected.values())
    page.locator("#grid thead th[data-col='1'] button").click()
    assert [int(x) for x in _column(page, 1)] == sorted(expected.values(), reverse=True)
    assert page.locator("#grid thead th[data-col='1']").get_attribute("aria-sort") == "descending"
    # sort by indicator 5 (win rate): rows ordered by status, then value, as computed here
    page.locator("#grid thead th[data-key=win_rate] button").click()
    rank = {"below": 0, "pass": 1, "excellent": 2}
    win = {n: _expected(folder, n)["win_rate"] for n in names}
    measured = sorted((n for n in names if win[n].status != "na"), key=lambda n: (rank[win[n].status], win[n].value))
    order = page.eval_on_selector_all("#grid tbody tr", "rows => rows.map(r => r.dataset.client)")
    assert order[:len(measured)] == measured
    # a cell's hover text holds the value and the distance to the line
    cell = page.locator("tr[data-client=c1] td.cell").nth(4)
    assert win["c1"].distance_text("en") in cell.get_attribute("title")
    assert cell.get_attribute("data-status") == win["c1"].status
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "portfolio-en.png"), full_page=True)
    # follow the link to a client's report
    page.locator("tr[data-client=c2] td.name a").click()
    page.wait_for_load_state()
    assert page.title() == "report c2" and page.url.endswith("/c2/2024-12-31/c2-2024-zh.html")
    assert not errors, errors
    # the same page in Chinese
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["portfolio", str(folder), "-o", str(out), "--lang", "zh"]) == 0
    zh = _open(browser, out / PORTFOLIO_HTML, errors)
    assert zh.locator("html").get_attribute("lang") == "zh-CN"
    assert zh.locator("h1").inner_text().startswith("客户组合")
    assert zh.locator("#grid thead th[data-key=win_rate]").inner_text().endswith("赢单成功率")
    zh.locator("#grid thead th[data-col='0'] button").click()
    assert zh.locator("#grid thead th[data-col='0']").get_attribute("aria-sort") == "ascending"
    zh.screenshot(path=str(SHOTS / "portfolio-zh.png"), full_page=True)
    assert not errors, errors
