"""`vaulttool graph` exports byte for byte: the order of nodes and edges, every format, and the
compact link table they are written from held to the networkx link graph."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from vaulttool.commands.cli import cli
from vaulttool.model.graph import export_xml
from vaulttool.output.graph_export import GraphNode, _flat_attrs

ORDER = FIXTURES / "graph_order"
VAULT = ORDER / "vault"
_GEXF_DATE = re.compile(r'lastmodifieddate="[^"]*"')


def run_graph(*args: str) -> str:
    result = CliRunner().invoke(cli, ["graph", str(VAULT), *args], standalone_mode=False)
    assert result.exception is None, result.output
    return result.stdout


def expected(name: str) -> str:
    return (ORDER / "expected" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--format", "json"], "all.json"),
        (["--format", "dot"], "all.dot"),
        (["--format", "mermaid"], "all.mermaid"),
        (["--format", "json", "--around", "Beta"], "around-beta.json"),
        (["--format", "mermaid", "--folder", "Zeta", "--no-attachments"], "folder-zeta.mermaid"),
    ],
)
def test_export_is_the_recorded_one(args: list[str], name: str) -> None:
    # edges sorted by source, line, target and kind: a line's links in target order, repeats kept
    # (mermaid: once per pair and kind); [[Gone]] and [[gone.md]] are one missing node; a template
    # note's links make no edge; [[#Alpha]] links its own note
    assert run_graph(*args) == expected(name)


def test_export_to_a_file_is_the_recorded_one(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    out.write_text("old export\n", encoding="utf-8")
    run_graph("--format", "json", "-o", str(out))
    assert out.read_bytes() == (ORDER / "expected" / "all.json").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["graph.json"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_export_has_the_nodes_and_edges_of_the_json_in_its_order(fmt: str) -> None:
    doc = json.loads(expected("all.json"))
    nodes = [GraphNode(**{**n, "tags": tuple(n["tags"])}) for n in doc["nodes"]]
    edges = [(e["source"], e["target"], {"kind": e["kind"], "line": e["line"]}) for e in doc["edges"]]
    want = export_xml(fmt, ((n.id, _flat_attrs(n)) for n in nodes), edges)
    assert _GEXF_DATE.sub("", run_graph("--format", fmt)) == _GEXF_DATE.sub("", want)


def test_compact_link_table_agrees_with_the_link_graph(tmp_path: Path) -> None:
    from tests.vaultgen import make_vault, random_edit
    from vaulttool.engine.options import options_for
    from vaulttool.incremental.check import load_resolved, load_vault
    from vaulttool.output.graph_export import graph_data

    vault = make_vault(tmp_path / "vault", notes=60, seed=11)
    (vault / "Self.md").write_text("[[Self]] [[Nowhere]] [[nowhere.md]] ![[Note 1]]\n[[#Top]] [[Note 1]]\n", "utf-8")
    rng = random.Random(4)
    for _ in range(20):
        random_edit(vault, rng)
    options = options_for(vault)
    graph = load_vault(vault, options).context.graph
    loaded = load_resolved(vault, options, codes=True)
    data = graph_data(loaded.context, loaded.codes)
    assert {n.id: n.kind for n in data.nodes} == {n: graph.kind(n) for n in graph.graph.nodes}
    links = sorted(graph.links(), key=lambda link: (link[0], link[3], link[1], link[2]))
    assert [(e.source, e.target, e.kind, e.line) for e in data.edges()] == links
    assert any(kind == "missing" for kind in map(graph.kind, graph.graph.nodes))

    undirected = graph.graph.to_undirected(as_view=True)
    for start in ("Self.md", "Nowhere", *rng.sample(sorted(loaded.context.notes), 3)):
        for depth in (0, 1, 2):
            around = graph_data(loaded.context, loaded.codes, around=start, depth=depth)
            near = nx.single_source_shortest_path_length(undirected, start, cutoff=depth)
            assert {n.id for n in around.nodes} == set(near)
