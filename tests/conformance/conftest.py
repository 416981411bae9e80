"""The conformance suite: its helpers (and tests/export's hera check) on sys.path, and
the `act` mark on every test that runs act (`-m "not act"` leaves them out)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "export"))


def pytest_collection_modifyitems(items):
    for item in items:
        executor = getattr(getattr(item, "callspec", None), "params", {}).get("executor")
        if getattr(executor, "name", None) == "github-actions":
            item.add_marker(pytest.mark.act)
