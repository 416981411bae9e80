"""A printed SOP page (Chromium's PDF, A4 and Letter, read back with poppler's pdftotext):
every command whole, rollback and escalation in, navigation and buttons out, checklist
boxes printed as empty boxes, <details> content printed, dark screens print light."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sitekit

from sopdocs.core.parser import parse_file

SOP_ID = "batched-data-backfill"  # long psql commands, heredocs, a rollback command
LONG_ID = "print-long-token"
LONG_TOKEN = "sha256-" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" * 4
LONG_SOP = f"""---
id: {LONG_ID}
title: Print a command with a long unbroken token
owner: team-platform
status: approved
risk: low
last_reviewed: 2026-11-20
escalation: ["#platform-oncall", "https://status.example.invalid/escalate"]
preconditions:
  - The new image passed its checks.
rollback:
  - text: Put the previous digest back
    command: kubectl -n payments set image deployment/api api=registry.example.invalid/api@{LONG_TOKEN} --record=true
---

# Print a command with a long unbroken token

## Steps

1. Pin the image by digest.

   ```bash timeout=2m
   kubectl -n payments set image deployment/api api=registry.example.invalid/api@{LONG_TOKEN}
   kubectl -n payments rollout status deployment/api --timeout=120s && echo "pinned to {LONG_TOKEN[:20]}"
   ```

## Verification

- The new pods run the pinned digest.

## Escalation

Page the platform on-call through pagerduty:platform-primary if the rollout stalls.
"""
FORMATS = ("A4", "Letter")
# Text of the site's chrome that must not reach the paper.
CHROME = ("Skip to content", "Table of contents", "SOP catalog", "Start a new run", "Search SOPs", "Copy run log", "Switch to")


@pytest.fixture(scope="module")
def print_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("print-site")
    sources = {**sitekit.catalog_sources(), f"{LONG_ID}.md": LONG_SOP}
    project = sitekit.make_project(root / "project", sources)
    site = root / "SITE"
    result = sitekit.run_build(project, site)
    assert result.returncode == 0, result.stderr
    with sitekit.SiteServer(site) as server:
        yield project, server.url


def source(project: Path, sop_id: str):
    return parse_file(project / "content" / f"{sop_id}.md")


def commands(doc) -> list[str]:
    """Every command of the SOP: fenced blocks of the body, `command:` of the front matter."""
    found = [block.code for section in doc.sections for block in section.blocks]

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("command"), str):
                found.append(value["command"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(doc.meta)
    return [c for c in found if c.strip()]


def rollback_texts(doc) -> list[str]:
    return [item if isinstance(item, str) else item["text"] for item in doc.meta["rollback"]]


def escalation_text(doc) -> str:
    section = next(s for s in doc.sections if s.slug == "escalation")
    text = "\n".join(doc.lines[section.position.line : section.end_line])
    return re.sub(r"`|\*\*", "", text)


def squeeze(text: str) -> str:
    """Text without any whitespace: a command wrapped onto several printed lines (at a
    space or inside a word) still reads as one string."""
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is missing: `scripts/setup test` installs it"
    return subprocess.run([tool, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def printed(new_tab, url: str, sop_id: str, fmt: str, tmp_path: Path, artifacts: Path, scheme: str = "light") -> str:
    tab = new_tab(color_scheme=scheme)
    tab.base_url = url
    tab.goto(f"/{sop_id}/")
    tab.page.wait_for_load_state("networkidle")
    pdf = tmp_path / f"{sop_id}-{fmt}-{scheme}.pdf"
    tab.page.pdf(path=str(pdf), format=fmt, print_background=False)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # pictures of the paper, to look at
        subprocess.run(
            [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf), str(artifacts / f"print-{sop_id}-{fmt}-{scheme}")],
            check=False,
        )
    tab.assert_clean()
    return pdftotext(pdf)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sop_id", [SOP_ID, LONG_ID])
def test_every_command_prints_whole(new_tab, print_site, sop_id, fmt, tmp_path, artifacts):
    project, url = print_site
    doc = source(project, sop_id)
    text = printed(new_tab, url, sop_id, fmt, tmp_path, artifacts)
    flat = squeeze(text)
    wanted = commands(doc)
    assert len(wanted) >= 2
    cut = [command for command in wanted if squeeze(command) not in flat]
    assert not cut, "commands not printed whole:\n" + "\n---\n".join(cut) + "\n=== printed text:\n" + text
    if sop_id == LONG_ID:
        assert LONG_TOKEN in flat
    # Rollback and escalation are on paper.
    assert "Rollback" in text and "Escalation" in text
    for item in rollback_texts(doc):
        assert squeeze(item) in flat, f"rollback step missing: {item}"
    assert squeeze(escalation_text(doc)) in flat, escalation_text(doc)
    for contact in doc.meta["escalation"]:
        assert squeeze(contact) in flat, contact
    # The site's navigation, header, footer, search and buttons are not.
    assert not [words for words in CHROME if words in text], [words for words in CHROME if words in text]


def test_a_dark_screen_prints_light(new_tab, print_site, tmp_path, artifacts):
    project, url = print_site
    tab = new_tab(color_scheme="dark")
    tab.base_url = url
    tab.goto(f"/{SOP_ID}/")
    page = tab.page
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    page.emulate_media(media="print")
    page.wait_for_timeout(500)  # Material's colour transitions (125 ms) end: paper has none
    colours = page.evaluate(
        """() => ['body', '.md-typeset', '.sop-code pre > code', '.md-typeset h2'].map(sel => {
            const style = getComputedStyle(document.querySelector(sel));
            return [sel, style.color, style.backgroundColor];
        })"""
    )
    for selector, colour, _ in colours:
        rgb = [int(x) for x in re.findall(r"\d+", colour)[:3]]
        assert max(rgb) < 120, f"{selector} prints in a light colour {colour} (dark screen)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    text = printed(new_tab, url, SOP_ID, "A4", tmp_path, artifacts, scheme="dark")
    flat = squeeze(text)
    assert all(squeeze(command) in flat for command in commands(source(project, SOP_ID)))


def test_checklist_boxes_print_as_empty_boxes(new_tab, print_site):
    project, url = print_site
    tab = new_tab()
    tab.base_url = url
    tab.goto(f"/{SOP_ID}/")
    page = tab.page
    page.locator(".sop-checkbox").nth(1).check()  # one ticked on screen
    page.emulate_media(media="print")
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.sop-checklist input[type=checkbox]')).map(box => {
            const s = getComputedStyle(box), r = box.getBoundingClientRect();
            return {display: s.display, visibility: s.visibility, appearance: s.appearance, border: s.borderTopStyle,
                    borderWidth: parseFloat(s.borderTopWidth), borderColor: s.borderTopColor,
                    width: r.width, height: r.height, checked: box.checked, background: s.backgroundColor};
        })"""
    )
    doc = source(project, SOP_ID)
    items = len(doc.meta["preconditions"]) + len(doc.steps) + len(next(s for s in doc.sections if s.slug == "verification").items)
    assert len(boxes) >= items, (len(boxes), items)
    for box in boxes:
        assert box["display"] != "none" and box["visibility"] == "visible", box
        assert box["appearance"] == "none" and box["border"] == "solid" and box["borderWidth"] >= 1, box
        assert box["borderColor"] == "rgb(0, 0, 0)", box
        assert 10 <= box["width"] <= 24 and 10 <= box["height"] <= 24, box
        assert box["background"] == ("rgb(0, 0, 0)" if box["checked"] else "rgb(255, 255, 255)"), box
    assert [box["checked"] for box in boxes].count(True) == 1
    tab.assert_clean()


def test_details_are_printed_open_and_closed_again_after(new_tab, print_site, tmp_path):
    _, url = print_site
    tab = new_tab()
    tab.base_url = url
    tab.goto(f"/{SOP_ID}/")
    page = tab.page
    # A closed <details> in the page (the SOP header keeps secondary facts in one).
    page.evaluate(
        """() => {
            const details = document.createElement('details');
            details.id = 'print-probe';
            details.innerHTML = '<summary>More facts</summary><p>Approved by zq-only-in-details</p>';
            document.querySelector('.md-content .md-typeset').prepend(details);
        }"""
    )
    assert not page.locator("#print-probe p").is_visible()
    # Print CSS shows the content (Chromium's PDF prints without beforeprint)...
    pdf = tmp_path / "details.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert "zq-only-in-details" in pdftotext(pdf)
    # ...and sopdocs.js opens every closed <details> before printing, and closes them after.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("#print-probe").get_attribute("open") is not None
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#print-probe").get_attribute("open") is None
    tab.assert_clean()
