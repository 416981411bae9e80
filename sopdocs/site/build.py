"""Building the site: what the MkDocs plugin, `sopdocs build --engine properdocs` and
`sopdocs generate` share. Read the SOPs of a docs directory, lint them for the build,
write a plain MkDocs-compatible tree, and run MkDocs or ProperDocs on it."""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sopdocs.core.config import Config, load_config
from sopdocs.core.discover import display_path
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_file
from sopdocs.lint.engine import Finding, lint_documents
from sopdocs.lint.rules import settings as rule_settings
from sopdocs.site import html, index_pages, model, placeholders, sop_page
from sopdocs.site import offline as offline_site
from sopdocs.site.engine import call_engine

# Material's palette for a catalog: follows the reader's system setting (light or dark),
# with a toggle in the header that cycles automatic -> light -> dark. The plugin sets it
# when mkdocs.yml sets no palette; `sopdocs generate` writes it. sopdocs.css has a dark
# variant of every colour it sets, under [data-md-color-scheme="slate"].
PALETTE: tuple[dict, ...] = (
    {
        "media": "(prefers-color-scheme)",
        "primary": "blue grey",
        "toggle": {"icon": "material/brightness-auto", "name": "Switch to light mode"},
    },
    {
        "media": "(prefers-color-scheme: light)",
        "scheme": "default",
        "primary": "blue grey",
        "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"},
    },
    {
        "media": "(prefers-color-scheme: dark)",
        "scheme": "slate",
        "primary": "blue grey",
        "toggle": {"icon": "material/brightness-4", "name": "Switch to system preference"},
    },
)


def palette() -> list[dict]:
    """A fresh copy of PALETTE (MkDocs and Material may change the config they are given)."""
    return copy.deepcopy(list(PALETTE))


@dataclass
class BuildReport:
    errors: list[str]
    warnings: list[str]


def read_docs(docs_dir: Path, project: Config, cwd: Path) -> dict[str, SopDocument]:
    """Every file under docs_dir with one of the config's extensions (`.md`; a profile's
    `.md.erb`), parsed, keyed by the page path sopdocs gives it (`foo.html.md.erb` ->
    `foo.md`, as the plugin does; sopdocs.site.urls.page_src). A file whose page path is
    another file's is left out, with a warning, as in the plugin."""
    from sopdocs.site.urls import handbook_pages

    found: dict[str, Path] = {}
    paths = sorted(p for p in docs_dir.rglob("*") if p.is_file() and p.name.endswith(tuple(project.extensions)))
    for path in paths:
        relative = path.relative_to(docs_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        found[relative.as_posix()] = path
    renamed, clashes = handbook_pages(found, found, project.extensions)
    for src, page in clashes.items():
        print(f"WARNING -  sopdocs: {src} is not a page: {page} exists too (rename one of them)", file=sys.stderr)
    return {renamed.get(src, src): parse_file(path, display_path(path, cwd), project) for src, path in found.items() if src not in clashes}


def lint_for_build(docs: dict[str, SopDocument], project: Config, today: dt.date, strict: bool, drafts_warn: bool) -> BuildReport:
    """Lint findings as build messages: errors fail a strict build, except in drafts when
    ``drafts_warn`` is set."""
    return build_report(lint_documents(list(docs.values()), project, today), docs.values(), strict, drafts_warn)


def build_report(findings: Iterable[Finding], docs: Iterable[SopDocument], strict: bool, drafts_warn: bool) -> BuildReport:
    """Findings of the build's SOPs (``docs``: at least their front matter) as messages."""
    drafts = {d.display_path for d in docs if (d.meta or {}).get("status", "draft") == "draft"}
    report = BuildReport([], [])
    for f in findings:
        text = f.describe()
        if f.severity == "error" and strict and not (drafts_warn and f.path in drafts):
            report.errors.append(text)
        else:
            report.warnings.append(text)
    return report


def make_site(
    docs: dict[str, SopDocument],
    project: Config,
    today: dt.date,
    title: str,
    use_directory_urls: bool = True,
    metrics=None,
    contact_links: dict[str, str] | None = None,
    fallback: dict[str, str] | None = None,
    last_changed: dict[str, dt.date] | None = None,
    search: bool = True,
) -> model.Site:
    """The site of the readable ``docs``. ``fallback``: the ids of SOPs without one
    (model.fallback_ids over every file, readable or not; worked out here if not given)."""
    readable = {src: doc for src, doc in docs.items() if doc.meta is not None}
    return model.build_site(
        readable,
        today,
        project.review_in,
        project.due_soon_days,
        fallback=model.fallback_ids(docs) if fallback is None else fallback,  # over every file, as the plugin's workers see them
        last_changed=last_changed,
        title=title,
        use_directory_urls=use_directory_urls,
        metrics=metrics,
        contact_links=contact_links or {},
        search=search,
    )


def generate_tree(site: model.Site, out: Path, site_name: str, offline: bool = False) -> Path:
    """Write the whole site as plain Markdown + assets + mkdocs.yml (no plugin needed).

    Any MkDocs-compatible builder (MkDocs, ProperDocs) builds the result with
    ``build -f OUT/mkdocs.yml``. Returns the path of that mkdocs.yml. With ``offline``
    (and a site without directory URLs), the offline search engine and index too.
    """
    docs_dir = out / "docs"
    files: dict[str, str] = {}
    for entry in site.entries:
        front = f"---\ntitle: {json.dumps(html.esc(entry.title))}\n---\n\n"
        files[entry.src] = front + placeholders.plain_markdown(sop_page.sop_page(site, entry))
    # As in the plugin: a handbook with its own home page gets the catalog beside it.
    catalog_src = "catalog.md" if "index.md" in files else "index.md"
    generated = index_pages.generated_pages(site, catalog_src)
    files.update({src: placeholders.plain_markdown(text) for src, text in generated.items() if src not in files})
    for asset in index_pages.ASSETS:
        files[f"{index_pages.ASSET_DIR}/{asset}"] = index_pages.asset_text(asset)
    files["sops.json"] = index_pages.catalog_json(site)
    scripts = [f"{index_pages.ASSET_DIR}/sopdocs.js"]
    if offline:
        from sopdocs.site.search import search_record

        files[f"{index_pages.ASSET_DIR}/{offline_site.ENGINE_ASSET}"] = index_pages.asset_text(offline_site.ENGINE_ASSET)
        files[f"{index_pages.ASSET_DIR}/{offline_site.INDEX_ASSET}"] = offline_site.index_script(search_record(e) for e in site.entries)
        scripts.append(f"{index_pages.ASSET_DIR}/{offline_site.ENGINE_ASSET}")
    for src, text in sorted(files.items()):
        target = docs_dir / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config = {
        "site_name": site_name,
        "docs_dir": "docs",
        "use_directory_urls": site.use_directory_urls,
        "theme": {"name": "material", "font": False, "palette": palette()},
        "nav": [{"Catalog": catalog_src} if item == {"Catalog": "index.md"} else dict(item) for item in index_pages.NAV]
        + ([{"Reliability": "reliability.md"}] if site.metrics is not None else []),
        "not_in_nav": "/*.md\n/**/*.md\n",
        "extra_css": [f"{index_pages.ASSET_DIR}/sopdocs.css"],
        "extra_javascript": scripts,
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


# --- the builds -------------------------------------------------------------------------

Say = Callable[[str], None]


def project_config(path: str | None) -> Config:
    """The sopdocs config a site is built with (the plugin's `config_file`, else the
    nearest one), its `rules` checked. Raises ConfigError."""
    config = load_config(Path(path) if path else None)
    rule_settings(config)
    return config


def contact_links(options: dict) -> dict[str, str]:
    """The plugin's `contact_links` option, checked. Raises ContactLinksError."""
    from sopdocs.site.contacts import check_patterns

    return check_patterns(options.get("contact_links"))


def site_metrics(options: dict, root: Path, environ: Mapping[str, str], warn: Say):
    """The run figures of a build: $SOPDOCS_METRICS, else the plugin's `metrics`
    options in mkdocs.yml; None without. Raises SiteMetricsError."""
    from sopdocs.site import reliability

    sources = reliability.metric_sources(options.get("metrics"), root, environ)
    loaded = reliability.load_site_metrics(sources, options.get("metrics_min_runs"), options.get("metrics_stale_days"))
    for message in reliability.problems(loaded):
        warn(f"WARNING -  {message}")
    return loaded


def _catalog(mkdocs_file: Path, today: dt.date | None, environ: Mapping[str, str]):
    """(mkdocs.yml settings, plugin options, sopdocs config, the day, the parsed SOPs)."""
    from sopdocs.core.review import today_from

    settings = read_mkdocs_yml(mkdocs_file)
    options = plugin_options(settings)
    project = project_config(options.get("config_file"))
    day = today or today_from(options.get("today") or environ.get("SOPDOCS_TODAY"))
    docs = read_docs(mkdocs_file.resolve().parent / settings.get("docs_dir", "docs"), project, Path.cwd())
    return settings, options, project, day, docs


def build_generated(mkdocs_file: Path, site_dir: str | None, env: dict[str, str], say: Say) -> int:
    """`sopdocs build --engine properdocs`: the generator's plain tree built by ProperDocs
    (proves the site needs no MkDocs internals). Returns the exit code."""
    from sopdocs.site.csp import add_policy
    from sopdocs.site.search import write_index

    settings, options, project, day, docs = _catalog(mkdocs_file, None, env)
    report = lint_for_build(docs, project, day, options.get("strict", True), options.get("drafts_warn", True))
    for message in report.warnings:
        say(f"WARNING -  {message}")
    for message in report.errors:
        say(f"ERROR   -  {message}")
    if report.errors:
        say(f"sopdocs: {len(report.errors)} lint errors in the SOPs; build aborted")
        return 1
    root = mkdocs_file.resolve().parent
    metrics = site_metrics(options, root, env, say)
    # An offline copy as the plugin makes it (its `offline` option, or --offline).
    offline = bool(options.get("offline", False)) or env.get(offline_site.ENV) == "1"
    title = options.get("catalog_title", "SOP catalog")
    site = make_site(
        docs, project, day, title, use_directory_urls=not offline, metrics=metrics, contact_links=contact_links(options),
        search=bool(options.get("search", True)),
    )
    target = Path(site_dir) if site_dir else root / settings.get("site_dir", "site")
    with tempfile.TemporaryDirectory(prefix="sopdocs-generated-") as tmp:
        generated = generate_tree(site, Path(tmp), settings.get("site_name", "SOP catalog"), offline)
        code = call_engine("properdocs", "build", generated, ["-d", str(target.resolve())], env)
    if code == 0 and options.get("csp", True):
        for page in sorted(target.rglob("*.html")):
            page.write_text(add_policy(page.read_text(encoding="utf-8")), encoding="utf-8")
    if code == 0 and options.get("search", True):
        write_index(site, target)
    return code


def generate(mkdocs_file: Path, out: Path, today: dt.date | None, environ: Mapping[str, str], say: Say) -> Path:
    """`sopdocs generate`: the catalog as plain sources any MkDocs-like builder builds.
    Returns the path of the mkdocs.yml written."""
    settings, options, project, day, docs = _catalog(mkdocs_file, today, environ)
    metrics = site_metrics(options, mkdocs_file.resolve().parent, environ, say)
    offline = bool(options.get("offline", False))  # the plugin option: the tree is an offline copy's
    site = make_site(
        docs,
        project,
        day,
        options.get("catalog_title", "SOP catalog"),
        use_directory_urls=not offline,
        metrics=metrics,
        contact_links=contact_links(options),
        search=bool(options.get("search", True)),
    )
    return generate_tree(site, out, settings.get("site_name", "SOP catalog"), offline)
