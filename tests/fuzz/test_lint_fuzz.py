"""Property-based tests of the linter on generated files (valid, mutated, random bytes):
lint never raises, every finding points inside the file, the fast path (cache, cold and
warm) finds exactly what the full lint finds, and a lint-clean SOP exports to a manifest
that validates against the manifest schema."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest
from helpers import TODAY_DATE
from hypothesis import assume, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from strategies import dump, file_lines, sop_files, steps_body, valid_meta, with_front_matter

from sopdocs.core.config import config_from_dict
from sopdocs.core.schema import load_schema
from sopdocs.export.writer import export_paths
from sopdocs.lint.engine import Finding, blocks_execution
from sopdocs.lint.fast import Options
from sopdocs.lint.files import lint_paths

NEIGHBOUR = (
    "---\nid: neighbour\ntitle: A neighbour\nowner: team-sre\nlast_reviewed: 2026-10-01\n"
    "preconditions: [ok]\nrollback: [undo]\n---\n\n# N\n\n## Steps\n\n1. Do it.\n\n   ```bash\n   echo ok\n   ```\n"
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def fresh(workdir, name: str):
    directory = workdir / name
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "sops").mkdir(parents=True)
    (directory / "sops" / "neighbour.md").write_text(NEIGHBOUR, encoding="utf-8")
    return directory


def assert_inside(findings: list[Finding], data: bytes) -> None:
    lines = file_lines(data)
    for f in findings:
        assert isinstance(f, Finding)
        if lines is None:  # not UTF-8: columns count the bytes that do not decode as one character each
            raw = re.split(rb"\r\n|\r|\n", data)
            assert 1 <= f.line <= len(raw), f
            assert 1 <= f.column <= len(raw[f.line - 1]) + 1, f
        else:
            assert 1 <= f.line <= max(1, len(lines)), (f, len(lines))
            assert 1 <= f.column <= len(lines[f.line - 1]) + 1, (f, lines[f.line - 1])


@given(data=sop_files())
def test_lint_never_raises_and_points_inside_the_file(workdir, data):
    directory = fresh(workdir, "lint")
    (directory / "sops" / "sop.md").write_bytes(data)
    config = config_from_dict({"paths": ["sops"]}, root=directory)
    expected = lint_paths(None, config, TODAY_DATE, cwd=directory).findings
    assert_inside([f for f in expected if f.path == "sops/sop.md"], data)
    assert not [f for f in expected if f.path == "sops/neighbour.md"]
    options = Options(jobs=1, cache=True, progress=False)
    assert lint_paths(None, config, TODAY_DATE, cwd=directory, fast=options).findings == expected  # cold
    assert lint_paths(None, config, TODAY_DATE, cwd=directory, fast=options).findings == expected  # warm


@given(files=st.lists(sop_files(), min_size=2, max_size=5))
def test_fast_path_matches_on_small_catalogs(workdir, files):
    directory = fresh(workdir, "catalog")
    for index, data in enumerate(files):
        (directory / "sops" / f"s{index}.md").write_bytes(data)
    config = config_from_dict({"paths": ["sops"], "owners": ["team-sre", "team-a"]}, root=directory)
    expected = lint_paths(None, config, TODAY_DATE, cwd=directory).findings
    options = Options(jobs=1, cache=True, progress=False)
    assert lint_paths(None, config, TODAY_DATE, cwd=directory, fast=options).findings == expected
    assert lint_paths(None, config, TODAY_DATE, cwd=directory, fast=options).findings == expected
    later = TODAY_DATE + dt.timedelta(days=400)
    assert lint_paths(None, config, later, cwd=directory, fast=options).findings == lint_paths(None, config, later, cwd=directory).findings


clean_meta = valid_meta.map(lambda m: {k: v for k, v in m.items() if k != "related"}).filter(
    lambda m: "sop" not in m["rollback"] and m["last_reviewed"] <= TODAY_DATE.isoformat()
)
MANIFEST = Draft202012Validator(load_schema("manifest"))


@given(meta=clean_meta, body=steps_body)
def test_a_lint_clean_sop_exports_a_valid_manifest(workdir, meta, body):
    directory = fresh(workdir, "export")
    (directory / "sops" / "neighbour.md").unlink()
    (directory / "sops" / "sop.md").write_text(with_front_matter(dump(meta), body), encoding="utf-8")
    config = config_from_dict({"paths": ["sops"]}, root=directory)
    linted = lint_paths(None, config, TODAY_DATE, cwd=directory)
    assume(not any(blocks_execution(f) for f in linted.findings))
    result = export_paths(None, config, TODAY_DATE, directory / "out", "manifest", cwd=directory)
    assert result.refused == []
    [written] = result.written
    manifest = json.loads(written.read_text(encoding="utf-8"))
    assert [e.message for e in MANIFEST.iter_errors(manifest)] == []
    assert manifest["sop"]["id"] == meta["id"]
