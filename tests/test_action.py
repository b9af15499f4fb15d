"""The GitHub Action, the workflows and the pre-commit hooks: schemas, injection audit, a real run."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.runner_model import processed_commands

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
HOOKS = REPO / ".pre-commit-hooks.yaml"
FULL_SHA = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def tool(name: str) -> str:
    """An executable installed beside this interpreter (the dev extra), else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps_of(doc: dict) -> list[dict]:
    if "runs" in doc:
        return doc["runs"]["steps"]
    return [step for job in doc["jobs"].values() for step in job["steps"]]


def test_workflows_and_action_match_githubs_schemas() -> None:
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    for schema, files in (("vendor.github-workflows", WORKFLOWS), ("vendor.github-actions", [ACTION])):
        done = subprocess.run([*check, schema, *map(str, files)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "vault-check.yml"}


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    zizmor = tool("zizmor")
    done = subprocess.run([zizmor, "--offline", "--no-progress", str(REPO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # and it would have caught an input pasted into a script
    unsafe = load(ACTION)
    [check] = [step for step in unsafe["runs"]["steps"] if step.get("id") == "check"]
    check["run"] = 'vaulttool check "${{ inputs.path }}"'
    (tmp_path / "action.yml").write_text(yaml.safe_dump(unsafe), encoding="utf-8")
    caught = subprocess.run([zizmor, "--offline", "--no-progress", str(tmp_path)], capture_output=True, text=True)
    assert caught.returncode != 0
    assert "template-injection" in caught.stdout


def test_no_expression_in_script_text_and_every_action_pinned() -> None:
    for path in (ACTION, *WORKFLOWS):
        doc = load(path)
        for step in steps_of(doc):
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"
        text = path.read_text(encoding="utf-8")
        for uses in re.findall(r"^\s*#?\s*-?\s*uses: (.+)$", text, re.M):
            assert uses.startswith("./") or FULL_SHA.match(uses), f"{path.name}: {uses}"
    for path in WORKFLOWS:
        doc = load(path)
        assert doc["permissions"] == {"contents": "read"}
        assert "pull_request_target" not in doc[True]  # PyYAML reads the key `on` as True


def test_ci_workflow_covers_the_supported_pythons() -> None:
    job = load(REPO / ".github" / "workflows" / "ci.yml")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    runs = " ".join(step.get("run", "") for step in job["steps"])
    for command in ("pip install -e '.[dev]'", "ruff check", "mypy", "pytest"):
        assert command in runs


def test_vault_check_workflow_uses_this_action_on_the_sample_vault() -> None:
    doc = load(REPO / ".github" / "workflows" / "vault-check.yml")
    assert list(doc[True]) == ["pull_request"]
    uses = [s for s in steps_of(doc) if s.get("uses") == "./"]
    assert uses == [{"name": "Check the vault", "uses": "./", "with": {"path": "vault"}}]
    text = (REPO / ".github" / "workflows" / "vault-check.yml").read_text()
    assert "#   security-events: write" in text
    assert "#   uses: github/codeql-action/upload-sarif@" in text


def test_pre_commit_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"vaulttool-check", "vaulttool-stub-check"}
    assert hooks["vaulttool-check"]["entry"] == "vaulttool check"
    assert hooks["vaulttool-stub-check"]["entry"] == "vaulttool stub --check --topics --mocs"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["require_serial"] is True
        files = re.compile(hook["files"])
        assert files.search("notes/Topic.md")
        assert files.search("Board.canvas")
        assert not files.search("README.txt")


# running the action's steps


def action_step(step_id: str) -> dict:
    [step] = [s for s in load(ACTION)["runs"]["steps"] if s.get("id") == step_id]
    return step


def expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    """Substitute the ``${{ inputs.x }}`` and ``${{ steps.s.outputs.o }}`` expressions of an ``env:``."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        return outputs[expr]

    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", one, value)


def run_check_step(
    workspace: Path, tmp_path: Path, cache_dir: Path | None = None, **inputs: str
) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """Run the action's check step as a runner would: bash, its env, the GITHUB_* files; the
    cache step's folder is ``cache_dir`` (default: one in ``tmp_path``)."""
    shim = tmp_path / "bin" / "vaulttool"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vaulttool "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    defaults = {name: str(spec.get("default", "")) for name, spec in load(ACTION)["inputs"].items()}
    step = action_step("check")
    outputs = {
        "steps.install.outputs.vaulttool": str(shim),
        "steps.cache.outputs.dir": str(cache_dir or tmp_path / "runner-temp" / "vaulttool-cache"),
    }
    env_values = {key: expand(str(value), defaults | inputs, outputs) for key, value in step["env"].items()}
    output, summary = tmp_path / "github_output", tmp_path / "step_summary.md"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "CI": "true",  # as every runner sets it
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        **env_values,
    }
    assert step["shell"] == "bash"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
    )
    return done, output, summary


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "Home.md").write_text("# Home\n\n[[Missing]] and [[Other]]\n")
    (root / "docs" / "Other.md").write_text("[[Home]]\n")
    return root


def test_action_check_step_annotates_summarises_writes_sarif_and_fails(workspace: Path, tmp_path: Path) -> None:
    done, output, summary = run_check_step(
        workspace, tmp_path, path="docs", args="--ignore orphan-note", **{"sarif-file": "out/vaulttool.sarif"}
    )
    assert done.returncode == 1, done.stderr
    assert output.read_text() == "exit-code=1\n"
    errors = [c for c in processed_commands(done.stdout) if c.name == "error"]
    assert [(c.properties["file"], c.properties["line"], c.data[:11]) for c in errors] == [
        ("docs/Home.md", "3", "[[Missing]]")
    ]
    assert "| broken-link | 1 | 0 | 0 |" in summary.read_text()
    log = json.loads((workspace / "out" / "vaulttool.sarif").read_text())
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docs/Home.md"


def test_action_check_step_passes_on_a_clean_vault(workspace: Path, tmp_path: Path) -> None:
    (workspace / "docs" / "Missing.md").write_text("[[Home]]\n")
    done, output, _ = run_check_step(workspace, tmp_path, path="docs")
    assert done.returncode == 0, done.stderr
    assert output.read_text() == "exit-code=0\n"
    assert not (workspace / "vaulttool.sarif").exists()


def test_action_check_step_reports_usage_errors(workspace: Path, tmp_path: Path) -> None:
    done, output, _ = run_check_step(workspace, tmp_path, path="docs", args="--select no-such-rule")
    assert done.returncode == 2
    assert output.read_text() == "exit-code=2\n"
    assert "unknown rule 'no-such-rule'" in done.stderr


def test_action_inputs_are_data_not_shell(workspace: Path, tmp_path: Path) -> None:
    done, output, _ = run_check_step(workspace, tmp_path, path='docs"; touch pwned; echo "', args="$(touch pwned2) *")
    assert done.returncode == 2
    assert not list(workspace.glob("pwned*"))
    assert output.read_text() == "exit-code=2\n"


def test_action_restores_and_saves_its_cache_with_actions_cache_pinned() -> None:
    doc = load(ACTION)
    assert doc["inputs"]["cache"]["default"] == "true"
    steps = {step.get("id") or step["name"]: step for step in doc["runs"]["steps"]}
    order = list(steps)
    assert order.index("cache") < order.index("restore") < order.index("check") < order.index("Save the cache")
    restore, save = steps["restore"], steps["Save the cache"]
    assert restore["uses"].split("@")[0] == "actions/cache/restore"
    assert save["uses"].split("@")[0] == "actions/cache/save"
    assert restore["uses"].split("@")[1] == save["uses"].split("@")[1]  # one release of actions/cache
    assert restore["if"] == "${{ inputs.cache == 'true' }}"
    assert restore["with"] == {
        "path": "${{ steps.cache.outputs.dir }}",
        "key": "${{ steps.cache.outputs.key }}",
        "restore-keys": "${{ steps.cache.outputs.restore-key }}",
    }
    assert save["with"] == {"path": "${{ steps.cache.outputs.dir }}", "key": "${{ steps.cache.outputs.key }}"}
    # saved after a check that found problems too, never twice under one key
    for condition in ("!cancelled()", "inputs.cache == 'true'", "cache-hit != 'true'", "steps.check.outcome"):
        assert condition in save["if"]
    assert steps["check"]["env"]["VAULTTOOL_CACHE_DIR"] == "${{ steps.cache.outputs.dir }}"


def cache_outputs(tmp_path: Path, vault: str, sha: str = "0123abc") -> dict[str, str]:
    """The outputs of the action's cache step for ``vault`` at commit ``sha``."""
    output = tmp_path / f"cache-output-{len(list(tmp_path.glob('cache-output-*')))}"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO / "src"),
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_SHA": sha,
        "VAULTTOOL_PYTHON": sys.executable,
        "VAULTTOOL_VAULT": vault,
    }
    step = action_step("cache")
    assert set(step["env"]) == {"VAULTTOOL_PYTHON", "VAULTTOOL_VAULT"}
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=env, check=True)
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_action_cache_key_names_os_python_version_vault_and_commit(tmp_path: Path) -> None:
    from vaulttool import __version__

    found = cache_outputs(tmp_path, "docs")
    assert found["dir"] == str(tmp_path / "runner-temp" / "vaulttool-cache")
    assert found["key"] == found["restore-key"] + "0123abc"
    assert found["restore-key"].startswith(f"vaulttool-Linux-{sys.implementation.cache_tag}-{__version__}-")
    assert "," not in found["key"] and len(found["key"]) < 512
    assert cache_outputs(tmp_path, "./docs/") == found
    assert cache_outputs(tmp_path, "docs", "fedcba9")["restore-key"] == found["restore-key"]
    assert cache_outputs(tmp_path, "notes, old")["restore-key"] != found["restore-key"]


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """The annotations a runner makes of a step's output."""
    found = processed_commands(stdout)
    return [(c.name, c.properties, c.data) for c in found if c.name in ("error", "warning", "notice")]


def cache_files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("stamp", ["", "--stamp mtime"])
def test_action_check_on_a_fresh_checkout_uses_the_restored_cache(workspace: Path, tmp_path: Path, stamp: str) -> None:
    first_run = tmp_path / "first-run-temp" / "vaulttool-cache"
    done, _, _ = run_check_step(workspace, tmp_path, first_run, path="docs", args=stamp)
    assert done.returncode == 1, done.stderr
    # the next run: a new checkout (every file written anew) and the cache restored into a new runner
    checkout = tmp_path / "next-run" / "workspace"
    shutil.copytree(workspace, checkout, copy_function=shutil.copyfile)
    restored = tmp_path / "next-run-temp" / "vaulttool-cache"
    shutil.copytree(first_run, restored, copy_function=shutil.copyfile)
    before = cache_files(restored)
    again, _, _ = run_check_step(checkout, tmp_path, restored, path="docs", args=stamp)
    assert again.returncode == 1, again.stderr
    assert annotations(again.stdout) == annotations(done.stdout)
    if stamp:  # file times: every note looks changed, and is parsed and stored again
        assert cache_files(restored) != before
    else:  # content stamps (CI is set): the notes, the state and the report are the restored ones
        assert cache_files(restored) == before
        (checkout / "docs" / "Other.md").write_text("[[Home]] [[Gone]]\n")
        edited, _, _ = run_check_step(checkout, tmp_path, restored, path="docs", args=stamp)
        broken = [data[:8] for name, _, data in annotations(edited.stdout) if name == "error"]
        assert sorted(broken) == ["[[Gone]]", "[[Missin"]
