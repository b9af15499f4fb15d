"""The graph page of a help-sized vault, drawn in headless Chromium and looked at pixel by pixel."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_graph_page import CHROMIUM_FLAGS, _chromium, open_page, write_page
from vaulttool.incremental.check import check
from vaulttool.output.formatters import format_json

FOLDERS = (
    "",
    "Getting started",
    "Editing and formatting",
    "Linking notes and files",
    "Plugins",
    "Plugins/Core",
    "Sync",
)
STATUS_COLORS = {"draft": (0xF2, 0x8E, 0x2B), "review": (0xED, 0xC9, 0x48), "published": (0x59, 0xA1, 0x4F)}
NONE_COLOR, ATTACHMENT_COLOR = (0xB8, 0xBE, 0xC6), (0x8C, 0x95, 0x9F)
WINDOW = (1280, 800)
SIDEBAR = 330


def help_sized_vault(root: Path, seed: int, statuses: tuple[str, ...]) -> dict[str, int]:
    """A vault the size of Obsidian's help vault: 200 linked notes in folders, about 1,800 links,
    missing targets, 20 notes with no link in or out and 80 attachments nothing embeds.
    Returns what it holds."""
    rng = random.Random(seed)
    names = [f"{FOLDERS[i % len(FOLDERS)]}/Topic {i}".lstrip("/") for i in range(200)]
    links = 0
    for i, name in enumerate(names):
        status = rng.choice(statuses)
        targets = [rng.choice(names).rsplit("/", 1)[-1] for _ in range(rng.randint(6, 12))]
        if i % 5 == 0:
            targets.append(f"Missing {i // 5 % 30}")
        body = " ".join(f"[[{target}]]" for target in targets)
        links += len(targets)
        path = root / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\nstatus: {status}\n---\n# {name}\n\n{body}\n", encoding="utf-8")
    for i in range(20):
        (root / f"Loose {i}.md").write_text("Nothing links here, and this links nowhere.\n", encoding="utf-8")
    images = root / "Attachments"
    images.mkdir()
    for i in range(80):
        (images / f"image {i}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return {"notes": 220, "links": links, "missing": 30, "attachments": 80}


def screenshot(page: Path, tmp_path: Path) -> list[tuple[int, int, tuple[int, int, int]]]:
    """Draw ``page`` in headless Chromium; the pixels of the drawing (right of the sidebar) as (x, y, colour)."""
    from PIL import Image

    shot = tmp_path / "graph.png"
    subprocess.run(
        [
            _chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'shot-profile'}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    keep = tmp_path.parent / "graph-screenshot.png"  # for a person to look at after the run
    shutil.copy(shot, keep)
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        data = rgb.load()
        return [(x, y, data[x, y]) for y in range(height) for x in range(SIDEBAR + 2, width)]


def legend(dump: str) -> dict[str, tuple[str, str]]:
    """The legend's entries: name, the swatch's class and its colour."""
    entries = {}
    for cls, style, name in re.findall(
        r'<li><span class="(swatch[^"]*)" style="([^"]*)"></span>([^<]*?) \(\d+\)</li>', dump
    ):
        colour = re.search(r"rgb\([^)]*\)", style)
        entries[name] = (cls, colour.group() if colour else "")
    return entries


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The page's DOM once its layout has run (virtual time), as Chromium serialises it."""
    result = subprocess.run(
        [
            _chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'dom-profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def help_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    base = tmp_path_factory.mktemp("help")
    held = help_sized_vault(base / "vault", 3, ("draft", "review", "published", "published", "stub"))
    page = base / "graph.html"
    write_page(base / "vault", page)
    return page, held


def test_sidebar_and_footer_count_the_same_links(help_page: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    page, held = help_page
    open_page(page, tmp_path)  # no error on the page
    dump = dump_dom(page, tmp_path)
    summary = re.search(r'<div id="summary" class="muted">([^<]*)</div>', dump).group(1)
    status = re.search(r'<div id="status">([^<]*)</div>', dump).group(1)
    assert summary == (
        f"{held['notes']} notes, {held['links']} links, {held['missing']} missing targets, "
        f"{held['attachments']} attachments"
    )
    nodes = held["notes"] + held["missing"] + held["attachments"]
    assert status.startswith(f"{nodes} nodes, {held['links']} links (")
    report = json.loads(format_json(check(page.parent / "vault")))
    assert report["summary"]["links"] == held["links"]  # the links check counts


def test_the_legend_draws_what_the_drawing_draws(help_page: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    entries = legend(dump_dom(help_page[0], tmp_path))
    assert "ring" in entries["stub"][0]  # stubs are drawn hollow
    assert "ring" in entries["missing target"][0]
    assert "square" in entries["attachment"][0] and "ring" not in entries["attachment"][0]
    assert "ring" not in entries["published"][0] and "square" not in entries["published"][0]


def test_a_status_has_the_same_colour_in_every_vault(help_page: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    other = tmp_path / "other"
    help_sized_vault(other, 11, ("review", "review", "draft", "custom", "stub"))  # other statuses, other frequencies
    page = tmp_path / "other.html"
    write_page(other, page)
    first, second = legend(dump_dom(help_page[0], tmp_path)), legend(dump_dom(page, tmp_path))
    assert {"draft", "review"} <= set(first) & set(second) and "published" not in second
    for status, rgb in STATUS_COLORS.items():
        for entries in (first, second):
            assert (
                entries.get(status, (None, f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})"))[1]
                == f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})"
            )
    assert first["stub"][1] == second["stub"][1]
    assert len({colour for _, colour in second.values()}) == len(second)


def test_the_screenshot_shows_the_graph_with_isolated_nodes_gathered_below(
    help_page: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    pixels = screenshot(help_page[0], tmp_path)
    linked = [y for _, y, rgb in pixels if rgb in STATUS_COLORS.values()]
    loose = [y for _, y, rgb in pixels if rgb in (NONE_COLOR, ATTACHMENT_COLOR)]
    assert len(linked) > 2000, "the linked notes are drawn"
    assert len(loose) > 500, "the isolated notes and attachments are drawn"
    assert max(linked) < min(loose), "every isolated node lies below every linked one"
    assert max(loose) < WINDOW[1] - 30, "and they stay on the screen, above the footer"
