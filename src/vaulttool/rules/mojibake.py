"""mojibake: text that is double-encoded UTF-8 (``cafÃ©`` for ``café``, ``ðŸ§ `` for ``🧠``).

Happens when UTF-8 bytes are read as Windows-1252 and saved again. Detected with ftfy
on lines that show the tell-tale characters; reported once per note, on the first such
line, with the repaired form of the first damaged word. Re-save the note as UTF-8 (ftfy
can repair it).

Safe fix: every damaged stretch of every line, frontmatter included, is replaced by what
ftfy decodes it to (``Ã©`` becomes ``é``); nothing else on the line changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import SequenceMatcher
from itertools import chain, filterfalse
from typing import TYPE_CHECKING

from vaulttool.model.fixes import line_edits
from vaulttool.model.markdown import looks_mojibake, repair_mojibake
from vaulttool.model.values import Diagnostic, Fix, Note, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "mojibake"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per note holding double-encoded text."""
    path, note = nc.path, nc.note
    bad = damaged_lines(note)
    if not bad:
        return
    line, text, fixed = bad[0]
    damaged, repaired = first_change(text, fixed)
    more = f" ({len(bad)} lines in all)" if len(bad) > 1 else ""
    edits = tuple(edit for args in bad if (edit := line_edits(*args)) is not None)
    yield note_diagnostic(
        path,
        line,
        ID,
        DEFAULT_SEVERITY,
        f"double-encoded UTF-8: {damaged!r} should read {repaired!r}{more}; re-save the note as UTF-8",
        column=text.find(damaged) + 1 if damaged in text else 1,
    )._replace(fix=Fix(edits, True, f"Decode the double-encoded text on {len(edits)} line(s)"))


def damaged_lines(note: Note) -> list[tuple[int, str, str]]:
    """(file line, text, repaired text) of each frontmatter and body line that ftfy repairs, in file order."""
    raw = note.raw_frontmatter
    # the hint is two non-ASCII characters side by side: plain lines cannot show it, nor can a line break
    hinted = raw is not None and not raw.isascii() and looks_mojibake(raw)
    if not hinted and not looks_mojibake("\n".join(filterfalse(str.isascii, note.lines))):
        return []
    fm_lines = raw.split("\n") if raw is not None else []
    numbered = chain(enumerate(fm_lines, 2), enumerate(note.lines, note.body_line))
    repaired = ((line, text, repair_mojibake(text)) for line, text in numbered if looks_mojibake(text))
    return [(line, text, fixed) for line, text, fixed in repaired if fixed != text]


def first_change(before: str, after: str) -> tuple[str, str]:
    """The first stretch where two texts differ, as (before, after)."""
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            return before[i1:i2], after[j1:j2]
    return before, after
