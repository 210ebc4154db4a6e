"""The live tools page without a browser: settings, page building, errors shown, servers, ``kalib app``.

The page in a real browser is tested in ``tests/test_browser.py``.
"""

from __future__ import annotations

import html
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import kalib.app as app
from kalib.app import server


def _fake_tool_module(tmp_path, monkeypatch, body: str, name: str = "fake_tools_for_app") -> str:
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
def test_settings_come_from_the_environment_as_json():
    weird = "/data/客户 数据 'A&B\"; rm -rf /"
    env = {server.ENV_SETTINGS: json.dumps({"client": weird, "lang": "en", "period": "2024"}, ensure_ascii=False)}
    s = app.read_settings(env)
    assert s == {"client": weird, "lang": "en", "period": "2024", "tool": None}


def test_browser_may_choose_tool_and_language_but_never_the_client():
    env = {server.ENV_SETTINGS: json.dumps({"client": "/srv/a"}),
           "QUERY_STRING": "tool=winrate&lang=en&client=/etc/passwd"}
    assert app.read_settings(env) == {"client": "/srv/a", "lang": "en", "tool": "winrate"}
    # Unknown values are ignored, not obeyed.
    assert app.read_settings({"QUERY_STRING": "tool=../../x&lang=fr"}) == {"client": "demo", "lang": None, "tool": None}


def test_settings_that_are_not_an_object_are_refused():
    with pytest.raises(ValueError, match="JSON object"):
        app.read_settings({server.ENV_SETTINGS: "[1, 2]"})


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def test_page_has_one_tab_per_tool_in_order(demo_client):
    page = app.build_app(demo_client, "zh")
    assert list(page.tools) == ["health", "winrate", "deals"]
    assert page.tabs.titles == ("健康检查", "赢率模型", "销售机会评估")
    assert page.error_area.value == ""
    assert demo_client.name in page.children[0].value
    for key, panel in page.tools.items():
        assert f"kalib-tool-{key}" in panel._dom_classes
        assert "kalib-error" not in getattr(panel, "value", "")  # a real panel, not an error box


def test_one_tool_alone_has_no_tabs(demo_client):
    page = app.build_app(demo_client, "en", tools=["deals"])
    assert page.tabs is None and list(page.tools) == ["deals"]
    assert page.children[2] is page.tools["deals"]
    assert "Client:" in page.children[0].value


def test_unknown_tool_and_language_are_refused(demo_client):
    with pytest.raises(ValueError, match="unknown tool 'nope'"):
        app.build_app(demo_client, "zh", tools=["nope"])
    with pytest.raises(ValueError, match="lang"):
        app.build_app(demo_client, "fr")


def test_a_client_that_cannot_be_loaded_is_reported_in_the_page(tmp_path):
    missing = tmp_path / "没有 这个客户"
    page = app.build_app(str(missing), "en")
    shown = html.unescape(page.error_area.value)
    assert "Could not load the client's data" in shown and "没有 这个客户" in shown
    # The health check needs no client (a self-assessment); the other two say why they are missing.
    assert "kalib-error" not in getattr(page.tools["health"], "value", "")
    for key in ("winrate", "deals"):
        assert "needs the client's data" in html.unescape(page.tools[key].value)


def test_a_tool_that_fails_to_build_shows_its_error_where_it_would_be(tmp_path, monkeypatch, demo_client):
    mod = _fake_tool_module(tmp_path, monkeypatch, "def broken(client, lang='zh'):\n"
                                                   "    raise ValueError('the pipeline has no stages <b>')\n")
    monkeypatch.setattr(app, "TOOLS", (*app.TOOLS, app.Tool("broken", mod, "broken", "坏", "Broken")))
    page = app.build_app(demo_client, "en", tools=["broken"])
    box = page.tools["broken"].value
    assert 'class="kalib-error"' in box and "the pipeline has no stages &lt;b&gt;" in box  # escaped
    assert "Traceback" in box  # details, folded
    assert page.error_area.value == ""  # the page itself is fine


def test_a_tool_whose_module_is_missing_says_so(monkeypatch, demo_client):
    monkeypatch.setattr(app, "TOOLS", (app.Tool("gone", "kalib.widgets.not_there", "panel", "无", "Gone"),))
    page = app.build_app(demo_client, "en")
    assert "This tool is not available (kalib.widgets.not_there.panel)" in page.tools["gone"].value


def test_app_from_environment_builds_the_page_it_is_told(monkeypatch, tmp_path, demo_client):
    monkeypatch.setattr(app, "_load", lambda settings: demo_client)
    env = {server.ENV_SETTINGS: json.dumps({"client": str(tmp_path / "客户 A"), "lang": "en"}, ensure_ascii=False),
           "QUERY_STRING": "tool=health"}
    page = app.app_from_environment(env)
    try:
        assert list(page.tools) == ["health"] and "Client:" in page.children[0].value
    finally:
        page.stop_catching()


# ---------------------------------------------------------------------------
# Errors raised while the page is used
# ---------------------------------------------------------------------------
class _Shell:
    def __init__(self):
        self.shown = 0

    def showtraceback(self, exc_tuple=None, *args, **kwargs):
        self.shown += 1


def test_errors_outside_a_guard_appear_in_the_page_area():
    import ipywidgets as w

    area = w.HTML("")
    shell = _Shell()
    undo = app.show_errors_in(area, lang="en", shell=shell)
    try:
        # ipywidgets calls shell.showtraceback() when a button's callback raises
        try:
            raise RuntimeError("the button's callback failed")
        except RuntimeError:
            shell.showtraceback()
        assert shell.shown == 1  # the usual traceback still goes to the log
        assert "the button's callback failed" in html.unescape(area.value) and "Traceback" in area.value
        # the kernel's comm manager logs an observer that raised
        try:
            raise ValueError("an observer failed")
        except ValueError:
            logging.getLogger("Comm").error("Exception in comm_msg for %s", "abc", exc_info=True)
        assert area.value.count('class="kalib-error"') == 2 and "an observer failed" in area.value
        # at most the five latest are kept; a cleared area starts afresh
        for i in range(7):
            logging.getLogger("Comm").error("problem %d", i)
        assert area.value.count('class="kalib-error"') == 5 and "problem 6" in area.value
        area.value = ""
        logging.getLogger("Comm").error("after clearing")
        assert area.value.count('class="kalib-error"') == 1
    finally:
        undo()
    before = area.value
    logging.getLogger("Comm").error("after undo")
    assert area.value == before and shell.showtraceback.__func__ is _Shell.showtraceback


def test_guarded_errors_stay_in_the_tool_area():
    import ipywidgets as w

    from kalib.widgets import error_area, guarded

    area, page_area = error_area(), w.HTML("")
    undo = app.show_errors_in(page_area, shell=_Shell())
    try:
        def bad(_=None):
            raise ValueError("a win rate is between 0 and 1")

        guarded(area, bad)()
        assert "a win rate is between 0 and 1" in area.value and page_area.value == ""
    finally:
        undo()


# ---------------------------------------------------------------------------
# The served notebook
# ---------------------------------------------------------------------------
def test_app_notebook_is_shipped_stripped_and_thin():
    nb = nbformat.read(app.NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1 and "app_from_environment()" in code[0].source
    assert not code[0].outputs and code[0].execution_count is None
    assert nb.metadata.kernelspec.name == "python3"


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------
def test_free_port_prefers_the_given_port_and_avoids_a_busy_one():
    with socket.socket() as busy:
        busy.bind((server.HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not server.port_is_free(port)
        other = server.free_port(port)
        assert other != port and server.port_is_free(other)
    assert server.free_port(port) == port


def test_commands_listen_on_loopback_only():
    v = server.voila_command("app.ipynb", 8866)
    assert "--Voila.ip=127.0.0.1" in v and "--no-browser" in v and "--port=8866" in v
    lab = server.lab_command("/tmp/x y", 8888)
    assert "--ServerApp.ip=127.0.0.1" in lab and "--ServerApp.root_dir=/tmp/x y" in lab


def test_server_starts_and_stops_with_its_children(tmp_path):
    port = server.free_port()
    # a tiny server that starts a child of its own, as Voilà starts kernels
    script = ("import http.server, subprocess, sys\n"
              "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              f"http.server.HTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler).serve_forever()\n")
    srv = server.launch("test server", [sys.executable, "-c", script], port, cwd=tmp_path,
                        log_path=tmp_path / "log.txt")
    with srv:
        srv.wait_until_up(30)
        assert srv.running() and srv.url == f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 10
        while not server.descendants(srv.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        children = server.descendants(srv.process.pid)
        assert children
    assert not srv.running()
    time.sleep(0.2)
    assert all(not Path(f"/proc/{p}").exists() or "Z" in Path(f"/proc/{p}/stat").read_text().split()[2]
               for p in children)
    assert server.port_is_free(port)


def test_a_server_that_exits_at_once_is_reported_with_its_log(tmp_path):
    port = server.free_port()
    srv = server.launch("broken server", [sys.executable, "-c", "print('no such option: --bad'); raise SystemExit(3)"],
                        port, log_path=tmp_path / "log.txt")
    with pytest.raises(server.ServerError, match=r"(?s)exit code 3.*no such option"):
        srv.wait_until_up(30)
    srv.stop()


# ---------------------------------------------------------------------------
# kalib app
# ---------------------------------------------------------------------------
def test_kalib_app_refuses_a_missing_client_before_starting_anything(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kalib", "app", str(tmp_path / "nowhere"), "--no-browser"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "nowhere" in r.stderr and "Traceback" not in r.stderr
    assert "Open http" not in r.stdout


def test_kalib_app_help_names_its_options():
    r = subprocess.run([sys.executable, "-m", "kalib", "app", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    for opt in ("--lang", "--port", "--no-browser", "CLIENT"):
        assert opt in r.stdout
