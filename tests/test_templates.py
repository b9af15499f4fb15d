"""Template rules on the seed note: the raw seed, the repaired one, and one mutation at a time."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VAULT
from tests.test_cli import TOPICS
from tests.test_fix import TEMPLATE_RULES as ONE_NOTE_TEMPLATE_RULES
from vaulttool.incremental.check import check

SEED_NAME = "Python Concurrency Patterns.md"
TEMPLATE_RULES = ONE_NOTE_TEMPLATE_RULES | {"missing-topic"}  # missing-topic also reads the vault


def rules_in(vault: Path) -> Counter[str]:
    report = check(vault)
    return Counter(d.rule for d in report.diagnostics if d.severity.value != "info")


def test_raw_seed_reports_exactly_its_template_defects(seed_vault: Path) -> None:
    report = check(seed_vault)
    template = Counter(d.rule for d in report.diagnostics if d.rule in TEMPLATE_RULES | {"missing-moc"})
    assert template == Counter({"mojibake": 1, "frontmatter-type": 1, "forbidden-content": 1, "missing-moc": 1})
    by_rule = {d.rule: d for d in report.diagnostics}
    assert by_rule["frontmatter-type"].field == "tags"
    assert by_rule["frontmatter-type"].line == 3
    assert "one string" in by_rule["frontmatter-type"].message
    assert by_rule["forbidden-content"].line == 50
    assert "Delivered strictly per template" in by_rule["forbidden-content"].message
    assert by_rule["mojibake"].line == 2
    assert "'â€“' should read '–'" in by_rule["mojibake"].message  # noqa: RUF001
    # each topic without a note is reported once: by the broken-link of its row in the topics table
    topics = [d for d in report.diagnostics if d.rule == "broken-link"]
    assert sorted(d.target for d in topics) == sorted(TOPICS)
    assert all("vaulttool stub --topics" in d.message and d.column == 4 for d in topics)


@pytest.fixture
def complete_vault(tmp_path: Path) -> Path:
    """The repaired seed with a note for each of its topics and its MOC: nothing to report.

    The vault enables the topic-overview template, so a mutation that removes a property
    the template requires still leaves the note under it.
    """
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / ".vaulttool.toml").write_text('templates = ["topic-overview"]\n', encoding="utf-8")
    shutil.copy(SAMPLE_VAULT / SEED_NAME, vault / SEED_NAME)
    for name in [*TOPICS, "Python MOC"]:
        (vault / f"{name}.md").write_text(f"# {name}\n\nBack to [[Python Concurrency Patterns]].\n", encoding="utf-8")
    return vault


def _edit(vault: Path, change: Callable[[str], str]) -> None:
    note = vault / SEED_NAME
    before = note.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, "the mutation did not apply"
    note.write_text(after, encoding="utf-8")


def _cut_first_description(text: str) -> str:
    row = next(line for line in text.splitlines() if line.startswith("|**[[Threading]]**|"))
    words = row.split("|")[2].split()
    return text.replace(row, f"|**[[Threading]]**|{' '.join(words[:20])}|")


MUTATIONS: dict[str, tuple[Callable[[str], str], dict[str, int]]] = {
    "description cut to 20 words": (_cut_first_description, {"description-too-short": 1}),
    "topic removed from frontmatter": (lambda t: t.replace("  - AsyncIO\n", "", 1), {"topics-mismatch": 1}),
    "keywords section deleted": (lambda t: t[: t.index("### 🔑 Keywords")], {"section-missing": 1}),
    "fenced code example added": (
        lambda t: t + "\n```python\nimport threading\n```\n",
        {"forbidden-content": 1},
    ),
    "follow-up offer appended": (
        lambda t: t + "\nWould you like me to add a comparison table?\n",
        {"forbidden-content": 1},
    ),
    "follow-up offer in the keywords": (
        lambda t: t.replace("architecture alignment", "architecture alignment, let me know"),
        {"forbidden-content": 1, "keyword-not-in-text": 1},
    ),
    "follow-up offer with a ligature": (
        lambda t: t + "\nDelivered \ufb06rictly per template.\n",  # the ligature casefolds to "st"
        {"forbidden-content": 1},
    ),
    "importance 7/5": (lambda t: t.replace("importance: 5/5", "importance: 7/5"), {"frontmatter-type": 1}),
    "status publishd": (lambda t: t.replace("status: published", "status: publishd"), {"frontmatter-type": 1}),
    "title removed": (lambda t: re.sub(r"(?m)^title: .*\n", "", t, count=1), {"frontmatter-missing": 1}),
    "keyword found nowhere": (
        lambda t: t.replace("architecture alignment", "architecture alignment, quantum entanglement"),
        {"keyword-not-in-text": 1},
    ),
    "keyword found nowhere, silenced": (
        lambda t: t.replace(
            "### 🔑 Keywords\n", "<!--\u00a0vaulttool-disable keyword-not-in-text -->\n\n### 🔑 Keywords\n"
        ).replace("architecture alignment", "architecture alignment, quantum entanglement"),
        {},
    ),
    "emoji removed from a heading": (lambda t: t.replace("## 🧠 Overview", "## Overview"), {}),
    "double-encoded heading": (
        lambda t: t.replace("## 🧠 Overview", "## \u00f0\u0178\u00a7\u00a0 Overview"),
        {"mojibake": 1},
    ),
}


def test_repaired_seed_is_clean(complete_vault: Path) -> None:
    assert rules_in(complete_vault) == Counter()


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_yields_exactly_its_rule(complete_vault: Path, name: str) -> None:
    change, expected = MUTATIONS[name]
    _edit(complete_vault, change)
    assert rules_in(complete_vault) == Counter(expected)


def test_messages_say_what_was_found_and_what_is_wanted(complete_vault: Path) -> None:
    _edit(complete_vault, _cut_first_description)
    _edit(complete_vault, lambda t: t.replace("importance: 5/5", "importance: 7/5"))
    messages = {d.rule: d for d in check(complete_vault).diagnostics}
    short = messages["description-too-short"]
    assert short.message == "description of [[Threading]] has 20 words; topic-overview wants more than 25"
    assert short.line == 46
    wrong = messages["frontmatter-type"]
    assert wrong.message == "'importance' is '7/5'; topic-overview wants a score k/5 with k from 1 to 5"
    assert (wrong.line, wrong.field) == (34, "importance")


def test_keywords_match_by_stem_and_skip_stop_words(complete_vault: Path) -> None:
    _edit(complete_vault, lambda t: t.replace("avoid catastrophic system failures", "avoid deadlocks"))
    _edit(complete_vault, lambda t: t.replace("deadlock prevention", "deadlock prevention, prevented deadlocks"))
    assert rules_in(complete_vault) == Counter()


def test_unquoted_link_and_comma_tags(complete_vault: Path) -> None:
    _edit(complete_vault, lambda t: t.replace('  - "[[Python MOC]]"', "  - [[Python MOC]]"))
    found = [d for d in check(complete_vault).diagnostics if d.severity.value != "info"]
    assert [(d.rule, d.field) for d in found] == [("frontmatter-link-unquoted", "links")]
    assert "YAML reads a nested list" in found[0].message
