from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Bounded: the whole directory runs in well under a minute. More examples on demand:
# HYPOTHESIS_PROFILE=long pytest tests/fuzz
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("default", max_examples=120, deadline=None, suppress_health_check=SLOW)
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=SLOW)
