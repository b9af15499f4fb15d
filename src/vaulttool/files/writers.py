"""The only code that writes into a vault: safe names, safe paths, atomic creation and replacement.

Every file is written relative to an open descriptor of the vault folder, one path
component at a time with ``O_NOFOLLOW``, so no symlink (planted before or during the
run) can redirect a write outside the vault. Content goes to a hidden temporary file in
the target folder first, written in full and synced, and only then takes the final
name, so a killed run never leaves a half-written note behind. :func:`create_files`
hard-links it to its name, which fails when the name exists: an existing file is never
overwritten. :func:`replace_files` renames it over a note only while the note still
holds exactly the bytes it was read with: a note someone changed in the meantime is
left alone. A temporary file is named after the process writing it, and each writing
run first removes those of processes that are gone (killed runs), in every folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from vaulttool.files.tempfiles import stale

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
T = TypeVar("T")


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
    """What happened to one planned file: ``written``, or why not (``reason``)."""

    path: str
    written: bool
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


def _remove_stale_temps(root_fd: int) -> None:
    """Remove the temporary files that killed runs left in the vault's folders (hidden ones
    aside), walked by descriptor without following symlinks; a live run's are kept."""
    if not hasattr(os, "fwalk"):  # no walking by descriptor here: the top folder only
        for name in stale(os.listdir(root_fd), _TEMP_RE):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=root_fd)
        return
    for _, folders, names, dir_fd in os.fwalk(".", dir_fd=root_fd):
        folders[:] = [folder for folder in folders if not folder.startswith(".")]
        for name in stale(names, _TEMP_RE):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _temp_name() -> str:
    """A hidden temporary name that says which process made it (see :func:`_remove_stale_temps`)."""
    return f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}.tmp"


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC


def _create_in(dir_fd: int, name: str, data: bytes) -> None:
    """Create ``name`` in ``dir_fd`` holding ``data``, atomically, failing if it exists."""
    temp = _temp_name()
    fd = os.open(temp, _TEMP_FLAGS, 0o644, dir_fd=dir_fd)
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
            final = os.open(name, _TEMP_FLAGS, 0o644, dir_fd=dir_fd)  # no hard links here: exclusive create
            try:
                _write_all(final, data)
            finally:
                os.close(final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)


class NotWritten(Exception):
    """A file that was deliberately left as it is; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Replacement(NamedTuple):
    """New content for an existing file, and the content it must still hold to be replaced."""

    old: bytes
    new: bytes


_CHANGED = "changed on disk since it was read; left as it is"


def _identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _replace_in(dir_fd: int, name: str, change: Replacement) -> None:
    """Replace ``name`` in ``dir_fd`` by ``change.new`` atomically, if it still holds ``change.old``.

    The new file keeps the old one's permission bits (and owner, where allowed); a symlink
    or special file is refused, never followed.
    """
    fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotWritten("not a regular file; left as it is")
        current = bytearray()
        while chunk := os.read(fd, max(len(change.old) + 1 - len(current), 1 << 16)):
            current += chunk
            if len(current) > len(change.old):
                break
    finally:
        os.close(fd)
    if current != change.old:
        raise NotWritten(_CHANGED)
    temp = _temp_name()
    out = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        try:
            os.fchmod(out, stat.S_IMODE(st.st_mode))
            if st.st_uid != os.geteuid() or st.st_gid != os.getegid():
                with contextlib.suppress(OSError):
                    os.fchown(out, st.st_uid, st.st_gid)
            _write_all(out, change.new)
        finally:
            os.close(out)
        if _identity(os.stat(name, dir_fd=dir_fd, follow_symlinks=False)) != _identity(st):
            raise NotWritten(_CHANGED)  # written to while the new content was being made
        os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)


def _write_each(
    root: str, files: Mapping[str, T], make_folders: bool, write: Callable[[int, str, T], None]
) -> list[WriteResult]:
    """Run ``write(folder_fd, name, content)`` for each vault-relative path, walking folders safely.

    Each failure is reported for its file and the others are still written.
    """
    results: list[WriteResult] = []
    root_fd = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    try:
        _remove_stale_temps(root_fd)
        for path, content in files.items():
            *folders, name = path.split("/")
            fds: list[int] = []
            try:
                safe_relpath(path)
                dir_fd = root_fd
                for folder in folders:
                    dir_fd = _open_dir(dir_fd, folder, create=make_folders)
                    fds.append(dir_fd)
                write(dir_fd, name, content)
                results.append(WriteResult(path, True))
            except FileExistsError:
                results.append(WriteResult(path, False, "a file with that name already exists; left as it is", True))
            except (UnsafeName, NotWritten) as exc:
                results.append(WriteResult(path, False, exc.reason))
            except OSError as exc:
                reason = exc.strerror or str(exc)
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    reason = "a folder on the way or the note itself is a symlink or not a folder; not followed"
                elif exc.errno == errno.ENOENT and not make_folders:
                    reason = "vanished since it was read; left as it is"
                results.append(WriteResult(path, False, reason))
            finally:
                for fd in reversed(fds):
                    os.close(fd)
    finally:
        os.close(root_fd)
    return results


def create_files(root: str, files: dict[str, bytes]) -> list[WriteResult]:
    """Create each vault-relative path in ``files``; never overwrite, never leave the vault.

    Failures (the file exists, a folder is read-only or a symlink, the disk is full) are
    reported per file and the others are still written.
    """
    return _write_each(root, files, True, _create_in)


def replace_files(root: str, files: Mapping[str, Replacement]) -> list[WriteResult]:
    """Replace each existing vault-relative path in ``files`` atomically, never leaving the vault.

    A file is written only while it still holds ``old`` byte for byte (otherwise it is left
    as it is and reported), keeps its permission bits, and is never reached through a
    symlink. Failures are reported per file and the others are still written.
    """
    return _write_each(root, files, False, _replace_in)


def _open_parent(root_fd: int, path: str, create: bool) -> tuple[list[int], str]:
    """The descriptors of the folders on the way to vault path ``path`` (the last is its folder), and its name."""
    *folders, name = safe_relpath(path).split("/")
    fds: list[int] = []
    try:
        dir_fd = root_fd
        for folder in folders:
            dir_fd = _open_dir(dir_fd, folder, create=create)
            fds.append(dir_fd)
    except BaseException:
        for fd in reversed(fds):
            os.close(fd)
        raise
    return fds, name


def move_file(root: str, old: str, new: str) -> None:
    """Rename vault path ``old`` (a file or a folder) to ``new``, never over an existing name.

    Both paths are reached one folder at a time without following symlinks; folders on the
    way to ``new`` are created. A file is hard-linked to its new name and then unlinked
    (the link fails when the name exists); a folder is renamed onto a fresh empty folder,
    which fails when anything else stands there. Raises ``FileExistsError`` or another
    ``OSError``, or :class:`UnsafeName`, having changed nothing.
    """
    root_fd = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    old_fds: list[int] = []
    new_fds: list[int] = []
    try:
        old_fds, old_name = _open_parent(root_fd, old, create=False)
        new_fds, new_name = _open_parent(root_fd, new, create=True)
        src_fd, dst_fd = (old_fds or [root_fd])[-1], (new_fds or [root_fd])[-1]
        st = os.stat(old_name, dir_fd=src_fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(new_name, 0o755, dir_fd=dst_fd)
            try:
                os.rename(old_name, new_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.rmdir(new_name, dir_fd=dst_fd)
                raise
            return
        try:
            os.link(old_name, new_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if os.path.lexists(os.path.join(root, new)):  # no hard links here: look, then rename
                raise FileExistsError(errno.EEXIST, "a file with that name already exists") from exc
            os.rename(old_name, new_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
            return
        os.unlink(old_name, dir_fd=src_fd)
    finally:
        for fd in (*reversed(new_fds), *reversed(old_fds)):
            os.close(fd)
        os.close(root_fd)
