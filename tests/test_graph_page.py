"""`vaulttool graph --html`: the page's data block, and the page itself opened in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SAMPLE_VAULT
from vaulttool.commands.cli import main
from vaulttool.output.graph_html import DATA_MARKER, script_json

GRAPH = FIXTURES / "graph"
DATA_OPEN = '<script type="application/json" id="graph-data">'
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def write_page(vault: Path, out: Path, *args: str) -> str:
    assert main(["graph", str(vault), "--html", str(out), *args]) == 0
    return out.read_text(encoding="utf-8")


def page_data(page: str) -> dict:
    start = page.index(DATA_OPEN) + len(DATA_OPEN)
    return json.loads(page[start : page.index("</script>", start)])


def test_script_json_cannot_close_its_element() -> None:
    text = script_json({"title": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"title": "</script><script>alert(1)</script> & <!--"}


def test_page_is_self_contained_and_carries_the_graph(tmp_path: Path) -> None:
    page = write_page(GRAPH, tmp_path / "graph.html")
    assert DATA_MARKER not in page
    for fetch in ("http:", "https:", "src=", "@import", "url("):
        assert fetch not in page
    data = page_data(page)
    ids = [n[0] for n in data["nodes"]]
    assert len(ids) == 12 and ids == sorted(ids)
    home = data["nodes"][ids.index("Home.md")]
    assert home[1:6] == ["The Hub", "note", "draft", None, ["alpha", "beta"]]
    kinds = data["edge_kinds"]
    links = [(ids[home[6][i]], kinds[home[6][i + 1] % 3], home[6][i + 1] // 3) for i in range(0, len(home[6]), 2)]
    assert links[:2] == [("Maps MOC", "frontmatter", 6), ("Archive/Old/Twin.md", "body", 10)]
    rules = {(ids[d[0]], d[4]) for d in data["diagnostics"]}
    assert ("Home.md", "missing-moc") in rules
    assert ("Projects/Plan.md", "broken-link") in rules


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("VAULTTOOL_REQUIRE_BROWSER"):
        pytest.fail("chromium is required here (VAULTTOOL_REQUIRE_BROWSER is set) but is not installed")
    pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test")


class _Page(HTMLParser):
    """The body's attributes and the text of the details panel, from a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] = {}
        self.details: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.body = dict(attrs)
        if self._depth or dict(attrs).get("id") == "details":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.details.append(data)


def open_page(page: Path, tmp_path: Path, fragment: str = "") -> _Page:
    """Load ``page`` in headless Chromium; fail on any console message, return what the DOM shows."""
    result = subprocess.run(
        [
            _chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ":CONSOLE" not in result.stderr, result.stderr
    parsed = _Page()
    parsed.feed(result.stdout)
    assert parsed.body.get("data-errors") == "0", parsed.body.get("data-error-log")
    assert parsed.body.get("data-ready") == "1"
    return parsed


def test_sample_vault_page_draws_every_node(tmp_path: Path) -> None:
    html = tmp_path / "sample.html"
    write_page(SAMPLE_VAULT, html)
    shown = open_page(html, tmp_path)
    assert shown.body["data-nodes"] == "9"  # the note, its MOC and its seven topics
    assert shown.body["data-edges"] == "8"


def test_selected_node_shows_path_links_and_diagnostics(tmp_path: Path) -> None:
    html = tmp_path / "graph.html"
    write_page(GRAPH, html)
    shown = open_page(html, tmp_path, "#node=Projects%2FPlan.md")
    assert shown.body["data-nodes"] == "12"
    text = " ".join(shown.details)
    for expected in ("Projects/Plan.md", "status: review", "Links out (4)", "Links in (1)", "Diagnostics (3)"):
        assert expected in text
    assert "[[ghost#Part]] resolves to nothing" in text


def test_filters_apply_to_the_page(tmp_path: Path) -> None:
    html = tmp_path / "projects.html"
    write_page(GRAPH, html, "--folder", "Projects", "--no-attachments")
    assert open_page(html, tmp_path).body["data-nodes"] == "4"


def test_empty_vault_page(tmp_path: Path) -> None:
    vault = tmp_path / "empty"
    vault.mkdir()
    html = tmp_path / "empty.html"
    write_page(vault, html)
    assert open_page(html, tmp_path).body["data-nodes"] == "0"


def test_hostile_titles_stay_text(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Evil.md").write_text(
        '---\ntitle: "</script><img src=x onerror=alert(1)>"\n---\n[[<b>bold</b>]]\n', encoding="utf-8"
    )
    html = tmp_path / "evil.html"
    page = write_page(vault, html)
    assert page.count("</script>") == 3  # the error recorder, the data block and the page script; no more
    shown = open_page(html, tmp_path, "#node=Evil.md")
    assert shown.body["data-nodes"] == "2"
    assert "</script><img src=x onerror=alert(1)>" in shown.details
