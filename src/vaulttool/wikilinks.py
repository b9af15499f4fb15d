"""The link scanner: links, headings and block ids of a note body, positions kept.

One pass over the lines. Fenced and indented code blocks, code spans, ``%% comments %%``,
``<!-- html comments -->`` and ``$math$`` / ``$$math$$`` are masked first; links found in a
masked stretch are not links (as in Obsidian). Every regular expression here is linear in
the length of the line: character classes exclude the brackets that close them, and
searches for closing delimiters are answered from positions collected once per line.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from sys import intern
from urllib.parse import unquote

from vaulttool.models import Heading, Link, LinkKind

_WIKI = r"\[\[([^\[\]\n]*)\]\]"
_MD_LINK = (
    r"\[([^\[\]\n]*)\]\("
    r"(?:<([^<>\n]*)>|([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)"
)
WIKI_RE = re.compile("(!?)" + _WIKI)
MD_LINK_RE = re.compile("(!?)" + _MD_LINK)
# The scanner's forms start with a literal bracket, which the regex engine finds several
# times faster than an optional "!"; the scanner looks at the character before instead.
_WIKI_SCAN_RE = re.compile(_WIKI)
_MD_LINK_SCAN_RE = re.compile(_MD_LINK)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_INLINE_RE = re.compile(r"\\[^\sA-Za-z0-9]|`+|%%|\$\$?|<!--")
_BACKTICKS_RE = re.compile(r"`+")
_MATH_CLOSE_RE = re.compile(r"(?<=[^\s$])\$(?![\d$])")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_ATX_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_BLOCK_ID_RE = re.compile(r"(?:^|(?<=\s)|(?<=\]\]))\^([A-Za-z0-9\-]+)[ \t]*$")
_ANCHOR_DROP_RE = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")
_CLOSERS = {"%%": "%%", "$$": "$$", "<!--": "-->"}


@dataclass(frozen=True, slots=True)
class BodyScan:
    """What the scanner found in a body: links, headings, block ids, code lines."""

    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    code_lines: frozenset[int]


def anchor_form(text: str) -> str:
    """Normalise heading or subpath text the way Obsidian compares them.

    ``[[X]]`` counts as ``X`` (its alias when it has one), markup and punctuation are
    dropped, whitespace collapsed, case folded.
    """
    if "[[" in text:
        text = WIKI_RE.sub(_wiki_display, text)
    text = _ANCHOR_DROP_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip().casefold()


def _wiki_display(match: re.Match[str]) -> str:
    inner = match.group(2).replace("\\|", "|")
    target, _, alias = inner.partition("|")
    return alias or target


def split_wiki(inner: str) -> tuple[str, str, str | None, str]:
    """Split the inside of ``[[...]]`` into (target, subpath, alias, raw).

    ``\\|`` (the table form) is unescaped first; raw is what stands before the ``|``.
    The target is interned (a vault links the same few names many times over), and raw
    is the same string as the target when there is no subpath.
    """
    if "\\|" in inner:
        inner = inner.replace("\\|", "|")
    raw, bar, alias = inner.partition("|")
    path, hashmark, subpath = raw.partition("#")
    target = intern(path.strip())
    if not hashmark:
        return target, "", (alias if bar else None), target
    return target, subpath.strip(), (alias if bar else None), raw.strip()


def split_markdown_dest(dest: str) -> tuple[str, str] | None:
    """Split a markdown link destination into (target, subpath), percent-decoded.

    Returns None for external links (``https:``, ``mailto:``, ``obsidian:``...) and for
    empty destinations.
    """
    if not dest or _SCHEME_RE.match(dest) or dest.startswith("//"):
        return None
    path, _, fragment = dest.partition("#")
    return unquote(path).strip(), unquote(fragment).strip()


class _LineMask:
    """Masked character ranges of one line (code spans, comments, math)."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def covers(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def _mask_line(line: str, carry: str | None) -> tuple[_LineMask, str | None]:
    """Mask the inline constructs of one line; ``carry`` is an open multi-line construct."""
    mask = _LineMask()
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
                mask.add(start, n)
                return mask, tok
            end = close + len(closer)
            mask.add(start, end)
            pos = end
    return mask, None


def _links_in_line(line: str, lineno: int, mask: _LineMask | None, out: list[Link]) -> None:
    """Append the wiki and markdown links of one line that lie outside masked ranges."""
    if "[[" in line:
        for m in _WIKI_SCAN_RE.finditer(line):
            start, end = m.span()
            embed = start > 0 and line[start - 1] == "!"
            if embed:
                start -= 1
            if mask is not None and (mask.covers(start) or mask.covers(end - 1)):
                continue
            target, subpath, alias, raw = split_wiki(m.group(1))
            if target or subpath:
                kind: LinkKind = "embed" if embed else "wiki"
                out.append(Link(kind, target, subpath, alias, raw, lineno, start + 1, lineno, end + 1))
    if "](" in line:
        for m in _MD_LINK_SCAN_RE.finditer(line):
            start, end = m.span()
            if start > 0 and line[start - 1] == "!":
                start -= 1
            if mask is not None and (mask.covers(start) or mask.covers(end - 1)):
                continue
            label, angled, bare = m.group(1, 2, 3)
            dest = angled if angled is not None else bare
            parts = split_markdown_dest(dest)
            if parts is not None and (parts[0] or parts[1]):
                out.append(Link("markdown", parts[0], parts[1], label, dest, lineno, start + 1, lineno, end + 1))


def scan_body(lines: Sequence[str], first_line: int) -> BodyScan:
    """Scan body lines (the first at file line ``first_line``) in one linear pass."""
    links: list[Link] = []
    headings: list[Heading] = []
    block_ids: set[str] = set()
    code: set[int] = set()
    fence: str | None = None
    carry: str | None = None
    prev_blank = True
    prev_para = False
    in_list = False
    for idx, line in enumerate(lines):
        lineno = first_line + idx
        if fence is not None:
            code.add(lineno)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        if not line or line.isspace():
            prev_blank, prev_para = True, False
            continue
        if carry is None:
            first = line.lstrip(" ")
            if first[:1] in ("`", "~") and len(line) - len(first) <= 3:
                fm = _FENCE_RE.match(line)
                if fm and not (fm.group(1)[0] == "`" and "`" in fm.group(2)):
                    fence = fm.group(1)
                    code.add(lineno)
                    prev_blank, prev_para = False, False
                    continue
            lead = line.lstrip(" \t")
            indent = len(line) - len(lead)
            if indent and (line[0] == "\t" or line.startswith("    ")) and prev_blank and not in_list and not prev_para:
                code.add(lineno)
                prev_blank, prev_para = False, False
                continue
            if first[:1] == "#":
                hm = _ATX_RE.match(line)
                if hm:
                    text = (hm.group(2) or "").strip()
                    headings.append(Heading(len(hm.group(1)), text, anchor_form(text), lineno))
                    prev_blank, prev_para, in_list = False, False, False
                    _links_in_line(line, lineno, _mask_line(line, None)[0], links)
                    continue
            if prev_para and first[:1] in ("=", "-") and _SETEXT_RE.match(line):
                text = lines[idx - 1].strip()
                headings.append(Heading(1 if first[0] == "=" else 2, text, anchor_form(text), lineno - 1))
                prev_blank, prev_para = False, False
                continue
            if (lead[0] in "-+*" or lead[0].isdecimal()) and _LIST_RE.match(line):
                in_list = True
            elif indent == 0 and prev_blank:
                in_list = False
        mask: _LineMask | None = None
        if carry is not None or (
            "`" in line or "\\" in line or "$" in line or "%%" in line or "<!--" in line
        ):  # a cheap test for the tokens _mask_line looks for
            mask, carry = _mask_line(line, carry)
        if "[" in line:
            _links_in_line(line, lineno, mask, links)
        caret = line.rfind("^")
        if caret >= 0:
            # a block id ends the line, so it can only start at the last caret
            bm = _BLOCK_ID_RE.match(line, caret)
            if bm and (mask is None or not mask.covers(bm.start(1))):
                block_ids.add(bm.group(1))
        prev_blank = False
        prev_para = not in_list and not line.lstrip().startswith(("|", ">"))
    return BodyScan(tuple(links), tuple(headings), frozenset(block_ids), frozenset(code))
