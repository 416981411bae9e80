"""Real-world runbooks (not written for sopdocs) as a robustness corpus: the linter must
finish, and every finding must point inside its file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import run_sopdocs

from sopdocs.config import config_from_dict
from sopdocs.lint import lint_paths

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"corpora directory {CORPORA} is missing")


@pytest.fixture(scope="module")
def corpus_result():
    config = config_from_dict({}, root=CORPORA)
    return lint_paths([CORPORA], config, dt.date(2026, 11, 26), cwd=CORPORA, catalog_checks=True)


def test_every_markdown_file_is_linted(corpus_result):
    expected = sorted(p.relative_to(CORPORA).as_posix() for p in CORPORA.rglob("*.md") if not any(part.startswith(".") for part in p.parts))
    assert expected, "no .md files in the corpora"
    assert sorted(corpus_result.files) == expected


def test_findings_point_inside_their_files(corpus_result):
    line_counts = {}
    for doc in corpus_result.documents:
        data = doc.path.read_bytes()
        # Lines as the parser counts them: split on LF (CRLF counts once).
        line_counts[doc.display_path] = max(1, data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1))
    assert corpus_result.findings
    outside = [f for f in corpus_result.findings if not (1 <= f.line <= line_counts[f.path] and f.column >= 1)]
    assert outside == []


def test_findings_are_well_formed(corpus_result):
    from sopdocs import rules

    for f in corpus_result.findings:
        assert rules.RULES[f.rule].CODE == f.code
        assert f.severity in ("error", "warning")
        assert f.message.strip()


def test_cli_json_over_the_corpora(tmp_path):
    proc = run_sopdocs("lint", str(CORPORA), "--format", "json", "--today", "2026-11-26", cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] > 0
    assert report["summary"]["errors"] == sum(1 for f in report["findings"] if f["severity"] == "error")
