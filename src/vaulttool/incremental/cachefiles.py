"""Files of the cache: reading one safely, and how state and printed-report files are laid out.

Only a regular file of a sane size is read, never through a symlink or from a FIFO;
anything else in a cache file's place counts as missing. What is read is checked by the
CRC-32 (:data:`CRC_BYTES` bytes, little-endian) its layout puts beside it.
"""

from __future__ import annotations

import errno
import marshal
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

CRC_BYTES = 4
STATE_MAGIC = b"vaulttool state\n"
OUTPUT_MAGIC = b"vaulttool output\n"
# Only a regular file of at most this size is read from the cache (the largest a 50,000-note
# vault's cache holds is about 170 MB); it is opened without following a symlink or waiting
# on a FIFO. Anything else in its place is as good as absent.
MAX_FILE_BYTES = 1 << 31
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class Output(NamedTuple):
    """What the cache keeps with a printed report's text."""

    key: str  # the settings and the stamp of every file ("": files changed too recently to trust)
    settings: str  # the settings alone
    errors: int
    warnings: int
    spans: dict[str, tuple[int, int]]  # where each file's diagnostics sit in the text
    state: str  # the id of the checked state it was printed from ("": none)


def open_file(path: Path) -> tuple[BinaryIO, int]:
    """The cache file ``path`` open for reading, and its size; raises :class:`OSError` unless it is
    a regular file (a symlink is not followed) of at most :data:`MAX_FILE_BYTES`."""
    fd = os.open(path, _READ_FLAGS | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            raise OSError(errno.EINVAL, "not a regular file of a cache's size", os.fspath(path))
        return open(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def read_file(path: Path) -> bytes:
    """The bytes of the cache file ``path`` (see :func:`open_file`), no more than its size when opened."""
    handle, size = open_file(path)
    with handle:
        return handle.read(size)


def sized(parts: Iterable[bytes]) -> Iterator[bytes]:
    """The bytes of a state file: magic, each part after its size, then a CRC-32 of all that followed the magic."""
    yield STATE_MAGIC
    crc = 0
    for part in parts:
        size = len(part).to_bytes(CRC_BYTES, "little")
        crc = zlib.crc32(part, zlib.crc32(size, crc))
        yield size
        yield part
    yield crc.to_bytes(CRC_BYTES, "little")


def parts_of(data: memoryview) -> Iterator[memoryview]:
    """The parts of a state file's body (see :func:`sized`)."""
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at : at + CRC_BYTES], "little")
        yield data[at + CRC_BYTES : at + CRC_BYTES + size]
        at += CRC_BYTES + size


def framed(header: bytes, parts: Iterable[str]) -> Iterator[bytes]:
    """The bytes of an output file: magic, header size, header, text, then a CRC-32 of header and text."""
    yield OUTPUT_MAGIC + len(header).to_bytes(CRC_BYTES, "little")
    crc = zlib.crc32(header)
    yield header
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        crc = zlib.crc32(data, crc)
        yield data
    yield crc.to_bytes(CRC_BYTES, "little")


def unframed(path: Path) -> tuple[Any, str]:
    """The header (unmarshalled) and text of the output file ``path`` (see :func:`framed`); raises
    OSError when it cannot be read, ValueError when its magic or CRC-32 is wrong."""
    data = memoryview(read_file(path))
    start = len(OUTPUT_MAGIC) + CRC_BYTES
    crc = int.from_bytes(data[-CRC_BYTES:], "little")
    if data[: len(OUTPUT_MAGIC)] != OUTPUT_MAGIC or zlib.crc32(data[start:-CRC_BYTES]) != crc:
        raise ValueError(f"not a vaulttool output file: {path}")
    size = int.from_bytes(data[len(OUTPUT_MAGIC) : start], "little")
    return marshal.loads(data[start : start + size]), str(data[start + size : -CRC_BYTES], "utf-8", "surrogatepass")


def framed_header(path: Path) -> Any:
    """The header (unmarshalled) of the output file ``path``, read without its text and unchecked
    (None when the magic is wrong). Raises OSError when it cannot be read."""
    handle, _ = open_file(path)
    with handle:
        head = handle.read(len(OUTPUT_MAGIC) + CRC_BYTES)
        if head[: len(OUTPUT_MAGIC)] != OUTPUT_MAGIC:
            return None
        return marshal.loads(handle.read(int.from_bytes(head[len(OUTPUT_MAGIC) :], "little")))


def output_of(value: Any) -> Output | None:
    """The :class:`Output` ``value`` (an output file's header) holds, or None when it holds none."""
    kinds = (str, str, int, int, dict, str)
    if type(value) is not tuple or len(value) != len(kinds):
        return None
    return Output(*value) if all(type(item) is kind for item, kind in zip(value, kinds, strict=True)) else None
