"""Text edits: positions as diagnostics give them, applied to the file as it is, and their diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.model.edits import Edit, LineIndex, apply_edits, fix_until_stable, unified_diff


def test_edit_keeps_crlf_bom_and_everything_outside_its_span() -> None:
    text = "\ufeff---\r\ntags: a, b\r\n---\r\nBody\r\n"
    # column 7 of line 2 as a rule sees it (no BOM, "\n" line breaks)
    result = apply_edits(text, [Edit(2, 7, 2, 11, "\n  - a\n  - b")])
    assert result.text == "\ufeff---\r\ntags: \r\n  - a\r\n  - b\r\n---\r\nBody\r\n"
    assert result.deferred == ()


def test_bom_is_not_counted_in_the_first_line() -> None:
    assert apply_edits("\ufeffabc", [Edit(1, 1, 1, 2, "X")]).text == "\ufeffXbc"


def test_mixed_line_breaks_each_kept() -> None:
    text = "one\r\ntwo\nthree\rfour"
    result = apply_edits(text, [Edit(1, 4, 2, 1, " "), Edit(3, 1, 3, 6, "3\n3")])
    assert result.text == "one two\n3\r3\rfour"


def test_overlapping_edits_wait_for_the_next_pass_and_duplicates_count_once() -> None:
    first, same, overlapping = Edit(1, 1, 1, 4, "X"), Edit(1, 1, 1, 4, "X"), Edit(1, 3, 1, 6, "Y")
    touching = Edit(1, 6, 1, 7, "Z")
    result = apply_edits("abcdefg", [overlapping, touching, first, same])
    assert result.text == "XdeZg"
    assert result.applied == (first, touching)
    assert result.deferred == (overlapping,)


def test_insertions_at_one_point_are_ambiguous_and_deferred() -> None:
    result = apply_edits("ab", [Edit(1, 2, 1, 2, "1"), Edit(1, 2, 1, 2, "2")])
    assert result.text == "a1b" and len(result.deferred) == 1


def test_end_of_file_positions() -> None:
    index = LineIndex("a\nbc\n")
    assert index.offset(3, 1) == 5 and index.offset(2, 3) == 4
    with pytest.raises(ValueError):
        index.offset(2, 4)
    with pytest.raises(ValueError):
        index.offset(4, 1)
    assert apply_edits("a\nbc\n", [Edit(3, 1, 3, 1, "d\n")]).text == "a\nbc\nd\n"


def test_fix_until_stable_recomputes_deferred_edits() -> None:
    def compute(text: str) -> list[Edit]:
        # two overlapping rewrites of "aa": one pass can make only one of them
        at = text.find("aa")
        return [] if at < 0 else [Edit(1, at + 1, 1, at + 3, "b"), Edit(1, at + 2, 1, at + 3, "c")]

    text, applied = fix_until_stable("aaaa", compute)
    assert text == "bb"  # "aaaa" -> "baa" (the "c" edit deferred) -> "bb"
    assert applied == [Edit(1, 1, 1, 3, "b"), Edit(1, 2, 1, 4, "b")]


def test_fix_until_stable_stops_after_max_passes() -> None:
    calls = []

    def forever(text: str) -> list[Edit]:
        calls.append(text)
        return [Edit(1, 1, 1, 1, "x"), Edit(1, 1, 1, 1, "y")]

    text, _ = fix_until_stable("", forever, max_passes=3)
    assert len(calls) == 3 and len(text) == 3


def git_apply(vault: Path, diff: str, check_only: bool = False) -> subprocess.CompletedProcess[bytes]:
    args = ["git", "apply", "--check"] if check_only else ["git", "apply"]
    return subprocess.run([*args, "-"], cwd=vault, input=diff.encode("utf-8"), capture_output=True)


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        ("Python Concurrency Patterns.md", "---\ntags: a, b\n---\nBody\n", "---\ntags:\n  - a\n  - b\n---\nBody\n"),
        ("deep/folder/Café \u2013 notes.md", "\ufeffa\r\nb\r\nc", "\ufeffa\r\nB\r\nc"),
        ("No newline.md", "one\ntwo\n\n---\n\nDelivered.", "one\ntwo\n"),
        ("Gain newline.md", "one", "one\n"),
    ],
)
def test_unified_diff_is_accepted_and_applied_by_git(tmp_path: Path, path: str, before: str, after: str) -> None:
    file = tmp_path / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(before.encode("utf-8"))
    diff = unified_diff(path, before, after)
    assert diff.startswith(f"--- a/{path}\n+++ b/{path}\n@@ ")
    checked = git_apply(tmp_path, diff, check_only=True)
    assert checked.returncode == 0, checked.stderr.decode()
    assert git_apply(tmp_path, diff).returncode == 0
    assert file.read_bytes() == after.encode("utf-8")


def test_no_diff_for_equal_texts() -> None:
    assert unified_diff("a.md", "same\n", "same\n") == ""


lines = st.lists(st.text(alphabet="ab é\t", max_size=6), min_size=2, max_size=6)  # a line break to keep


@settings(max_examples=200, deadline=None)
@given(lines, st.sampled_from(["\n", "\r\n"]), st.booleans(), st.data())
def test_edits_change_only_their_spans(body: list[str], newline: str, bom: bool, data: st.DataObject) -> None:
    plain = "\n".join(body)
    text = ("\ufeff" if bom else "") + newline.join(body)
    line = data.draw(st.integers(1, len(body)))
    column = data.draw(st.integers(1, len(body[line - 1]) + 1))
    end_column = data.draw(st.integers(column, len(body[line - 1]) + 1))
    replacement = data.draw(st.text(alphabet="xy\n", max_size=4))
    edit = Edit(line, column, line, end_column, replacement)
    on_disk = apply_edits(text, [edit]).text
    as_seen = apply_edits(plain, [edit]).text
    # the file gets exactly the rule's change, in its own line breaks and with its BOM
    assert on_disk == ("\ufeff" if bom else "") + as_seen.replace("\n", newline)
