"""The vault's own Obsidian settings that change what a check looks at.

Read from the vault's configuration folder (``.obsidian`` unless the configuration names
another, as Obsidian's *Override config folder* does per device):

- template folders: ``templates.json`` (``folder``, the core Templates plugin) and
  ``plugins/templater-obsidian/data.json`` (``templates_folder``, the Templater plugin).
  Their files hold placeholders by design: they stay link targets, but their own links
  make no edges and only the rules in :data:`TEMPLATE_FILE_RULES` report on them.
- excluded files: ``app.json`` (``userIgnoreFilters``), Obsidian's *Excluded files*. They
  stay link targets and their links count (Obsidian still shows them as backlinks), but
  nothing is reported on them.
- the new link format: ``app.json`` (``newLinkFormat``), which ``vaulttool mv`` writes links in.

A settings file that is absent means Obsidian's default (nothing); one that cannot be
read or holds something else is ignored, and :attr:`ObsidianSettings.problems` says why.
"""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

DEFAULT_FOLDER = ".obsidian"
FOLDER_PATTERN = r"^\.[^./\\][^/\\]*$"  # a configuration folder is one hidden folder of the vault
APP = "app.json"
TEMPLATES = "templates.json"
TEMPLATER = "plugins/templater-obsidian/data.json"
# the rules that still report on a template file: what is wrong with the file itself, not its placeholders
TEMPLATE_FILE_RULES = frozenset({"unreadable-file", "mojibake", "name-conflict"})
LINK_FORMATS = ("shortest", "relative", "absolute")
_MAX_BYTES = 1 << 20  # a settings file is a few hundred bytes; anything far larger is not one


@dataclass(frozen=True)
class ObsidianSettings:
    """What the vault's Obsidian settings say about template folders and excluded files.

    ``templates``: (folder, settings file) pairs, folders as vault paths; ``excludes``: the
    ``userIgnoreFilters`` entries as written; ``apply_excludes``: whether excluded files go
    unchecked (``--no-obsidian-excludes`` turns it off); ``new_link_format``: one of
    :data:`LINK_FORMATS`, when set; ``files``: the settings files found; ``problems``: one line
    per settings file that was ignored.
    """

    folder: str = DEFAULT_FOLDER
    templates: tuple[tuple[str, str], ...] = ()
    excludes: tuple[str, ...] = ()
    apply_excludes: bool = True
    new_link_format: str | None = None
    files: tuple[str, ...] = field(default=(), compare=False)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def key(self) -> str:
        """The settings as text for cache keys: what a check's result depends on."""
        folders = sorted({folder for folder, _ in self.templates})
        return json.dumps([self.folder, folders, self.excludes if self.apply_excludes else []])

    def without_excludes(self) -> ObsidianSettings:
        """These settings with excluded files checked like any other file."""
        return replace(self, apply_excludes=False)

    @property
    def active(self) -> bool:
        """Whether the settings hide anything at all."""
        return bool(self.templates or (self.apply_excludes and self.excludes))

    def is_template(self, path: str) -> bool:
        """Whether the vault path ``path`` lies in a template folder (compared as Obsidian compares paths)."""
        if not self.templates:
            return False
        path = unicodedata.normalize("NFC", path)
        return any(path.startswith(folder + "/") for folder, _ in self.templates)

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` is one of Obsidian's excluded files (and they are to go unchecked)."""
        if not (self.apply_excludes and self.excludes):
            return False
        path = unicodedata.normalize("NFC", path)  # Obsidian's vault paths are NFC
        return any(pattern.search(path) for pattern in self._patterns)

    def reports_on(self, path: str, rule: str) -> bool:
        """Whether a diagnostic of ``rule`` on the file at ``path`` is reported."""
        if self.is_excluded(path):
            return False
        return rule in TEMPLATE_FILE_RULES or not self.is_template(path)

    @cached_property
    def _patterns(self) -> list[re.Pattern[str]]:
        return [pattern for entry in self.excludes if (pattern := _exclude_pattern(entry)) is not None]


def _exclude_pattern(entry: str) -> re.Pattern[str] | None:
    """The pattern Obsidian makes of one ``userIgnoreFilters`` entry: ``/…/`` is a regular
    expression found anywhere in the path, anything else a prefix of the path; both ignore case."""
    try:
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            return re.compile(entry[1:-1], re.IGNORECASE)
        return re.compile("^" + re.escape(entry), re.IGNORECASE)
    except re.error:
        return None


def _normal_folder(value: str) -> str:
    """A folder setting as Obsidian normalises vault paths: ``/`` for ``\\``, no repeated,
    leading or trailing slashes, NFC."""
    parts = [part for part in value.replace("\\", "/").split("/") if part]
    return unicodedata.normalize("NFC", "/".join(parts))


def _read_json(base: Path, name: str, problems: list[str], files: list[str]) -> Any:
    """The JSON value of settings file ``name`` under ``base``; None when it is absent or ignored.
    ``files`` learns the file when it is there; ``problems`` why it was ignored."""
    path = base / name
    where = f"{base.name}/{name}"
    try:
        info = os.stat(path)
        files.append(where)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            problems.append(f"{where} is not a settings file (a special file or over 1 MiB); ignored")
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(f"{where} cannot be read ({exc.strerror}); ignored")
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{where} is not valid JSON ({exc}); ignored")
        return None


def _setting(value: Any, key: str, where: str, problems: list[str]) -> Any:
    """``value[key]`` of a settings object (None when absent); a file that is no object is ignored."""
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f"{where} holds no JSON object; ignored")
        return None
    return value.get(key)


def read_obsidian_settings(root: Path, folder: str = DEFAULT_FOLDER) -> ObsidianSettings:
    """The Obsidian settings of the vault at ``root``, from its configuration folder ``folder``."""
    base = root / folder
    problems: list[str] = []
    files: list[str] = []
    templates: list[tuple[str, str]] = []
    for name, key in ((TEMPLATES, "folder"), (TEMPLATER, "templates_folder")):
        where = f"{folder}/{name}"
        value = _setting(_read_json(base, name, problems, files), key, where, problems)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{where}: '{key}' is not text; ignored")
        elif _normal_folder(value):  # empty or '/' names no folder (Templater's default is '')
            templates.append((_normal_folder(value), where))
    where = f"{folder}/{APP}"
    app = _read_json(base, APP, problems, files)
    filters = _setting(app, "userIgnoreFilters", where, problems)
    link_format = app.get("newLinkFormat") if isinstance(app, dict) else None
    excludes: list[str] = []
    if filters is not None and not isinstance(filters, list):
        problems.append(f"{where}: 'userIgnoreFilters' is not a list; ignored")
    for entry in filters if isinstance(filters, list) else ():
        if not isinstance(entry, str) or not entry.strip():
            continue  # an empty entry would exclude every file: Obsidian skips it
        if _exclude_pattern(entry) is None:
            problems.append(f"{where}: excluded-files entry {entry!r} is no regular expression Python reads; ignored")
            continue
        excludes.append(entry)
    known = link_format if link_format in LINK_FORMATS else None
    return ObsidianSettings(folder, tuple(templates), tuple(excludes), True, known, tuple(files), tuple(problems))
