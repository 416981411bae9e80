"""Fixtures for the export tests: every SOP of content/ exported once per session to
each target by a real `sopdocs export` subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exportkit


def _export_content(tmp_path_factory, target: str) -> Path:
    out = tmp_path_factory.mktemp(f"export-{target}")
    proc = exportkit.export(cwd=exportkit.REPO, target=target, out=out)
    if proc.returncode != 0:
        pytest.fail(f"sopdocs export --target {target} exited {proc.returncode}\n{proc.stderr}", pytrace=False)
    return out


@pytest.fixture(scope="session")
def manifests_dir(tmp_path_factory) -> Path:
    return _export_content(tmp_path_factory, "manifest")


@pytest.fixture(scope="session")
def argo_dir(tmp_path_factory) -> Path:
    return _export_content(tmp_path_factory, "argo")


@pytest.fixture(scope="session")
def github_dir(tmp_path_factory) -> Path:
    return _export_content(tmp_path_factory, "github-actions")


@pytest.fixture(scope="session")
def ansible_dir(tmp_path_factory) -> Path:
    return _export_content(tmp_path_factory, "ansible")
