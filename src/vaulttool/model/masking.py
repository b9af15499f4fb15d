"""What hides a link on a line: code spans, ``%% comments %%``, ``<!-- html comments -->`` and math.

Inline ``$`` math stays on its line; ``$$`` math may span lines of one paragraph, and a
``$$`` nothing closes in its paragraph is text. Searches for closing delimiters are
answered from positions collected once per line (or, for ``$$``, once per note), so
masking a line is linear in its length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

_INLINE_RE = re.compile(r"\\[^\sA-Za-z0-9]|`+|%%|\$\$?|<!--")
_BACKTICKS_RE = re.compile(r"`+")
_MATH_CLOSE_RE = re.compile(r"(?<=[^\s$])\$(?![\d$])")
_CLOSERS = {"%%": "%%", "$$": "$$", "<!--": "-->"}


class LineMask:
    """Masked character ranges of one line (code spans, comments, math)."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        """Mask the characters from ``start`` up to ``end``."""
        self.starts.append(start)
        self.ends.append(end)

    def covers(self, pos: int) -> bool:
        """Whether the character at ``pos`` is masked."""
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def mask_line(line: str, carry: str | None, open_display: bool = True) -> tuple[LineMask, str | None]:
    """Mask the inline constructs of one line; ``carry`` is an open multi-line construct.

    A ``$$`` that nothing later on the line closes opens display math over the next
    lines only when ``open_display`` says a later line of its paragraph closes it;
    otherwise it is plain text.
    """
    mask = LineMask()
    pos = 0
    n = len(line)
    if carry is not None:
        close = line.find(_CLOSERS[carry])
        if close < 0:
            mask.add(0, n)
            return mask, carry
        pos = close + len(_CLOSERS[carry])
        mask.add(0, pos)
    ticks: dict[int, list[int]] | None = None
    math_closers: list[int] | None = None
    while pos < n:
        m = _INLINE_RE.search(line, pos)
        if m is None:
            break
        tok = m.group()
        start = m.start()
        if tok[0] == "\\":
            mask.add(start, m.end())
            pos = m.end()
        elif tok[0] == "`":
            if ticks is None:
                ticks = {}
                for run in _BACKTICKS_RE.finditer(line):
                    ticks.setdefault(len(run.group()), []).append(run.start())
            # runs were listed whole; an opening run after an escaped backtick may not be one
            same = ticks.get(len(tok), [])
            j = bisect_right(same, start)
            if j < len(same):
                end = same[j] + len(tok)
                mask.add(start, end)
                pos = end
            else:
                pos = m.end()
        elif tok == "$":
            if math_closers is None:
                math_closers = [c.start() for c in _MATH_CLOSE_RE.finditer(line)]
            j = bisect_left(math_closers, start + 2)
            if m.end() < n and not line[m.end()].isspace() and j < len(math_closers):
                end = math_closers[j] + 1
                mask.add(start, end)
                pos = end
            else:
                pos = m.end()
        else:
            closer = _CLOSERS[tok]
            close = line.find(closer, m.end())
            if close < 0:
                if tok == "$$" and not open_display:
                    pos = m.end()
                    continue
                mask.add(start, n)
                return mask, tok
            end = close + len(closer)
            mask.add(start, end)
            pos = end
    return mask, None


def opens_fence(text: str) -> bool:
    """True when ``text``, leading white space removed, starts like a code fence."""
    return text.startswith(("```", "~~~"))


class DisplayMath:
    """Answers whether a ``$$`` left open on a line is closed later in its paragraph.

    Built once per note, the first time a note needs it: the lines holding ``$$`` and the
    lines that end a paragraph (blank, or only quote markers, or opening a code fence).
    """

    __slots__ = ("breaks", "marks")

    def __init__(self, lines: Sequence[str]) -> None:
        self.marks: list[int] = []
        self.breaks: list[int] = []
        for idx, line in enumerate(lines):
            if "$$" in line:
                self.marks.append(idx)
            body = line.lstrip(" \t>")
            if not body or body.isspace() or ((body[0] == "`" or body[0] == "~") and opens_fence(body)):
                self.breaks.append(idx)

    def closes(self, idx: int) -> bool:
        """True when a line after ``idx`` holds ``$$`` before the paragraph of line ``idx`` ends."""
        mark = bisect_right(self.marks, idx)
        if mark == len(self.marks):
            return False
        end = bisect_right(self.breaks, idx)
        return end == len(self.breaks) or self.marks[mark] < self.breaks[end]
