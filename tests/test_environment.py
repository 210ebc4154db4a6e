"""environment.yml (conda, Binder) and pyproject.toml (pip) list the same dependencies, and
requirements/lock.txt pins every one of them, within their bounds, on every supported platform."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# conda-forge names that differ from PyPI names.
CONDA_TO_PYPI: dict[str, str] = {"python-duckdb": "duckdb"}


def _split(req: str) -> tuple[str, str]:
    req = req.split(";")[0]  # an environment marker is not part of the bound
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject_deps() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def conda_deps() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    pip_section: list = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep.get("pip", [])
            continue
        name, bound = _split(dep)
        out[CONDA_TO_PYPI.get(name, name)] = bound
    return out, pip_section


def test_same_dependencies_and_bounds():
    pip = pyproject_deps()
    conda, _ = conda_deps()
    conda.pop("python")
    conda.pop("pip")
    assert conda == pip, {
        "only in pyproject.toml": sorted(set(pip) - set(conda)),
        "only in environment.yml": sorted(set(conda) - set(pip)),
        "different bounds": {k: (pip[k], conda[k]) for k in set(pip) & set(conda) if pip[k] != conda[k]},
    }


def test_python_bound_matches():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    conda, _ = conda_deps()
    assert conda["python"] == data["project"]["requires-python"]


def test_environment_installs_kalib_itself():
    # repo2docker/Binder and `conda env create` must end with kalib importable.
    _, pip_section = conda_deps()
    assert "-e ." in pip_section


def test_every_import_is_declared():
    """Third-party modules imported by kalib are dependencies (not only present on this machine)."""
    import_names = {"yaml": "pyyaml", "ipywidgets": "ipywidgets", "matplotlib": "matplotlib", "pandas": "pandas",
                    "numpy": "numpy", "pyarrow": "pyarrow", "openpyxl": "openpyxl", "papermill": "papermill",
                    "nbformat": "nbformat", "nbconvert": "nbconvert", "tqdm": "tqdm", "voila": "voila",
                    "IPython": "ipykernel", "ipykernel": "ipykernel", "jupyter_client": "ipykernel",
                    "jupyterlab": "jupyterlab", "traitlets": "ipywidgets", "jinja2": "nbconvert",
                    "scipy": "scipy", "PIL": "matplotlib",
                    # hard dependencies of nbconvert (Jinja2)
                    "markupsafe": "nbconvert", "jupyter_core": "nbformat",
                    # nbclient runs notebooks for nbconvert and papermill (a hard dependency of both)
                    "nbclient": "nbconvert", "bs4": "beautifulsoup4"}
    stdlib = set(sys.stdlib_module_names)
    declared = pyproject_deps()
    seen = set()
    for path in (ROOT / "kalib").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module.split(".")[0]]
            else:
                continue
            seen.update(m for m in mods if m not in stdlib and m != "kalib")
    undeclared = sorted(m for m in seen if import_names.get(m, m.lower()) not in declared)
    assert not undeclared, f"kalib imports modules no dependency provides: {undeclared}"


# ---------------------------------------------------------------------------
# the lock
# ---------------------------------------------------------------------------
LOCK = ROOT / "requirements" / "lock.txt"
# What the lock promises: these platforms and Python versions (README "Installing").
PLATFORMS = {  # sys_platform: (platform_system, os_name)
    "linux": ("Linux", "posix"),
    "darwin": ("Darwin", "posix"),
    "win32": ("Windows", "nt"),
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def _environments():
    for py in PYTHONS:
        for plat, (system, os_name) in PLATFORMS.items():
            yield {"python_version": py, "python_full_version": py + ".0", "sys_platform": plat,
                   "platform_system": system, "os_name": os_name, "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "platform_machine": "x86_64", "extra": ""}


def lock_entries(text: str | None = None):
    """(Requirement, pinned Version) for every line of the lock."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    out = []
    for line in (LOCK.read_text(encoding="utf-8") if text is None else text).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        pins = [s for s in req.specifier if s.operator == "=="]
        assert len(pins) == 1 and len(req.specifier) == 1, f"not an exact pin in the lock: {line}"
        out.append((req, Version(pins[0].version)))
    return out


def declared_requirements():
    """Every dependency of pyproject.toml (all extras) and environment.yml, as packaging Requirements."""
    from packaging.requirements import Requirement

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = [("pyproject.toml", Requirement(r)) for r in data["project"]["dependencies"]]
    for extra, items in data["project"].get("optional-dependencies", {}).items():
        reqs += [(f"pyproject.toml [{extra}]", Requirement(r)) for r in items]
    # conda has no environment markers: an entry applies where pyproject.toml's does (tomli: Python < 3.11)
    markers = {r.name.lower(): r.marker for _, r in reqs if r.marker is not None}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    for dep in env["dependencies"]:
        if isinstance(dep, str) and _split(dep)[0] not in ("python", "pip"):
            req = Requirement(dep)
            req.name = CONDA_TO_PYPI.get(req.name, req.name)  # the lock holds PyPI names
            req.marker = markers.get(req.name.lower())
            reqs.append(("environment.yml", req))
    return reqs


def check_lock(entries, declared) -> list[str]:
    """What the lock gets wrong: a dependency without exactly one pin, or a pin outside its bounds,
    on some supported platform and Python version."""
    from packaging.utils import canonicalize_name

    problems = []
    for env in _environments():
        pinned: dict[str, list] = {}
        for req, version in entries:
            if req.marker is None or req.marker.evaluate(env):
                pinned.setdefault(canonicalize_name(req.name), []).append(version)
        where = f"Python {env['python_version']} on {env['sys_platform']}"
        for source, req in declared:
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            versions = pinned.get(canonicalize_name(req.name), [])
            if len(versions) != 1:
                problems.append(f"{req.name} ({source}): {len(versions)} pins for {where}")
            elif not req.specifier.contains(versions[0], prereleases=True):
                problems.append(f"{req.name}=={versions[0]} is outside {source}'s {req.specifier} for {where}")
    return problems


def test_lock_pins_every_dependency_within_its_bounds_everywhere():
    assert check_lock(lock_entries(), declared_requirements()) == []


def test_lock_check_finds_a_missing_pin_and_a_pin_out_of_bounds():
    from packaging.requirements import Requirement

    declared = [("pyproject.toml", Requirement("pandas>=2.2")), ("pyproject.toml", Requirement("numpy>=1.26"))]
    text = "pandas==2.1.0\nnumpy==2.2.6 ; python_full_version < '3.11'\n"
    problems = check_lock(lock_entries(text), declared)
    assert any("pandas==2.1.0 is outside" in p for p in problems)
    assert any(p.startswith("numpy") and "0 pins for Python 3.12 on win32" in p for p in problems)
    assert not any(p.startswith("numpy") and "3.10" in p for p in problems)


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LOCK ?= requirements/lock.txt" in makefile
    assert makefile.count("-c $(LOCK)") == 2  # uv and the pip fallback
    assert "--universal" in makefile and "--all-extras" in makefile


def _make_lab_dry_run(tmp_path, uid: str | None) -> list[str]:
    """The commands `make -n lab` would run, with `id -u` answering ``uid`` (None: the real one)."""
    import os
    import shutil
    import subprocess

    import pytest

    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = dict(os.environ)
    if uid is not None:
        fake = tmp_path / "bin"
        fake.mkdir()
        (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
        (fake / "id").chmod(0o755)
        env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_make_lab_as_root_allows_root_and_says_so(tmp_path):
    lines = _make_lab_dry_run(tmp_path, "0")
    lab = [line for line in lines if "jupyter lab" in line]
    assert len(lab) == 1 and "--allow-root" in lab[0].split()
    assert any("running as root" in line and "--allow-root" in line for line in lines if line.startswith("echo"))


def test_make_lab_as_a_user_does_not_allow_root(tmp_path):
    lines = _make_lab_dry_run(tmp_path, "1000")
    lab = [line for line in lines if "jupyter lab" in line]
    assert len(lab) == 1 and "--allow-root" not in lab[0]
    assert not any("running as root" in line for line in lines)


def test_make_lab_with_the_real_uid(tmp_path):
    import os

    import pytest

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("not running as root")
    lab = [line for line in _make_lab_dry_run(tmp_path, None) if "jupyter lab" in line]
    assert "--allow-root" in lab[0]
