"""The report formats by name: every ``--format`` of ``vaulttool check`` is printed through :data:`FORMATTERS`.

A formatter takes the report and :class:`Printing` (how to print it) and returns the
:class:`~vaulttool.output.formatters.Printed` text; what it must do once the text is written
(the GitHub job summary) comes with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from vaulttool.engine.lint import Report
from vaulttool.output import ci, sarif
from vaulttool.output.formatters import Printed, print_report


@dataclass(frozen=True)
class Printing:
    """How a report is printed: the vault as given, colour, the base of a pull request, the report printed last."""

    vault: str | os.PathLike[str]
    color: bool = False
    changed_from: str | None = None  # github: the files changed since this ref are annotated first
    # text and json: the text printed last time for a file's diagnostics, where it still holds
    reuse: Callable[[str], str | None] | None = None


def _text(report: Report, printing: Printing) -> Printed:
    """ruff-like lines and a closing summary (:func:`~vaulttool.output.formatters.print_report`)."""
    return print_report("text", report, printing.color, printing.reuse)


def _json(report: Report, printing: Printing) -> Printed:
    """The stable JSON document (:func:`~vaulttool.output.formatters.format_json`)."""
    return print_report("json", report, printing.color, printing.reuse)


def _github(report: Report, printing: Printing) -> Printed:
    """GitHub Actions workflow commands (:mod:`vaulttool.output.ci`), then the job summary once they are written."""
    repo = ci.RepoContext.detect(printing.vault, printing.changed_from)
    return Printed([ci.format_github(report, repo)], {}, partial(ci.append_step_summary, report, repo))


def _sarif(report: Report, printing: Printing) -> Printed:
    """SARIF 2.1.0 (:mod:`vaulttool.output.sarif`) with repository-relative locations."""
    return Printed([sarif.format_sarif(report, ci.RepoContext.detect(report.vault))], {})


FORMATTERS: dict[str, Callable[[Report, Printing], Printed]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}
