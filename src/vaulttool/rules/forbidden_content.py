"""forbidden-content: content the template rules out.

Depending on the schema's ``forbidden`` settings: code blocks (a template of
"no examples"), sections such as "Example(s)", and phrases such as follow-up offers and
closing remarks about the note itself ("Would you like…", "Let me know…", "Delivered
strictly per template…"), matched case-insensitively outside code.

Unsafe fix: the paragraph holding a forbidden phrase is removed with the blank lines after
it, and at the end of a note also with the blank lines and the thematic break (``---``)
before it. A phrase inside a list, table, quote, heading or code gets no fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import filterfalse
from typing import TYPE_CHECKING

from vaulttool.model.edits import Edit
from vaulttool.model.markdown import heading_words
from vaulttool.model.values import Diagnostic, Fix, Note, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "forbidden-content"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per code block, forbidden section and forbidden phrase."""
    path, note, schema = nc.path, nc.note, nc.schema
    spec = schema.spec.forbidden if schema is not None else None
    if schema is None or spec is None:
        return
    if spec.code_blocks:
        for line in sorted(note.code_lines):
            if line - 1 not in note.code_lines:
                yield note_diagnostic(
                    path, line, ID, DEFAULT_SEVERITY, f"code block; {schema.name} allows no code or examples"
                )
    banned = _banned(tuple(spec.sections))
    for heading in note.headings:
        if heading_words(heading.text) in banned:
            yield note_diagnostic(
                path,
                heading.line,
                ID,
                DEFAULT_SEVERITY,
                f"section '{heading.text}'; {schema.name} allows no {banned[heading_words(heading.text)]} section",
            )
    for line, shown in phrase_lines(note, spec.phrases, nc.lacks_word):
        yield note_diagnostic(
            path,
            line,
            ID,
            DEFAULT_SEVERITY,
            f"'{shown}…': {schema.name} notes hold no follow-up offers or remarks about the note; remove it",
        )._replace(fix=remove_paragraph_fix(note, line))


_BLOCK_RE = re.compile(r"^(?: {4}|\t| {0,3}(?:[#|>*+-]|\d+[.)]|```|~~~|\$\$|%%|<))")
_BREAK_RE = re.compile(r"^ {0,3}([-*_])(?: *\1){2,} *$")


def remove_paragraph_fix(note: Note, line: int) -> Fix | None:
    """Remove the plain paragraph holding file line ``line`` (see the module docstring), or None."""
    lines, first = note.lines, note.body_line
    start = end = line - first
    while start > 0 and lines[start - 1].strip():
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    if any(_BLOCK_RE.match(lines[i]) or i + first in note.code_lines for i in range(start, end + 1)):
        return None
    after = end + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after < len(lines):  # more follows: the paragraph and its blank lines go
        edit = Edit(start + first, 1, after + first, 1, "")
    else:  # the note's end: so do the blank lines and a thematic break before it
        keep = start
        while keep > 0 and not lines[keep - 1].strip():
            keep -= 1
        if keep > 0 and _BREAK_RE.match(lines[keep - 1]):
            keep -= 1
            while keep > 0 and not lines[keep - 1].strip():
                keep -= 1
        edit = Edit(keep + first, 1, len(lines) + first, 1, "")  # whole lines, to the end of the file
    return Fix((edit,), False, "Remove the paragraph")


@lru_cache(maxsize=64)
def _banned(sections: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    """The words of each forbidden section's heading, with its name (a schema's, for every note)."""
    return {heading_words(name): name for name in sections}


@lru_cache(maxsize=64)
def _folded(phrases: tuple[str, ...]) -> tuple[tuple[str, str, tuple[bytes, ...]], ...]:
    """Each phrase casefolded, with the phrase as written and its inner words, as bytes (a schema's, for
    every note).

    An inner word stands between two spaces of the casefolded phrase and is made of ASCII letters
    and digits: wherever the phrase stands, that word is a whole word of the line (no character
    casefolds to a space, and the characters that casefold to such a word are letters), so a note
    without it as a word cannot hold the phrase.
    """
    folded = []
    for phrase in phrases:
        cut = phrase.casefold()
        inner = tuple(word.encode() for word in cut.split(" ")[1:-1] if word.isascii() and word.isalnum())
        folded.append((cut, phrase, inner))
    return tuple(folded)


def phrase_lines(
    note: Note, phrases: Sequence[str], lacks_word: Callable[[Sequence[bytes]], bool] = lambda words: False
) -> Iterator[tuple[int, str]]:
    """(file line, phrase as written) for each phrase on each body line outside code, casefolded; in line order.

    ``lacks_word`` tells whether one of some words is surely not a word of the note's body (a
    phrase with such an inner word is not looked for; see :func:`_folded`)."""
    folded = [(phrase, shown) for phrase, shown, inner in _folded(tuple(phrases)) if not inner or not lacks_word(inner)]
    if not folded:
        return
    # one look at the whole note first: most notes hold none (casefolding ASCII text is quick)
    plain = "\n".join(filter(str.isascii, note.lines)).casefold()
    other = "\n".join(filterfalse(str.isascii, note.lines)).casefold()
    present = [(phrase, shown) for phrase, shown in folded if phrase in plain or phrase in other]
    if not present:
        return
    for line, text in enumerate(note.lines, note.body_line):
        if line in note.code_lines:
            continue
        lowered = text.casefold()
        for phrase, shown in present:
            if phrase in lowered:
                yield line, shown
