"""Fixtures for runner tests: a project directory with a sopdocs.yml whose paths are
`sops/`, and no owners list."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runkit import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    return Project(tmp_path)
