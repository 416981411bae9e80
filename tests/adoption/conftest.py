"""Fixtures for the adoption tests (CI integrations, reports, profiles): real git
repositories, real pre-commit, real check-jsonschema, the real corpora."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import adoptkit


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with a sopdocs.yml whose `paths` are `sops/`."""
    path = adoptkit.init_repo(tmp_path / "repo")
    (path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    return path
