"""Site building shared by the MkDocs plugin and `sopdocs generate`: read the SOPs of a
docs directory, lint them for the build, and write a plain MkDocs-compatible tree."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sopdocs.core.config import Config
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_file
from sopdocs.lint.engine import Finding, display_path, lint_documents
from sopdocs.site import pages


@dataclass
class BuildReport:
    errors: list[str]
    warnings: list[str]


def read_docs(docs_dir: Path, project: Config, cwd: Path) -> dict[str, SopDocument]:
    """Every Markdown file under docs_dir, parsed, keyed by docs-relative path."""
    docs = {}
    for path in sorted(docs_dir.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(docs_dir).parts):
            continue
        docs[path.relative_to(docs_dir).as_posix()] = parse_file(path, display_path(path, cwd), project.max_file_size)
    return docs


def lint_for_build(docs: dict[str, SopDocument], project: Config, today: dt.date, strict: bool, drafts_warn: bool) -> BuildReport:
    """Lint findings as build messages: errors fail a strict build, except in drafts when
    ``drafts_warn`` is set."""
    return build_report(lint_documents(list(docs.values()), project, today), docs.values(), strict, drafts_warn)


def build_report(findings: Iterable[Finding], docs: Iterable[SopDocument], strict: bool, drafts_warn: bool) -> BuildReport:
    """Findings of the build's SOPs (``docs``: at least their front matter) as messages."""
    drafts = {d.display_path for d in docs if (d.meta or {}).get("status", "draft") == "draft"}
    report = BuildReport([], [])
    for f in findings:
        text = f"{f.path}:{f.line}:{f.column}: {f.code} {f.rule}: {f.message}"
        if f.severity == "error" and strict and not (drafts_warn and f.path in drafts):
            report.errors.append(text)
        else:
            report.warnings.append(text)
    return report


def make_site(
    docs: dict[str, SopDocument], project: Config, today: dt.date, title: str, use_directory_urls: bool = True, metrics=None
) -> pages.Site:
    readable = {src: doc for src, doc in docs.items() if doc.meta is not None}
    return pages.build_site(
        readable, today, project.review_in, project.due_soon_days, title=title, use_directory_urls=use_directory_urls, metrics=metrics
    )


def generate_tree(site: pages.Site, out: Path, site_name: str) -> Path:
    """Write the whole site as plain Markdown + assets + mkdocs.yml (no plugin needed).

    Any MkDocs-compatible builder (MkDocs, ProperDocs) builds the result with
    ``build -f OUT/mkdocs.yml``. Returns the path of that mkdocs.yml.
    """
    docs_dir = out / "docs"
    files: dict[str, str] = {}
    for entry in site.entries:
        front = f"---\ntitle: {json.dumps(pages.esc(entry.title))}\n---\n\n"
        files[entry.src] = front + pages.plain_markdown(pages.sop_page(site, entry))
    files.update({src: pages.plain_markdown(text) for src, text in pages.generated_pages(site).items()})
    for asset in pages.ASSETS:
        files[f"{pages.ASSET_DIR}/{asset}"] = pages.asset_text(asset)
    files["sops.json"] = pages.catalog_json(site)
    for src, text in sorted(files.items()):
        target = docs_dir / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config = {
        "site_name": site_name,
        "docs_dir": "docs",
        "use_directory_urls": site.use_directory_urls,
        "theme": {"name": "material", "font": False},
        "nav": [dict(item) for item in pages.NAV]
        + ([{"Reliability": "reliability.md"}] if site.metrics is not None else []),
        "not_in_nav": "/*.md\n/**/*.md\n",
        "extra_css": [f"{pages.ASSET_DIR}/sopdocs.css"],
        "extra_javascript": [f"{pages.ASSET_DIR}/sopdocs.js"],
        "markdown_extensions": [{"toc": {"permalink": True}}, "tables"],
        "plugins": [],
    }
    path = out / "mkdocs.yml"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return path


class _LenientLoader(__import__("yaml").SafeLoader):
    """Reads mkdocs.yml files that use tags such as `!!python/name:` or `!ENV`."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def read_mkdocs_yml(path: Path) -> dict:
    import yaml

    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LenientLoader)
    return data if isinstance(data, dict) else {}


def plugin_options(mkdocs_config: dict) -> dict:
    for plugin in mkdocs_config.get("plugins") or []:
        if isinstance(plugin, dict) and "sopdocs" in plugin:
            return plugin["sopdocs"] or {}
    return {}
