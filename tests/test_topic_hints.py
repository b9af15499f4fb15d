"""broken-link says when a missing note is one of the note's own topics, from its topics table too."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import SEED
from vaulttool.commands.cli import cli
from vaulttool.incremental.check import check

HINT = "it is a topic of this note with no note yet"


def test_a_topic_in_the_table_of_a_note_whose_properties_do_not_parse(tmp_path: Path) -> None:
    # an unclosed flow list: the topics property is lost with the rest, the topics table is not
    text = SEED.read_text(encoding="utf-8").replace("aliases: [Concurrency,", "aliases: [Concurrency, [", 1)
    (tmp_path / SEED.name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "json", "--no-cache", "-j", "1"])
    found = json.loads(result.stdout)["diagnostics"]
    assert any(d["rule"] == "frontmatter-syntax" for d in found)
    hints = {d["target"]: HINT in d["message"] for d in found if d["rule"] == "broken-link"}
    assert hints["Threading"] and hints["Hybrid & Scalable Architectures"]
    library = check(tmp_path, jobs=1)  # the whole context: the same hints
    assert [d.message for d in library.diagnostics if d.rule == "broken-link"] == [
        d["message"] for d in found if d["rule"] == "broken-link"
    ]
