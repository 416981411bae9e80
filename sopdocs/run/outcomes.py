"""The results a run and its items end with, as the audit trail records them (its
`result` fields), for the runner that writes them and the metrics that read them."""

from __future__ import annotations

SUCCESS = "success"
FAILURE = "failure"
TIMEOUT = "timeout"
CANCELLED = "cancelled"
SKIPPED = "skipped"  # an item: not reached, or left to a human
REFUSED = "refused"  # a run: refused before any step (role, lock, precondition, ...)
