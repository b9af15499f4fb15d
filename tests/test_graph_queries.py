"""Graph queries answered without networkx agree with the networkx graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES
from vaulttool.engine.load import load_vault
from vaulttool.engine.options import Options
from vaulttool.model.graph import (
    LinkGraph,
    LinkResolver,
    anchored_links,
    orphan_notes,
    targets,
    unresolved_links,
)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_orphans_without_networkx_are_the_graphs_orphans(tmp_path: Path) -> None:
    vault = write(
        tmp_path,
        {
            "Hub.md": "[[A]] [[B#Part]] [[Gone]]",
            "A.md": "[[A]] only itself",
            "B.md": "## Part\n![[pic.png]]",
            "Lonely.md": "no links in or out",
            "Self.md": "[[Self]] and [[Hub]]: linked by itself alone",
            "sub/Deep.md": "---\nlinks: ['[[Hub]]']\n---\n",
            "pic.png": "",
        },
    )
    ctx = load_vault(vault, Options()).context
    graph = LinkGraph(ctx.notes, ctx.attachments, ctx.resolved)
    orphans = ["Lonely.md", "Self.md", "sub/Deep.md"]
    assert orphan_notes(ctx.notes, ctx.linked) == list(graph.orphans()) == orphans


def test_link_filters_keep_order(tmp_path: Path) -> None:
    vault = write(tmp_path, {"N.md": "# H\n[[Nope]] [[#H]] [[M#x]] [[M]] [[Gone#y]]", "M.md": "text"})
    ctx = load_vault(vault, Options()).context
    assert [i.link.raw for i in unresolved_links(ctx.resolved)] == ["Nope", "Gone#y"]
    assert [i.link.raw for i in anchored_links(ctx.resolved)] == ["#H", "M#x"]
    assert ctx.unresolved == unresolved_links(ctx.resolved) and ctx.anchored == anchored_links(ctx.resolved)


def test_known_resolutions_are_reused_only_when_they_fit() -> None:
    ctx = load_vault(FIXTURES / "links", Options()).context
    resolver = LinkResolver(ctx.index)
    path = "Home.md"
    note = ctx.notes[path]
    fresh = resolver.links(path, note)
    assert resolver.links(path, note, targets(fresh)) == fresh
    assert resolver.links(path, note, ("stale",)) == fresh  # a different number of links: resolved again


def test_check_does_not_import_networkx() -> None:
    code = "import sys, pathlib, vaulttool as v; v.check(pathlib.Path(sys.argv[1])); print('networkx' in sys.modules)"
    cmd = [sys.executable, "-c", code, str(FIXTURES / "links")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
