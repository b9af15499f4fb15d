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
import threading
from collections.abc import Sequence

Stamp = tuple[int, int, int] | tuple[int, bytes]  # size, mtime_ns, ctime_ns; or size and digest of the bytes
_DIGEST_SIZE = 20
_CHUNK = 1 << 20
# Reading and hashing release the GIL (BLAKE2b for more than 2 KiB), so a few threads
# stamp a large vault in parallel; below this many notes per thread one is as fast.
_NOTES_PER_THREAD, _MAX_THREADS = 1000, 4


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


def read_stamps(root: str, paths: Sequence[str], most: int = _MAX_THREADS) -> dict[str, Stamp]:
    """The content stamp of each of ``paths`` (relative to ``root``) that can be read, in order;
    a large vault's notes are read by a few threads at once (``most`` at most)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    count = max(1, min(cpus, most, len(paths) // _NOTES_PER_THREAD))
    size = -(-len(paths) // count)
    parts: list[dict[str, Stamp]] = [{} for _ in range(count)]

    def stamp(part: dict[str, Stamp], chunk: Sequence[str]) -> None:
        join = os.path.join
        for path in chunk:
            try:
                part[path] = read_stamp(join(root, path))
            except OSError:
                continue

    threads = [
        threading.Thread(target=stamp, args=(parts[i], paths[i * size : (i + 1) * size]), daemon=True)
        for i in range(1, count)
    ]
    for thread in threads:
        thread.start()
    stamp(parts[0], paths[:size])
    for thread in threads:
        thread.join()
    found = parts[0]
    for part in parts[1:]:
        found.update(part)
    return found


def wants_content(kind: str) -> bool:
    """Whether stamps of ``kind`` (``auto``, ``content`` or ``mtime``) are content stamps in this environment."""
    if kind == "auto":
        return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return kind == "content"
