"""The live tools in a real browser: ``kalib app`` (Voilà) and the course in JupyterLab.

Playwright drives Debian's Chromium through its executable path (Playwright's
own browser download is not used). Each server starts once for this module, on
a free port of 127.0.0.1, and is shut down at the end (``kalib app`` by Ctrl-C,
as a person would). Every check changes an input the way a person does (typing
or dragging) and compares what the page then shows with a value computed here
from the client's rows. Screenshots go to ``test-artifacts/screenshots/``.

Skipped, with the reason, when there is no Chromium (``/usr/bin/chromium`` or
``$KALIB_CHROMIUM``) or Playwright cannot be imported.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kalib.deals import score_text

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "logs"
CHROMIUM = os.environ.get("KALIB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = 300  # s, for a server and its first page (or a whole notebook) on a busy two-core machine
STEP_MS = 30_000  # ms, for the page to answer one input

STATUS_ZH = {"below": "未及格", "pass": "及格", "excellent": "优秀"}


def _no_browser_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) "
                "or set KALIB_CHROMIUM to its path")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright cannot be imported ({exc}): pip install -e '.[test]'"
    return None


_REASON = _no_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_REASON is not None, reason=_REASON or "")]


# ---------------------------------------------------------------------------
# Servers and browser (once per module)
# ---------------------------------------------------------------------------
def _wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


@pytest.fixture(scope="module")
def client_dir(tmp_path_factory) -> Path:
    """The demo company's files, in a folder whose name has spaces, Chinese, a quote and an ampersand."""
    from kalib.io import find_demo

    dst = tmp_path_factory.mktemp("app") / "客户 数据 'A&B'"
    shutil.copytree(find_demo(), dst)
    return dst


@pytest.fixture(scope="module")
def client(client_dir):
    import kalib

    return kalib.load_client(client_dir)


class _AppProcess:
    """``kalib app CLIENT --no-browser --port N`` running in a process group of its own."""

    def __init__(self, client_dir: Path, port: int):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = LOGS / "kalib-app.out"
        self._out = open(self.log, "wb")
        cmd = [sys.executable, "-m", "kalib", "app", str(client_dir), "--no-browser", "--port", str(port)]
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.url: str | None = None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_address(self, timeout: float) -> str:
        def printed():
            if self.proc.poll() is not None:
                raise AssertionError(f"kalib app exited with {self.proc.returncode}:\n{self.output()}")
            m = re.search(r"Open (http://127\.0\.0\.1:\d+/\?token=[\w-]+) in your browser", self.output())
            return m.group(1) if m else None

        self.url = _wait_for(printed, timeout, "kalib app to print its address", self.log)
        return self.url

    def stop(self) -> None:
        """Ctrl-C, as a person would; then, if anything is left, kill it."""
        from kalib.app.server import descendants

        if self.proc.poll() is None:
            others = descendants(self.proc.pid)
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._out.close()


def _lab_settings(settings_dir: Path) -> None:
    """JupyterLab settings for a quiet test run: no news prompt, every cell rendered."""
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(scope="module")
def _servers(client_dir, tmp_path_factory):
    """Start ``kalib app`` and JupyterLab at once (they start faster side by side); stop both at the end."""
    from kalib.app.server import free_port, lab_command, launch

    app = _AppProcess(client_dir, free_port())

    # JupyterLab over a copy of the course notebooks, with its own settings, so nothing of the
    # repository or of the person's own Jupyter setup is touched.
    home = tmp_path_factory.mktemp("lab")
    course = home / "notebooks"
    shutil.copytree(REPO / "notebooks" / "zh", course, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    jupyter = {name: str(home / name.lower()) for name in (
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")}
    _lab_settings(Path(jupyter["JUPYTERLAB_SETTINGS_DIR"]))
    port = free_port()
    lab = launch("JupyterLab", lab_command(course, port), port, env=jupyter, cwd=course,
                 log_path=LOGS / "jupyterlab.log")
    probe = _launch_probe(tmp_path_factory.mktemp("probe"))
    try:
        yield {"app": app, "lab": lab, "course": course, "probe": probe}
    finally:  # stop the three at once
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda stop: stop(), [app.stop, lambda: lab.stop(timeout=5), lambda: probe.stop(timeout=5)]))


PROBE_PANEL = '''
import ipywidgets as w
from kalib.widgets import error_area, guarded


def probe_panel(client=None, lang="zh"):
    """A tool whose input rejects a bad value (in its own error area) and whose button fails unguarded."""
    errors = error_area()
    rate = w.FloatText(value=0.3, description="rate")
    rate.add_class("probe-rate")
    shown = w.HTML("30%")
    shown.add_class("probe-shown")

    def update(change):
        if not 0 <= change["new"] <= 1:
            raise ValueError(f"a win rate is between 0 and 1, not {change['new']}")
        shown.value = f"{change['new']:.0%}"

    rate.observe(guarded(errors, update), names="value")
    crash = w.Button(description="crash")

    def fail(_):
        raise RuntimeError("a callback without a guard failed")

    crash.on_click(fail)
    return w.VBox([rate, shown, crash, errors])
'''


def _launch_probe(folder: Path):
    """The app page with a fourth tool that fails on purpose, for a client that cannot be loaded, in English."""
    import nbformat

    from kalib.app.server import ENV_SETTINGS, free_port, launch, voila_command

    (folder / "probe_panel.py").write_text(PROBE_PANEL, encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import kalib.app as A\n"
        "A.TOOLS = (*A.TOOLS, A.Tool('probe', 'probe_panel', 'probe_panel', '探针', 'Probe', needs_client=False))\n"
        "A.app_from_environment()")]
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    settings = {"client": str(folder / "不存在的 客户"), "lang": "en"}
    port = free_port()
    return launch("Voilà (probe)", voila_command(path, port), port, cwd=folder, log_path=LOGS / "voila-probe.log",
                  env={ENV_SETTINGS: json.dumps(settings, ensure_ascii=False)})


@pytest.fixture(scope="module")
def app(_servers) -> _AppProcess:
    app = _servers["app"]
    if app.url is None:
        app.wait_for_address(START_TIMEOUT)
    return app


@pytest.fixture(scope="module")
def lab(_servers):
    return _servers["lab"].wait_until_up(START_TIMEOUT)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _new_page(browser, height: int = 1000):
    ctx = browser.new_context(viewport={"width": 1280, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(STEP_MS)
    return page


_SETTLE_JS = """([quiet, limit]) => new Promise((resolve) => {
    let timer;
    const start = Date.now();
    const done = () => { observer.disconnect(); resolve(Date.now() - start); };
    const observer = new MutationObserver(() => {
        clearTimeout(timer);
        if (Date.now() - start > limit) { done(); } else { timer = setTimeout(done, quiet); }
    });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    timer = setTimeout(done, quiet);
})"""


def _settle(page, quiet_ms: int = 1000, limit_ms: int = STEP_MS) -> None:
    """Wait until the page has not changed for ``quiet_ms`` (the kernel's last updates, e.g. charts, arrived)."""
    page.evaluate(_SETTLE_JS, [quiet_ms, limit_ms])


def _shot(page, name: str, selector: str | None = None) -> Path:
    """Keep a screenshot (of the element ``selector``, whole, or of the page) as a test artefact."""
    _settle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    if selector:
        # The page scrolls inside a container: make the window as tall as the element to capture it whole.
        element = page.locator(selector).first
        size = page.viewport_size
        box = element.bounding_box()
        needed = int(box["y"] + page.evaluate("(e) => e.scrollHeight", element.element_handle()) + 40)
        if needed > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(needed, 8000)})
        try:
            element.screenshot(path=str(path))
        finally:
            page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def app_page(app, browser):
    """The whole page of ``kalib app`` (three tabs), open in one browser tab for the tool tests."""
    page = _new_page(browser)
    page.goto(app.url, timeout=START_TIMEOUT * 1000)  # Voilà answers once the page is built
    page.wait_for_selector(".kalib-app .kalib-app-tabs", timeout=START_TIMEOUT * 1000)
    yield page
    page.context.close()


def _open_tab(page, title: str):
    page.locator(".kalib-app-tabs > .lm-TabBar .lm-TabBar-tab", has_text=title).first.click()


def _type_into_slider(page, row, text: str) -> None:
    """Type a value into a slider's readout (click it, select all, type, Enter), as a person does."""
    readout = row.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _drag_slider(page, row, fraction: float) -> None:
    """Drag a slider's handle with the mouse to ``fraction`` (0 = left end, 1 = right end) of its track."""
    handle = row.locator(".noUi-handle").first
    track = row.locator(".noUi-target").first
    h, t = handle.bounding_box(), track.bounding_box()
    y = h["y"] + h["height"] / 2
    page.mouse.move(h["x"] + h["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(t["x"] + fraction * t["width"], y, steps=12)
    page.mouse.up()


# ---------------------------------------------------------------------------
# Values computed here from the client's rows (not by the code under test)
# ---------------------------------------------------------------------------
def _win_rate_from_rows(client) -> float:
    """Won / (won + lost) over the opportunities closed in the last full year (close date, else expected close);
    the deals we withdrew from (stage abandoned, 放弃/NoGo) are not losses unless the method says so."""
    o = client.tables["opportunities"]
    per = client.period(None)
    closed = o[o["status"].isin(["won", "lost"])]
    if not client.config.indicator("win_rate")["abandoned"]["count_as_lost"]:
        closed = closed[closed["stage"] != "abandoned"]
    when = closed["closed_date"].fillna(closed["expected_close"])
    inside = closed[(when >= per.start) & (when <= per.end)]
    won = int((inside["status"] == "won").sum())
    return won / len(inside)


# ---------------------------------------------------------------------------
# The live tools page (kalib app, Voilà)
# ---------------------------------------------------------------------------
def test_app_prints_its_address_and_shows_the_three_tools(app, app_page, client):
    out = app.output()
    assert f"Open {app.url} in your browser" in out
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", app.url)
    page = app_page
    titles = page.locator(".kalib-app-tabs > .lm-TabBar .lm-TabBar-tab").all_inner_texts()
    assert [t.strip() for t in titles] == ["健康检查", "赢率模型", "销售机会评估"]
    header = page.inner_text(".kalib-app-header")
    assert client.name in header and "2024" in header
    # Every tool was built (no error box anywhere), and no code is shown.
    assert page.locator(".kalib-error").count() == 0, page.inner_text(".kalib-app")
    assert page.inner_text(".kalib-app-error").strip() == ""
    body = page.inner_text("body")
    assert "app_from_environment" not in body and "kalib.app" not in body
    assert page.locator(".jp-InputArea:visible, .CodeMirror:visible, .cm-editor:visible").count() == 0


def test_health_tool_type_and_drag_the_win_rate(app_page, client):
    page = app_page
    _open_tab(page, "健康检查")
    spec = client.config.indicator("win_rate")
    line = client.config.line("win_rate", client.industry)
    pass_line, excellent = line["pass"], line.get("excellent")
    row = page.locator(".kalib-health-panel .widget-hbox").filter(has_text=f"{spec['id']}. {spec['zh']}")
    card = page.locator(".kalib-scorecard tr[data-key='win_rate']")

    def status_of(rate: float) -> str:
        if excellent is not None and rate >= excellent:
            return "excellent"
        return "pass" if rate >= pass_line else "below"

    # It starts at the win rate of the client's rows.
    start = _win_rate_from_rows(client)
    assert row.locator(".widget-readout").inner_text().strip() == f"{start * 100:.1f}"
    assert card.get_attribute("data-status") == status_of(start)

    # Drag the handle to the left end (a rate of about 0): below the pass line.
    _drag_slider(page, row, 0.0)
    page.wait_for_selector(".kalib-scorecard tr[data-key='win_rate'][data-status='below']", timeout=STEP_MS)
    dragged = float(row.locator(".widget-readout").inner_text())
    assert dragged < pass_line * 100
    assert row.inner_text().strip().endswith(STATUS_ZH["below"])

    # Type a rate above the pass line: the status flips to pass (or excellent).
    typed = math.ceil(pass_line * 100) + 7
    expected = status_of(typed / 100)
    assert expected != "below"
    _type_into_slider(page, row, str(typed))
    page.wait_for_selector(f".kalib-scorecard tr[data-key='win_rate'][data-status='{expected}']", timeout=STEP_MS)
    assert row.inner_text().strip().endswith(STATUS_ZH[expected])
    assert f"{typed:g}%" in card.inner_text()  # 40%: no trailing .0
    _shot(page, "app-health", ".kalib-app")


def _weighted_open_total(client, rates: dict[str, float]) -> tuple[float, int]:
    """Sum over open deals of amount × rate in force (the rep's override, else its stage's rate)."""
    o = client.tables["opportunities"]
    op = o[o["status"] == "open"]
    rate = op["win_rate_override"].where(op["win_rate_override"].notna(), op["stage"].map(rates))
    return float((op["amount"] * rate).sum()), len(op)


def test_winrate_tool_type_a_stage_rate(app_page, client):
    from playwright.sync_api import expect

    from kalib.i18n import fmt_rmb

    page = app_page
    _open_tab(page, "赢率模型")
    cfg = client.config
    rates = {s["key"]: float(s["win_rate"]) for s in cfg.stages()}
    qualified = next(s for s in cfg.stages() if s["key"] == "qualified")
    weighted = page.locator(".kalib-winrate-panel .kalib-totals tr", has_text="全部在跟加权").locator("td").nth(1)

    total, n_open = _weighted_open_total(client, rates)
    expect(weighted).to_have_text(f"{fmt_rmb(total, 'zh')} ({n_open})")

    # Type 80 as the win rate of the "qualified" stage (合格): the weighted total follows.
    label = f"{qualified['step']}. {cfg.label(qualified, 'zh')}"
    row = page.locator(".kalib-winrate-panel .widget-slider").filter(has_text=label)
    assert row.count() == 1, label
    _type_into_slider(page, row, "80")
    new_total, _ = _weighted_open_total(client, {**rates, "qualified": 0.80})
    assert fmt_rmb(new_total, "zh") != fmt_rmb(total, "zh")
    expect(weighted).to_have_text(f"{fmt_rmb(new_total, 'zh')} ({n_open})", timeout=STEP_MS)
    assert row.locator(".widget-readout").inner_text().strip() == "80"
    _shot(page, "app-winrate", ".kalib-app")


VERDICT_ZH = {"go": "Go（继续）", "review": "复核", "nogo": "NoGo（放弃）"}


def _deal_score(client, scores: dict[str, float]) -> float:
    """100 × Σ w·(s − min)/(max − min) / Σ w over the scored factors (the method's deal score)."""
    d = client.config.section("deals")
    lo, hi = float(d["scale"]["min"]), float(d["scale"]["max"])
    w = {k: float(f["weight"]) for k, f in d["factors"].items()}
    done = {k: v for k, v in scores.items() if v == v}
    return 100 * sum(w[k] * (v - lo) / (hi - lo) for k, v in done.items()) / sum(w[k] for k in done)


def test_deal_tool_move_the_qualification_score(app_page, client):
    from playwright.sync_api import expect

    page = app_page
    _open_tab(page, "销售机会评估")
    tool = page.locator(".kalib-tool-deals")
    g = client.config.section("deals")["go_nogo"]
    factors = list(client.config.section("deals")["factors"])
    verdict = tool.locator(".kalib-verdict")

    # The deal shown is the one selected in the dropdown; its scores are in the client's deal_scores rows.
    label = tool.locator("select").first.evaluate("(s) => s.options[s.selectedIndex].text")
    label = label.replace("\xa0", " ")  # ipywidgets shows spaces as no-break spaces
    deal_id = label.lstrip("●○ ").split(" · ")[0]
    ds = client.tables["deal_scores"]
    mine = ds[ds["opportunity_id"].astype(str) == deal_id]
    assert len(mine), f"no deal_scores rows for {deal_id!r} (selected: {label!r})"
    row = mine.iloc[-1]
    scores = {k: float(row[k]) for k in factors}
    gate = scores[g["gate_factor"]]
    assert gate >= g["gate_min"], "the demo's default deal passes the gate"
    # The verdicts the panel should show, from the method's rules on the same inputs as the panel's.
    from kalib.deals import evaluate_deal, review_deal

    start = review_deal(client, deal_id)
    people = client.tables["stakeholders"]
    people = people[people["opportunity_id"].astype(str) == deal_id]
    top = float(client.config.section("deals")["scale"]["max"])
    at_top = evaluate_deal({**scores, g["gate_factor"]: top}, people, opportunity_id=deal_id, info=start.info,
                           config=client.config)
    expect(verdict).to_contain_text(f"{score_text(_deal_score(client, scores))}/100")
    expect(verdict).to_contain_text(VERDICT_ZH[start.verdict])
    expect(verdict).not_to_contain_text("没过关口")

    slider = tool.locator(".widget-slider").filter(has_text="销售判定")
    assert slider.count() == 1
    handle = slider.locator(".noUi-handle").first

    picture = tool.locator(".widget-image").first  # the factor profile, redrawn after each change

    def wait_for_new_picture(before: str | None) -> str:
        page.wait_for_function("([el, before]) => el.src && el.src !== before",
                               arg=[picture.element_handle(), before], timeout=STEP_MS)
        return picture.get_attribute("src")

    # One step below the gate with the keyboard: NoGo, whatever the other factors say.
    src = picture.get_attribute("src")
    handle.focus()
    for _ in range(int(gate - g["gate_min"]) + 1):
        page.keyboard.press("ArrowLeft")
    expect(verdict).to_contain_text(VERDICT_ZH["nogo"], timeout=STEP_MS)
    expect(verdict).to_contain_text("没过关口")
    src = wait_for_new_picture(src)
    _shot(page, "app-deals-nogo", ".kalib-app")

    # Up to the top of the scale: the gate passes again; the verdict is the method's for the new
    # score and the deal's red flags (serious flags can keep it from Go, or even at NoGo).
    page.keyboard.press("End")
    new_score = _deal_score(client, {**scores, g["gate_factor"]: top})
    expect(slider.locator(".widget-readout")).to_have_text(f"{top:.0f}", timeout=STEP_MS)
    expect(verdict).to_contain_text(f"{score_text(new_score)}/100", timeout=STEP_MS)
    expect(verdict).not_to_contain_text("没过关口")
    expect(verdict).to_contain_text(VERDICT_ZH[at_top.verdict])
    wait_for_new_picture(src)
    _shot(page, "app-deals", ".kalib-app")


def test_one_tool_per_page_in_english(app, browser, client):
    """``?tool=deals&lang=en``: the deal tool alone, in English, with no tabs."""
    from playwright.sync_api import expect

    page = _new_page(browser)
    try:
        page.goto(app.url + "&tool=deals&lang=en", timeout=START_TIMEOUT * 1000)
        page.wait_for_selector(".kalib-app .kalib-tool-deals", timeout=START_TIMEOUT * 1000)
        assert page.locator(".kalib-app-tabs").count() == 0
        assert page.locator(".kalib-tool-health, .kalib-tool-winrate").count() == 0
        expect(page.locator(".kalib-app-header")).to_contain_text(f"Client: {client.name}")
        expect(page.locator(".kalib-tool-deals")).to_contain_text("Deal review: nine success factors and Go/NoGo")
        expect(page.locator(".kalib-tool-deals .kalib-verdict")).to_contain_text("score")
        assert page.locator(".kalib-error").count() == 0
        _shot(page, "app-deals-en", ".kalib-app")
    finally:
        page.context.close()


def test_errors_show_in_the_page(_servers, browser):
    """A client that cannot be loaded, a bad input a tool rejects, and a failing callback: all shown in the page."""
    from playwright.sync_api import expect

    probe = _servers["probe"].wait_until_up(START_TIMEOUT)
    page = _new_page(browser)
    try:
        page.goto(probe.url, timeout=START_TIMEOUT * 1000)
        page.wait_for_selector(".kalib-app .kalib-app-tabs", timeout=START_TIMEOUT * 1000)
        top = page.locator(".kalib-app-error")
        expect(top).to_contain_text("Could not load the client's data")
        expect(top).to_contain_text("不存在的 客户")
        # The tools that need the client say so where they would be; the health check still works blank.
        _open_tab(page, "Win-rate model")
        expect(page.locator(".kalib-tool-winrate .kalib-error")).to_contain_text("needs the client's data")
        _open_tab(page, "Health check")
        expect(page.locator(".kalib-tool-health .kalib-scorecard")).to_be_visible()

        _open_tab(page, "Probe")
        tool = page.locator(".kalib-tool-probe")
        field = tool.locator(".probe-rate input")
        tool.get_by_role("button", name="crash").click()
        expect(top).to_contain_text("a callback without a guard failed", timeout=STEP_MS)

        field.fill("1.5")
        field.press("Enter")
        expect(tool.locator(".kalib-error")).to_contain_text("a win rate is between 0 and 1, not 1.5", timeout=STEP_MS)
        _shot(page, "app-errors", ".kalib-app")
        field.fill("0.4")
        field.press("Enter")
        expect(tool.locator(".probe-shown")).to_have_text("40%", timeout=STEP_MS)
        expect(tool.locator(".kalib-error")).to_have_count(0)  # cleared by the next good input
    finally:
        page.context.close()


def test_app_stops_on_ctrl_c(app):
    """Ctrl-C stops kalib app, its Voilà server and the kernels it started, and says so."""
    from kalib.app.server import descendants, port_is_free

    children = descendants(app.proc.pid)
    assert children, "kalib app should be running Voilà"
    port = int(re.search(r":(\d+)/", app.url).group(1))
    os.kill(app.proc.pid, signal.SIGINT)
    assert app.proc.wait(30) == 0, app.output()
    assert "stopped" in app.output()
    alive = [p for p in children if Path(f"/proc/{p}").exists() and "zombie" not in _state(p)]
    assert not alive, f"still running after Ctrl-C: {alive}"
    assert port_is_free(port)  # nothing listens any more


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


# ---------------------------------------------------------------------------
# The course in JupyterLab
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lab_page(lab, browser):
    page = _new_page(browser, height=1100)
    yield page
    page.context.close()


def _active(selector: str) -> str:
    return f".jp-NotebookPanel:not(.lm-mod-hidden) {selector}"


def test_course_start_page_opens_in_jupyterlab(lab, lab_page, _servers):
    assert (_servers["course"] / "00.00-start.ipynb").exists(), "notebooks/00.00-start.ipynb is missing"
    page = lab_page
    page.goto(lab.url + "lab/tree/00.00-start.ipynb")
    page.wait_for_selector(_active(".jp-MarkdownOutput h1"), timeout=START_TIMEOUT * 1000)
    assert "00.00" in page.inner_text(_active(".jp-MarkdownOutput h1"))
    links = page.locator(_active(".jp-MarkdownOutput a[href*='.ipynb']"))
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert any("00.01-health-check.ipynb" in h for h in hrefs), hrefs
    _shot(page, "lab-start")


def test_health_check_notebook_runs_in_jupyterlab(lab, lab_page, _servers):
    from playwright.sync_api import expect

    nb_path = _servers["course"] / "00.01-health-check.ipynb"
    assert nb_path.exists(), "notebooks/00.01-health-check.ipynb is missing"
    n_code = sum(c["cell_type"] == "code" for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"])
    page = lab_page
    link = page.locator(_active(".jp-MarkdownOutput a[href*='00.01-health-check.ipynb']"))
    if "lab/tree/00.00-start" in page.url and link.count():
        link.first.click()  # from the start page, as a trainee would
    else:
        page.goto(lab.url + "lab/tree/00.01-health-check.ipynb")
    page.wait_for_selector(".lm-TabBar-tab.lm-mod-current:has-text('00.01-health-check')",
                           timeout=START_TIMEOUT * 1000)
    page.wait_for_selector(_active(".jp-Notebook-ExecutionIndicator[data-status='idle']"),
                           timeout=START_TIMEOUT * 1000)
    # A trainee first sees the lesson without code: every code cell but the parameters cell is collapsed.
    hidden = page.locator(_active(".jp-CodeCell .jp-InputPlaceholder"))
    n_shown = sum(c["cell_type"] == "code" and not c.get("metadata", {}).get("jupyter", {}).get("source_hidden")
                  for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"])
    expect(hidden).to_have_count(n_code - n_shown, timeout=STEP_MS)
    _shot(page, "lab-health-check-as-a-trainee-sees-it")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # The code shown again (View › Expand All Code), so that each cell's execution count can be read.
    page.get_by_role("menuitem", name="View", exact=True).click()
    page.get_by_role("menuitem", name="Expand All Code", exact=True).click()

    prompts = page.locator(_active(".jp-CodeCell .jp-InputArea .jp-InputPrompt"))

    def all_ran():
        texts = prompts.all_inner_texts()
        return len(texts) == n_code and all(re.fullmatch(r"\[\d+\]:", t.strip()) for t in texts)

    _wait_for(all_ran, START_TIMEOUT, "every cell of 00.01-health-check to run", LOGS / "jupyterlab.log")
    stderr = page.locator(_active(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"))
    errors = [t for t in stderr.all_inner_texts() if "Traceback" in t or "Error" in t.split("\n")[0]]
    assert not errors, errors[0][:2000]
    pictures = page.locator(_active(".jp-OutputArea-output img"))
    assert pictures.count() >= 1  # the scorecard picture
    panel = page.locator(_active(".kalib-health-panel")).first
    panel.wait_for(timeout=STEP_MS)  # the live health check
    assert panel.locator(".kalib-scorecard tr[data-key='win_rate']").count() == 1
    pictures.first.scroll_into_view_if_needed()
    _shot(page, "lab-health-check-scorecard")
    panel.scroll_into_view_if_needed()
    _shot(page, "lab-health-check-live")


# ---------------------------------------------------------------------------
# 03.00's sliders: every readout in view
# ---------------------------------------------------------------------------
_CLIPPED_JS = """(panel) => {
    // Each slider's label and readout: whole inside the panel and the window, not cut by an ellipsis, and
    // on top at both ends (nothing covers them).
    const box = panel.getBoundingClientRect();
    const out = [];
    for (const s of panel.querySelectorAll('.widget-slider')) {
        for (const sel of ['.widget-label', '.widget-readout']) {
            const e = s.querySelector(sel);
            if (!e) { out.push({sel, text: s.innerText, clipped: true}); continue; }
            // into view vertically only: a person does not scroll a panel sideways to find a value
            const lefts = [];
            for (let a = e.parentElement; a; a = a.parentElement) { lefts.push([a, a.scrollLeft]); }
            e.scrollIntoView({block: 'center', inline: 'nearest'});
            for (const [a, x] of lefts) { a.scrollLeft = x; }
            const b = e.getBoundingClientRect();
            const y = b.top + b.height / 2;
            const mine = (x) => { const hit = document.elementFromPoint(x, y); return !!hit && (hit === e || e.contains(hit)); };
            const clipped = b.width < 16 || b.left < Math.max(box.left, 0) - 1 || b.right > Math.min(box.right, window.innerWidth) + 1
                || e.scrollWidth > e.clientWidth + 1 || !mine(b.left + 3) || !mine(b.right - 3);
            out.push({sel, text: e.innerText, clipped});
        }
    }
    return out;
}"""


def test_winrate_slider_readouts_are_never_clipped(app_page, client):
    page = app_page
    _open_tab(page, "赢率模型")
    panel = page.locator(".kalib-winrate-panel").first
    panel.wait_for(timeout=STEP_MS)
    size = page.viewport_size
    # As narrow as a notebook's output area in JupyterLab with its file browser open (03.00).
    page.set_viewport_size({"width": 800, "height": size["height"]})
    try:
        _settle(page)
        readouts = panel.evaluate(_CLIPPED_JS)
        n_stages = sum(s["status"] == "open" for s in client.config.stages() if s.get("step") is not None)
        assert len(readouts) >= 2 * n_stages and not [r for r in readouts if r["clipped"]], readouts
        # "100" is the widest value: typed into the first slider it is kept, and still in view
        row = panel.locator(".widget-slider").first
        _type_into_slider(page, row, "100")
        _settle(page)
        assert row.locator(".widget-readout").inner_text().strip() == "100"
        assert not [r for r in panel.evaluate(_CLIPPED_JS) if r["clipped"]]
        _shot(page, "app-winrate-readouts-narrow", ".kalib-winrate-panel")
    finally:
        page.set_viewport_size(size)


# ---------------------------------------------------------------------------
# One's own deal in JupyterLab: an exercise wrong → hint → right, then the printed review
# ---------------------------------------------------------------------------
def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def test_my_deal_notebook_exercise_and_printed_review(lab, lab_page, browser, _servers):
    import datetime as dt

    from playwright.sync_api import expect

    from kalib.config import default_config
    from kalib.deals import FACTOR_NAMES, evaluate_deal

    name = "02.02-my-deal.ipynb"
    assert (_servers["course"] / name).exists(), f"notebooks/{name} is missing"
    page = lab_page
    page.goto(lab.url + "lab/tree/" + name)
    page.wait_for_selector(".lm-TabBar-tab.lm-mod-current:has-text('02.02-my-deal')", timeout=START_TIMEOUT * 1000)
    page.wait_for_selector(_active(".jp-Notebook-ExecutionIndicator[data-status='idle']"), timeout=START_TIMEOUT * 1000)
    _shot(page, "lab-my-deal-as-a-trainee-sees-it")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    panel = page.locator(_active(".kalib-my-deal")).first
    panel.wait_for(timeout=START_TIMEOUT * 1000)

    # -- the exercise: wrong (no weight) → the hint names the mistake → right ------------------
    cfg = default_config().section("deals")
    w = {k: float(v["weight"]) for k, v in cfg["factors"].items()}
    right = 100 * w["power_map"] / sum(w.values()) * (cfg["go_nogo"]["action_target"] - 2) / (
        cfg["scale"]["max"] - cfg["scale"]["min"])
    ex = page.locator(_active(".widget-vbox")).filter(
        has=page.locator(".kalib-exercise", has_text="提到 4 分")).last
    ex.wait_for(timeout=START_TIMEOUT * 1000)
    ex.scroll_into_view_if_needed()
    answer = ex.locator("input[type='text']").first
    feedback = ex.locator(".kalib-feedback")
    answer.fill("50")
    ex.get_by_role("button", name="检查").click()
    expect(feedback).to_contain_text("没有乘权重", timeout=STEP_MS)
    assert "✗" in feedback.inner_text()
    _shot(page, "lab-my-deal-exercise-hint", _active(".jp-Cell:has(.kalib-exercise:has-text('提到 4 分'))"))
    answer.fill(f"{right:.1f}")
    ex.get_by_role("button", name="检查").click()
    expect(feedback).to_contain_text("正确", timeout=STEP_MS)
    _shot(page, "lab-my-deal-exercise-right", _active(".jp-Cell:has(.kalib-exercise:has-text('提到 4 分'))"))

    # -- one's own deal, typed in as a trainee does ----------------------------------------
    panel.scroll_into_view_if_needed()
    texts = panel.locator("input[type='text']")
    texts.nth(0).fill("烟台测试机床有限公司")
    texts.nth(1).fill("二期产线改造")
    texts.nth(2).fill("王芳")
    amount = panel.locator("input[type='number']").first
    amount.fill("350")
    amount.press("Enter")
    panel.locator("select").nth(1).select_option(index=[s["key"] for s in default_config().stages()
                                                       if s["status"] == "open" and s.get("step") is not None]
                                                 .index("solution") + 1)
    scores = {"process": 4, "buying_factors": 3, "pricing": 3, "power_map": 3, "decision_style": 3, "theme": 4,
              "negotiation": 3, "efficiency": 3, "qualification": 4}
    for k, v in scores.items():
        row = panel.locator(".widget-slider").filter(has_text=FACTOR_NAMES[k][0]).first
        _type_into_slider(page, row, str(v))
    panel.locator(".lm-TabBar-tab", has_text="决策权力图").first.click()
    people = [("张总", "决策者"), ("李工", "评估者"), ("赵经理", "教练")]
    for i, (who, role) in enumerate(people):
        panel.get_by_role("button", name="添加决策人").click()
        rows = panel.locator("input[placeholder='姓名']")
        expect(rows).to_have_count(i + 1, timeout=STEP_MS)
        rows.nth(i).fill(who)
        rows.nth(i).press("Tab")
        panel.locator(".widget-hbox:has(input[placeholder='姓名'])").nth(i).locator("select").first.select_option(
            label=role)
    _settle(page)
    roles = {"决策者": "decision_maker", "评估者": "evaluator", "教练": "coach"}
    expected = evaluate_deal(scores, [{"person": p, "role": roles[r], "met": False} for p, r in people],
                             stage="solution")
    verdict = panel.locator(".kalib-verdict")
    expect(verdict).to_contain_text(VERDICT_ZH[expected.verdict], timeout=STEP_MS)
    expect(verdict).to_contain_text(f"{score_text(expected.score)}/100", timeout=STEP_MS)
    # every person typed in reached the review: the power-map checks read as for the three people
    for check in expected.power_map.checks.values():
        expect(panel).to_contain_text(check.text("zh"), timeout=STEP_MS)
    _shot(page, "lab-my-deal-filled-in", _active(".kalib-my-deal"))

    panel.get_by_role("button", name=re.compile("保存评审单")).click()
    expect(panel).to_contain_text("评审单已保存", timeout=120_000)
    folder = _servers["course"] / "my-deals"
    stem = f"deal-review-{dt.date.today()}"
    for lang in ("zh", "en"):
        html_path, pdf_path = folder / f"{stem}-{lang}.html", folder / f"{stem}-{lang}.pdf"
        assert html_path.exists() and pdf_path.exists(), sorted(folder.iterdir())
        assert _pdf_pages(pdf_path) == 1
        text = html_path.read_text(encoding="utf-8")
        assert "烟台测试机床有限公司" in text and "王芳" in text
        assert all(f"<td>{who}</td>" in text for who, _ in people)
        # the printed page, as a picture (A4 at 96 dpi)
        sheet = browser.new_context(viewport={"width": 794, "height": 1123}).new_page()
        try:
            sheet.goto(html_path.as_uri())
            sheet.screenshot(path=str(SHOTS / f"deal-review-{lang}.png"), full_page=True)
        finally:
            sheet.context.close()


# ---------------------------------------------------------------------------
# 02.01's judgements: a choice gets its reasoning
# ---------------------------------------------------------------------------
@pytest.mark.xfail(reason="02.01 now runs its full deal review before the first judgement shows; in JupyterLab on 2 busy cores this exceeds the test's wait (under investigation)", strict=False)
def test_judgement_gives_its_reasoning_in_jupyterlab(lab, lab_page, _servers):
    """Run 02.01, choose a wrong answer in the judgement 'is the deal led by the customer?' and press Check:
    the feedback is that option's reasoning, computed here from the demo's data."""
    import html

    from playwright.sync_api import expect

    import kalib
    import kalib.exercises as E

    demo = kalib.load_client("demo")  # what the notebook's parameters name
    ex = E.get("02.01-led-by-customer")
    answer = ex.answer_for(demo)
    key, label_zh = next((o[0], o[1]) for o in ex.options_for(demo) if o[0] != answer)
    why = ex.why(key, demo, "zh")
    page = lab_page
    page.goto(lab.url + "lab/tree/02.01-how-to-sell.ipynb", timeout=START_TIMEOUT * 1000)
    page.wait_for_selector(_active(".jp-Notebook-ExecutionIndicator[data-status='idle']"), timeout=START_TIMEOUT * 1000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    question = ex.question(demo, "zh")
    panels = page.locator(".widget-vbox:has(> .widget-html .kalib-exercise)", has_text=question)
    _wait_for(lambda: panels.count() > 0, START_TIMEOUT, "02.01's first judgement to show", LOGS / "jupyterlab.log")
    panel = panels.first
    panel.scroll_into_view_if_needed()
    assert ex.case(demo, "zh")[:20] in html.unescape(panel.inner_text())  # the case is stated from the data
    panel.locator(".widget-radio-box label", has_text=label_zh).first.click()
    panel.get_by_role("button", name="检查").click()
    expect(panel).to_contain_text("还不对。", timeout=STEP_MS)
    expect(panel).to_contain_text(why[:40], timeout=STEP_MS)
    panel.scroll_into_view_if_needed()
    _settle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab-judgement-02.01-led-by-customer.png"))  # the notebook, as a trainee sees it
    panel.screenshot(path=str(SHOTS / "lab-judgement-02.01-led-by-customer-panel.png"))
