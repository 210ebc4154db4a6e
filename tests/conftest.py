"""Shared test fixtures: the repository root and the two ready-loaded clients.

``demo_client``  the demo company (``kalib/demo_data``, read as ``"demo"``, 华东精工装备, manufacturing, RMB);
``acme_client``  the small hand-checkable client in ``tests/fixtures/acme`` (services, USD,
                 one workbook plus a GBK CSV; rebuilt by ``tests/fixtures/make_fixtures.py``).

Both are loaded once per test session with :func:`kalib.load_client`; treat them as
read-only (use ``client.with_as_of(...)`` / ``client.with_config(...)`` for variants).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

# The cache of loaded clients (kalib.cache) goes to a folder of this test run, never the user's
# ~/.cache/kalib; notebooks and commands run by the tests inherit it.
os.environ["KALIB_CACHE_DIR"] = _CACHE = tempfile.mkdtemp(prefix="kalib-test-cache-")
os.environ.pop("KALIB_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def demo_client():
    """The demo company, loaded as a user would (``kalib.load_client("demo")``: the packaged files)."""
    import kalib

    return kalib.load_client("demo")


@pytest.fixture(scope="session")
def acme_client():
    """Acme 安信咨询: 12 customers, 40 opportunities, amounts in USD at 7.1 RMB."""
    import kalib

    return kalib.load_client(FIXTURES / "acme")


def pytest_collection_modifyitems(config, items):
    """nbval's cells (from the notebooks in testpaths) belong to the notebooks tier (``-m "not notebooks"``)."""
    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)
