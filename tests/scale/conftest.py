"""A generated catalog (bench/generate.py) with a mix of problems, for the cache and
parallel tests: every kind of finding that the fast path splits off (per-file, review,
links, catalog) shows up somewhere."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import generate
from lintkit import SIZE


def mutate(sops: Path) -> None:
    """Break a few generated SOPs in ways that exercise every part of the linter."""
    files = sorted(sops.glob("*.md"))
    texts = {p: p.read_text(encoding="utf-8") for p in files}

    def edit(index: int, old: str, new: str, count: int = 1) -> None:
        path = files[index]
        assert old in texts[path], (path, old)
        texts[path] = texts[path].replace(old, new, count)

    edit(0, "## Steps", "See [the missing one](no-such-sop.md).\n\n## Steps")  # link-broken
    edit(1, "\nrelated: [", "\nrelated: [no-such-sop, ")  # related-unknown
    edit(2, "last_reviewed: 2026-", "last_reviewed: 2025-")  # review-overdue
    edit(3, "last_reviewed: 2026-", "last_reviewed: 2027-")  # review-in-future
    edit(4, '\nversion: "', '\nversion: 1.5\nold_version: "')  # field-type, field-unknown
    edit(5, "\nowner: ", "\nowner: team-nobody\nold_owner: ")  # owner-unknown, field-unknown
    edit(6, "\ntitle:", "\n\ttitle:")  # yaml-syntax (tab)
    edit(7, "---\n", "", 1)  # front-matter-missing
    edit(8, "\nid: ", "\nid: " + texts[files[9]].split("\nid: ", 1)[1].split("\n", 1)[0] + "\nformer_id: ")  # duplicate-id
    edit(10, "   ```bash", "   ```bash confrim")  # step-attribute-invalid
    edit(11, "## Steps", "TODO(sopdocs): finish this\n\n## Steps")  # placeholder-left
    edit(12, "```bash\n", '```bash\n   curl -H "Authorization: Bearer abcdefghijklmnop1234567890" https://x\n')  # credential
    edit(13, "\nrisk: ", "\nrisk: low\nrisk: ")  # duplicate-key
    edit(14, "\nlast_reviewed: ", "\nlast_reviewed: 2026-02-30\nx_last_reviewed: ")  # not a date
    edit(15, "\nrollback:", "\nrollback: {sop: no-such-sop}\nold_rollback:")  # rollback-unknown
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    files[16].write_bytes(b"\xff\xfe not utf-8")  # file-unreadable
    files[17].write_text("", encoding="utf-8")  # empty


@pytest.fixture(scope="session")
def pristine_catalog(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalog")
    generate.generate(SIZE, root / "sops", seed=7)
    generate.write_config(root / "sopdocs.yml", paths=["sops"])
    mutate(root / "sops")
    return root


@pytest.fixture
def catalog(pristine_catalog, tmp_path) -> Path:
    """A fresh copy per test (tests change files and write caches)."""
    target = tmp_path / "catalog"
    shutil.copytree(pristine_catalog, target)
    return target
