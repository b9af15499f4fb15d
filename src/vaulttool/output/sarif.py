"""SARIF 2.1.0 output, the format GitHub code scanning and other result viewers read.

One run: the tool with every rule (id, descriptions and help from the rule's docstring,
default level), and one result per diagnostic located by a repository-relative URI
reference (percent-encoded) and a region whose end column is exclusive, as ours is.
Columns count Unicode code points, which the run states in ``columnKind``.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any
from urllib.parse import quote

from vaulttool.engine.lint import Report
from vaulttool.model.values import Diagnostic, Severity
from vaulttool.output.ci import RepoContext
from vaulttool.rules import ALL_RULES, describe
from vaulttool.version import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/vaulttool/"
URI_BASE_ID = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def rule_descriptor(rule: ModuleType) -> dict[str, Any]:
    """The SARIF ``reportingDescriptor`` of a rule module, documented by its docstring."""
    summary, body = describe(rule)
    return {
        "id": rule.ID,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": " ".join(f"{summary} {body}".split())},
        "help": {"text": f"{summary}\n\n{body}".strip()},
        "defaultConfiguration": {"level": LEVELS[rule.DEFAULT_SEVERITY]},
    }


def artifact_uri(path: str) -> str:
    """A repository-relative path as a URI reference: every byte but unreserved ones and ``/``
    percent-encoded (so ``:``, ``#``, ``%`` and spaces cannot change its meaning)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def region(diag: Diagnostic) -> dict[str, int]:
    """The diagnostic's region: 1-based lines and columns, ``endColumn`` exclusive."""
    out = {"startLine": max(diag.line, 1), "startColumn": max(diag.column, 1)}
    if diag.end_line is not None:
        out["endLine"] = max(diag.end_line, out["startLine"])
        if diag.end_column is not None:
            out["endColumn"] = max(diag.end_column, 1)
    return out


def result(diag: Diagnostic, repo: RepoContext, index: dict[str, int]) -> dict[str, Any]:
    """The SARIF ``result`` of one diagnostic."""
    out: dict[str, Any] = {"ruleId": diag.rule}
    if diag.rule in index:
        out["ruleIndex"] = index[diag.rule]
    out["level"] = LEVELS[diag.severity]
    out["message"] = {"text": diag.message}
    location = {"uri": artifact_uri(repo.path(diag.path)), "uriBaseId": URI_BASE_ID}
    out["locations"] = [{"physicalLocation": {"artifactLocation": location, "region": region(diag)}}]
    if diag.fix is not None:
        out["fixes"] = [fix_object(diag, location)]
    return out


def fix_object(diag: Diagnostic, location: dict[str, str]) -> dict[str, Any]:
    """The SARIF ``fix`` of a diagnostic: one ``artifactChange`` whose replacements are its edits."""
    assert diag.fix is not None
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit.line,
                "startColumn": edit.column,
                "endLine": edit.end_line,
                "endColumn": edit.end_column,
            },
            "insertedContent": {"text": edit.text},
        }
        for edit in diag.fix.edits
    ]
    safety = "safe" if diag.fix.safe else "unsafe (applied with --unsafe-fixes)"
    return {
        "description": {"text": f"{diag.fix.message} ({safety})"},
        "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
    }


def format_sarif(report: Report, repo: RepoContext) -> str:
    """The SARIF 2.1.0 log of ``report`` (strict ASCII JSON)."""
    index = {rule.ID: i for i, rule in enumerate(ALL_RULES)}
    driver = {
        "name": "vaulttool",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(rule) for rule in ALL_RULES],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [result(d, repo, index) for d in report.diagnostics],
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, ensure_ascii=True, allow_nan=False, indent=2) + "\n"
