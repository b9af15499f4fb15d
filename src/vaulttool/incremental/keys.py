"""What cache keys are made of: the tool's version and code, the Python it runs on, where a vault sits.

No key holds a path on this machine, a file time or more of the Python version than its
minor version, so a cache carried to another checkout or machine stays valid there.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path

from vaulttool.version import __version__

FORMAT = 2


@lru_cache(maxsize=1)
def code_stamp() -> bytes:
    """A digest of the name and bytes of every module of vaulttool: a changed module invalidates
    the cache (bytes, not file times: an installation on another machine or run has new times)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=32)
    for folder in (package, *(p for p in package.iterdir() if p.is_dir() and p.name != "__pycache__")):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                with open(entry.path, "rb") as module:
                    data = module.read()
                name = f"{folder.name}/{entry.name}:{len(data)}:".encode()
                digest.update(len(name).to_bytes(8, "little") + name + data)
    return digest.digest()


def fingerprint(*parts: bytes) -> str:
    """A digest of the tool version, its code, the Python implementation and minor version,
    the ``marshal`` format and ``parts``: what cached data depends on, and nothing tied to
    this machine (a Python patch release changes neither)."""
    digest = hashlib.sha256()
    header = f"{FORMAT}\0{__version__}\0{sys.implementation.cache_tag}\0{marshal.version}\0".encode()
    for part in (header, code_stamp(), *parts):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def portable_location(root: str) -> str:
    """Where the vault at ``root`` sits, in terms that hold in every checkout of it: its path
    below the top of its git work tree (with that folder's name), else its own folder's name."""
    real = os.path.realpath(root)
    folder = real
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return os.path.join(os.path.basename(folder), os.path.relpath(real, folder)).replace(os.sep, "/")
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.basename(real)
        folder = parent
