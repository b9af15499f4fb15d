"""Reports, exports and pages never land in the vault, are written whole, and a failing output is one line."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VAULT
from tests.hostile.harness import cli_env, snapshot
from tests.vaultgen import make_vault
from vaulttool.commands.cli import main

NOTE = "Threading.md"
# every command that writes a report, an export or a page to a file: (arguments before the file, option)
WRITERS = {
    "check text": (["check", "{vault}", "--format", "text"], "-o"),
    "check json": (["check", "{vault}", "--format", "json"], "-o"),
    "check sarif": (["check", "{vault}", "--format", "sarif"], "-o"),
    "check github": (["check", "{vault}", "--format", "github"], "-o"),
    "graph": (["graph", "{vault}"], "-o"),
    "graph page": (["graph", "{vault}"], "--html"),
    "stats": (["stats", "{vault}"], "-o"),
    "schema export": (["schema", "export", "topic-overview", "--vault", "{vault}"], "-o"),
}
# every command, as run on the vault, printing to standard output
PRINTERS = {
    **{name: args for name, (args, _) in WRITERS.items() if name != "graph page"},
    "graph page": ["graph", "{vault}", "--html", "-"],
    "rules": ["rules"],
    "rule": ["rules", "broken-link"],
    "stub": ["stub", "--all", "--dry-run", "{vault}"],
    "cache": ["cache"],
}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A copy of the sample vault."""
    return Path(shutil.copytree(SAMPLE_VAULT, tmp_path / "vault"))


def command(name: str, vault: Path, target: str | Path) -> list[str]:
    args, option = WRITERS[name]
    return [arg.format(vault=vault) for arg in args] + [option, os.fspath(target)]


def same(text: str) -> str:
    """``text`` without what differs from run to run (the random token of the github format)."""
    return re.sub("[0-9a-f]{32}", "TOKEN", text)


def one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "Usage:" not in err
    return err


@pytest.mark.parametrize("name", WRITERS)
@pytest.mark.parametrize("kind", ["note", "new file", "folder", "symlink", "hard link", "outside folder"])
def test_a_target_that_touches_the_vault_is_refused(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, kind: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = {
        "note": vault / NOTE,
        "new file": vault / "report.txt",
        "folder": vault / "Sub",
        "symlink": outside / "link.md",
        "hard link": outside / "copy.md",
        "outside folder": outside,
    }[kind]
    if kind == "folder":
        target.mkdir()
    elif kind == "symlink":
        target.symlink_to(vault / NOTE)
    elif kind == "hard link":
        os.link(vault / NOTE, target)
    before, note = snapshot(vault), (vault / NOTE).read_bytes()
    assert main(command(name, vault, target)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert one_line(err).startswith("vaulttool: error: ")
    assert ("folder" if "folder" in kind else "vault") in err
    assert snapshot(vault) == before
    assert (vault / NOTE).read_bytes() == note


@pytest.mark.parametrize("name", WRITERS)
def test_a_file_outside_the_vault_is_written_and_dash_is_standard_output(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "report"
    target.write_text("old\n")
    target.chmod(0o640)
    main(command(name, vault, target))
    assert capsys.readouterr().out == ""
    written = target.read_text()
    assert written != "old\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "vault"]  # no temporary file left
    main(command(name, vault, "-"))
    assert same(capsys.readouterr().out) == same(written)
    assert not (tmp_path / "-").exists()


def test_a_symlink_outside_the_vault_keeps_pointing_at_the_rewritten_file(vault: Path, tmp_path: Path) -> None:
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old\n")
    link.symlink_to(real)
    assert main(["stats", str(vault), "--format", "json", "-o", str(link)]) == 0
    assert link.is_symlink()
    assert '"notes": 9' in real.read_text()


def test_a_failed_write_leaves_the_old_file_as_it_was(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"the old report\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    assert main(["check", str(vault), "--format", "json", "--no-cache", "-o", str(target)]) == 2
    err = one_line(capsys.readouterr().err)
    assert err == f"vaulttool: error: cannot write the report to '{target}': No space left on device\n"
    assert target.read_bytes() == b"the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "vault"]


def _small_files() -> None:  # pragma: no cover - runs in the child
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")
def test_a_file_system_refusing_the_write_leaves_the_old_file_byte_identical(vault: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"the old report\n")
    done = subprocess.run(
        [sys.executable, "-m", "vaulttool", "check", str(vault), "--format", "json", "--no-cache", "-o", str(target)],
        env=cli_env(),
        cwd=tmp_path,
        capture_output=True,
        preexec_fn=_small_files,
    )
    assert done.returncode == 2
    assert done.stderr.decode() == f"vaulttool: error: cannot write the report to '{target}': File too large\n"
    assert target.read_bytes() == b"the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "vault"]


def _run(args: list[str], vault: Path, stdout: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "vaulttool", *(arg.format(vault=vault) for arg in args)],
        env=cli_env(),
        cwd=vault.parent,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("name", PRINTERS)
def test_a_full_standard_output_is_one_line_and_exit_2(vault: Path, name: str) -> None:
    with open("/dev/full", "wb") as full:
        done = _run(PRINTERS[name], vault, full.fileno())
    assert done.returncode == 2
    assert done.stderr.decode() == "vaulttool: error: cannot write the report: No space left on device\n"


@pytest.mark.parametrize("name", PRINTERS)
def test_a_closed_standard_output_is_one_line_and_exit_2(vault: Path, name: str) -> None:
    command = [sys.executable, "-m", "vaulttool", *(arg.format(vault=vault) for arg in PRINTERS[name])]
    done = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", *command], env=cli_env(), cwd=vault.parent, stderr=subprocess.PIPE, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.decode() == "vaulttool: error: cannot write the report: standard output is closed\n"


@pytest.mark.parametrize("name", PRINTERS)
def test_a_closed_pipe_ends_every_command_quietly(vault: Path, name: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as with `| head -0`
    try:
        done = _run(PRINTERS[name], vault, write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b"")


def test_a_reader_that_stops_early_ends_a_large_listing_quietly(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", notes=300)
    for args in (["graph", str(vault)], ["stub", "--all", "--dry-run", str(vault)], ["rules"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "vaulttool", *args],
            env=cli_env(),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()  # `| head -1`
        err = proc.stderr.read()
        assert (proc.wait(timeout=60), err) == (0, b""), args


def test_out_of_memory_is_one_line_and_exit_2(
    vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaulttool.engine import lint

    def exhausted(*args: object, **kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr(lint, "check", exhausted)
    assert main(["check", str(vault), "--no-cache"]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith("vaulttool: error: out of memory while running 'vaulttool check'")


def test_no_cache_ignores_the_cache_location(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    afile = tmp_path / "not-a-folder"
    afile.write_text("")
    assert main(["check", str(vault), "--no-cache", "--cache-dir", str(afile)]) == 0
    monkeypatch.setenv("VAULTTOOL_CACHE_DIR", str(afile))
    assert main(["check", str(vault), "--no-cache"]) == 0
    capsys.readouterr()
    assert main(["check", str(vault)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
