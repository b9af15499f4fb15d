"""What tells the cache that a note is unchanged since it was read: the stamp of its file.

Two kinds, chosen per run (``--stamp``, the ``stamp`` setting, else ``auto``):

* ``mtime``: size, mtime and ctime, from one ``stat``. Cheap, and right on one machine,
  but every checkout (a CI run, a clone, a copy) gives every file new times, so a cache
  carried to one sees every note as changed.
* ``content``: size and a BLAKE2b digest of the bytes. Every note is read to stamp it,
  and the stamp is the same wherever the same bytes are: a cache restored on a fresh
  checkout still knows the unchanged notes. A cryptographic digest, so that a crafted
  change cannot keep a note's stamp and pass a check on the strength of the cache.

``auto`` is ``content`` when the ``CI`` environment variable is set (GitHub Actions and
most CI services set it), ``mtime`` otherwise.
"""

from __future__ import annotations

import hashlib
import os
import stat

Stamp = tuple[int, int, int] | tuple[int, bytes]  # size, mtime_ns, ctime_ns; or size and digest of the bytes
_DIGEST_SIZE = 20
_CHUNK = 1 << 20


def content_stamp(data: bytes) -> Stamp:
    """The content stamp of a file holding ``data``."""
    return len(data), hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


def stat_stamp(st: os.stat_result) -> Stamp:
    """The mtime stamp of a file with status ``st``."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read_stamp(full_path: str) -> Stamp:
    """The content stamp of the regular file at ``full_path``, read whole; raises OSError otherwise.

    Opened without blocking (a FIFO put in a note's place must not hang the run) and read
    in one call when the file is as large as ``fstat`` says.
    """
    fd = os.open(full_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        data = os.read(fd, st.st_size + 1)
        if len(data) <= st.st_size:  # a short read of a regular file is its end
            return content_stamp(data)
        digest, size = hashlib.blake2b(data, digest_size=_DIGEST_SIZE), len(data)
        while chunk := os.read(fd, _CHUNK):  # it grew since fstat
            digest.update(chunk)
            size += len(chunk)
        return size, digest.digest()
    finally:
        os.close(fd)


def wants_content(kind: str) -> bool:
    """Whether stamps of ``kind`` (``auto``, ``content`` or ``mtime``) are content stamps in this environment."""
    if kind == "auto":
        return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return kind == "content"
