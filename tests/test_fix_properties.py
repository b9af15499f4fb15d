"""Properties of `--fix` on generated notes: idempotent, complete, and faithful to everything it does not fix."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from vaulttool.actions.fixer import FixSettings, plan_fixes, write_fixes
from vaulttool.engine.options import options_for
from vaulttool.incremental.check import check
from vaulttool.model.notes import parse_note

ALL_FIXES = FixSettings(unsafe=True)

tags = st.sampled_from(["python, asyncio", "a,b , c", "[x, y]", "single", "- listed"])
status = st.sampled_from(["draft", "Draft", "PUBLISHED", "Review", "'Published'", '"review"'])
importance = st.sampled_from(["3", "5", "2/5", '"4"', "9"])
comment = st.sampled_from(["# a comment", "  # indented comment", ""])
body_line = st.sampled_from(["Plain text.", "CafÃ© and donâ€™t.", "A [[link]] here.", "", "Let me know if that helps."])


@st.composite
def note_text(draw: st.DrawFn) -> tuple[str, str, bool]:
    """A note written to the fixture template, with fixable problems, comments and odd key order."""
    properties = [
        f"tags: {draw(tags)}".replace("tags: - listed", "tags:\n  - listed"),
        f"status: {draw(status)}",
        f"importance: {draw(importance)}",
        "kind: generated",
        "created: 2024-03-15",
    ]
    order = draw(st.permutations(properties))
    lines: list[str] = []
    for prop in order:
        extra = draw(comment)
        if extra:
            lines.append(extra)
        lines.append(prop + (draw(st.sampled_from(["", "  # trailing"])) if "\n" not in prop else ""))
    body = draw(st.lists(body_line, min_size=1, max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "\n".join(["---", *lines, "---", *body]) + draw(st.sampled_from(["", "\n"]))
    return text.replace("\n", newline), newline, draw(st.booleans())


def fix_once(vault: Path, name: str) -> bytes:
    """Check the vault and write every fix, as ``check --fix --unsafe-fixes`` does; the note's new bytes."""
    options = options_for(vault)
    started = time.time_ns()
    plan = plan_fixes(vault, check(vault, options).diagnostics, options, ALL_FIXES, started)
    assert all(result.written for result in write_fixes(vault, plan))
    return (vault / name).read_bytes()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note_text())
def test_fix_is_idempotent_complete_and_faithful(case: tuple[str, str, bool]) -> None:
    text, newline, bom = case
    original = ("\ufeff" if bom else "") + text
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder) / "vault"
        shutil.copytree(FIXTURES / "fix" / "vault" / "schemas", vault / "schemas")
        (vault / ".vaulttool.toml").write_text('schemas = "schemas"\n')
        note = vault / "Generated.md"
        note.write_bytes(original.encode("utf-8"))
        time.sleep(0.01)  # the note is older than the check that fixes it
        once = fix_once(vault, note.name)
        twice = fix_once(vault, note.name)
        assert twice == once  # fixing again changes nothing
        left = check(vault, options_for(vault)).diagnostics
        assert [d for d in left if ALL_FIXES.applies(d)] == []  # nothing fixable is left

    fixed = once.decode("utf-8")
    assert fixed.startswith("\ufeff") == bom  # the byte-order mark is kept
    if newline == "\r\n":
        assert "\n" not in fixed.replace("\r\n", "")  # every line break stays CRLF
    else:
        assert "\r" not in fixed
    comments = [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]
    assert [line.strip() for line in fixed.splitlines() if line.lstrip().startswith("#")] == comments
    trailing = [line for line in text.splitlines() if line.endswith("# trailing")]
    assert sum(line.endswith("# trailing") for line in fixed.splitlines()) == len(trailing)
    before, after = parse_note("n.md", original.encode()), parse_note("n.md", once)
    if before.frontmatter is not None:
        assert after.frontmatter is not None and list(after.frontmatter) == list(before.frontmatter)  # key order
