"""``vaulttool mcp``: start the MCP server (:mod:`vaulttool.commands.mcp_server`), from the ``mcp`` extra."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

import click

INSTALL_HINT = "pip install 'vaulttool[mcp]'"


@click.command("mcp")
@click.argument("vault", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--allow-write", is_flag=True, help="Let the create_stubs tool create stub notes in VAULT.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Configuration.",
)
@click.option(
    "--cache-dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VAULTTOOL_CACHE_DIR",
    help="Read the cache 'vaulttool check' keeps here (default: the platform's); it is never written.",
)
def mcp_command(vault: Path, allow_write: bool, config_file: Path | None, cache_dir: Path | None) -> int:
    """Serve VAULT (default: the current folder) to MCP clients over standard input and output.

    Tools: check_note, check_vault, template, next_notes, resolve, create_stubs. Nothing is
    written unless --allow-write is given, and then only stubs. Needs the 'mcp' extra.
    """
    if importlib.util.find_spec("mcp") is None:
        raise click.ClickException(f"the MCP server needs the official MCP SDK: {INSTALL_HINT}")
    from vaulttool.commands.common import configured_options
    from vaulttool.commands.mcp_server import serve
    from vaulttool.commands.mcp_tools import VaultTools

    configured_options(vault, config_file)  # a broken configuration is a usage error now, not at the first request
    gc.enable()  # a server lives long: unlike a single check, it needs the cycle collector
    serve(VaultTools(vault, config_file, allow_write, cache_dir))
    return 0
