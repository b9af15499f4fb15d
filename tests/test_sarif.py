"""`--format sarif`: valid SARIF 2.1.0 carrying what GitHub code scanning reads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator

from tests.conftest import FIXTURES, REPO
from vaulttool.commands.cli import cli, main
from vaulttool.output.sarif import artifact_uri
from vaulttool.rules import ALL_RULES

SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# RFC 3986 relative-ref made of a path only: unreserved, sub-delims, ":" "@" "/" and %XX escapes
URI_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")


def sarif_of(vault: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    result = CliRunner().invoke(cli, ["check", str(vault), "--format", "sarif", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.stdout)


def test_the_vendored_schema_is_the_oasis_one() -> None:
    Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")


def test_fixture_vaults_validate_against_the_sarif_schema() -> None:
    for name in ("links", "frontmatter"):
        log = sarif_of(FIXTURES / name)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(SCHEMA).iter_errors(log)]
        assert errors == []
        assert log["runs"][0]["results"]


def test_driver_and_rules_carry_what_code_scanning_needs() -> None:
    driver = sarif_of(FIXTURES / "links")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "vaulttool"
    assert driver["version"] == "0.1.0"
    assert urlsplit(driver["informationUri"]).scheme == "https"
    assert [r["id"] for r in driver["rules"]] == [rule.ID for rule in ALL_RULES]
    broken = next(r for r in driver["rules"] if r["id"] == "broken-link")
    assert broken["shortDescription"]["text"] == "a wiki link, embed or markdown link that resolves to nothing."
    assert broken["fullDescription"]["text"].startswith("a wiki link, embed or markdown link that resolves")
    assert "Aliases never resolve a link" in broken["help"]["text"]
    assert "``" not in broken["help"]["text"] and "such as [[house/todo]]" in broken["help"]["text"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert levels["broken-link"] == "error"
    assert levels["orphan-note"] == "note"


def test_results_point_at_repository_relative_regions(tmp_path: Path) -> None:
    vault = tmp_path / "repo" / "my notes"
    vault.mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (vault / "Home #1.md").write_text("intro\nsee [[Nowhere]] now\n")
    log = sarif_of(vault)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    broken = next(r for r in run["results"] if r["ruleId"] == "broken-link")
    assert rules[broken["ruleIndex"]]["id"] == "broken-link"
    assert broken["level"] == "error"
    assert broken["message"]["text"].startswith("[[Nowhere]] resolves to nothing")
    [location] = broken["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "my%20notes/Home%20%231.md", "uriBaseId": "%SRCROOT%"}
    # [[Nowhere]] spans columns 5-15; SARIF's endColumn is exclusive, like ours
    assert physical["region"] == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 16}
    assert run["columnKind"] == "unicodeCodePoints"
    orphan = next(r for r in run["results"] if r["ruleId"] == "orphan-note")
    assert orphan["level"] == "note"


@pytest.mark.parametrize(
    "path",
    ["a,b: c%25 d.md", "x#y?.md", "C:/drive.md", "dir/é ü.md", "[brackets].md", "evil\n\r.md", "bad\udce9.md"],
)
def test_uris_are_percent_encoded_path_references(path: str) -> None:
    uri = artifact_uri(path)
    assert URI_PATH.fullmatch(uri)
    assert ":" not in uri.split("/", 1)[0]  # a colon in the first segment would read as a scheme
    assert unquote_to_bytes(uri) == path.encode("utf-8", "surrogateescape")


def test_output_file_holds_sarif(tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    result = CliRunner().invoke(cli, ["check", str(FIXTURES / "links"), "--format", "sarif", "-o", str(out)])
    assert result.output == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_unwritable_output_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES / "links"), "--format", "sarif", "-o", str(tmp_path / "no" / "r.sarif")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the report to" in err
    assert "No such file or directory" in err
    assert "internal error" not in err
