"""The guards of note parsing, one by one: YAML 1.2 scalars, tags, duplicates, size and depth caps."""

from __future__ import annotations

import math
from typing import Any

import pytest

from vaulttool.model.frontmatter_yaml import MAX_YAML_DEPTH
from vaulttool.model.notes import parse_note


def parse(frontmatter: str) -> tuple[dict[str, Any] | None, list[tuple[int, str, str]]]:
    note = parse_note("n.md", f"---\n{frontmatter}\n---\nbody\n".encode())
    return note.frontmatter, [(p.line, p.rule, p.message) for p in note.problems]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0777", 777),
        ("0o17", 15),
        ("0x1F", 31),
        ("-12", -12),
        ("1e3", 1000.0),
        ("+.5", 0.5),
        ("1:20", "1:20"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("yes", "yes"),
        ("off", "off"),
        ("True", True),
        ("=", "="),
        ("<<", "<<"),
        ("2023-02-30", "2023-02-30"),
        ("2024-01-15 10:00", "2024-01-15 10:00"),
        ("~", None),
    ],
)
def test_scalars_follow_yaml_12_as_obsidian_does(value: str, expected: object) -> None:
    data, found = parse(f"v: {value}")
    assert found == []
    assert data == {"v": expected}
    assert type(data["v"]) is type(expected)


def test_not_a_number_is_kept_and_merge_keys_still_merge() -> None:
    data, found = parse("n: .nan\nbase: &b {x: 1}\nchild:\n  <<: *b\n  y: 2")
    assert found == []
    assert data is not None and math.isnan(data["n"])
    assert data["child"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("frontmatter", "line", "words"),
    [
        ("a: 1\nx: !!python/object/apply:os.system [touch PWNED]", 3, "properties cannot carry YAML tags"),
        ("x: !!python/name:os.system", 2, "properties cannot carry YAML tags"),
        ("a: 1\nb: 2\nx: !custom value", 4, "properties cannot carry YAML tags"),
        ("a: 1\nwhen: !!timestamp 2023-02-30", 3, "day is out of range for month"),
        ("n: " + "9" * 5000, 2, "invalid value"),
        ("b: !!binary not-base64!", 2, "base64"),
        ("a:\n  b: 1\n  b: 2", 4, "duplicate key 'b'"),
        ("created: {{date}}", 2, "quote template placeholders"),
        ("title: {{title}} notes", 2, "quote template placeholders"),
    ],
)
def test_refused_frontmatter_names_its_line(frontmatter: str, line: int, words: str) -> None:
    data, found = parse(frontmatter)
    assert data is None
    assert len(found) == 1, found
    assert found[0][:2] == (line, "frontmatter-syntax")
    assert words in found[0][2]


def test_nesting_at_the_limit_is_read_and_one_more_level_is_refused() -> None:
    depth = MAX_YAML_DEPTH - 1  # the mapping holding "x" is the first level
    data, found = parse("x: " + "[" * depth + "]" * depth)
    assert found == [] and data is not None
    _, found = parse("x: " + "[" * (depth + 1) + "]" * (depth + 1))
    assert [(line, rule) for line, rule, _ in found] == [(2, "frontmatter-syntax")]
    assert "nested more than 64 levels" in found[0][2]


def test_nesting_through_an_alias_counts_even_when_a_shallow_reference_comes_first() -> None:
    # the walk meets "c: *d" before "b", yet b nests d 40 levels deeper: 81 levels in all
    frontmatter = "\n".join(["d: &d " + "[" * 40 + "]" * 40, "b: " + "[" * 40 + "*d" + "]" * 40, "c: *d"])
    _, found = parse(frontmatter)
    assert len(found) == 1 and "nested more than 64 levels" in found[0][2]


def test_nesting_is_refused_before_the_document_is_built() -> None:
    # thousands of levels: the parser's events are read first, the C composer never sees them
    _, found = parse("a: 1\nx: " + "{k: " * 5000 + "}" * 5000)
    assert [(line, rule) for line, rule, _ in found] == [(3, "frontmatter-syntax")]
    assert "nested more than 64 levels" in found[0][2]


def test_too_many_values_are_refused_without_aliases() -> None:
    _, found = parse("\n".join(f"k{i}: v" for i in range(60_000)))
    assert len(found) == 1 and "holds more than 100000 values" in found[0][2]


def test_a_second_byte_order_mark_is_reported() -> None:
    note = parse_note("n.md", b"\xef\xbb\xbf\xef\xbb\xbf---\ntitle: T\n---\n")
    assert note.frontmatter is None
    assert [(p.line, p.rule) for p in note.problems] == [(1, "frontmatter-syntax")]
    assert "second byte-order mark" in note.problems[0].message
