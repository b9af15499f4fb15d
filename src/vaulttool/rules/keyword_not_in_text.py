"""keyword-not-in-text: a keyword that the note's own text does not contain.

Keywords are the first paragraph under the schema's keywords heading, split on its
separator; they must be extracted from the note (frontmatter values included), not
invented. Words compare by Snowball stem, so "deadlock prevention" matches "prevents
deadlocks", and the schema's stop words ("vs", "and", "of"…) are skipped, so
"I/O-bound vs CPU-bound" matches "I/O-bound" and "CPU-bound". A list with fewer or more
keywords than the schema allows is reported too.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from vaulttool.markdown import words
from vaulttool.models import Diagnostic, Note, Severity
from vaulttool.notes import iter_strings
from vaulttool.rules._util import note_diagnostic
from vaulttool.template import keyword_list

if TYPE_CHECKING:
    from vaulttool.lint import RuleContext

ID = "keyword-not-in-text"
DEFAULT_SEVERITY = Severity.WARNING


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=200_000)
def _stem(language: str, word: str) -> str:
    return str(_stemmer(language).stemWord(word))


def _text_stems(note: Note, keyword_line: int, language: str) -> set[str]:
    """Stems of every word in the note except the keyword paragraph itself."""
    found: set[str] = set()
    in_keywords = False
    for i, text in enumerate(note.lines):
        line = note.body_line + i
        in_keywords = line == keyword_line or (in_keywords and bool(text.strip()))
        if not in_keywords:
            found.update(words(text))
    for value in iter_strings(note.frontmatter or {}):
        found.update(words(value))
    return {_stem(language, w) for w in found}


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per keyword not found in the text, and for a list of the wrong size."""
    for path, schema in ctx.schema_of.items():
        spec = schema.spec.keywords
        note = ctx.notes[path]
        if spec is None:
            continue
        found = keyword_list(note, spec)
        if found is None:
            continue
        line, keywords = found
        high = spec.max_count
        if len(keywords) < spec.min_count or (high is not None and len(keywords) > high):
            limit = f"{spec.min_count} to {high}" if high is not None else f"at least {spec.min_count}"
            yield note_diagnostic(
                path, line, ID, DEFAULT_SEVERITY, f"{len(keywords)} keywords; {schema.name} wants {limit}"
            )
        if not spec.must_appear:
            continue
        stop = {w.casefold() for w in spec.stop_words}
        stems = _text_stems(note, line, spec.language)
        for keyword in keywords:
            wanted = [_stem(spec.language, w) for w in words(keyword) if w not in stop]
            missing = [w for w in wanted if w not in stems]
            if missing:
                yield note_diagnostic(
                    path,
                    line,
                    ID,
                    DEFAULT_SEVERITY,
                    f"keyword '{keyword}' is not in the note's text; {schema.name} wants keywords taken from the note",
                    target=keyword,
                )
