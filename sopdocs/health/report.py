"""Review reports for owners: every SOP by review state, grouped by owner, with the
last content change from git next to the last review, and possible rubber stamps.

Rendered as text (a terminal), Markdown (an issue or a chat message: one section per
owner) or JSON (other tools; deterministic)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sopdocs.core.config import Config
from sopdocs.core.history import History
from sopdocs.core.model import SopDocument
from sopdocs.core.review import CURRENT, DUE_SOON, OVERDUE, UNKNOWN, review_state

STATES = (OVERDUE, DUE_SOON, CURRENT, UNKNOWN)
RUBBER_STAMP = "rubber-stamp"  # a filter, not a state: SOPs flagged as possible rubber stamps
NO_OWNER = "(no owner)"
_DURATION = re.compile(r"^\s*([0-9]{1,5})\s*(d|day|days|w|week|weeks)?\s*$")


def parse_within(text: str) -> int:
    """`30d`, `30 days`, `4w`, `2 weeks` or `30` -> days. ValueError otherwise."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"invalid duration {text!r}; write days or weeks, e.g. 30d, 4w")
    amount, unit = int(match.group(1)), (match.group(2) or "d")
    return amount * (7 if unit.startswith("w") else 1)


@dataclass(frozen=True)
class Row:
    path: str
    sop_id: str
    title: str
    owner: str
    state: str
    last_reviewed: dt.date | None
    review_in: str | None
    next_review: dt.date | None
    days_left: int | None
    last_changed: dt.date | None
    last_changed_note: str | None
    review_bumps: int  # commits since the last content change that only bumped the review
    rubber_stamp: bool
    problem: str | None = None  # why the review state is unknown

    def as_dict(self) -> dict[str, object]:
        def day(value: dt.date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "path": self.path,
            "id": self.sop_id,
            "title": self.title,
            "owner": self.owner,
            "state": self.state,
            "last_reviewed": day(self.last_reviewed),
            "review_in": self.review_in,
            "next_review": day(self.next_review),
            "days_left": self.days_left,
            "last_changed": day(self.last_changed),
            "last_changed_note": self.last_changed_note,
            "review_bumps_since_change": self.review_bumps,
            "rubber_stamp": self.rubber_stamp,
            "problem": self.problem,
        }


@dataclass
class Report:
    today: dt.date
    due_within: int
    rubber_stamp_days: int
    rows: list[Row]
    history_note: str | None = None
    history_available: bool = False
    owners: dict[str, list[Row]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        order = {state: i for i, state in enumerate(STATES)}
        self.rows.sort(key=lambda r: (order[r.state], r.next_review or dt.date.max, r.path))
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.owner, []).append(row)
        self.owners = dict(sorted(grouped.items(), key=lambda kv: (kv[0] == NO_OWNER, kv[0].lower(), kv[0])))

    def counts(self, rows: list[Row] | None = None) -> dict[str, int]:
        rows = self.rows if rows is None else rows
        counts = {state: sum(1 for r in rows if r.state == state) for state in STATES}
        counts["rubber_stamps"] = sum(1 for r in rows if r.rubber_stamp)
        return counts


def build(
    docs: list[SopDocument],
    config: Config,
    today: dt.date,
    due_within: int,
    history: History | None = None,
    owners: list[str] | None = None,
    states: list[str] | None = None,
) -> Report:
    rows = []
    for doc in docs:
        row = _row(doc, config, today, due_within, history)
        if owners and not any(_same_owner(row.owner, o) for o in owners):
            continue
        if states and row.state not in states and not (RUBBER_STAMP in states and row.rubber_stamp):
            continue
        rows.append(row)
    return Report(
        today,
        due_within,
        config.rubber_stamp_days,
        rows,
        history_note=history.note if history else "history not read (--no-history)",
        history_available=bool(history and history.available),
    )


def _same_owner(owner: str, wanted: str) -> bool:
    return owner == wanted or owner.lstrip("#") == wanted.lstrip("#")


def _row(doc: SopDocument, config: Config, today: dt.date, due_within: int, history: History | None) -> Row:
    meta = doc.meta or {}
    state = review_state(doc.meta, today, config.review_in, due_within)
    owner = doc.front.owner if doc.front.owner.strip() else NO_OWNER  # a placeholder owner is no owner
    title = meta.get("title") if isinstance(meta.get("title"), str) and meta.get("title").strip() else (doc.title_heading or Path(doc.display_path).name)
    review_in = meta.get("review_in", config.review_in)
    problem = None
    if doc.meta is None:
        problem = "front matter missing or unreadable (see `sopdocs lint`)"
    elif state.state == UNKNOWN:
        written = doc.renamed.get("last_reviewed", "last_reviewed")
        if "last_reviewed" not in meta:
            problem = f"no `{written}`"
        elif state.last_reviewed is None:
            problem = f"`{written}` is not a date (YYYY-MM-DD)"
        else:
            problem = f"`review_in` is not a period: {review_in!r}"
    file_history = history.get(doc.path) if history and history.available else None
    return Row(
        path=doc.display_path,
        sop_id=doc.sop_id or "",
        title=" ".join(str(title).split()),
        owner=owner,
        state=state.state,
        last_reviewed=state.last_reviewed,
        review_in=review_in if isinstance(review_in, str) else None,
        next_review=state.next_review,
        days_left=state.days_left,
        last_changed=file_history.last_changed if file_history else None,
        last_changed_note=file_history.note if file_history else None,
        review_bumps=len(file_history.review_bumps) if file_history else 0,
        rubber_stamp=bool(file_history and file_history.rubber_stamped(today, config.rubber_stamp_days)),
        problem=problem,
    )


# --- rendering --------------------------------------------------------------------------

STATE_TITLES = {OVERDUE: "Overdue", DUE_SOON: "Due within {days} days", CURRENT: "Current", UNKNOWN: "No review date"}


def _state_title(state: str, report: Report) -> str:
    return STATE_TITLES[state].format(days=report.due_within)


def _due_text(row: Row) -> str:
    if row.next_review is None:
        return row.problem or "review date unknown"
    days = row.days_left or 0
    if days < 0:
        return f"due {row.next_review} ({-days} day{'s' if days != -1 else ''} ago)"
    if days == 0:
        return f"due {row.next_review} (today)"
    return f"due {row.next_review} (in {days} day{'s' if days != 1 else ''})"


def _changed_text(row: Row) -> str:
    if row.last_changed:
        text = f"last changed {row.last_changed}"
        if row.review_bumps:
            text += f" ({row.review_bumps} review-only commit{'s' if row.review_bumps != 1 else ''} since)"
        return text
    return f"last changed unknown ({row.last_changed_note})" if row.last_changed_note else ""


def _summary_text(counts: dict[str, int], report: Report) -> str:
    parts = [f"{counts[OVERDUE]} overdue", f"{counts[DUE_SOON]} due within {report.due_within} days", f"{counts[CURRENT]} current"]
    if counts[UNKNOWN]:
        parts.append(f"{counts[UNKNOWN]} without a review date")
    if counts["rubber_stamps"]:
        parts.append(f"{counts['rubber_stamps']} possible rubber stamp{'s' if counts['rubber_stamps'] != 1 else ''}")
    return ", ".join(parts)


def render_text(report: Report) -> str:
    out = [f"SOP review report for {report.today} (due within {report.due_within} days)", ""]
    for owner, rows in report.owners.items():
        out.append(f"{owner}: {_summary_text(report.counts(rows), report)}")
        for row in rows:
            reviewed = f"last reviewed {row.last_reviewed}" if row.last_reviewed else ""
            details = "; ".join(t for t in (_due_text(row), reviewed, _changed_text(row)) if t)
            flag = "  [possible rubber stamp]" if row.rubber_stamp else ""
            out.append(f"  {row.state:<8}  {row.path}  {row.title}: {details}{flag}")
        out.append("")
    out += _rubber_stamp_lines(report, markdown=False)
    if report.history_note:
        out.append(f"note: {report.history_note}")
    total = len(report.rows)
    out.append(f"{total} SOP{'s' if total != 1 else ''}: {_summary_text(report.counts(), report)}")
    return "\n".join(out) + "\n"


def _rubber_stamp_lines(report: Report, markdown: bool) -> list[str]:
    stamped = [r for r in report.rows if r.rubber_stamp]
    if not stamped:
        return []
    head = (
        f"Possible rubber stamps: the review date was bumped, but nothing else in the file changed "
        f"for more than {report.rubber_stamp_days} days"
    )
    out = [f"### {_md(head)}", ""] if markdown else [f"{head}:"]
    for row in sorted(stamped, key=lambda r: r.path):
        line = f"{row.path} ({row.owner}): last changed {row.last_changed}, {row.review_bumps} review-only commits since, last reviewed {row.last_reviewed}"
        out.append(f"- {_md(line)}" if markdown else f"  {line}")
    out.append("")
    return out


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_markdown(report: Report, link_base: str | None = None) -> str:
    """One `##` section per owner; overdue and due SOPs as task-list items."""
    out: list[str] = []
    for owner, rows in report.owners.items():
        out += [f"## {_md(owner)}", "", f"{_summary_text(report.counts(rows), report)} (as of {report.today}).", ""]
        for state in STATES:
            in_state = [r for r in rows if r.state == state]
            if not in_state:
                continue
            out += [f"**{_state_title(state, report)} ({len(in_state)})**", ""]
            for row in in_state:
                name = f"[{_md(row.title)}]({link_base.rstrip('/')}/{quote(row.path)})" if link_base else f"**{_md(row.title)}**"
                details = [_md(_due_text(row))]
                if row.last_reviewed:
                    details.append(f"last reviewed {row.last_reviewed}")
                if _changed_text(row):
                    details.append(_md(_changed_text(row)))
                if row.rubber_stamp:
                    details.append("**possible rubber stamp**")
                box = "[ ] " if state in (OVERDUE, DUE_SOON, UNKNOWN) else ""
                out.append(f"- {box}{name} (`{row.path}`): {' · '.join(details)}")
            out.append("")
    out += _rubber_stamp_lines(report, markdown=True)
    if report.history_note:
        out += [f"_Note: {_md(report.history_note)}_", ""]
    if not report.rows:
        out += ["No SOPs match.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(report: Report) -> str:
    data = {
        "version": 1,
        "today": report.today.isoformat(),
        "due_within_days": report.due_within,
        "rubber_stamp_days": report.rubber_stamp_days,
        "history": {"available": report.history_available, "note": report.history_note},
        "summary": {"sops": len(report.rows), **report.counts()},
        "owners": [
            {"owner": owner, "summary": report.counts(rows), "sops": [r.as_dict() for r in rows]}
            for owner, rows in report.owners.items()
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": render_text, "markdown": render_markdown, "json": render_json}
