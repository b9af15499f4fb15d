"""Configuration: ``.vaulttool.toml`` or ``[tool.vaulttool]`` in ``pyproject.toml``.

The nearest file walking up from the vault wins (a ``pyproject.toml`` counts only when it
has a ``[tool.vaulttool]`` table); ``--config FILE`` overrides the search. Unknown keys
are errors naming the file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SeverityName = Literal["error", "warning", "info", "off"]


class ConfigError(Exception):
    """A configuration file that cannot be used (exit code 2)."""


class Config(BaseModel):
    """The settings a configuration file may hold (keys in kebab-case)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    schemas: str | None = Field(default=None, description="folder of schema files, relative to the config file")
    schema_order: list[str] = Field(default=[], alias="schema-order")
    exclude: list[str] = Field(default=[], description="glob patterns of vault paths to skip")
    select: list[str] = []
    ignore: list[str] = []
    severity: dict[str, SeverityName] = {}
    max_file_size: int = Field(default=16 * 1024 * 1024, alias="max-file-size", gt=0)
    stub_dir: str | None = Field(default=None, alias="stub-dir", description="vault folder for new stubs")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def _table(path: Path) -> dict[str, Any] | None:
    """The vaulttool settings in ``path``, or None when a pyproject.toml has none."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        return tool.get("vaulttool") if isinstance(tool, dict) else None
    return data


def find_config(vault: Path) -> Path | None:
    """The nearest ``.vaulttool.toml`` or ``pyproject.toml`` with ``[tool.vaulttool]`` above ``vault``."""
    for folder in (vault.resolve(), *vault.resolve().parents):
        for name in (".vaulttool.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file() and _table(candidate) is not None:
                return candidate
    return None


def load_config(vault: Path, explicit: Path | None = None) -> tuple[Config, Path | None]:
    """The configuration for ``vault`` and the file it came from (None: defaults)."""
    path = explicit or find_config(vault)
    if path is None:
        return Config(), None
    table = _table(path)
    if table is None:
        raise ConfigError(f"{path}: no [tool.vaulttool] table")
    try:
        return Config.model_validate(table), path
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: " + ("unknown key" if e["type"] == "extra_forbidden" else e["msg"])
            for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc
