"""Near spellings for unknown names: every "unknown ..." message suggests the names the user may have meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_CUTOFF = 0.6  # less alike than this is no suggestion at all (difflib's usual cut-off)
_MARGIN = 0.1  # suggestions are within this of the nearest one


def close_names(name: str, known: Iterable[str], count: int = 3) -> list[str]:
    """The known names closest to ``name`` (case ignored), nearest first; none when nothing is close.

    Names much further than the nearest one are left out: ``brokn-link`` suggests
    ``broken-link`` alone, not ``broken-anchor`` too.
    """
    by_key: dict[str, str] = {}
    for candidate in known:
        by_key.setdefault(candidate.lower(), candidate)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(name.lower())
    scored = []
    for key in by_key:
        matcher.set_seq1(key)
        scored.append((matcher.ratio(), key))
    scored.sort(key=lambda item: -item[0])
    best = scored[0][0] if scored else 0.0
    return [by_key[key] for ratio, key in scored[:count] if ratio >= max(_CUTOFF, best - _MARGIN)]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` (or ``'x' or 'y'``) for the known names near ``name``, else ``""``."""
    near = [f"'{candidate}'" for candidate in close_names(name, known)]
    if not near:
        return ""
    return " (did you mean " + (near[0] if len(near) == 1 else ", ".join(near[:-1]) + " or " + near[-1]) + "?)"
