"""Command-line options of the fast path: --jobs, the progress bar, and a light start-up."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from vaulttool.commands.cli import cli, main
from vaulttool.output import progress as progress_module
from vaulttool.output.progress import progress_bar, show_progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "tty", "shown"),
    [({}, True, True), ({}, False, False), ({"CI": "true"}, True, False), ({"PRE_COMMIT": "1"}, True, False)],
)
def test_progress_only_for_a_person_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, shown: bool
) -> None:
    for name in ("CI", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert show_progress(Terminal() if tty else io.StringIO()) is shown


def test_progress_bar_draws_on_stderr_and_goes_away(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    with progress_bar(True) as advance:
        assert advance is not None
        advance(1, progress_module.PROGRESS_MIN_NOTES)
        advance(progress_module.PROGRESS_MIN_NOTES, progress_module.PROGRESS_MIN_NOTES)
    assert "Reading notes" in terminal.getvalue()
    with progress_bar(False) as nothing:
        assert nothing is None


def test_machine_readable_output_has_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "show_progress", lambda stream: True)
    monkeypatch.setattr(progress_module, "PROGRESS_MIN_NOTES", 1)
    result = CliRunner().invoke(cli, ["check", str(FIXTURES / "links"), "--format", "json", "--no-cache"])
    assert json.loads(result.stdout)["summary"]["notes"] == 6
    assert "Reading notes" not in result.output


@pytest.mark.parametrize("jobs", ["-1", "many"])
def test_bad_jobs_is_a_usage_error(jobs: str) -> None:
    assert main(["check", str(FIXTURES / "links"), "--jobs", jobs]) == 2


def test_jobs_do_not_change_the_report() -> None:
    outputs = [
        CliRunner().invoke(cli, ["check", str(FIXTURES / "links"), "--format", "json", "--no-cache", "-j", jobs]).stdout
        for jobs in ("0", "1", "3")
    ]
    assert outputs[0] == outputs[1] == outputs[2]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag: str) -> None:
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vaulttool", flag], capture_output=True, text=True
    )
    assert trace.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in trace.stderr.splitlines()}
    assert imported.isdisjoint({"pydantic", "networkx", "yaml", "rich"})
    assert "vaulttool" in imported
