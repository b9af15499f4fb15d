"""What a configuration file may hold, as a validated model (keys in kebab-case).

Kept apart from :mod:`vaulttool.model.config` so that reading the files, and recognising
settings a completed check already accepted, never imports pydantic.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vaulttool.model.config_names import DEFAULT_MOC_FIELDS, ConfigError
from vaulttool.model.obsidian import DEFAULT_FOLDER, FOLDER_PATTERN
from vaulttool.model.suggest import did_you_mean

SeverityName = Literal["error", "warning", "info", "off"]


class Config(BaseModel):
    """The settings of a configuration file; every value checked."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    schemas: str | None = Field(default=None, description="folder of schema files, relative to the config file")
    schema_order: list[str] = Field(default=[], alias="schema-order")
    templates: list[str] = Field(
        default=[], description="built-in templates that apply to every note their match rules select"
    )
    exclude: list[str] = Field(default=[], description="glob patterns of vault paths to skip")
    select: list[str] = []
    ignore: list[str] = []
    severity: dict[str, SeverityName] = {}
    max_file_size: int = Field(default=16 * 1024 * 1024, alias="max-file-size", gt=0)
    stub_dir: str | None = Field(default=None, alias="stub-dir", description="vault folder for new stubs")
    moc_fields: list[str] = Field(
        default=list(DEFAULT_MOC_FIELDS),
        alias="moc-fields",
        description="properties whose links name the note's maps of content",
    )
    fixable: list[str] = Field(default=[], description="rules whose fixes apply (default: all)")
    unfixable: list[str] = Field(default=[], description="rules whose fixes never apply")
    unsafe_fixes: bool = Field(default=False, alias="unsafe-fixes", description="apply unsafe fixes too")
    stamp: Literal["auto", "content", "mtime"] = Field(
        default="auto", description="how the cache tells a note is unchanged (auto: content when CI is set)"
    )
    obsidian_folder: str = Field(
        default=DEFAULT_FOLDER,
        alias="obsidian-folder",
        pattern=FOLDER_PATTERN,
        description="the vault's Obsidian configuration folder (Obsidian's 'Override config folder')",
    )


def validated(table: dict[str, Any], where: str) -> Config:
    """``table`` as a :class:`Config`; :class:`ConfigError` naming ``where`` and each problem in the file's keys."""
    try:
        return Config.model_validate(table)
    except ValidationError as exc:
        keys = [field.alias or name for name, field in Config.model_fields.items()]
        raise ConfigError(f"{where}: {'; '.join(_problem(error, keys) for error in exc.errors())}") from exc


def _problem(error: Any, keys: list[str]) -> str:
    """One validation error of a configuration, in its own keys' terms (``keys``: the known top-level keys)."""
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key '{where}'{did_you_mean(where, keys)}; the keys are {', '.join(keys)}"
    if error["type"] == "literal_error":
        allowed = [part.strip(" '") for part in error["ctx"]["expected"].replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(error["input"]), allowed)
        return f"{where}: {error['input']!r} is not one of {', '.join(allowed)}{hint}"
    return f"{where}: {error['msg']}"
