"""name-conflict: two files whose paths differ only in case or Unicode normalisation.

``Note.md`` and ``note.md``, or ``Café.md`` written once in NFC and once in NFD (as macOS
writes it), are two files on Linux but one file on macOS and Windows: a checkout there
keeps only one of them, and Obsidian cannot tell them apart in a link. Folders count
too (``Projects/a.md`` and ``projects/a.md``). Rename or merge one of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.values import Diagnostic, Severity
from vaulttool.rules._util import note_diagnostic

if TYPE_CHECKING:
    from vaulttool.rules.context import RuleContext

ID = "name-conflict"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "links"


def _difference(a: str, b: str) -> str:
    """What tells two colliding paths apart: case, Unicode normalisation, or both."""
    if unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b):
        return "Unicode normalisation (NFC/NFD)"
    if a.casefold() == b.casefold():
        return "case"
    return "case and Unicode normalisation"


_NAMED = 3  # colliding paths named in one message; the rest are counted


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per file of each colliding group, naming the others."""
    for group in ctx.index.twins():
        for path in group:
            others = [p for p in group if p != path]
            named = ", ".join(f"'{p}'" for p in others[:_NAMED])
            if len(others) > _NAMED:
                named += f" (and {len(others) - _NAMED} more)"
            yield note_diagnostic(
                path,
                1,
                ID,
                DEFAULT_SEVERITY,
                f"'{path}' collides with {named} (the paths differ only in {_difference(path, others[0])}); "
                "on macOS and Windows they are one file: rename or merge them",
            )
