"""Hypothesis profiles for the property tests (loaded by tests/fuzz/conftest.py).

- ``ci`` (chosen when $CI is set): derandomized, so a failure in CI is the same failure
  on every re-run and on a laptop (``CI=1 pytest tests/fuzz``); no example database.
- ``explore`` (the default elsewhere): random examples each run, remembered in
  Hypothesis' database, so local runs keep finding new cases.
- ``long``: exploration with 3,000 examples per test, on demand.

``HYPOTHESIS_PROFILE=<name>`` picks one by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, settings

# Bounded: the whole directory runs in well under a minute.
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


def profile_name(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if environ.get("CI") else "explore")


def load() -> None:
    common = {"max_examples": 120, "deadline": None, "suppress_health_check": SLOW, "print_blob": True}
    settings.register_profile("ci", derandomize=True, database=None, **common)
    settings.register_profile("explore", **common)
    settings.register_profile("long", parent=settings.get_profile("explore"), max_examples=3000)
    settings.load_profile(profile_name())
