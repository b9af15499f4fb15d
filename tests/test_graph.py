"""`vaulttool graph`: the JSON document, link resolution, filters, and every export format read back."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, SAMPLE_VAULT
from vaulttool.commands.cli import cli, main
from vaulttool.commands.graph import GRAPH_FORMAT_NAMES
from vaulttool.model.vault import link_key
from vaulttool.output.graph_xml import GRAPH_FORMATS

GRAPH = FIXTURES / "graph"
NODE_KEYS = ["id", "path", "title", "kind", "tags", "status", "schema"]
EDGE_KEYS = ["source", "target", "kind", "line"]


def run_graph(*args: str) -> str:
    result = CliRunner().invoke(cli, ["graph", *args], standalone_mode=False)
    assert result.exception is None, result.output
    assert result.return_value == 0
    return result.stdout


def graph_json(*args: str) -> dict:
    return json.loads(run_graph(*args, "--format", "json"))


def edges(doc: dict) -> list[tuple[str, str, str, int]]:
    return [(e["source"], e["target"], e["kind"], e["line"]) for e in doc["edges"]]


def test_json_document_shape_and_order() -> None:
    doc = graph_json(str(GRAPH))
    assert list(doc) == ["nodes", "edges"]
    assert all(list(n) == NODE_KEYS for n in doc["nodes"])
    assert all(list(e) == EDGE_KEYS for e in doc["edges"])
    ids = [n["id"] for n in doc["nodes"]]
    assert ids == sorted(ids)
    assert [(e["source"], e["line"], e["target"]) for e in doc["edges"]] == sorted(
        (e["source"], e["line"], e["target"]) for e in doc["edges"]
    )


def test_node_properties_come_from_frontmatter() -> None:
    nodes = {n["id"]: n for n in graph_json(str(GRAPH))["nodes"]}
    assert nodes["Home.md"] == {
        "id": "Home.md",
        "path": "Home.md",
        "title": "The Hub",
        "kind": "note",
        "tags": ["alpha", "beta"],
        "status": "draft",
        "schema": None,
    }
    assert nodes["Projects/Plan.md"]["tags"] == ["work", "plan"]
    assert nodes["Projects/Plan.md"]["title"] == "Plan"
    assert nodes["pic.png"] == {**nodes["pic.png"], "kind": "attachment", "title": "pic.png", "path": "pic.png"}
    assert nodes["Ghost"] == {
        "id": "Ghost",
        "path": None,
        "title": "Ghost",
        "kind": "missing",
        "tags": [],
        "status": None,
        "schema": None,
    }


def test_links_resolve_with_obsidian_tie_breaks() -> None:
    assert edges(graph_json(str(GRAPH))) == [
        ("Archive/Old/Index.md", "Archive/Old/Twin.md", "body", 1),  # same folder beats a shorter path
        ("Archive/Old/Twin.md", "Home.md", "body", 1),
        ("Home.md", "Maps MOC", "frontmatter", 6),
        ("Home.md", "Archive/Old/Twin.md", "body", 10),  # an exact path
        ("Home.md", "Ghost", "body", 10),
        ("Home.md", "Projects/Twin.md", "body", 10),  # the shortest path
        ("Home.md", "Lonely.md", "body", 11),
        ("Home.md", "Projects/Plan.md", "body", 11),
        ("Home.md", "pic.png", "embed", 11),
        ("Projects/Plan.md", "Home.md", "body", 5),
        ("Projects/Plan.md", "Projects/Twin.md", "body", 5),
        ("Projects/Plan.md", "Ghost", "body", 6),  # [[ghost#Part]]: case and subpath ignored
        ("Projects/Plan.md", "Ghost", "body", 6),  # [[GHOST]]
        ("Projects/Plan.md", "No Such Note.md", "body", 7),  # percent-decoded markdown link
    ]


def test_links_fixture_resolves_paths_unicode_and_attachments() -> None:
    doc = graph_json(str(FIXTURES / "links"))
    home = Counter((t, k) for s, t, k, _ in edges(doc) if s == "Home.md")
    assert home[("Target.md", "body")] == 11
    assert home[("Projects/house/todo.md", "body")] == 2
    assert home[("Attachments/figure.png", "embed")] == 2
    assert home[("Cafe\u0301.md", "body")] == 1  # [[Café]] typed in NFC finds the NFD file name
    assert home[("Index MOC.md", "frontmatter")] == 1
    missing = sorted(n["id"] for n in doc["nodes"] if n["kind"] == "missing")
    assert missing == [
        "../Target",
        "Concurrency",
        "Missing MOC",
        "Nowhere",
        "figure",
        "missing.png",
        "use/todo",
    ]


def _check_missing(vault: Path) -> Counter[tuple[str, int, str]]:
    result = CliRunner().invoke(cli, ["check", str(vault), "--format", "json"], standalone_mode=False)
    doc = json.loads(result.stdout)
    return Counter(
        (d["path"], d["line"], link_key(unquote(d["target"].split("#", 1)[0]).strip()).removesuffix(".md"))
        for d in doc["diagnostics"]
        if d["rule"] in ("broken-link", "missing-moc")
    )


def _graph_missing(vault: Path) -> Counter[tuple[str, int, str]]:
    doc = graph_json(str(vault))
    missing = {n["id"] for n in doc["nodes"] if n["kind"] == "missing"}
    return Counter(
        (e["source"], e["line"], link_key(e["target"]).removesuffix(".md"))
        for e in doc["edges"]
        if e["target"] in missing
    )


@pytest.mark.parametrize(
    ("vault", "clean"),
    [(GRAPH, False), (FIXTURES / "links", False), (SAMPLE_VAULT, True)],
    ids=["graph", "links", "sample"],
)
def test_missing_targets_agree_with_check(vault: Path, clean: bool) -> None:
    found = _check_missing(vault)
    assert found == _graph_missing(vault)
    assert (found == Counter()) is clean


def test_missing_targets_agree_with_check_on_a_generated_vault(generated_vault: Path) -> None:
    vault = generated_vault
    expected = _check_missing(vault)
    assert len(expected) > 50
    assert _graph_missing(vault) == expected


def test_no_attachments() -> None:
    doc = graph_json(str(GRAPH), "--no-attachments")
    assert not [n for n in doc["nodes"] if n["kind"] == "attachment"]
    assert "embed" not in {e["kind"] for e in doc["edges"]}
    assert len(doc["nodes"]) == 10


def test_folder_keeps_its_files_and_the_missing_targets_they_link() -> None:
    doc = graph_json(str(GRAPH), "--folder", "Projects/")
    assert [n["id"] for n in doc["nodes"]] == ["Ghost", "No Such Note.md", "Projects/Plan.md", "Projects/Twin.md"]
    assert edges(doc) == [
        ("Projects/Plan.md", "Projects/Twin.md", "body", 5),
        ("Projects/Plan.md", "Ghost", "body", 6),
        ("Projects/Plan.md", "Ghost", "body", 6),
        ("Projects/Plan.md", "No Such Note.md", "body", 7),
    ]


@pytest.mark.parametrize(
    ("note", "depth", "expected"),
    [
        ("Lonely", "0", ["Lonely.md"]),
        ("Lonely", "1", ["Home.md", "Lonely.md"]),
        (
            "lonely.md",
            "2",
            [
                "Archive/Old/Twin.md",
                "Ghost",
                "Home.md",
                "Lonely.md",
                "Maps MOC",
                "Projects/Plan.md",
                "Projects/Twin.md",
                "pic.png",
            ],
        ),
        ("ghost", "1", ["Ghost", "Home.md", "Projects/Plan.md"]),  # a missing target, matched like a link
        ("archive/old/twin", "1", ["Archive/Old/Index.md", "Archive/Old/Twin.md", "Home.md"]),
    ],
)
def test_around_keeps_nodes_within_depth_links_either_way(note: str, depth: str, expected: list[str]) -> None:
    doc = graph_json(str(GRAPH), "--around", note, "--depth", depth)
    assert [n["id"] for n in doc["nodes"]] == expected
    kept = set(expected)
    assert all(e["source"] in kept and e["target"] in kept for e in doc["edges"])
    assert len(doc["edges"]) == sum(1 for s, t, _, _ in edges(graph_json(str(GRAPH))) if s in kept and t in kept)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--folder", "Nowhere"], "no note under 'Nowhere'"),
        (["--around", "Nobody"], "'Nobody' is neither a file of the vault nor a link target"),
        (["--around", "Home", "--folder", "Projects"], "'Home.md' is left out by the other filters"),
        (["--around", "Home", "--depth", "-1"], "-1"),
        (["--depth", "2"], "--depth needs --around"),
        (["--html", "page.html", "--format", "dot"], "leave out --format"),
        (["--format", "png"], "png"),
    ],
)
def test_bad_filters_are_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(GRAPH), *args]) == 2
    assert message in capsys.readouterr().err


def test_output_file_and_refusal_to_overwrite_a_vault_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.json"
    assert main(["graph", str(GRAPH), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert len(json.loads(out.read_text(encoding="utf-8"))["nodes"]) == 12
    vault = tmp_path / "vault"
    vault.mkdir()
    note = vault / "Note.md"
    note.write_text("[[Other]]\n", encoding="utf-8")
    assert main(["graph", str(vault), "-o", str(note)]) == 2
    assert main(["graph", str(vault), "--html", str(note)]) == 2
    assert main(["stats", str(vault), "-o", str(note)]) == 2
    assert "it is inside the vault" in capsys.readouterr().err
    assert note.read_text(encoding="utf-8") == "[[Other]]\n"
    assert main(["graph", str(vault), "--html", str(tmp_path / "a.html"), "-o", str(tmp_path / "b")]) == 2


def test_every_format_is_offered_on_the_command_line() -> None:
    assert set(GRAPH_FORMAT_NAMES) == set(GRAPH_FORMATS)


def _json_view(doc: dict) -> tuple[dict[str, dict], Counter]:
    return {n["id"]: n for n in doc["nodes"]}, Counter(edges(doc))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_formats_read_back_with_networkx(fmt: str, tmp_path: Path) -> None:
    nodes, expected = _json_view(graph_json(str(GRAPH)))
    path = tmp_path / f"graph.{fmt}"
    path.write_text(run_graph(str(GRAPH), "--format", fmt), encoding="utf-8")
    graph = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
    assert graph.is_directed()
    assert set(graph.nodes) == set(nodes)
    for node, data in graph.nodes(data=True):
        assert data["label"] == nodes[node]["title"]
        assert data["kind"] == nodes[node]["kind"]
    assert graph.nodes["Home.md"]["tags"] == "alpha,beta"
    assert graph.nodes["Home.md"]["status"] == "draft"
    got = Counter((u, v, d["kind"], int(d["line"])) for u, v, d in graph.edges(data=True))
    assert got == expected


_QSTR = r'"((?:[^"\\]|\\.)*)"'
_DOT_NODE = re.compile(rf"^  {_QSTR} \[(.*)\];$")
_DOT_EDGE = re.compile(rf"^  {_QSTR} -> {_QSTR} \[(.*)\];$")
_DOT_ATTR = re.compile(rf"(\w+)=(?:{_QSTR}|([\w#]+))(?:, |$)")


def _dot_unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def _dot_attrs(text: str) -> dict[str, str]:
    matches = list(_DOT_ATTR.finditer(text))
    assert "".join(m.group(0) for m in matches) == text, f"unreadable attributes: {text!r}"
    return {m.group(1): _dot_unquote(m.group(2)) if m.group(2) is not None else m.group(3) for m in matches}


def read_dot(text: str) -> tuple[dict[str, dict[str, str]], Counter]:
    """A strict reader for the DOT vaulttool writes: every line must be a known statement."""
    lines = text.splitlines()
    assert lines[:2] == ["digraph vault {", "  node [shape=ellipse];"]
    assert lines[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    links: Counter = Counter()
    for line in lines[2:-1]:
        edge = _DOT_EDGE.match(line)
        if edge:
            attrs = _dot_attrs(edge.group(3))
            links[(_dot_unquote(edge.group(1)), _dot_unquote(edge.group(2)), attrs["kind"], int(attrs["line"]))] += 1
            continue
        node = _DOT_NODE.match(line)
        assert node, f"not a DOT statement vaulttool writes: {line!r}"
        nodes[_dot_unquote(node.group(1))] = _dot_attrs(node.group(2))
    return nodes, links


def test_dot_reads_back(tmp_path: Path) -> None:
    nodes, expected = _json_view(graph_json(str(GRAPH)))
    dot_nodes, dot_edges = read_dot(run_graph(str(GRAPH), "--format", "dot"))
    assert list(dot_nodes) == list(nodes)
    assert {k: v["label"] for k, v in dot_nodes.items()} == {k: v["title"] for k, v in nodes.items()}
    assert dot_nodes["Ghost"]["style"] == "dashed"
    assert dot_edges == expected


_MERMAID_NODE = re.compile(r'^  (n\d+)\["([^"\n]*)"\](?::::(missing|attachment))?$')
_MERMAID_EDGE = re.compile(r"^  (n\d+) (-->|-\.->|==>) (n\d+)$")


def read_mermaid(text: str) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str, str]]]:
    """Mermaid as vaulttool writes it: {id: (label, class)} and the set of arrows."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, tuple[str, str]] = {}
    arrows: set[tuple[str, str, str]] = set()
    for line in lines[1:]:
        if line.startswith("  classDef "):
            continue
        node, edge = _MERMAID_NODE.match(line), _MERMAID_EDGE.match(line)
        assert node or edge, f"not a Mermaid statement vaulttool writes: {line!r}"
        if node:
            label = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), node.group(2))
            nodes[node.group(1)] = (label, node.group(3) or "note")
        elif edge:
            assert edge.group(1) in nodes and edge.group(3) in nodes
            arrows.add((edge.group(1), edge.group(2), edge.group(3)))
    return nodes, arrows


def test_mermaid_reads_back() -> None:
    doc = graph_json(str(GRAPH))
    nodes, arrows = read_mermaid(run_graph(str(GRAPH), "--format", "mermaid"))
    assert [label for label, _ in nodes.values()] == [n["title"] for n in doc["nodes"]]
    assert [kind for _, kind in nodes.values()] == [n["kind"] for n in doc["nodes"]]
    index = {n["id"]: f"n{i}" for i, n in enumerate(doc["nodes"])}
    arrow = {"body": "-->", "embed": "-.->", "frontmatter": "==>"}
    assert arrows == {(index[s], arrow[k], index[t]) for s, t, k, _ in edges(doc)}


@pytest.fixture
def hostile_vault(tmp_path: Path) -> Path:
    """Note names and titles holding the characters each format must escape."""
    vault = tmp_path / "hostile"
    vault.mkdir()
    (vault / 'Say "hi" \\ bye.md').write_text("[[Esc\x1bape]] [[New\nline]] [[a#b]]\n", encoding="utf-8")
    (vault / "Esc\x1bape.md").write_text(
        '---\ntitle: "</script><b>&amp; `x` #35; 50%"\n---\n[[Say "hi" \\ bye]]\n', encoding="utf-8"
    )
    (vault / "New\nline.md").write_text("[[Esc\x1bape]]\n", encoding="utf-8")
    return vault


def test_hostile_names_survive_every_format(hostile_vault: Path, tmp_path: Path) -> None:
    doc = graph_json(str(hostile_vault))
    nodes, expected = _json_view(doc)
    assert nodes["Esc\x1bape.md"]["title"] == "</script><b>&amp; `x` #35; 50%"
    dot_nodes, dot_edges = read_dot(run_graph(str(hostile_vault), "--format", "dot"))
    assert set(dot_nodes) == set(nodes)
    assert dot_edges == expected
    mermaid_nodes, _ = read_mermaid(run_graph(str(hostile_vault), "--format", "mermaid"))
    assert sorted(label for label, _ in mermaid_nodes.values()) == sorted(n["title"] for n in doc["nodes"])
    for fmt in ("graphml", "gexf"):
        path = tmp_path / f"hostile.{fmt}"
        path.write_text(run_graph(str(hostile_vault), "--format", fmt), encoding="utf-8")
        graph = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
        assert "Esc\ufffdape.md" in graph  # XML cannot hold ESC: it becomes U+FFFD
        assert graph.number_of_edges() == len(doc["edges"])
