"""``kalib app [CLIENT]``: serve the three live tools as a web page (Voilà) on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import webbrowser
from pathlib import Path

from ._common import lang_of, load_from_args

NAME = "app"
HELP = "serve the live tools (health check, win-rate model, deal evaluation) as a web page"
DESCRIPTION = (
    "Serve the three live tools (健康检查 health check, 赢率模型 win-rate model, 销售机会评估 deal "
    "evaluation) as one web page with no code showing, on this computer only (127.0.0.1), "
    "behind a key that is part of the address it prints. "
    "Stop with Ctrl-C."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..app.server import DEFAULT_PORT

    p.add_argument("client", metavar="CLIENT", nargs="?", default="demo",
                   help="client folder, .xlsx workbook, or 'demo' (default: demo)")
    p.add_argument("--as-of", metavar="DATE", help="analyse as of this date (default: latest date in the data)")
    p.add_argument("--period", metavar="PERIOD", help="analysis period, e.g. 2024, 2024-Q3 (default: the client's)")
    p.add_argument("--industry", choices=["manufacturing", "services"],
                   help="industry whose lines apply (default: client.yml's)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="language of the page (default: client.yml's, else zh)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to serve on (default: {DEFAULT_PORT}; another free port when it is busy)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")


def _client_source(text: str) -> str:
    """The client as the page's kernel should load it: 'demo' (as the loader reads it), else an absolute path
    (the kernel runs in another folder)."""
    if text == "demo":
        return text
    return str(Path(text).expanduser().resolve())


def _open_browser(url: str) -> None:
    """Open ``url`` in the person's browser, if there is a screen to show it on (never a text browser)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return
    try:
        webbrowser.open(url)
    except Exception:  # the address is printed; opening it is a convenience
        pass


def run(args: argparse.Namespace) -> int:
    from ..app.server import ServerError, port_is_free, start_app

    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, not {args.port}")
    settings = {"client": _client_source(args.client)}
    for key in ("lang", "period", "industry", "as_of"):  # lang: default the client's, decided by the page
        if getattr(args, key, None):
            settings[key] = getattr(args, key)

    if not port_is_free(args.port):
        print(f"Port {args.port} is busy; using another free port.", flush=True)
    fd, log_name = tempfile.mkstemp(prefix="kalib-app-", suffix=".log")
    os.close(fd)
    log = Path(log_name)

    def check_client() -> None:
        # Load the client while Voilà starts: a bad client stops everything with a plain message (exit 2).
        client = load_from_args(args)
        print(f"Starting the live tools for {client.name} ({lang_of(args, client)}) ...", flush=True)

    # Stop cleanly on Ctrl-C and on SIGTERM alike.
    def _term(signum, frame):
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    try:
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _term)
        # Ctrl-C stops the server even when this process was started with SIGINT ignored (e.g. `cmd &`).
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread: Ctrl-C handling is the caller's
        pass
    server = None
    try:
        try:
            server = start_app(settings, port=args.port, log_path=log, while_starting=check_client)
        except ServerError as exc:
            print(f"kalib app: the server did not start: {exc}\n(log: {log})", file=sys.stderr)
            return 1
        except Exception:  # the client could not be loaded: nothing worth keeping in the log
            log.unlink(missing_ok=True)
            raise
        url = server.url
        print(f"\n  Open {url} in your browser.\n  请在浏览器中打开 {url}\n", flush=True)
        print("  One tool per page 单个工具: "
              + "  ".join(server.page_url(tool=k) for k in ("health", "winrate", "deals")))
        print("  The address holds a key only for you: do not share it. 地址中含有访问密钥，请勿分享。")
        print(f"  Server log 日志: {log}")
        print("  Press Ctrl-C to stop. 按 Ctrl-C 停止。\n", flush=True)
        if not args.no_browser:
            _open_browser(url)
        while server.running():
            time.sleep(0.5)
        print(f"kalib app: the server stopped unexpectedly (exit code {server.process.returncode}).\n"
              f"{server.log_tail()}\n(log: {log})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping the live tools ... ", end="", flush=True)
        if server is not None:
            server.stop()
        log.unlink(missing_ok=True)  # a clean stop: the log is only kept when something went wrong
        print("stopped.", flush=True)
        return 0
    finally:
        if server is not None and server.running():
            server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
