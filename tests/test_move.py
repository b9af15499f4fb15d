"""``vaulttool mv``: every link follows a moved note, attachment or folder, or the move is refused."""

from __future__ import annotations

import difflib
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.vaultgen import make_vault
from vaulttool.actions.move import MoveError, apply_move, plan_move
from vaulttool.commands.cli import main
from vaulttool.model.notes import parse_note
from vaulttool.model.vault import VaultIndex, walk_vault


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def resolution(root: Path) -> dict[tuple[str, int], str | None]:
    """What every link of the vault opens: (note, link number) -> file."""
    walked = walk_vault(root)
    index = VaultIndex(walked.notes, walked.attachments)
    found: dict[tuple[str, int], str | None] = {}
    for path in walked.notes:
        note = parse_note(path, (root / path).read_bytes())
        for number, link in enumerate(note.links):
            found[(path, number)] = index.resolve(link.target, path)
    return found


LINKER = """---
links:
  - "[[Old Name]]"
  - "[[Old Name#Part]]"
---
# Linker

Plain [[Old Name]], aliased [[Old Name|shown words]], heading [[Old Name#Part|see]] and block [[Old Name#^blk]].
Embed ![[Old Name]] and ![[pic.png|100]]; path form [[sub/Old Name]] and [[sub/Old Name.md]].
Markdown [md](sub/Old%20Name.md), [angled](<sub/Old Name.md#Part>) and [rel](./sub/Old%20Name.md "title").

| col | col |
| --- | --- |
| [[Old Name\\|in a table]] | x |

`[[Old Name]]` in code stays as it is, and so does [[Elsewhere]].
"""

EXPECTED = """---
links:
  - "[[New Name]]"
  - "[[New Name#Part]]"
---
# Linker

Plain [[New Name]], aliased [[New Name|shown words]], heading [[New Name#Part|see]] and block [[New Name#^blk]].
Embed ![[New Name]] and ![[pic.png|100]]; path form [[other/New Name]] and [[other/New Name.md]].
Markdown [md](other/New%20Name.md), [angled](<other/New Name.md#Part>) and [rel](./other/New%20Name.md "title").

| col | col |
| --- | --- |
| [[New Name\\|in a table]] | x |

`[[Old Name]]` in code stays as it is, and so does [[Elsewhere]].
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write(
        tmp_path / "vault",
        {
            "Linker.md": LINKER,
            "sub/Old Name.md": "# Old Name\n\n## Part\n\nText ^blk\n\n[[Elsewhere]] and [up](../Linker.md)\n",
            "Elsewhere.md": "# Elsewhere\n",
            "pic.png": b"\x89PNG",
        },
    )


def test_every_link_form_follows_a_renamed_note(vault: Path) -> None:
    before = resolution(vault)
    assert main(["mv", str(vault / "sub/Old Name.md"), str(vault / "other/New Name"), "--vault", str(vault)]) == 0
    assert (vault / "Linker.md").read_text(encoding="utf-8") == EXPECTED
    assert not (vault / "sub/Old Name.md").exists()
    moved = (vault / "other/New Name.md").read_text(encoding="utf-8")
    assert moved.endswith("[[Elsewhere]] and [up](../Linker.md)\n")  # the relative link still reaches Linker
    move = {"sub/Old Name.md": "other/New Name.md"}
    assert {(move.get(p, p), n): move.get(t, t) if t else None for (p, n), t in before.items()} == resolution(vault)


def test_a_relative_link_in_a_moved_note_is_rewritten(vault: Path) -> None:
    assert main(["mv", str(vault / "sub/Old Name.md"), str(vault / "deep/er/Old Name.md"), "--vault", str(vault)]) == 0
    assert (vault / "deep/er/Old Name.md").read_text(encoding="utf-8").endswith("[up](../../Linker.md)\n")


def test_a_whole_folder_moves_with_its_attachments(vault: Path) -> None:
    write(vault, {"sub/diagram.png": b"png", "Uses.md": "![[sub/diagram.png]] [[sub/Old Name#Part]]\n"})
    before = resolution(vault)
    assert main(["mv", str(vault / "sub"), str(vault / "renamed"), "--vault", str(vault)]) == 0
    assert (vault / "Uses.md").read_text(encoding="utf-8") == "![[renamed/diagram.png]] [[renamed/Old Name#Part]]\n"
    after = resolution(vault)
    move = {"sub/Old Name.md": "renamed/Old Name.md", "sub/diagram.png": "renamed/diagram.png"}
    assert {(move.get(p, p), n): move.get(t, t) if t else None for (p, n), t in before.items()} == after


def test_moving_into_an_existing_folder_keeps_the_name(vault: Path) -> None:
    (vault / "box").mkdir()
    assert main(["mv", str(vault / "Elsewhere.md"), str(vault / "box"), "--vault", str(vault)]) == 0
    assert (vault / "box/Elsewhere.md").is_file()
    assert "[[Elsewhere]]" in (vault / "Linker.md").read_text(encoding="utf-8")  # still the shortest form


def test_a_destination_ending_in_a_slash_is_a_new_folder(vault: Path) -> None:
    assert main(["mv", str(vault / "Elsewhere.md"), str(vault / "Fresh") + "/", "--vault", str(vault)]) == 0
    assert (vault / "Fresh/Elsewhere.md").is_file()


def test_a_captured_link_is_rewritten_to_keep_its_target(tmp_path: Path) -> None:
    # [[Topic]] from b/ opens a/Topic.md today; a Topic.md moving into b/ would capture it
    vault = write(
        tmp_path / "v",
        {"a/Topic.md": "A\n", "c/Topic.md": "C\n", "b/Reader.md": "[[Topic]]\n", "c/Other.md": "[[Topic]]\n"},
    )
    before = resolution(vault)
    assert before[("b/Reader.md", 0)] == "a/Topic.md"
    assert main(["mv", str(vault / "c/Topic.md"), str(vault / "b"), "--vault", str(vault)]) == 0
    assert (vault / "b/Reader.md").read_text(encoding="utf-8") == "[[a/Topic]]\n"
    assert resolution(vault)[("b/Reader.md", 0)] == "a/Topic.md"
    assert resolution(vault)[("c/Other.md", 0)] == "b/Topic.md"


def test_a_broken_link_that_would_start_to_resolve_is_refused(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(vault, {"Waiting.md": "[[Brand New]]\n"})
    files = snapshot(vault)
    assert main(["mv", str(vault / "Elsewhere.md"), str(vault / "Brand New.md"), "--vault", str(vault)]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "Waiting.md:1:1: 'Brand New' resolves to nothing now" in err
    assert snapshot(vault) == files


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("Elsewhere.md", "exists already"),
        ("elsewhere.MD", "differs from 'Elsewhere.md' only in case"),
        ("../outside.md", "outside the vault"),
        ("a:b.md", "not allowed in note names"),
        (".hidden/x.md", "Obsidian hides names"),
    ],
)
def test_unsafe_destinations_are_refused(
    vault: Path, destination: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = snapshot(vault)
    assert main(["mv", str(vault / "Linker.md"), str(vault / destination), "--vault", str(vault)]) == 2
    assert message in capsys.readouterr().err
    assert snapshot(vault) == files


def test_a_folder_cannot_move_into_itself(vault: Path) -> None:
    with pytest.raises(MoveError, match="into itself"):
        plan_move(vault, "sub", "sub/inner")


def test_a_note_changed_after_planning_is_left_alone_and_nothing_moves(vault: Path) -> None:
    plan = plan_move(vault, "sub/Old Name.md", "New Name.md")
    (vault / "Linker.md").write_text(LINKER + "\nedited meanwhile\n", encoding="utf-8")
    files = snapshot(vault)
    result = apply_move(plan)
    assert result.failures and "changed on disk" in result.failures[0]
    assert snapshot(vault) == files


def test_line_endings_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    text = '\ufeff---\r\nlinks:\r\n  - "[[Target]]"\r\n---\r\nSee [[Target]].\r\nEnd\r\n'
    vault = write(tmp_path / "v", {"Crlf.md": text.encode("utf-8"), "Target.md": "t\n"})
    assert main(["mv", str(vault / "Target.md"), str(vault / "Goal.md"), "--vault", str(vault)]) == 0
    assert (vault / "Crlf.md").read_bytes() == text.replace("Target", "Goal").encode("utf-8")


def test_the_vault_link_format_is_followed(vault: Path) -> None:
    write(vault, {".obsidian/app.json": '{"newLinkFormat": "absolute"}'})
    assert main(["mv", str(vault / "Elsewhere.md"), str(vault / "x/Moved.md"), "--vault", str(vault)]) == 0
    assert "[[x/Moved]]" in (vault / "Linker.md").read_text(encoding="utf-8")


def test_dry_run_and_diff_write_nothing(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = snapshot(vault)
    assert main(["mv", str(vault / "sub/Old Name.md"), str(vault / "New.md"), "--vault", str(vault), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "move sub/Old Name.md -> New.md" in out and "link Linker.md:9:7: Old Name -> New" in out
    assert main(["mv", str(vault / "sub/Old Name.md"), str(vault / "New.md"), "--vault", str(vault), "--diff"]) == 0
    diff = capsys.readouterr().out
    assert "rename from sub/Old Name.md\nrename to New.md\n" in diff
    assert snapshot(vault) == files
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=vault, check=True)
        done = subprocess.run(["git", "apply", "--check", "-"], cwd=vault, input=diff.encode(), capture_output=True)
        assert done.returncode == 0, done.stderr
        subprocess.run(["git", "apply", "-"], cwd=vault, input=diff.encode(), check=True)
        assert (vault / "Linker.md").read_text(encoding="utf-8").count("[[New") == 10


def _changed_outside_links(before: bytes, after: bytes, path: str) -> list[str]:
    """The changes between two versions of a note that are not inside one of its links."""
    note = parse_note(path, before)
    text = before.decode("utf-8")
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    spans = [(starts[k.line - 1] + k.column - 1, starts[k.line - 1] + k.end_column - 1) for k in note.links]
    outside = []
    matcher = difflib.SequenceMatcher(None, text, after.decode("utf-8"), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal" and not any(a <= i1 and i2 <= b for a, b in spans):
            outside.append(f"{path}: {tag} at {i1}-{i2}")
    return outside


def test_random_moves_keep_every_link(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", notes=1000, seed=3)
    rng = random.Random(11)
    moves = refused = 0
    before = resolution(vault)
    while moves < 200:
        walked = walk_vault(vault)
        folders = sorted({p.rpartition("/")[0] for p in walked.notes if "/" in p})
        if rng.random() < 0.2 and folders:
            source = rng.choice(folders)
            destination = rng.choice(["x", "y/z", "a/w"]) + f"/f{moves}"
        else:
            source = rng.choice(walked.notes)
            destination = rng.choice(["", "a/", "b/", "q/r/"]) + rng.choice([f"Moved {moves}", "Note 1", "Note 2"])
        try:
            plan = plan_move(vault, source, destination, walked=walked)
        except MoveError:
            continue
        if plan.problems:
            refused += 1
            assert all("resolves to nothing now" in p for p in plan.problems), plan.problems
            continue
        contents = {path: old for path, (old, _) in plan.texts.items()}
        result = apply_move(plan)
        assert not result.failures
        after = resolution(vault)
        expected = {(plan.moves.get(p, p), n): plan.moves.get(t, t) if t else None for (p, n), t in before.items()}
        assert after == expected, (source, destination)
        for path, old in contents.items():
            new = (vault / plan.moves.get(path, path)).read_bytes()
            assert _changed_outside_links(old, new, path) == []
        moves += 1
        before = after
    assert refused < moves
