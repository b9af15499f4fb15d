"""Walk a vault into notes and attachments, and resolve links the way Obsidian does.

The walk only lists names: it never opens a file and never follows a folder link, and
whatever could not be read safely becomes an ``unreadable-file`` diagnostic. Resolution
compares NFC + casefold keys with dictionaries built once.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import Any

from vaulttool.model.values import Diagnostic, Severity

UNREADABLE = "unreadable-file"
_SKIPPED_FOLDERS = frozenset({"node_modules"})
_KINDS = {stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket", stat.S_IFCHR: "character device", stat.S_IFBLK: "block device"}
_NOTE_SUFFIX = ".md"
_Rank = tuple[int, int, str]
_UNKNOWN = "\0unknown"  # no vault path contains NUL


@dataclass(frozen=True, slots=True)
class WalkResult:
    """What a walk found: vault-relative POSIX paths, each tuple sorted."""

    notes: tuple[str, ...]
    attachments: tuple[str, ...]
    problems: tuple[Diagnostic, ...]


def _is_note_name(name: str) -> bool:
    return name[-len(_NOTE_SUFFIX) :].lower() == _NOTE_SUFFIX


def _problem(path: str, message: str) -> Diagnostic:
    return Diagnostic(path=path, line=1, column=1, rule=UNREADABLE, severity=Severity.ERROR, message=message)


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "special file")


def _is_junction(entry: os.DirEntry[str]) -> bool:
    """Windows junctions are folder links that ``is_symlink`` does not report."""
    if os.name != "nt":
        return False
    attributes: int = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    return bool(attributes & stat.FILE_ATTRIBUTE_REPARSE_POINT)


def _decodable(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (both real paths)."""
    try:
        return os.path.commonpath([folder, path]) == folder
    except ValueError:  # different drives on Windows
        return False


class _Walker:
    """Mutable state of one walk; ``walk_vault`` is its only user."""

    def __init__(self, root: str, ignore: Sequence[str]) -> None:
        self.root = root
        self.root_real = os.path.realpath(root)
        self.ignore = tuple(p.rstrip("/") or p for p in ignore)
        self.notes: list[str] = []
        self.attachments: list[str] = []
        self.problems: list[Diagnostic] = []

    def run(self) -> WalkResult:
        stack: list[tuple[str, str]] = [(self.root, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as exc:
                where = prefix.rstrip("/") or "."
                self.problems.append(_problem(where, f"cannot list folder: {exc.strerror}"))
                continue
            for entry in entries:
                rel = prefix + entry.name
                if entry.name.startswith(".") or (self.ignore and any(fnmatchcase(rel, p) for p in self.ignore)):
                    continue
                if not entry.name.isascii() and not _decodable(entry.name):
                    self.problems.append(_problem(rel, "name is not valid UTF-8: Obsidian cannot open it; rename it"))
                try:
                    self._entry(entry, rel, stack)
                except OSError:  # vanished between listing and inspection
                    continue
        return WalkResult(
            notes=tuple(sorted(self.notes)),
            attachments=tuple(sorted(self.attachments)),
            problems=tuple(sorted(self.problems, key=Diagnostic.sort_key)),
        )

    def _add(self, rel: str) -> None:
        (self.notes if _is_note_name(rel) else self.attachments).append(rel)

    def _entry(self, entry: os.DirEntry[str], rel: str, stack: list[tuple[str, str]]) -> None:
        if entry.is_file(follow_symlinks=False):  # most entries (a symlink is not one here)
            self._add(rel)
        elif entry.is_symlink():
            self._symlink(entry.path, rel)
        elif entry.is_dir(follow_symlinks=False):
            if entry.name not in _SKIPPED_FOLDERS and not _is_junction(entry):
                stack.append((entry.path, rel + "/"))
        elif _is_note_name(rel):
            kind = _kind(entry.stat(follow_symlinks=False).st_mode)
            self.problems.append(_problem(rel, f"not a regular file ({kind}); not read"))

    def _symlink(self, path: str, rel: str) -> None:
        note = _is_note_name(rel)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            if note and os.path.lexists(path):
                if exc.errno == errno.ELOOP:
                    message = "symlink loop; not read"
                elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                    message = "dangling symlink; not read"
                else:
                    message = f"symlink target cannot be reached ({exc.strerror}); not read"
                self.problems.append(_problem(rel, message))
            return
        if stat.S_ISDIR(mode):
            return
        if not is_inside(os.path.realpath(path), self.root_real):
            if note:
                self.problems.append(_problem(rel, "symlink points outside the vault; not read"))
        elif stat.S_ISREG(mode):
            self._add(rel)
        elif note:
            self.problems.append(_problem(rel, f"not a regular file ({_kind(mode)}); not read"))


def walk_vault(root: Path, ignore: Sequence[str] = ()) -> WalkResult:
    """List a vault's notes and attachments, skipping dot entries, ``node_modules`` and ``ignore`` globs.

    Raises ``NotADirectoryError`` when ``root`` is not an existing folder; every other
    problem becomes a diagnostic in the result.
    """
    if not os.path.isdir(root):
        raise NotADirectoryError(f"vault is not an existing folder: {root}")
    return _Walker(os.fspath(root), ignore).run()


def vault_relpath(path: str) -> str:
    """``path`` as a vault-relative POSIX path; ValueError saying why when it cannot name a file of the vault.

    Absolute and drive-letter paths, ``..`` and ``.`` components, hidden (dot) names and
    NUL characters are refused: such a path names nothing the vault holds.
    """
    parts = path.removeprefix("./").split("/")
    if path.startswith(("/", "\\", "~/")) or (len(path) > 1 and path[1] == ":"):
        raise ValueError(f"{path!r} is absolute: give a path inside the vault")
    if "\0" in path or "\\" in path:
        raise ValueError(f"{path!r} holds a NUL or a backslash: vault paths are written with '/'")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"{path!r} has an empty, '.' or '..' part: give a path inside the vault")
    if any(part.startswith(".") for part in parts):
        raise ValueError(f"{path!r} names a hidden file or folder, which is not part of the vault")
    return "/".join(parts)


def note_path(path: str) -> str:
    """``path`` as the vault-relative path of a note (see :func:`vault_relpath`; its name ends in ``.md``)."""
    path = vault_relpath(path)
    if not _is_note_name(path):
        raise ValueError(f"{path!r} is not a note: a note's name ends in '.md'")
    return path


def link_key(path: str) -> str:
    """The comparison key Obsidian effectively uses: NFC-normalised and casefolded."""
    return unicodedata.normalize("NFC", path).casefold()


def note_aliases(frontmatter: dict[str, Any] | None) -> tuple[str, ...]:
    """The aliases a note's frontmatter gives it (``aliases``: one text or a list)."""
    aliases = frontmatter.get("aliases") if frontmatter else None
    if isinstance(aliases, str):
        return (aliases,)
    if not isinstance(aliases, list) or not aliases:
        return ()
    return tuple([alias for alias in aliases if isinstance(alias, str)])


class VaultIndex:
    """All files of a vault, indexed for Obsidian-style link resolution."""

    def __init__(self, notes: Iterable[str], attachments: Iterable[str] = ()) -> None:
        """Index the given vault-relative paths (notes and attachments alike are link targets)."""
        self._key_of: dict[str, str] = {}
        self._by_key: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        for path in dict.fromkeys([*notes, *attachments]):
            key = link_key(path)
            self._key_of[path] = key
            self._by_key.setdefault(key, []).append(path)
            self._by_name.setdefault(key.rpartition("/")[2], []).append(path)
        for bucket in (*self._by_key.values(), *self._by_name.values()):
            bucket.sort()

    def resolve(self, target: str, source: str) -> str | None:
        """The vault path ``target`` (linked from note ``source``) opens in Obsidian, or None."""
        if not target:
            return source
        paths, form, form_key, folder = self._matches(target, source)
        if len(paths) < 2:
            return paths[0] if paths else None
        return min(paths, key=self._ranker(form, form_key, folder))

    def resolver(self) -> Callable[[str, str], str | None]:
        """``resolve`` for many links in a row, remembering answers.

        Most targets match at most one file, and then the answer is the same from every
        note; only ties and ``./`` paths depend on the linking note's folder.
        """
        anywhere: dict[str, str | None] = {}
        from_folder: dict[tuple[str, str], str | None] = {}

        def resolve(target: str, source: str) -> str | None:
            if not target:
                return source
            found = anywhere.get(target, _UNKNOWN)
            if found is not _UNKNOWN:
                return found
            if "/" not in target:  # a name alone (most targets): a file of that name, else of that name with .md
                named = self._by_name.get(name := link_key(target)) or self._by_name.get(name + _NOTE_SUFFIX)
                if named is None or len(named) < 2:
                    return anywhere.setdefault(target, named[0] if named else None)
            key = (target, source.rpartition("/")[0])
            found = from_folder.get(key, _UNKNOWN)
            if found is not _UNKNOWN:
                return found
            paths, form, form_key, folder = self._matches(target, source)
            if len(paths) >= 2:
                found = from_folder[key] = min(paths, key=self._ranker(form, form_key, folder))
            elif target.startswith(("./", "../")):
                found = from_folder[key] = paths[0] if paths else None
            else:
                found = anywhere[target] = paths[0] if paths else None
            return found

        return resolve

    @cached_property
    def name_keys(self) -> frozenset[str]:
        """The link keys by which a target written as a name alone (no ``/``) finds a file from any note:
        each file's name, and each note's without ``.md`` (as :meth:`resolve` looks)."""
        return frozenset((*self._by_name, *(name[:-3] for name in self._by_name if name.endswith(_NOTE_SUFFIX))))

    def candidates(self, target: str, source: str) -> list[str]:
        """Every file ``target`` could mean from ``source``, the one Obsidian opens first."""
        if not target:
            return [source]
        paths, form, form_key, folder = self._matches(target, source)
        return sorted(paths, key=self._ranker(form, form_key, folder))

    def twins(self) -> list[tuple[str, ...]]:
        """Groups of distinct paths that collide under ``link_key`` (case or NFC/NFD twins)."""
        return sorted(tuple(group) for group in self._by_key.values() if len(group) > 1)

    def contains_key(self, path: str) -> bool:
        """Whether some indexed file has the same ``link_key`` as ``path``."""
        return link_key(path) in self._by_key

    def _matches(self, target: str, source: str) -> tuple[Sequence[str], str, str, str]:
        """The files ``target`` matches, the form (and its key) that matched, and the source folder.

        The target is tried as a complete file name first, then with ``.md`` appended.
        """
        folder = source.rpartition("/")[0]
        if target.startswith(("./", "../")):
            base = posixpath.normpath(posixpath.join(folder, target))
            if base in (".", "..") or base.startswith("../"):
                return (), base, "", folder
            anchored = True
        elif target.startswith("/"):
            base, anchored = target[1:], True
        else:
            base, anchored = target, False
        key = link_key(base)  # appending ".md" commutes with link_key
        for suffix in ("", _NOTE_SUFFIX):
            paths = self._lookup(key + suffix, anchored)
            if paths:
                return paths, base + suffix, key + suffix, folder
        return (), base, key, folder

    def _lookup(self, key: str, anchored: bool) -> Sequence[str]:
        if anchored:
            return self._by_key.get(key, ())
        head, _, name = key.rpartition("/")
        bucket = self._by_name.get(name, ())
        if not head:
            return bucket
        suffix = "/" + key
        key_of = self._key_of
        return [p for p in bucket if key_of[p] == key or key_of[p].endswith(suffix)]

    def _ranker(self, form: str, form_key: str, folder: str) -> Callable[[str], _Rank]:
        """Sort key: exact path as written, exact path by key, source folder, then shortest, then name."""
        key_of = self._key_of

        def rank(path: str) -> _Rank:
            if path == form:
                tier = 0
            elif key_of[path] == form_key:
                tier = 1
            elif path.rpartition("/")[0] == folder:
                tier = 2
            else:
                tier = 3
            return (tier, len(path), path)

        return rank
