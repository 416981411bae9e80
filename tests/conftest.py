from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers


@pytest.fixture
def lint_text(tmp_path):
    """``lint_text(text, files=None, config=None, today="2026-11-26")`` -> sorted
    ``[(line, column, rule), ...]`` for the text, linted in ``tmp_path``."""
    return functools.partial(helpers.lint_text, directory=tmp_path / "sops")


@pytest.fixture
def lint_findings(tmp_path):
    """Like ``lint_text`` but returns every :class:`~sopdocs.lint.Finding` of the run."""
    return functools.partial(helpers.lint_findings, directory=tmp_path / "sops")


@pytest.fixture
def lint_all(tmp_path):
    """``lint_all({name: text, ...})`` -> sorted ``[(path, line, column, rule), ...]``."""
    return functools.partial(helpers.lint_all, directory=tmp_path / "sops")
