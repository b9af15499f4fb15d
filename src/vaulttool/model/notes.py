"""One file to one :class:`Note`: read safely, split frontmatter, parse YAML, scan the body.


Frontmatter follows Obsidian: a ``---`` line at the very top (after an optional UTF-8
BOM) opens it and the next ``---`` line closes it; its YAML is read by
:mod:`vaulttool.model.frontmatter_yaml` and its links found by
:mod:`vaulttool.model.properties`. Every failure becomes a diagnostic on the note;
nothing here raises for bad input.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from vaulttool.files.stamps import Stamp, content_stamp, read_stamp, stat_stamp
from vaulttool.model.bodyscan import scan_body
from vaulttool.model.frontmatter_yaml import FrontmatterError, load_yaml
from vaulttool.model.properties import find_key_lines, frontmatter_links
from vaulttool.model.values import Diagnostic, Link, Note, Severity

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


def _problem(path: str, line: int, rule: str, message: str, column: int = 1) -> Diagnostic:
    return Diagnostic(path=path, line=line, column=column, rule=rule, severity=Severity.ERROR, message=message)


def _unreadable(path: str, message: str, line: int = 1) -> Note:
    return Note(
        path=path,
        frontmatter=None,
        fm_key_lines={},
        body_line=1,
        lines=(),
        headings=(),
        block_ids=frozenset(),
        links=(),
        problems=(_problem(path, line, "unreadable-file", message),),
    )


def decode(path: str, data: bytes) -> str | Note:
    """Bytes to text (BOM dropped, newlines normalised), or an unreadable :class:`Note`."""
    if data.find(b"\x00", 0, 8192) >= 0:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return _unreadable(path, "file is UTF-16; Obsidian expects UTF-8")
        return _unreadable(path, "binary content (NUL bytes), not a Markdown note")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _unreadable(path, f"not valid UTF-8 (byte offset {exc.start}); save the note as UTF-8", line)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _closing_line(text: str, pos: int) -> int:
    """Where the first line after offset ``pos`` that is ``---`` (trailing white space allowed) starts, or -1."""
    while (pos := text.find("\n---", pos)) >= 0:
        pos += 1
        end = text.find("\n", pos)
        if (text[pos:] if end < 0 else text[pos:end]).rstrip() == "---":
            return pos
    return -1


def parse_note(path: str, data: bytes) -> Note:
    """Parse one note from its bytes. Never raises for bad content."""
    decoded = decode(path, data)
    if isinstance(decoded, Note):
        return decoded
    problems: list[Diagnostic] = []
    frontmatter: dict[str, Any] | None = None
    key_lines: dict[str, int] = {}
    fm_links: list[Link] = []
    raw_fm: str | None = None
    body_start = 0  # the body's first line, 0-based
    body_text = decoded
    first_end = decoded.find("\n")
    first = decoded if first_end < 0 else decoded[:first_end]
    if first[:1] == "\ufeff" and first.lstrip("\ufeff").rstrip() == "---":
        message = "a second byte-order mark stands before '---', so the properties are not read; save as UTF-8 once"
        problems.append(_problem(path, 1, "frontmatter-syntax", message))
    if first.rstrip() == "---":
        close = _closing_line(decoded, first_end) if first_end >= 0 else -1
        if close < 0:
            problems.append(
                _problem(
                    path,
                    1,
                    "frontmatter-syntax",
                    "frontmatter is not closed: add a '---' line after the properties",
                )
            )
            # Obsidian reads it all as body, but the keys written there still tell the template
            lines = split_lines(decoded)
            intended = next((i for i in range(1, len(lines)) if not lines[i].strip() or lines[i][0] == "#"), len(lines))
            key_lines = find_key_lines(lines[1:intended], 2)
        else:
            raw_fm = decoded[first_end + 1 : close - 1]
            body_start = decoded.count("\n", 0, close) + 1
            close_end = decoded.find("\n", close)
            body_text = decoded[close_end + 1 :] if close_end >= 0 else ""
            key_lines = find_key_lines(raw_fm.split("\n") if raw_fm else [], 2)
            try:
                loaded = load_yaml(raw_fm)
            except FrontmatterError as exc:
                problems.append(_problem(path, exc.line + 1, "frontmatter-syntax", f"invalid frontmatter: {exc}"))
                fm_links = frontmatter_links(raw_fm, 2, None, key_lines)
            else:
                if loaded is None:
                    frontmatter = {}
                elif isinstance(loaded, dict):
                    frontmatter = loaded
                    fm_links = frontmatter_links(raw_fm, 2, loaded, key_lines)
                else:
                    problems.append(
                        _problem(
                            path,
                            2,
                            "frontmatter-syntax",
                            f"frontmatter is a {_yaml_kind(loaded)}, not a mapping of properties",
                        )
                    )
    body = split_lines(body_text)
    scan = scan_body(body, body_start + 1, body_text)
    return Note(
        path=path,
        frontmatter=frontmatter,
        fm_key_lines=key_lines,
        body_line=body_start + 1,
        lines=tuple(body),
        headings=scan.headings,
        block_ids=scan.block_ids,
        links=tuple(fm_links) + scan.links,
        problems=tuple(problems),
        frontmatter_source=raw_fm,
        code_lines=scan.code_lines,
    )


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text value"
    return type(value).__name__


def read_with_status(full_path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, os.stat_result]:
    """:func:`read_bytes`, and the status of the file as it was opened."""
    fd = os.open(full_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        request = min(remaining, st.st_size + 1)  # the whole file at once, unless it grows
        while remaining > 0:
            chunk = os.read(fd, request)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            request = min(remaining, 1 << 20)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def read_bytes(full_path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a regular file, at most ``max_bytes`` + 1 bytes; never block on special files.

    Raises OSError (with a readable ``strerror``) for anything that is not a regular file.
    """
    return read_with_status(full_path, max_bytes)[0]


def split_lines(text: str) -> list[str]:
    """A note's text as lines, without a last empty line after a final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_note_stamped(
    root: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES, content: bool = False
) -> tuple[Note, Stamp | None]:
    """``read_note``, and the stamp of the file as it was read (None when it could not be opened):
    its content stamp when ``content``, else its mtime stamp (see :mod:`vaulttool.files.stamps`)."""
    full = os.path.join(root, path)
    try:
        data, st = read_with_status(full, max_bytes)
    except FileNotFoundError:
        return _unreadable(path, "file vanished while the vault was being checked"), None
    except OSError as exc:
        return _unreadable(path, f"cannot read: {exc.strerror or exc}"), None
    note = note_from_bytes(path, data, max_bytes)
    if not content:
        return note, stat_stamp(st)
    if len(data) <= max_bytes:
        return note, content_stamp(data)
    try:
        return note, read_stamp(full)  # the whole file, not the part read
    except OSError:
        return note, None


def note_from_bytes(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """The note at ``path`` holding ``data``: parsed, or unreadable when larger than ``max_bytes``."""
    if len(data) > max_bytes:
        return _unreadable(path, f"file is larger than {max_bytes} bytes; raise max-file-size to check it")
    return parse_note(path, data)


def read_note(root: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """Read and parse the note at vault-relative ``path``; I/O failures become diagnostics."""
    return read_note_stamped(root, path, max_bytes)[0]
