"""Where reports, exports and pages go: standard output, or a file outside the vault, written whole.

Every command that writes a report to ``-o FILE`` (or a page to ``--html FILE``) asks
:func:`output_target` first. A target inside the vault, a folder, or a link (symbolic or
hard) to a file of the vault is refused: writing there would overwrite a note or
attachment, or add a file to the vault. ``-`` is standard output. A file is written
beside its final name first and renamed over it only when complete, so a full disk, a
killed run or Ctrl-C leaves the old file as it was; a device such as ``/dev/null`` is
written directly.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from vaulttool.files.writers import _temp_name
from vaulttool.model.vault import is_inside

STDOUT = "-"
_WRITE_CHUNK = 1 << 20  # characters written at a time: a large report is never encoded whole
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class OutputError(Exception):
    """The report cannot go where it was asked to: one line for the user, exit 2."""


class _ClosedStream(io.TextIOBase):
    """Standard output when the program was started with it closed: every write fails, as on a bad descriptor."""

    def write(self, text: str) -> int:
        """Fail: there is nowhere to write ``text``."""
        raise OSError(errno.EBADF, "standard output is closed")


def ensure_stdout() -> None:
    """Make a closed standard output (``sys.stdout`` is None) fail on the first write instead of
    dropping the output or failing with an internal error."""
    if sys.stdout is None:
        sys.stdout = _ClosedStream()


def output_target(output: Path | None, vault: Path | None) -> Path | None:
    """The file ``-o``/``--html`` names, as its real path; None for standard output (no option or ``-``).

    Raises :class:`OutputError` for a folder, a path inside ``vault`` (symlinks resolved)
    or a hard link to one of the vault's files.
    """
    if output is None or os.fspath(output) == STDOUT:
        return None
    shown = os.fspath(output)
    try:
        st: os.stat_result | None = os.stat(output)
    except OSError:
        st = None  # a new file, or one that cannot be reached: writing it says why
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write to '{shown}': it is a folder")
    real = os.path.realpath(output)
    if vault is not None:
        root = os.path.realpath(vault)
        if is_inside(real, root):
            plain = is_inside(os.path.abspath(output), os.path.abspath(vault))
            where = "inside the vault" if plain else "a link into the vault"
            raise OutputError(f"refusing to write to '{shown}': it is {where}; write outside it or to '-'")
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_nlink > 1 and _linked_from(root, st):
            raise OutputError(f"refusing to write to '{shown}': it is a hard link to a file of the vault")
    return Path(real)


def _linked_from(root: str, st: os.stat_result) -> bool:
    """Whether a file under ``root`` (hidden ones included, symlinks not followed) is the file ``st`` describes."""
    for folder, _, names in os.walk(root):
        for name in names:
            with contextlib.suppress(OSError):
                found = os.lstat(os.path.join(folder, name))
                if found.st_ino == st.st_ino and found.st_dev == st.st_dev:
                    return True
    return False


def write_output(text: str | Iterable[str], target: Path | None) -> None:
    """Write ``text`` (or its parts in order) to ``target`` (from :func:`output_target`) or standard output.

    Raises :class:`OutputError` when it cannot be written; a file is then left as it was.
    """
    parts = [text] if isinstance(text, str) else text
    pieces = (part[i : i + _WRITE_CHUNK] for part in parts for i in range(0, len(part), _WRITE_CHUNK))
    if target is None:
        try:
            sys.stdout.writelines(pieces)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader is gone (``| head``): the command ends quietly
        except OSError as exc:
            raise OutputError(f"cannot write the report: {exc.strerror or exc}") from exc
        return
    try:
        if _is_special(target):
            with open(target, "w", encoding="utf-8") as out:
                out.writelines(pieces)
        else:
            _replace(target, pieces)
    except OSError as exc:
        raise OutputError(f"cannot write the report to '{target}': {exc.strerror or exc}") from exc


def _is_special(target: Path) -> bool:
    """Whether ``target`` exists and is not a regular file (``/dev/null``, a FIFO): written in place."""
    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        return False


def _replace(target: Path, pieces: Iterable[str]) -> None:
    """Write ``pieces`` to a temporary file beside ``target``, then rename it over ``target``.

    The new file gets the old one's permission bits (a new one: those ``open`` would give).
    """
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temp = target.with_name(_temp_name())
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o666)
    try:
        with open(fd, "w", encoding="utf-8") as out:
            if mode is not None:
                os.fchmod(fd, mode)
            out.writelines(pieces)
            out.flush()
            os.fsync(fd)
        os.replace(temp, target)
    except BaseException:  # a full disk, Ctrl-C: the old file stays, the temporary one goes
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
