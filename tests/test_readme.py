"""The README stays true: what it documents is held against the program's own output."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import click
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, REPO, SAMPLE_VAULT
from vaulttool.commands.cli import cli, main
from vaulttool.rules import ALL_RULES, rule_scope

README = (REPO / "README.md").read_text(encoding="utf-8")
USAGE_WIDTH = 100


def section(title: str) -> str:
    """The text of the README section headed ``title`` (up to the next heading of any level)."""
    start = README.index(f"\n{title}\n") + len(title) + 2
    following = re.search(r"^#{1,6} ", README[start:], re.MULTILINE)
    return README[start : start + following.start()] if following else README[start:]


def code_blocks(text: str, language: str = "") -> list[str]:
    """The fenced code blocks of ``text`` in ``language`` ("" for blocks without one)."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def run(*args: str) -> str:
    """The standard output of a command line that succeeds."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        assert main(list(args)) in (0, 1), err.getvalue().decode()
        return out.getvalue().decode()


def _option(param: click.Option) -> str:
    """An option as the usage block writes it: its short name if it has one, and its value."""
    name = next((opt for opt in param.opts if not opt.startswith("--")), param.opts[0])
    if param.is_flag:
        return name
    if isinstance(param.type, click.Choice):
        return f"{name} {'|'.join(map(str, param.type.choices))}"
    assert param.metavar, f"{name} needs a metavar for the usage block"
    return f"{name} {param.metavar}"


def synopsis(words: list[str], command: click.Command) -> str:
    """One command's usage line(s): its arguments, then every option, wrapped below the command."""
    parts = []
    for param in command.params:
        if isinstance(param, click.Argument):
            name = param.metavar or param.name.upper()  # type: ignore[union-attr]
            parts.append(name if param.required or name.startswith("[") else f"[{name}]")
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            text = _option(param)
            parts.append(text if param.required else f"[{text}]")
    head = " ".join(["vaulttool", *words])
    lines, line = [], head
    for part in parts:
        if len(line) + 1 + len(part) > USAGE_WIDTH and line.strip():
            lines.append(line)
            line = " " * len(head)
        line += " " + part
    return "\n".join([*lines, line])


def usage_block() -> str:
    """The README's usage block as the command line defines it: every command, once."""
    found = []

    def visit(words: list[str], command: click.Command) -> None:
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                found.append(synopsis(words, command))
            for name, sub in command.commands.items():
                visit([*words, name], sub)
        else:
            found.append(synopsis(words, command))

    for name, command in cli.commands.items():
        visit([name], command)
    return "\n".join(found) + "\n"


def test_the_usage_block_is_what_the_command_line_defines() -> None:
    expected = usage_block()
    assert code_blocks(section("## Usage"))[0] == expected, f"the README's usage block should read:\n{expected}"


def test_every_option_of_the_usage_block_is_in_help() -> None:
    entries = re.split(r"\n(?=vaulttool )", code_blocks(section("## Usage"))[0].strip())
    for entry in entries:
        words = re.match(r"vaulttool ((?:[a-z]+ ?)+)", entry).group(1).split()  # type: ignore[union-attr]
        shown = CliRunner().invoke(cli, [*words, "--help"], prog_name="vaulttool").output
        assert shown.startswith(f"Usage: vaulttool {' '.join(words)} ")
        for option in re.findall(r"\[(--?[a-z][a-z-]*)", entry):
            assert re.search(rf"(^|[ ,]){re.escape(option)}\b", shown, re.MULTILINE), (words, option)


def test_no_sentence_is_written_twice() -> None:
    prose = re.sub(r"^```.*?^```$", "", README, flags=re.MULTILINE | re.DOTALL)
    words = [word for line in prose.splitlines() if not line.startswith("|") for word in line.split()]
    runs = Counter(" ".join(words[i : i + 10]) for i in range(len(words) - 9))
    assert not [run for run, count in runs.items() if count > 1]


def test_the_rules_table_lists_every_rule_with_its_severity_and_scope() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| (\w+) \| (\w+) \|", section("## Rules"), re.MULTILINE)
    assert sorted(rows) == sorted((rule.ID, rule.DEFAULT_SEVERITY.value, rule_scope(rule)) for rule in ALL_RULES)


def keys(value: object) -> set[str]:
    """Every key of a JSON document, as dotted paths (list items share their list's path)."""
    found: set[str] = set()

    def walk(item: object, prefix: str) -> None:
        if isinstance(item, dict):
            for key, inner in item.items():
                found.add(prefix + key)
                walk(inner, prefix + key + ".")
        elif isinstance(item, list):
            for inner in item:
                walk(inner, prefix)

    walk(value, "")
    return found


def test_the_json_report_fields_are_the_real_ones() -> None:
    (documented,) = code_blocks(section("## JSON output"), "json")
    real = keys(json.loads(run("check", str(FIXTURES / "links"), "--format", "json", "--no-cache")))
    shown = keys(json.loads(documented))
    assert shown <= real
    prose = section("## JSON output")
    for key in real - shown:  # the fields the example leaves out are described below it
        leaf = key.rsplit(".", 1)[-1]
        assert f"`{leaf}`" in prose or f'"{leaf}"' in prose, key
    for field in ("path", "line", "column", "end_line", "end_column", "target", "field"):
        assert f"`{field}`" in prose


def test_the_stats_fields_are_the_real_ones() -> None:
    prose = " ".join(section("## Statistics").split())
    listed = prose[prose.index("`--format json` writes") :]
    documented = set(re.findall(r"`([a-z_]+)`", listed))
    real = keys(json.loads(run("stats", str(FIXTURES / "graph"), "--format", "json")))
    assert documented == {key.rsplit(".", 1)[-1] for key in real} - {"version", "vault"}


def test_the_graph_json_fields_are_the_real_ones() -> None:
    (documented,) = code_blocks(section("## The link graph"), "json")
    real = json.loads(run("graph", str(SAMPLE_VAULT)))
    assert keys(json.loads(documented)) == keys(real)
    assert {edge["kind"] for edge in json.loads(run("graph", str(FIXTURES / "graph")))["edges"]} == {
        "body",
        "embed",
        "frontmatter",
    }


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_the_xml_graph_attributes_are_the_real_ones(fmt: str) -> None:
    text = " ".join(section("## The link graph").split())
    paragraph = text[text.index("`graphml` and `gexf`") : text.index("`dot` is")]
    documented_nodes = set(re.findall(r"`([a-z_]+)`", paragraph[paragraph.index("node attributes") :]))
    documented_nodes &= set(re.findall(r"`([a-z_]+)`", paragraph[: paragraph.index("edge attributes")]))
    documented_edges = set(re.findall(r"`([a-z_]+)`", paragraph[paragraph.index("edge attributes") :]))
    root = ET.fromstring(run("graph", str(SAMPLE_VAULT), "--format", fmt))
    if fmt == "graphml":
        declared = {(k.get("for"), k.get("attr.name")) for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")}
    else:
        ns = "{http://www.gexf.net/1.2draft}"
        declared = {
            (group.get("class"), attribute.get("title"))
            for group in root.iter(f"{ns}attributes")
            for attribute in group.iter(f"{ns}attribute")
        }
        declared.add(("node", "label"))  # GEXF's own node label
    assert {name for kind, name in declared if kind == "node"} <= documented_nodes
    assert {name for kind, name in declared if kind == "edge"} <= documented_edges
    assert {"label", "kind", "path", "tags", "status", "schema"} <= {name for kind, name in declared if kind == "node"}


def test_the_mermaid_description_is_the_real_output() -> None:
    text = " ".join(section("## The link graph").split())
    paragraph = text[text.index("`mermaid` is") : text.index("Filters:")]
    out = run("graph", str(FIXTURES / "graph"), "--format", "mermaid")
    data = json.loads(run("graph", str(FIXTURES / "graph")))
    arrows = re.findall(r"^  n\d+ (\S+) n\d+$", out, re.MULTILINE)
    pairs = {(e["source"], e["target"], e["kind"]) for e in data["edges"]}
    assert len(arrows) == len(pairs)  # one arrow per linked pair and kind
    assert "one arrow per linked pair and kind" in paragraph
    for arrow, kind in (("-->", "body"), ("-.->", "embed"), ("==>", "frontmatter")):
        assert arrow in arrows and f"`{arrow}` {kind}" in paragraph
    for cls in re.findall(r"^  classDef (\w+)", out, re.MULTILINE):
        assert f"`{cls}`" in paragraph
    assert out.startswith("flowchart LR\n") and "`flowchart LR`" in paragraph
