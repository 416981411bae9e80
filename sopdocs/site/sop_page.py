"""The page of one SOP: facts and badges, preconditions, steps and verification as
checklists, rollback, the rest of its sections, related SOPs."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from sopdocs.core.model import Section, SopDocument
from sopdocs.site.fragments import STATUS_LABELS, date_html, owner_link, review_attrs, staleness_badge, tag_links
from sopdocs.site.html import attr, esc, md_text, render, render_inline
from sopdocs.site.model import Entry, Site
from sopdocs.site.placeholders import join_page
from sopdocs.site.reliability import sop_figures
from sopdocs.site.urls import relative

# Sections the page renders in a fixed place; the others follow in the author's order.
PLACED = ("steps", "verification", "rollback", "preconditions")


def sop_page(site: Site, entry: Entry) -> str:
    doc, here = entry.doc, entry.url
    lines = doc.text.split("\n")
    links = _link_resolver(site, entry)
    parts = [f"# {md_text(entry.title)}", "", _header(site, entry), ""]
    if site.metrics is not None:
        parts += [sop_figures(site, entry), ""]
    intro = _intro_html(doc, lines, links)
    if intro:
        parts += [f'<div class="sop-intro">\n{intro}</div>', ""]
    total = _count_checks(doc)
    parts += [
        f'<div class="sop-run" data-sop-run="{attr(entry.sop_id)}" data-sop-version="{attr(entry.front.text("version") or doc.sha256[:12])}">'
        f'<span class="sop-progress" data-sop-progress aria-live="polite">0 of {total} done</span> '
        '<button type="button" class="sop-reset md-button" data-sop-reset>Start a new run</button>'
        '<button type="button" class="sop-print md-button" data-sop-print>Print</button></div>',
        "",
    ]
    preconditions = entry.meta.get("preconditions")
    parts += ["## Preconditions", "", _actions_html(preconditions, "pre", links, ordered=False)]
    body_pre = doc.section("preconditions")
    if body_pre:
        parts.append(f'<div class="sop-section">\n{render(_section_source(lines, body_pre), links)}</div>')
    parts.append("")

    steps = doc.section("steps")
    parts += ["## Steps", ""]
    if steps and doc.steps:
        parts.append(f'<div class="sop-steps">\n{render(_section_source(lines, steps), links, checklist="step")}</div>')
    else:
        parts.append('<p class="sop-missing">This SOP has no steps.</p>')
    parts.append("")

    verification = doc.section("verification")
    if verification:
        parts += ["## Verification", "", f'<div class="sop-verification">\n{render(_section_source(lines, verification), links, checklist="verify")}</div>', ""]

    parts += ["## Rollback", "", _rollback_html(site, entry, links)]
    body_rollback = doc.section("rollback")
    if body_rollback:
        parts.append(f'<div class="sop-section">\n{render(_section_source(lines, body_rollback), links)}</div>')
    parts.append("")

    for section in doc.sections:
        if section.slug in PLACED:
            continue
        parts += [f"## {md_text(section.title)}", "", f'<div class="sop-section">\n{render(_section_source(lines, section), links)}</div>', ""]

    related = [site.by_id[r] for r in entry.front.strings("related") if r in site.by_id]
    missing = [r for r in entry.front.strings("related") if r not in site.by_id]
    if related or missing:
        items = [f'<li><a href="{attr(relative(here, r.url))}">{esc(r.title)}</a> <code>{esc(r.sop_id)}</code></li>' for r in related]
        items += [f'<li class="sop-missing">{esc(r)} (not in the catalog)</li>' for r in missing]
        parts += ["## Related SOPs", "", '<ul class="sop-related">' + "".join(items) + "</ul>", ""]
    return join_page(parts)


def _header(site: Site, entry: Entry) -> str:
    here, review = entry.url, entry.review
    facts: list[tuple[str, str]] = []

    def people(key: str) -> str:
        return ", ".join(esc(v) for v in entry.front.strings(key))

    owner = entry.front.text("owner")
    if owner:
        facts.append(("Owner", owner_link(site, owner, here)))
    for label, key in (("Backup owner", "backup_owner"), ("Escalation", "escalation"), ("Execution roles", "execution_roles"), ("Approvers", "approvers")):
        if entry.front.strings(key):
            facts.append((label, people(key)))
    for label, key in (("Layer", "layer"), ("Version", "version")):
        if entry.front.text(key):
            facts.append((label, esc(entry.front.text(key))))
    facts.append(("Last reviewed", date_html(review.last_reviewed) if review.last_reviewed else '<span class="sop-missing">unknown</span>'))
    if entry.last_changed:
        facts.append(("Last changed", f"{date_html(entry.last_changed)} (content, from git)"))
    if review.next_review:
        facts.append(("Next review", f'{date_html(review.next_review)} <span class="sop-days" data-sop-days>{esc(_days_text(review.days_left))}</span>'))
    facts.append(("ID", f"<code>{esc(entry.sop_id)}</code>"))
    tags = entry.front.strings("tags")
    if tags:
        facts.append(("Tags", tag_links(site, tags, here)))
    rows = "".join(f'<div class="sop-fact"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in facts)
    risk = entry.front.text("risk")
    badges = [
        staleness_badge(review),
        f'<span class="sop-badge sop-status sop-status--{attr(entry.status)}">{esc(STATUS_LABELS.get(entry.status, entry.status))}</span>',
    ]
    if risk:
        badges.append(f'<span class="sop-badge sop-risk sop-risk--{attr(risk)}">{esc(risk.capitalize())} risk</span>')
    return (
        f'<div class="sop-header" data-sop-review {review_attrs(site, review)}>'
        f'<div class="sop-badges">{"".join(badges)}</div>'
        f'<dl class="sop-facts">{rows}</dl></div>'
    )


def _days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"({-days} day{'s' if days != -1 else ''} overdue)"
    if days == 0:
        return "(due today)"
    return f"(in {days} day{'s' if days != 1 else ''})"


def _actions_html(actions, prefix: str, links, ordered: bool) -> str:
    if not isinstance(actions, list) or not actions:
        return '<p class="sop-missing">None listed.</p>'
    tag = "ol" if ordered else "ul"
    items = []
    for number, action in enumerate(actions, start=1):
        item_id = f"{prefix}-{number}"
        text, extra = "", ""
        if isinstance(action, str):
            text = action
        elif isinstance(action, dict):
            text = action.get("text") if isinstance(action.get("text"), str) else ""
            command = action.get("command")
            if isinstance(command, str):
                # The same info string a step's code block has, so it renders the same way.
                words = [str(action.get("shell") or "bash"), *(f for f in ("confirm", "idempotent") if action.get(f) is True)]
                if isinstance(action.get("timeout"), str):
                    words.append(f"timeout={action['timeout']}")
                # A fence longer than any backtick run in the command, which cannot close it early.
                fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", command)), default=0))
                extra = render(f"{fence}{' '.join(words)}\n{command.rstrip()}\n{fence}\n")
        items.append(
            f'<li class="sop-check" id="{attr(item_id)}"><p><input type="checkbox" class="sop-checkbox" '
            f'data-sop-item="{attr(item_id)}" aria-label="Done: {attr(prefix)} {number}"> {render_inline(text, links)}</p>{extra}</li>'
        )
    return f'<{tag} class="sop-checklist">' + "".join(items) + f"</{tag}>"


def _rollback_html(site: Site, entry: Entry, links) -> str:
    rollback = entry.meta.get("rollback")
    if isinstance(rollback, dict) and isinstance(rollback.get("sop"), str):
        target = site.by_id.get(rollback["sop"])
        if target is None:
            inner = f'<p>Roll back with the SOP <code>{esc(rollback["sop"])}</code>, which is <strong>not in the catalog</strong>.</p>'
        else:
            inner = (
                f'<p>Roll back with its own SOP: <a class="sop-rollback-link" href="{attr(relative(entry.url, target.url))}">'
                f"{esc(target.title)}</a> <code>{esc(target.sop_id)}</code>.</p>"
            )
    elif isinstance(rollback, list) and rollback:
        inner = _actions_html(rollback, "rollback", links, ordered=True)
    else:
        inner = '<p class="sop-missing"><strong>This SOP has no rollback.</strong></p>'
    return f'<div class="sop-rollback" data-pagefind-weight="2">\n{inner}\n</div>'


def _count_checks(doc: SopDocument) -> int:
    meta = doc.meta or {}
    count = len(meta.get("preconditions") or []) if isinstance(meta.get("preconditions"), list) else 0
    count += len(doc.steps)
    verification = doc.section("verification")
    count += len(verification.items) if verification else 0
    return count


def _section_source(lines: list[str], section: Section) -> str:
    """The Markdown of a section below its heading; ``lines``: the file's lines."""
    return "\n".join(lines[section.position.line : section.end_line]) + "\n"


def _intro_html(doc: SopDocument, lines: list[str], links) -> str:
    end = doc.sections[0].position.line - 1 if doc.sections else len(lines)
    source = "\n".join(lines[doc.body_line - 1 : end])
    rendered = render(source, links)
    return re.sub(r"^<h1>.*?</h1>\n", "", rendered, count=1, flags=re.DOTALL)


def _link_resolver(site: Site, entry: Entry):
    def resolve(href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.endswith(".md") or parts.path.startswith("/"):
            return None
        target_src = posixpath.normpath(posixpath.join(posixpath.dirname(entry.src), unquote(parts.path)))
        target = site.by_src.get(target_src)
        if target is None:
            return None
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return relative(entry.url, target.url) + fragment

    return resolve
