"""Run vaulttool on hostile vaults the way CI runs it, and check what a user would notice.

The command runs in a subprocess under a 2 GiB address-space limit and a 60 s timeout;
the vault and the working folder are snapshotted before and after; every output is
checked for text a terminal or a GitHub runner would act on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 * 1024**3
TIMEOUT = 60

# Every hostile vault also holds this note; its broken link must always be reported.
NORMAL_NOTE = "Normal.md"
NORMAL_TEXT = "# Normal\n\nSee [[Known Missing]].\n"
NORMAL_LINK = (NORMAL_NOTE, 3, "broken-link", "[[Known Missing]]")  # path, line, rule, words

# C0/C1 controls but newline, DEL, bidi marks, overrides and isolates: a terminal acts on them
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def add_normal_note(vault: Path) -> None:
    """Put the note with the known broken link into ``vault``."""
    (vault / NORMAL_NOTE).write_text(NORMAL_TEXT, encoding="utf-8")


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli_env() -> dict[str, str]:
    """The environment of a CLI run: this checkout's sources, no colour or format settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULTTOOL_", "GITHUB_")) and "COLOR" not in k}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return env


@dataclass(frozen=True)
class Run:
    """One finished CLI run."""

    code: int
    stdout: bytes
    stderr: bytes


def run_cli(*args: str, cwd: Path, formats: tuple[str, ...] = ("text", "json")) -> dict[str, Run]:
    """Run ``vaulttool ARGS --format F`` for each format at once (separate processes), limited."""
    return _run_all({fmt: [*args, "--format", fmt] for fmt in formats}, cwd)


def run_once(*args: str, cwd: Path) -> Run:
    """Run ``vaulttool ARGS`` once, limited like :func:`run_cli`."""
    return _run_all({"": list(args)}, cwd)[""]


def _run_all(commands: dict[str, list[str]], cwd: Path) -> dict[str, Run]:
    procs = {
        key: subprocess.Popen(
            [sys.executable, "-m", "vaulttool", *args],
            cwd=cwd,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_limit_memory,
        )
        for key, args in commands.items()
    }
    runs: dict[str, Run] = {}
    for key, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in procs.values():
                other.kill()
                other.communicate()
            pytest.fail(f"vaulttool {' '.join(commands[key])} did not finish within {TIMEOUT} s")
        runs[key] = Run(proc.returncode, out, err)
    return runs


def snapshot(root: Path) -> dict[bytes, tuple[Any, ...]]:
    """Every entry under ``root`` (links not followed): kind, mode, size, mtime, content digest or target."""
    found: dict[bytes, tuple[Any, ...]] = {}
    stack = [os.fsencode(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            detail: Any = None
            if stat.S_ISLNK(st.st_mode):
                detail = os.readlink(entry.path)
            elif stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                try:
                    with open(entry.path, "rb") as handle:
                        detail = hashlib.sha256(handle.read()).hexdigest()
                except OSError:
                    detail = "unreadable"
            found[entry.path] = (stat.S_IFMT(st.st_mode), st.st_mode, st.st_size, st.st_mtime_ns, detail)
    return found


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def strict_json(text: str) -> Any:
    """Parse ``text`` as strict JSON: NaN and Infinity are errors."""
    return json.loads(text, parse_constant=_reject_constant)


def assert_inert(output: bytes, *, ascii_only: bool = False) -> str:
    """Check output a terminal or a GitHub runner shows without acting on it; return it decoded."""
    text = output.decode("utf-8")  # strict: raw undecodable bytes fail here
    if ascii_only:
        assert text.isascii()
    bad = _UNSAFE.search(text)
    assert bad is None, f"unescaped control character {bad.group()!r} in output"
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), f"workflow command in output: {line!r}"
        assert "##[" not in line, f"legacy workflow command in output: {line!r}"
    return text


def diagnostics(doc: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    """(path, line, rule, message) of each JSON diagnostic."""
    return [(d["path"], d["line"], d["rule"], d["message"]) for d in doc["diagnostics"]]
