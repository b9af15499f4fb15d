"""Report formatters: each turns a :class:`Report` into the text written to the output."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from itertools import groupby
from operator import attrgetter
from typing import Any

from vaulttool.engine.lint import Report
from vaulttool.model.values import Diagnostic, Fix, Severity
from vaulttool.version import __version__

# C0 and C1 controls, DEL, bidi overrides and isolates, lone surrogates (undecodable names)
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_SEVERITY_TEXT = {severity: severity.value for severity in Severity}  # a dict lookup: Enum properties are slow
_json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii
_PATH = attrgetter("path")
_FIX = attrgetter("fix")
_JSON_SEVERITY = {severity: f'      "severity": "{severity.value}",\n' for severity in Severity}
_json_rules: dict[str, str] = {}  # the "rule" line of each rule id seen
# parts joined per write: tens of kilobytes of diagnostics (256 reused files' texts: a few hundred), small
# enough that the C allocator reuses its heap for them (blocks of a megabyte took several times as long)
BLOCK_PARTS = 256


def escape_text(text: str) -> str:
    """Make untrusted text safe for a terminal: control and bidi characters become escapes."""
    return _UNSAFE_RE.sub(lambda m: repr(m.group())[1:-1] if m.group() != "\t" else " ", text)


def inert_line(line: str) -> str:
    """Keep a GitHub runner from reading a printed line as a workflow command.

    The runner acts on a line that starts with ``::`` (after blanks) and on ``##[`` anywhere
    in a line; both come out with a ``#`` or ``:`` written as an escape, as ``escape_text`` does.
    """
    start = len(line) - len(line.lstrip())
    if line.startswith("::", start):
        line = f"{line[:start]}\\x3a{line[start + 1 :]}"
    return line.replace("##[", "#\\x23[")


def summary(report: Report) -> dict[str, int]:
    """Counts of notes, links and diagnostics by severity."""
    return {
        "notes": report.notes,
        "links": report.links,
        **{sev.value: report.count(sev) for sev in Severity},
    }


@dataclass(frozen=True)
class Printed:
    """A report as printed (text or JSON), with where each file's diagnostics sit in the text."""

    parts: list[str]  # the text, in the order written (never joined whole on a large vault)
    spans: dict[str, tuple[int, int]]
    # what to do once the text is written (GitHub's job summary); returns a problem to tell, or None
    after: Callable[[], str | None] | None = None

    @property
    def text(self) -> str:
        """The whole text."""
        return "".join(self.parts)

    def blocks(self) -> Iterator[str]:
        """The text in blocks of :data:`BLOCK_PARTS` parts joined, as it is written: one write (and
        encoding) per block instead of one per diagnostic, and never the whole text joined."""
        parts = self.parts
        for start in range(0, len(parts), BLOCK_PARTS):
            yield "".join(parts[start : start + BLOCK_PARTS])


def print_report(
    fmt: str, report: Report, color: bool = False, reuse: Callable[[str], str | None] | None = None
) -> Printed:
    """``report`` in format ``fmt`` (``json`` or ``text``); ``reuse`` gives for a file the text printed
    for its diagnostics last time, when that still holds (see :mod:`vaulttool.incremental.replay`).

    Each diagnostic's text, its separator included, is a part of its own, not joined with the
    others of its file: parts that small take the memory the vault's notes leave free, where
    a file's joined text (a large vault's report is about 100 MB) would take memory of its own.
    """
    if fmt == "json":
        write = partial(_json_items, texts={})
    else:
        write = partial(_text_lines, color=color, unsafe=report.unsafe_fixes, shown={})
    head, sep, tail = _json_frame(report) if fmt == "json" else ("", "\n", _text_summary(report))
    parts = [head]
    spans: dict[str, tuple[int, int]] = {}
    pos, gap = len(head), len(sep)
    for path, group in groupby(report.diagnostics, key=_PATH):
        piece = reuse(path) if reuse is not None else None
        if piece is None:
            items = write(group)  # each ends with the separator
            size = sum(map(len, items)) - gap
            parts += items
        else:
            size = len(piece)
            parts += (piece, sep)
        spans[path] = (pos, pos + size)
        pos += size + gap
    if fmt == "json":  # the last separator, or the head, ends with the tail
        parts[-1] = f"{parts[-1][:-gap]}{tail}" if spans else f"{head[:-1]}]\n}}\n"
    else:
        parts.append(tail)
    return Printed(parts, spans)


def _json_frame(report: Report) -> tuple[str, str, str]:
    """What surrounds the diagnostics in the JSON document: head, separator, tail."""
    head = {"version": __version__, "vault": report.vault, "summary": summary(report)}
    text = json.dumps(head, ensure_ascii=True, allow_nan=False, indent=2)
    return f'{text[:-2]},\n  "diagnostics": [\n'.replace("##[", "#\\u0023["), ",\n", "\n  ]\n}\n"


def _json_items(diagnostics: Iterable[Diagnostic], texts: dict[str, str] | None = None) -> list[str]:
    """Each diagnostic as ``format_json`` writes it, with the separator after it: its fields in the
    documented order, None left out; ``texts``: each message's JSON so far, kept by the caller across
    calls (a vault's messages repeat: written once each).

    The text that repeats (a run of diagnostics of one file, a rule, a severity) is made once.
    """
    texts = {} if texts is None else texts
    severities, rules = _JSON_SEVERITY, _json_rules
    last: str | None = None
    items = []
    for path, line, column, rule, severity, message, end_line, end_column, target, field, fix in diagnostics:
        if path != last:
            last = path
            head = f'    {{\n      "path": {_json_value(path)},\n      "line": '
        start = rules.get(rule)
        if start is None:
            start = rules[rule] = f'      "rule": {_json_value(rule)},\n'
        text = texts.get(message)
        if text is None:
            text = texts[message] = _json_value(message)
        ends = "" if end_line is None else f'      "end_line": {end_line},\n'
        if end_column is not None:
            ends += f'      "end_column": {end_column},\n'
        tail = "" if target is None else f',\n      "target": {_json_value(target)}'
        if field is not None:
            tail += f',\n      "field": {_json_value(field)}'
        if fix is not None:
            tail += f',\n      "fix": {_json_fix(fix)}'
        items.append(
            f'{head}{line},\n      "column": {column},\n{ends}{start}{severities[severity]}'
            f'      "message": {text}{tail}\n    }},\n'
        )
    return items


def _json_value(text: str) -> str:
    """``text`` as a JSON string (ASCII), ``##[`` written ``#\\u0023[``: the same ``#`` to a JSON reader,
    but not a command to a GitHub runner (a JSON line never starts with ``::``, and ``##[`` only
    occurs inside strings)."""
    value = _json_str(text)
    return value.replace("##[", "#\\u0023[") if "##[" in value else value


def format_json(report: Report, color: bool = False) -> str:
    """The stable JSON document (strict JSON, ASCII-escaped, indented by two spaces).

    The same text as ``json.dumps(doc, ensure_ascii=True, indent=2)``; the diagnostics
    (thousands of them on a large vault) are written out here, because ``json`` indents
    with its pure-Python encoder, several times slower than building the lines directly.
    """
    return print_report("json", report).text


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as the JSON document holds it (the same fields, names and values)."""
    item: dict[str, Any] = json.loads(_json_items([d])[0][:-2])  # without the separator
    return item


def _json_fix(fix: Fix) -> str:
    """A diagnostic's fix in JSON, indented in place: applicability, what it does, its edits (the text
    ``json.dumps`` writes with ``ensure_ascii`` and ``indent=2``, six spaces further in)."""
    s = _json_str
    edits = ",\n".join(
        f'          {{\n            "line": {e.line},\n            "column": {e.column},\n'
        f'            "end_line": {e.end_line},\n            "end_column": {e.end_column},\n'
        f'            "content": {s(e.text)}\n          }}'
        for e in fix.edits
    )
    listed = f"[\n{edits}\n        ]" if edits else "[]"
    applicability = "safe" if fix.safe else "unsafe"
    text = (
        f'{{\n        "applicability": "{applicability}",\n        "message": {s(fix.message)},\n'
        f'        "edits": {listed}\n      }}'
    )
    return text.replace("##[", "#\\u0023[") if "##[" in text else text


def applicable(d: Diagnostic, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) repairs ``d``."""
    return d.fix is not None and (d.fix.safe or unsafe)


def plural(n: int, word: str) -> str:
    """``n word`` or ``n words``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _text_lines(
    diagnostics: Iterable[Diagnostic], color: bool, unsafe: bool = False, shown: dict[str, str] | None = None
) -> list[str]:
    """``path:line:col: severity rule message`` and a line end for each diagnostic; ``shown``: each message
    as printed so far, kept by the caller across calls (a vault's messages repeat: escaped once each)."""
    severities, bold, plain = _colored() if color else (_SEVERITY_TEXT, "", "")
    shown = {} if shown is None else shown
    last: str | None = None
    lines = []
    for path, line, column, rule, severity, text, _, _, _, _, fix in diagnostics:
        if path != last:
            # what inert_line changes lies in the path and the ":" after it (then come digits and colons)
            last, where = path, inert_line(f"{escape_text(path)}:")
        message = shown.get(text)
        if message is None:
            message = shown[text] = inert_line(escape_text(text))
        mark = " [*]" if fix is not None and (fix.safe or unsafe) else ""
        lines.append(f"{bold}{where}{line}:{column}:{plain} {severities[severity]} {rule}{mark} {message}\n")
    return lines


@cache
def _colored() -> tuple[dict[Severity, str], str, str]:
    """Each severity in its colour (errors in bold too), and what goes before and after a text in bold."""
    import click

    severities = {sev: click.style(sev.value, fg=_COLORS[sev], bold=sev is Severity.ERROR or None) for sev in Severity}
    bold, plain = click.style("\0", bold=True).split("\0")
    return severities, bold, plain


def _text_summary(report: Report) -> str:
    counts = [
        plural(report.count(Severity.ERROR), "error"),
        plural(report.count(Severity.WARNING), "warning"),
        f"{report.count(Severity.INFO)} info",
    ]
    unsafe = report.unsafe_fixes
    fixable = sum(1 for fix in map(_FIX, report.diagnostics) if fix is not None and (fix.safe or unsafe))
    hint = ""
    if fixable:
        flags = "--fix --unsafe-fixes" if report.unsafe_fixes else "--fix"
        hint = f"[*] {fixable} fixable with {flags}"
        hint += f" ({report.hidden_fixes} more with --unsafe-fixes).\n" if report.hidden_fixes else ".\n"
    elif report.hidden_fixes:
        hint = f"No safe fixes ({report.hidden_fixes} with --unsafe-fixes).\n"
    return f"{hint}Checked {plural(report.notes, 'note')}, {plural(report.links, 'link')}: {', '.join(counts)}.\n"


def format_text(report: Report, color: bool = False) -> str:
    """ruff-like lines ``path:line:col: severity rule message`` (``rule [*] message`` when ``--fix``
    repairs it) and a closing summary."""
    return print_report("text", report, color).text


def format_statistics(report: Report, fmt: str = "text", color: bool = False) -> str:
    """How many diagnostics each rule found, most first, as ruff's ``--statistics`` prints them:
    count, rule, severity and ``[*]`` when ``--fix`` repairs some; then the summary line.
    ``fmt`` ``json`` gives a list of ``{rule, severity, count, fixable}`` instead."""
    counts: Counter[tuple[str, Severity]] = Counter()
    fixable: Counter[tuple[str, Severity]] = Counter()
    for d in report.diagnostics:
        counts[d.rule, d.severity] += 1
        fixable[d.rule, d.severity] += applicable(d, report.unsafe_fixes)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][1].rank, item[0][0]))
    if fmt == "json":
        rows = [{"rule": r, "severity": sev.value, "count": n, "fixable": fixable[r, sev]} for (r, sev), n in ranked]
        return json.dumps(rows, ensure_ascii=True, indent=2) + "\n"
    import click

    width = max((len(str(n)) for n in counts.values()), default=1)
    rule_width = max((len(rule) for rule, _ in counts), default=0)
    lines = []
    for (rule, severity), n in ranked:
        shown = severity.value
        if color:
            shown = click.style(shown, fg=_COLORS[severity], bold=severity is Severity.ERROR or None)
        mark = " [*]" if fixable[rule, severity] else ""
        lines.append(f"{n:>{width}}  {rule:<{rule_width}}  {shown}{mark}\n")
    return "".join(lines) + _text_summary(report)
