"""Moving notes, attachments and folders so that every link follows, as Obsidian does on a rename.

A move is planned before anything is written. The vault is read and every link resolved
as it is now; then the files are placed at their new paths in a second index and every
link is resolved again, from the place its note will have. A link that resolved to a
moved file must reach the file at its new place, every other link must reach what it
reached before, and a broken link must stay broken. Links for which that does not hold
as written get new link text: the same alias, subpath, size suffix, quoting and
percent-encoding, with the target written in the vault's link format (``newLinkFormat``
in ``.obsidian/app.json``) or, without one, in the style the link already had, in the
shortest form that resolves to the right file. The rewritten notes are parsed and
resolved once more before the plan is accepted; a move that would change what any link
means, or that no link text can follow, is refused with the list of those links.

Writing goes through :mod:`vaulttool.files.writers`: each rewritten note is replaced atomically
and only while it still holds the bytes the plan was made from; then the files are
renamed, never over an existing name. When a step fails, the steps done are undone.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from vaulttool.files.writers import Replacement, UnsafeName, check_component, move_file, replace_files
from vaulttool.model.edits import Edit, apply_edits, unified_diff
from vaulttool.model.notes import DEFAULT_MAX_BYTES, parse_note, read_bytes
from vaulttool.model.obsidian import read_obsidian_settings
from vaulttool.model.values import Link, Note
from vaulttool.model.vault import VaultIndex, WalkResult, is_inside, link_key, walk_vault
from vaulttool.model.wikilinks import MD_LINK_RE, WIKI_RE

_NOTE_SUFFIX = ".md"
_MD_SAFE = "/!$&'()*+,;=:@-._~"  # left as they are when a markdown link's path is percent-encoded


class MoveError(Exception):
    """A move that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Rewrite:
    """One link given new text: where, as it was, as it will be."""

    path: str  # the note holding it, as it is now
    line: int
    column: int
    before: str
    after: str


@dataclass
class MovePlan:
    """Everything a move will do, worked out and verified before anything is written."""

    root: str
    source: str  # what was asked to move (a file or a folder), vault-relative
    destination: str
    moves: dict[str, str]  # every file that moves: its path now and its path after
    texts: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # rewritten notes: bytes now, after
    rewrites: list[Rewrite] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why the move is refused (empty: it may go ahead)

    def diff(self) -> str:
        """The whole move as a git diff: renames and rewritten notes (``git apply`` accepts it)."""
        out: list[str] = []
        for path in sorted({*self.moves, *self.texts}):
            new_path = self.moves.get(path, path)
            before, after = self.texts.get(path, (b"", b""))
            body = unified_diff(path, before.decode("utf-8"), after.decode("utf-8"), new_path=new_path)
            out.append(f"diff --git a/{path} b/{new_path}\n")
            if new_path != path:
                out.append(f"rename from {path}\nrename to {new_path}\n")
            out.append(body)
        return "".join(out)


def vault_path(root: Path, given: str) -> str:
    """``given`` (a path as the user typed it, from the current folder) as a vault-relative path."""
    real_root = os.path.realpath(root)
    full = os.path.normpath(os.path.join(os.path.abspath(os.path.dirname(given) or "."), os.path.basename(given)))
    parent = os.path.realpath(os.path.dirname(full))
    if not is_inside(parent, real_root):
        raise MoveError(f"'{given}' is outside the vault {root}")
    relative = os.path.relpath(os.path.join(parent, os.path.basename(full)), real_root)
    relative = "" if relative == "." else relative.replace(os.sep, "/")
    return relative + "/" if given.endswith(("/", os.sep)) and relative else relative  # "folder/": into it


def _destination(root: Path, source: str, given: str, is_folder: bool) -> str:
    """Where ``source`` goes: into ``given`` when that is a folder (or ends with ``/``), else to ``given`` itself."""
    into = given.endswith("/")
    given = given.rstrip("/")
    if into or (os.path.isdir(root / given) and not os.path.islink(root / given) and given != source):
        given = posixpath.join(given, posixpath.basename(source)) if given else posixpath.basename(source)
    elif not is_folder and source.lower().endswith(_NOTE_SUFFIX) and not given.lower().endswith(_NOTE_SUFFIX):
        given += _NOTE_SUFFIX  # notes may be named without their extension, as in a link
    if not given or given == source:
        raise MoveError(f"'{source}' is already there")
    if given.startswith("../") or given == "..":
        raise MoveError(f"'{given}' is outside the vault")
    for part in given.split("/"):
        try:
            check_component(part)
        except UnsafeName as exc:
            hint = f" (try '{exc.suggestion}')" if exc.suggestion else ""
            raise MoveError(f"cannot move to '{given}': {exc.reason}{hint}") from None
        if part.startswith("."):
            raise MoveError(f"cannot move to '{given}': Obsidian hides names that start with a dot")
    if is_folder and (given + "/").startswith(source + "/"):
        raise MoveError(f"cannot move folder '{source}' into itself")
    if os.path.lexists(root / given):
        raise MoveError(f"'{given}' exists already; nothing was moved")
    return given


def _moves(walked: WalkResult, root: Path, source: str, given: str) -> tuple[str, dict[str, str]]:
    """The destination and every file that moves (path now: path after)."""
    full = root / source
    files = (*walked.notes, *walked.attachments)
    if source and os.path.isdir(full) and not os.path.islink(full):
        destination = _destination(root, source, given, True)
        moves = {p: destination + p[len(source) :] for p in files if p.startswith(source + "/")}
    elif source in files:
        destination = _destination(root, source, given, False)
        moves = {source: destination}
    else:
        raise MoveError(f"'{source}' is not a note, attachment or folder of the vault")
    staying = {link_key(p): p for p in files if p not in moves}
    for new in moves.values():
        twin = staying.get(link_key(new))
        if twin is not None:
            raise MoveError(f"'{new}' differs from '{twin}' only in case or accents; nothing was moved")
    return destination, moves


def _strip_md(path: str, keep: bool) -> str:
    return path if keep or not path.lower().endswith(_NOTE_SUFFIX) else path[: -len(_NOTE_SUFFIX)]


def _forms(target: str, source: str, style: str, keep_md: bool) -> list[str]:
    """Link texts for ``target`` from a note at ``source``, the preferred first."""
    parts = target.split("/")
    suffixes = ["/".join(parts[i:]) for i in range(len(parts) - 1, -1, -1)]  # the name, then longer
    relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
    relative = relative if relative.startswith("../") else f"./{relative}"
    shortest, absolute = [_strip_md(s, keep_md) for s in suffixes], _strip_md(target, keep_md)
    rel = _strip_md(relative, keep_md)
    if style == "relative":
        return [rel, absolute, *shortest]
    if style == "absolute":
        return [absolute, rel]
    return [*shortest, rel]


def _style(written: str, vault_format: str | None) -> str:
    if vault_format is not None:
        return vault_format
    if written.startswith(("./", "../")):
        return "relative"
    return "absolute" if "/" in written.lstrip("/") else "shortest"


def _target_span(line: str, link: Link) -> tuple[int, int, bool]:
    """Where the target of ``link`` stands in its ``line`` (0-based, end exclusive), and whether it is
    percent-encoded text of a markdown link (False: written as is)."""
    start = link.column - 1
    if link.kind == "markdown":
        m = MD_LINK_RE.match(line, start)
        if m is None:
            raise MoveError("link not found where it was read")
        group = 3 if m.group(3) is not None else 4
        begin, end = m.span(group)
        hashmark = line.find("#", begin, end)
        return begin, end if hashmark < 0 else hashmark, group == 4
    m = WIKI_RE.match(line, start)
    if m is None:
        raise MoveError("link not found where it was read")
    begin, end = m.span(2)
    inner = line[begin:end]
    cut = min((i for i in (inner.find("#"), inner.find("|"), inner.find("\\|")) if i >= 0), default=len(inner))
    head = inner[:cut]
    lead = len(head) - len(head.lstrip())
    return begin + lead, begin + len(head.rstrip()), False


def _encode(path: str, written: str) -> str:
    """``path`` written as the link wrote its target: percent-encoded in a bare markdown destination."""
    if "%" in written or " " in path or "(" in path or ")" in path:
        return quote(path, safe=_MD_SAFE)
    return path


@dataclass
class _Vault:
    """The vault as read for the plan: each note's bytes and parsed form."""

    root: str
    walked: WalkResult
    data: dict[str, bytes]
    notes: dict[str, Note]

    @classmethod
    def read(cls, root: Path, walked: WalkResult, max_bytes: int) -> _Vault:
        data: dict[str, bytes] = {}
        notes: dict[str, Note] = {}
        for path in walked.notes:
            try:
                data[path] = read_bytes(os.path.join(root, path), max_bytes)
            except OSError:
                continue  # an unreadable note has no links to follow; it can still be moved
            notes[path] = parse_note(path, data[path])
        return cls(os.fspath(root), walked, data, notes)


def plan_move(
    root: Path, source: str, destination: str, *, walked: WalkResult | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> MovePlan:
    """Plan moving vault path ``source`` (a file or folder) to ``destination`` (see the module docs).

    Raises :class:`MoveError` when the move itself is not possible; a move that is possible
    but would change what links mean comes back with ``problems``.
    """
    walked = walked or walk_vault(root)
    destination, moves = _moves(walked, root, source, destination)
    vault = _Vault.read(root, walked, max_bytes)
    before = VaultIndex(walked.notes, walked.attachments)
    after = VaultIndex([moves.get(p, p) for p in walked.notes], [moves.get(p, p) for p in walked.attachments])
    plan = MovePlan(os.fspath(root), source, destination, moves)
    vault_format = read_obsidian_settings(root).new_link_format
    for path, note in vault.notes.items():
        new_path = moves.get(path, path)
        edits: list[Edit] = []
        lines: list[str] | None = None
        expected: list[str | None] = []
        for link in note.links:
            was = before.resolve(link.target, path)
            want = moves.get(was, was) if was is not None else None
            expected.append(want)
            now = after.resolve(link.target, new_path)
            if now == want or not link.target:
                continue
            where = f"{path}:{link.line}:{link.column}"
            if want is None:
                plan.problems.append(f"{where}: '{link.raw}' resolves to nothing now and would open {now} after")
                continue
            if lines is None:
                lines = vault.data[path].decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n").split("\n")
            line = lines[link.line - 1]
            begin, end, encoded = _target_span(line, link)
            written = line[begin:end]
            keep_md = written.lower().endswith(_NOTE_SUFFIX) or link.kind == "markdown"
            for form in _forms(want, new_path, _style(written.lstrip("/"), vault_format), keep_md):
                if after.resolve(form, new_path) == want:
                    text = _encode(form, written) if encoded else form
                    edits.append(Edit(link.line, begin + 1, link.line, end + 1, text))
                    plan.rewrites.append(Rewrite(path, link.line, link.column, written, text))
                    break
            else:
                plan.problems.append(f"{where}: no link text reaches {want} from {new_path}")
        if edits:
            old = vault.data[path]
            new = apply_edits(old.decode("utf-8"), edits).text.encode("utf-8")
            plan.texts[path] = (old, new)
            _verify(plan, parse_note(new_path, new), after, expected, path)
    return plan


def _verify(plan: MovePlan, note: Note, after: VaultIndex, expected: list[str | None], path: str) -> None:
    """Check that the rewritten ``note`` links exactly where its links pointed before the move."""
    got = [after.resolve(link.target, note.path) for link in note.links]
    if len(got) != len(expected):
        plan.problems.append(f"{path}: rewriting its links would change how many links it has")
        return
    for link, found, want in zip(note.links, got, expected, strict=True):
        if link.target and found != want:
            plan.problems.append(f"{path}:{link.line}:{link.column}: would open {found} instead of {want}")


@dataclass(frozen=True)
class MoveResult:
    """What a move did: files moved, notes rewritten, and what failed (and was undone)."""

    moved: tuple[tuple[str, str], ...]
    rewritten: tuple[str, ...]
    failures: tuple[str, ...] = ()


def apply_move(plan: MovePlan) -> MoveResult:
    """Carry out ``plan`` (which must have no problems): rewrite the notes, then move the files.

    Each note is replaced only while it still holds the bytes the plan read. On any
    failure the steps done so far are undone and the result lists what failed.
    """
    if plan.problems:
        raise MoveError("the plan has problems; nothing was written")
    results = replace_files(plan.root, {path: Replacement(old, new) for path, (old, new) in plan.texts.items()})
    done = [r.path for r in results if r.written]
    failed = [f"{r.path}: {r.reason}" for r in results if not r.written]
    if failed:
        _undo_rewrites(plan, done)
        return MoveResult((), (), tuple(failed))
    moved: list[tuple[str, str]] = []
    for old, new in _move_steps(plan):
        try:
            move_file(plan.root, old, new)
        except (OSError, UnsafeName) as exc:
            reason = exc.reason if isinstance(exc, UnsafeName) else (exc.strerror or str(exc))
            for back_old, back_new in reversed(moved):
                move_file(plan.root, back_new, back_old)
            _undo_rewrites(plan, done)
            return MoveResult((), (), (f"{old} -> {new}: {reason}",))
        moved.append((old, new))
    return MoveResult(tuple(moved), tuple(done))


def _move_steps(plan: MovePlan) -> Iterable[tuple[str, str]]:
    """The renames that carry out the plan: the folder at once when a whole folder moves, else each file."""
    if plan.source not in plan.moves:  # a folder
        return [(plan.source, plan.destination)]
    return list(plan.moves.items())


def _undo_rewrites(plan: MovePlan, done: list[str]) -> None:
    replace_files(plan.root, {path: Replacement(plan.texts[path][1], plan.texts[path][0]) for path in done})
