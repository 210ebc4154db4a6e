"""Start and stop the local web servers the live tools run in (Voilà, JupyterLab).

A :class:`Server` is a child process listening on 127.0.0.1 in a process group
of its own, so that :meth:`Server.stop` ends the server and every process it
started (kernels included), whether it is called on Ctrl-C or by a test.

>>> port = free_port()
>>> 1024 < port < 65536 and port_is_free(port)
True
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

__all__ = [
    "HOST",
    "DEFAULT_PORT",
    "LOCAL_HOSTNAMES",
    "ENV_SETTINGS",
    "Server",
    "ServerError",
    "free_port",
    "port_is_free",
    "descendants",
    "launch",
    "voila_command",
    "write_voila_config",
    "lab_command",
    "start_app",
]

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
#: Host names (besides loopback IP addresses) a request may name in its ``Host`` header. Any other name is
#: refused, so a web page whose name was made to resolve to 127.0.0.1 (DNS rebinding) cannot read the app.
LOCAL_HOSTNAMES = ("localhost",)
#: Environment variable through which ``kalib app`` hands its settings (JSON) to the app notebook.
ENV_SETTINGS = "KALIB_APP_SETTINGS"

# Log lines of the kernel and server that say nothing to a person using the tools.
_NOISE = ("Kernel is running over TCP without encryption", "is not a valid JSON or could not be read")


class ServerError(RuntimeError):
    """A server did not start; the message ends with the last lines of its log."""


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        if os.name == "posix":  # as servers bind: a port in TIME_WAIT after a server stopped is free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None, host: str = HOST) -> int:
    """``preferred`` when it is free, else a port the system reports free."""
    if preferred and port_is_free(preferred, host):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _listening(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def descendants(pid: int) -> list[int]:
    """Process ids started by ``pid`` (children, grandchildren...), on any platform (psutil); empty when it is gone."""
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


@dataclass
class Server:
    """A server started by :func:`launch`; stop it with :meth:`stop` (or use it as a context manager)."""

    name: str
    process: subprocess.Popen
    port: int
    host: str = HOST
    log_path: Path | None = None
    token: str = field(default="", repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _private_dir: Path | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The address to open in a browser: ``http://HOST:PORT/``, followed by ``?token=...`` when it has one."""
        return self.page_url()

    def page_url(self, **query: str) -> str:
        """The address of the page with ``query`` (e.g. ``tool="deals"``) and the token, if any."""
        params = {"token": self.token} if self.token else {}
        params.update(query)
        return f"http://{self.host}:{self.port}/" + (f"?{urlencode(params)}" if params else "")

    def forget_private_files(self) -> None:
        """Delete the settings written for the server (they hold its token); it has read them once started."""
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote (empty when it logs to the terminal)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(line for line in text[-lines:] if not any(n in line for n in _NOISE))

    def wait_until_up(self, timeout: float = 60.0) -> "Server":
        """Block until the server accepts connections; raise :class:`ServerError` if it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ServerError(f"{self.name} stopped while starting (exit code {self.process.returncode}).\n"
                                  f"{self.log_tail()}")
            if _listening(self.port, self.host):
                return self
            time.sleep(0.1)
        self.stop()
        raise ServerError(f"{self.name} did not answer on {self.url} within {timeout:.0f} s.\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """End the server and everything it started: SIGTERM first (kernels shut down), then SIGKILL."""
        pid = self.process.pid
        stragglers = descendants(pid)
        if self.running():
            try:
                if os.name == "posix":
                    os.killpg(pid, signal.SIGTERM)
                else:  # pragma: no cover - Windows
                    self.process.terminate()
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    if os.name == "posix":
                        os.killpg(pid, signal.SIGKILL)
                    else:  # pragma: no cover
                        self.process.kill()
                except ProcessLookupError:
                    pass
                self.process.wait(5)
        # Kernels run in sessions of their own; end any that outlived the server.
        import psutil

        for p in stragglers:
            try:
                psutil.Process(p).kill()
            except psutil.Error:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
        self.forget_private_files()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def launch(name: str, cmd: Sequence[str], port: int, *, env: Mapping[str, str] | None = None,
           cwd: str | os.PathLike | None = None, log_path: str | os.PathLike | None = None,
           host: str = HOST, token: str = "", private_dir: str | os.PathLike | None = None) -> Server:
    """Start ``cmd`` (a server that will listen on ``port``) in a process group of its own.

    Output goes to ``log_path`` when given, else to this terminal. The server is
    not yet answering when this returns: call :meth:`Server.wait_until_up`.
    ``token`` is the one the server asks for (it goes into :attr:`Server.url`);
    ``private_dir`` is a folder of settings deleted by :meth:`Server.stop`.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    log = None
    if log_path is not None:
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "wb")
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    proc = subprocess.Popen(list(cmd), env=full_env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=log if log else None, stderr=subprocess.STDOUT if log else None, **kwargs)
    return Server(name=name, process=proc, port=port, host=host, token=token,
                  log_path=Path(log_path) if log_path else None, _log=log,
                  _private_dir=Path(private_dir) if private_dir else None)


def write_voila_config(folder: str | os.PathLike, token: str) -> Path:
    """Write ``voila.json`` into ``folder``: ask for ``token``, answer only requests addressed to this computer.

    The token keeps out other pages and programs; the ``Host`` check
    (:data:`LOCAL_HOSTNAMES` and loopback addresses, as Jupyter's own
    ``allow_remote_access=False``) refuses a request whose address was
    rebound to 127.0.0.1, and with it that page's websockets. The folder
    should be private (:func:`tempfile.mkdtemp`): the file holds the token.
    """
    path = Path(folder) / "voila.json"
    settings = {"Voila": {"token": token,
                          "tornado_settings": {"allow_remote_access": False,
                                               "local_hostnames": list(LOCAL_HOSTNAMES)}}}
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


def voila_command(notebook: str | os.PathLike, port: int, *, host: str = HOST,
                  config_dir: str | os.PathLike | None = None) -> list[str]:
    """The command line that serves ``notebook`` with Voilà on ``host:port`` (no browser, no code shown).

    ``config_dir``: read Voilà's settings from there only (see :func:`write_voila_config`).
    """
    cmd = [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.show_tracebacks=True",
        "--Voila.log_level=WARN",
    ]
    if config_dir is not None:
        cmd.append(f"--Voila.config_file_paths={config_dir}")
    return cmd


def lab_command(root_dir: str | os.PathLike, port: int, *, host: str = HOST) -> list[str]:
    """The command line that serves JupyterLab on ``host:port`` over ``root_dir``, without a token.

    Only for a server on the loopback address used by one person (or a test).
    """
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        f"--port={port}",
        f"--ServerApp.ip={host}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        cmd.append("--allow-root")
    return cmd


def start_app(settings: Mapping[str, Any], *, port: int | None = None, log_path: str | os.PathLike | None = None,
              notebook: str | os.PathLike | None = None, timeout: float = 60.0,
              while_starting: Callable[[], Any] | None = None) -> Server:
    """Serve the live tools with Voilà and wait until the page answers.

    The server asks for a random token (in :attr:`Server.url`, as Jupyter
    does) and refuses requests whose ``Host`` is not this computer
    (:func:`write_voila_config`).

    Parameters
    ----------
    settings
        What the page shows: ``client`` (a folder, workbook or ``"demo"``),
        ``lang`` (``"zh"``/``"en"``) and optionally ``period``, ``industry``,
        ``as_of``. Passed to the notebook as JSON in :data:`ENV_SETTINGS`, so a
        path with spaces or Chinese characters arrives as it is, and is only
        ever read as a path.
    port
        The port to listen on; :data:`DEFAULT_PORT` when free, else any free port.
    log_path
        Write the server's log there (default: this terminal).
    notebook
        The page to serve (default: the app notebook shipped with kalib).
    while_starting
        Called once while Voilà starts (e.g. to check the client meanwhile);
        if it raises, the server is stopped and the error goes on.
    """
    nb = Path(notebook) if notebook else Path(__file__).with_name("kalib-app.ipynb")
    env = {ENV_SETTINGS: json.dumps(dict(settings), ensure_ascii=False)}
    last: ServerError | None = None
    for _ in range(3):  # a port found free can be taken before Voilà binds it: try another
        p = free_port(port or DEFAULT_PORT)
        token = secrets.token_urlsafe(24)
        private = tempfile.mkdtemp(prefix="kalib-app-")
        write_voila_config(private, token)
        server = launch("Voilà", voila_command(nb, p, config_dir=private), p, env=env, log_path=log_path,
                        cwd=nb.parent, token=token, private_dir=private)
        try:
            if while_starting is not None:
                task, while_starting = while_starting, None
                task()
            server.wait_until_up(timeout)
            server.forget_private_files()
            return server
        except ServerError as exc:
            server.stop()
            last = exc
        except BaseException:  # Ctrl-C while starting: leave nothing running
            server.stop()
            raise
    assert last is not None
    raise last
