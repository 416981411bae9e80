"""Exporting a catalog twice gives byte-identical files (tests/export proves it for
content/ through the CLI and every target; this does it for a generated catalog)."""

from __future__ import annotations

import datetime as dt

import pytest
from lintkit import SIZE

from sopdocs.core.config import load_config
from sopdocs.export.writer import export_paths


@pytest.mark.parametrize("target", ["manifest", "argo"])
def test_export_twice_is_byte_identical(catalog, tmp_path, target):
    config = load_config(catalog / "sopdocs.yml")
    outputs = []
    for run in ("first", "second"):
        out = tmp_path / run
        result = export_paths(None, config, dt.date(2026, 11, 26), out, target, cwd=catalog)
        assert len(result.written) > SIZE * 3 // 4
        assert result.refused  # the broken SOPs of the catalog
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
