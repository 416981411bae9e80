"""Review dates: when an SOP is next due for review, and whether it is stale.

One implementation serves the linter, the site and the reports, so they always agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

from sopdocs.errors import UsageError

DEFAULT_REVIEW_IN = "6 months"
DEFAULT_DUE_SOON_DAYS = 30

_PERIOD = re.compile(r"^\s*([1-9][0-9]{0,3})\s+(day|week|month|year)s?\s*$")

CURRENT, DUE_SOON, OVERDUE, UNKNOWN = "current", "due-soon", "overdue", "unknown"


def parse_period(text: str) -> relativedelta | None:
    """`6 months` -> relativedelta(months=6); None when the text is not a period."""
    return _parse_period(text) if isinstance(text, str) else None


@functools.lru_cache(maxsize=1024)  # a catalog uses a handful of periods; the linter asks for each SOP
def _parse_period(text: str) -> relativedelta | None:
    match = _PERIOD.match(text)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    return relativedelta(**{unit + "s": amount})


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def today_from(option: str | None) -> dt.date:
    """The date to judge staleness by: the option, else $SOPDOCS_TODAY, else the clock."""
    value = option or os.environ.get("SOPDOCS_TODAY")
    if not value:
        return dt.date.today()
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"invalid date {value!r} for today; write YYYY-MM-DD")
    return parsed


@dataclass(frozen=True)
class ReviewState:
    last_reviewed: dt.date | None
    next_review: dt.date | None
    state: str  # current | due-soon | overdue | unknown
    days_left: int | None  # negative when overdue
    due_soon_from: dt.date | None = None  # the first day the review counts as due soon


def review_state(
    meta: dict[str, Any] | None,
    today: dt.date,
    default_review_in: str = DEFAULT_REVIEW_IN,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> ReviewState:
    meta = meta or {}
    last_reviewed, review_in = meta.get("last_reviewed"), meta.get("review_in", default_review_in)
    try:  # a catalog repeats review dates and periods; calendar arithmetic is slow
        return _review_state(last_reviewed, review_in, today, default_review_in, due_soon_days)
    except TypeError:  # an unhashable value (a list, a mapping): not a date or a period anyway
        return _review_state.__wrapped__(last_reviewed, review_in, today, default_review_in, due_soon_days)


@functools.lru_cache(maxsize=4096, typed=True)
def _review_state(last_reviewed: Any, review_in: Any, today: dt.date, default_review_in: str, due_soon_days: int) -> ReviewState:
    last = parse_date(last_reviewed)
    period = parse_period(review_in) or parse_period(default_review_in)
    if last is None or period is None:
        return ReviewState(last, None, UNKNOWN, None)
    try:
        due = last + period
    except (OverflowError, ValueError):  # past the calendar's end (a review "in" 9999): review-in-future reports it
        return ReviewState(last, None, CURRENT, None)
    left = (due - today).days
    if left < 0:
        state = OVERDUE
    elif left <= due_soon_days:
        state = DUE_SOON
    else:
        state = CURRENT
    try:
        soon = due - dt.timedelta(days=due_soon_days)
    except OverflowError:  # before the calendar's start
        soon = dt.date.min
    return ReviewState(last, due, state, left, soon)
