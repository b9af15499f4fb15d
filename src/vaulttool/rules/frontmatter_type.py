"""frontmatter-type: a property whose value breaks its template schema.

Wrong type, a value outside an enum (``status: publishd``), a pattern or score that does
not match (``importance: 7/5``), too few or too many list items, a comma-separated string
where a list is wanted (``tags: python, concurrency``), a property the schema does not
allow, ``tags: #foo`` (the ``#`` starts a YAML comment, so the property is empty).
Reported on the property's line. An item that is an unquoted ``[[link]]`` is left to
``frontmatter-link-unquoted``.

Safe fixes: a comma string becomes a YAML list (in the note's own list indentation), a
bare score ``4`` becomes ``4/5`` on the schema's scale, and an enum value that differs
only in case takes the schema's spelling. Each changes that value alone; every other
byte of the note stays as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vaulttool.model.fixes import comma_list_fix, replace_value_fix
from vaulttool.model.properties import unquoted_links
from vaulttool.model.values import Diagnostic, Fix, Note, Severity
from vaulttool.rules._util import file_line, note_diagnostic, value_column

if TYPE_CHECKING:
    from vaulttool.model.schema import FieldProblem
    from vaulttool.model.schema_format import FieldSpec
    from vaulttool.rules.context import NoteContext

ID = "frontmatter-type"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "note"


TAG_PROPERTIES = ("tags", "tag")


def _commented_out(note: Note) -> dict[str, str]:
    """Tag properties left empty because an unquoted ``#`` began a YAML comment, with a fix each."""
    found: dict[str, str] = {}
    if not note.frontmatter or note.raw_frontmatter is None:
        return found
    for key in TAG_PROPERTIES:
        line = note.fm_key_lines.get(key)
        if line is None or key not in note.frontmatter or note.frontmatter[key] is not None:
            continue
        comment = file_line(note, line).partition(":")[2].strip()
        if comment.startswith("#"):
            names = ", ".join(word.lstrip("#") for word in comment.split() if word.lstrip("#"))
            found[key] = (
                f"'{key}' is empty: '#' starts a YAML comment, so '{comment}' is ignored; write {key}: [{names}]"
            )
    return found


def check_note(nc: NoteContext) -> Iterator[Diagnostic]:
    """Yield one diagnostic per property (or list item) with a wrong value."""
    note, schema = nc.note, nc.schema
    if schema is None:
        return
    allowed = schema.spec.fields.keys() if not schema.spec.extra_keys else None
    commented = {key: fix for key, fix in _commented_out(note).items() if allowed is None or key in allowed}
    bare = {link.field for link in unquoted_links(note)} if any(p.unquoted_link for p in nc.field_problems) else set()
    for problem in nc.field_problems:
        if not problem.missing and not (problem.unquoted_link and problem.field in bare):
            message = commented.pop(problem.field, problem.message)
            line = note.fm_key_lines.get(problem.field, 1)
            diagnostic = note_diagnostic(
                nc.path, line, ID, DEFAULT_SEVERITY, message, field=problem.field, column=value_column(note, line)
            )
            spec = schema.spec.fields.get(problem.field)
            fix = field_fix(note, problem, spec) if spec is not None and problem.field not in commented else None
            yield diagnostic if fix is None else diagnostic._replace(fix=fix)
    for key, message in commented.items():
        line = note.fm_key_lines[key]
        yield note_diagnostic(nc.path, line, ID, DEFAULT_SEVERITY, message, field=key, column=value_column(note, line))


def field_fix(note: Note, problem: FieldProblem, spec: FieldSpec) -> Fix | None:
    """The safe fix of a wrong property value, when its intent is plain (see the module docstring)."""
    key, item = problem.field, problem.item
    value = (note.frontmatter or {}).get(key)
    if item is not None:
        if spec.items is None or not isinstance(value, list) or item >= len(value):
            return None
        spec, value = spec.items, value[item]
    if spec.type == "list" and item is None and isinstance(value, str):
        return comma_list_fix(note, key)
    if spec.type == "score" and spec.scale is not None:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if number is not None and 1 <= number <= spec.scale:
            score = f"{number}/{spec.scale}"
            return replace_value_fix(note, key, item, score, f"Write the score on its scale: {score}")
    if spec.type == "enum" and isinstance(value, str):
        same = [v for v in spec.values or () if v.casefold() == value.strip().casefold()]
        if len(same) == 1 and same[0] != value:
            return replace_value_fix(note, key, item, same[0], f"Write '{same[0]}' as the schema spells it")
    return None
