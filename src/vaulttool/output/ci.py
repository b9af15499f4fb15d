"""GitHub Actions output: workflow-command annotations, the job summary, repository paths.

Annotations are workflow commands (``::error file=...,line=...::message``) that the runner
reads from the step's output. File names and notes come from untrusted pull requests, so
every value is escaped the way the runner unescapes it, raw text is printed only between
``::stop-commands::TOKEN`` and ``::TOKEN::`` (TOKEN is random, so nothing printed can end
the pause), and the legacy ``##[`` command form never appears unescaped. GitHub shows at
most 10 annotations of each level per step, so diagnostics are ranked (errors first, files
the pull request changed first) and the rest are counted in one notice; the job summary
(``$GITHUB_STEP_SUMMARY``) lists them all, as Markdown that renders no untrusted link,
image, heading or HTML.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaulttool.engine.lint import Report
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output.formatters import escape_text, format_text

ANNOTATIONS_PER_LEVEL = 10
SUMMARY_CAP = 512 * 1024  # bytes; GitHub refuses a step summary over 1 MiB
GIT_TIMEOUT = 60  # seconds
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_LEGACY = "##["
_BACKTICKS = re.compile("`+")


@dataclass(frozen=True)
class RepoContext:
    """Where the vault sits in its repository and which files the pull request changed.

    ``prefix`` is the vault folder relative to the repository root (``""`` or ending in
    ``/``); ``changed`` holds repository-relative paths.
    """

    prefix: str = ""
    changed: frozenset[str] = frozenset()

    def path(self, vault_path: str) -> str:
        """The repository-relative path of a vault-relative path."""
        return self.prefix + vault_path

    @classmethod
    def detect(
        cls, vault: str | os.PathLike[str], changed_from: str | None = None, env: Mapping[str, str] | None = None
    ) -> RepoContext:
        """Find the repository holding ``vault`` and, given a base ref, the files changed since it.

        The root is ``$GITHUB_WORKSPACE`` when the vault is inside it, else the nearest folder
        with a ``.git`` entry; without one, paths stay vault-relative. The base ref is
        ``changed_from``, else ``origin/$GITHUB_BASE_REF`` on a pull request.
        """
        env = os.environ if env is None else env
        folder = Path(vault).resolve()
        root = find_repo_root(folder, env.get("GITHUB_WORKSPACE"))
        if root is None:
            return cls()
        prefix = folder.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        base = changed_from or (f"origin/{env['GITHUB_BASE_REF']}" if env.get("GITHUB_BASE_REF") else None)
        return cls(prefix, changed_files(root, base) if base else frozenset())


def find_repo_root(folder: Path, workspace: str | None) -> Path | None:
    """The repository root holding the resolved ``folder``, or ``None``."""
    if workspace:
        root = Path(workspace).resolve()
        if root == folder or root in folder.parents:
            return root
    return next((p for p in (folder, *folder.parents) if (p / ".git").exists()), None)


def changed_files(root: Path, ref: str) -> frozenset[str]:
    """Paths changed between ``ref`` and HEAD (``git diff --name-only REF...HEAD``); empty if git fails."""
    if ref.startswith("-"):
        return frozenset()
    try:
        done = subprocess.run(
            ["git", "-C", os.fspath(root), "diff", "--name-only", "-z", f"{ref}...HEAD", "--"],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(os.fsdecode(name) for name in done.stdout.split(b"\0") if name)


def base_problem(
    vault: str | os.PathLike[str], ref: str, env: Mapping[str, str] | None = None
) -> tuple[str, bool] | None:
    """Why git cannot give the files changed since ``ref`` (``--changed-from``), and whether that
    must stop the run; None when it can.

    Under GitHub Actions a shallow clone (``actions/checkout``'s default) lacks the base: the
    run goes on without ranking changed files first, and the message says how to fetch it.
    """
    env = os.environ if env is None else env
    root = find_repo_root(Path(vault).resolve(), env.get("GITHUB_WORKSPACE"))
    if root is None:
        return f"--changed-from {ref}: the vault is not in a git repository", True
    if not ref.startswith("-") and _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is not None:
        return None
    if env.get("GITHUB_ACTIONS") == "true" and _git(root, "rev-parse", "--is-shallow-repository") == b"true\n":
        return (
            f"--changed-from {ref}: this shallow clone lacks it, so changed files are not annotated first; "
            "fetch the base (actions/checkout with fetch-depth: 0, or git fetch origin BRANCH)",
            False,
        )
    return f"--changed-from: git cannot resolve '{ref}' to a commit", True


def _git(root: Path, *args: str) -> bytes | None:
    """The output of ``git -C root ARGS``, or None when it fails."""
    try:
        done = subprocess.run(["git", "-C", os.fspath(root), *args], capture_output=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def rank(diagnostics: Iterable[Diagnostic], repo: RepoContext) -> list[Diagnostic]:
    """Most important first: errors, then warnings, then info; within each, changed files first."""
    return sorted(diagnostics, key=lambda d: (d.severity.rank, repo.path(d.path) not in repo.changed))


def escape_data(text: str) -> str:
    """Escape a workflow command's message the way the runner unescapes it (``%`` first)."""
    return _defang(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a workflow command property value: as a message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _defang(text: str) -> str:
    # the runner reads "##[name]" anywhere in a line as a legacy command; "%23" is "#" escaped
    return text.replace(_LEGACY, "#%23[")


def annotation(diag: Diagnostic, repo: RepoContext) -> str:
    """One workflow command for ``diag``; columns only for single-line ranges."""
    # exact, so the annotation lands on the file; bytes that are not UTF-8 shown as \xNN
    path = repo.path(diag.path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    props = [f"file={escape_property(path)}"]
    if diag.line >= 1:
        props.append(f"line={diag.line}")
        single = diag.end_line is None or diag.end_line == diag.line
        if not single:
            props.append(f"endLine={diag.end_line}")
        if single and diag.column >= 1:
            props.append(f"col={diag.column}")
            if diag.end_column is not None:
                props.append(f"endColumn={diag.end_column}")
    props.append(f"title={escape_property(diag.rule)}")
    return f"::{_COMMANDS[diag.severity]} {','.join(props)}::{escape_data(escape_text(diag.message))}"


def select_annotations(ranked: Sequence[Diagnostic]) -> tuple[list[Diagnostic], Counter[Severity]]:
    """The ranked diagnostics GitHub will show (10 per level) and the count of the rest by severity.

    When anything is left out, one notice slot is kept for the line that counts the rest.
    """
    levels = {sev: [d for d in ranked if d.severity is sev] for sev in Severity}
    cap = dict.fromkeys(Severity, ANNOTATIONS_PER_LEVEL)
    if any(len(found) > ANNOTATIONS_PER_LEVEL for found in levels.values()):
        cap[Severity.INFO] -= 1
    shown = [d for sev in Severity for d in levels[sev][: cap[sev]]]
    rest = Counter({sev: len(levels[sev]) - len(levels[sev][: cap[sev]]) for sev in Severity})
    return shown, +rest


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def _counts(counts: Mapping[Severity, int]) -> str:
    """``3 errors, 1 warning, 0 info``."""
    return ", ".join(_count(counts.get(sev, 0), sev.value) for sev in Severity)


def format_github(report: Report, repo: RepoContext, token: str | None = None) -> str:
    """Workflow commands for a GitHub Actions step: the full text report with commands paused,
    then the ranked annotations and one notice counting those GitHub would not show."""
    token = token or secrets.token_hex(16)
    lines = [f"::stop-commands::{token}"]
    lines += [_defang(line) for line in format_text(report).splitlines()]
    lines.append(f"::{token}::")
    shown, rest = select_annotations(rank(report.diagnostics, repo))
    lines += [annotation(d, repo) for d in shown]
    if rest:
        where = "the job summary" if os.environ.get("GITHUB_STEP_SUMMARY") else "the log of this step"
        message = f"{sum(rest.values())} more problems are not annotated ({_counts(rest)}); {where} lists every one"
        lines.append(f"::notice title=vaulttool::{escape_data(message)}")
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """Untrusted text as a Markdown code span safe in a table cell: shown literally, never a link."""
    text = escape_text(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def format_summary(report: Report, repo: RepoContext, cap: int = SUMMARY_CAP) -> str:
    """The whole report as Markdown for the job summary: counts by rule, then one row per
    diagnostic (most important first), cut with an "N more" line before ``cap`` bytes."""
    counts = {sev: report.count(sev) for sev in Severity}
    checked = f"{_count(report.notes, 'note')} and {_count(report.links, 'link')}"
    head = [f"### vaulttool: {_counts(counts)}", "", f"Checked {checked} in {_code(repo.prefix or report.vault)}.", ""]
    if not report.diagnostics:
        return "\n".join([*head, "No problems found.", ""]) + "\n"
    by_rule: dict[str, Counter[Severity]] = {}
    for diag in report.diagnostics:
        by_rule.setdefault(diag.rule, Counter())[diag.severity] += 1
    head += ["| Rule | Errors | Warnings | Info |", "| --- | ---: | ---: | ---: |"]
    head += [
        f"| {rule} | {c[Severity.ERROR]} | {c[Severity.WARNING]} | {c[Severity.INFO]} |"
        for rule, c in sorted(by_rule.items())
    ]
    head += ["", "| Severity | File | Line | Rule | Message |", "| --- | --- | ---: | --- | --- |"]
    lines, size = head, sum(len(line.encode()) + 1 for line in head)
    ranked = rank(report.diagnostics, repo)
    reserve = 200  # room for the closing "N more" line
    for done, diag in enumerate(ranked):
        row = (
            f"| {diag.severity.value} | {_code(repo.path(diag.path))} | {diag.line}:{diag.column} "
            f"| {diag.rule} | {_code(diag.message)} |"
        )
        size += len(row.encode()) + 1
        if size > cap - reserve:
            lines += ["", f"_{len(ranked) - done} more not listed: the summary is capped at {cap // 1024} KiB._"]
            break
        lines.append(row)
    return "\n".join(lines) + "\n"


def append_step_summary(report: Report, repo: RepoContext) -> str | None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when set; return an error message on failure."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8", errors="backslashreplace") as out:
            out.write(format_summary(report, repo))
    except OSError as exc:
        return f"could not write the job summary to {target}: {exc.strerror or exc}"
    return None
