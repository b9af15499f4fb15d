"""Applying the fixes rules offer: which apply, what each note becomes, and writing it.

Rules only describe fixes (:class:`~vaulttool.model.values.Fix` on a diagnostic); this module
turns them into new note contents and hands those to :func:`vaulttool.files.writers.replace_files`,
the one writer into the vault. A note is fixed from its bytes on disk: the edits of every
applicable fix are applied at once where they do not overlap; overlapping ones wait, and
the per-note rules are run again on the new text to offer them afresh, for a few passes
at most. A note changed since the check began, or between being read here and written,
is left alone.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaulttool.engine.notecheck import NoteChecker, is_note_rule
from vaulttool.engine.options import Options, enabled_rules
from vaulttool.files.writers import Replacement, WriteResult, replace_files
from vaulttool.model.edits import MAX_PASSES, apply_edits, unified_diff
from vaulttool.model.notes import parse_note
from vaulttool.model.suppress import Suppressions
from vaulttool.model.values import Diagnostic


@dataclass(frozen=True)
class FixSettings:
    """Which fixes apply: unsafe ones too or not, and the rules whose fixes may (``fixable``) or may not apply."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ()  # empty or "ALL": every rule
    unfixable: tuple[str, ...] = ()

    def allows(self, rule: str) -> bool:
        """Whether fixes of ``rule`` may be offered at all."""
        wanted = not self.fixable or "ALL" in self.fixable or rule in self.fixable
        return wanted and rule not in self.unfixable

    def applies(self, diag: Diagnostic) -> bool:
        """Whether ``diag``'s fix is applied by ``--fix`` under these settings."""
        return diag.fix is not None and (diag.fix.safe or self.unsafe) and self.allows(diag.rule)


def offered(diagnostics: Iterable[Diagnostic], settings: FixSettings) -> tuple[list[Diagnostic], int]:
    """``diagnostics`` without the fixes of rules that are not fixable, and how many unsafe fixes stay hidden."""
    out: list[Diagnostic] = []
    hidden = 0
    for diag in diagnostics:
        if diag.fix is not None and not settings.allows(diag.rule):
            diag = diag._replace(fix=None)
        elif diag.fix is not None and not diag.fix.safe and not settings.unsafe:
            hidden += 1
        out.append(diag)
    return out, hidden


@dataclass
class NoteFix:
    """What fixing one note makes of it: its bytes before and after, and the problems fixed by rule."""

    path: str
    before: bytes
    after: bytes
    fixed: Counter[str] = field(default_factory=Counter)

    def diff(self) -> str:
        """The unified diff of the fix (paths relative to the vault, as ``git apply`` in the vault wants)."""
        return unified_diff(self.path, self.before.decode("utf-8"), self.after.decode("utf-8"))


@dataclass
class FixPlan:
    """The new content of every note a fix changes, and the notes left alone with the reason."""

    notes: list[NoteFix]
    skipped: list[tuple[str, str]]

    @property
    def fixed(self) -> Counter[str]:
        """The problems fixed, by rule."""
        total: Counter[str] = Counter()
        for note in self.notes:
            total.update(note.fixed)
        return total


def plan_fixes(
    root: Path, diagnostics: Sequence[Diagnostic], options: Options, settings: FixSettings, since_ns: int
) -> FixPlan:
    """What every note with an applicable fix becomes; notes changed on disk since ``since_ns`` are skipped."""
    by_path: dict[str, list[Diagnostic]] = {}
    for diag in diagnostics:
        if settings.applies(diag):
            by_path.setdefault(diag.path, []).append(diag)
    base = os.fspath(root)
    note_rules = [rule.ID for rule in enabled_rules(options) if is_note_rule(rule)]
    checker = NoteChecker(options.schemas, note_rules, base)
    plan = FixPlan([], [])
    for path, found in by_path.items():
        full = os.path.join(base, path)
        try:
            st = os.stat(full, follow_symlinks=False)
            with open(full, "rb") as fh:
                data = fh.read(options.max_file_size + 1)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            plan.skipped.append((path, f"cannot be read: {getattr(exc, 'strerror', None) or exc}"))
            continue
        if len(data) > options.max_file_size:
            plan.skipped.append((path, "larger than max-file-size; left as it is"))
            continue
        if max(st.st_mtime_ns, st.st_ctime_ns) >= since_ns:
            plan.skipped.append((path, "changed on disk since it was checked; left as it is"))
            continue
        note_fix = fix_note(path, text, found, checker, settings)
        if note_fix is not None:
            plan.notes.append(NoteFix(path, data, note_fix[0].encode("utf-8"), note_fix[1]))
    return plan


def fix_note(
    path: str, text: str, found: Sequence[Diagnostic], checker: NoteChecker, settings: FixSettings
) -> tuple[str, Counter[str]] | None:
    """``text`` with the fixes of ``found`` applied, pass by pass, and the problems fixed by rule (None: no change)."""
    fixed: Counter[str] = Counter()
    pending = list(found)
    original = text
    for _ in range(MAX_PASSES):
        try:
            result = apply_edits(text, [edit for diag in pending if diag.fix for edit in diag.fix.edits])
        except ValueError:  # an edit that no longer fits the note: leave the note as far as it got
            break
        applied = set(result.applied)
        for diag in pending:
            if diag.fix and all(edit in applied for edit in diag.fix.edits):
                fixed[diag.rule] += 1
        text = result.text
        if not result.deferred:
            break
        note = parse_note(path, text.encode("utf-8"))
        pending = [d for d in checker.diagnostics(note, Suppressions.of(note)) if settings.applies(d)]
        if not pending:
            break
    return (text, fixed) if text != original else None


def write_fixes(root: Path, plan: FixPlan) -> list[WriteResult]:
    """Write every fixed note of ``plan`` (each atomically, and only if unchanged since it was read)."""
    return replace_files(os.fspath(root), {note.path: Replacement(note.before, note.after) for note in plan.notes})
