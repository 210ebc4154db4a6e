"""environment.yml (conda, Binder) and pyproject.toml (pip) list the same dependencies."""

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
CONDA_TO_PYPI: dict[str, str] = {}


def _split(req: str) -> tuple[str, str]:
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
                    # hard dependencies of nbconvert (its HTML sanitiser and Jinja2)
                    "bleach": "nbconvert", "markupsafe": "nbconvert", "jupyter_core": "nbformat",
                    "nbclient": "papermill", "bs4": "beautifulsoup4"}
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
