"""The quick frontmatter reader gives the full YAML parser's values, or steps aside."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaulttool.notes import FrontmatterError, _typed_scalar, load_yaml, parse_note
from vaulttool.simple_yaml import parse_simple


def same(a: Any, b: Any) -> bool:
    """Equal, type for type (1 is not True), NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def agrees(text: str) -> bool:
    """parse_simple answers as load_yaml does, or not at all; True when it answered."""
    fast = parse_simple(text.split("\n"), _typed_scalar)
    if fast is None:
        return False
    assert same(fast, load_yaml(text)), text
    return True


@pytest.mark.parametrize(
    "text",
    [
        "title: Python Concurrency\ntags: [python, concurrency]\nstatus: draft",
        "topics:\n  - Threading\n  - 'Synchronization & State Safety'\n  - \"AsyncIO\"",
        "links:\n- '[[Python MOC]]'\n- https://docs.python.org/3/library/asyncio.html",
        "importance: 2/5\ncreated: 2024-01-15\nn: 12\nf: 1.5\nb: true\nnothing:\nyes_: yes\nsexa: 1:30\nhex: 0x1F",
        "empty: []\nspaced: [ a ,b ]\n\n\ncount: 3",
    ],
)
def test_common_frontmatter_is_read_quickly_and_the_same(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "title: x # a comment",
        "# comment\ntitle: x",
        "title: x\ntitle: y",
        "a: &anchor 1\nb: *anchor",
        "a: !!str 1",
        "a: |\n  block",
        "a:\n  b: nested",
        "a: multi\n  line",
        'a: "esc\\"aped"',
        "a: 'it''s'",
        "a: [x, [y]]",
        "a: {b: c}",
        "a:\tb",
        "a: b\u2028c",
        "true: key",
        "<<: {a: 1}",
        "a: b: c",
        "- a\n- b",
        "plain text",
        "",
        "a:\n  - x\n - y",
    ],
)
def test_anything_else_is_left_to_the_full_parser(text: str) -> None:
    assert parse_simple(text.split("\n"), _typed_scalar) is None


KEYS = st.sampled_from(["title", "tags", "a", "b_c", "x-y", "true", "null", "Yes", "on", "_k", "key"])
ALPHABET = st.sampled_from([*"ab Z09.-+:#,[]{}'\"\\|>&*!%@`?~_/ ", "é", "🧠", "\t", "\xa0", "\u2028", "\x85"])
WORDS = ["12", "-3", "0x1F", "1_000", "1:30", ".5", ".inf", ".nan", "1e3", "true", "False", "yes", "~", "null"]
SCALARS = st.one_of(st.text(ALPHABET, max_size=8), st.sampled_from(WORDS))
INDENTS = st.sampled_from(["", "  "])
LISTS = st.lists(SCALARS, max_size=3)
LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", KEYS, SCALARS),
    st.builds(lambda k, vs: f"{k}: [{', '.join(vs)}]", KEYS, LISTS),
    st.builds(lambda k, i, vs: "\n".join([f"{k}:", *(f"{i}- {v}" for v in vs)]), KEYS, INDENTS, LISTS),
    st.sampled_from(["", "  ", "# c", "  x: y", "k:v"]),
)


@settings(max_examples=400, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=6))
def test_quick_reader_never_disagrees(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        agrees(text)
    except FrontmatterError as exc:
        pytest.fail(f"the quick reader accepted what YAML rejects ({exc}): {text!r}")


def test_notes_read_either_way_are_equal() -> None:
    quick = parse_note("n.md", b"---\ntags: [a, b]\n---\n[[A]]\n")
    full = parse_note("n.md", b"---\ntags: [a, b]  # both\n---\n[[A]]\n")
    assert quick.frontmatter == full.frontmatter == {"tags": ["a", "b"]}
