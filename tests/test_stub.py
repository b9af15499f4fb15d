"""`vaulttool stub`: what it plans, what it writes, and what it refuses to do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO
from tests.test_cli import TOPICS
from vaulttool.commands.cli import cli, main
from vaulttool.files.writers import UnsafeName, create_files, safe_relpath
from vaulttool.incremental.check import check

SEED = "python-concurrency-patterns.md"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def stub(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["stub", *args], standalone_mode=False)
    assert result.exception is None, result.output
    return int(result.return_value), result.output


def test_raw_seed_gets_its_seven_topics_and_moc(seed_vault: Path) -> None:
    code, output = stub("--topics", "--mocs", "--date", "2026-01-02", str(seed_vault))
    assert code == 0, output
    created = sorted(set(tree(seed_vault)) - {SEED})
    assert created == sorted([f"{t}.md" for t in [*TOPICS, "Python MOC"]])
    for name in created:
        text = (seed_vault / name).read_text(encoding="utf-8")
        assert "[[python-concurrency-patterns]]" in text
        assert "created: 2026-01-02" in text
    threading = (seed_vault / "Threading.md").read_text(encoding="utf-8")
    assert "status: stub" in threading
    assert "Threading enables concurrent execution within a single process" in threading
    assert "  - io-bound" in threading
    report = check(seed_vault)
    left = {d.rule for d in report.diagnostics}
    assert not left & {"broken-link", "missing-moc", "missing-topic"}
    assert not [d for d in report.diagnostics if d.path != SEED and d.severity.value != "info"]


def test_second_run_changes_no_byte(seed_vault: Path) -> None:
    stub("--topics", "--mocs", str(seed_vault))
    before = tree(seed_vault)
    code, output = stub("--topics", "--mocs", str(seed_vault))
    assert code == 0
    assert "Nothing to create" in output
    assert tree(seed_vault) == before


@pytest.mark.parametrize("mode", ["--dry-run", "--diff", "--check"])
def test_preview_modes_write_nothing(seed_vault: Path, mode: str) -> None:
    before = tree(seed_vault)
    code, output = stub("--topics", mode, str(seed_vault))
    assert tree(seed_vault) == before
    assert code == (1 if mode == "--check" else 0)
    if mode == "--diff":
        assert "+++ b/Threading.md" in output and "+status: stub" in output
    else:
        assert "would create Threading.md (topic, named by python-concurrency-patterns.md)" in output
    assert "7 stubs to create." in output


def test_check_mode_passes_when_nothing_is_missing(seed_vault: Path) -> None:
    stub("--topics", str(seed_vault))
    assert stub("--topics", "--check", str(seed_vault))[0] == 0


def test_one_stub_however_many_notes_name_it(tmp_path: Path) -> None:
    for name in ("A", "B"):
        (tmp_path / f"{name}.md").write_text(f"See [[Shared Topic]] and [[shared topic]] from {name}.\n")
    code, output = stub("--all", str(tmp_path))
    assert code == 0, output
    text = (tmp_path / "Shared Topic.md").read_text()
    assert '  - "[[A]]"\n  - "[[B]]"' in text
    assert not (tmp_path / "shared topic.md").exists() or os.path.samefile(
        tmp_path / "shared topic.md", tmp_path / "Shared Topic.md"
    )


def test_all_skips_missing_attachments_and_places_beside_the_note(tmp_path: Path) -> None:
    (tmp_path / "Folder").mkdir()
    (tmp_path / "Folder" / "Note.md").write_text("![[missing.png]] [[Idea]] [[Sub/Deep]]\n")
    code, _ = stub("--all", str(tmp_path))
    assert code == 0
    assert (tmp_path / "Folder" / "Idea.md").is_file()
    assert (tmp_path / "Sub" / "Deep.md").is_file()
    assert not list(tmp_path.rglob("missing.png*"))


def test_dir_option_and_config_key(tmp_path: Path) -> None:
    (tmp_path / "Note.md").write_text("[[Idea]]\n")
    stub("--all", "--dir", "Inbox", str(tmp_path))
    assert (tmp_path / "Inbox" / "Idea.md").is_file()
    (tmp_path / "Other.md").write_text("[[Second]]\n")
    (tmp_path / ".vaulttool.toml").write_text("stub-dir = 'Stubs'\n")
    stub("--all", str(tmp_path))
    assert (tmp_path / "Stubs" / "Second.md").is_file()


def test_user_template_beside_the_schemas(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Note.md").write_text("[[Idea]]\n")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "stub.md").write_text(
        '---\ntitle: "{{title}}"\nkind: seedling  # my own key\nstatus: stub\ntags: "{{tags}}"\n'
        'created: "{{date}}"\nlinks: "{{links}}"\n---\nTODO {{title}} from {{parent}}\n'
    )
    (tmp_path / ".vaulttool.toml").write_text("schemas = 'schemas'\n")
    stub("--all", "--date", "2026-03-04", str(vault))
    assert (vault / "Idea.md").read_text() == (
        '---\ntitle: "Idea"\nkind: seedling  # my own key\nstatus: stub\ntags: []\ncreated: 2026-03-04\n'
        'links:\n  - "[[Note]]"\n---\nTODO Idea from [[Note]]\n'
    )


HOSTILE = ["../../escape", "/tmp/x", "..", "a:b", "con", "x/../../../up", "~/home", "C:\\win", "trail.", "a\x1bb"]


@pytest.mark.parametrize("topic", HOSTILE)
def test_hostile_topics_create_nothing_and_say_why(tmp_path: Path, topic: str) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Note.md").write_text(
        f"---\ntemplate: topic-overview\ntopics: [{topic!r}]\n---\n[[Fine Topic]]\n".replace("'", '"')
    )
    outside = tree(tmp_path)
    code, output = stub("--topics", "--all", str(vault))
    assert code == 1
    assert "stub-refused" in output and "no stub for" in output
    assert "Traceback" not in output
    after = tree(tmp_path)
    new = set(after) - set(outside)
    assert new == {"vault/Fine Topic.md"}


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("ab:c", ": not allowed"),
        ("a:b", "absolute path"),
        ("CON", "reserved device name"),
        ("aux.txt", "reserved device name"),
        ("../x", "would leave"),
        ("/etc/passwd", "absolute path"),
        ("x" * 300, "longer than 255 bytes"),
        ("end ", "space"),
    ],
)
def test_safe_relpath_refuses(target: str, words: str) -> None:
    with pytest.raises(UnsafeName, match=words):
        safe_relpath(target)


def test_case_twin_of_an_existing_note_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Note.md").write_text("---\ntemplate: topic-overview\ntopics: [threading]\n---\n")
    (tmp_path / "Sub").mkdir()
    (tmp_path / "Sub" / "Threading.md").write_text("x\n")
    (tmp_path / "Sub" / "Other.md").write_text("[[Sub/threading.md]] [[nfce\u0301]]\n")
    (tmp_path / "Sub" / "nfc\u00e9.md").write_text("x\n")
    assert stub("--all", str(tmp_path))[0] == 0  # everything resolves case-insensitively
    assert sorted(tree(tmp_path)) == ["Note.md", "Sub/Other.md", "Sub/Threading.md", "Sub/nfcé.md"]


def test_never_overwrites_and_never_follows_symlinks(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    results = create_files(str(vault), {"Linked/Evil.md": b"x", "Dangling.md": b"y", "Keep.md": b"new"})
    (vault / "Keep.md").write_bytes(b"mine")
    again = create_files(str(vault), {"Keep.md": b"new"})
    assert [r.written for r in results] == [False, True, True]
    assert "symlink" in results[0].reason
    assert list(outside.iterdir()) == []
    assert not again[0].written and "already exists" in again[0].reason
    assert (vault / "Keep.md").read_bytes() == b"mine"
    (vault / "Trap.md").symlink_to(outside / "target.md")
    trap = create_files(str(vault), {"Trap.md": b"z"})
    assert not trap[0].written
    assert not (outside / "target.md").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Note.md").write_text("[[Idea]]\n")
    tmp_path.chmod(0o555)
    try:
        code, output = stub("--all", str(tmp_path))
    finally:
        tmp_path.chmod(0o755)
    assert code == 1
    assert "Idea.md: not created: Permission denied" in output


def test_full_disk_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def no_space(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    (result,) = create_files(str(tmp_path), {"Idea.md": b"text"})
    monkeypatch.undo()
    assert not result.written and result.reason == "No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_killed_run_leaves_no_partial_file(tmp_path: Path) -> None:
    """SIGKILL a large stub run part-way: every note present is complete, and a rerun finishes the job."""
    vault = tmp_path / "vault"
    vault.mkdir()
    topics = [f"Topic {i:04d}" for i in range(1500)]
    (vault / "Hub.md").write_text("".join(f"[[{t}]]\n" for t in topics))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    args = [sys.executable, "-m", "vaulttool", "stub", "--all", "--date", "2026-01-01", str(vault)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(vault.glob("Topic *.md"))) < 50:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    made = sorted(vault.glob("Topic *.md"))
    assert 0 < len(made) < len(topics), "the run should have been killed part-way"
    for path in made:
        assert path.read_text().endswith("write it up, then change `status`.\n"), path.name
    subprocess.run(args, env=env, check=True, capture_output=True)
    assert len(list(vault.glob("Topic *.md"))) == len(topics)
    assert not list(vault.glob(".vaulttool-*"))


def test_needs_a_kind_of_target(tmp_path: Path) -> None:
    assert main(["stub", str(tmp_path)]) == 2


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_dir_inside_the_vault_is_used_as_is(seed_vault: Path, absolute: bool) -> None:
    folder = str(seed_vault / "Inbox" / "New") if absolute else "Inbox/New"
    code, output = stub("--topics", "--dir", folder, str(seed_vault))
    assert code == 0, output
    created = set(tree(seed_vault)) - {SEED}
    assert created == {f"Inbox/New/{t}.md" for t in TOPICS}


@pytest.mark.parametrize("folder", ["../outside", "Inbox/../../outside", "/elsewhere/Inbox"])
def test_dir_outside_the_vault_is_one_usage_error(
    seed_vault: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stub", "--topics", "--dir", folder, str(seed_vault)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"--dir '{folder}' is outside the vault" in err
    assert err.count("outside the vault") == 1
    assert set(tree(seed_vault)) == {SEED}
    assert not (seed_vault.parent / "outside").exists()


@pytest.mark.parametrize(
    "flags",
    [["--dry-run", "--diff"], ["--diff", "--check"], ["--dry-run", "--check"], ["--dry-run", "--diff", "--check"]],
)
def test_conflicting_modes_are_a_usage_error(
    seed_vault: Path, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stub", "--topics", *flags, str(seed_vault)]) == 2
    assert "cannot be combined" in capsys.readouterr().err
    assert set(tree(seed_vault)) == {SEED}
