"""The README stays true: what it documents is held against the program's own output."""

from __future__ import annotations

import re

from tests.conftest import REPO
from vaulttool.rules import ALL_RULES, rule_scope

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the README section headed ``title`` (up to the next heading of any level)."""
    start = README.index(f"\n{title}\n") + len(title) + 2
    following = re.search(r"^#{1,6} ", README[start:], re.MULTILINE)
    return README[start : start + following.start()] if following else README[start:]


def test_the_rules_table_lists_every_rule_with_its_severity_and_scope() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| (\w+) \| (\w+) \|", section("## Rules"), re.MULTILINE)
    assert sorted(rows) == sorted((rule.ID, rule.DEFAULT_SEVERITY.value, rule_scope(rule)) for rule in ALL_RULES)
