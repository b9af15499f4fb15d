"""The schema file format: what a ``schemas/*.yaml`` file may say, as validated models.

A schema file says which notes it applies to (``match``), what their frontmatter holds
(``fields``) and what their body holds (``sections``, ``table``, ``keywords``,
``forbidden``). Every number and phrase is data here, so users write schemas for their
own templates. :mod:`vaulttool.model.schema_files` reads the files,
:mod:`vaulttool.model.schema` compiles them.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vaulttool.model.markdown import heading_words

ScalarType = Literal["text", "wikilink", "url", "date", "datetime", "number", "checkbox"]
WIKILINK_RE = r"^\[\[[^\[\]]+\]\]$"
URL_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$"


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
