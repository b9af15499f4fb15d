"""`--format github`: annotations a runner reads exactly as meant, ranking and caps, the job summary."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import REPO
from tests.runner_model import processed_commands
from vaulttool.commands.cli import cli
from vaulttool.engine.lint import Report
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output import ci

HOSTILE = "a,b: c%25 d.md"
EVIL = "evil ::error::x ##[warning]y\nz\r.md"
EVIL_LINK = "[[::error file=x::forged %0A, ##warning]]"


def diag(
    path: str = "A.md",
    severity: Severity = Severity.ERROR,
    *,
    rule: str = "broken-link",
    message: str = "m",
    end_line: int | None = 1,
    end_column: int | None = 9,
) -> Diagnostic:
    return Diagnostic(path, 1, 2, rule, severity, message, end_line=end_line, end_column=end_column)


def report_of(*diags: Diagnostic) -> Report:
    return Report(vault="v", notes=3, links=9, diagnostics=tuple(sorted(diags, key=Diagnostic.sort_key)))


def annotations(output: str) -> list:
    return [c for c in processed_commands(output) if c.name in ("error", "warning", "notice")]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "vaulttool", *args],
        capture_output=True,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO / "src"), **env},
    )
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


# escaping


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a,b: c", "a,b: c", "a%2Cb%3A c"),
        ("x::error::y", "x::error::y", "x%3A%3Aerror%3A%3Ay"),
        ("##[warning]x", "#%23[warning]x", "#%23[warning]x"),
    ],
)
def test_escaping_matches_the_runner(raw: str, data: str, prop: str) -> None:
    assert ci.escape_data(raw) == data
    assert ci.escape_property(raw) == prop


def test_hostile_file_name_round_trips_through_the_runner() -> None:
    out = ci.format_github(report_of(diag(HOSTILE, message="broken ::warning::%0A")), ci.RepoContext("notes/"))
    [command] = annotations(out)
    assert command.name == "error"
    assert command.properties == {
        "file": "notes/" + HOSTILE,
        "line": "1",
        "col": "2",
        "endColumn": "9",
        "title": "broken-link",
    }
    assert command.data == "broken ::warning::%0A"


def test_columns_only_for_single_line_ranges() -> None:
    multi = ci.annotation(diag(end_line=4, end_column=3), ci.RepoContext())
    assert multi == "::error file=A.md,line=1,endLine=4,title=broken-link::m"
    single = ci.annotation(diag(end_line=None, end_column=None), ci.RepoContext())
    assert single == "::error file=A.md,line=1,col=2,title=broken-link::m"


def test_levels_map_to_commands_and_raw_text_is_fenced() -> None:
    out = ci.format_github(
        report_of(diag(severity=Severity.ERROR), diag("B.md", Severity.WARNING), diag("C.md", Severity.INFO)),
        ci.RepoContext(),
        token="f00d",
    )
    lines = out.splitlines()
    assert lines[0] == "::stop-commands::f00d"
    assert lines[1] == "A.md:1:2: error broken-link m"
    assert lines[lines.index("::f00d::") - 1] == "Checked 3 notes, 9 links: 1 error, 1 warning, 1 info."
    assert [c.name for c in processed_commands(out)] == ["stop-commands", "f00d", "error", "warning", "notice"]


# ranking and caps


def test_ten_per_level_then_one_notice_counting_the_rest() -> None:
    diags = [diag(f"E{i:02}.md") for i in range(14)]
    diags += [diag(f"W{i:02}.md", Severity.WARNING) for i in range(12)]
    diags += [diag(f"I{i:02}.md", Severity.INFO) for i in range(11)]
    found = annotations(ci.format_github(report_of(*diags), ci.RepoContext()))
    names = [c.name for c in found]
    assert names.count("error") == 10
    assert names.count("warning") == 10
    assert names.count("notice") == 10  # 9 info and the one counting the rest
    assert [c.properties["file"] for c in found if c.name == "error"] == [f"E{i:02}.md" for i in range(10)]
    assert found[-1].properties == {"title": "vaulttool"}
    assert found[-1].data.startswith("8 more problems are not annotated (4 errors, 2 warnings, 2 info)")


def test_small_reports_get_no_count_notice() -> None:
    infos = [diag(f"I{i}.md", Severity.INFO, rule="orphan-note") for i in range(10)]
    found = annotations(ci.format_github(report_of(*infos), ci.RepoContext()))
    assert [c.properties["title"] for c in found] == ["orphan-note"] * 10


def test_errors_first_then_changed_files_first() -> None:
    diags = [diag("A.md", Severity.WARNING), diag("B.md"), diag("C.md"), diag("D.md", Severity.INFO)]
    ranked = ci.rank(diags, ci.RepoContext("vault/", frozenset({"vault/C.md", "vault/A.md"})))
    assert [(d.path, d.severity.value) for d in ranked] == [
        ("C.md", "error"),
        ("B.md", "error"),
        ("A.md", "warning"),
        ("D.md", "info"),
    ]


def test_changed_files_from_git_and_repo_prefix(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "notes").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.invalid")
    git(repo, "config", "user.name", "t")
    (repo / "notes" / "Old.md").write_text("[[Nowhere]]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "notes" / HOSTILE).write_text("[[Old]]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "change")
    ctx = ci.RepoContext.detect(repo / "notes", "main", env={})
    assert ctx == ci.RepoContext("notes/", frozenset({"notes/" + HOSTILE}))
    assert ci.RepoContext.detect(repo / "notes", env={"GITHUB_BASE_REF": "main"}).changed == frozenset()  # no origin
    git(tmp_path, "clone", "-q", str(repo), "clone")  # as actions/checkout with fetch-depth 0 leaves it
    clone = ci.RepoContext.detect(tmp_path / "clone" / "notes", env={"GITHUB_BASE_REF": "main"})
    assert clone.changed == frozenset({"notes/" + HOSTILE})
    assert ci.RepoContext.detect(repo / "notes", "no-such-ref", env={}) == ci.RepoContext("notes/")
    assert ci.RepoContext.detect(repo / "notes", "--output=x", env={}) == ci.RepoContext("notes/")
    assert not (repo / "x").exists()
    outside = tmp_path / "loose"
    outside.mkdir()
    assert ci.RepoContext.detect(outside, env={"GITHUB_WORKSPACE": str(repo)}) == ci.RepoContext()
    assert ci.RepoContext.detect(repo / "notes", env={"GITHUB_WORKSPACE": str(tmp_path)}).prefix == "repo/notes/"


# format selection


def test_auto_format_is_github_under_actions_and_explicit_choice_wins(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("[[B]]\n")
    runner = CliRunner()
    under_actions = runner.invoke(cli, ["check", str(tmp_path)], env={"GITHUB_ACTIONS": "true"})
    assert "::error file=A.md,line=1,col=1,endColumn=6,title=broken-link::[[B]]" in under_actions.output
    plain = runner.invoke(cli, ["check", str(tmp_path)])
    assert plain.output.startswith("A.md:1:1: error broken-link")
    explicit = runner.invoke(cli, ["check", str(tmp_path), "--format", "text"], env={"GITHUB_ACTIONS": "true"})
    assert "::" not in explicit.output
    by_env = runner.invoke(
        cli, ["check", str(tmp_path)], env={"GITHUB_ACTIONS": "true", "VAULTTOOL_OUTPUT_FORMAT": "json"}
    )
    assert by_env.output.startswith("{")


# job summary


def rendered(markdown: str) -> str:
    return MarkdownIt("gfm-like").render(markdown)


def test_summary_renders_no_untrusted_link_image_heading_or_html() -> None:
    nasty = [
        "![pixel](https://evil.example/p.png)",
        "[click](https://evil.example)",
        "www.evil.example and me@evil.example",
        "# Heading",
        "<img src=x onerror=alert(1)>",
        "a | b \\| c ``` d",
        "tab\tnew\nline",
    ]
    diags = [diag(f"{text}.md", message=f"see {text}") for text in nasty]
    html = rendered(ci.format_summary(report_of(*diags), ci.RepoContext()))
    assert "<a " not in html
    assert "<img" not in html
    assert html.count("<h") == 1  # our own heading
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == 2 + 1 + len(nasty)  # two header rows, one rule, one row per diagnostic
    assert all(row.count("<td") in (0, 4, 5) for row in rows)
    assert "a | b \\| c ``` d.md" in html.replace("&quot;", '"')


def test_summary_counts_by_rule_then_lists_every_diagnostic_most_important_first() -> None:
    diags = [diag("A.md", Severity.INFO, rule="orphan-note"), diag("B.md", Severity.WARNING), diag("C.md")]
    summary = ci.format_summary(report_of(*diags), ci.RepoContext("vault/"))
    assert summary.startswith("### vaulttool: 1 error, 1 warning, 1 info\n")
    assert "| broken-link | 1 | 1 | 0 |" in summary
    assert "| orphan-note | 0 | 0 | 1 |" in summary
    rows = [line for line in summary.splitlines() if line.startswith(("| error", "| warning", "| info"))]
    assert [row.split(" | ")[1] for row in rows] == ["` vault/C.md `", "` vault/B.md `", "` vault/A.md `"]


def test_summary_is_capped_with_a_count_of_the_rest() -> None:
    diags = [diag(f"N{i:05}.md", message="x" * 300) for i in range(3000)]
    summary = ci.format_summary(report_of(*diags), ci.RepoContext())
    size = len(summary.encode())
    assert ci.SUMMARY_CAP - 1000 < size <= ci.SUMMARY_CAP
    shown = sum(1 for line in summary.splitlines() if line.startswith("| error"))
    assert summary.rstrip().endswith(f"_{3000 - shown} more not listed: the summary is capped at 512 KiB._")


def test_clean_vault_summary(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "A.md").write_text("[[B]]\n")
    (vault / "B.md").write_text("[[A]]\n")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = CliRunner().invoke(
        cli, ["check", str(vault)], env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 0
    assert summary.read_text().startswith("earlier step\n### vaulttool: 0 errors, 0 warnings, 0 info\n")
    assert "No problems found." in summary.read_text()


# the pull-request scenario, end to end


@pytest.fixture
def pr_vault(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose vault ``notes/`` has 30 broken links on main; the pull request adds
    a note with a hostile name holding one more broken link."""
    repo = tmp_path / "repo"
    vault = repo / "notes"
    vault.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.invalid")
    git(repo, "config", "user.name", "t")
    links = "".join(f"- [[Missing {i:02}]]\n" for i in range(1, 31))
    (vault / "Index.md").write_text(f"# Index\n\n{links}\n[[a,b: c%25 d]]\n")
    (vault / HOSTILE).write_text("[[Index]]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    try:
        (vault / EVIL).write_text(f"{EVIL_LINK}\n")
    except OSError:
        pytest.skip("this file system refuses newlines in names")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hostile")
    return repo, vault


def test_pull_request_with_31_errors_and_a_hostile_name(pr_vault: tuple[Path, Path], tmp_path: Path) -> None:
    repo, vault = pr_vault
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": str(summary)}
    code, out, _ = run_cli("check", str(vault), "--changed-from", "main", env=env)
    assert code == 1

    # the runner acts on exactly the intended commands, and on nothing a name could forge
    assert "##[" not in out
    commands = processed_commands(out)
    token = commands[0].data
    assert [c.name for c in commands[:2]] == ["stop-commands", token]
    assert re.fullmatch("[0-9a-f]{32}", token)
    found = commands[2:]
    assert [c.name for c in found] == ["error"] * 10 + ["notice"] * 2
    errors = found[:10]
    assert errors[0].properties["file"] == "notes/" + EVIL.replace("##[", "#%23[")  # changed in the PR: first
    assert errors[0].data == EVIL_LINK + " resolves to nothing: no note has that name; create it or fix the link"
    assert [e.properties["file"] for e in errors[1:]] == ["notes/Index.md"] * 9
    assert [e.properties["line"] for e in errors[1:]] == [str(n) for n in range(3, 12)]
    assert found[10].properties["title"] == "orphan-note"
    assert found[11].data == (
        "21 more problems are not annotated (21 errors, 0 warnings, 0 info); the job summary lists every one"
    )

    # every line outside the paused block is one of ours
    lines = re.split(r"\r\n|\r|\n", out.rstrip("\n"))
    outside = lines[lines.index(f"::{token}::") + 1 :]
    assert len(outside) == 12
    assert all(re.match(r"::(error|notice) (file=notes/|title=vaulttool::)", line) for line in outside)

    # the job summary holds the whole report
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### vaulttool: 31 errors, 0 warnings, 1 info\n")
    assert "| broken-link | 31 | 0 | 0 |" in text
    assert sum(1 for line in text.splitlines() if line.startswith("| error |")) == 31
    assert "` notes/evil ::error::x ##[warning]y\\nz\\r.md `" in text
    assert "<a " not in rendered(text)


@settings(derandomize=True, deadline=None, max_examples=300)
@given(path=st.text(min_size=1), message=st.text())
def test_any_name_and_message_make_exactly_one_command_that_round_trips(path: str, message: str) -> None:
    line = ci.annotation(diag(path, message=message), ci.RepoContext())
    assert "##[" not in line
    assert len(re.split(r"\r\n|\r|\n", line)) == 1
    [command] = processed_commands(line)
    assert command.name == "error"
    assert command.properties["file"] == path.replace("##[", "#%23[")
    assert command.properties["title"] == "broken-link"


def test_unwritable_summary_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "A.md").write_text("[[B]]\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "summary.md")}
    code, out, err = run_cli("check", str(tmp_path), env=env)
    assert code == 1
    assert "::error file=A.md" in out
    assert err.startswith("vaulttool: could not write the job summary to ")
    assert "Traceback" not in err


def test_file_names_that_are_not_utf8_do_not_break_the_log(tmp_path: Path) -> None:
    try:
        (tmp_path / os.fsdecode(b"caf\xe9.md")).write_bytes(b"[[Nowhere]]\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    code, out, err = run_cli("check", str(tmp_path), env={"GITHUB_ACTIONS": "true"})
    assert code == 1, err
    errors = [c for c in processed_commands(out) if c.name == "error"]
    assert [c.properties["file"] for c in errors] == ["caf\\xe9.md", "caf\\xe9.md"]  # bad name, broken link


def test_a_base_git_cannot_resolve_is_a_usage_error_but_a_shallow_clone_under_actions_says_how_to_fetch(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.invalid")
    git(repo, "config", "user.name", "t")
    for n in range(2):
        (repo / f"N{n}.md").write_text("[[Nowhere]]\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"commit {n}")
    path = {"PATH": os.environ["PATH"]}
    code, out, err = run_cli("check", str(repo), "--format", "github", "--changed-from", "nonsense-ref", env=path)
    assert (code, out) == (2, "")
    assert "git cannot resolve 'nonsense-ref'" in err and "Traceback" not in err
    code, out, err = run_cli("check", str(repo), "--format", "github", "--changed-from", "main~1", env=path)
    assert (code, err) == (1, "")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", "shallow")  # as actions/checkout leaves it
    shallow = tmp_path / "shallow"
    args = ("check", str(shallow), "--format", "github", "--changed-from", "origin/main~1")
    assert run_cli(*args, env=path)[0] == 2
    code, out, err = run_cli(*args, env={**path, "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(shallow)})
    assert code == 1 and "::error file=N0.md" in out
    assert err.count("\n") == 1 and "fetch-depth: 0" in err and "origin/main~1" in err
