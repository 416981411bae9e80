"""Run figures on the catalog site: a box on each SOP page and the reliability page.

Figures come from a metrics file written by `sopdocs metrics --format json`, or are
computed at build time from trail files and directories (:mod:`sopdocs.metrics`).
Nothing here runs without metrics: :func:`load_site_metrics` returns None and the site
builds exactly as before. Every value reaches HTML through ``esc``/``attr``; the trend
is inline SVG with no script.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core.text import NO_OWNER, plural, prose_duration
from sopdocs.errors import UsageError
from sopdocs.health.metrics import figures as metric_figures
from sopdocs.health.metrics import output, trails
from sopdocs.run import outcomes
from sopdocs.site.html import attr, esc, md_text
from sopdocs.site.model import Entry, Site
from sopdocs.site.placeholders import join_page
from sopdocs.site.urls import relative

RELIABILITY_SRC = "reliability.md"
ENV = "SOPDOCS_METRICS"  # set by `sopdocs build --metrics`; paths separated by os.pathsep
RESULT_LABELS = {
    outcomes.SUCCESS: "success",
    outcomes.FAILURE: "failure",
    outcomes.TIMEOUT: "timeout",
    outcomes.CANCELLED: "cancelled",
    outcomes.REFUSED: "refused",
    trails.UNFINISHED: "unfinished",
}
# Bar colours of the trend: at least 3:1 against white (WCAG non-text contrast).
RESULT_COLOURS = {
    outcomes.SUCCESS: "#2e7d32",
    outcomes.FAILURE: "#c62828",
    outcomes.TIMEOUT: "#c62828",
    outcomes.CANCELLED: "#a15c00",
    outcomes.REFUSED: "#6b6b6b",
    trails.UNFINISHED: "#6b6b6b",
}
WIDE = ' style="min-width: 10rem"'
RESULT_BADGES = {outcomes.SUCCESS: "current", outcomes.FAILURE: "overdue", outcomes.TIMEOUT: "overdue", outcomes.CANCELLED: "due-soon"}


class SiteMetricsError(UsageError):
    """The metrics given to the build cannot be read."""


@dataclass
class SiteMetrics:
    document: dict[str, Any]
    min_runs: int
    stale_days: int

    def sop(self, sop_id: str) -> dict[str, Any] | None:
        return self._by_id.get(sop_id)

    def __post_init__(self) -> None:
        self._by_id = {s["sop_id"]: s for s in self.document.get("sops", [])}

    def low(self, figure: dict[str, Any]) -> bool:
        return figure["runs"] < self.min_runs


def metric_sources(option: str | list[str] | None, base: Path, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where the metrics are: $SOPDOCS_METRICS (set by `sopdocs build --metrics`, so the
    command line wins), else the plugin's `metrics` option, relative to ``base`` (the
    directory of mkdocs.yml)."""
    if environ.get(ENV):
        return [Path(p) for p in environ[ENV].split(os.pathsep) if p]
    if not option:
        return []
    values = [option] if isinstance(option, str) else list(option)
    return [Path(v) if Path(v).is_absolute() else base / v for v in values]


def load_site_metrics(sources: list[Path], min_runs: int | None = None, stale_days: int | None = None) -> SiteMetrics | None:
    """One metrics JSON, or trail files/directories read now. Raises SiteMetricsError."""
    if not sources:
        return None
    json_files = [p for p in sources if p.suffix == ".json"]
    try:
        if json_files:
            if len(sources) != 1:
                raise SiteMetricsError("metrics: give one metrics JSON file, or trail files and directories, not both")
            document = metric_figures.load_metrics_json(sources[0])
        else:
            settings = metric_figures.Settings(min_runs=min_runs or metric_figures.DEFAULT_MIN_RUNS, stale_days=stale_days or metric_figures.DEFAULT_STALE_DAYS)
            document = metric_figures.metrics_from_paths(sources, settings)
    except trails.MetricsError as exc:
        raise SiteMetricsError(f"metrics: {exc}") from None
    settings = document.get("settings", {})
    return SiteMetrics(
        document,
        min_runs if min_runs is not None else int(settings.get("min_runs", metric_figures.DEFAULT_MIN_RUNS)),
        stale_days if stale_days is not None else int(settings.get("stale_days", metric_figures.DEFAULT_STALE_DAYS)),
    )


def problems(metrics: SiteMetrics | None) -> list[str]:
    """Broken chains, as build warnings."""
    return output.chain_problems(metrics.document) if metrics else []


# --- small pieces ----------------------------------------------------------------------


def _day(value: str | None) -> dt.date | None:
    parsed = trails.parse_time(value)
    return parsed.date() if parsed else None


def _date(value: str | None) -> str:
    day = _day(value)
    return f'<time datetime="{attr(day.isoformat())}">{esc(day.isoformat())}</time>' if day else "never"


def _rate(metrics: SiteMetrics, figure: dict[str, Any], name: str, compact: bool = False) -> str:
    """`67% (of 3 runs)`, marked low-confidence under the configured minimum: a badge,
    or in tables (``compact``) an asterisk whose tooltip says why."""
    if figure["ratio"] is None:
        return f'<span data-sop-figure="{attr(name)}" data-runs="0">no finished runs</span>'
    low = metrics.low(figure)
    runs = figure["runs"]
    text = f'{figure["ratio"] * 100:.0f}% <span class="sop-runs">(of {runs} run{"s" if runs != 1 else ""})</span>'
    badge = ""
    why = attr(f"low confidence: fewer than {metrics.min_runs} runs")
    if low and compact:
        badge = f'<abbr class="sop-missing" data-sop-low-confidence title="{why}">*</abbr>'
    elif low:
        badge = f' <span class="sop-badge sop-stale--due-soon" data-sop-low-confidence title="{why}">low confidence</span>'
    return (
        f'<span data-sop-figure="{attr(name)}" data-ratio="{attr(round(figure["ratio"], 4))}" data-runs="{runs}" '
        f'data-low-confidence="{"true" if low else "false"}">{text}{badge}</span>'
    )


def _result_badge(result: str | None) -> str:
    if not result:
        return ""
    state = RESULT_BADGES.get(result, "unknown")
    return f'<span class="sop-badge sop-stale--{attr(state)}" data-sop-result="{attr(result)}">{esc(RESULT_LABELS.get(result, result))}</span>'


def _days_since(metrics: SiteMetrics, figures: dict[str, Any], today: dt.date) -> int | None:
    day = _day(figures.get("last_run"))
    return None if day is None else max(0, (today - day).days)


def trend_svg(runs: list[dict[str, Any]]) -> str:
    """One bar per run, oldest first: colour by result, height by duration (runs
    without a duration get a short bar). Each bar's <title> is its tooltip."""
    if not runs:
        return ""
    bar, gap, height = 10, 3, 32
    width = len(runs) * (bar + gap) - gap
    longest = max((r.get("duration_seconds") or 0 for r in runs), default=0) or 1
    rects = []
    for index, run in enumerate(runs):
        result = run.get("result") or trails.UNFINISHED
        seconds = run.get("duration_seconds")
        tall = max(6, round(height * seconds / longest)) if seconds else 6
        label = " · ".join(
            part
            for part in (
                (run.get("started") or "")[:16].replace("T", " "),
                run.get("version") or "",
                RESULT_LABELS.get(result, result),
                f"rollback {run['rollback']}" if run.get("rollback") else "",
                prose_duration(seconds) if seconds is not None else "",
            )
            if part
        )
        rects.append(
            f'<rect x="{index * (bar + gap)}" y="{height - tall}" width="{bar}" height="{tall}" rx="1" '
            f'fill="{attr(RESULT_COLOURS.get(result, "#6b6b6b"))}" data-result="{attr(result)}"><title>{esc(label)}</title></rect>'
        )
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.get("result") or trails.UNFINISHED] = counts.get(run.get("result") or trails.UNFINISHED, 0) + 1
    summary = ", ".join(f"{n} {RESULT_LABELS.get(k, k)}" for k, n in sorted(counts.items()))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sop-trend" data-sop-trend role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{attr(f"Last {len(runs)} runs, oldest first: {summary}")}">'
        f"{''.join(rects)}</svg>"
    )


# --- the SOP page ----------------------------------------------------------------------


def sop_figures(site: Site, entry: Entry) -> str:
    """The run box under an SOP page's header."""
    metrics: SiteMetrics = site.metrics
    figures = metrics.sop(entry.sop_id)
    title = '<p class="sop-meta"><strong>Runs</strong> (from the audit trails)</p>'
    if not figures or not figures["runs"]:
        excluded = figures["excluded_runs"] if figures else 0
        note = f" {plural(excluded, 'run')} left out: broken audit chain." if excluded else ""
        return (
            f'<div class="sop-header sop-metrics" data-sop-metrics data-runs="0">{title}'
            f'<p class="sop-missing" data-sop-never-run>Never run: no run of this SOP is in the audit trails.{esc(note)}</p></div>'
        )
    outcomes = figures["outcomes"]
    breakdown = ", ".join(f"{outcomes[k]} {RESULT_LABELS[k]}" for k in trails.OUTCOMES if outcomes.get(k))
    facts = [
        (
            "Last run",
            f'<span data-sop-figure="last-run">{_date(figures["last_run"])} {_result_badge(figures["last_run_result"])}</span>',
        ),
        ("Last success", f'<span data-sop-figure="last-success">{_date(figures["last_success"])}</span>'),
        ("Success rate", _rate(metrics, figures["success_rate"], "success-rate")),
        ("Rollback rate", _rate(metrics, figures["rollback_rate"], "rollback-rate")),
        ("Runs", f'<span data-sop-figure="runs" data-runs="{figures["runs"]}">{figures["runs"]}</span> ({esc(breakdown)})'),
    ]
    if figures["rollback_failures"]:
        count = figures["rollback_failures"]
        facts.append(
            (
                "Rollback failures",
                f'<span class="sop-missing" data-sop-figure="rollback-failures">{count} did not restore the system</span>',
            )
        )
    duration = figures["duration_seconds"]
    if duration["runs"]:
        median, p90 = esc(prose_duration(duration["p50"])), esc(prose_duration(duration["p90"]))
        text = (
            f'<span data-sop-figure="duration">median {median}, p90 {p90}'
            f' <span class="sop-runs">(of {plural(duration["runs"], "successful run")})</span></span>'
        )
        facts.append(("Time to execute", text))
    if figures.get("excluded_runs"):
        facts.append(("Left out", f'<span class="sop-missing">{plural(figures["excluded_runs"], "run")}: broken audit chain</span>'))
    rows = "".join(f'<div class="sop-fact"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in facts)
    days = _days_since(metrics, figures, site.today)
    stale = ""
    if days is not None and days > metrics.stale_days and entry.status != "retired":
        stale = f'<p class="sop-missing" data-sop-not-run-for="{days}">Not run for {days} days.</p>'
    trend = trend_svg(figures.get("recent_runs") or [])
    if trend:
        trend = (
            f'<div class="sop-trend-box"><span class="sop-meta">Recent runs, oldest first '
            f"(height: duration; green success, red failure or timeout, amber cancelled, grey refused or unfinished)</span><br>{trend}</div>"
        )
    return (
        f'<div class="sop-header sop-metrics" data-sop-metrics data-runs="{figures["runs"]}">{title}'
        f'<dl class="sop-facts">{rows}</dl>{stale}{trend}</div>'
    )


# --- the reliability page --------------------------------------------------------------


def _owner_of(entry: Entry | None, figures: dict[str, Any]) -> str:
    return (entry.front.owner if entry else "") or figures.get("owner") or NO_OWNER


def _rank_key(metrics: SiteMetrics, figures: dict[str, Any]) -> tuple:
    failure, rollback = figures["failure_rate"], figures["rollback_rate"]
    group = 2 if failure["ratio"] is None else 1 if metrics.low(failure) else 0
    return (group, -(failure["ratio"] or 0), -(rollback["ratio"] or 0), -figures["rollback_failures"], figures["sop_id"])


def _sop_cell(site: Site, entry: Entry | None, sop_id: str, here: str) -> str:
    if entry is None:
        return f'<code>{esc(sop_id)}</code> <span class="sop-missing">(not in the catalog)</span>'
    return f'<a href="{attr(relative(here, entry.url))}">{esc(entry.title)}</a><br><code class="sop-id">{esc(sop_id)}</code>'


def _ranking(site: Site, here: str) -> str:
    metrics: SiteMetrics = site.metrics
    ranked = sorted((s for s in metrics.document["sops"] if s["runs"]), key=lambda s: _rank_key(metrics, s))
    if not ranked:
        return '<p class="sop-missing">No runs in the audit trails.</p>'
    labels = ("#", "SOP", "Owner", "Runs", "Failure rate", "Rollback rate", "Rollback failures", "Last run", "Last success")
    # The SOP's title must stay readable beside the badges, which never wrap.
    head = "".join(f'<th scope="col"{WIDE if label == "SOP" else ""}>{esc(label)}</th>' for label in labels)
    rows = []
    for rank, figures in enumerate(ranked, start=1):
        entry = site.by_id.get(figures["sop_id"])
        low = figures["failure_rate"]["ratio"] is not None and metrics.low(figures["failure_rate"])
        rows.append(
            f'<tr data-sop-rank-row data-id="{attr(figures["sop_id"])}" data-rank="{rank}" data-low-confidence="{"true" if low else "false"}">'
            f"<td>{rank}</td><td>{_sop_cell(site, entry, figures['sop_id'], here)}</td>"
            f"<td>{esc(_owner_of(entry, figures))}</td><td>{figures['runs']}</td>"
            f"<td>{_rate(metrics, figures['failure_rate'], 'failure-rate', compact=True)}</td>"
            f"<td>{_rate(metrics, figures['rollback_rate'], 'rollback-rate', compact=True)}</td>"
            f'<td data-sop-figure="rollback-failures">{figures["rollback_failures"]}</td>'
            f"<td>{_date(figures['last_run'])} {_result_badge(figures['last_run_result'])}</td>"
            f"<td>{_date(figures['last_success'])}</td></tr>"
        )
    return (
        f'<table class="sop-table" data-sop-ranking><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"{_legend(metrics)}"
    )


def _legend(metrics: SiteMetrics) -> str:
    return (
        f'<p class="sop-meta"><span class="sop-missing">*</span> low confidence: fewer than {metrics.min_runs} finished runs. '
        "Failure: failed or timed out; rollback: the rollback was started.</p>"
    )


def _never_run(site: Site, here: str) -> tuple[str, int]:
    metrics: SiteMetrics = site.metrics
    items = []
    for entry in site.entries:
        if entry.status == "retired":
            continue
        figures = metrics.sop(entry.sop_id)
        if figures and figures["last_run"]:
            continue
        refused = figures["outcomes"][outcomes.REFUSED] if figures and figures["runs"] else 0
        note = f" ({refused} refused)" if refused else ""
        items.append(
            f'<li data-id="{attr(entry.sop_id)}"><a href="{attr(relative(here, entry.url))}">{esc(entry.title)}</a> '
            f"<code>{esc(entry.sop_id)}</code> · {esc(entry.front.owner_label)}{esc(note)}</li>"
        )
    if not items:
        return "<p>Every SOP in the catalog has been run.</p>", 0
    return f'<ul class="sop-index" data-sop-never-run>{"".join(items)}</ul>', len(items)


def _stale(site: Site, here: str) -> str:
    metrics: SiteMetrics = site.metrics
    found = []
    for entry in site.entries:
        figures = metrics.sop(entry.sop_id)
        if entry.status == "retired" or not figures:
            continue
        days = _days_since(metrics, figures, site.today)
        if days is not None and days > metrics.stale_days:
            found.append((figures["last_run"], entry, figures, days))
    if not found:
        return f"<p>No SOP in the catalog has gone more than {metrics.stale_days} days without a run.</p>"
    rows = "".join(
        f'<tr data-sop-stale-row data-id="{attr(entry.sop_id)}"><td>{_sop_cell(site, entry, entry.sop_id, here)}</td>'
        f'<td>{esc(entry.front.owner)}</td><td>{_date(figures["last_run"])}</td><td data-days="{days}">{days}</td></tr>'
        for _, entry, figures, days in sorted(found, key=lambda f: (f[0], f[1].sop_id))
    )
    return (
        '<table class="sop-table" data-sop-stale><thead><tr><th scope="col">SOP</th><th scope="col">Owner</th>'
        f'<th scope="col">Last run</th><th scope="col">Days since</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _owner_totals(site: Site) -> str:
    metrics: SiteMetrics = site.metrics
    empty = metric_figures.figures([], metric_figures.Settings(min_runs=metrics.min_runs), None)
    sops = [s for s in metrics.document["sops"] if s["runs"]]
    known = {s["sop_id"] for s in sops}
    sops += [{**empty, "sop_id": e.sop_id, "owner": e.front.owner} for e in site.entries if e.sop_id not in known]

    def owner(figures: dict[str, Any]) -> str:
        return _owner_of(site.by_id.get(figures["sop_id"]), figures)

    totals = metric_figures.owner_totals(sops, owner, metrics.min_runs)
    head = "".join(
        f'<th scope="col">{esc(label)}</th>'
        for label in ("Owner", "SOPs", "Never run", "Runs", "Success rate", "Failure rate", "Rollback rate", "Rollback failures")
    )
    rows = "".join(
        f'<tr data-sop-owner-row data-owner="{attr(t["owner"])}"><td>{esc(t["owner"])}</td><td>{t["sops"]}</td>'
        f'<td>{t["sops"] - t["sops_run"]}</td><td data-sop-figure="runs">{t["runs"]}</td>'
        f"<td>{_rate(metrics, t['success_rate'], 'success-rate', True)}</td><td>{_rate(metrics, t['failure_rate'], 'failure-rate', True)}</td>"
        f"<td>{_rate(metrics, t['rollback_rate'], 'rollback-rate', True)}</td><td>{t['rollback_failures']}</td></tr>"
        for t in totals
    )
    return f'<table class="sop-table" data-sop-owner-totals><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{_legend(metrics)}'


def _broken_trails(metrics: SiteMetrics) -> str:
    broken = [t for t in metrics.document["trails"] if not t["intact"]]
    if not broken:
        return ""
    items = "".join(
        f"<li><code>{esc(t['path'])}</code> line {esc(str(t['line']))}: {esc(t['error'])}; "
        f"{plural(len(t['excluded_runs']), 'run')} left out</li>"
        for t in broken
    )
    return (
        '<div class="sop-rollback" data-sop-broken-trails><p><strong>Broken audit chains.</strong> '
        "Runs at or after the first bad record are not counted in any figure.</p>"
        f"<ul>{items}</ul></div>"
    )


def reliability_page(site: Site, here: str) -> str:
    metrics: SiteMetrics = site.metrics
    summary = metrics.document["summary"]
    never, never_count = _never_run(site, here)
    computed_for = metrics.document.get("today")
    intro = (
        f'<p class="sop-meta" data-sop-metrics-summary>{plural(summary["runs"], "run")} from {summary["trails"]} audit trails'
        + (f", figures computed for {esc(computed_for)}" if computed_for else "")
        + "; "
        f"site built {esc(site.today.isoformat())}. Rates are over finished runs (success, failure, timeout, cancelled); "
        f"a rate over fewer than {metrics.min_runs} runs is marked <em>low confidence</em> and ranked below the others.</p>"
    )
    parts = [
        f"---\ntitle: {json.dumps(esc('Reliability'))}\n---",
        "",
        "# Reliability",
        "",
        f'<div class="sop-reliability" data-pagefind-ignore="all">{intro}{_broken_trails(metrics)}</div>',
        "",
        "## Ranked by failure and rollback rate",
        "",
        _ranking(site, here),
        "",
        f"## Never run ({never_count})",
        "",
        never,
        "",
        f"## {md_text(f'Not run for more than {metrics.stale_days} days')}",
        "",
        _stale(site, here),
        "",
        "## Per owner",
        "",
        _owner_totals(site),
        "",
    ]
    return join_page(parts)
