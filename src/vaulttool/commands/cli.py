"""The command line: a click group whose commands parse options, call one function, return an int.

Each command is a module of its own beside this one; importing them loads click and nothing
of the engine (a command imports what it needs when it runs).

Exit codes (every command): 0 clean; 1 problems found; 2 usage or configuration error;
3 internal error (a bug; the traceback is shown only with ``--debug``); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import sys
from typing import NoReturn

import click

from vaulttool.commands.cache import cache_group
from vaulttool.commands.check import check_command
from vaulttool.commands.common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, ends_at_once
from vaulttool.commands.graph import graph_command
from vaulttool.commands.mcp import mcp_command
from vaulttool.commands.mv import mv_command
from vaulttool.commands.rules import rules_command
from vaulttool.commands.schema import schema_group
from vaulttool.commands.stats import stats_command
from vaulttool.commands.stub import stub_command
from vaulttool.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaulttool")
@click.option("--debug", is_flag=True, help="Show a full traceback when vaulttool itself fails.")
def cli(debug: bool) -> None:
    """Check Obsidian vaults: templates, links, MOCs; create stub notes for missing topics."""


# in this order in the README's usage block
for _command in (
    check_command,
    stub_command,
    mv_command,
    rules_command,
    cache_group,
    schema_group,
    graph_command,
    stats_command,
    mcp_command,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; the one error boundary of the program."""
    from vaulttool.output.destination import OutputError, ensure_stdout

    args = sys.argv[1:] if argv is None else argv
    ensure_stdout()
    try:
        result = cli.main(args=args, prog_name="vaulttool", standalone_mode=False)
        sys.stdout.flush()  # what is still buffered fails here, not unseen at exit
    except SystemExit:  # click's answer to a closed pipe (``| head``): the reader has all it wanted
        return EXIT_OK
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted()
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OutputError as exc:
        return _fail(str(exc))
    except OSError as exc:
        if exc.filename is None and exc.errno in _OUTPUT_ERRNOS:  # standard output is full, closed or failing
            return _fail(f"cannot write the report: {exc.strerror or exc}")
        return _internal_error(exc, args)
    except MemoryError:
        command = next((arg for arg in args if not arg.startswith("-")), "")
        return _fail(f"out of memory while running 'vaulttool {command}'; free some memory or check less at once")
    except Exception as exc:  # the error boundary: anything else is a bug
        return _internal_error(exc, args)
    return result if isinstance(result, int) else EXIT_OK


# errors of a write to standard output (file names are not involved)
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _fail(message: str) -> int:
    """One line on standard error for a run that could not do its job, and the usage exit code."""
    click.echo(f"vaulttool: error: {message}", err=True)
    return EXIT_USAGE


def _internal_error(exc: BaseException, args: list[str]) -> int:
    """A bug: one line on standard error (the traceback with ``--debug``), exit 3."""
    if "--debug" in args:
        raise exc
    from vaulttool.output.formatters import escape_text, inert_line

    reason = inert_line(escape_text(f"{type(exc).__name__}: {exc}"))
    click.echo(
        f"vaulttool: internal error ({reason}); this is a bug, please report it (rerun with --debug for the traceback)",
        err=True,
    )
    return EXIT_INTERNAL


def _interrupted() -> int:
    """Ctrl-C: one line, and the shell's code for a run stopped by SIGINT (128 + 2)."""
    click.echo("vaulttool: interrupted", err=True)
    return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The ``vaulttool`` program: :func:`main`, then exit at once with its code.

    A check of a large vault leaves millions of objects behind; collecting and freeing
    them one by one (as the interpreter does when it exits) takes longer than a re-run
    of the whole check, and the process is ending anyway. Output is flushed first.
    """
    gc.disable()  # nothing here lives long enough to need the cycle collector
    ends_at_once()  # nor needs to be freed: a command keeps its large results to the end
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is over: a late Ctrl-C changes nothing
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a broken pipe
            stream.flush()
    os._exit(code)
