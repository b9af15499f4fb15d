"""`vaulttool graph` exports byte for byte: the order of nodes and edges, every format, and the
compact link table they are written from held to the networkx link graph."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from vaulttool.commands.cli import cli
from vaulttool.engine.options import options_for
from vaulttool.incremental.check import load_resolved
from vaulttool.output.graph_export import GraphData, flat_attrs, graph_data
from vaulttool.output.graph_xml import xml_safe

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


def networkx_xml(fmt: str, data: GraphData) -> str:
    """The reference: the export as networkx's own writers make it from a MultiDiGraph of the
    same nodes and edges (keyed by their place in the JSON order), built whole."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in data.nodes:
        graph.add_node(xml_safe(node.id), **{k: xml_safe(v) for k, v in flat_attrs(node).items()})
    for key, e in enumerate(data.edges()):
        graph.add_edge(xml_safe(e.source), xml_safe(e.target), key=key, kind=e.kind, line=e.line)
    lines = nx.generate_graphml(graph) if fmt == "graphml" else nx.generate_gexf(graph)
    return "\n".join(lines) + "\n"


def selected(vault: Path, **selection: object) -> GraphData:
    loaded = load_resolved(vault, options_for(vault), codes=True)
    return graph_data(loaded.context, loaded.codes, **selection)  # type: ignore[arg-type]


XML_SELECTIONS = [
    ([], {}),
    (["--around", "Beta"], {"around": "Beta"}),
    (["--around", "Alpha", "--depth", "0"], {"around": "Alpha", "depth": 0}),
    (["--folder", "Zeta"], {"folder": "Zeta"}),
    (["--no-attachments"], {"attachments": False}),
]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize(("args", "selection"), XML_SELECTIONS)
def test_xml_export_is_networkx_s_byte_for_byte(fmt: str, args: list[str], selection: dict[str, object]) -> None:
    # written as made, from the compact table; networkx builds the same document whole
    out = run_graph("--format", fmt, *args)
    assert _GEXF_DATE.sub("", out) == _GEXF_DATE.sub("", networkx_xml(fmt, selected(VAULT, **selection)))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_export_escapes_what_the_fixture_makes_tricky(fmt: str) -> None:
    out = run_graph("--format", fmt)
    assert out.isascii()
    assert "&#65533;" in out  # a control character (\x01 in a title) made XML-safe
    assert "Q &amp; A 'notes' &#9731;.md" in out  # & and a non-ASCII character in a file name
    assert "Missing &lt;b&gt; &amp; &quot;q&quot;" in out  # a missing target named by its link text
    assert "&#128640;" in out  # a character outside the BMP is one reference
    if fmt == "graphml":
        assert "tab\there\nCRLF" in out  # element text: a CRLF in a title is a plain newline
    else:
        assert "tab&#09;here&#13;&#10;CRLF" in out  # attribute value: escaped
    root = ET.fromstring(out)
    assert root.tag.endswith("graphml" if fmt == "graphml" else "gexf")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_export_merges_ids_that_become_one_like_networkx(fmt: str, tmp_path: Path) -> None:
    # two file names that differ only in characters XML cannot hold are one node once made
    # XML-safe, their properties and edges merged (edges keep their JSON numbers)
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a\x01.md").write_text("[[b]] [[Hub]]\n", "utf-8")
    (vault / "a\x02.md").write_text("---\nstatus: two\n---\n[[Hub]] [[a\x01]]\n[[b]]\n", "utf-8")
    (vault / "Hub.md").write_text("[[a\x02]] [[a\x01]] [[b]]\n", "utf-8")
    (vault / "a\x01b.md").write_text("[[Hub]]\n", "utf-8")  # sorts between the two: their edges are apart
    (vault / "b.md").write_text("[[Hub]] [[a\x02]]\n", "utf-8")
    data = selected(vault)
    assert len({xml_safe(n.id) for n in data.nodes}) == len(data.nodes) - 1
    out = CliRunner().invoke(cli, ["graph", str(vault), "--format", fmt], standalone_mode=False)
    assert out.exception is None, out.output
    assert _GEXF_DATE.sub("", out.stdout) == _GEXF_DATE.sub("", networkx_xml(fmt, data))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_export_of_an_empty_vault_is_networkx_s(fmt: str, tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir()
    out = CliRunner().invoke(cli, ["graph", str(tmp_path / "vault"), "--format", fmt], standalone_mode=False)
    assert out.exception is None, out.output
    assert _GEXF_DATE.sub("", out.stdout) == _GEXF_DATE.sub("", networkx_xml(fmt, selected(tmp_path / "vault")))


def test_compact_link_table_agrees_with_the_link_graph(tmp_path: Path) -> None:
    from tests.vaultgen import make_vault, random_edit
    from vaulttool.incremental.check import load_vault

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
