"""Per-note suppression, the way markdownlint users expect it.

- frontmatter ``vaulttool: {ignore: [rule, ...]}`` (or ``ignore: all``) silences rules for
  the whole note;
- ``<!-- vaulttool-disable RULE ... -->`` / ``<!-- vaulttool-enable RULE ... -->`` silence
  the rules (all rules when none is named) for the lines between them;
- ``<!-- vaulttool-disable-next-line RULE ... -->`` silences the following line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from operator import contains

from vaulttool.model.values import Note

_COMMENT_RE = re.compile(r"<!--\s*vaulttool-(disable-next-line|disable|enable)((?:\s+[\w-]+)*)\s*-->")
ALL = "*"


@dataclass(frozen=True)
class Suppressions:
    """Which rules are silenced in a note, and on which lines."""

    whole_note: frozenset[str] = frozenset()
    spans: tuple[tuple[str, int, int], ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, note: Note, lacks_word: Callable[[Sequence[bytes]], bool] | None = None) -> Suppressions:
        """Read a note's suppression settings and comments.

        ``lacks_word`` tells whether one of some words is surely not a word of the note's body (see
        :func:`~vaulttool.model.markdown.words`): a comment names ``vaulttool`` as a whole word, so a
        note lacking it holds none, and its lines are not looked through."""
        settings = (note.frontmatter or {}).get("vaulttool")
        ignored: set[str] = set()
        if isinstance(settings, dict):
            value = settings.get("ignore")
            if value == "all":
                ignored.add(ALL)
            elif isinstance(value, list):
                ignored.update(str(v) for v in value)
            elif isinstance(value, str):
                ignored.add(value)
        spans: list[tuple[str, int, int]] = []
        open_at: dict[str, int] = {}
        end = note.body_line + len(note.lines)
        lacking = lacks_word is not None and lacks_word((b"vaulttool",))
        if lacking or not any(map(contains, note.lines, repeat("vaulttool-"))):  # most notes hold none: a look in C
            return cls(frozenset(ignored)) if ignored else NOTHING
        for i, text in enumerate(note.lines):
            if "vaulttool-" not in text:
                continue
            line = note.body_line + i
            for m in _COMMENT_RE.finditer(text):
                rules = m.group(2).split() or [ALL]
                for rule in rules:
                    if m.group(1) == "disable-next-line":
                        spans.append((rule, line + 1, line + 1))
                    elif m.group(1) == "disable":
                        open_at.setdefault(rule, line)
                    elif rule in open_at:
                        spans.append((rule, open_at.pop(rule), line))
        spans.extend((rule, start, end) for rule, start in open_at.items())
        if not ignored and not spans:
            return NOTHING
        return cls(frozenset(ignored), tuple(spans))

    @cached_property
    def _by_rule(self) -> dict[str, tuple[list[int], list[int]]]:
        """Per rule: span starts in order, and the furthest end reached by any span up to each."""
        grouped: dict[str, list[tuple[int, int]]] = {}
        for rule, start, end in self.spans:
            grouped.setdefault(rule, []).append((start, end))
        index: dict[str, tuple[list[int], list[int]]] = {}
        for rule, spans in grouped.items():
            spans.sort()
            reach: list[int] = []
            for _, end in spans:
                reach.append(max(end, reach[-1]) if reach else end)
            index[rule] = ([start for start, _ in spans], reach)
        return index

    @property
    def silences_any(self) -> bool:
        """Whether the note silences anything at all (most notes do not)."""
        return bool(self.whole_note or self.spans)

    def hides(self, rule: str, line: int) -> bool:
        """Whether a diagnostic of ``rule`` on ``line`` is silenced (a lookup, not a scan of every span)."""
        if ALL in self.whole_note or rule in self.whole_note:
            return True
        for key in (rule, ALL):
            starts, reach = self._by_rule.get(key, ((), ()))
            i = bisect_right(starts, line) - 1
            if i >= 0 and reach[i] >= line:
                return True
        return False


NOTHING = Suppressions()  # what most notes silence: one shared value
