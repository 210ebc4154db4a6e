"""The layers of docs/architecture.md hold: no module imports a higher layer, no two modules import each other.

The layer table is read from the document, so the document and the code cannot
drift apart: a new module must be placed in a layer there, and a module the
table names must exist.  Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KALIB = ROOT / "kalib"
DOC = ROOT / "docs" / "architecture.md"

# Imports allowed to break the layering, each with the reason (none today).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(KALIB.rglob("*.py"))}


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks (read by type checkers, never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for body in node.body for n in ast.walk(body))
    return out


def imports_of(name: str, *, runtime_only: bool = False) -> set[str]:
    """The kalib modules ``name`` imports anywhere in its source (top level or inside functions);
    with ``runtime_only``, leaving out the imports for type annotations only."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` may import the module x
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def layer_table() -> list[tuple[str, list[str]]]:
    """(layer, module names) from the table under '## Layers' in docs/architecture.md, lowest first."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \*\*(\w+)\*\* \| (.+?) \|", section, re.M)
    assert rows, "docs/architecture.md has no layer table under '## Layers'"
    return [(layer, re.findall(r"`([\w.]+)`", cells)) for layer, cells in rows]


def layer_of() -> dict[str, int]:
    """Every kalib module -> its layer's rank (a package's entry covers its submodules)."""
    entries = {}
    for rank, (_, names) in enumerate(layer_table()):
        for n in names:
            entries["kalib" if n == "kalib" else f"kalib.{n}"] = rank
    out = {}
    for mod in MODULES:
        # a package's entry covers its submodules; "kalib" (the package's __init__) covers only itself
        owner = max((e for e in entries if mod == e or (e != "kalib" and mod.startswith(e + "."))), key=len,
                    default=None)
        if owner is not None:
            out[mod] = entries[owner]
    return out


def test_every_module_is_in_one_layer_and_every_listed_module_exists():
    ranks = layer_of()
    missing = sorted(set(MODULES) - set(ranks))
    assert not missing, f"place these modules in the layer table of docs/architecture.md: {missing}"
    listed = [n for _, names in layer_table() for n in names]
    gone = [n for n in listed if ("kalib" if n == "kalib" else f"kalib.{n}") not in MODULES]
    assert not gone, f"docs/architecture.md lists modules that do not exist: {gone}"
    assert len(listed) == len(set(listed)), "a module is listed in two layers"


def test_no_module_imports_a_higher_layer():
    ranks = layer_of()
    names = [layer for layer, _ in layer_table()]
    upward = []
    for mod in MODULES:
        for dep in imports_of(mod):
            if ranks[dep] > ranks[mod] and (mod, dep) not in KNOWN_EXCEPTIONS:
                upward.append(f"{mod} ({names[ranks[mod]]}) imports {dep} ({names[ranks[dep]]})")
    assert not upward, "\n".join(upward)


def test_no_two_modules_import_each_other():
    # An import for annotations only (under TYPE_CHECKING) runs nowhere, so it cannot make a cycle;
    # it still counts for the layers above.
    graph = {m: imports_of(m, runtime_only=True) for m in MODULES}
    pairs = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph[b]})
    assert not pairs, pairs


def test_no_import_cycles():
    """Longer cycles hide the same problem as a pair: none either (Tarjan's strongly connected components)."""
    graph = {m: imports_of(m, runtime_only=True) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles



def test_the_diagram_shows_the_layers_in_order():
    text = DOC.read_text(encoding="utf-8")
    diagram = text.split("## How data flows", 1)[1].split("```", 2)[1]
    marks = [f"[{layer}]" for layer, _ in layer_table()]
    positions = [diagram.find(m) for m in marks]
    assert all(p >= 0 for p in positions), f"the diagram must name every layer as {marks}"
    assert positions == sorted(positions), f"the diagram must show the layers in the order {marks}"


@pytest.mark.parametrize("pair", [("kalib.client", "kalib.io"), ("kalib.client", "kalib.tables")])
def test_client_does_not_import_the_loader(pair):
    client, other = pair
    if other == "kalib.io":
        assert other not in imports_of(client)
    else:  # the normalisation sits below the client, never the other way round
        assert client not in imports_of(other)
