"""`sopdocs migrate --write`, twice, on copies of real handbooks (../shared/corpora), set up
as their teams would (a sopdocs.yml beside the handbook's own config): the second run
changes no byte, and lint finds no duplicate id after the migration."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
from adoptkit import CORPORA, TODAY, cli
from helpers import require_shared

# corpus -> (sopdocs.yml, pages with front matter, ids taken from the path (names that collide))
CORPUS = {
    # owner: tech-docs' default_owner_slack in config/tech-docs.yml, read by the govuk profile
    "moj-cloud-platform-runbooks": ("profile: govuk\npaths: [source]\n", 147, 0),
    # Hugo: 21 names (`architecture`, `introduction`, ...) shared by 47 pages; one of them (`overview/_index.md`) keeps its name
    "giantswarm-docs": ("profile: giantswarm\npaths: [src/content]\n", 284, 46),
}


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("corpus", list(CORPUS))
def test_migrate_twice_changes_nothing_the_second_time_and_ids_are_unique(corpus, tmp_path):
    config, pages, from_path = CORPUS[corpus]
    copy = tmp_path / corpus
    shutil.copytree(require_shared(CORPORA / corpus), copy)
    (copy / "sopdocs.yml").write_text(config, encoding="utf-8")
    catalog = config.split("paths: [")[1].split("]")[0]
    before = digest(copy)

    started = time.perf_counter()
    first = cli("migrate", "--write", catalog, cwd=copy)
    first_seconds = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    after_first = digest(copy)
    started = time.perf_counter()
    second = cli("migrate", "--write", catalog, cwd=copy)
    second_seconds = time.perf_counter() - started
    assert second.returncode == 0, second.stderr
    after_second = digest(copy)
    lint = cli("lint", "--format", "json", "--today", TODAY, cwd=copy)

    changed = sorted(name for name in after_first if after_first[name] != before.get(name))
    assert len(changed) == pages
    assert first.stderr.endswith(f"sopdocs: migrated {pages} of {pages} files\n")
    assert first.stderr.count("(from the path: ") == from_path
    assert after_second == after_first, "the second run changed files"
    assert second.stderr.endswith(f"sopdocs: migrated 0 of {pages} files\n")
    assert lint.returncode in (0, 1), lint.stderr
    findings = json.loads(lint.stdout)["findings"]
    assert [f for f in findings if f["rule"] == "duplicate-id"] == []
    assert [f for f in findings if f["rule"] in ("yaml-syntax", "field-type", "field-value")] == []
    if corpus.startswith("moj"):
        # Its credentials are placeholders (TF_VAR_github_token="XXXXXXXXXXXXX", AKIAXXXXXXXXXXXXXXXX,
        # https://abc123:abc123@grafana...): none is reported. No page names an owner: every page
        # has the site's default, none a placeholder.
        assert [f for f in findings if f["rule"] == "credential-in-command"] == []
        assert "TODO(sopdocs): the owning team" not in first.stderr + "".join(p.read_text(encoding="utf-8") for p in (copy / "source").rglob("*.erb"))
    print(f"\n{corpus}: migrate --write {first_seconds:.2f} s ({pages} files), second run {second_seconds:.2f} s (0 files)")
