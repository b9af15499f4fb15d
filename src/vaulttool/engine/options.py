"""What a check is asked to do: the rules, their severities, the notes and the schemas."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from vaulttool.model.config import DEFAULT_MOC_FIELDS
from vaulttool.model.notes import DEFAULT_MAX_BYTES
from vaulttool.model.obsidian import ObsidianSettings
from vaulttool.model.schema import Schema
from vaulttool.model.values import Severity
from vaulttool.rules import ALL_RULES, UnknownRule

if TYPE_CHECKING:
    from vaulttool.model.config import Settings


@dataclass(frozen=True)
class Options:
    """What to check and how: rule selection, severities, ignored paths, size cap."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    schemas: tuple[Schema, ...] = ()
    schema_dir: Path | None = None
    stub_dir: str | None = None
    moc_fields: tuple[str, ...] = DEFAULT_MOC_FIELDS
    fixable: tuple[str, ...] = ()  # the rules whose fixes apply (none named: all) ...
    unfixable: tuple[str, ...] = ()  # ... but these
    unsafe_fixes: bool = False
    obsidian: ObsidianSettings = field(default_factory=ObsidianSettings)  # template folders, excluded files

    def schema_parts(self) -> list[bytes]:
        """Each schema as bytes (its file name, not where the file is, and its settings), for cache keys."""
        return [
            f"{os.path.basename(s.source)}\0{s.by_shape}\0".encode() + s.spec.model_dump_json().encode()
            for s in self.schemas
        ]


def enabled_rules(options: Options) -> list[ModuleType]:
    """The rule modules selected by ``options`` (all by default, minus ignored ones)."""
    _known_rules((*options.select, *options.ignore, *options.severity, *options.fixable, *options.unfixable), "")
    chosen = [r for r in ALL_RULES if not options.select or "ALL" in options.select or r.ID in options.select]
    return [r for r in chosen if r.ID not in options.ignore]


def _known_rules(rule_ids: Iterable[str], where: str) -> None:
    """Raise :class:`UnknownRule` (its message starting with ``where``) for the first id no rule has."""
    known = {rule.ID for rule in ALL_RULES}
    for rule_id in rule_ids:
        if rule_id not in known and rule_id != "ALL":
            raise UnknownRule(rule_id, ALL_RULES, where)


def options_for(
    root: Path,
    config_file: Path | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    *,
    settings: Settings | None = None,
) -> Options:
    """Options for checking ``root``: its settings (read now unless given), then command-line overrides.

    Raises :class:`~vaulttool.model.config.ConfigError`, :class:`~vaulttool.model.schema_files.SchemaError` or
    :class:`~vaulttool.rules.UnknownRule` (for a rule id in the configuration or in ``select``/``ignore``).
    """
    from vaulttool.model.config import ConfigError, load_settings
    from vaulttool.model.schema_files import load_schemas

    settings = settings or load_settings(root, config_file)
    config, source = settings.config, settings.source
    for where, rule_ids in (("--select", select), ("--ignore", ignore)):
        _known_rules(rule_ids, f"{where}: ")
    for key in ("select", "ignore", "severity"):
        _known_rules(getattr(config, key), f"{source}: {key}: ")
    folder = settings.schema_folder
    if config.schemas is not None and not folder.is_dir():
        raise ConfigError(f"{source}: schemas folder '{config.schemas}' does not exist")
    builtin = config.schemas is None  # the templates shipped with vaulttool match only where they are meant to
    enabled = config.templates if builtin else None
    schemas = load_schemas(folder, config.schema_order, enabled) if folder.is_dir() else []
    severity = {rule: Severity(level) for rule, level in config.severity.items() if level != "off"}
    off = tuple(rule for rule, level in config.severity.items() if level == "off")
    return Options(
        select=tuple(select) or tuple(config.select),
        ignore=(*ignore, *config.ignore, *off),
        severity=severity,
        exclude=tuple(config.exclude),
        max_file_size=config.max_file_size,
        schemas=tuple(schemas),
        schema_dir=folder,
        stub_dir=config.stub_dir,
        moc_fields=tuple(config.moc_fields),
        fixable=tuple(config.fixable),
        unfixable=tuple(config.unfixable),
        unsafe_fixes=config.unsafe_fixes,
        obsidian=settings.obsidian,
    )
