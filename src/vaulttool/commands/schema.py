"""``vaulttool schema``: work with template schemas (``schema export``: their JSON Schema)."""

from __future__ import annotations

from pathlib import Path

import click

from vaulttool.commands.common import CONFIG_PATH, EXIT_OK, OUTPUT_PATH, configured_options, emit, output_file


@click.group("schema")
def schema_group() -> None:
    """Work with template schemas."""


@schema_group.command("export")
@click.argument("name")
@click.option(
    "--vault",
    metavar="VAULT",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="Vault whose configuration picks the schemas (default: the current folder).",
)
@click.option("--config", "config_file", type=CONFIG_PATH, metavar="FILE", help="Use this configuration file.")
@click.option("-o", "--output", type=OUTPUT_PATH, metavar="FILE", help="Write to FILE (-: standard output).")
def schema_export_command(name: str, vault: Path, config_file: Path | None, output: Path | None) -> int:
    """Write the JSON Schema of schema NAME's frontmatter (for editors)."""
    import json

    target = output_file(output, vault)
    options = configured_options(vault, config_file)
    schema = next((s for s in options.schemas if s.name == name), None)
    if schema is None:
        from vaulttool.model.suggest import did_you_mean

        names = [s.name for s in options.schemas]
        hint = did_you_mean(name, names)
        raise click.UsageError(f"no schema named '{name}'{hint}; the schemas are {', '.join(names) or 'none'}")
    document = schema.model.model_json_schema(by_alias=True)
    emit(json.dumps(document, indent=2, ensure_ascii=False) + "\n", target)
    return EXIT_OK
