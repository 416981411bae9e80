"""Dark mode: Material's palette follows the reader's system setting, with a toggle, in the
repo's mkdocs.yml, in the mkdocs.yml `sopdocs generate` writes, and by default when a
project's mkdocs.yml sets none; a project's own palette stays."""

from __future__ import annotations

import re

import sitekit
from helpers import cli

from sopdocs.site.build import PALETTE, palette, read_mkdocs_yml

SOP = (sitekit.FIXTURES / f"{sitekit.DUE_SOON_ID}.md").read_text(encoding="utf-8")


def test_the_palette_follows_the_system_and_has_a_toggle():
    assert [entry["media"] for entry in PALETTE] == [
        "(prefers-color-scheme)",
        "(prefers-color-scheme: light)",
        "(prefers-color-scheme: dark)",
    ]
    assert [entry.get("scheme") for entry in PALETTE] == [None, "default", "slate"]
    assert all(entry["toggle"]["icon"] and entry["toggle"]["name"] for entry in PALETTE)
    copy = palette()
    copy[0]["toggle"]["name"] = "changed"
    assert PALETTE[0]["toggle"]["name"] != "changed"  # a fresh copy each time


def test_the_repos_mkdocs_yml_has_the_palette():
    assert read_mkdocs_yml(sitekit.REPO / "mkdocs.yml")["theme"]["palette"] == palette()


def test_generate_writes_the_palette(tmp_path):
    project = sitekit.make_project(tmp_path / "project", {"sop.md": SOP})
    out = tmp_path / "out"
    result = cli("generate", "--out", str(out), "--today", "2026-11-26", cwd=project)
    assert result.returncode == 0, result.stderr
    assert read_mkdocs_yml(out / "mkdocs.yml")["theme"]["palette"] == palette()


def build(tmp_path, mkdocs_yml: str) -> str:
    project = sitekit.make_project(tmp_path / "project", {"sop.md": SOP}, mkdocs_yml=mkdocs_yml)
    site = tmp_path / "SITE"
    result = sitekit.run_build(project, site)
    assert result.returncode == 0, result.stderr
    return (site / "index.html").read_text(encoding="utf-8")


def without_palette(text: str) -> str:
    """The repo's mkdocs.yml without its palette."""
    return re.sub(r"\n  palette:.*?(?=\nplugins:)", "", text, flags=re.DOTALL)


def test_the_plugin_sets_the_palette_when_mkdocs_yml_has_none(tmp_path):
    yml = without_palette(sitekit.MKDOCS_YML)
    assert "palette" not in yml and "plugins:" in yml
    html = build(tmp_path, yml)
    assert 'data-md-component="palette"' in html
    assert len(re.findall(r'<input class="md-option" data-md-color-media="', html)) == 3
    assert 'data-md-color-media="(prefers-color-scheme: dark)" data-md-color-scheme="slate"' in html


def test_a_projects_own_palette_stays(tmp_path):
    yml = without_palette(sitekit.MKDOCS_YML).replace("theme:\n", "theme:\n  palette:\n    primary: red\n", 1)
    html = build(tmp_path, yml)
    assert 'data-md-color-primary="red"' in html
    assert 'data-md-component="palette"' not in html  # no toggle: the project chose one palette

