"""``vaulttool check --stdin-filename PATH -``: which vault, and which note standard input stands for.

Editors check the text of an open buffer before it is saved, the way ruff checks a
Python buffer: the text comes on standard input and ``--stdin-filename`` says which note
of the vault it is (a path inside the vault, or an absolute path that lies in it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

STDIN = "-"
_VAULT = click.Path(exists=True, file_okay=False, path_type=Path)


@dataclass(frozen=True)
class StdinNote:
    """The note standard input holds: its vault-relative path."""

    path: str

    def read(self, max_bytes: int) -> bytes:
        """Standard input's bytes, at most ``max_bytes`` + 1 (more is reported as too large)."""
        return sys.stdin.buffer.read(max_bytes + 1)


def vault_relative(vault: Path, path: str) -> str:
    """``path`` (vault-relative, or absolute inside ``vault``) as a vault-relative POSIX path."""
    if not os.path.isabs(path):
        return path
    from vaulttool.model.vault import is_inside

    real_vault, real_path = os.path.realpath(vault), os.path.realpath(path)
    if not is_inside(real_path, real_vault) or real_path == real_vault:
        raise click.UsageError(f"--stdin-filename {path!r} is not a note inside the vault {os.fspath(vault)!r}")
    return Path(os.path.relpath(real_path, real_vault)).as_posix()


def check_sources(sources: tuple[str, ...], stdin_filename: str | None) -> tuple[Path, StdinNote | None]:
    """The vault to check and, when ``-`` is among ``sources``, the note standard input stands for."""
    stdin = STDIN in sources
    rest = [source for source in sources if source != STDIN]
    if len(rest) > 1 or sources.count(STDIN) > 1:
        raise click.UsageError("check takes one VAULT, and '-' once to read a note from standard input")
    try:
        vault = _VAULT.convert(rest[0] if rest else ".", None, None)
    except click.BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint="'VAULT'") from None
    if not stdin:
        if stdin_filename is not None:
            raise click.UsageError("--stdin-filename names the note read from standard input: add '-'")
        return vault, None
    if stdin_filename is None:
        raise click.UsageError("'-' reads a note from standard input: say which note it is with --stdin-filename PATH")
    from vaulttool.model.vault import note_path

    try:
        return vault, StdinNote(note_path(vault_relative(vault, stdin_filename)))
    except ValueError as exc:
        raise click.UsageError(f"--stdin-filename: {exc}") from exc
