"""MkDocs adapter: `plugins: [sopdocs]`.

Thin on purpose: it parses and lints the SOPs with sopdocs' core, hands the generated
Markdown/CSS/JS of :mod:`sopdocs.site.pages` to MkDocs, and writes the search index.
Everything a page shows comes from the generator, not from MkDocs internals.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import posixpath
import time
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc

from sopdocs.core.config import load_config
from sopdocs.core.discover import display_paths
from sopdocs.core.parallel import cpu_count
from sopdocs.core.progress import Progress
from sopdocs.core.review import today_from
from sopdocs.errors import SopdocsError
from sopdocs.lint.rules import settings as rule_settings
from sopdocs.site import index_pages, offline, placeholders, reliability, template_code
from sopdocs.site.build import build_report, make_site, palette
from sopdocs.site.contacts import check_patterns
from sopdocs.site.csp import add_policy
from sopdocs.site.model import fallback_ids
from sopdocs.site.prepare import Item, MarkdownOptions, Records, SitePool
from sopdocs.site.search import IndexJob
from sopdocs.site.urls import handbook_pages

log = get_plugin_logger(__name__)


class SopdocsConfig(Config):
    enabled = c.Type(bool, default=True)
    today = c.Optional(c.Type(str))
    strict = c.Type(bool, default=True)
    drafts_warn = c.Type(bool, default=True)
    search = c.Type(bool, default=True)
    csp = c.Type(bool, default=True)
    catalog_title = c.Type(str, default="SOP catalog")
    config_file = c.Optional(c.Type(str))
    # Run figures: a `sopdocs metrics --format json` file, or trail files/directories
    # (relative to mkdocs.yml). `sopdocs build --metrics` ($SOPDOCS_METRICS) wins.
    metrics = c.Optional(c.Type((str, list)))
    metrics_min_runs = c.Optional(c.Type(int))
    metrics_stale_days = c.Optional(c.Type(int))
    # Escalation entries as links: a prefix -> a URL template with {} (sopdocs.site.contacts).
    contact_links = c.Type(dict, default={})
    # A copy that works opened from disk (file://): no directory URLs, and an offline
    # search index. `sopdocs build --offline` ($SOPDOCS_OFFLINE=1) does the same.
    offline = c.Type(bool, default=False)


class SopdocsPlugin(BasePlugin[SopdocsConfig]):
    def on_startup(self, *, command, dirty) -> None:
        self.command = command
        # `sopdocs serve` (sopdocs.site.live) sets this to its state: the build then keeps
        # what an update needs, and lint errors are shown instead of stopping the build.
        self.live = getattr(self, "live", None)

    def on_config(self, config):
        if not self.config.enabled:
            return config
        self.site = None
        self.sources: dict[str, str] = {}
        self.html_blocks: dict[str, list[str]] = {}
        self.prepared: dict = {}  # SOP pages written by the site pool, by source path
        self.tocs: dict[str, list] = {}
        self._placeholder: tuple | None = None  # what MkDocs renders for PAGE_PLACEHOLDER
        if getattr(self, "index_job", None) is not None:
            self.index_job.cancel()
        self.index_job: IndexJob | None = None
        self.rendering: Progress | None = None
        self.page_count = 0
        try:
            self.today = today_from(self.config.today)
        except SopdocsError as exc:
            raise PluginError(f"sopdocs: {exc}") from None
        self._pin_build_date()
        if config.theme.name == "material" and config.theme.get("palette") is None:
            config.theme["palette"] = palette()  # light and dark, following the system; a project's own palette stays
        self.metrics = self._load_metrics(config)
        try:
            self.contact_links = check_patterns(self.config.contact_links)
        except SopdocsError as exc:
            raise PluginError(f"sopdocs: {exc}") from None
        self.offline = self.config.offline or os.environ.get(offline.ENV) == "1"
        if self.offline:
            # From disk a directory is a listing, not a page: every link names its file.
            config.use_directory_urls = False
        linked = [*index_pages.LINKED_ASSETS, *([offline.ENGINE_ASSET] if self.offline else [])]
        for asset in linked:
            target = config.extra_css if asset.endswith(".css") else config.extra_javascript
            path = f"{index_pages.ASSET_DIR}/{asset}"
            if path not in [str(p) for p in target]:
                target.append(path)
        self.own_nav = not config.nav
        if self.own_nav:
            config.nav = [dict(item) for item in index_pages.NAV]
            if self.metrics is not None:
                config.nav.append({"Reliability": reliability.RELIABILITY_SRC})
        return config

    def _load_metrics(self, config):
        sources = reliability.metric_sources(self.config.metrics, Path(config.config_file_path).parent)
        try:
            metrics = reliability.load_site_metrics(sources, self.config.metrics_min_runs, self.config.metrics_stale_days)
        except SopdocsError as exc:
            raise PluginError(f"sopdocs: {exc}") from None
        for message in reliability.problems(metrics):
            log.warning(message)
        return metrics

    def on_files(self, files: Files, config) -> Files:
        if not self.config.enabled:
            return files
        try:
            project = load_config(Path(self.config.config_file) if self.config.config_file else None, Path(config.config_file_path).parent)
            rule_settings(project)
        except SopdocsError as exc:
            raise PluginError(f"sopdocs: {exc}") from None
        handbook = self._handbook_pages(files, project.extensions, config)
        sources = [f for f in files.documentation_pages() if (not f.generated_by or f.src_uri in handbook) and f.abs_src_path]
        for file in sources:
            if file.inclusion == InclusionLevel.INCLUDED:
                file.inclusion = InclusionLevel.NOT_IN_NAV  # reached through the catalog: keeps pages linear in size
        paths = [Path(f.abs_src_path) for f in sources]
        fallback = fallback_ids(f.src_uri for f in sources)
        items = [
            Item(f.src_uri, path, shown, fallback.get(f.src_uri, "")) for f, path, shown in zip(sources, paths, display_paths(paths, Path.cwd()))
        ]
        live = getattr(self, "live", None)
        # on_config cancelled the last build's job; `sopdocs serve` keeps the records for its updates.
        self.index_job = IndexJob(live.records if live is not None else None) if self.config.search else None
        records = Records(self.index_job.records, config.use_directory_urls, keep=self.offline) if self.index_job else None
        # Progress lines on a terminal, for large catalogs.
        started = time.perf_counter()
        with SitePool(items, project, self.today, records=records) as pool:
            with Progress("reading SOPs", len(items)) as progress:
                pool.advance = progress.advance
                findings, docs = pool.parse()
            read = time.perf_counter()
            report = build_report(findings, docs.values(), self.config.strict, self.config.drafts_warn)
            for message in report.warnings:
                log.warning(message)
            for message in report.errors:
                log.error(message)
            if report.errors and live is not None:
                count = len(report.errors)
                log.error(f"sopdocs: {count} lint error{'s' if count != 1 else ''} in the SOPs (see above): the preview shows the pages anyway")
            elif report.errors:
                count = len(report.errors)
                raise PluginError(f"sopdocs: {count} lint error{'s' if count != 1 else ''} in the SOPs (see above); fix them or run `sopdocs lint`")
            if self.index_job is not None:
                # Indexes on the core MkDocs leaves idle while it renders the pages; paused
                # below while the build's own processes use every CPU. Not at a lower
                # priority: that made it wait for every other process on a busy machine.
                self.index_job.start(nice=False)
            self.site = make_site(
                docs, project, self.today, self.config.catalog_title, config.use_directory_urls, self.metrics, self.contact_links, fallback,
                search=self.config.search,
            )
            with Progress("writing SOP pages", len(self.site.entries)) as progress:
                pool.advance = progress.advance
                options = MarkdownOptions(list(config.markdown_extensions), dict(config.mdx_configs or {}))
                paused = self.index_job is not None and 1 + pool.workers_used >= cpu_count() and self.index_job.pause()
                try:
                    self.prepared = pool.render(self.site, options, records=self.offline)
                finally:
                    if paused:
                        self.index_job.resume()
            processes = 1 + pool.workers_used
        log.info(
            f"{len(items)} SOPs read and linted in {read - started:.1f} s, "
            f"their pages written in {time.perf_counter() - read:.1f} s ({processes} process{'es' if processes > 1 else ''})"
        )
        self.sources = {e.src: e for e in self.site.entries}
        self._template_note()
        catalog_src = "index.md" if files.get_file_from_path("index.md") is None else "catalog.md"
        if catalog_src != "index.md" and self.own_nav:  # the docs have a home page: the catalog is next to it
            config.nav = [{"Catalog": catalog_src} if item == {"Catalog": "index.md"} else item for item in config.nav]
        for src, text in index_pages.generated_pages(self.site, catalog_src).items():
            if files.get_file_from_path(src) is None:
                listed = src in (catalog_src, index_pages.SEARCH_SRC, "owners/index.md", "tags/index.md", reliability.RELIABILITY_SRC)
                inclusion = InclusionLevel.INCLUDED if listed else InclusionLevel.NOT_IN_NAV
                files.append(File.generated(config, src, content=text, inclusion=inclusion))
        for asset in index_pages.ASSETS:
            files.append(File.generated(config, f"{index_pages.ASSET_DIR}/{asset}", content=index_pages.asset_text(asset)))
        files.append(File.generated(config, "sops.json", content=index_pages.catalog_json(self.site)))
        if self.offline:
            records = [self.prepared[e.src].record for e in self.site.entries]
            for name, content in ((offline.ENGINE_ASSET, index_pages.asset_text(offline.ENGINE_ASSET)), (offline.INDEX_ASSET, offline.index_script(records))):
                files.append(File.generated(config, f"{index_pages.ASSET_DIR}/{name}", content=content))
        self.page_count = len(files.documentation_pages())
        if live is not None:
            live.remember(self, config, files, items, pool.parsed, docs, fallback, project, options, catalog_src, report.errors)
        return files

    @event_priority(-100)  # after every other plugin: the navigation the pages are built with
    def on_nav(self, nav, config, files):
        if self.config.enabled and getattr(self, "live", None) is not None:
            self.live.nav = nav
        return nav

    @event_priority(-100)
    def on_env(self, env, config, files):
        if self.config.enabled and getattr(self, "live", None) is not None:
            self.live.env = env
        return env

    def _template_note(self) -> None:
        """Say, once, on which pages template code was taken out (sopdocs.site.template_code)."""
        erb = hugo = 0
        for entry in self.site.entries:
            if "<%" in entry.doc.text or "{{" in entry.doc.text:
                removed = template_code.strip_sop(entry.doc, entry.title)[1]
                erb += bool(removed.erb)
                hugo += bool(removed.shortcodes)
        if erb or hugo:
            parts = [f"ERB in {erb} page{'s' if erb != 1 else ''}" if erb else "", f"Hugo shortcodes in {hugo} page{'s' if hugo != 1 else ''}" if hugo else ""]
            log.info(
                f"template code taken out ({', '.join(p for p in parts if p)}): sopdocs cannot run it; "
                "a page's own title is filled in, other template output is left out, the text around it kept"
            )

    def _handbook_pages(self, files: Files, extensions: list[str], config) -> set[str]:
        """A handbook's pages under the names sopdocs gives them: files with one of the
        config's `extensions` (a profile's `.md.erb`) that MkDocs would skip or copy as
        static files, and `.html.md` pages whose directory URL (`x.html/`) would collide
        with a file of the same name, become `x.md` pages (sopdocs.site.urls.page_src),
        read from where they are. Returns their new source paths."""
        own = {f.src_uri: f for f in files if not f.generated_by and f.abs_src_path}
        renamed, clashes = handbook_pages(own, (f.src_uri for f in files), extensions)
        for src, new in clashes.items():
            log.warning(f"{src} is not a page: {new} exists too (rename one of them)")
        for src, new in renamed.items():
            files.remove(own[src])
            files.append(File.generated(config, new, abs_src_path=own[src].abs_src_path, inclusion=InclusionLevel.NOT_IN_NAV))
        # A file published where a page's folder goes (`x` beside `x.md`, whose page is
        # `x/index.html`) would stop MkDocs with a traceback: it is left out, said so.
        folders = {posixpath.dirname(f.dest_uri): f.src_uri for f in files.documentation_pages() if f.dest_uri.endswith("/index.html")}
        for file in list(files):
            if not file.is_documentation_page() and file.dest_uri in folders:
                log.warning(f"{file.src_uri} is not published: the page {folders[file.dest_uri]} is at the same path")
                files.remove(file)
        return set(renamed.values())

    def on_page_read_source(self, page, config):
        if self.rendering is None and self.config.enabled:
            self.rendering = Progress("rendering pages", self.page_count)
        if self.rendering is not None:
            self.rendering.advance()
        prepared = self.prepared.get(page.file.src_uri) if self.config.enabled else None
        # An SOP page is the generator's, written already: MkDocs need not read (and parse
        # the front matter of) the source again.
        return prepared.markdown if prepared is not None else None

    def on_page_markdown(self, markdown, page, config, files):
        if not self.config.enabled or self.site is None:
            return markdown
        entry = self.sources.get(page.file.src_uri)
        prepared = self.prepared.pop(page.file.src_uri, None)
        if entry is not None:
            # Material gives `tags` and `status` in page meta its own meaning; the SOP page
            # shows them itself, so MkDocs only sees a safe title.
            page.meta = {"title": html.escape(entry.title), "sop_id": entry.sop_id}
        if prepared is not None:  # an SOP page, written by the site pool
            self.html_blocks[page.file.src_uri] = prepared.blocks
            if prepared.toc is not None:
                self.tocs[page.file.src_uri] = prepared.toc
            if markdown == placeholders.PAGE_PLACEHOLDER:
                page.render = self._placeholder_render(page)
            return markdown
        # A generated page: its HTML skips the Markdown renderer and goes in after rendering.
        markdown, self.html_blocks[page.file.src_uri] = placeholders.with_placeholders(markdown)
        return markdown

    def _placeholder_render(self, page):
        """Page.render for an SOP page that is one placeholder (its HTML was written by
        the site pool and goes in at on_page_content): MkDocs would build a Python-
        Markdown instance per page to convert that one line (0.3 ms a page, 1.7 s at
        5,000 SOPs). The first such page is rendered by MkDocs; the others get the same
        result. If a later plugin changed the page's Markdown, MkDocs renders it."""
        original = page.render

        def render(config, files) -> None:
            if page.markdown != placeholders.PAGE_PLACEHOLDER:
                original(config, files)
                return
            if self._placeholder is None:
                original(config, files)
                self._placeholder = (page.content, page.toc, page._title_from_render, page.links_to_anchors)
                return
            page.content, page.toc, page._title_from_render, links = self._placeholder
            page.present_anchor_ids = set()
            page.links_to_anchors = None if links is None else dict(links)

        return render

    def on_page_content(self, html_text, page, config, files):
        toc = self.tocs.pop(page.file.src_uri, None) if self.config.enabled else None
        if toc is not None:  # the headings were rendered with the page (sopdocs.site.prepare)
            page.toc = get_toc(toc)
        blocks = self.html_blocks.pop(page.file.src_uri, None) if self.config.enabled else None
        return placeholders.fill_placeholders(html_text, blocks) if blocks else html_text

    def on_post_page(self, output, page, config):
        return add_policy(output) if self.config.enabled and self.config.csp else output

    def on_post_template(self, output_content, template_name, config):
        if self.config.enabled and self.config.csp and template_name.endswith(".html"):
            return add_policy(output_content)
        return output_content

    def _pin_build_date(self) -> None:
        """MkDocs dates the sitemap (and the header of sitemap.xml.gz) from
        SOURCE_DATE_EPOCH, else from the clock: unless the caller set it, it is the
        build's day, so the same SOPs built for the same day give the same bytes."""
        if os.environ.get("SOURCE_DATE_EPOCH") and not getattr(self, "_pinned", False):
            return
        self._pinned = True
        os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime.combine(self.today, dt.time(), dt.UTC).timestamp()))

    def on_post_build(self, config) -> None:
        if self.rendering is not None:
            self.rendering.close()
            self.rendering = None
        job, self.index_job = self.index_job, None
        if job is not None:
            waited = time.perf_counter()
            job.finish(Path(config.site_dir))
            log.info(f"search index written (waited {time.perf_counter() - waited:.1f} s for Pagefind)")
            if job.unstable:
                log.info(f"search index left in Pagefind's own order ({job.unstable}): two builds may differ in it")

    def on_build_error(self, error) -> None:
        job, self.index_job = getattr(self, "index_job", None), None
        if job is not None:
            job.cancel()
