"""The wall clock of runs: audit-trail timestamps, run ids and lock records.

Everything that judges dates (review state, "days since the last run") takes an
explicit day instead (``--today``, ``$SOPDOCS_TODAY``); only a run's own records read
the clock. For tests there is one knob, ``$SOPDOCS_TEST_CLOCK_SHIFT``: seconds (may be
negative, may have a fraction) added to the system clock, so that the runs a test
creates fall on the day the test chooses whatever the machine's date. It is not meant
for real runs, and a run made with it says so in its ``run.start`` record.
"""

from __future__ import annotations

import datetime as dt
import math
import os

from sopdocs.errors import UsageError

SHIFT_ENV = "SOPDOCS_TEST_CLOCK_SHIFT"


class ClockError(UsageError):
    """$SOPDOCS_TEST_CLOCK_SHIFT is not a number of seconds."""


def shift_seconds() -> float | None:
    """The test-only shift of the clock, None when it is not set."""
    raw = os.environ.get(SHIFT_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ClockError(f"${SHIFT_ENV} must be a finite number of seconds, not {raw!r}")
    return value


def utc_now() -> dt.datetime:
    """Now, in UTC, shifted by $SOPDOCS_TEST_CLOCK_SHIFT when that is set."""
    now = dt.datetime.now(dt.UTC)
    shift = shift_seconds()
    return now + dt.timedelta(seconds=shift) if shift else now


def utc_stamp() -> str:
    """Now as an ISO 8601 timestamp with milliseconds: ``2026-11-26T09:00:00.123Z``."""
    return utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shift_to(target: dt.datetime) -> str:
    """The value of $SOPDOCS_TEST_CLOCK_SHIFT that makes the clock read ``target`` now."""
    return repr((target - dt.datetime.now(dt.UTC)).total_seconds())
