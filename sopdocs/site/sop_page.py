"""The page of one SOP: facts and badges, preconditions, steps and verification as
checklists, rollback, the rest of its sections, related SOPs."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from sopdocs.core.model import Section, SopDocument
from sopdocs.core.parser import with_body
from sopdocs.site import template_code
from sopdocs.site.contacts import contact_html
from sopdocs.site.fragments import STATUS_LABELS, date_html, owner_link, review_attrs, staleness_badge, tag_links
from sopdocs.site.html import attr, checkbox_label, esc, md_text, render, render_inline
from sopdocs.site.model import Entry, Site
from sopdocs.site.placeholders import join_page
from sopdocs.site.reliability import sop_figures
from sopdocs.site.urls import relative

# Sections the page renders in a fixed place; the others follow in the author's order.
PLACED = ("steps", "verification", "rollback", "preconditions")


def sop_page(site: Site, entry: Entry) -> str:
    doc, here = page_doc(entry), entry.url
    lines = doc.text.split("\n")
    links = _link_resolver(site, entry)
    verification = doc.section("verification")
    jumps = _jumps(entry, len(doc.steps), verification is not None)
    parts = [f"# {md_text(entry.title)}", "", _header(site, entry, jumps), ""]
    total = _count_checks(doc)
    rollback = entry.meta.get("rollback")
    if total or (isinstance(rollback, list) and rollback):  # a page with nothing to tick (a handbook's prose) has no run
        parts += [_run_bar(entry, total), ""]
        params = _parameters_html(entry)
        if params:
            parts += [params, ""]
    if site.metrics is not None:
        parts += [sop_figures(site, entry), ""]
    intro = _intro_html(doc, lines, links)
    if intro:
        parts += [f'<div class="sop-intro">\n{intro}</div>', ""]
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


def page_doc(entry: Entry) -> SopDocument:
    """The SOP as the page shows it: a handbook's template code (ERB, Hugo shortcodes)
    taken out, line numbers kept (sopdocs.site.template_code), its body parsed again
    when that changed anything (a shortcode line can read as a heading underline)."""
    doc = entry.doc
    text, removed = template_code.strip_sop(doc, entry.title)
    return with_body(doc, text) if removed else doc


def _header(site: Site, entry: Entry, jumps: str) -> str:
    """What a responder needs on the first screen: badges, who owns the SOP and whom to
    call (as links where they are linkable), and the jumps to the steps and the rollback.
    The secondary facts sit in a closed <details> below."""
    here, review, front = entry.url, entry.review, entry.front
    risk = front.text("risk")
    badges = [
        staleness_badge(review),
        f'<span class="sop-badge sop-status sop-status--{attr(entry.status)}">{esc(STATUS_LABELS.get(entry.status, entry.status))}</span>',
    ]
    if risk:
        badges.append(f'<span class="sop-badge sop-risk sop-risk--{attr(risk)}">{esc(risk.capitalize())} risk</span>')

    def contacts(key: str) -> str:
        return ", ".join(contact_html(v, site.contact_links) for v in front.strings(key))

    people = []
    owner = front.text("owner")
    if owner:
        people.append(("Owner", owner_link(site, owner, here)))
    for label, key in (("Backup", "backup_owner"), ("Escalation", "escalation")):
        if front.strings(key):
            people.append((label, contacts(key)))
    people_html = "".join(f'<div class="sop-person"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in people)

    facts: list[tuple[str, str]] = []
    for label, key in (("Version", "version"), ("Layer", "layer")):
        if front.text(key):
            facts.append((label, esc(front.text(key))))
    for label, key in (("Execution roles", "execution_roles"), ("Approvers", "approvers")):
        if front.strings(key):
            facts.append((label, ", ".join(esc(v) for v in front.strings(key))))
    facts.append(("Last reviewed", date_html(review.last_reviewed) if review.last_reviewed else '<span class="sop-missing">unknown</span>'))
    if entry.last_changed:
        facts.append(("Last changed", f"{date_html(entry.last_changed)} (content, from git)"))
    if review.next_review:
        facts.append(("Next review", f'{date_html(review.next_review)} <span class="sop-days" data-sop-days>{esc(_days_text(review.days_left))}</span>'))
    facts.append(("ID", f"<code>{esc(entry.sop_id)}</code>"))
    tags = front.strings("tags")
    if tags:
        facts.append(("Tags", tag_links(site, tags, here)))
    rows = "".join(f'<div class="sop-fact"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in facts)
    summary = " · ".join(
        part
        for part in (
            f"v{esc(front.text('version'))}" if front.text("version") else "",
            f"reviewed {esc(review.last_reviewed.isoformat())}" if review.last_reviewed else "review date unknown",
            f"<code>{esc(entry.sop_id)}</code>",
        )
        if part
    )
    return (
        f'<div class="sop-header" data-sop-review {review_attrs(site, review)}>'
        f'<div class="sop-badges">{"".join(badges)}</div>'
        + (f'<dl class="sop-people">{people_html}</dl>' if people_html else "")
        + jumps
        + f'<details class="sop-details"><summary>Details: {summary}</summary><dl class="sop-facts">{rows}</dl></details></div>'
    )


def _jumps(entry: Entry, total_steps: int, has_verification: bool) -> str:
    """Links to the parts of the page a responder needs first, on phones too (where the
    table of contents is hidden)."""
    rollback = entry.meta.get("rollback")
    if isinstance(rollback, list) and rollback:
        rollback_text = f"Rollback ({len(rollback)} step{'s' if len(rollback) != 1 else ''})"
    elif isinstance(rollback, dict):
        rollback_text = "Rollback (its own SOP)"
    else:
        rollback_text = "Rollback (none written)"
    links = [
        ('<a class="sop-jump sop-jump--minor" href="#preconditions">Preconditions</a>'),
        f'<a class="sop-jump" href="#steps">Steps ({total_steps})</a>',
    ]
    if has_verification:
        links.append('<a class="sop-jump sop-jump--minor" href="#verification">Verification</a>')
    links.append(f'<a class="sop-jump sop-jump--rollback" href="#rollback">{esc(rollback_text)}</a>')
    return f'<nav class="sop-jumps" aria-label="Parts of this SOP">{"".join(links)}</nav>'


def _run_bar(entry: Entry, total: int) -> str:
    """The run's state, sticky under the header: progress, the run log, a new run (after a
    confirmation, with undo) and print. sopdocs.js brings it to life; without JavaScript
    it shows the count of boxes."""
    version = entry.front.text("version") or entry.doc.sha256[:12]
    return (
        f'<div class="sop-run" data-sop-run="{attr(entry.sop_id)}" data-sop-version="{attr(version)}" '
        f'data-sop-title="{attr(entry.title)}">'
        f'<div class="sop-run-state"><progress class="sop-progress-bar" data-sop-progress-bar max="{total}" value="0" '
        f'aria-label="Checklist progress"></progress> '
        f'<span class="sop-progress" data-sop-progress aria-live="polite">0 of {total} done</span></div>'
        '<div class="sop-run-actions">'
        '<button type="button" class="sop-log md-button" data-sop-log>Copy run log</button>'
        '<button type="button" class="sop-reset md-button" data-sop-reset>Start a new run</button>'
        '<button type="button" class="sop-print md-button" data-sop-print>Print</button></div>'
        '<div class="sop-run-confirm" data-sop-confirm role="alertdialog" aria-labelledby="sop-confirm-text" hidden>'
        '<span id="sop-confirm-text" data-sop-confirm-text>Start a new run? This run\'s ticks are cleared (you can undo).</span> '
        '<button type="button" class="md-button md-button--primary" data-sop-confirm-yes>Start a new run</button>'
        '<button type="button" class="md-button" data-sop-confirm-no>Cancel</button></div>'
        '<div class="sop-run-undo" data-sop-undo-bar hidden><span data-sop-undo-text role="status">A new run started.</span> '
        '<button type="button" class="md-button" data-sop-undo>Undo</button></div>'
        '<span class="sop-run-note" data-sop-note role="status"></span>'
        "</div>"
    )


def _parameters_html(entry: Entry) -> str:
    """A form for the SOP's parameters, hidden until sopdocs.js shows it: the values go
    into the commands shown and copied (as `export NAME='value'` lines, quoted for the
    shell) and are kept with the run in the browser, never in the URL. Secrets are never
    asked for: the reader sets them in their own shell."""
    params = entry.meta.get("parameters")
    params = params if isinstance(params, dict) else {}
    fields, secrets = [], []
    for name, spec in params.items():
        if not isinstance(name, str):
            continue
        spec = spec if isinstance(spec, dict) else {}
        env = name.upper()
        described = spec.get("description") if isinstance(spec.get("description"), str) else ""
        if spec.get("secret") is True:
            secrets.append(f"<li><code>{esc(env)}</code>{(': ' + esc(described)) if described else ''}</li>")
            continue
        field_id = f"sop-param-{name}"
        default = spec.get("default")
        default_text = "" if default is None else (str(default).lower() if isinstance(default, bool) else str(default))
        common = f'id="{attr(field_id)}" data-sop-param="{attr(env)}" data-sop-default="{attr(default_text)}"'
        if spec.get("description"):
            common += f' aria-describedby="{attr(field_id)}-help"'
        choices = spec.get("enum") if isinstance(spec.get("enum"), list) else (["true", "false"] if spec.get("type") == "boolean" else None)
        if choices:
            options = "".join(
                f'<option value="{attr(c)}"{" selected" if str(c) == default_text else ""}>{esc(c)}</option>'
                for c in ["", *[str(c).lower() if isinstance(c, bool) else str(c) for c in choices]]
            )
            control = f"<select {common}>{options}</select>"
        else:
            kind = "number" if spec.get("type") == "integer" else "text"
            control = (
                f'<input type="{kind}" {common} value="{attr(default_text)}" autocomplete="off" spellcheck="false"'
                f'{" inputmode=numeric" if kind == "number" else ""}>'
            )
        help_html = f'<span class="sop-param-help" id="{attr(field_id)}-help">{esc(described)}</span>' if described else ""
        fields.append(
            f'<div class="sop-param"><label for="{attr(field_id)}"><code>{esc(env)}</code></label>{control}{help_html}</div>'
        )
    secret_html = (
        '<div class="sop-param-secrets"><p>Secrets are not asked for here: set them in your own shell before you run the commands.</p>'
        f'<ul>{"".join(secrets)}</ul></div>'
        if secrets
        else ""
    )
    return (
        '<details class="sop-params" data-sop-params hidden><summary>'
        + (
            f'Parameters <span class="sop-params-state" data-sop-params-state>({len(fields)} to fill in)</span></summary>'
            '<p class="sop-params-note">Values you enter here go into the commands below (as <code>export</code> lines, '
            "quoted for the shell) and are kept with this run in this browser only.</p>"
            if fields
            else "Run by</summary>"
        )
        + f'<div class="sop-param-list">{"".join(fields)}'
        '<div class="sop-param"><label for="sop-run-by">Run by</label>'
        '<input type="text" id="sop-run-by" data-sop-run-by autocomplete="name" aria-describedby="sop-run-by-help">'
        '<span class="sop-param-help" id="sop-run-by-help">Your name, for the run log</span></div>'
        f"</div>{secret_html}</details>"
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
            f'data-sop-item="{attr(item_id)}" {checkbox_label(item_id, prefix, number, bool(text.strip()))}> '
            f'<span id="{attr(item_id)}-text">{render_inline(text, links)}</span></p>{extra}</li>'
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
