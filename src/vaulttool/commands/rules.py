"""``vaulttool rules``: list the rules, or print one rule's documentation."""

from __future__ import annotations

import sys

import click

from vaulttool.commands.common import EXIT_OK, STATS_FORMAT_NAMES, Choice


@click.command("rules")
@click.argument("rule_id", metavar="[RULE]", required=False)
@click.option(
    "--format", "fmt", type=Choice(STATS_FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
def rules_command(rule_id: str | None, fmt: str) -> int:
    """List the rules (id, default severity, scope, summary), or print RULE's documentation."""
    import json
    import shutil
    import textwrap

    from vaulttool.rules import ALL_RULES, SCOPE_WORDS, UnknownRule, describe, rule_named, rule_scope

    try:
        chosen = [rule_named(rule_id)] if rule_id is not None else list(ALL_RULES)
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc
    entries = []
    for rule in chosen:
        summary, body = describe(rule)
        entry = {"id": rule.ID, "severity": rule.DEFAULT_SEVERITY.value, "scope": rule_scope(rule), "summary": summary}
        entries.append(entry if rule_id is None else {**entry, "documentation": body})
    if fmt == "json":
        click.echo(json.dumps(entries[0] if rule_id is not None else entries, indent=2, ensure_ascii=False))
    elif rule_id is None:
        width = max(len(entry["id"]) for entry in entries)
        for entry in entries:
            click.echo(f"{entry['id']:<{width}}  {entry['severity']:<7}  {entry['scope']:<5}  {entry['summary']}")
    else:
        entry = entries[0]
        width = min(shutil.get_terminal_size((88, 24)).columns, 88) if sys.stdout.isatty() else 88
        click.echo(f"{entry['id']}: {entry['summary']}")
        click.echo(f"Default severity: {entry['severity']}")
        click.echo(f"Scope: {entry['scope']} ({SCOPE_WORDS[entry['scope']]})")
        for paragraph in entry["documentation"].split("\n\n"):
            click.echo()
            click.echo(textwrap.fill(paragraph, width, break_long_words=False, break_on_hyphens=False))
    return EXIT_OK
