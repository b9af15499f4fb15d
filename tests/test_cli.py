"""The `check` command end to end: fixture vaults, the seed note, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, SAMPLE_VAULT, SEED_TOPICS
from vaulttool import __version__
from vaulttool.commands.check import FORMAT_NAMES
from vaulttool.commands.cli import cli, main
from vaulttool.engine.lint import Report
from vaulttool.output.formats import FORMATTERS, Printing
from vaulttool.output.formatters import Printed

TOPICS = SEED_TOPICS


def run_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"], standalone_mode=False)
    assert result.exception is None, result.output
    return int(result.return_value), json.loads(result.stdout)


def found(doc: dict, *rules: str) -> list[tuple]:
    return [
        (d["path"], d["line"], d["column"], d["rule"], d.get("target"))
        for d in doc["diagnostics"]
        if not rules or d["rule"] in rules
    ]


def test_links_fixture_reports_exactly_what_obsidian_does_not_resolve() -> None:
    code, doc = run_json(str(FIXTURES / "links"), "--ignore", "orphan-note")
    assert code == 1
    assert found(doc) == [
        ("Home.md", 5, 6, "missing-moc", "Missing MOC"),
        ("Home.md", 14, 9, "broken-link", "Nowhere"),
        ("Home.md", 14, 22, "broken-link", "figure"),
        ("Home.md", 14, 34, "broken-link", "Concurrency"),
        ("Home.md", 14, 51, "broken-link", "use/todo"),
        ("Home.md", 14, 65, "broken-anchor", "Target#No Such Heading"),
        ("Home.md", 15, 1, "broken-anchor", "Target#^nope"),
        ("Home.md", 15, 19, "broken-link", "Nowhere.md"),
        ("Home.md", 15, 37, "broken-link", "missing.png"),
        ("Home.md", 15, 55, "broken-anchor", "#Not Here"),
        ("Home.md", 15, 70, "broken-link", "../Target"),
    ]
    assert doc["summary"] == {"notes": 6, "links": 33, "error": 11, "warning": 0, "info": 0}


def test_frontmatter_fixture_reports_each_bad_note_and_goes_on() -> None:
    code, doc = run_json(str(FIXTURES / "frontmatter"))
    assert code == 1
    assert found(doc) == [
        ("Bad Quote.md", 4, 1, "frontmatter-syntax", None),
        ("Duplicate.md", 3, 1, "frontmatter-syntax", None),
        ("Latin1.md", 1, 1, "unreadable-file", None),
        ("List.md", 2, 1, "frontmatter-syntax", None),
        ("Unclosed.md", 1, 1, "frontmatter-syntax", None),
    ]


def test_raw_seed_note(seed_vault: Path) -> None:
    code, doc = run_json(str(seed_vault))
    assert code == 1
    name = "python-concurrency-patterns.md"
    assert found(doc, "missing-moc") == [(name, 13, 6, "missing-moc", "Python MOC")]
    broken = found(doc, "broken-link")
    assert [b[4] for b in broken] == TOPICS
    assert broken[0][:3] == (name, 36, 4)


def test_sample_vault_checks_clean() -> None:
    code, doc = run_json(str(SAMPLE_VAULT))
    assert code == 0
    assert doc["diagnostics"] == []
    assert doc["summary"]["notes"] == 9


def test_text_format_is_ruff_like_and_uncoloured_off_a_terminal(seed_vault: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(seed_vault)])
    lines = result.output.splitlines()
    assert "python-concurrency-patterns.md:36:4: error broken-link [[Threading]] resolves to nothing" in result.output
    assert lines[-1] == "Checked 1 note, 8 links: 11 errors, 0 warnings, 1 info."
    assert "\x1b[" not in result.output


def severity_vault(folder: Path) -> Path:
    """A vault with one problem of each severity: a broken link, a warning and an orphan."""
    (folder / "A.md").write_text("[[B]]\n")
    (folder / "Alone.md").write_text("nobody links here\n")
    (folder / ".vaulttool.toml").write_text('[severity]\nbroken-link = "warning"\nmissing-moc = "error"\n')
    (folder / "M.md").write_text("---\nlinks:\n  - '[[Nowhere MOC]]'\n---\n[[A]] [[Alone]]\n")
    return folder


def test_every_text_line_names_its_severity_without_colour(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(severity_vault(tmp_path))], env={"NO_COLOR": "1"})
    lines = result.output.splitlines()
    assert [line.split(" ", 3)[:3] for line in lines[:-1]] == [
        ["A.md:1:1:", "warning", "broken-link"],
        ["M.md:1:1:", "info", "orphan-note"],
        ["M.md:3:6:", "error", "missing-moc"],
    ]
    assert lines[-1] == "Checked 3 notes, 4 links: 1 error, 1 warning, 1 info."
    assert "\x1b[" not in result.output


def test_severity_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(severity_vault(tmp_path))], env={"FORCE_COLOR": "1"})
    assert f"{click.style('error', fg='red', bold=True)} missing-moc" in result.output
    assert f"{click.style('warning', fg='yellow')} broken-link" in result.output
    assert f"{click.style('info', fg='blue')} orphan-note" in result.output


def test_statistics_count_each_rule_as_ruff_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vault = severity_vault(tmp_path)
    (vault / "C.md").write_text("[[Gone]] [[Alone]]\n")
    assert main(["check", str(vault), "--statistics"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "2  broken-link  warning",
        "2  orphan-note  info",
        "1  missing-moc  error",
        "Checked 4 notes, 6 links: 1 error, 2 warnings, 2 info.",
    ]
    assert main(["check", str(vault), "--statistics", "--format", "json"]) == 1
    first = json.loads(capsys.readouterr().out)[0]
    assert first == {"rule": "broken-link", "severity": "warning", "count": 2, "fixable": 0}
    assert main(["check", str(vault), "--statistics", "--format", "sarif"]) == 2


@pytest.mark.parametrize("kind", ["empty folder", "no notes", "everything excluded"])
def test_empty_input_warns_on_stderr_and_exits_zero(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    if kind == "no notes":
        (vault / "image.png").write_bytes(b"\x89PNG")
        (vault / "sub").mkdir()
    elif kind == "everything excluded":
        (vault / "A.md").write_text("[[B]]\n")
        (vault / ".vaulttool.toml").write_text('exclude = ["*"]\n')
    for _ in range(2):  # the second run is answered from the cache
        assert main(["check", str(vault)]) == 0
        out, err = capsys.readouterr()
        assert out == "Checked 0 notes, 0 links: 0 errors, 0 warnings, 0 info.\n"
        assert err.startswith(f"vaulttool: warning: no notes found under '{vault}'")
        assert err.count("\n") == 1


def test_force_color_and_no_color(seed_vault: Path) -> None:
    coloured = CliRunner().invoke(cli, ["check", str(seed_vault)], env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in coloured.output
    plain = CliRunner().invoke(cli, ["check", str(seed_vault)], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.output


def test_coloured_text_puts_the_place_in_bold_and_each_severity_in_its_colour(seed_vault: Path) -> None:
    from vaulttool.incremental.check import check
    from vaulttool.output.formatters import applicable, format_text

    report = check(seed_vault)
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    lines = format_text(report, color=True).splitlines()
    assert len({d.severity for d in report.diagnostics}) > 1
    for d, line in zip(report.diagnostics, lines, strict=False):
        place = click.style(f"{d.path}:{d.line}:{d.column}:", bold=True)
        severity = click.style(d.severity.value, fg=colours[d.severity.value], bold=d.severity.value == "error" or None)
        mark = " [*]" if applicable(d, False) else ""
        assert line == f"{place} {severity} {d.rule}{mark} {d.message}"
    assert lines[len(report.diagnostics) :] == format_text(report).splitlines()[len(report.diagnostics) :]


def test_output_file_and_env_format(seed_vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["check", str(seed_vault), "-o", str(out)], env={"VAULTTOOL_OUTPUT_FORMAT": "json"}
    )
    assert result.output == ""
    assert json.loads(out.read_text())["summary"]["error"] == 11


@pytest.mark.parametrize("fmt", [name for name in FORMAT_NAMES if name != "auto"])
def test_every_format_is_printed_by_its_registered_formatter(
    seed_vault: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[Printing] = []
    done: list[str] = []

    def formatter(report: Report, printing: Printing) -> Printed:
        made.append(printing)
        return Printed([f"{fmt}: ", f"{len(report.diagnostics)} found\n"], {}, lambda: done.append(fmt) or "late")

    monkeypatch.setitem(FORMATTERS, fmt, formatter)
    assert main(["check", str(seed_vault), "--format", fmt, "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert out == f"{fmt}: 12 found\n"
    assert err.endswith("vaulttool: late\n")  # what the formatter does once the text is written, and its problem
    assert done == [fmt] and made == [Printing(seed_vault)]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--select", "orphan-note"], 0),
        (["--select", "broken-link,missing-moc", "--ignore", "broken-link,missing-moc"], 0),
        (["--select", "broken-link"], 1),
        (["--exit-zero"], 0),
        (["--select", "no-such-rule"], 2),
        (["--format", "yaml"], 2),
    ],
)
def test_selection_and_exit_codes(seed_vault: Path, args: list[str], code: int) -> None:
    assert main(["check", str(seed_vault), *args]) == code


def test_missing_vault_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "Traceback" not in err


def test_clean_vault_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("[[B]]\n")
    (tmp_path / "B.md").write_text("[[A]]\n")
    assert main(["check", str(tmp_path)]) == 0


def test_strict_makes_warnings_fail(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("alone\n")
    assert main(["check", str(tmp_path)]) == 0
    assert main(["check", str(tmp_path), "--strict"]) == 0  # orphans are info, never failing


def test_hostile_file_names_are_escaped_in_text(tmp_path: Path) -> None:
    (tmp_path / "evil\x1b[2J\u202e.md").write_text("[[nowhere]]\n")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)], env={"FORCE_COLOR": "1"})
    assert "\x1b[2J" not in result.output
    assert "\u202e" not in result.output
    assert "evil\\x1b[2J\\u202e.md:1:1:" in result.output


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "vaulttool", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "vaulttool, version 0.1.0"


def test_json_report_is_what_the_json_module_writes(seed_vault: Path) -> None:
    from vaulttool.engine.lint import Report
    from vaulttool.incremental.check import check
    from vaulttool.model.edits import Edit
    from vaulttool.model.values import Diagnostic, Fix, Severity
    from vaulttool.output.formatters import format_json

    report = check(seed_vault)
    odd = Diagnostic('a\u202e/"q"\\.md', 2, 3, "broken-link", Severity.INFO, "##[x] \x1b é", 2, 9, "t", "f")
    # "##[" (a runner's command) in every text a diagnostic prints: each is written #\u0023[
    fix = Fix((Edit(1, 1, 1, 4, "##[y"),), True, "Write ##[z")
    marked = Diagnostic("##[p].md", 1, 1, "broken-link", Severity.ERROR, "m", None, 7, "##[t", "##[f", fix)
    report = Report(report.vault, report.notes, report.links, (*report.diagnostics, odd, marked))
    keys = ("path", "line", "column", "end_line", "end_column", "rule", "severity", "message", "target", "field")
    items = [{k: getattr(d, k) for k in keys if getattr(d, k) is not None} for d in report.diagnostics]
    for item, d in zip(items, report.diagnostics, strict=True):
        item["severity"] = item["severity"].value
        if d.fix is not None:  # the seed's fixable problems carry their fix
            names = ("line", "column", "end_line", "end_column", "content")
            edits = [dict(zip(names, edit, strict=True)) for edit in d.fix.edits]
            safety = "safe" if d.fix.safe else "unsafe"
            item["fix"] = {"applicability": safety, "message": d.fix.message, "edits": edits}
    counts = {s.value: report.count(s) for s in Severity}
    doc = {"version": __version__, "vault": report.vault, "summary": {"notes": report.notes, "links": report.links}}
    doc["summary"].update(counts)
    doc["diagnostics"] = items
    expected = json.dumps(doc, ensure_ascii=True, indent=2).replace("##[", "#\\u0023[") + "\n"
    assert format_json(report) == expected
    assert any("end_line" in item for item in items) and any("target" in item for item in items)
    assert any("fix" in item for item in items)


def test_a_check_run_in_a_process_that_goes_on_keeps_nothing_of_it(
    seed_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaulttool.commands import common
    from vaulttool.incremental.replay import Replay

    def run(cache: str) -> None:
        args = ["check", str(seed_vault), "--format", "json", "--cache-dir", str(tmp_path / cache)]
        assert main([*args, "-o", str(tmp_path / f"{cache}.json")]) == 1

    run("first")
    assert common._Kept.values is None  # called as a library: the report and text are freed
    monkeypatch.setattr(common._Kept, "values", [])  # the program (run) ends at once: they go with it
    run("second")
    kept = common._Kept.values
    assert kept is not None
    report = next(value for value in kept if isinstance(value, Report))
    printed = next(value for value in kept if isinstance(value, Printed))
    replay = next(value for value in kept if isinstance(value, Replay))
    assert (
        printed.text
        == (tmp_path / "second.json").read_text(encoding="utf-8")
        == (tmp_path / "first.json").read_text(encoding="utf-8")
    )
    assert replay.worked is not None and replay.worked.state is not None and len(report.diagnostics) > 0
