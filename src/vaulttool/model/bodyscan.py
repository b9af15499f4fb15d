"""The body scanner: code, headings, block ids and links of a note body, positions kept.

One pass over the lines. Fenced code blocks (also inside quotes and callouts, and under
list items) and indented code blocks are found here; code spans, comments and math are
masked by :mod:`vaulttool.model.masking`; the links are then found by
:mod:`vaulttool.model.wikilinks`, and those in code or a masked stretch are not links (as in
Obsidian). Every regular expression here is linear in the length of the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from sys import intern
from typing import NamedTuple

from vaulttool.model.masking import DisplayMath, LineMask, mask_line, opens_fence
from vaulttool.model.values import Heading, Link, from_fields
from vaulttool.model.wikilinks import anchor_form, collect_links

_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX_OPEN_RE = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_BLOCK_ID_RE = re.compile(r"(?:^|(?<=\s)|(?<=\]\]))\^([A-Za-z0-9\-]+)[ \t]*$")
_new_heading = from_fields(Heading)


class BodyScan(NamedTuple):
    """What the scanner found in a body: links, headings, block ids, code lines."""

    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    code_lines: frozenset[int]


def _atx_text(rest: str) -> str:
    """The text of an ATX heading from what follows its ``#`` run: an optional closing
    ``#`` sequence (preceded by a space, or alone) and surrounding whitespace removed.

    String methods rather than a regular expression, so long runs of spaces stay linear.
    """
    text = rest.strip(" \t")
    unclosed = text.rstrip("#")
    if not unclosed or unclosed[-1] in " \t":
        text = unclosed
    return text.strip()


def _heading(level: int, text: str, line: int) -> Heading:
    # templates repeat the same headings in every note: one string each
    return _new_heading((level, intern(text), intern(anchor_form(text)), line))


@lru_cache(maxsize=1 << 12)
def _atx_heading(line: str) -> tuple[int, str, str] | None:
    """The level, text and anchor form of the ATX heading on ``line``, or None when it holds none.

    Remembered by line: templates write the same heading lines in every note.
    """
    hm = _ATX_OPEN_RE.match(line)
    if hm is None:
        return None
    text = _atx_text(line[hm.end() :])
    return len(hm.group(1)), intern(text), intern(anchor_form(text))


def _quote_prefix(line: str) -> tuple[int, str]:
    """How many block quote (callout) markers ``>`` open ``line``, and the text after them."""
    depth = pos = 0
    n = len(line)
    while True:
        p = pos
        while p < n and p - pos < 3 and line[p] == " ":
            p += 1
        if p == n or line[p] != ">":
            return depth, line[pos:]
        depth += 1
        pos = p + 2 if p + 1 < n and line[p + 1] in " \t" else p + 1


def _fence(text: str) -> str | None:
    """The fence (backticks or tildes) that ``text``, leading white space removed, opens, if any."""
    fm = _FENCE_RE.match(text) if opens_fence(text) else None
    if fm is None or (fm.group(1)[0] == "`" and "`" in fm.group(2)):
        return None
    return fm.group(1)


def scan_body(lines: Sequence[str], first_line: int, joined: str | None = None) -> BodyScan:
    """Scan body lines (the first at file line ``first_line``) in one linear pass, then find their links.

    ``joined`` is the lines joined by line ends (a last line end may follow), when the caller has it.
    """
    headings: list[Heading] = []
    block_ids: set[str] = set()
    code: set[int] = set()
    masks: dict[int, LineMask] = {}
    fence: str | None = None
    fence_quotes = 0  # the quote (callout) markers the open fence stands in
    fence_indent = -1  # the indent of a fence under a list item: a line indented less ends it
    display: DisplayMath | None = None
    carry: str | None = None
    prev_blank = True
    prev_para = False
    in_list = False
    for idx, line in enumerate(lines):
        if fence is not None:
            body = line
            if fence_quotes:
                depth, body = _quote_prefix(line)
                if depth < fence_quotes:  # the quote ends, and the code with it
                    fence = None
            stripped = body.lstrip(" \t")
            if fence is not None and fence_indent > 0 and stripped and len(body) - len(stripped) < fence_indent:
                fence = None  # the list item ends, and the code with it
            if fence is not None:
                code.add(first_line + idx)
                stripped = body.strip()
                if stripped.startswith(fence) and not stripped.strip(fence[0]):
                    fence = None
                continue
        if not line or line.isspace():
            prev_blank, prev_para = True, False
            continue
        # a cheap test for the tokens mask_line looks for: without them it masks nothing (a
        # character is found several times faster than a pair of them, which is looked for
        # only on a line holding its first character)
        maskable = (
            "`" in line
            or "\\" in line
            or "$" in line
            or ("%" in line and "%%" in line)
            or ("<" in line and "<!--" in line)
        )
        margin = line[0]
        # the line without leading spaces, and without leading spaces and tabs
        first = line.lstrip(" ") if margin == " " else line
        lead = first.lstrip(" \t") if first[0] == "\t" else first
        if carry is None and (margin.isalpha() or margin == "|"):
            # text or a table row at the margin: no fence, code block, heading or list item starts here
            if prev_blank:
                in_list = False
        elif carry is None:
            indent = len(line) - len(lead)
            head = first[0]
            marker = lead[0]
            if (
                head == "`"
                or head == "~"
                or (marker == ">" and ("```" in line or "~~~" in line))
                or (in_list and (marker == "`" or marker == "~"))
            ):
                # a fence: at most 3 spaces in, or anywhere under a list item, or inside a quote
                quotes, body = _quote_prefix(line) if marker == ">" else (0, line)
                opener = body.lstrip(" \t")
                inset = len(body) - len(opener)
                fence = _fence(opener) if quotes or in_list or inset <= 3 else None
                if fence is not None:
                    fence_quotes = quotes
                    fence_indent = inset if in_list and not quotes else -1
                    code.add(first_line + idx)
                    prev_blank, prev_para = False, False
                    continue
            if indent and (margin == "\t" or line.startswith("    ")) and prev_blank and not in_list and not prev_para:
                code.add(first_line + idx)
                prev_blank, prev_para = False, False
                continue
            if head == "#":
                atx = _atx_heading(line)
                if atx is not None:
                    headings.append(_new_heading((*atx, first_line + idx)))
                    prev_blank, prev_para, in_list = False, False, False
                    if maskable and (heading_mask := mask_line(line, None, open_display=False)[0]).starts:
                        masks[idx] = heading_mask
                    continue
            if prev_para and (head == "=" or head == "-") and _SETEXT_RE.match(line):
                text = lines[idx - 1].strip()
                headings.append(_heading(1 if head == "=" else 2, text, first_line + idx - 1))
                prev_blank, prev_para = False, False
                continue
            if (marker in "-+*" or marker.isdecimal()) and (item := _LIST_RE.match(line)):
                in_list = True
                if "``" in line or "~~" in line:  # a list item that starts with a code fence
                    content = line[item.end() :].lstrip(" \t")
                    fence = _fence(content)
                    if fence is not None:
                        fence_quotes, fence_indent = 0, len(line) - len(content)
                        code.add(first_line + idx)
                        prev_blank, prev_para = False, False
                        continue
            elif indent == 0 and prev_blank:
                in_list = False
        mask: LineMask | None = None
        if carry is not None or maskable:
            mask, after = mask_line(line, carry)
            if after == "$$" and (carry != "$$" or "$$" in line):  # display math opened on this line
                if display is None:
                    display = DisplayMath(lines)
                if not display.closes(idx):
                    mask, after = mask_line(line, carry, open_display=False)
            carry = after
            if mask.starts:
                masks[idx] = mask
        if "^" in line:
            # a block id ends the line, so it can only start at the last caret
            bm = _BLOCK_ID_RE.match(line, line.rfind("^"))
            if bm and (mask is None or not mask.covers(bm.start(1))):
                block_ids.add(bm.group(1))
        prev_blank = False
        if in_list:
            prev_para = False
        elif lead[0].isspace():  # exotic white space: strip it all, as before
            prev_para = not line.lstrip().startswith(("|", ">"))
        else:
            prev_para = lead[0] != "|" and lead[0] != ">"
    links = collect_links(lines, "\n".join(lines) if joined is None else joined, first_line, code, masks)
    return BodyScan(tuple(links), tuple(headings), frozenset(block_ids), frozenset(code))
