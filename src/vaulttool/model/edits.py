"""Text edits: where a change goes, applying a set of them to a note, and the diff they make.

An :class:`Edit` names a span of a note by line and column, exactly as diagnostics and
links do (1-based, columns in characters, end exclusive, a byte-order mark not counted,
``\\r\\n`` one line break), and the text that replaces it. Edits are computed on the text
rules see, whose line breaks are all ``\\n``, and applied to the file as it is on disk:
:func:`apply_edits` maps every position onto the real text, so a note's byte-order mark
and its line breaks (``\\r\\n``, ``\\n``, even a mix) are kept, and every byte outside the
edited spans stays as it was. A ``\\n`` in replacement text is written as the line break
of the line the edit starts on.

Edits that overlap are not applied in the same pass: :func:`apply_edits` applies the
first of them (by position) and returns the others, to be computed again on the new text
and applied in a later pass (see :func:`fix_until_stable`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

BOM = "\ufeff"
MAX_PASSES = 4


class Edit(NamedTuple):
    """Replace the text from ``(line, column)`` up to, not including, ``(end_line, end_column)``.

    An insertion has an empty span; a deletion has empty ``text``. The position just after
    the last character of a line is ``(line, len(line) + 1)``; ``(number of lines + 1, 1)``
    is the end of the file, whether or not its last line ends with a line break.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def overlaps(self, other: Edit) -> bool:
        """Whether the two spans share a character, or are the same insertion point.

        Two edits that only touch (one ends where the other starts) do not overlap, unless
        one of them is an insertion at that point: the order of the two would be ambiguous.
        """
        a_start, a_end = (self.line, self.column), (self.end_line, self.end_column)
        b_start, b_end = (other.line, other.column), (other.end_line, other.end_column)
        if a_start == a_end or b_start == b_end:
            return a_start <= b_end and b_start <= a_end
        return a_start < b_end and b_start < a_end


class LineIndex:
    """Where each line of a text starts and how it ends, for mapping positions to offsets.

    Line breaks are ``\\r\\n``, ``\\n`` or a lone ``\\r`` (as the note reader counts them);
    a leading byte-order mark belongs to no line.
    """

    def __init__(self, text: str) -> None:
        """Index ``text``, a whole file as it is on disk (decoded, byte-order mark included)."""
        self.text = text
        start = 1 if text.startswith(BOM) else 0
        self.starts: list[int] = [start]  # offset of each line's first character
        self.ends: list[int] = []  # offset of each line's break (or the end of the text)
        i, n = start, len(text)
        while i < n:
            cr, lf = text.find("\r", i), text.find("\n", i)
            brk = min(x for x in (cr, lf, n) if x >= 0)
            if brk == n:
                break
            self.ends.append(brk)
            i = brk + (2 if text.startswith("\r\n", brk) else 1)
            self.starts.append(i)
        self.ends.append(n)

    def newline(self, line: int) -> str:
        """The line break that ends ``line`` (1-based); for the last line, the file's first break or ``\\n``."""
        if line < len(self.starts):
            end = self.ends[line - 1]
            return self.text[end : self.starts[line]]
        return self.newline(1) if len(self.starts) > 1 else "\n"

    def offset(self, line: int, column: int) -> int:
        """The offset in the text of the 1-based ``(line, column)``; ValueError when it is not in the text."""
        if line == len(self.starts) + 1 and column == 1 and self.ends[-1] > self.starts[-1]:
            return len(self.text)  # the end of a file whose last line has no line break
        if not 1 <= line <= len(self.starts) or column < 1:
            raise ValueError(f"position {line}:{column} is not in the text")
        offset = self.starts[line - 1] + column - 1
        if offset > self.ends[line - 1]:
            raise ValueError(f"position {line}:{column} is past the end of its line")
        return offset


@dataclass(frozen=True)
class Applied:
    """The result of one pass: the new text, the edits made and those left for a later pass."""

    text: str
    applied: tuple[Edit, ...]
    deferred: tuple[Edit, ...]


def apply_edits(text: str, edits: Iterable[Edit]) -> Applied:
    """Apply every edit that overlaps none applied before it (in order of position) to ``text``.

    ``text`` is the whole file as on disk; identical edits count once. Raises ValueError
    for an edit whose span is not in the text or ends before it starts.
    """
    index = LineIndex(text)
    chosen: list[Edit] = []
    deferred: list[Edit] = []
    for edit in sorted(set(edits)):
        if (edit.end_line, edit.end_column) < (edit.line, edit.column):
            raise ValueError(f"edit ends before it starts: {edit}")
        if chosen and chosen[-1].overlaps(edit):
            deferred.append(edit)
        else:
            chosen.append(edit)
    parts: list[str] = []
    cursor = 0
    for edit in chosen:
        start, end = index.offset(edit.line, edit.column), index.offset(edit.end_line, edit.end_column)
        newline = index.newline(edit.line)
        parts.append(text[cursor:start])
        parts.append(edit.text.replace("\n", newline) if newline != "\n" else edit.text)
        cursor = end
    parts.append(text[cursor:])
    return Applied("".join(parts), tuple(chosen), tuple(deferred))


def fix_until_stable(
    text: str, compute: Callable[[str], Sequence[Edit]], max_passes: int = MAX_PASSES
) -> tuple[str, list[Edit]]:
    """Compute edits on ``text`` and apply them, again on the result, until none are left or deferred.

    Stops after ``max_passes`` passes (edits that keep overlapping are then left out).
    Returns the final text and every edit applied, pass by pass.
    """
    applied: list[Edit] = []
    for _ in range(max_passes):
        edits = compute(text)
        if not edits:
            break
        result = apply_edits(text, edits)
        if result.text == text:
            break
        text = result.text
        applied.extend(result.applied)
        if not result.deferred:
            break
    return text, applied


def _diff_lines(text: str) -> list[str]:
    """Lines as ``git diff`` sees them: split after each ``\\n`` only (``\\r`` stays in the line)."""
    lines = text.split("\n")
    last = lines.pop()
    out = [line + "\n" for line in lines]
    if last:
        out.append(last)
    return out


def unified_diff(path: str, before: str, after: str, context: int = 3, new_path: str | None = None) -> str:
    """The unified diff turning ``before`` into ``after`` for the vault-relative ``path``.

    Paths are written ``a/PATH`` and ``b/PATH`` so that ``git apply`` run in the vault
    applies it; a last line without a line break gets git's ``\\ No newline at end of file``.
    ``new_path``: the file's path after, when the change also renames it. Empty when the
    texts are equal.
    """
    if before == after:
        return ""
    out: list[str] = []
    for line in difflib.unified_diff(
        _diff_lines(before), _diff_lines(after), f"a/{path}", f"b/{new_path or path}", n=context, lineterm="\n"
    ):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
