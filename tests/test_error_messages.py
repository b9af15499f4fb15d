"""Errors that teach: unknown names get a near spelling, schema and configuration errors speak the user's terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.commands.cli import main
from vaulttool.model.suggest import did_you_mean


def run(*args: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, standard output and standard error."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        code = main(list(args))
        return code, out.getvalue().decode(), err.getvalue().decode()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write(root / "A.md", "[[B]]\n")
    write(root / "B.md", "[[A]]\n")
    return root


def test_did_you_mean_names_the_near_names_only() -> None:
    assert did_you_mean("brokn-link", ["broken-link", "orphan-note"]) == " (did you mean 'broken-link'?)"
    assert did_you_mean("JSON", ["json", "text"]) == " (did you mean 'json'?)"
    assert did_you_mean("zzz", ["json", "text"]) == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--select", "brokn-link"], "--select: unknown rule 'brokn-link' (did you mean 'broken-link'"),
        (["--ignore", "orphan"], "--ignore: unknown rule 'orphan' (did you mean 'orphan-note'?)"),
        (["--format", "jsn"], "'jsn' is not one of 'auto', 'text', 'json', 'github', 'sarif' (did you mean 'json'?)"),
    ],
)
def test_unknown_names_on_the_command_line(vault: Path, args: list[str], words: str) -> None:
    code, out, err = run("check", str(vault), *args)
    assert code == 2 and out == ""
    assert words in err


def test_unknown_stats_and_graph_formats(vault: Path) -> None:
    assert "(did you mean 'mermaid'?)" in run("graph", str(vault), "--format", "mermiad")[2]
    assert "(did you mean 'text'?)" in run("stats", str(vault), "--format", "txt")[2]


def test_an_unknown_rule_in_the_config_file_says_it_came_from_there(vault: Path) -> None:
    config = write(vault / ".vaulttool.toml", "[severity]\nbroken-lnk = 'warning'\n")
    code, _, err = run("check", str(vault))
    assert code == 2
    assert err == (
        f"vaulttool: error: {config}: severity: unknown rule 'broken-lnk' (did you mean 'broken-link'?); "
        "'vaulttool rules' lists them\n"
    )


def test_config_errors_are_one_line_naming_the_file_without_the_usage_block(vault: Path) -> None:
    config = write(vault / ".vaulttool.toml", "selct = ['broken-link']\nmax-file-size = 0\n")
    code, _, err = run("check", str(vault))
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "Usage:" not in err and "--help" not in err
    assert err.startswith(f"vaulttool: error: {config}: ")
    assert "unknown key 'selct' (did you mean 'select'?)" in err
    write(vault / ".vaulttool.toml", "[severity]\nbroken-link = 'eror'\n")
    err = run("check", str(vault))[2]
    assert "'eror' is not one of error, warning, info, off (did you mean 'error'?)" in err


def schema_error(vault: Path, text: str) -> tuple[Path, str]:
    """The one-line error of a check whose only schema file holds ``text``."""
    write(vault.parent / ".vaulttool.toml", "schemas = 'schemas'\n")
    schema = write(vault.parent / "schemas" / "t.yaml", text)
    code, _, err = run("check", str(vault))
    assert code == 2
    assert len(err.splitlines()) == 1 and "Usage:" not in err
    return schema, err


def test_a_misspelt_field_type_lists_every_type(vault: Path) -> None:
    schema, err = schema_error(vault, "name: t\nfields:\n  rating:\n    type: scroe\n    scale: 5\n")
    assert err.startswith(f"vaulttool: error: {schema}:4: field 'rating': unknown type 'scroe' (did you mean 'score'?)")
    for kind in ("text", "wikilink", "url", "date", "datetime", "number", "checkbox", "list", "enum", "pattern"):
        assert f" {kind}," in err or f" {kind} " in err
    assert "literal[" not in err and "Input should be" not in err


def test_a_misspelt_type_in_a_list_of_types(vault: Path) -> None:
    _, err = schema_error(vault, "name: t\nfields:\n  size:\n    type: [text, nubmer]\n")
    assert "field 'size': 'nubmer' is not a type a list of types may hold (did you mean 'number'?)" in err


def test_an_unknown_schema_key_suggests_the_known_one(vault: Path) -> None:
    text = "name: t\nfields:\n  tags:\n    type: list\n    items: {type: text}\n    min_itens: 2\n"
    schema, err = schema_error(vault, text)
    assert err.startswith(f"vaulttool: error: {schema}:6: unknown key 'min_itens' in fields.tags")
    assert "(did you mean 'min_items'" in err
    assert "Extra inputs" not in err
    _, err = schema_error(vault, "name: t\nsections:\n  - heading: A\n    levl: 2\n")
    assert "unknown key 'levl' in sections item 1 (did you mean 'level'?)" in err


def test_yaml_errors_in_schema_files_name_the_schema_file(vault: Path) -> None:
    schema, err = schema_error(vault, "name: t\nfields:\n  tags: [\n")
    assert err.startswith(f"vaulttool: error: {schema}:4: not valid YAML: ")
    assert "<unicode string>" not in err


def test_an_unknown_schema_name_suggests_the_near_one(vault: Path) -> None:
    code, _, err = run("schema", "export", "topic-overveiw", "--vault", str(vault))
    assert code == 2
    assert "no schema named 'topic-overveiw' (did you mean 'topic-overview'?)" in err
    write(vault / ".vaulttool.toml", "schema-order = ['topic-overveiw']\n")
    err = run("check", str(vault))[2]
    assert "schema order names 'topic-overveiw', which no schema file defines (did you mean 'topic-overview'?)" in err
