"""Configuration: ``.vaulttool.toml`` or ``[tool.vaulttool]`` in ``pyproject.toml``.

The nearest file walking up from the vault wins (a ``pyproject.toml`` counts only when it
has a ``[tool.vaulttool]`` table); ``--config FILE`` overrides the search. Unknown keys
are errors naming the file.

The settings model (pydantic) is built on first use: a re-run served from the cache
only needs :func:`settings_digest`, which reads the same files without validating them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vaulttool.model.obsidian import DEFAULT_FOLDER, read_obsidian_settings

if TYPE_CHECKING:
    from pydantic import BaseModel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SeverityName = Literal["error", "warning", "info", "off"]
DEFAULT_MOC_FIELDS = ("links", "up", "moc", "mocs")


class ConfigError(Exception):
    """A configuration file that cannot be used (exit code 2)."""


@cache
def config_model() -> type[BaseModel]:
    """The settings a configuration file may hold (keys in kebab-case), as a pydantic model."""
    from pydantic import BaseModel, ConfigDict, Field

    class Config(BaseModel):
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
        obsidian_folder: str = Field(
            default=DEFAULT_FOLDER,
            alias="obsidian-folder",
            pattern=r"^\.[^/\\]+$",
            description="the vault's Obsidian configuration folder (Obsidian's 'Override config folder')",
        )
        stamp: Literal["auto", "content", "mtime"] = Field(
            default="auto", description="how the cache tells a note is unchanged (auto: content when CI is set)"
        )

    return Config


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


def load_config(vault: Path, explicit: Path | None = None) -> tuple[Any, Path | None]:
    """The configuration for ``vault`` (a :func:`config_model` instance) and the file it came from (None: defaults)."""
    from pydantic import ValidationError

    model = config_model()
    path = explicit or find_config(vault)
    if path is None:
        return model(), None
    table = _table(path)
    if table is None:
        raise ConfigError(f"{path}: no [tool.vaulttool] table")
    try:
        return model.model_validate(table), path
    except ValidationError as exc:
        keys = [field.alias or name for name, field in model.model_fields.items()]
        problems = "; ".join(_problem(error, keys) for error in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc


def _problem(error: Any, keys: list[str]) -> str:
    """One validation error of a configuration, in its own keys' terms (``keys``: the known top-level keys)."""
    from vaulttool.model.suggest import did_you_mean

    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key '{where}'{did_you_mean(where, keys)}; the keys are {', '.join(keys)}"
    if error["type"] == "literal_error":
        allowed = [part.strip(" '") for part in error["ctx"]["expected"].replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(error["input"]), allowed)
        return f"{where}: {error['input']!r} is not one of {', '.join(allowed)}{hint}"
    return f"{where}: {error['msg']}"


def builtin_schema_dir() -> Path:
    """The schemas shipped with vaulttool (``schemas/`` of the source tree, packaged on install)."""
    spec = importlib.util.find_spec("vaulttool._builtin_schemas")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[3] / "schemas"


def schema_folder(schemas: str | None, source: Path | None) -> Path:
    """The schemas folder a configuration names (relative to its file), else the built-in one."""
    if schemas is None:
        return builtin_schema_dir()
    return (source.parent if source else Path.cwd()) / schemas


def _from_vault(vault: Path, path: Path) -> str:
    """``path`` relative to ``vault`` (the same in every checkout), else absolute (another drive)."""
    try:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(vault))
    except ValueError:
        return os.path.abspath(path)


def stamp_setting(vault: Path, explicit: Path | None) -> str:
    """The ``stamp`` setting of the configuration for ``vault``, read without validating it:
    ``auto`` when there is none or it cannot be read (loading the configuration reports why)."""
    try:
        path = explicit or find_config(vault)
        value = (_table(path) or {}).get("stamp", "auto") if path is not None else "auto"
    except ConfigError:
        return "auto"
    return value if value in ("content", "mtime") else "auto"


def settings_digest(vault: Path, explicit: Path | None, *extra: str) -> tuple[str, tuple[str, ...]] | None:
    """A digest of every setting a check of ``vault`` depends on, and the configured ``exclude`` patterns.

    The digest covers the configuration file (its path from the vault and its bytes), the vault's
    Obsidian settings, every file of the schemas folder it names (or of the built-in one) and
    ``extra``. Nothing is validated, so it only serves to recognise settings a completed run already accepted. None when
    the files cannot be read or hold something a valid configuration cannot.
    """
    try:
        path = explicit or find_config(vault)
        table = _table(path) if path is not None else {}
        schemas, exclude = (table or {}).get("schemas"), (table or {}).get("exclude", [])
        if not (schemas is None or isinstance(schemas, str)) or not isinstance(exclude, list):
            return None
        if not all(isinstance(pattern, str) for pattern in exclude):
            return None
        digest = hashlib.sha256()
        parts = [os.fsencode(_from_vault(vault, path)) if path else b"", path.read_bytes() if path else b""]
        obsidian = (table or {}).get("obsidian-folder", DEFAULT_FOLDER)
        if not isinstance(obsidian, str):
            return None
        parts.append(read_obsidian_settings(vault, obsidian).key().encode())
        folder = schema_folder(schemas, path)
        if folder.is_dir():
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    parts += [os.fsencode(entry.name), Path(entry.path).read_bytes()]
        for part in (*parts, *(value.encode("utf-8", "surrogatepass") for value in extra)):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
    except (OSError, ConfigError):
        return None
    return digest.hexdigest(), tuple(exclude)
