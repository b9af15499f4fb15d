"""The only code that writes into a vault: safe names, safe paths, atomic exclusive creation.

Every file is created relative to an open descriptor of the vault folder, one path
component at a time with ``O_NOFOLLOW``, so no symlink (planted before or during the
run) can redirect a write outside the vault. Content goes to a hidden temporary file in
the target folder first and is then hard-linked to its final name, which fails when the
name exists: an existing file is never overwritten and a killed run never leaves a
half-written note behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from dataclasses import dataclass

# Characters Obsidian or Windows refuse in a note name, or that break a [[link]].
FORBIDDEN_CHARS = frozenset('*"\\/<>:|?#^[]')
WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{base}{n}" for base in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)
MAX_NAME_BYTES = 255
TEMP_PREFIX = ".vaulttool-"
_TEMP_RE = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-[0-9a-f]+\.tmp")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeName(ValueError):
    """A note name or path that must not be created; says why and suggests a name."""

    def __init__(self, reason: str, suggestion: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


def suggest_name(component: str) -> str:
    """A file-name-safe version of ``component`` (forbidden characters become ``-``)."""
    cleaned = "".join("-" if ch in FORBIDDEN_CHARS else ch for ch in component)
    cleaned = _CONTROL_RE.sub("", cleaned).strip().rstrip(". ")
    if cleaned.split(".")[0].upper() in WINDOWS_DEVICES:
        cleaned = f"{cleaned} note"
    return cleaned or "Untitled"


def check_component(component: str) -> None:
    """Raise :class:`UnsafeName` when ``component`` cannot be one file or folder name."""
    if component in ("", ".", ".."):
        raise UnsafeName(f"'{component}' would leave or not name a folder", None)
    bad = sorted({ch for ch in component if ch in FORBIDDEN_CHARS})
    if bad:
        shown = " ".join(bad)
        raise UnsafeName(f"{shown} not allowed in note names (Obsidian links, Windows)", suggest_name(component))
    if _CONTROL_RE.search(component):
        raise UnsafeName("control or bidi characters are not allowed in note names", suggest_name(component))
    if component != component.strip() or component.endswith("."):
        raise UnsafeName("a name may not start or end with a space or end with a dot", suggest_name(component))
    if component.split(".")[0].upper() in WINDOWS_DEVICES:
        raise UnsafeName(f"'{component}' is a reserved device name on Windows", suggest_name(component))
    if len(component.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UnsafeName(f"name longer than {MAX_NAME_BYTES} bytes", None)


def safe_relpath(target: str) -> str:
    """The vault-relative path ``target`` names, or :class:`UnsafeName` when it is not safe.

    Absolute, home-relative, drive-letter and UNC forms, ``.``/``..`` components and
    characters a note name may not hold are all refused.
    """
    if target.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:", target):
        raise UnsafeName("an absolute path is not a note in the vault", suggest_name(target.replace("/", " ")))
    parts = target.split("/")
    for part in parts:
        check_component(part)
    return "/".join(parts)


@dataclass(frozen=True)
class WriteResult:
    """What happened to one planned file."""

    path: str
    created: bool
    reason: str = ""
    existed: bool = False  # someone (another run, a sync client) created it first: the goal holds


def _open_dir(parent_fd: int, name: str, create: bool) -> int:
    """Open sub-folder ``name`` of ``parent_fd`` without following symlinks (creating it if asked)."""
    flags = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
    try:
        return os.open(name, flags, dir_fd=parent_fd)
    except FileNotFoundError:
        if not create:
            raise
        os.mkdir(name, 0o755, dir_fd=parent_fd)
        return os.open(name, flags, dir_fd=parent_fd)


def _running(pid: int) -> bool:
    """Whether process ``pid`` still runs (its temporary files are then in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _cleanup_stale(dir_fd: int) -> None:
    """Remove temporary files that an earlier, killed run left in this folder (a live run's are kept)."""
    for name in os.listdir(dir_fd):
        match = _TEMP_RE.fullmatch(name)
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _create_in(dir_fd: int, name: str, data: bytes) -> None:
    """Create ``name`` in ``dir_fd`` holding ``data``, atomically, failing if it exists."""
    temp = f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    fd = os.open(temp, flags, 0o644, dir_fd=dir_fd)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        try:
            os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            final = os.open(name, flags, 0o644, dir_fd=dir_fd)  # no hard links here: exclusive create
            try:
                _write_all(final, data)
            finally:
                os.close(final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)


def create_files(root: str, files: dict[str, bytes]) -> list[WriteResult]:
    """Create each vault-relative path in ``files``; never overwrite, never leave the vault.

    Failures (the file exists, a folder is read-only or a symlink, the disk is full) are
    reported per file and the others are still written.
    """
    results: list[WriteResult] = []
    root_fd = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    cleaned: set[str] = set()
    try:
        for path, data in files.items():
            *folders, name = path.split("/")
            fds: list[int] = []
            try:
                safe_relpath(path)
                dir_fd = root_fd
                for folder in folders:
                    dir_fd = _open_dir(dir_fd, folder, create=True)
                    fds.append(dir_fd)
                folder_key = "/".join(folders)
                if folder_key not in cleaned:
                    _cleanup_stale(dir_fd)
                    cleaned.add(folder_key)
                _create_in(dir_fd, name, data)
                results.append(WriteResult(path, True))
            except FileExistsError:
                results.append(WriteResult(path, False, "a file with that name already exists; left as it is", True))
            except UnsafeName as exc:
                results.append(WriteResult(path, False, exc.reason))
            except OSError as exc:
                reason = exc.strerror or str(exc)
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    reason = "a folder on the way is a symlink or a file; not followed"
                results.append(WriteResult(path, False, reason))
            finally:
                for fd in reversed(fds):
                    os.close(fd)
    finally:
        os.close(root_fd)
    return results
