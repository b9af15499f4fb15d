"""Reports that match Obsidian on vaults nobody here wrote: stubs, templates, one report per cause."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.test_frontmatter_links import diagnostics, write_vault
from vaulttool.cli import cli


def test_stub_all_skips_the_alias_of_an_existing_note(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path,
        {
            "Concurrency Basics.md": "---\naliases: [Concurrency]\n---\n[[Home]]\n",
            "Home.md": "[[Concurrency]] and [[Locks]]\n",
        },
    )
    (broken,) = [d for d in diagnostics(vault, "broken-link") if d.target == "Concurrency"]
    assert "alias of 'Concurrency Basics.md'" in broken.message
    result = CliRunner().invoke(cli, ["stub", "--all", str(vault)])
    assert result.exit_code == 0, result.output
    assert (
        "Home.md:1: stub-skipped no stub for 'Concurrency': it is an alias of 'Concurrency Basics.md'; "
        "link [[Concurrency Basics|Concurrency]] instead" in result.output
    )
    assert "created Locks.md" in result.output
    assert not (vault / "Concurrency.md").exists()
