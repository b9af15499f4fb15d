"""The vault's own Obsidian settings: template folders and excluded files.

Template files (the core Templates plugin's folder, Templater's folder) hold placeholders:
they get no frontmatter, template or link diagnostics and their links make no edges, but
they stay link targets. Excluded files (``userIgnoreFilters``) stay link targets and their
links count, but nothing is reported on them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_frontmatter_links import write_vault
from vaulttool.commands.cli import cli
from vaulttool.engine.options import options_for
from vaulttool.incremental.check import check
from vaulttool.model.obsidian import read_obsidian_settings
from vaulttool.model.values import Diagnostic

TEMPLATE = "---\ntags: {{tags}}\n---\n# {{title}}\n\n## Log\n\n[[Nowhere]] [[Lonely]] â€“\n"
NOTES = {
    "Templates/Daily.md": TEMPLATE,
    "Templates2/Other.md": "[[Missing elsewhere]]\n",  # a sibling folder, not the template folder
    "Home.md": "# Home\n\n[[Daily]] [[Daily#Log]] [[Daily#No such]] [[Other]] [[Lonely 2]]\n",
    "Lonely.md": "Linked from the template alone.\n",
    "Lonely 2.md": "Linked from Home.\n",
}


def settings_files(root: Path, files: dict[str, object], folder: str = ".obsidian") -> None:
    """Write Obsidian settings files (name under the configuration folder to JSON value)."""
    for name, value in files.items():
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")


def found(root: Path, *, excludes: bool = True) -> list[Diagnostic]:
    options = options_for(root)
    if not excludes:
        options = dataclasses.replace(options, obsidian=options.obsidian.without_excludes())
    return list(check(root, options).diagnostics)


def on(diagnostics: list[Diagnostic], path: str) -> set[str]:
    return {d.rule for d in diagnostics if d.path == path}


def test_without_settings_a_template_file_is_checked_as_a_note(tmp_path: Path) -> None:
    diagnostics = found(write_vault(tmp_path, NOTES))
    assert {"frontmatter-syntax", "broken-link"} <= on(diagnostics, "Templates/Daily.md")
    assert "orphan-note" not in on(diagnostics, "Lonely.md")  # the template's link counts


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("templates.json", {"folder": "Templates"}),
        ("plugins/templater-obsidian/data.json", {"templates_folder": "/Templates/"}),
    ],
    ids=["core-templates", "templater"],
)
def test_a_template_folder_holds_placeholders_not_notes(tmp_path: Path, name: str, value: object) -> None:
    vault = write_vault(tmp_path, NOTES)
    settings_files(vault, {name: value})
    diagnostics = found(vault)
    # no frontmatter, template or link diagnostics; a broken encoding is still a broken file
    assert on(diagnostics, "Templates/Daily.md") == {"mojibake"}
    # its links make no edges: what only the template links to is an orphan
    assert "orphan-note" in on(diagnostics, "Lonely.md")
    assert "orphan-note" not in on(diagnostics, "Lonely 2.md")
    # it is still a link target, and its headings are anchors
    home = [d for d in diagnostics if d.path == "Home.md" and d.rule != "orphan-note"]
    assert [(d.rule, d.target) for d in home] == [("broken-anchor", "Daily#No such")]
    # a folder whose name merely starts the same is no template folder
    assert "broken-link" in on(diagnostics, "Templates2/Other.md")


def test_excluded_files_are_link_targets_not_checked(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path,
        {
            "Archive/Old.md": "---\nbad: [unclosed\n---\n[[Gone]] [[Target]]\n",
            "archive/lower.md": "[[Gone too]]\n",  # Obsidian compares without regard to case
            "Archived.md": "[[Gone three]]\n",  # 'Archive/' is a prefix of the path, not of a name
            "Notes/Draft plan.md": "[[Gone four]]\n",  # matched by the /regex/ entry
            "Cafe\u0301/Menu.md": "[[Gone five]]\n",  # a decomposed name (macOS) matches the composed entry
            "Target.md": "Linked only from the archive.\n",
            "Home.md": "[[Old]] [[Old#Nowhere]] [[lower]] [[Archived]] [[Draft plan]]\n",
        },
    )
    filters = ["Archive/", "/draft\\s/", "Caf\u00e9/"]
    settings_files(vault, {"app.json": {"userIgnoreFilters": filters, "newLinkFormat": "shortest"}})
    assert read_obsidian_settings(vault).new_link_format == "shortest"  # what `vaulttool mv` writes links in
    diagnostics = found(vault)
    for path in ("Archive/Old.md", "archive/lower.md", "Notes/Draft plan.md", "Cafe\u0301/Menu.md"):
        assert on(diagnostics, path) == set(), path
    assert on(diagnostics, "Archived.md") == {"broken-link"}
    assert "orphan-note" not in on(diagnostics, "Target.md")  # Obsidian shows the excluded file as a backlink
    # excluded files resolve, and their headings are still checked as anchors
    home = [(d.rule, d.target) for d in diagnostics if d.path == "Home.md" and d.rule != "orphan-note"]
    assert home == [("broken-anchor", "Old#Nowhere")]
    unhidden = found(vault, excludes=False)
    assert {"frontmatter-syntax", "broken-link"} <= on(unhidden, "Archive/Old.md")
    assert on(unhidden, "Notes/Draft plan.md") == {"broken-link"}


def test_broken_and_odd_settings_are_ignored_with_a_reason(tmp_path: Path) -> None:
    settings_files(
        tmp_path,
        {
            "app.json": "{not json",
            "templates.json": {"folder": ""},  # the plugin's default: no folder
            "plugins/templater-obsidian/data.json": ["not", "an", "object"],
        },
    )
    settings = read_obsidian_settings(tmp_path)
    assert settings.templates == () and settings.excludes == ()
    assert len(settings.problems) == 2
    assert settings.problems[0].startswith(".obsidian/plugins/templater-obsidian/data.json holds no JSON object")
    assert settings.problems[1].startswith(".obsidian/app.json is not valid JSON")
    assert read_obsidian_settings(tmp_path / "nowhere").problems == ()  # absent: Obsidian's defaults, silently


def test_a_filter_python_cannot_read_is_skipped_and_named(tmp_path: Path) -> None:
    settings_files(tmp_path, {"app.json": {"userIgnoreFilters": ["/(unclosed/", "", 3, "Attic"]}})
    settings = read_obsidian_settings(tmp_path)
    assert settings.excludes == ("Attic",)
    assert settings.problems == (
        ".obsidian/app.json: excluded-files entry '/(unclosed/' is no regular expression Python reads; ignored",
    )


def test_the_configuration_names_another_settings_folder(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {**NOTES, ".vaulttool.toml": 'obsidian-folder = ".obsidian-work"\n'})
    settings_files(vault, {"templates.json": {"folder": "Templates"}}, ".obsidian-work")
    settings_files(vault, {"templates.json": {"folder": "Elsewhere"}})  # the default folder is not read
    assert options_for(vault).obsidian.templates == (("Templates", ".obsidian-work/templates.json"),)
    assert on(found(vault), "Templates/Daily.md") == {"mojibake"}


def run(*args: str) -> tuple[int, str, str]:
    """``vaulttool ARGS``: exit code, standard output, standard error."""
    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    assert result.exception is None, result.output
    return result.return_value, result.stdout, result.stderr


def test_show_settings_prints_what_was_read_and_checks_nothing(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", NOTES)
    settings_files(vault, {"templates.json": {"folder": "Templates"}, "app.json": {"userIgnoreFilters": ["Archive/"]}})
    settings_files(vault, {"plugins/templater-obsidian/data.json": "{"})
    code, out, err = run("check", str(vault), "--show-settings", "--no-cache")
    assert code == 0  # the vault has errors, but nothing is checked
    assert out.splitlines() == [
        "configuration: none (defaults)",
        "obsidian settings folder: .obsidian",
        "obsidian settings files: .obsidian/templates.json, .obsidian/plugins/templater-obsidian/data.json, "
        ".obsidian/app.json",
        "template folders (placeholders: no frontmatter, template or link diagnostics; links make no edges):",
        "  Templates/  from .obsidian/templates.json",
        "excluded files (.obsidian/app.json userIgnoreFilters; link targets, not checked):",
        "  Archive/",
        "ignored: .obsidian/plugins/templater-obsidian/data.json is not valid JSON "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); ignored",
    ]
    assert err.count("vaulttool: info: .obsidian/plugins/templater-obsidian/data.json is not valid JSON") == 1
    _, out, _ = run("check", str(vault), "--show-settings", "--no-obsidian-excludes", "--no-cache")
    assert "excluded files (.obsidian/app.json userIgnoreFilters; checked (--no-obsidian-excludes)):" in out
    bare = write_vault(tmp_path / "bare", {"A.md": "[[Nowhere]]\n"})
    _, out, err = run("check", str(bare), "--show-settings", "--no-cache")
    assert "obsidian settings files: none (Obsidian's defaults: no template folder, no excluded file)" in out
    assert err == ""  # absent settings files are no problem


def test_a_broken_settings_file_is_one_info_line_and_the_check_goes_on(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"A.md": "[[B]]\n", "B.md": "[[A]]\n"})
    settings_files(vault, {"app.json": "[1, 2"})
    code, out, err = run("check", str(vault), "--no-cache")
    assert code == 0
    assert out.endswith("Checked 2 notes, 2 links: 0 errors, 0 warnings, 0 info.\n")
    reason = _json_error("[1, 2")
    assert err.splitlines() == [f"vaulttool: info: .obsidian/app.json is not valid JSON ({reason}); ignored"]


def _json_error(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return str(exc)
    raise AssertionError(text)


def test_no_obsidian_excludes_checks_the_excluded_files(tmp_path: Path) -> None:
    vault = write_vault(tmp_path, {"Archive/Old.md": "[[Gone]] [[Home]]\n", "Home.md": "[[Old]]\n"})
    settings_files(vault, {"app.json": {"userIgnoreFilters": ["Archive"]}})
    assert run("check", str(vault), "--no-cache")[0] == 0
    code, out, _ = run("check", str(vault), "--no-cache", "--no-obsidian-excludes")
    assert code == 1 and "Archive/Old.md:1:1: error broken-link [[Gone]]" in out


SETTINGS_EDITS: list[dict[str, object]] = [
    {"templates.json": {"folder": "Templates"}},
    {"app.json": {"userIgnoreFilters": ["Templates2"]}},
    {"templates.json": {"folder": "Templates2"}},
    {"app.json": {"userIgnoreFilters": ["/daily/"]}},
    {"templates.json": "{broken", "app.json": {"userIgnoreFilters": None}},
    {"plugins/templater-obsidian/data.json": {"templates_folder": "Templates"}},
]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_editing_the_obsidian_settings_between_cached_runs_gives_the_uncached_report(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaulttool.incremental import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)  # files written a moment ago count as settled: every run may replay
    vault = write_vault(tmp_path / "vault", NOTES)
    cached = ("check", str(vault), "--format", fmt, "--cache-dir", str(tmp_path / "cache"))
    run(*cached)
    for edit in SETTINGS_EDITS:
        settings_files(vault, edit)
        for _ in range(2):  # the run after the edit, then its replay
            assert run(*cached)[1] == run("check", str(vault), "--format", fmt, "--no-cache")[1], edit
        (vault / "Templates" / "Daily.md").write_text(TEMPLATE + "\n[[Another]]\n", encoding="utf-8")
        assert run(*cached)[1] == run("check", str(vault), "--format", fmt, "--no-cache")[1], edit


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_a_settings_file_that_is_a_fifo_is_never_opened(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    os.mkfifo(tmp_path / ".obsidian" / "app.json")  # opening it to read would wait for a writer forever
    settings = read_obsidian_settings(tmp_path)
    assert settings.problems == (".obsidian/app.json is not a settings file (a special file or over 1 MiB); ignored",)
