"""``vaulttool graph``: export the link graph as data or as an interactive page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from vaulttool.commands.common import EXIT_OK, OUTPUT_PATH, Choice, configured_options, emit, output_file

if TYPE_CHECKING:
    from vaulttool.engine.load import Loaded
    from vaulttool.output.graph_export import GraphData
    from vaulttool.rules.context import RuleContext, VaultContext

GRAPH_FORMAT_NAMES = ("json", "graphml", "gexf", "dot", "mermaid")


@click.command("graph")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=Choice(GRAPH_FORMAT_NAMES), default="json", show_default=True, help="Export format."
)
@click.option("-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write the export to FILE (-: standard output).")
@click.option(
    "--html",
    type=OUTPUT_PATH,
    metavar="FILE",
    help="Write an interactive, self-contained HTML page to FILE instead of an export.",
)
@click.option("--no-attachments", is_flag=True, help="Leave attachments out.")
@click.option("--folder", metavar="PATH", help="Keep only the files under this vault folder.")
@click.option("--around", metavar="NOTE", help="Keep only the nodes within --depth links of NOTE.")
@click.option(
    "--depth", type=click.IntRange(min=0), default=1, metavar="N", show_default=True, help="Link distance for --around."
)
def graph_command(
    vault: Path,
    fmt: str,
    output: Path | None,
    html: Path | None,
    no_attachments: bool,
    folder: str | None,
    around: str | None,
    depth: int,
) -> int:
    """Export the link graph of VAULT (default: the current folder) as data or as a page."""
    from vaulttool.engine.lint import run_rules
    from vaulttool.engine.options import enabled_rules
    from vaulttool.incremental.check import load_resolved, load_vault
    from vaulttool.output.graph_export import batched
    from vaulttool.output.graph_xml import GRAPH_FORMATS

    given = click.get_current_context().get_parameter_source
    if html is not None and (output is not None or given("fmt") is not ParameterSource.DEFAULT):
        raise click.UsageError("--html writes the page to its own FILE: leave out --format and -o/--output")
    if around is None and given("depth") is not ParameterSource.DEFAULT:
        raise click.UsageError("--depth needs --around NOTE")
    target = output_file(html or output, vault)
    options = configured_options(vault, None)
    selection = {"attachments": not no_attachments, "folder": folder, "around": around, "depth": depth}
    if html is None:  # an export keeps no link whole: what each resolves to, its line and kind are enough
        exported = load_resolved(vault, options, codes=True)
        emit(batched(GRAPH_FORMATS[fmt](_selected(exported, selection))), target)
        return EXIT_OK
    from vaulttool.output.graph_html import render_page

    rules = enabled_rules(options)
    loaded = load_vault(vault, options, rules, codes=True)
    data = _selected(loaded, selection)
    emit(render_page(data, run_rules(loaded, rules, options), os.fspath(vault)), target)
    return EXIT_OK


def _selected(loaded: Loaded[RuleContext] | Loaded[VaultContext], selection: dict[str, Any]) -> GraphData:
    """The graph of the ``loaded`` vault filtered as ``selection`` asks (:func:`graph_data`'s keywords);
    a filter that selects nothing is a usage error."""
    from vaulttool.output.graph_export import GraphSelectionError, graph_data

    try:
        return graph_data(loaded.context, loaded.codes, **selection)
    except GraphSelectionError as exc:
        raise click.UsageError(str(exc)) from exc
