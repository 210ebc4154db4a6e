"""Printing the HTML report to PDF (and taking a picture of it) with a local Chromium or Chrome.

Nothing is downloaded: :func:`find_chromium` looks for a browser already
installed (``$KALIB_CHROMIUM``, then the usual names and places), and when
there is none :data:`HOW_TO_GET_CHROMIUM` says how to get one.

>>> isinstance(HOW_TO_GET_CHROMIUM, str)
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "html_to_pdf", "screenshot", "NoChromium", "HOW_TO_GET_CHROMIUM"]

HOW_TO_GET_CHROMIUM = (
    "No Chromium or Google Chrome was found to print the report to PDF.\n"
    "  - Debian/Ubuntu: sudo apt-get install chromium   (Ubuntu: chromium-browser)\n"
    "  - macOS: install Google Chrome, or: brew install --cask chromium\n"
    "  - Windows: Google Chrome or Microsoft Edge (already installed on most machines)\n"
    "  - or set KALIB_CHROMIUM=/path/to/chrome if it is installed somewhere else.\n"
    "The HTML report is written anyway: open it in any browser and use Print > Save as PDF.\n"
    "未找到 Chromium / Chrome，无法生成 PDF：请按上面的方法安装，或在浏览器中打开 HTML 报告，选择“打印 > 另存为 PDF”。"
)

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge",
          "microsoft-edge")
_PLACES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)


class NoChromium(RuntimeError):
    """No local Chromium/Chrome to print with; the message says how to get one."""

    def __init__(self, message: str = HOW_TO_GET_CHROMIUM):
        super().__init__(message)


def find_chromium() -> str | None:
    """The path of a local Chromium/Chrome/Edge, or None."""
    env = os.environ.get("KALIB_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    for place in _PLACES:
        if Path(place).exists():
            return place
    return None


def _run(browser: str, args: list[str], timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="kalib-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout,
                              creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0)
        if proc.returncode != 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{Path(browser).name} failed (exit {proc.returncode}): " + " | ".join(tail))


def html_to_pdf(html: str | os.PathLike, pdf: str | os.PathLike, *, browser: str | None = None,
                timeout: float = 120) -> Path:
    """Print the HTML file ``html`` to ``pdf`` (A4, the report's print styles); returns the PDF path.

    Raises :class:`NoChromium` when no browser is installed.
    """
    browser = browser or find_chromium()
    if not browser:
        raise NoChromium()
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    _run(browser, ["--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={pdf}", html.as_uri()],
         timeout)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(f"the browser wrote no PDF to {pdf}")
    return pdf


def screenshot(html: str | os.PathLike, png: str | os.PathLike, *, width: int = 1280, height: int = 1600,
               browser: str | None = None, timeout: float = 120) -> Path:
    """A PNG picture of the top of the page (``width`` × ``height`` pixels)."""
    browser = browser or find_chromium()
    if not browser:
        raise NoChromium()
    html, png = Path(html).resolve(), Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(browser, [f"--screenshot={png}", f"--window-size={width},{height}", html.as_uri()], timeout)
    if not png.exists():
        raise RuntimeError(f"the browser wrote no picture to {png}")
    return png
