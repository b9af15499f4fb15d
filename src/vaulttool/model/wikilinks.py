"""The link scanner: links, headings and block ids of a note body, positions kept.

One pass over the lines. Fenced code blocks (also inside quotes and callouts, and under
list items) and indented code blocks are found here; code spans, comments and math are
masked by :mod:`vaulttool.model.masking`; links found in code or a masked stretch are not
links (as in Obsidian). Every regular expression here is linear in the length of the
line: character classes exclude the brackets that close them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import accumulate
from operator import add, itemgetter
from sys import intern
from typing import Any, cast
from urllib.parse import unquote

from vaulttool.model.masking import DisplayMath, LineMask, mask_line, opens_fence
from vaulttool.model.values import Heading, Link

_WIKI = r"\[\[([^\[\]\n]*)\]\]"
# a markdown link: a label, then from its closing "](" a destination (angled or bare) and an optional title
_MD_DEST = (
    r"\]\("
    r"(?:<([^<>\n]*)>|([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)"
)
_MD_LINK = r"\[([^\[\]\n]*)" + _MD_DEST
WIKI_RE = re.compile("(!?)" + _WIKI)
MD_LINK_RE = re.compile("(!?)" + _MD_LINK)
# The scanner's forms start with a literal bracket, which the regex engine finds several
# times faster than an optional "!"; whoever uses them looks at the character before instead.
WIKI_SCAN_RE = re.compile(_WIKI)
_MD_DEST_RE = re.compile(_MD_DEST)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX_OPEN_RE = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_BLOCK_ID_RE = re.compile(r"(?:^|(?<=\s)|(?<=\]\]))\^([A-Za-z0-9\-]+)[ \t]*$")
# the characters Obsidian's heading sanitiser turns into spaces, and white space: runs become one space
_ANCHOR_SPACE_RE = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\\s]+")


@dataclass(frozen=True, slots=True)
class BodyScan:
    """What the scanner found in a body: links, headings, block ids, code lines."""

    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    code_lines: frozenset[int]


@lru_cache(maxsize=1 << 16)
def anchor_form(text: str) -> str:
    """Normalise heading or subpath text the way Obsidian compares them.

    As Obsidian's heading sanitiser does: each of ``!"#$%&()*+,.:;<=>?@^`{|}~/[]\\``
    becomes a space (``-``, ``_`` and ``'`` stay), runs of white space collapse to one
    space, the ends are trimmed; then case is folded. The text is taken as written, so a
    ``[[Page#Part|shown]]`` in a heading keeps the page, the part and the shown words.
    """
    return _ANCHOR_SPACE_RE.sub(" ", text).strip().casefold()


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


def split_wiki(inner: str) -> tuple[str, str, str | None, str]:
    """Split the inside of ``[[...]]`` into (target, subpath, alias, raw).

    ``\\|`` (the table form) is unescaped first; raw is what stands before the ``|``.
    The strings are interned (a vault links the same few names many times over), and
    raw is the same string as the target when there is no subpath.
    """
    if "\\|" in inner:
        inner = inner.replace("\\|", "|")
    raw, bar, alias = inner.partition("|")
    path, hashmark, subpath = raw.partition("#")
    target = intern(path.strip())
    shown = intern(alias) if bar else None
    if not hashmark:
        return target, "", shown, target
    return target, intern(subpath.strip()), shown, intern(raw.strip())


def split_markdown_dest(dest: str) -> tuple[str, str] | None:
    """Split a markdown link destination into (target, subpath), percent-decoded.

    Returns None for external links (``https:``, ``mailto:``, ``obsidian:``...) and for
    empty destinations.
    """
    if not dest or _SCHEME_RE.match(dest) or dest.startswith("//"):
        return None
    path, _, fragment = dest.partition("#")
    return intern(_unquote(path).strip()), intern(_unquote(fragment).strip())


def _unquote(text: str) -> str:
    """``urllib.parse.unquote``, with the common case (only ``%20``) done without it."""
    if "%" not in text:
        return text
    if text.count("%") == text.count("%20"):
        return text.replace("%20", " ")
    return unquote(text)


# One int object per column number, shared by every link (a vault has a million link
# ends, most of them past the 256 small ints Python shares itself).
_COLUMNS = tuple(range(4097))
_LINE = itemgetter(5)  # a Link's line
# Link(*fields) without the Python-level __new__ of a named tuple: it runs once per link
link_from_fields = cast("Callable[[tuple[Any, ...]], Link]", partial(tuple.__new__, Link))


def _heading(level: int, text: str, line: int) -> Heading:
    # templates repeat the same headings in every note: one string each
    return tuple.__new__(Heading, (level, intern(text), intern(anchor_form(text)), line))


def _collect_links(
    lines: Sequence[str], text: str, first_line: int, code: set[int], masks: dict[int, LineMask]
) -> list[Link]:
    """The wiki and markdown links of ``lines`` (whose text is ``text``), outside code lines and
    masked ranges, in line order.

    The patterns never cross a line end, so the wiki pattern runs once over the whole text,
    which is much faster than once per line, and each match is then placed on its line; the
    markdown pattern runs only over the lines that hold a ``](``, which every markdown link does.
    """
    if "[" not in text:
        return []
    offsets = list(map(add, accumulate(map(len, lines), initial=0), range(len(lines) + 1)))
    found: list[Link] = []
    if "[[" in text:
        _wiki_links(text, offsets, first_line, code, masks, found)
    if "](" in text:
        wiki = len(found)
        _markdown_links(text, offsets, first_line, code, masks, found)
        if wiki and len(found) > wiki:
            found.sort(key=_LINE)  # stable: wiki links come first on a line, each kind in order
    return found


def _wiki_links(
    text: str, offsets: list[int], first_line: int, code: set[int], masks: dict[int, LineMask], found: list[Link]
) -> None:
    """Add the ``[[...]]`` links of ``text`` (its lines start at ``offsets``) to ``found``."""
    columns = _COLUMNS
    append = found.append
    base = following = -1  # where the line of the last match starts, and the line after it
    lineno = 0
    skip = False
    mask: LineMask | None = None
    for m in WIKI_SCAN_RE.finditer(text):
        start, end = m.span()
        if start >= following:  # a new line: where it starts, whether it is code, its mask
            idx = bisect_right(offsets, start) - 1
            base, following = offsets[idx], offsets[idx + 1]
            lineno = first_line + idx
            skip = lineno in code
            mask = masks.get(idx) if masks else None
        if skip:
            continue
        embed = start > base and text[start - 1] == "!"
        start -= base + embed
        end -= base
        if mask is not None and (mask.covers(start) or mask.covers(end - 1)):
            continue
        inner = m.group(1)
        if "|" in inner or "#" in inner:
            target, subpath, alias, raw = split_wiki(inner)
            if not target and not subpath:
                continue
        else:  # split_wiki's answer for a bare target, without the call
            target = raw = intern(inner.strip())
            if not target:
                continue
            subpath, alias = "", None
        column = columns[start + 1] if start < 4096 else start + 1
        end_column = columns[end + 1] if end < 4096 else end + 1
        kind = "embed" if embed else "wiki"
        append(link_from_fields((kind, target, subpath, alias, raw, lineno, column, lineno, end_column, None)))


def _markdown_links(
    text: str, offsets: list[int], first_line: int, code: set[int], masks: dict[int, LineMask], found: list[Link]
) -> None:
    """Add the ``[label](destination)`` links of ``text`` (its lines start at ``offsets``) to ``found``.

    The same links, in the same order, as the markdown link pattern run over the text, found
    from each ``](`` instead: far fewer than the ``[`` where the pattern would start trying (every
    wiki link has two). A label holds no bracket, so its ``[`` is the last one before the ``](``
    with no ``]`` between, and a link must not start inside the one before it.
    """
    columns = _COLUMNS
    dest = _MD_DEST_RE.match
    pos = done = 0  # where to look for the next "](", and where the last link ended
    while (pos := text.find("](", pos)) >= 0:
        idx = bisect_right(offsets, pos) - 1
        base = offsets[idx]
        start = text.rfind("[", base, pos)
        m = dest(text, pos) if start >= done and text.find("]", start, pos) < 0 else None
        if m is None:
            pos += 2
            continue
        end = pos = done = m.end()
        lineno = first_line + idx
        if lineno in code:
            continue
        embed = start > base and text[start - 1] == "!"
        label = text[start + 1 : m.start()]
        start -= base + embed
        end -= base
        mask = masks.get(idx)
        if mask is not None and (mask.covers(start) or mask.covers(end - 1)):
            continue
        angled, bare = m.group(1, 2)
        raw = angled if angled is not None else bare
        parts = split_markdown_dest(raw)
        if parts is None or not (parts[0] or parts[1]):
            continue
        column = columns[start + 1] if start < 4096 else start + 1
        end_column = columns[end + 1] if end < 4096 else end + 1
        fields = ("markdown", *parts, intern(label), intern(raw), lineno, column, lineno, end_column, None)
        found.append(link_from_fields(fields))


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
        # a cheap test for the tokens mask_line looks for: without them it masks nothing
        maskable = "`" in line or "\\" in line or "$" in line or "%%" in line or "<!--" in line
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
                hm = _ATX_OPEN_RE.match(line)
                if hm:
                    text = _atx_text(line[hm.end() :])
                    headings.append(_heading(len(hm.group(1)), text, first_line + idx))
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
    links = _collect_links(lines, "\n".join(lines) if joined is None else joined, first_line, code, masks)
    return BodyScan(tuple(links), tuple(headings), frozenset(block_ids), frozenset(code))
