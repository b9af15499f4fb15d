"""`vaulttool stats`: counts, hubs, components and tallies, as JSON and as tables."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import FIXTURES, SAMPLE_VAULT
from vaulttool.commands.cli import cli

GRAPH = FIXTURES / "graph"


def run_stats(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, ["stats", *args], standalone_mode=False, env=env)
    assert result.exception is None, result.output
    assert result.return_value == 0
    return result.stdout


def test_json_on_the_graph_fixture() -> None:
    doc = json.loads(run_stats(str(GRAPH), "--format", "json"))
    assert doc == {
        "version": "0.1.0",
        "vault": str(GRAPH),
        "notes": 7,
        "links": 14,
        "attachments": 2,
        "missing_targets": 3,
        "orphans": 2,  # Archive/Old/Index.md and Island.md
        "dead_ends": 3,  # Island.md, Lonely.md, Projects/Twin.md
        "components": 2,  # Island.md stands alone
        "largest_component": 6,
        "hubs": [
            {"path": "Archive/Old/Twin.md", "backlinks": 2},
            {"path": "Home.md", "backlinks": 2},
            {"path": "Projects/Twin.md", "backlinks": 2},
            {"path": "Lonely.md", "backlinks": 1},
            {"path": "Projects/Plan.md", "backlinks": 1},
        ],
        "missing": [
            {"target": "Ghost", "sources": 2},
            {"target": "Maps MOC", "sources": 1},
            {"target": "No Such Note.md", "sources": 1},
        ],
        "schemas": [{"schema": None, "notes": 7}],
        "statuses": [{"status": None, "notes": 5}, {"status": "draft", "notes": 1}, {"status": "review", "notes": 1}],
    }


def test_self_links_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("# A\n\n[[#A]] [[A]]\n", encoding="utf-8")
    (tmp_path / "B.md").write_text("[[A]]\n", encoding="utf-8")
    doc = json.loads(run_stats(str(tmp_path), "--format", "json"))
    assert (doc["orphans"], doc["dead_ends"], doc["components"]) == (1, 1, 1)
    assert doc["hubs"] == [{"path": "A.md", "backlinks": 1}]


def test_empty_vault(tmp_path: Path) -> None:
    doc = json.loads(run_stats(str(tmp_path), "--format", "json"))
    assert (doc["notes"], doc["components"], doc["largest_component"], doc["hubs"]) == (0, 0, 0, [])


def test_text_tables() -> None:
    text = run_stats(str(GRAPH))
    assert "\x1b[" not in text
    assert text.splitlines()[0] == f"Vault {GRAPH}"
    for title in ("Counts", "Top hubs", "Most linked missing targets", "Notes per status", "Notes per schema"):
        assert title in text
    rows = {line.strip("│┃ ").split("│")[0].strip(): line for line in text.splitlines() if "│" in line}
    assert rows["Notes"].split("│")[-2].strip() == "7"
    assert rows["Connected components"].split("│")[-2].strip() == "2"
    assert "(none)" in text  # notes without a status or schema


def test_text_colour_and_escaping(tmp_path: Path) -> None:
    (tmp_path / "evil\x1bc.md").write_text("[[x]]\n", encoding="utf-8")
    (tmp_path / "B.md").write_text("[[evil\x1bc]]\n", encoding="utf-8")
    text = run_stats(str(tmp_path), env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "evil\\x1bc.md" in text  # listed as a hub, escaped
    assert "\x1bc" not in text
    assert "\x1b[" in text  # coloured on request
    assert "\x1b[" not in run_stats(str(SAMPLE_VAULT), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})


def test_a_note_that_links_only_to_missing_targets_is_a_dead_end(tmp_path: Path) -> None:
    (tmp_path / "Start.md").write_text("[[Nowhere]] [[Also nowhere#Part]] [[Start]]\n", encoding="utf-8")
    (tmp_path / "Next.md").write_text("[[Start]] [[Nowhere]]\n", encoding="utf-8")
    doc = json.loads(run_stats(str(tmp_path), "--format", "json"))
    assert (doc["dead_ends"], doc["missing_targets"]) == (1, 2)  # Start.md leads nowhere; Next.md leads to it
    assert "Dead ends (no link to another existing file)" in run_stats(str(tmp_path))


def test_a_vault_loaded_without_its_links_counts_as_its_link_graph(tmp_path: Path) -> None:
    import random

    from tests.vaultgen import make_vault, random_edit
    from vaulttool.engine.options import options_for
    from vaulttool.incremental.check import load_resolved, load_vault
    from vaulttool.output.stats import vault_stats

    vault = make_vault(tmp_path / "vault", notes=60, seed=5)
    (vault / "Alone.md").write_text("No links at all.\n", encoding="utf-8")  # an orphan, a dead end, an island
    (vault / "Self.md").write_text("[[Self]] and [[Nowhere]] and [[nowhere.md]] and [[Note 1.md]]\n", encoding="utf-8")
    rng = random.Random(3)
    for _ in range(20):
        random_edit(vault, rng)
    options = options_for(vault)
    graph = load_vault(vault, options).context.graph
    stats = vault_stats(load_resolved(vault, options).context, str(vault))
    sizes = graph.note_components()
    notes = [node for node in graph.graph.nodes if graph.kind(node) == "note"]
    assert stats.missing_targets == len(graph.unresolved())
    assert (stats.orphans, stats.dead_ends) == (len(list(graph.orphans())), len(list(graph.dead_ends())))
    assert (stats.components, stats.largest_component) == (len(sizes), sizes[0])
    assert dict(stats.hubs).items() <= {path: len(graph.backlinks(path)) for path in notes}.items()
    assert dict(stats.missing).items() <= {t: len(graph.sources_of(t)) for t in graph.unresolved()}.items()
    assert stats.orphans and stats.dead_ends and stats.components > 1
