"""`vaulttool rules`: one line per rule, a rule's documentation as plain text, JSON for both."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vaulttool.commands.cli import main
from vaulttool.rules import ALL_RULES, SCOPE_WORDS, SCOPES, describe, rule_named, rule_scope


def run(*args: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, standard output and standard error."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(list(args))
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_rules_lists_id_severity_scope_and_one_line_each() -> None:
    code, out, _ = run("rules")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(ALL_RULES)
    for line, rule in zip(lines, ALL_RULES, strict=True):
        rule_id, severity, scope, summary = line.split(maxsplit=3)
        assert (rule_id, severity, scope) == (rule.ID, rule.DEFAULT_SEVERITY.value, rule_scope(rule))
        assert summary and "``" not in summary
    anchor = next(line for line in lines if line.startswith("broken-anchor "))
    assert anchor.split(maxsplit=3)[3] == "the note resolves, but its #heading or #^block does not."


def test_every_scope_is_explained() -> None:
    assert set(SCOPE_WORDS) == set(SCOPES)


def test_a_rules_documentation_is_plain_text() -> None:
    code, out, _ = run("rules", "broken-link")
    assert code == 0
    assert out.startswith(f"broken-link: {describe(rule_named('broken-link'))[0]}\n")
    assert "\nDefault severity: error\nScope: links (" in out
    assert "``" not in out
    assert "such as [[house/todo]]" in " ".join(out.split())
    assert "(vaulttool stub --all)" in " ".join(out.split())
    assert max(map(len, out.splitlines())) <= 88


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_no_rule_documentation_keeps_markup(rule: object) -> None:
    code, out, _ = run("rules", rule.ID, "--format", "json")  # type: ignore[attr-defined]
    assert code == 0
    entry = json.loads(out)
    assert "``" not in entry["summary"] + entry["documentation"]


def test_rules_as_json() -> None:
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    entries = json.loads(out)
    assert [entry["id"] for entry in entries] == [rule.ID for rule in ALL_RULES]
    assert next(entry for entry in entries if entry["id"] == "broken-link") == {
        "id": "broken-link",
        "severity": "error",
        "scope": "links",
        "summary": describe(rule_named("broken-link"))[0],
    }
    code, out, _ = run("rules", "mojibake", "--format", "json")
    entry = json.loads(out)
    assert (entry["id"], entry["severity"], entry["scope"]) == ("mojibake", "error", "note")
    assert entry["documentation"].startswith("Happens when UTF-8 bytes are read as Windows-1252")


def test_an_unknown_rule_gets_a_did_you_mean() -> None:
    code, out, err = run("rules", "brokn-link")
    assert code == 2 and out == ""
    assert "unknown rule 'brokn-link' (did you mean 'broken-link'" in err
