"""Template schemas compiled for use: each field's pydantic type, the frontmatter model,
which notes a schema applies to, and its findings in a note's own terms.

The frontmatter model is compiled once per run from the schema file
(:mod:`vaulttool.model.schema_format`); :mod:`vaulttool.model.schema_files` loads the files.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any, Literal, Union

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
)
from pydantic_core import PydanticCustomError

from vaulttool.model.properties import holds_unquoted_link
from vaulttool.model.schema_format import URL_RE, WIKILINK_RE, FieldSpec, SchemaFile


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
    wikilink = re.compile(WIKILINK_RE).match

    def check(items: list[Any]) -> list[Any]:
        found = 0
        for item in items:  # counted only as far as ``count``: most lists open with their link
            if isinstance(item, str) and wikilink(item):
                found += 1
                if found >= count:
                    return items
        raise PydanticCustomError("too_few_links", "has {found} wiki links", {"found": found})

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
        if not (fm.keys() | set(keys) if keys else fm.keys()) >= self._needed_keys:
            return False
        return all(_value_matches(fm.get(key), wanted) for key, wanted in match.frontmatter.items())

    @cached_property
    def _needed_keys(self) -> frozenset[str]:
        """The properties a note needs to fall under this schema: its ``has_keys``, and those the template
        requires when it is a built-in one the vault did not enable (``by_shape``)."""
        return frozenset((*self.spec.match.has_keys, *(self.required_keys if self.by_shape else ())))

    def validate(self, frontmatter: dict[str, Any]) -> list[FieldProblem]:
        """Validate frontmatter with the compiled model; one problem per offending field or item."""
        try:
            self.model.__pydantic_validator__.validate_python(frontmatter)  # model_validate without its Python frame
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
                    f"'{key}' item {where[1] + 1} is {show_value(item)}: an unquoted [[link]] is a nested list "
                    f'in YAML; quote it ("[[...]]")'
                )
            return f"'{key}' item {where[1] + 1} is {show_value(item)}; {self.name} wants {spec.items.wants()}"
        if spec.type == "list" and isinstance(value, str):
            split = "," if "," in value else None
            count = len(value.split(split))
            return f"'{key}' is one string {show_value(value)}; {self.name} wants a YAML list" + (
                f" of {count} items, one per line ('- item')" if split else " ('- item' lines or [a, b])"
            )
        if error["type"] == "too_few_links":
            return f"'{key}' {error['msg']}; {self.name} wants at least {spec.min_wikilinks}"
        if error["type"] in ("too_short", "too_long") and isinstance(value, list):
            return f"'{key}' has {len(value)} items; {self.name} wants {spec.wants()}"
        reason = f" ({error['msg']})" if error["type"] in ("bad_date", "bad_datetime") else ""
        return f"'{key}' is {show_value(value)}{reason}; {self.name} wants {spec.wants()}"


def show_value(value: Any) -> str:
    """``value`` as a message quotes it: its repr, cut short past 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_matches(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    if isinstance(value, list):
        return any(v in options for v in value)
    return value in options


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
