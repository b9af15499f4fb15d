"""Configuration files, schema files, selection, severities and suppression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.commands.cli import cli, main
from vaulttool.engine.options import options_for
from vaulttool.incremental.check import check
from vaulttool.model.config import ConfigError, load_settings
from vaulttool.model.schema_files import SchemaError, load_schema_text, load_schemas

NOTE = """---
title: T
template: plain
---
# T

[[Nowhere]]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_config_wins_and_pyproject_needs_its_table(tmp_path: Path) -> None:
    vault = tmp_path / "repo" / "notes"
    vault.mkdir(parents=True)
    write(tmp_path / ".vaulttool.toml", "ignore = ['orphan-note']\n")
    write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load_settings(vault).source == tmp_path / ".vaulttool.toml"
    write(tmp_path / "repo" / "pyproject.toml", "[tool.vaulttool]\nselect = ['broken-link']\n")
    settings = load_settings(vault)
    assert settings.source == tmp_path / "repo" / "pyproject.toml"
    assert settings.config.select == ["broken-link"]


def test_unknown_key_is_an_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path / ".vaulttool.toml", "selct = ['broken-link']\n")
    with pytest.raises(ConfigError, match="unknown key 'selct'"):
        _ = load_settings(tmp_path).config
    assert main(["check", str(tmp_path)]) == 2
    assert str(config) in capsys.readouterr().err


def test_config_selects_ignores_and_sets_severity(tmp_path: Path) -> None:
    write(tmp_path / "A.md", "[[Nowhere]]\n")
    write(tmp_path / ".vaulttool.toml", "[severity]\nbroken-link = 'warning'\norphan-note = 'off'\n")
    report = check(tmp_path)
    assert [(d.rule, d.severity.value) for d in report.diagnostics] == [("broken-link", "warning")]
    assert main(["check", str(tmp_path)]) == 0
    assert main(["check", str(tmp_path), "--strict"]) == 1


def test_a_per_note_rule_s_severity_is_set_too(tmp_path: Path) -> None:
    write(tmp_path / "A.md", "---\nup: [[B]]\n---\n[[Nowhere]]\n")  # frontmatter-link-unquoted: a warning
    write(tmp_path / "B.md", "[[A]]\n")
    write(
        tmp_path / ".vaulttool.toml",
        "[severity]\nfrontmatter-link-unquoted = 'info'\nbroken-link = 'warning'\norphan-note = 'off'\n",
    )
    found = {d.rule: d.severity.value for d in check(tmp_path).diagnostics}
    assert found == {"frontmatter-link-unquoted": "info", "broken-link": "warning"}


def test_explicit_config_and_custom_schemas(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    write(vault / "T.md", NOTE)
    write(
        tmp_path / "conf" / "schemas" / "plain.yaml",
        "fields:\n  status: {type: enum, values: [done], required: true}\n",
    )
    config = write(tmp_path / "conf" / "vt.toml", "schemas = 'schemas'\nselect = ['frontmatter-missing']\n")
    code = main(["check", str(vault), "--config", str(config)])
    assert code == 1
    options = options_for(vault, config)
    assert [s.name for s in options.schemas] == ["plain"]
    (finding,) = check(vault, options).diagnostics
    assert (finding.rule, finding.field) == ("frontmatter-missing", "status")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("fields:\n  title: {type: txet}\n", 2, "field 'title': unknown type 'txet'"),
        ("name: x\nfields:\n  tags:\n    type: list\n", 4, "needs 'items'"),
        ("name: Bad Name\n", 1, "name"),
        ("sections:\n  - {heading: A, levl: 2}\n", 2, "levl"),
        ("fields: [a\n", 2, "not valid YAML"),
        ("fields:\n  code: {type: pattern, pattern: '([a-'}\n", 2, "does not compile"),
    ],
)
def test_schema_file_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SchemaError) as info:
        load_schema_text(text, "schemas/x.yaml")
    assert info.value.path == "schemas/x.yaml"
    assert info.value.line == line
    assert words in info.value.message


def test_schema_typo_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "schemas" / "bad.yaml", "fields:\n  title: {type: txet}\n")
    write(tmp_path / ".vaulttool.toml", "schemas = 'schemas'\n")
    assert main(["check", str(tmp_path)]) == 2
    assert "bad.yaml:2: field 'title': unknown type 'txet'" in capsys.readouterr().err


def test_schema_order_and_matching(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    write(folder / "a.yaml", "match: {has_keys: [topics]}\npriority: 50\n")
    write(folder / "b.yaml", "match: {frontmatter: {status: stub}}\npriority: 10\n")
    write(folder / "c.yaml", "match: {paths: ['Daily/*']}\n")
    schemas = load_schemas(folder)
    assert [s.name for s in schemas] == ["b", "a", "c"]
    assert [s.name for s in load_schemas(folder, ["c"])] == ["c", "b", "a"]
    from vaulttool.model.schema import schema_for

    assert schema_for(schemas, "x.md", {"topics": [], "status": "stub"}).name == "b"  # type: ignore[union-attr]
    assert schema_for(schemas, "x.md", {"topics": [], "template": "c"}).name == "c"  # type: ignore[union-attr]
    assert schema_for(schemas, "Daily/1.md", None).name == "c"  # type: ignore[union-attr]
    assert schema_for(schemas, "x.md", {"tags": ["moc"]}) is None
    with pytest.raises(SchemaError, match="names 'zz'"):
        load_schemas(folder, ["zz"])


def test_schema_export_writes_json_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schema", "export", "topic-overview", "--vault", str(tmp_path)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["title"] == "topic-overview"
    assert set(document["required"]) >= {"title", "tags", "topics", "links", "created"}
    assert document["properties"]["status"]["enum"] == ["draft", "review", "published", "stub"]
    assert document["properties"]["created"]["format"] == "date"
    assert document["properties"]["aliases"]["anyOf"][1] == {"type": "null"}
    missing = CliRunner().invoke(cli, ["schema", "export", "nope", "--vault", str(tmp_path)])
    assert missing.exit_code == 2


def test_frontmatter_ignore_silences_a_note(tmp_path: Path) -> None:
    write(tmp_path / "A.md", "---\nvaulttool: {ignore: [broken-link]}\n---\n[[Nowhere]] [[B]]\n")
    write(tmp_path / "B.md", "[[Nowhere]] [[A]]\n")
    assert [d.path for d in check(tmp_path).diagnostics if d.rule == "broken-link"] == ["B.md"]


def test_disable_enable_comments(tmp_path: Path) -> None:
    write(
        tmp_path / "A.md",
        "[[One]]\n<!-- vaulttool-disable broken-link -->\n[[Two]]\n<!-- vaulttool-enable broken-link -->\n"
        "[[Three]]\n<!-- vaulttool-disable-next-line -->\n[[Four]]\n[[Five]]\n<!-- vaulttool-disable -->\n[[Six]]\n",
    )
    report = check(tmp_path)
    assert [d.target for d in report.diagnostics if d.rule == "broken-link"] == ["One", "Three", "Five"]


def test_rules_command_prints_documentation() -> None:
    result = CliRunner().invoke(cli, ["rules", "keyword-not-in-text"])
    assert "Default severity: warning" in result.output
    assert "Snowball stem" in result.output
