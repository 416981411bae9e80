"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit in
temporary git repositories.

pre-commit passes files in batches (several processes at once), so the per-file hook
must never report a duplicate id or a dangling reference: it cannot see the other
batches. The catalog hook runs once over the whole catalog and reports exactly those.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from adoptkit import REPO, commit, git_env, init_repo, offline_pip_env, sop, write

BIN = Path(sys.executable).parent
MANIFEST = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
HOOKS = {hook["id"]: hook for hook in MANIFEST}


def pre_commit(
    repo: Path, *args: str, home: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    extra = env or {}
    env = git_env()
    env.update({"PRE_COMMIT_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1", "SOPDOCS_TODAY": "2026-11-26"})
    env.update(extra)
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [str(BIN / "pre-commit"), *args, "--color", "never"], cwd=repo, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def catalog(count: int = 40) -> dict[str, str]:
    """A valid catalog where every SOP names the next one in `related` (a ring), so any
    batch that misses a neighbour would see a "dangling" reference."""
    files = {}
    for i in range(count):
        files[f"sops/sop-{i:02d}.md"] = sop(f"sop-{i:02d}", extra=f"related: [sop-{(i + 1) % count:02d}]\n")
    files["README.md"] = "# Our SOPs\n\nNot an SOP: no front matter.\n"
    files["sopdocs.yml"] = "paths: [sops]\n"
    return files


def local_config(repo: Path, log: Path) -> None:
    """The manifest's hooks as `repo: local` hooks that run the sopdocs under test
    (language: system) through a wrapper that records each batch (one line of
    arguments per call; see :func:`batches`). Everything else (entry, files,
    pass_filenames, always_run) is the manifest's."""
    wrapper = repo.parent / "record-batch"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\nexec "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    hooks = []
    for hook in MANIFEST:
        local = {**hook, "language": "system", "entry": f"{wrapper} {BIN / hook['entry'].split()[0]} {hook['entry'].split(maxsplit=1)[1]}"}
        hooks.append(local)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}), encoding="utf-8")


def batches(log: Path, hook_id: str) -> list[list[str]]:
    """The file arguments of each call of ``hook_id`` that the wrapper recorded."""
    entry = HOOKS[hook_id]["entry"].split()
    calls = []
    for line in log.read_text().splitlines():
        words = line.split()
        if words[1:len(entry)] == entry[1:]:
            calls.append(words[len(entry):])
    return calls


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "consumer")
    commit(repo, catalog(), message="catalog")
    return repo


def test_manifest_is_valid_and_splits_the_checks():
    proc = subprocess.run([str(BIN / "pre-commit"), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")], capture_output=True, text=True, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert HOOKS["sopdocs-lint"]["entry"].split()[:3] == ["sopdocs", "lint", "--no-catalog"]
    assert HOOKS["sopdocs-lint"].get("pass_filenames", True) is True
    assert HOOKS["sopdocs-catalog"]["entry"].split()[:3] == ["sopdocs", "lint", "--catalog-only"]
    assert HOOKS["sopdocs-catalog"]["pass_filenames"] is False


def test_per_file_hook_in_batches_reports_no_false_catalog_findings(consumer, tmp_path):
    log = tmp_path / "batches.log"
    local_config(consumer, log)

    proc = pre_commit(consumer, "run", "sopdocs-lint", "--all-files", home=tmp_path / "pc-home")

    assert proc.returncode == 0, proc.stdout
    calls = batches(log, "sopdocs-lint")
    # 40 SOPs and README.md, which --force-exclude skips, each in exactly one batch
    assert sorted(f for call in calls for f in call) == sorted(name for name in catalog() if name.endswith(".md"))
    if (os.cpu_count() or 1) > 1:
        assert len(calls) > 1, "pre-commit should have split the files into batches"


def test_catalog_hook_sees_every_sop(consumer, tmp_path):
    local_config(consumer, tmp_path / "batches.log")

    proc = pre_commit(consumer, "run", "sopdocs-catalog", "--all-files", home=tmp_path / "pc-home")

    assert proc.returncode == 0, proc.stdout
    assert "sopdocs catalog checks" in proc.stdout and "Passed" in proc.stdout


def test_a_commit_with_a_broken_reference_and_a_duplicate(consumer, tmp_path):
    local_config(consumer, tmp_path / "batches.log")
    git = ["git", "-C", str(consumer)]
    # Delete an SOP others name, add one that reuses an id, and break one file.
    (consumer / "sops" / "sop-05.md").unlink()
    write(consumer, {"sops/sop-99.md": sop("sop-10"), "sops/sop-20.md": sop("sop-20", owner="no", extra="related: [sop-21]\n")})
    subprocess.run([*git, "add", "-A"], check=True, env=git_env())

    proc = pre_commit(consumer, "run", home=tmp_path / "pc-home")

    out = proc.stdout
    assert proc.returncode == 1
    per_file = out[out.index("sopdocs lint") : out.index("sopdocs catalog checks")]
    catalog_part = out[out.index("sopdocs catalog checks") :]
    assert "sops/sop-20.md:4:1: error SOP102 field-type" in per_file
    assert "related-unknown" not in per_file and "duplicate-id" not in per_file
    assert "sops/sop-04.md:6:11: error SOP502 related-unknown: `related` names `sop-05`" in catalog_part
    assert "sops/sop-99.md:2:1: error SOP501 duplicate-id: id `sop-10` is already used by sops/sop-10.md" in catalog_part
    assert "field-type" not in catalog_part  # per-file findings are not reported twice


def test_hooks_skip_markdown_outside_the_catalog(consumer, tmp_path):
    log = tmp_path / "batches.log"
    local_config(consumer, log)
    write(consumer, {"docs/notes.md": "no front matter\n", "README.md": "# changed\n"})
    subprocess.run(["git", "-C", str(consumer), "add", "-A"], check=True, env=git_env())

    proc = pre_commit(consumer, "run", home=tmp_path / "pc-home")

    assert proc.returncode == 0, proc.stdout
    # Both hooks ran: the per-file one was handed both Markdown files and left them out
    # (linted, notes.md would be an error: it has no front matter), the catalog one ran once.
    assert [sorted(call) for call in batches(log, "sopdocs-lint")] == [["README.md", "docs/notes.md"]]
    assert batches(log, "sopdocs-catalog") == [[]]
    assert re.search(r"^sopdocs lint\.+Passed$", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(r"^sopdocs catalog checks\.+Passed$", proc.stdout, re.MULTILINE), proc.stdout
    assert "front-matter-missing" not in proc.stdout


# --- the real manifest, installed by pre-commit (language: python) ----------------------


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A git repository holding this working tree's package and manifest (pre-commit
    installs hooks from a commit; the lead's working tree may not be committed yet)."""
    repo = init_repo(tmp_path_factory.mktemp("hook-repo") / "sopdocs")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, repo / name)
    shutil.copytree(REPO / "sopdocs", repo / "sopdocs", ignore=shutil.ignore_patterns("__pycache__"))
    commit(repo, message="sopdocs")
    return repo


def test_try_repo_with_the_real_manifest(hook_repo, consumer, tmp_path_factory):
    home = tmp_path_factory.mktemp("pre-commit-home")
    offline = offline_pip_env()
    (consumer / "sops" / "sop-05.md").unlink()
    write(consumer, {"sops/sop-20.md": sop("sop-20", owner="no", extra="related: [sop-21]\n")})
    subprocess.run(["git", "-C", str(consumer), "add", "-A"], check=True, env=git_env())

    proc = pre_commit(consumer, "try-repo", str(hook_repo), home=home, timeout=900, env=offline)

    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "sops/sop-20.md:4:1: error SOP102 field-type" in out
    assert "sops/sop-04.md:6:11: error SOP502 related-unknown" in out
    assert out.count("related-unknown") == 1 and out.count("SOP102") == 1

    # Clean again: both hooks pass.
    subprocess.run(["git", "-C", str(consumer), "reset", "-q", "--hard"], check=True, env=git_env())
    clean = pre_commit(consumer, "try-repo", str(hook_repo), "--all-files", home=home, timeout=900, env=offline)
    assert clean.returncode == 0, clean.stdout
