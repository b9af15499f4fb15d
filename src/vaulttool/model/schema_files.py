"""Schema files: read, checked and compiled, with every mistake named by file and line.

A mistake in a schema file is one line: the file and line, the field, and what is allowed
there (the near spellings of an unknown type or key included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from vaulttool.model.schema import Schema, show_value
from vaulttool.model.schema_format import FieldSpec, ScalarType, SchemaFile
from vaulttool.model.suggest import did_you_mean


class SchemaError(Exception):
    """A schema file that cannot be used; names the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def _node_line(root: yaml.Node | None, loc: Sequence[Any]) -> int:
    """The 1-based line of the YAML node at pydantic location ``loc`` (nearest existing parent)."""
    node = root
    line = (root.start_mark.line + 1) if root is not None else 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if child is None:
                child = next((k for k, _ in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def load_schema_text(text: str, source: str) -> Schema:
    """Parse, validate and compile one schema file's text; raise :class:`SchemaError` naming the line."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SchemaError(source, (mark.line + 1) if mark else 1, f"not valid YAML: {_yaml_reason(exc)}") from exc
    if not isinstance(data, dict):
        raise SchemaError(source, 1, "a schema file must be a mapping (name, match, fields, sections, ...)")
    data.setdefault("name", Path(source).stem)
    try:
        spec = SchemaFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = _user_path(data, error["loc"])
        if error["type"] == "missing":  # the key is not in the file: name it anyway
            path = (*path, error["loc"][-1])
        raise SchemaError(source, _node_line(root, path), _schema_problem(path, error)) from exc
    return Schema(spec, source)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """What the YAML parser found wrong, with the column, without its name for the text ("<unicode string>")."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc)
    reason = ": ".join(part for part in (exc.context, exc.problem) if part)
    mark = exc.problem_mark
    return f"{reason} (column {mark.column + 1})" if mark is not None else reason


def _user_path(data: Any, loc: Sequence[Any]) -> tuple[Any, ...]:
    """The keys and indexes of pydantic location ``loc`` that are in the schema file (not pydantic's own steps)."""
    path = []
    for part in loc:
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_list or (isinstance(data, dict) and part in data)):
            continue
        data = data[part]
        path.append(part)
    return tuple(path)


def _spec_at(path: Sequence[Any]) -> type[BaseModel] | None:
    """The part of the schema format (a spec model) at ``path`` of a schema file, if it is one."""
    kind: Any = SchemaFile
    steps = list(path)
    while steps:
        origin, args = get_origin(kind), get_args(kind)
        if origin in (Union, UnionType):  # an optional part
            kind = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        elif origin in (dict, list):  # a user's key or an index
            kind, steps = args[-1], steps[1:]
        elif isinstance(kind, type) and issubclass(kind, BaseModel) and steps[0] in kind.model_fields:
            kind, steps = kind.model_fields[steps[0]].annotation, steps[1:]
        else:
            return None
    while get_origin(kind) in (Union, UnionType):
        kind = next((a for a in get_args(kind) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


_FIELD_TYPES = (*get_args(ScalarType), "list", "enum", "pattern", "score")


def _schema_problem(path: tuple[Any, ...], error: Any) -> str:
    """A schema file's validation error in the schema's own terms: where, what, and what is allowed."""
    where = _place(path) or "the schema"
    value = error.get("input")
    if error["type"] == "extra_forbidden":
        spec = _spec_at(path[:-1])
        keys = list(spec.model_fields) if spec is not None else []
        place = _place(path[:-1]) or "the top level"
        return f"unknown key '{path[-1]}' in {place}{did_you_mean(str(path[-1]), keys)}; the keys are {', '.join(keys)}"
    field = next((str(path[i + 1]) for i in range(len(path) - 1) if path[i] == "fields"), None)
    if field is not None and "type" in path[-2:] and _spec_at(path[: path.index("type")]) is FieldSpec:
        if isinstance(value, list):  # a list of types: only the scalar ones
            bad = next((item for item in value if item not in get_args(ScalarType)), value)
            return (
                f"field '{field}': {show_value(bad)} is not a type a list of types may hold"
                f"{did_you_mean(str(bad), get_args(ScalarType))}; those are {', '.join(get_args(ScalarType))}"
            )
        return (
            f"field '{field}': unknown type {show_value(value)}{did_you_mean(str(value), _FIELD_TYPES)}; "
            f"the types are {', '.join(_FIELD_TYPES)} (or a list of {', '.join(get_args(ScalarType))})"
        )
    if error["type"] == "missing":
        return f"{where} is missing; it is required"
    if error["type"] == "string_pattern_mismatch" and path == ("name",):
        return f"name {show_value(value)}: a schema name is lowercase letters, digits and hyphens (not first)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if field is None:
        return f"{where}: {message}"
    inner = _place(path[path.index("fields") + 2 :])
    return f"field '{field}'{', ' + inner if inner else ''}: {message}"


def _place(path: Sequence[Any]) -> str:
    """A place in a schema file as its author reads it: ``sections item 2.level``."""
    return "".join(f" item {part + 1}" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def load_schemas(folder: Path, order: Iterable[str] = (), enabled: Iterable[str] | None = None) -> list[Schema]:
    """Every ``*.yaml`` schema in ``folder``: first those named in ``order``, then by priority and name.

    ``enabled``: for the built-in folder, the templates the vault's configuration enables;
    the others match a note only by their whole shape (see :meth:`Schema.matches`).
    """
    files = sorted((f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)
    schemas = [load_schema_text(f.read_text(encoding="utf-8"), _display(folder, f.name)) for f in files]
    by_name = {s.name: s for s in schemas}
    for what, names in (("schema order", order), ("templates", enabled or ())):
        for name in names:
            if name not in by_name:
                hint = did_you_mean(name, by_name)
                raise SchemaError(_display(folder, ""), 1, f"{what} names '{name}', which no schema file defines{hint}")
    if enabled is not None:
        on = set(enabled)
        for schema in schemas:
            schema.by_shape = schema.name not in on
    wanted = list(order)
    rank = {name: i for i, name in enumerate(wanted)}
    return sorted(schemas, key=lambda s: (rank.get(s.name, len(rank)), s.spec.priority, s.source))


def _display(folder: Path, name: str) -> str:
    return str(folder / name) if name else str(folder)
