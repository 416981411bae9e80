"""Real-world runbooks (not written for sopdocs) as a robustness corpus: the linter must
finish, and every finding must point inside its file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import CORPORA, cli, require_shared

from sopdocs.core.config import config_from_dict
from sopdocs.lint import rules
from sopdocs.lint.files import lint_paths


@pytest.fixture(autouse=True)
def corpora_present():
    require_shared(CORPORA)


def line_count(data: bytes) -> int:
    """Lines as an editor numbers them; an empty file has line 1."""
    return max(1, data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1))


def test_lint_every_corpus_file(tmp_path):
    # One test, so that pytest-xdist lints the corpora once.
    expected = sorted(
        p.relative_to(CORPORA).as_posix() for p in CORPORA.rglob("*.md") if not any(part.startswith(".") for part in p.parts)
    )
    assert expected, "no .md files in the corpora"

    config = config_from_dict({}, root=CORPORA)
    result = lint_paths([CORPORA], config, dt.date(2026, 11, 26), cwd=CORPORA, catalog_checks=True)

    assert sorted(result.files) == expected
    assert result.findings, "real-world runbooks are not SOPs: findings are expected"
    lines = {doc.display_path: line_count(doc.path.read_bytes()) for doc in result.documents}
    outside = [f for f in result.findings if not (1 <= f.line <= lines[f.path] and f.column >= 1)]
    assert outside == []
    for f in result.findings:
        assert rules.RULES[f.rule].code == f.code
        assert f.severity in ("error", "warning")
        assert f.message.strip()


def test_cli_json_over_a_corpus(tmp_path):
    corpus = CORPORA / "prometheus-operator-runbooks"
    if not corpus.is_dir():
        corpus = CORPORA
    proc = cli("lint", str(corpus), "--format", "json", "--today", "2026-11-26", cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] == sum(1 for _ in corpus.rglob("*.md"))
    assert report["summary"]["errors"] == sum(1 for f in report["findings"] if f["severity"] == "error") > 0
