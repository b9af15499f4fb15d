"""Ground truth: a generated 1,000-note vault, checked against the manifest of its planted defects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from vaulttool.engine.lint import Report
from vaulttool.engine.options import options_for
from vaulttool.incremental.check import check


@pytest.fixture(scope="module")
def checked(genvault_1k: tuple[Path, dict]) -> tuple[Report, dict]:
    """The generated vault's report, computed once for this module, and its manifest."""
    vault, manifest = genvault_1k
    return check(vault), manifest


def _name(target: str) -> str:
    """A diagnostic's target as the manifest writes it: no subpath, decoded, no `.md`."""
    target = unquote(target.split("#", 1)[0]).strip()
    return target[:-3] if target.lower().endswith(".md") else target


def test_broken_links_equal_the_manifest(checked: tuple[Report, dict]) -> None:
    report, manifest = checked
    expected = Counter(
        (b["source"], b["target"], "missing-moc" if b["kind"] == "moc" else "broken-link")
        for b in manifest["broken_links"]
    )
    got = Counter(
        (d.path, _name(d.target or ""), d.rule) for d in report.diagnostics if d.rule in ("broken-link", "missing-moc")
    )
    assert got - expected == Counter(), "reported links the manifest does not list (precision < 100%)"
    assert expected - got == Counter(), "missed links the manifest lists (recall < 100%)"


def test_every_malformed_yaml_note_gets_frontmatter_syntax(checked: tuple[Report, dict]) -> None:
    report, manifest = checked
    flagged = {d.path for d in report.diagnostics if d.rule == "frontmatter-syntax"}
    assert {m["path"] for m in manifest["malformed_yaml"]} == flagged


def test_links_in_code_are_never_reported(checked: tuple[Report, dict]) -> None:
    report, manifest = checked
    fakes = {f["text"][2:-2].split("|")[0] for f in manifest["fake_links_in_code"]}
    assert not [d for d in report.diagnostics if d.target and d.target.split("|")[0] in fakes]


def _invalid(report: Report, manifest: dict, *left_out: str) -> None:
    """The frontmatter findings of ``report`` are the manifest's, but for the kinds ``left_out``."""
    invalid = {(d.path, d.field) for d in report.diagnostics if d.rule in ("frontmatter-type", "frontmatter-missing")}
    left = ("moc-link-unquoted", *left_out)  # an unquoted link is reported by frontmatter-link-unquoted alone
    assert invalid == {(x["path"], x["field"]) for x in manifest["invalid_frontmatter"] if x["kind"] not in left}


def test_template_findings_equal_the_manifest(checked: tuple[Report, dict]) -> None:
    report, manifest = checked
    short = {(d.path, d.target) for d in report.diagnostics if d.rule == "description-too-short"}
    assert short == {(s["path"], s["topic"]) for s in manifest["short_descriptions"]}
    # a note without a title lacks the built-in template's shape, and the vault does not enable it
    _invalid(report, manifest, "title-missing")
    assert {d.path for d in report.diagnostics if d.rule == "mojibake"} == set(manifest["mojibake_notes"])


def test_enabled_template_applies_to_every_note_it_matches(genvault_1k: tuple[Path, dict], tmp_path: Path) -> None:
    vault, manifest = genvault_1k
    config = tmp_path / "vaulttool.toml"
    config.write_text('templates = ["topic-overview"]\n', encoding="utf-8")
    _invalid(check(vault, options_for(vault, config)), manifest)


def test_unquoted_moc_links_are_no_links(checked: tuple[Report, dict]) -> None:
    report, manifest = checked
    expected = Counter((u["source"], u["target"]) for u in manifest.get("unquoted_moc_links", []))
    got = Counter((d.path, d.target) for d in report.diagnostics if d.rule == "frontmatter-link-unquoted")
    assert got == expected
    unquoted = {(u["source"], u["target"]) for u in manifest.get("unquoted_moc_links", [])}
    assert not [d for d in report.diagnostics if d.rule == "missing-moc" and (d.path, d.target) in unquoted]
