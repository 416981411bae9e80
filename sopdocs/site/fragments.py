"""Small HTML pieces that every kind of page uses: labels, badges, dates, owner and
tag links. Every value from an SOP goes through ``esc``/``attr``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sopdocs.core.review import ReviewState
from sopdocs.site.html import attr, esc
from sopdocs.site.urls import relative

if TYPE_CHECKING:
    from sopdocs.site.model import Site

STATE_LABELS = {"current": "Current", "due-soon": "Review due soon", "overdue": "Review overdue", "unknown": "Review date unknown"}
STATUS_LABELS = {"draft": "Draft", "in-review": "In review", "approved": "Approved", "deprecated": "Deprecated", "retired": "Retired"}


def review_attrs(site: Site, review: ReviewState) -> str:
    """What sopdocs.js needs to work the review state out again in the reader's browser."""
    return (
        f'data-next-review="{attr(review.next_review or "")}" data-due-soon-days="{site.due_soon_days}" '
        f'data-built="{attr(site.today)}"'
    )


def staleness_badge(review: ReviewState) -> str:
    return (
        f'<span class="sop-badge sop-stale sop-stale--{review.state}" data-sop-staleness="{review.state}">'
        f"{esc(STATE_LABELS[review.state])}</span>"
    )


def date_html(value: dt.date) -> str:
    return f'<time datetime="{value.isoformat()}">{value.isoformat()}</time>'


def tag_links(site: Site, tags: list[str], here: str) -> str:
    return " ".join(f'<a class="sop-tag" href="{attr(relative(here, site.tag_url(t)))}">{esc(t)}</a>' for t in tags)


def owner_link(site: Site, owner: str, here: str) -> str:
    return f'<a href="{attr(relative(here, site.owner_url(owner)))}">{esc(owner)}</a>' if owner else ""


