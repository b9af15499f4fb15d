"""The body lines and frontmatter text of a note rebuilt from its record, read from its file when asked for.

A note rebuilt from its record (:mod:`vaulttool.incremental.records`) holds :class:`StoredLines`
instead of its lines: they are read again from the note's file, and only while the file has the
stamp it had when the note was parsed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, overload

from vaulttool.files.stamps import Stamp, content_stamp, stat_stamp
from vaulttool.model.notes import decode, read_with_status, split_lines


class StoredLines(Sequence[str]):
    """The body lines of a note rebuilt from its record, kept out of memory, and its frontmatter text.

    They are read from the note's file each time they are asked for (the last few files
    read are kept), and only while the file has the stamp it had when the note was
    parsed: a file changed since gives no lines and an empty frontmatter, and one line on
    stderr says so. Two of them are equal when they name the same file, stamp and first
    line; comparing never reads a file.
    """

    __slots__ = ("_max_bytes", "_path", "_root", "_skip", "_stamp")

    def __init__(self, root: str, path: str, skip: int, max_bytes: int, stamp: Stamp | None) -> None:
        """The lines after the first ``skip`` of note ``path`` of the vault at ``root``, its file then at ``stamp``."""
        self._root, self._path, self._skip, self._max_bytes, self._stamp = root, path, skip, max_bytes, stamp

    def _key(self) -> tuple[Any, ...]:
        return self._root, self._path, self._skip, self._max_bytes, self._stamp

    def _lines(self) -> tuple[str, ...]:
        return _stored_body(*self._key())

    def frontmatter_text(self) -> str:
        """The lines between the ``---`` line that opens the file and the one before the body, joined."""
        return "\n".join(_stored_file(self._root, self._path, self._max_bytes, self._stamp)[1 : self._skip - 1])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        """A line, or a tuple of lines for a slice."""
        return self._lines()[index]

    def __len__(self) -> int:
        """The number of body lines."""
        return len(self._lines())

    def __iter__(self) -> Iterator[str]:
        """The lines in order."""
        return iter(self._lines())

    def __eq__(self, other: object) -> bool:
        """Whether ``other`` names the same file, stamp and first line (no file is read)."""
        if isinstance(other, StoredLines):
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        """A hash of what :meth:`__eq__` compares."""
        return hash(self._key())

    def __repr__(self) -> str:
        """Where the lines come from."""
        return f"StoredLines({self._path!r}, after line {self._skip})"


@lru_cache(maxsize=16)
def _stored_body(root: str, path: str, skip: int, max_bytes: int, stamp: Stamp | None) -> tuple[str, ...]:
    """The body lines (after the first ``skip``) of the note ``path`` of the vault at ``root`` if its
    file still has ``stamp``."""
    return _stored_file(root, path, max_bytes, stamp)[skip:]


@lru_cache(maxsize=16)
def _stored_file(root: str, path: str, max_bytes: int, stamp: Stamp | None) -> tuple[str, ...]:
    """The lines of the note ``path`` of the vault at ``root`` if its file still has ``stamp``
    (a stat or a content stamp)."""
    if stamp is None:
        return ()
    data, st = b"", None
    with contextlib.suppress(OSError):  # gone, or no longer a file: changed
        data, st = read_with_status(os.path.join(root, path), max_bytes)
    if len(data) > max_bytes:  # an unreadable note: no body
        return ()
    if st is None or (content_stamp(data) if len(stamp) == 2 else stat_stamp(st)) != stamp:
        _say_changed(path)
        return ()
    text = decode(path, data)
    return tuple(split_lines(text)) if isinstance(text, str) else ()


def _say_changed(path: str) -> None:
    """Say on stderr, in one line, that the note ``path`` changed since it was parsed."""
    with contextlib.suppress(OSError, ValueError):
        print(
            f"vaulttool: {path} changed while it was being checked; its text was not read again"
            " (check again for an up-to-date report)",
            file=sys.stderr,
        )
