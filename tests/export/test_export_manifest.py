"""`sopdocs export` (manifest target) through the real CLI: every SOP of content/
exports, matches schema/manifest.schema.json, and is byte-identical run after run; an
SOP with lint errors is not exported and the message says where and why."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from exportkit import CONTENT, GOLDEN, REPO, SUFFIX, content_ids, export, load
from helpers import FIXTURES, MINIMAL
from jsonschema import Draft202012Validator

from sopdocs.core.schema import load_schema

SCHEMA_FILE = REPO / "schema" / "manifest.schema.json"


def test_every_content_sop_exports(manifests_dir):
    assert sorted(p.stem for p in manifests_dir.iterdir()) == content_ids()
    assert len(content_ids()) == 14


@pytest.mark.parametrize("sop_id", content_ids())
def test_manifest_matches_the_published_schema(manifests_dir, sop_id):
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema == load_schema("manifest"), "schema/ and sopdocs/schemas/ disagree"
    manifest = load(manifests_dir / f"{sop_id}.json")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(manifest)]
    assert errors == []


@pytest.mark.parametrize("sop_id", content_ids())
def test_manifest_names_its_source_exactly(manifests_dir, sop_id):
    manifest = load(manifests_dir / f"{sop_id}.json")
    source = CONTENT / f"{sop_id}.md"
    assert manifest["sop"]["id"] == sop_id
    assert manifest["source"] == {"path": f"content/{sop_id}.md", "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    assert manifest["format"] == "sopdocs.manifest/v1"


@pytest.mark.parametrize(
    ("target", "fixture"), [("manifest", "manifests_dir"), ("argo", "argo_dir"), ("github-actions", "github_dir")]
)
def test_output_is_byte_identical_across_runs(request, tmp_path, target, fixture):
    first = request.getfixturevalue(fixture)
    proc = export(cwd=REPO, target=target, out=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first.iterdir())
    for path in sorted(first.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_manifest_is_canonical_json(manifests_dir):
    for path in manifests_dir.iterdir():
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        assert "\r" not in text


def test_summary_on_stderr_and_nothing_on_stdout(tmp_path):
    proc = export(cwd=REPO, out=tmp_path / "out")
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr == f"exported 14 SOPs to {tmp_path / 'out'}\n"


# --- refusals -------------------------------------------------------------------------

BROKEN = MINIMAL.replace("id: restart-api", "id: broken-api").replace("```bash\n", "```bash confrim\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """content/ with one clean SOP and one with a lint error (step 1: `confrim`)."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "restart-api.md").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "content" / "broken-api.md").write_text(BROKEN, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("target", list(SUFFIX))
def test_sop_with_lint_error_is_not_exported(project, target):
    out = project / "out"
    proc = export(cwd=project, target=target, out=out)
    assert proc.returncode == 1
    line = BROKEN.splitlines().index("   ```bash confrim") + 1
    assert f"content/broken-api.md:{line}:1: SOP404 step-attribute-invalid: step 1: unknown attribute `confrim`" in proc.stderr
    assert "content/broken-api.md: not exported: 1 lint error\n" in proc.stderr
    assert proc.stderr.endswith(f"exported 1 SOP to {out}; 1 not exported\n")
    # The clean SOP is still exported.
    assert sorted(p.name for p in out.iterdir()) == [f"restart-api{SUFFIX[target]}"]


def test_no_paths_means_the_configured_paths(project):
    (project / "content" / "broken-api.md").unlink()
    proc = export(cwd=project, out=project / "out")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in (project / "out").iterdir()] == ["restart-api.json"]


def test_warnings_do_not_block_export(project):
    (project / "content" / "broken-api.md").unlink()
    due_soon = MINIMAL.replace("2026-10-01", "2026-06-01")  # due 2026-12-01: a warning on 2026-11-26
    (project / "content" / "restart-api.md").write_text(due_soon, encoding="utf-8")
    proc = export(cwd=project, out=project / "out")
    assert proc.returncode == 0, proc.stderr
    assert (project / "out" / "restart-api.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.md", "--out", "out"], "missing.md: no such file or directory"),
        (["--out", "out", "--target", "nomad"], "'nomad' is not one of"),
        ([], "Missing option '--out'"),
        (["--out", "out", "--today", "26.11.2026"], "invalid date '26.11.2026'"),
    ],
)
def test_usage_errors_exit_2(project, args, message):
    from helpers import cli

    proc = cli("export", *args, cwd=project)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not (project / "out").exists()


# --- golden ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", list(SUFFIX))
def test_golden_fixture(tmp_path, target):
    """tests/fixtures/valid/ exported from a copy; SOPDOCS_UPDATE_GOLDEN=1 rewrites."""
    sops = tmp_path / "sops"
    shutil.copytree(FIXTURES / "valid", sops)
    proc = export("sops", cwd=tmp_path, target=target, out=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    name = f"postgres-add-column{SUFFIX[target]}"
    produced = (tmp_path / "out" / name).read_text(encoding="utf-8")
    golden = GOLDEN / name
    if os.environ.get("SOPDOCS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with SOPDOCS_UPDATE_GOLDEN=1"
    assert produced == golden.read_text(encoding="utf-8")


# --- documentation --------------------------------------------------------------------


def test_documented_example_is_the_real_export(manifests_dir):
    """docs/manifest.md shows the manifest of content/service-canary-abort.md verbatim;
    after changing that SOP, paste the new `sopdocs export` output into the doc."""
    doc = (REPO / "docs" / "manifest.md").read_text(encoding="utf-8")
    marker = "<!-- manifest-example:service-canary-abort -->\n```json\n"
    start = doc.index(marker) + len(marker)
    example = doc[start : doc.index("```\n", start)]
    assert example == (manifests_dir / "service-canary-abort.json").read_text(encoding="utf-8")


def test_every_manifest_field_is_documented():
    doc = (REPO / "docs" / "manifest.md").read_text(encoding="utf-8")
    schema = load_schema("manifest")

    def names(node, prefix=""):
        for key, sub in node.get("properties", {}).items():
            yield f"{prefix}{key}"
            if sub.get("type") == "object" or "properties" in sub:
                yield from names(sub, f"{prefix}{key}.")

    for name in names(schema):
        leaf = name.rsplit(".", 1)[-1]
        assert f"`{name}" in doc or f".{leaf}`" in doc or f"`{leaf}`" in doc, name
    for definition in ("action", "probe", "step", "check"):
        for key in schema["$defs"][definition]["properties"]:
            assert f"`{key}`" in doc or f".{key}`" in doc or f".{key}," in doc, (definition, key)
