"""The package's layers only point down, and no module imports itself back through others.

Every import of every module of ``src/vaulttool`` counts: at the top, inside a function
and under ``TYPE_CHECKING`` alike, ``from vaulttool import x`` included. A module's layer
is its folder; the package's own ``__init__`` (the public API) and ``__main__`` may import
anything, and a module of the package's top level outside every layer (``version``) is
below them all. No module is longer than :data:`MAX_LINES`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "vaulttool"
LAYERS = ("files", "model", "rules", "engine", "incremental", "actions", "output", "commands")
FACADE = ("vaulttool", "vaulttool.__main__")
MAX_LINES = 350  # a module longer than this holds more than one idea: split it by meaning


def module_name(path: Path) -> str:
    """The dotted name of the module in file ``path``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """Where ``module`` stands: its folder's place in :data:`LAYERS` (-1: below every layer, the
    length of :data:`LAYERS`: the facade, above them all)."""
    if module in FACADE:
        return len(LAYERS)
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
        return LAYERS.index(parts[1])
    return -1


def imported(module: str, path: Path) -> list[tuple[str, int]]:
    """The modules of the package that ``module`` imports, each with the line of its import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in MODULES else base, node.lineno))
    return [(name, line) for name, line in found if name in MODULES and name != module]


def import_graph() -> nx.DiGraph[str]:
    """Modules as nodes; an edge for each import, with the line it is on."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module, path in MODULES.items():
        for name, line in imported(module, path):
            graph.add_edge(module, name, line=line)
    return graph


def test_every_module_sits_in_a_layer() -> None:
    outside = [m for m in MODULES if layer(m) < 0 and m != "vaulttool.version"]
    assert outside == []


def test_no_import_points_up() -> None:
    graph = import_graph()
    upward = [
        f"{MODULES[a].relative_to(SRC)}:{graph.edges[a, b]['line']}: {a} imports {b}"
        for a, b in graph.edges
        if a not in FACADE and layer(b) > layer(a)
    ]
    assert upward == []


def test_no_module_imports_itself_back() -> None:
    graph = import_graph()
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            cycles.append(" -> ".join(f"{a} (line {graph.edges[a, b]['line']})" for a, b in cycle))
    assert cycles == []


def test_no_module_is_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(SRC)): lines
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from vaulttool import __version__\n", "vaulttool"),
        ("from vaulttool.engine import lint\n", "vaulttool.engine.lint"),
        ("from vaulttool.rules import ALL_RULES\n", "vaulttool.rules"),
        ("if TYPE_CHECKING:\n    import vaulttool.engine.load\n", "vaulttool.engine.load"),
        ("def f():\n    from ..engine.options import Options\n", "vaulttool.engine.options"),
    ],
)
def test_every_kind_of_import_is_seen(tmp_path: Path, source: str, expected: str) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    assert [name for name, _ in imported("vaulttool.rules.probe", probe)] == [expected]
