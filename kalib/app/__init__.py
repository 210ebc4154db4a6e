"""The three live tools as one web page, with no code showing (Voilà).

``kalib app [CLIENT]`` (and ``make app``) serves :data:`NOTEBOOK` with Voilà on
127.0.0.1 (see :mod:`kalib.app.server`). The page has one tab per tool: the
health check (十大健康指标), the win-rate model (赢率模型) and the deal evaluation
(销售机会评估); ``?tool=health`` (or ``winrate``, ``deals``) in the address shows
one tool alone, and ``lang=en``/``lang=zh`` switches the language.

How settings reach the page: the command writes them as JSON into the
environment variable :data:`~kalib.app.server.ENV_SETTINGS`; the notebook's only
code cell calls :func:`app_from_environment`, which reads them (and the query
string Voilà passes in ``QUERY_STRING``) and builds the page with
:func:`build_app`. A client path is only ever used as a path, so spaces,
Chinese characters or quotes in it are harmless, and the client cannot be
chosen from the browser.

Errors are shown in the page, never only in the server's log: an error while
loading the client appears in the page's error area at the top, an error while
building a tool appears where the tool would be, errors inside a tool's
callbacks appear in that tool's own error area (:func:`kalib.widgets.guarded`),
and any other error raised while a person uses the page appears in the page's
error area (:func:`show_errors_in`).
"""

from __future__ import annotations

import html
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..i18n import LANGS, tr
from ..problems import InputError
from .server import DEFAULT_PORT, ENV_SETTINGS, HOST, Server, ServerError, free_port, start_app

if TYPE_CHECKING:
    from ..client import Client

__all__ = [
    "NOTEBOOK",
    "TOOLS",
    "Tool",
    "build_app",
    "app_from_environment",
    "read_settings",
    "error_html",
    "show_errors_in",
    "start_app",
    "Server",
    "ServerError",
    "free_port",
    "DEFAULT_PORT",
    "ENV_SETTINGS",
    "HOST",
]

#: The page Voilà serves (shipped inside the package, so ``kalib app`` works from any folder).
NOTEBOOK = Path(__file__).with_name("kalib-app.ipynb")


@dataclass(frozen=True)
class Tool:
    """One live tool of the page: where its panel function lives and what its tab is called."""

    key: str
    module: str
    function: str
    zh: str
    en: str
    needs_client: bool = True

    def title(self, lang: str) -> str:
        return tr(lang, self.zh, self.en)

    def panel_function(self) -> Callable[..., Any]:
        mod = importlib.import_module(self.module)
        return getattr(mod, self.function)


#: The tools in the order of their tabs.
TOOLS: tuple[Tool, ...] = (
    Tool("health", "kalib.widgets.health", "health_panel", "健康检查", "Health check", needs_client=False),
    Tool("winrate", "kalib.widgets.pipeline", "winrate_panel", "赢率模型", "Win-rate model"),
    Tool("deals", "kalib.widgets.deals", "deal_panel", "销售机会评估", "Deal evaluation"),
)


def error_html(message: str, *, details: str | None = None, lang: str = "zh") -> str:
    """An error box for the page (the same look and CSS class as :func:`kalib.widgets.guarded`'s)."""
    head = tr(lang, "错误", "Error")
    more = ""
    if details:
        more = (f"<details><summary>{tr(lang, '详情', 'Details')}</summary>"
                f"<pre>{html.escape(details)}</pre></details>")
    return ('<div class="kalib-error" style="color:#b00020;border-left:4px solid #b00020;padding:4px 8px">'
            f"<b>{head}:</b> {html.escape(message)}{more}</div>")


def show_errors_in(area, *, lang: str = "zh", shell=None) -> Callable[[], None]:
    """Show in ``area`` (an ``HTML`` widget) errors raised while a person uses the page.

    Covers the errors ipywidgets would otherwise only log: an exception in a
    button's callback (ipywidgets calls ``shell.showtraceback``), and an
    exception in a trait observer when a value arrives from the browser
    (logged by the kernel's comm manager). Meant for the app's own kernel;
    returns a function that undoes it.
    """
    shown: list[str] = []

    def show(message: str, details: str | None) -> None:
        if area.value != "".join(shown):  # changed by someone else since (set or cleared)
            shown[:] = [area.value] if area.value else []
        shown.append(error_html(message, details=details, lang=lang))
        del shown[:-5]  # the latest five
        area.value = "".join(shown)

    class _ToArea(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            details = None
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                message = str(exc) or type(exc).__name__
                details = "".join(traceback.format_exception(*record.exc_info))
            show(message, details)

    handler = _ToArea(level=logging.ERROR)
    comm_log = logging.getLogger("Comm")
    comm_log.addHandler(handler)
    undo: list[Callable[[], None]] = [lambda: comm_log.removeHandler(handler)]

    if shell is None:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # pragma: no cover - IPython comes with ipykernel
            shell = None
    if shell is not None:
        original = shell.showtraceback

        def showtraceback(exc_tuple=None, *args: Any, **kwargs: Any) -> None:
            etype, value, tb = exc_tuple or sys.exc_info()
            if value is not None:
                show(str(value) or etype.__name__, "".join(traceback.format_exception(etype, value, tb)))
            original(exc_tuple, *args, **kwargs)

        shell.showtraceback = showtraceback
        undo.append(lambda: setattr(shell, "showtraceback", original))

    def remove() -> None:
        for u in undo:
            u()

    return remove


def read_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The page's settings: :data:`ENV_SETTINGS` (JSON), then ``tool``/``lang`` from the query string.

    >>> read_settings({"KALIB_APP_SETTINGS": '{"client": "/data/客户 A", "lang": "en"}'})
    {'client': '/data/客户 A', 'lang': 'en', 'tool': None}
    >>> read_settings({"QUERY_STRING": "tool=deals&lang=en&client=/etc"})
    {'client': 'demo', 'lang': 'en', 'tool': 'deals'}

    ``lang`` None means the client's language (``client.yml``), else Chinese.
    """
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {"client": "demo", "lang": None}
    raw = env.get(ENV_SETTINGS)
    if raw:
        given = json.loads(raw)
        if not isinstance(given, dict):
            raise ValueError(f"{ENV_SETTINGS} must hold a JSON object, not {raw[:40]!r}")
        settings.update(given)
    query = parse_qs(env.get("QUERY_STRING", "") or "")
    # Only the tool and the language come from the browser; the client never does.
    lang = query.get("lang", [None])[-1]
    if lang in LANGS:
        settings["lang"] = lang
    tool = query.get("tool", [None])[-1]
    settings["tool"] = tool if tool in {t.key for t in TOOLS} else settings.get("tool")
    return settings


def _load(settings: Mapping[str, Any]):
    from .. import load_client

    kwargs = {k: settings[k] for k in ("period", "industry", "as_of") if settings.get(k)}
    return load_client(settings.get("client") or "demo", **kwargs)


def _header(client, lang: str, source: str) -> str:
    title = "大客户销售实验室 · Key Account Sales Lab"
    if client is None:
        who = html.escape(str(source))
        sub = f"{tr(lang, '客户', 'Client')}: {who}"
    else:
        as_of = getattr(client, "as_of", None)
        when = f" · {tr(lang, '截至', 'as of')} {as_of:%Y-%m-%d}" if as_of is not None else ""
        sub = f"{tr(lang, '客户', 'Client')}: {html.escape(str(client.name))}{when}"
    return (f'<div class="kalib-app-header"><h2 style="margin:4px 0">{title}</h2>'
            f'<div style="color:#555">{sub}</div></div>')


def _build_tool(tool: Tool, client, lang: str, load_error: Exception | None):
    """The panel of ``tool``, or an error box saying why it cannot be shown."""
    import ipywidgets as w

    if client is None and tool.needs_client:
        msg = tr(lang, f"此工具需要客户数据，但客户数据未能加载：{load_error}",
                 f"This tool needs the client's data, which could not be loaded: {load_error}")
        return w.HTML(error_html(msg, lang=lang))
    try:
        fn = tool.panel_function()
    except (ImportError, AttributeError) as exc:
        msg = tr(lang, f"此工具尚不可用（{tool.module}.{tool.function}）：{exc}",
                 f"This tool is not available ({tool.module}.{tool.function}): {exc}")
        return w.HTML(error_html(msg, lang=lang))
    try:
        return fn(client, lang=lang)
    except Exception as exc:  # shown in the page, where the tool would be
        return w.HTML(error_html(str(exc) or type(exc).__name__, details=traceback.format_exc(), lang=lang))


def build_app(client: Client | str | os.PathLike = "demo", lang: str | None = "zh", *, tools: Sequence[str] | None = None,
              load: Mapping[str, Any] | None = None, catch: bool = False):
    """The page: a header, the page's error area and the tools (tabs when more than one).

    Parameters
    ----------
    client
        A loaded :class:`kalib.Client`, or what :func:`kalib.load_client` takes
        (a folder, a workbook, ``"demo"``). A client that fails to load is
        reported in the page; tools that need no client still show.
    lang
        ``"zh"`` or ``"en"``; None: the client's language (``client.yml``), else ``"zh"``.
    tools
        Keys of :data:`TOOLS` to show (default: all three).
    load
        Extra arguments for loading (``period``, ``industry``, ``as_of``).
    catch
        Show errors raised later, while the page is used, in its error area
        (:func:`show_errors_in`); only for the app's own kernel.

    Returns
    -------
    ipywidgets.VBox
        With ``.error_area`` (the page's error area), ``.tools`` (key -> panel)
        and ``.tabs`` (the ``Tab``, or ``None`` for a single tool).
    """
    import ipywidgets as w

    from .. import Client

    if lang is not None and lang not in LANGS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    keys = list(tools) if tools else [t.key for t in TOOLS]
    unknown = [k for k in keys if k not in {t.key for t in TOOLS}]
    if unknown:
        raise ValueError(f"unknown tool {unknown[0]!r}; the tools are {', '.join(t.key for t in TOOLS)}")
    chosen = [t for t in TOOLS if t.key in keys]

    error_area = w.HTML(value="")
    error_area.add_class("kalib-app-error")
    load_error: Exception | None = None
    loaded = None
    if isinstance(client, Client):
        loaded = client
    else:
        try:
            loaded = _load({"client": client, **(load or {})})
        except Exception as exc:
            load_error = exc
    if lang is None:
        own = getattr(getattr(loaded, "meta", None), "language", None)
        lang = own if own in LANGS else "zh"
    if load_error is not None:
        why = load_error.text(lang) if isinstance(load_error, InputError) else str(load_error)
        msg = tr(lang, f"客户数据未能加载（{client}）：{why}",
                 f"Could not load the client's data ({client}): {why}")
        error_area.value = error_html(msg, lang=lang)

    panels = {}
    for tool in chosen:
        panel = _build_tool(tool, loaded, lang, load_error)
        panel.add_class(f"kalib-tool-{tool.key}")
        panels[tool.key] = panel

    header = w.HTML(_header(loaded, lang, str(client)))
    if len(chosen) == 1:
        body = next(iter(panels.values()))
        tabs = None
    else:
        tabs = w.Tab(children=list(panels.values()))
        tabs.titles = tuple(t.title(lang) for t in chosen)
        tabs.add_class("kalib-app-tabs")
        body = tabs
    page = w.VBox([header, error_area, body], layout=w.Layout(padding="0 8px"))
    page.add_class("kalib-app")
    page.error_area = error_area
    page.tools = panels
    page.tabs = tabs
    if catch:
        page.stop_catching = show_errors_in(error_area, lang=lang)
    return page


def app_from_environment(environ: Mapping[str, str] | None = None):
    """The page for the settings given by ``kalib app`` (see :func:`read_settings`)."""
    import ipywidgets as w

    try:
        settings = read_settings(environ)
    except ValueError as exc:
        return w.HTML(error_html(str(exc)))
    load = {k: settings[k] for k in ("period", "industry", "as_of") if settings.get(k)}
    tools = [settings["tool"]] if settings.get("tool") else None
    return build_app(settings.get("client") or "demo", settings.get("lang"), tools=tools, load=load,
                     catch=True)
