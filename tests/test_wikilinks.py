"""The link scanner: every syntax form, positions, masking, headings, block ids."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from vaulttool.model.bodyscan import scan_body
from vaulttool.model.wikilinks import anchor_form


def links(text: str) -> list[tuple[str, str, str, str | None, int, int]]:
    scan = scan_body(text.split("\n"), 1)
    return [(lk.kind, lk.target, lk.subpath, lk.alias, lk.line, lk.column) for lk in scan.links]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[Note]]", [("wiki", "Note", "", None, 1, 1)]),
        ("see [[Note|shown text]]", [("wiki", "Note", "", "shown text", 1, 5)]),
        ("[[Note#Heading]]", [("wiki", "Note", "Heading", None, 1, 1)]),
        ("[[Note#H1#H2]]", [("wiki", "Note", "H1#H2", None, 1, 1)]),
        ("[[#Heading]]", [("wiki", "", "Heading", None, 1, 1)]),
        ("[[Note#^block-id]]", [("wiki", "Note", "^block-id", None, 1, 1)]),
        ("![[embed]]", [("embed", "embed", "", None, 1, 1)]),
        ("![[img.png|100x145]]", [("embed", "img.png", "", "100x145", 1, 1)]),
        ("![[doc.pdf#page=3]]", [("embed", "doc.pdf", "page=3", None, 1, 1)]),
        ("[[Folder/Note]]", [("wiki", "Folder/Note", "", None, 1, 1)]),
        ("[[  Note  ]]", [("wiki", "Note", "", None, 1, 1)]),
        ("|**[[Note\\|alias]]**|x|", [("wiki", "Note", "", "alias", 1, 4)]),
        ("[[Note.md]]", [("wiki", "Note.md", "", None, 1, 1)]),
        ("[[https://example.com]]", [("wiki", "https://example.com", "", None, 1, 1)]),
        ("[x](Note%20Name.md)", [("markdown", "Note Name.md", "", "x", 1, 1)]),
        ("[x](<Note Name.md>)", [("markdown", "Note Name.md", "", "x", 1, 1)]),
        ("[x](Note.md#Some%20Heading)", [("markdown", "Note.md", "Some Heading", "x", 1, 1)]),
        ('[x](Note.md "a title")', [("markdown", "Note.md", "", "x", 1, 1)]),
        ("![fig](Attachments/fig%201.png)", [("markdown", "Attachments/fig 1.png", "", "fig", 1, 1)]),
        ("[x](#Local)", [("markdown", "", "Local", "x", 1, 1)]),
        ("[x](https://example.com/a%20b)", []),
        ("[x](mailto:a@example.com)", []),
        ("[x](obsidian://open?vault=v)", []),
        ("[x](%zz.md)", [("markdown", "%zz.md", "", "x", 1, 1)]),
        ("[[]]", []),
        ("[[a]] and [[b]]", [("wiki", "a", "", None, 1, 1), ("wiki", "b", "", None, 1, 11)]),
        ("é [[Café]]", [("wiki", "Café", "", None, 1, 3)]),
        (
            "![img](a.png) ![[b.png]] !![[c]]",
            [
                ("embed", "b.png", "", None, 1, 15),
                ("embed", "c", "", None, 1, 27),
                ("markdown", "a.png", "", "img", 1, 1),
            ],
        ),
    ],
)
def test_link_forms(text: str, expected: list[tuple[str, str, str, str | None, int, int]]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        ("`[[code]]` [[real]]", ["real"]),
        ("``a ` [[code]]`` [[real]]", ["real"]),
        ("`unclosed [[real]]", ["real"]),
        ("```\n[[code]]\n```\n[[real]]", ["real"]),
        ("~~~python\n[[code]]\n~~~\n[[real]]", ["real"]),
        ("````\n```\n[[code]]\n```\n````\n[[real]]", ["real"]),
        ("```\n[[code]] to the end", []),
        ("para\n\n    [[indented code]]\n\n[[real]]", ["real"]),
        ("- item\n    [[nested list text]]", ["nested list text"]),
        ("- item\n\n\t- [[tab nested]]", ["tab nested"]),
        ("para\n    [[lazy continuation]]", ["lazy continuation"]),
        ("%% [[comment]] %% [[real]]", ["real"]),
        ("%%\n[[comment]]\n%%\n[[real]]", ["real"]),
        ("text %% open\n[[comment]]\nclose %% [[real]]", ["real"]),
        ("$[[math]]$ [[real]]", ["real"]),
        ("$$\n[[math]]\n$$\n[[real]]", ["real"]),
        ("costs $5 and [[real]] $10", ["real"]),
        ("<!-- [[hidden]] --> [[real]]", ["real"]),
        ("\\[\\[escaped\\]\\] [[real]]", ["real"]),
        ("\\`` [[real]]", ["real"]),
        ("\\`` [[code]] ` [[real]]", ["real"]),
        ("# Heading with [[link]]", ["link"]),
        # display math: a $$ opens math only when a later $$ of its paragraph closes it
        ("DO $$ this\n[[after a stray opener]]\n\n# H\n[[next paragraph]]", ["after a stray opener", "next paragraph"]),
        ("cost $$ [[a]]\n\n$$ [[b]]", ["a", "b"]),
        ("a $$x\n[[math]]\ny$$ [[after]]", ["after"]),
        ("$$\n[[math]]\n\n[[text]]\n$$", ["math", "text"]),
        ("> $$\n> [[math]]\n> $$\n> [[after]]", ["after"]),
        ("> $$ [[a]]\n>\n> [[b]] $$", ["a", "b"]),
        ("$$x$$ [[between]] $$y$$", ["between"]),
        ("# Title $$\n[[after a heading]]\n$$", ["after a heading"]),
        ("%% $$ %% [[after comment]]\n$$", ["after comment"]),
        # inline math: no white space inside the $, no digit after the closing $
        ("$ [[a]] $", ["a"]),
        ("$x$1 [[b]]", ["b"]),
        # code fenced inside a quote or callout, or indented under a list item
        ("> ```\n> [[code]]\n> ```\n> [[real]]", ["real"]),
        ("> [!note] Title\n> ~~~md\n> [[code]]\n> ~~~\n[[real]]", ["real"]),
        ("> > ```\n> > [[code]]\n> [[quote ends the code]]", ["quote ends the code"]),
        ("> ```\n> [[code]]\n\n[[after the quote]]", ["after the quote"]),
        ("- item\n    ```\n    [[code]]\n    ```\n- [[real]]", ["real"]),
        ("1. item\n   ```js\n   [[code]]\n   ```\n   [[real]]", ["real"]),
        ("- item\n    ```\n    [[code]]\n- [[the item ends the code]]", ["the item ends the code"]),
        ("- item\n\n        ```\n        [[code]]\n        ```\n\n[[real]]", ["real"]),
        ("- ```sh\n  [[code]]\n  ```\n- [[real]]", ["real"]),
        ("1. ```\n   [[code]]\n2. [[the next item ends the code]]", ["the next item ends the code"]),
        ("- `x` and ``y`` [[real]]", ["real"]),
    ],
)
def test_masking(text: str, targets: list[str]) -> None:
    assert [t for _, t, *_ in links(text)] == targets


def test_positions_count_from_first_line_and_characters() -> None:
    scan = scan_body(["", "ééé [[A]]"], 10)
    (link,) = scan.links
    assert (link.line, link.column, link.end_column) == (11, 5, 10)
    assert link.raw == "A"


def test_raw_keeps_subpath_and_drops_alias() -> None:
    (link,) = scan_body(["[[Note#Part|alias]]"], 1).links
    assert link.raw == "Note#Part"


@pytest.mark.parametrize(
    ("heading", "link"),
    [
        ("### `hasTag()`", "hasTag"),
        ("## How large can each remote vault be?", "How large can each remote vault be"),
        ("## 🧠 Overview (Mentor Advice)", "🧠 Overview (Mentor Advice)"),
        ("## About [[Other Note]]", "About Other Note"),
        ("## Spaces   collapse", "spaces collapse"),
        ("## Ünïcode Wörds", "ünïcode wörds"),
    ],
)
def test_heading_anchors_match_link_text(heading: str, link: str) -> None:
    (found,) = scan_body([heading], 1).headings
    assert found.anchor == anchor_form(link)


def test_headings_levels_setext_and_code() -> None:
    text = "# One\n\nTwo\n===\n\nThree\n---\n\n```\n# not a heading\n```\n#tag is not a heading\n###### Six ##"
    scan = scan_body(text.split("\n"), 1)
    assert [(h.level, h.text, h.line) for h in scan.headings] == [
        (1, "One", 1),
        (1, "Two", 3),
        (2, "Three", 6),
        (6, "Six", 13),
    ]


@pytest.mark.parametrize(
    ("text", "headings", "ids"),
    [
        ("$$\n# in math\nx ^m1\n$$\n# After\nText ^a1", ["After"], {"a1"}),
        ("Stray $$ opener\n\n# Heading\n\nText ^t1", ["Heading"], {"t1"}),
        ("> ```\n> # in code ^c1\n> ```\n\n# Out", ["Out"], set()),
        ("- item\n    ```\n    # in code ^c2\n    ```\n\n# Out", ["Out"], set()),
        ("$$x$$ ^eq-1", [], {"eq-1"}),
    ],
)
def test_math_and_code_hide_targets(text: str, headings: list[str], ids: set[str]) -> None:
    scan = scan_body(text.split("\n"), 1)
    assert [h.text for h in scan.headings] == headings
    assert scan.block_ids == ids


def test_thematic_break_after_blank_is_not_a_heading() -> None:
    scan = scan_body(["para", "", "---", "after"], 1)
    assert scan.headings == ()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("A paragraph. ^para-1", {"para-1"}),
        ("- item\n\n^list-id", {"list-id"}),
        ("![[image.png]]^img", {"img"}),
        ("not^an-id", set()),
        ("`code ^in-code`", set()),
        ("```\nx ^fenced\n```", set()),
        ("bad chars ^a_b", set()),
    ],
)
def test_block_ids(text: str, ids: set[str]) -> None:
    assert scan_body(text.split("\n"), 1).block_ids == ids


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Turn a runaway (super-linear) scan into a failure instead of a hung test run."""

    def fail(*_: object) -> None:
        raise AssertionError("scanner did not finish: super-linear behaviour")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize(
    "line",
    [
        "[[" * 100_000,
        "[" * 200_000 + "](",
        "![[a" * 50_000,
        "`" + " ``" * 50_000,
        "$5 " * 100_000,
        "[x](" * 100_000,
        "<!--" * 50_000 + " -->",
        "%%" * 50_000,
        "a $$ " * 100_000,
        "> " * 100_000 + "```",
    ],
    ids=[
        "wiki-open",
        "md-open",
        "embed-open",
        "backticks",
        "dollars",
        "md-dest",
        "comments",
        "percent",
        "displays",
        "quoted-fence",
    ],
)
def test_scanner_is_linear_on_hostile_lines(line: str, hang_guard: None) -> None:
    scan = scan_body([line, "[[after]]"], 1)
    assert scan.links[-1].target == "after"
