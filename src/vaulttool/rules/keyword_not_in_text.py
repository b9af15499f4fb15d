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

from vaulttool.model.markdown import word_bytes, words
from vaulttool.model.schema_format import KeywordsSpec
from vaulttool.model.template import keyword_list
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import column_in, file_line, note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import NoteContext

ID = "keyword-not-in-text"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "note"


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(language)


# words as word_set holds them (bytes), stems as the stemmer gives them
_KNOWN: dict[str, set[bytes]] = {}  # per language: every word stemmed so far
_WORDS_OF: dict[str, dict[str, set[bytes]]] = {}  # per language: stem -> every word seen with it


def _learn(language: str, found: set[bytes]) -> None:
    """Stem the words of ``found`` not seen before; memoised per language across notes (a vault reuses its words)."""
    known = _KNOWN.setdefault(language, set())
    new = found - known
    if new:
        fresh = list(new)
        texts = [word.decode("utf-8", "surrogatepass") for word in fresh]
        stems = _stemmer(language).stemWords(texts)  # before the words count as known: should it raise, they do not
        words_of = _WORDS_OF.setdefault(language, {})
        for word, stem in zip(fresh, stems, strict=True):
            words_of.setdefault(stem, set()).add(word)
        known |= new


_KEYWORD_FORMS: dict[tuple[str, tuple[str, ...]], dict[str, tuple[set[bytes], ...]]] = {}  # per language, stop words


def _keyword_forms(language: str, stop_words: tuple[str, ...]) -> dict[str, tuple[set[bytes], ...]]:
    """Per keyword, the words seen with each stem of its words that are not stop words: filled in
    as keywords come (a vault repeats its keywords), see :func:`_forms_of`."""
    return _KEYWORD_FORMS.setdefault((language, stop_words), {})


def _forms_of(language: str, stop_words: tuple[str, ...], keyword: str) -> tuple[set[bytes], ...]:
    """Per stem of the words of ``keyword`` that are not stop words, the set in :data:`_WORDS_OF` of
    the words seen with it (kept in :func:`_keyword_forms`; the sets grow as words are learned)."""
    stop = {w.casefold() for w in stop_words}
    kept = {w for w in words(keyword) if w not in stop}
    _learn(language, set(map(word_bytes, kept)))
    words_of = _WORDS_OF[language]
    stems = set(_stemmer(language).stemWords(list(kept)))
    forms = _keyword_forms(language, stop_words)[keyword] = tuple(words_of[stem] for stem in stems)
    return forms


def missing_keywords(text: set[bytes], keywords: list[str], spec: KeywordsSpec) -> list[str]:
    """The keywords with a word whose stem is the stem of no word of ``text``, the words of the note
    besides its keyword paragraph (the keywords left out).

    The words of ``text`` (as :func:`~vaulttool.model.markdown.word_set` holds them) are stemmed first
    (see :func:`_learn`); each keyword stem is then looked up among the few words known to share it
    rather than by stemming the whole text.
    """
    language, stop = spec.language, tuple(spec.stop_words)
    _learn(language, text)
    known = _keyword_forms(language, stop)
    missing = []
    for keyword in keywords:
        forms = known.get(keyword)
        if forms is None:
            forms = _forms_of(language, stop, keyword)
        for seen in forms:
            if seen.isdisjoint(text):
                missing.append(keyword)
                break
    return missing


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per keyword not found in the text, and for a list of the wrong size."""
    path, note, schema = nc.path, nc.note, nc.schema
    spec = schema.spec.keywords if schema is not None else None
    if schema is None or spec is None:
        return
    section = nc.section(spec.section)
    found = keyword_list(nc.first_paragraph(section), spec) if section is not None else None
    if found is None:
        return
    line, keywords = found
    high = spec.max_count
    if len(keywords) < spec.min_count or (high is not None and len(keywords) > high):
        limit = f"{spec.min_count} to {high}" if high is not None else f"at least {spec.min_count}"
        yield note_diagnostic(
            path, line, ID, DEFAULT_SEVERITY, f"{len(keywords)} keywords; {schema.name} wants {limit}"
        )
    if not spec.must_appear:
        return
    written = file_line(note, line)  # where each missing keyword's column is found
    for keyword in missing_keywords(nc.words_besides(line), keywords, spec):
        yield note_diagnostic(
            path,
            line,
            ID,
            DEFAULT_SEVERITY,
            f"keyword '{keyword}' is not in the note's text; {schema.name} wants keywords taken from the note",
            target=keyword,
            column=column_in(written, keyword, line < note.body_line),
        )
