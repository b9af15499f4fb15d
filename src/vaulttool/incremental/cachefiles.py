"""Reading a file of the cache: only a regular file of a sane size, never through a symlink or from a FIFO.

Anything else in a cache file's place counts as missing; what is read is checked by the
CRC-32 (:data:`CRC_BYTES` bytes, little-endian) its format puts beside it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

CRC_BYTES = 4
# Only a regular file of at most this size is read from the cache (the largest a 50,000-note
# vault's cache holds is about 170 MB); it is opened without following a symlink or waiting
# on a FIFO. Anything else in its place is as good as absent.
MAX_FILE_BYTES = 1 << 31
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


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
