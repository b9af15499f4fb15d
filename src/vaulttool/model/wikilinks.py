"""Links in Markdown text: the wiki and markdown link patterns, the parts of a link, and the
links of a note body's lines outside code and masked stretches, positions kept.

Every regular expression here is linear in the length of the line: character classes
exclude the brackets that close them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from operator import add, itemgetter
from sys import intern
from urllib.parse import unquote

from vaulttool.model.masking import LineMask
from vaulttool.model.values import Link, from_fields

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
# where a markdown link's label closes: the regex engine's literal search finds the pair in
# a note about twice as fast as str.find does
_MD_OPEN_RE = re.compile(r"\]\(")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# the characters Obsidian's heading sanitiser turns into spaces, and white space: runs become one space
_ANCHOR_SPACE_RE = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\\s]+")


@lru_cache(maxsize=1 << 16)
def anchor_form(text: str) -> str:
    """Normalise heading or subpath text the way Obsidian compares them.

    As Obsidian's heading sanitiser does: each of ``!"#$%&()*+,.:;<=>?@^`{|}~/[]\\``
    becomes a space (``-``, ``_`` and ``'`` stay), runs of white space collapse to one
    space, the ends are trimmed; then case is folded. The text is taken as written, so a
    ``[[Page#Part|shown]]`` in a heading keeps the page, the part and the shown words.
    """
    return _ANCHOR_SPACE_RE.sub(" ", text).strip().casefold()


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
    spaced = text.replace("%20", " ")
    return spaced if "%" not in spaced else _decoded(text)


# the other escapes are percent-decoded once each: the same few (a heading's emoji) recur
_decoded = lru_cache(maxsize=1 << 12)(unquote)


# One int object per column number, shared by every link (a vault has a million link
# ends, most of them past the 256 small ints Python shares itself).
_COLUMNS = tuple(range(4097))
_LINE = itemgetter(5)  # a Link's line
link_from_fields = from_fields(Link)


def collect_links(
    lines: Sequence[str], text: str, first_line: int, code: set[int], masks: dict[int, LineMask]
) -> list[Link]:
    """The wiki and markdown links of ``lines`` (whose text is ``text``), outside code lines and
    masked ranges, in line order.

    The patterns never cross a line end, so the wiki pattern runs once over the whole text,
    which is much faster than once per line, and each match is then placed on its line; the
    markdown pattern runs only where a ``](`` stands, as in every markdown link.
    """
    if "[" not in text:
        return []
    offsets = list(map(add, accumulate(map(len, lines), initial=0), range(len(lines) + 1)))
    found: list[Link] = []
    if "[[" in text:
        _wiki_links(text, offsets, first_line, code, masks, found)
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
    after = _MD_OPEN_RE.search
    pos = done = 0  # where to look for the next "](", and where the last link ended
    while (opening := after(text, pos)) is not None:
        pos = opening.start()
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
