"""Shared fixtures: paths of the repository, the sample vault, the seed note and fixture vaults."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vaulttool.incremental import pool

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SAMPLE_VAULT = REPO / "vault"
SHARED = Path(os.environ.get("VAULTTOOL_SHARED", REPO.parent / "shared"))
# the raw seed note, byte for byte as first written (mojibake, comma-string tags, closing remark)
SEED = FIXTURES / "seed" / "python-concurrency-patterns.md"


@pytest.fixture
def seed_vault(tmp_path: Path) -> Path:
    """A vault holding only the raw seed note, as it was first written (defects included)."""
    vault = tmp_path / "seed-vault"
    vault.mkdir()
    shutil.copy(SEED, vault / SEED.name)
    return vault


GENVAULT = SHARED / "bench" / "genvault.py"


@pytest.fixture(scope="session")
def generated_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 500-note vault made by the tests' own generator (:mod:`tests.vaultgen`); copy it before changing it."""
    from tests.vaultgen import make_vault

    return make_vault(tmp_path_factory.mktemp("generated") / "vault", notes=500, seed=7)


@pytest.fixture(scope="session")
def genvault_1k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 1,000-note synthetic vault and the manifest of every defect planted in it."""
    if not GENVAULT.exists():
        pytest.skip(f"benchmark data: {GENVAULT} not found; set VAULTTOOL_SHARED to the folder holding bench/")
    import json
    import subprocess
    import sys

    base = tmp_path_factory.mktemp("genvault")
    vault, manifest = base / "vault", base / "manifest.json"
    subprocess.run(
        [sys.executable, str(GENVAULT), str(vault), "--notes", "1000", "--seed", "7", "--manifest", str(manifest)],
        check=True,
        capture_output=True,
    )
    return vault, json.loads(manifest.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no GitHub Actions or CI environment unless they set one (CI itself may run under Actions)."""
    for name in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_BASE_REF", "GITHUB_WORKSPACE", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("VAULTTOOL_OUTPUT_FORMAT", raising=False)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the check cache of the whole test run in a temporary folder, not the user's."""
    folder = tmp_path_factory.mktemp("vaulttool-cache")
    os.environ["VAULTTOOL_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes read from disk and parsed, in order."""
    seen: list[str] = []
    real = pool.read_note_stamped

    def counting(root: str, path: str, max_bytes: int, content: bool = False) -> object:
        seen.append(path)
        return real(root, path, max_bytes, content)

    monkeypatch.setattr(pool, "read_note_stamped", counting)
    return seen


# the seven topics the seed note names, in its order
SEED_TOPICS = [
    "Threading",
    "Multiprocessing",
    "AsyncIO",
    "Synchronization & State Safety",
    "Deadlocks, Race Conditions & Debugging Complexity",
    "Choosing the Right Concurrency Model",
    "Hybrid & Scalable Architectures",
]
