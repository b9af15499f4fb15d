"""`vaulttool stub` on hostile topics: it only creates, only inside the vault, never through a link.

Interface under test: ``vaulttool stub --topics [--mocs] [--all] [--dry-run|--diff|--check]
[--date YYYY-MM-DD] [--dir FOLDER] VAULT``; exit 0 when it created (or had nothing to
create), 1 when some topic could not be created (a diagnostic names the topic and the
reason) or, under ``--check``, when something would be created. Skipped until
``vaulttool.files.writers`` exists.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.harness import TIMEOUT, add_normal_note, assert_inert, cli_env, run_cli, run_once, snapshot
from vaulttool.commands.cli import main
from vaulttool.model.vault import link_key

pytest.importorskip("vaulttool.files.writers")

DATE = "2024-01-02"
BAD_NAME_CHARS = set('*"\\/<>:|?#^[]')
DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}

# topics no stub may be created for, and the text of each that the diagnostic must show
REFUSED = {
    "../escape-1": "escape-1",
    "sub/../../escape-2": "escape-2",
    "C:\\escape-5": "escape-5",
    "\\\\server\\share\\escape-6": "escape-6",
    "a:escape-7": "escape-7",
    "x#escape-8": "escape-8",
    "CON": "CON",
    "aux.txt": "aux.txt",
    "trailing-dot.": "trailing-dot",
    "trailing-space ": "trailing-space",
    "new\nline-escape": "line-escape",
    "\x1b[2Jansi-escape": "ansi-escape",
    "e" * 300: "eeeeeeeeee",
}
# topics that may be created or refused, but never outside the vault or through a link
RISKY = ["~/escape-4", "Linked/escape-10", "Dangling", "Folder", "Good Topic"]


def topics_note(topics: list[str]) -> str:
    """A note listing ``topics`` in its frontmatter (JSON strings are YAML double-quoted scalars)."""
    items = "".join(f"  - {json.dumps(t)}\n" for t in topics)
    return f"---\ntopics:\n{items}template: topic-overview\n---\n# Overview\n"


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(vault, outside, work): a vault with traps, a folder beside it, an empty working folder."""
    vault, outside, work = tmp_path / "vault", tmp_path / "outside", tmp_path / "work"
    for folder in (vault, outside, work):
        folder.mkdir()
    add_normal_note(vault)
    (outside / "keep.md").write_text("outside\n", encoding="utf-8")
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    (vault / "Dangling.md").symlink_to(outside / "target.md")
    (vault / "Folder.md").mkdir()
    (vault / unicodedata.normalize("NFC", "Café.md")).write_text("[[Normal]]\n", encoding="utf-8")
    (vault / "Read Only.md").write_text("mine\n", encoding="utf-8")
    (vault / "Read Only.md").chmod(0o444)
    topics = [*REFUSED, *RISKY, "normal", unicodedata.normalize("NFD", "Café"), "read only"]
    (vault / "Overview.md").write_text(topics_note(topics), encoding="utf-8")
    return vault, outside, work


def assert_only_safe_creations(before: dict[bytes, tuple], after: dict[bytes, tuple], vault: Path) -> list[str]:
    """Nothing that existed changed; every new entry is a plain file or folder inside the vault
    with a name valid everywhere and no case or normalisation twin. Returns the new files."""
    for path, entry in before.items():
        now = after.get(path)
        if entry[0] == stat.S_IFDIR:  # a folder gains entries: its size and time may change
            now, entry = now and now[:2], entry[:2]
        assert now == entry, f"changed or removed: {path!r}"
    root = os.fsencode(vault) + b"/"
    old_keys = {link_key(os.fsdecode(p[len(root) :])) for p in before if p.startswith(root)}
    created = []
    for path in sorted(set(after) - set(before)):
        assert path.startswith(root), f"written outside the vault: {path!r}"
        kind = after[path][0]
        assert kind in (stat.S_IFREG, stat.S_IFDIR), f"not a plain file or folder: {path!r}"
        rel = os.fsdecode(path[len(root) :])
        assert link_key(rel) not in old_keys, f"twin of an existing entry: {rel!r}"
        name = rel.rpartition("/")[2]
        assert len(os.fsencode(name)) <= 255
        assert not BAD_NAME_CHARS & set(name) and all(ch.isprintable() for ch in name), name
        assert name == name.strip() and not name.endswith("."), name
        if kind == stat.S_IFREG:
            assert name.split(".")[0].lower() not in DEVICE_NAMES, name
            created.append(rel)
    return created


def test_hostile_topics_are_refused_and_nothing_escapes(world: tuple[Path, Path, Path]) -> None:
    vault, outside, work = world
    before = snapshot(vault.parent)
    run = run_once("stub", "--topics", "--date", DATE, str(vault), cwd=work)
    after = snapshot(vault.parent)
    assert run.code == 1
    assert b"Traceback" not in run.stderr
    shown = assert_inert(run.stdout) + assert_inert(run.stderr)
    for topic, words in REFUSED.items():
        assert words in shown, f"no diagnostic names {topic!r}"
    created = assert_only_safe_creations(before, after, vault)
    assert any(rel.endswith("Good Topic.md") for rel in created)
    assert not any("escape" in rel for rel in created)
    assert not (outside / "target.md").exists()
    assert os.listdir(outside) == ["keep.md"] and os.listdir(work) == []
    assert (vault / "Read Only.md").read_text(encoding="utf-8") == "mine\n"


def test_a_second_run_creates_nothing_and_check_finds_the_stubs(world: tuple[Path, Path, Path]) -> None:
    vault, _, work = world
    (vault / "Overview.md").write_text(topics_note(["Good Topic", "Other Topic"]), encoding="utf-8")
    first = run_once("stub", "--topics", "--date", DATE, str(vault), cwd=work)
    assert first.code == 0, first.stderr
    before = snapshot(vault.parent)
    second = run_once("stub", "--topics", "--date", DATE, str(vault), cwd=work)
    assert second.code == 0, second.stderr
    assert snapshot(vault.parent) == before
    check = run_cli("check", str(vault), "--select", "missing-topic", cwd=work, formats=("json",))["json"]
    assert json.loads(check.stdout)["diagnostics"] == []


@pytest.mark.parametrize(("mode", "code"), [("--dry-run", 0), ("--diff", 0), ("--check", 1)])
def test_preview_modes_write_nothing(world: tuple[Path, Path, Path], mode: str, code: int) -> None:
    vault, _, work = world
    (vault / "Overview.md").write_text(topics_note(["Good Topic"]), encoding="utf-8")
    before = snapshot(vault.parent)
    run = run_once("stub", "--topics", mode, "--date", DATE, str(vault), cwd=work)
    assert run.code == code, run.stderr
    assert b"Traceback" not in run.stderr
    assert snapshot(vault.parent) == before
    assert "Good Topic" in assert_inert(run.stdout) + assert_inert(run.stderr)


@pytest.mark.parametrize("folder", ["Linked", "../outside", "Linked/deeper", "Folder.md/../../outside"])
def test_target_folder_outside_or_through_a_link_is_refused(world: tuple[Path, Path, Path], folder: str) -> None:
    vault, _, work = world
    (vault / "Overview.md").write_text(topics_note(["Good Topic"]), encoding="utf-8")
    before = snapshot(vault.parent)
    run = run_once("stub", "--topics", "--dir", folder, "--date", DATE, str(vault), cwd=work)
    assert run.code != 0
    assert b"Traceback" not in run.stderr
    assert_only_safe_creations(before, snapshot(vault.parent), vault)
    assert not any(name.endswith(b"Good Topic.md") for name in set(snapshot(vault.parent)) - set(before))


def test_two_runs_at_once_create_each_stub_once(world: tuple[Path, Path, Path]) -> None:
    vault, _, work = world
    topics = [f"Topic {i}" for i in range(200)]
    (vault / "Overview.md").write_text(topics_note(topics), encoding="utf-8")
    before = snapshot(vault.parent)
    argv = [sys.executable, "-m", "vaulttool", "stub", "--topics", "--date", DATE, str(vault)]
    procs = [
        subprocess.Popen(argv, cwd=work, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=TIMEOUT) for proc in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert b"Traceback" not in err
    created = assert_only_safe_creations(before, snapshot(vault.parent), vault)
    assert sorted(Path(rel).stem for rel in created) == sorted(topics)
    for rel in created:
        assert (vault / rel).read_text(encoding="utf-8").startswith("---\n")


topic_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(topics=st.lists(topic_text, min_size=1, max_size=5))
def test_any_topics_create_only_safe_new_files(tmp_path_factory: pytest.TempPathFactory, topics: list[str]) -> None:
    base = tmp_path_factory.mktemp("stub")
    vault, outside = base / "vault", base / "outside"
    vault.mkdir()
    outside.mkdir()
    add_normal_note(vault)
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    (vault / "Overview.md").write_text(topics_note(topics), encoding="utf-8")
    before = snapshot(base)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["stub", "--topics", "--date", DATE, str(vault)])
    assert code in (0, 1), err.getvalue()
    assert_inert(out.getvalue().encode())
    assert_inert(err.getvalue().encode())
    assert_only_safe_creations(before, snapshot(base), vault)
    again = snapshot(base)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["stub", "--topics", "--date", DATE, str(vault)]) == code
    assert snapshot(base) == again
