"""``kalib app`` answers only its own page on this computer: a token, and no other ``Host`` than a loopback name.

A web page can make its own name resolve to 127.0.0.1 (DNS rebinding) and then
send requests that carry ``Host: attacker.example:PORT`` and, for websockets,
``Origin: http://attacker.example:PORT``. These tests start the real command on
the demo and send such requests, with and without the token, next to the
legitimate ones (the page in a real browser is checked in ``test_browser.py``).
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

START_TIMEOUT = 180  # s, on a busy two-core machine
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class _App:
    def __init__(self, tmp: Path):
        from kalib.app.server import free_port

        self.log = tmp / "kalib-app.out"
        self._out = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kalib", "app", "demo", "--no-browser", "--port", str(free_port())],
            stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            out = self.log.read_text(encoding="utf-8", errors="replace")
            m = re.search(r"Open (http://\S+) in your browser", out)
            if m:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"kalib app did not print its address:\n{out}")
            time.sleep(0.2)
        self.url = m.group(1)
        parts = urlsplit(self.url)
        self.port = parts.port
        self.token = parse_qs(parts.query).get("token", [""])[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._out.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    a = _App(tmp_path_factory.mktemp("app-security"))
    yield a
    a.stop()


def _get(app: _App, path: str, host: str | None = None) -> tuple[int, dict, str, str]:
    """GET ``path``; (status, headers, body, cookies to send back)."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=START_TIMEOUT)
    conn.request("GET", path, headers={"Host": host} if host else {})
    r = conn.getresponse()
    body = r.read().decode("utf-8", errors="replace")
    cookies = "; ".join(v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie")
    conn.close()
    return r.status, dict(r.getheaders()), body, cookies


@pytest.fixture(scope="module")
def session(app):
    """The page as the person's browser gets it with the printed address: its kernel id and cookies."""
    status, _, body, cookies = _get(app, f"/?token={app.token}")
    assert status == 200, body[:2000]
    kernels = set(re.findall(UUID, body))
    assert len(kernels) == 1, kernels
    return kernels.pop(), cookies


def _websocket(app: _App, kernel: str, headers: dict, query: str = "") -> str:
    """Open the kernel's websocket: "open", or the error the server answered with."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def go():
        url = f"ws://127.0.0.1:{app.port}/api/kernels/{kernel}/channels{query}"
        try:
            conn = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=60))
        except Exception as exc:  # tornado raises HTTPClientError(403) for a refused handshake
            return f"refused: {exc}"
        conn.close()
        return "open"

    return asyncio.run(go())


def test_the_printed_address_holds_a_random_token(app):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", app.url), app.url
    out = app.log.read_text(encoding="utf-8")
    assert f"{app.url}&tool=deals" in out  # the one-tool addresses carry it too


def test_the_page_answers_with_the_token(app, session):
    status, _, body, _ = _get(app, f"/?token={app.token}")
    assert status == 200 and "kalib" in body


def test_no_token_or_a_wrong_one_gets_no_page(app, session):
    for path in ("/", "/?tool=deals", "/?token=" + "x" * 32):
        status, headers, body, _ = _get(app, path)
        assert status in (302, 403), (path, status)
        assert not re.search(UUID, body)  # no kernel, no page
        if status == 302:
            assert headers["Location"].startswith("/login")


def test_a_rebound_host_is_refused_even_with_the_token(app, session):
    for host in (f"attacker.example:{app.port}", "attacker.example", f"127.0.0.1.nip.io:{app.port}"):
        status, _, body, _ = _get(app, f"/?token={app.token}", host=host)
        assert status == 403, (host, status)
        assert not re.search(UUID, body)
    for host in (f"localhost:{app.port}", f"127.0.0.1:{app.port}"):  # this computer's names are answered
        status, _, _, _ = _get(app, f"/?token={app.token}", host=host)
        assert status == 200, host


def test_the_kernel_websocket_opens_only_for_the_page_itself(app, session):
    kernel, cookies = session
    here = f"127.0.0.1:{app.port}"
    attacker = f"attacker.example:{app.port}"
    # the page's own websocket (what the browser opens): cookie from the token, same origin
    assert _websocket(app, kernel, {"Cookie": cookies, "Origin": f"http://{here}"}) == "open"
    # a page elsewhere: foreign Origin, even with the person's cookie
    assert "403" in _websocket(app, kernel, {"Cookie": cookies, "Origin": "http://attacker.example"})
    # DNS rebinding: Host and Origin agree on the attacker's name, with or without the token
    assert "403" in _websocket(app, kernel, {"Host": attacker, "Origin": f"http://{attacker}"})
    assert "403" in _websocket(app, kernel, {"Host": attacker, "Origin": f"http://{attacker}"},
                               f"?token={app.token}")
    # no token, no cookie
    assert "403" in _websocket(app, kernel, {"Origin": f"http://{here}"})


def test_the_token_file_does_not_outlive_the_start(app, session):
    """The settings holding the token are deleted once the server has read them."""
    import tempfile

    left = [p for p in Path(tempfile.gettempdir()).glob("kalib-app-*") if p.is_dir()
            and (p / "voila.json").exists() and app.token in (p / "voila.json").read_text()]
    assert not left
