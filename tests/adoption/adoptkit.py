"""Helpers for the adoption tests: real git repositories in tmp_path, SOP texts, and the
real `sopdocs` CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import CORPORA, REPO, TODAY, cli, sopdocs_command  # noqa: F401 - re-exported for the tests


def sop(sop_id: str, owner: str = "team-sre", last_reviewed: str = "2026-10-01", extra: str = "", body: str = "") -> str:
    """A complete, valid SOP; ``extra`` adds front-matter lines, ``body`` replaces the steps."""
    return (
        "---\n"
        f"id: {sop_id}\n"
        f"title: {sop_id.replace('-', ' ').capitalize()}\n"
        f"owner: {owner}\n"
        f"last_reviewed: {last_reviewed}\n"
        f"{extra}"
        "preconditions:\n"
        "  - The on-call engineer has acknowledged the page.\n"
        "rollback:\n"
        "  - Start the previous release again.\n"
        "---\n\n"
        f"# {sop_id}\n\n"
        + (body or "## Steps\n\n1. Restart the pods.\n\n   ```bash\n   kubectl rollout restart deploy/api\n   ```\n")
    )


def git_env(date: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": os.environ.get("HOME", "/tmp"),
        }
    )
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return env


def git(repo: Path, *args: str, date: str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=git_env(date), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    return path


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def commit(repo: Path, files: dict[str, str] | None = None, message: str = "change", date: str | None = None) -> str:
    """Write ``files``, stage everything, commit (at ``date``), return the sha."""
    write(repo, files or {})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


# Wheels of sopdocs' dependencies and build backend, downloaded by `scripts/setup test`:
# tests that install sopdocs into a fresh environment (the GitHub Action's install step,
# pre-commit's hook environment) install from here, with no package index, so they do
# not depend on the network or on the machine's clock (TLS certificates).
WHEELHOUSE = REPO / ".cache" / "wheelhouse"


def offline_pip_env() -> dict[str, str]:
    """pip settings that install from WHEELHOUSE only; fails the test when it is missing."""
    if not any(WHEELHOUSE.glob("mkdocs-*.whl")):
        pytest.fail(
            f"{WHEELHOUSE} holds no wheels: this test installs sopdocs into a fresh environment from it. "
            "`scripts/setup test` downloads them (run it once, or scripts/test).",
            pytrace=False,
        )
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
