"""Configuration: ``.vaulttool.toml`` or ``[tool.vaulttool]`` in ``pyproject.toml``.

The nearest file walking up from the vault wins (a ``pyproject.toml`` counts only when it
has a ``[tool.vaulttool]`` table); ``--config FILE`` overrides the search. Unknown keys
are errors naming the file.

:func:`load_settings` reads a vault's settings once: the configuration file, its schemas
folder's file names and bytes, and the vault's Obsidian settings. The validated model
(:attr:`Settings.config`, pydantic) is built from that read on first use; a re-run served
from the cache only needs :meth:`Settings.digest`, made from the same read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaulttool.model.config_names import DEFAULT_MOC_FIELDS as DEFAULT_MOC_FIELDS
from vaulttool.model.config_names import ConfigError as ConfigError
from vaulttool.model.obsidian import DEFAULT_FOLDER, FOLDER_PATTERN, ObsidianSettings, read_obsidian_settings

if TYPE_CHECKING:
    from vaulttool.model.config_model import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_STAMPS = ("auto", "content", "mtime")


def _read(path: Path) -> tuple[bytes, dict[str, Any] | None]:
    """The bytes of configuration file ``path`` and its vaulttool table (None: a pyproject.toml without one)."""
    try:
        data = path.read_bytes()
        parsed = tomllib.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    if path.name != "pyproject.toml":
        return data, parsed
    tool = parsed.get("tool", {})
    table = tool.get("vaulttool") if isinstance(tool, dict) else None
    return data, table if isinstance(table, dict) else None


def _locate(vault: Path) -> tuple[Path, bytes, dict[str, Any]] | None:
    """The nearest configuration file above ``vault``, its bytes and its table."""
    for folder in (vault.resolve(), *vault.resolve().parents):
        for name in (".vaulttool.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file():
                data, table = _read(candidate)
                if table is not None:
                    return candidate, data, table
    return None


@dataclass(frozen=True, eq=False)
class Settings:
    """A vault's settings as read once: the configuration file (``source``, None for the
    defaults; its ``data`` and vaulttool ``table``) and the vault's Obsidian settings."""

    vault: Path
    source: Path | None
    data: bytes
    table: Mapping[str, Any]
    obsidian: ObsidianSettings

    @cached_property
    def config(self) -> Config:
        """The configuration, validated (:class:`ConfigError` naming the file and each problem)."""
        from vaulttool.model.config_model import validated

        return validated(dict(self.table), str(self.source))

    @property
    def stamp(self) -> str:
        """The ``stamp`` setting, needed before the configuration is validated (``auto`` for a
        value that is none of the stamps: validating the configuration reports it)."""
        value = self.table.get("stamp", "auto")
        return value if value in _STAMPS else "auto"

    @property
    def schema_folder(self) -> Path:
        """The schemas folder the configuration names (relative to its file), else the built-in one."""
        return schema_folder(self.config.schemas, self.source)

    def digest(self, *extra: str) -> tuple[str, tuple[str, ...]] | None:
        """A digest of everything a check depends on besides the notes, and the ``exclude`` patterns.

        It covers the configuration file (its path from the vault and the bytes read), the
        vault's Obsidian settings, the name and bytes of every file of the schemas folder,
        and ``extra``. It is made without validating the configuration, so it only serves to
        recognise settings a completed check already accepted: None when they hold
        something no valid configuration holds, or the schemas cannot be read.
        """
        schemas, exclude = self.table.get("schemas"), self.table.get("exclude", [])
        if not (schemas is None or isinstance(schemas, str)) or not isinstance(exclude, list):
            return None
        if not all(isinstance(pattern, str) for pattern in exclude):
            return None
        where = os.fsencode(_from_vault(self.vault, self.source)) if self.source else b""
        parts = [where, self.data, self.obsidian.key().encode()]
        folder = schema_folder(schemas, self.source)
        try:
            if folder.is_dir():
                for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                    if entry.is_file():
                        parts += [os.fsencode(entry.name), Path(entry.path).read_bytes()]
        except OSError:
            return None
        digest = hashlib.sha256()
        for part in (*parts, *(value.encode("utf-8", "surrogatepass") for value in extra)):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest(), tuple(exclude)


def load_settings(vault: Path, explicit: Path | None = None) -> Settings:
    """The settings of ``vault``: ``explicit`` or the nearest configuration file, and its Obsidian settings.

    Raises :class:`ConfigError` for a configuration file that cannot be read; its values are
    validated by :attr:`Settings.config`.
    """
    if explicit is None:
        found = _locate(vault)
        source, data, table = found if found is not None else (None, b"", {})
    else:
        (data, explicit_table), source = _read(explicit), explicit
        if explicit_table is None:
            raise ConfigError(f"{explicit}: no [tool.vaulttool] table")
        table = explicit_table
    folder = table.get("obsidian-folder", DEFAULT_FOLDER)
    valid = isinstance(folder, str) and re.fullmatch(FOLDER_PATTERN, folder) is not None
    obsidian = read_obsidian_settings(vault, folder if valid else DEFAULT_FOLDER)
    return Settings(vault, source, data, table, obsidian)


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
