"""Template schemas: ``schemas/*.yaml`` files, validated themselves, compiled into pydantic models.

A schema file says which notes it applies to (``match``), what their frontmatter holds
(``fields``, compiled once per run into a pydantic model), and what their body holds
(``sections``, ``table``, ``keywords``, ``forbidden``). Every number and phrase is data
here, so users write schemas for their own templates.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vaulttool.model.markdown import heading_words
from vaulttool.model.properties import holds_unquoted_link
from vaulttool.model.suggest import did_you_mean

ScalarType = Literal["text", "wikilink", "url", "date", "datetime", "number", "checkbox"]
WIKILINK_RE = r"^\[\[[^\[\]]+\]\]$"
URL_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$"


class SchemaError(Exception):
    """A schema file that cannot be used; names the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One frontmatter property: its type and constraints."""

    type: ScalarType | list[ScalarType] | Literal["list", "enum", "pattern", "score"]
    required: bool = False
    items: FieldSpec | None = None
    values: list[str] | None = None
    pattern: str | None = None
    scale: int | None = Field(default=None, ge=1, le=100)
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=0)
    min_wikilinks: int | None = Field(default=None, ge=0)
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _complete(self) -> FieldSpec:
        needs = {"list": "items", "enum": "values", "pattern": "pattern", "score": "scale"}
        if isinstance(self.type, str) and self.type in needs and getattr(self, needs[self.type]) is None:
            raise ValueError(f"a field of type {self.type} needs '{needs[self.type]}'")
        return self

    def wants(self) -> str:
        """What this field must hold, in words a note's author understands."""
        kind = self.type
        if isinstance(kind, list):
            return " or ".join(_SCALAR_WORDS[k] for k in kind)
        if kind == "list":
            assert self.items is not None
            bounds = _bounds(self.min_items, self.max_items)
            return f"a list of {self.items.wants_plural()}{bounds}"
        if kind == "enum":
            return "one of " + ", ".join(self.values or ())
        if kind == "pattern":
            return f"text matching {self.pattern}"
        if kind == "score":
            return f"a score k/{self.scale} with k from 1 to {self.scale}"
        return _SCALAR_WORDS[kind]

    def wants_plural(self) -> str:
        """Like :meth:`wants`, for the items of a list."""
        kind = self.type
        if isinstance(kind, str) and kind in _SCALAR_PLURAL:
            return _SCALAR_PLURAL[kind]
        return f"items that are each {self.wants()}"


_SCALAR_WORDS = {
    "text": "text",
    "wikilink": 'a wiki link in quotes ("[[Note]]")',
    "url": "a URL (https://...)",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (YYYY-MM-DDTHH:MM)",
    "number": "a number",
    "checkbox": "true or false",
}
_SCALAR_PLURAL = {
    "text": "text items",
    "wikilink": 'wiki links in quotes ("[[Note]]")',
    "url": "URLs",
    "date": "dates (YYYY-MM-DD)",
}


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" ({low} to {high} items)"
    if low is not None:
        return f" (at least {low})"
    if high is not None:
        return f" (at most {high})"
    return ""


class MatchSpec(_Spec):
    """Which notes a schema applies to: every condition given must hold (and one must be given)."""

    paths: list[str] = []
    frontmatter: dict[str, Any] = {}
    has_keys: list[str] = []


class SectionSpec(_Spec):
    """A required section, found by the words of its heading (emoji and punctuation ignored)."""

    heading: str
    level: int | None = Field(default=None, ge=1, le=6)
    required: bool = True
    non_empty: bool = False

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The heading's words, the way note headings are compared."""
        return heading_words(self.heading)


class TableSpec(_Spec):
    """A table inside a section: columns, the topic column and the description column."""

    section: str
    columns: list[str]
    topic_column: int = Field(default=0, ge=0)
    description_column: int = Field(default=1, ge=0)
    min_words: int = Field(default=0, ge=0)
    topics_field: str | None = None


class KeywordsSpec(_Spec):
    """A keyword list: the first paragraph of a section, split on a separator."""

    section: str
    separator: str = ","
    min_count: int = Field(default=1, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    must_appear: bool = True
    language: str = "english"
    stop_words: list[str] = []


class ForbiddenSpec(_Spec):
    """Content a note of this template must not hold."""

    code_blocks: bool = False
    sections: list[str] = []
    phrases: list[str] = []


class SchemaFile(_Spec):
    """The whole schema file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    priority: int = 100
    match: MatchSpec = MatchSpec()
    fields: dict[str, FieldSpec] = {}
    extra_keys: bool = True
    topics_field: str | None = None
    sections: list[SectionSpec] = []
    ordered_sections: bool = True
    table: TableSpec | None = None
    keywords: KeywordsSpec | None = None
    forbidden: ForbiddenSpec | None = None
    min_body_links: int = Field(default=0, ge=0)


def _iso(parse: Callable[[str], object], error: str) -> Callable[[str], str]:
    """A validator that keeps an ISO date (or date-time) string when ``parse`` accepts it."""

    def check(value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise PydanticCustomError(error, "{reason}", {"reason": str(exc)}) from exc
        return value

    return check


def _pattern(regex: str, *extra: Any) -> Any:
    args = (StrictStr, StringConstraints(pattern=regex), *extra)
    return Annotated[args]


_SCALARS: dict[str, Any] = {
    "text": StrictStr,
    "wikilink": _pattern(WIKILINK_RE),
    "url": _pattern(URL_RE),
    "date": _pattern(
        r"^\d{4}-\d{2}-\d{2}$",
        AfterValidator(_iso(date.fromisoformat, "bad_date")),
        WithJsonSchema({"type": "string", "format": "date"}),
    ),
    "datetime": _pattern(
        r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}",
        AfterValidator(_iso(datetime.fromisoformat, "bad_datetime")),
        WithJsonSchema({"type": "string"}),
    ),
    "number": Union[StrictInt, StrictFloat],  # noqa: UP007 (a runtime type expression)
    "checkbox": StrictBool,
}


def _min_wikilinks(count: int) -> Callable[[list[Any]], list[Any]]:
    def check(items: list[Any]) -> list[Any]:
        found = sum(1 for item in items if isinstance(item, str) and re.match(WIKILINK_RE, item))
        if found < count:
            raise PydanticCustomError("too_few_links", "has {found} wiki links", {"found": found})
        return items

    return check


def python_type(spec: FieldSpec) -> Any:
    """The pydantic type annotation enforcing ``spec``."""
    kind = spec.type
    if isinstance(kind, list):
        members = tuple(_SCALARS[k] for k in kind)
        return Union[members] if len(members) > 1 else members[0]  # noqa: UP007
    if kind == "list":
        assert spec.items is not None
        extra: list[Any] = [Field(min_length=spec.min_items, max_length=spec.max_items)]
        if spec.min_wikilinks:
            extra.append(AfterValidator(_min_wikilinks(spec.min_wikilinks)))
        args = (list[python_type(spec.items)], *extra)  # type: ignore[misc]
        return Annotated[args]
    if kind == "enum":
        return Literal[tuple(spec.values or ())]
    if kind == "pattern":
        assert spec.pattern is not None
        return _pattern(spec.pattern)
    if kind == "score":
        scores = "|".join(str(k) for k in range(1, (spec.scale or 1) + 1))
        return _pattern(rf"^(?:{scores})/{spec.scale}$")
    return _SCALARS[kind]


@dataclass(frozen=True)
class FieldProblem:
    """One frontmatter field that breaks its schema (``item``: the list entry at fault, if one is)."""

    field: str
    missing: bool
    message: str
    unquoted_link: bool = False  # the offending item is an ``[[X]]`` written without quotes
    item: int | None = None  # the list entry at fault, if one is


class Schema:
    """A schema file compiled for use: its spec, its pydantic model, and matching."""

    def __init__(self, spec: SchemaFile, source: str, by_shape: bool = False) -> None:
        """Compile ``spec`` (read from ``source``). ``by_shape``: a built-in template the vault did not
        enable, which matches a note only when the note also holds every property it requires."""
        self.spec = spec
        self.name = spec.name
        self.source = source
        self.by_shape = by_shape
        definitions: dict[str, Any] = {}
        for i, (key, field) in enumerate(spec.fields.items()):
            annotation = python_type(field)
            if field.required:
                definitions[f"f{i}"] = (annotation, Field(alias=key, description=field.description or None))
            else:
                definitions[f"f{i}"] = (
                    annotation | None,
                    Field(None, alias=key, description=field.description or None),
                )
        config = ConfigDict(extra="allow" if spec.extra_keys else "forbid", title=spec.name)
        model_name = "Frontmatter_" + re.sub(r"\W", "_", spec.name)
        self.model: type[BaseModel] = create_model(model_name, __config__=config, **definitions)

    def __reduce__(self) -> tuple[type[Schema], tuple[SchemaFile, str, bool]]:
        """Pickled as its spec, source and matching: the model is compiled again where it is unpickled."""
        return Schema, (self.spec, self.source, self.by_shape)

    @cached_property
    def required_keys(self) -> tuple[str, ...]:
        """The properties the template requires."""
        return tuple(key for key, field in self.spec.fields.items() if field.required)

    def matches(self, path: str, frontmatter: dict[str, Any] | None, keys: Iterable[str] = ()) -> bool:
        """Whether a note at ``path`` with ``frontmatter`` falls under this schema by its ``match`` rules.

        ``keys`` are property names written in a frontmatter block whose YAML did not parse:
        they still count for ``has_keys``, so the note's body is checked against its template.
        A built-in template the vault did not enable (``by_shape``) also needs every property
        it requires to be present: one shared key such as ``topics`` is no sign of the template.
        """
        match = self.spec.match
        if not (match.paths or match.frontmatter or match.has_keys):
            return False
        if match.paths and not any(fnmatch.fnmatchcase(path, pattern) for pattern in match.paths):
            return False
        fm = frontmatter or {}
        present = set(fm) | set(keys)
        if any(key not in present for key in match.has_keys):
            return False
        if self.by_shape and any(key not in present for key in self.required_keys):
            return False
        return all(_value_matches(fm.get(key), wanted) for key, wanted in match.frontmatter.items())

    def validate(self, frontmatter: dict[str, Any]) -> list[FieldProblem]:
        """Validate frontmatter with the compiled model; one problem per offending field or item."""
        try:
            self.model.model_validate(frontmatter)
        except ValidationError as exc:
            return self._problems(exc, frontmatter)
        return []

    def _problems(self, exc: ValidationError, frontmatter: dict[str, Any]) -> list[FieldProblem]:
        seen: set[tuple[Any, ...]] = set()
        out: list[FieldProblem] = []
        for error in exc.errors():
            loc = error["loc"]
            key = str(loc[0])
            where = loc[:2] if len(loc) > 1 and isinstance(loc[1], int) else loc[:1]
            if where in seen:
                continue
            seen.add(where)
            spec = self.spec.fields.get(key)
            if error["type"] == "missing":
                wants = spec.wants() if spec else "a value"
                out.append(FieldProblem(key, True, f"'{key}' is missing; {self.name} requires it ({wants})"))
                continue
            if spec is None:
                out.append(FieldProblem(key, False, f"'{key}' is not a property of {self.name}; remove or rename it"))
                continue
            value = frontmatter.get(key)
            index = where[1] if len(where) == 2 and isinstance(where[1], int) else None
            item = value[index] if index is not None and isinstance(value, list) else None
            message = self._type_message(key, spec, where, error, frontmatter)
            out.append(FieldProblem(key, False, message, holds_unquoted_link(item), index))
        return out

    def _type_message(
        self, key: str, spec: FieldSpec, where: tuple[Any, ...], error: Any, frontmatter: dict[str, Any]
    ) -> str:
        value = frontmatter.get(key)
        if len(where) == 2 and spec.items is not None and isinstance(value, list):
            item = value[where[1]]
            if isinstance(item, list) and spec.items.type != "list":
                return (
                    f"'{key}' item {where[1] + 1} is {_show(item)}: an unquoted [[link]] is a nested list in YAML; "
                    f'quote it ("[[...]]")'
                )
            return f"'{key}' item {where[1] + 1} is {_show(item)}; {self.name} wants {spec.items.wants()}"
        if spec.type == "list" and isinstance(value, str):
            split = "," if "," in value else None
            count = len(value.split(split))
            return f"'{key}' is one string {_show(value)}; {self.name} wants a YAML list" + (
                f" of {count} items, one per line ('- item')" if split else " ('- item' lines or [a, b])"
            )
        if error["type"] == "too_few_links":
            return f"'{key}' {error['msg']}; {self.name} wants at least {spec.min_wikilinks}"
        if error["type"] in ("too_short", "too_long") and isinstance(value, list):
            return f"'{key}' has {len(value)} items; {self.name} wants {spec.wants()}"
        reason = f" ({error['msg']})" if error["type"] in ("bad_date", "bad_datetime") else ""
        return f"'{key}' is {_show(value)}{reason}; {self.name} wants {spec.wants()}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_matches(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    if isinstance(value, list):
        return any(v in options for v in value)
    return value in options


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
                f"field '{field}': {_show(bad)} is not a type a list of types may hold"
                f"{did_you_mean(str(bad), get_args(ScalarType))}; those are {', '.join(get_args(ScalarType))}"
            )
        return (
            f"field '{field}': unknown type {_show(value)}{did_you_mean(str(value), _FIELD_TYPES)}; "
            f"the types are {', '.join(_FIELD_TYPES)} (or a list of {', '.join(get_args(ScalarType))})"
        )
    if error["type"] == "missing":
        return f"{where} is missing; it is required"
    if error["type"] == "string_pattern_mismatch" and path == ("name",):
        return f"name {_show(value)}: a schema name is lowercase letters, digits and hyphens (not first)"
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


def schema_for(
    schemas: Sequence[Schema], path: str, frontmatter: dict[str, Any] | None, keys: Iterable[str] = ()
) -> Schema | None:
    """The schema a note follows: its ``template:`` property, else the first whose ``match`` holds."""
    template = (frontmatter or {}).get("template")
    if isinstance(template, str):
        named = next((s for s in schemas if s.name == template), None)
        if named is not None:
            return named
    keys = tuple(keys)
    return next((s for s in schemas if s.matches(path, frontmatter, keys)), None)
