"""`sopdocs serve`: a live preview that, on a save of an SOP, rebuilds only what the
change touches, in the process that keeps the last build's MkDocs config, plugins,
theme environment, files and navigation.

A save is found by inotify (watchdog's native observer) and the docs directory's stat
(mtime in ns, size, inode of every file, before each build): the files added, removed
and changed since the last build. When they are all SOP pages (Markdown files with
front matter), an update

1. parses only those files (and writes their search records);
2. makes the catalog model again, with the unchanged SOPs' entries as they were (front
   matter, URL, review state, git's last-changed date), and finds the SOP pages to write
   again: the changed ones, and those that name a changed SOP (its id, title or URL, or
   its existence) in `related`, `rollback: {sop: ...}` or a link to its file;
3. makes every generated page's Markdown (catalog, owners, tags, Search page,
   `sops.json`) and keeps those whose text changed;
4. runs MkDocs' own page pipeline (every plugin's page events, the theme's template)
   for those pages only, removes the output of removed pages, and writes `sitemap.xml`
   again when pages came or went;
5. then, in the background: lints as the full build does (the per-file rules for the
   changed files, the catalog rules over every file's kept facts; the errors are shown on
   every page and in the console, never fatal; the pages reload when they change), and
   re-indexes search with Pagefind (search finds the edit a few seconds after the page
   shows it).

Anything else — `mkdocs.yml`, the sopdocs config, a watched theme or `watch:` path, a
Markdown page without front matter, a static file, a plugin other than sopdocs, an
offline copy, the navigation of `mkdocs.yml` listing a changed SOP — is a full rebuild,
as `mkdocs serve` does on every change. The pages an update writes are the bytes a full
build writes (tests/site/test_live_serve.py compares them).

Run as ``python -m sopdocs.site.live serve -f mkdocs.yml -a HOST:PORT`` (what `sopdocs
serve` starts, see sopdocs.site.engine.call_engine).
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import posixpath
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("mkdocs.sopdocs.serve")

# Where the live-reload script is served (an external script: the pages' Content-Security-
# Policy refuses the inline one MkDocs injects).
SCRIPT_PATH = ".sopdocs-live/livereload.js"
# Docs paths the generated pages use: a new SOP there would collide with one of them.
GENERATED_PREFIXES = ("owners/", "tags/", "assets/")
HOME_PAGES = ("index.md", "README.md")


class FullRebuild(Exception):
    """An update cannot be made from the last build: the message says why."""


# --- what changed -------------------------------------------------------------------------

Stat = tuple[int, int, int]


def snapshot(docs_dir: Path) -> dict[str, Stat]:
    """Every file under ``docs_dir`` (but in dot directories, which MkDocs leaves out) by
    its docs-relative path: (mtime in ns, size, inode). A same-size save within the same
    second still changes the mtime in ns; an editor's save by rename changes the inode."""
    found: dict[str, Stat] = {}
    base = str(docs_dir)
    for root, dirs, names in os.walk(base, followlinks=True):  # as MkDocs walks it
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_root = os.path.relpath(root, base)
        for name in names:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue  # removed while we looked
            rel = name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/")
            found[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def diff(old: dict[str, Stat], new: dict[str, Stat]) -> tuple[set[str], set[str], set[str]]:
    """(added, removed, modified) paths."""
    added = new.keys() - old.keys()
    removed = old.keys() - new.keys()
    modified = {p for p in new.keys() & old.keys() if new[p] != old[p]}
    return set(added), set(removed), modified


_MD_TARGET = re.compile(r"[^\s()<>\[\]\"'`]+\.md\b")


def references(meta: dict | None, link_targets: list[str]) -> tuple[set[str], set[str]]:
    """What an SOP's page shows of other SOPs: (ids it names in `related` and `rollback:
    {sop: ...}`, file names of the `.md` files it links to). File names, not paths: a
    page that might link to a changed file is written again (never too few)."""
    ids: set[str] = set()
    names: set[str] = set()
    meta = meta or {}
    related = meta.get("related")
    if isinstance(related, list):
        ids.update(r for r in related if isinstance(r, str))
    rollback = meta.get("rollback")
    if isinstance(rollback, dict) and isinstance(rollback.get("sop"), str):
        ids.add(rollback["sop"])
    for target in link_targets:
        path = unquote(urlsplit(str(target)).path)
        if path.endswith(".md"):
            names.add(posixpath.basename(path))

    def strings(value: Any):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    for text in strings(meta):  # links in preconditions and rollback text
        if ".md" in text:
            names.update(posixpath.basename(unquote(m.group(0))) for m in _MD_TARGET.finditer(text))
    return ids, names


# --- the state a build leaves for the updates -------------------------------------------------


class LiveState:
    """What the last full build and the updates since keep: the MkDocs side (config,
    files, navigation, theme environment) and sopdocs' side (each SOP's phase-1 result,
    its light document, the site model, the generated pages' text)."""

    def __init__(self, root: Path) -> None:
        self.records = root / "records"  # the search records, one page per SOP (sopdocs.site.search)
        self.ready = False  # a build has left everything an update needs
        self.lint_errors: list[str] = []
        self.build_error: str | None = None
        self.snapshot: dict[str, Stat] = {}
        self.nav: Any = None
        self.env: Any = None
        self.refs: dict[str, tuple[set[str], set[str]]] = {}

    def remember(self, plugin, config, files, items, parsed, docs, fallback, project, options, catalog_src, errors) -> None:
        """Called by the plugin at the end of a full build's on_files."""
        from sopdocs.site import index_pages

        self.plugin, self.config, self.files = plugin, config, files
        self.items = {item.src: item for item in items}
        self.parsed = dict(parsed)
        self.light = dict(docs)
        self.fallback = dict(fallback)
        self.project, self.options, self.catalog_src = project, options, catalog_src
        self.lint_errors = list(errors)
        self.site = plugin.site
        pages = index_pages.generated_pages(self.site, catalog_src)
        pages["sops.json"] = index_pages.catalog_json(self.site)
        self.generated = {src: text for src, text in pages.items() if (f := files.get_file_from_path(src)) is not None and f.generated_by}
        self.refs = {}

    def _references(self, src: str) -> tuple[set[str], set[str]]:
        found = self.refs.get(src)
        if found is None:
            parsed = self.parsed[src]
            found = self.refs[src] = references(parsed.meta, [k[0] for k in parsed.entry["d"]["k"]])
        return found

    # -- which changes an update can take ------------------------------------------------------

    def check(self, added: set[str], removed: set[str], modified: set[str]) -> tuple[set[str], set[str], set[str]]:
        """The SOP pages among the changed paths (paths MkDocs leaves out are dropped);
        raises FullRebuild for anything else."""
        plugin, config = self.plugin, self.config
        if plugin.offline:
            raise FullRebuild("an offline copy is always built whole")
        others = [name for name in config.plugins if name != "sopdocs"]
        if others:
            raise FullRebuild(f"plugins other than sopdocs ({', '.join(others)}) need the whole build")
        keep: list[set[str]] = [set(), set(), set()]
        for kind, paths in enumerate((added, removed, modified)):
            for rel in sorted(paths):
                if self._ignored(rel):
                    continue
                if not rel.endswith(".md") or rel.endswith((".html.md",)):
                    raise FullRebuild(f"{rel} is not an SOP page")
                if kind == 0:
                    if posixpath.basename(rel) in HOME_PAGES or rel.startswith(GENERATED_PREFIXES) or rel in self.generated:
                        raise FullRebuild(f"{rel} is a new home page or takes a generated page's path")
                elif rel not in self.site.by_src:
                    raise FullRebuild(f"{rel} is not an SOP page (no front matter)")
                elif kind == 1 and posixpath.basename(rel) in HOME_PAGES:
                    raise FullRebuild(f"{rel} was a home page")
                keep[kind].add(rel)
        return keep[0], keep[1], keep[2]

    def _ignored(self, rel: str) -> bool:
        """Whether MkDocs leaves the file out of the preview (`exclude_docs`, dot files)."""
        from mkdocs.structure.files import File, Files, set_exclusions

        config = self.config
        file = File(rel, config.docs_dir, config.site_dir, config.use_directory_urls)
        set_exclusions(Files([file]), config)
        return not file.inclusion.is_in_serve()

    # -- the update ----------------------------------------------------------------------------

    def update(self, added: set[str], removed: set[str], modified: set[str]) -> list[str]:
        """Bring the site up to date with SOP pages added, removed and modified. Returns
        the docs paths of the pages written. Raises FullRebuild."""
        from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
        from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions
        from mkdocs.structure.pages import Page

        from sopdocs.core.discover import display_path
        from sopdocs.core.model import SopDocument
        from sopdocs.core.review import review_state
        from sopdocs.site import index_pages, urls
        from sopdocs.site.model import Entry, Site, fallback_ids, last_changed_dates
        from sopdocs.site.prepare import Item, Records, _Share
        from sopdocs.site.reliability import RELIABILITY_SRC
        from sopdocs.site.search import _record_path
        from sopdocs.site.urls import owner_src, tag_src

        plugin, config, files, old_site = self.plugin, self.config, self.files, self.site
        today = plugin.today
        if not (added or removed or modified):
            return []

        # 1. The files, their fallback ids, and the ones to parse again.
        items = {src: item for src, item in self.items.items() if src not in removed}
        cwd = Path.cwd()
        for src in sorted(added):
            path = Path(config.docs_dir) / src
            items[src] = Item(src, path, display_path(path, cwd))
        # The ids of SOPs without one depend on the set of paths only.
        fallback = fallback_ids(items) if added or removed else self.fallback
        items = {src: item if item.fallback_id == fallback.get(src, "") else replace(item, fallback_id=fallback.get(src, "")) for src, item in items.items()}
        refallback = {src for src in items if src not in added and fallback.get(src, "") != self.fallback.get(src, "")}
        parse = added | modified | refallback
        records = Records(self.records, config.use_directory_urls) if plugin.config.search else None
        share = _Share(self.project, today, records)
        parsed = {src: p for src, p in self.parsed.items() if src not in removed}
        for src, result in share.parse([items[s] for s in sorted(parse)]):
            if result.meta is None:
                raise FullRebuild(f"{src} has no front matter now")
            parsed[src] = result

        # 2. The light documents (front matter), made again for the parsed files only. The
        # lint runs after the pages are written, in the background (see Linter).
        light = {src: doc for src, doc in self.light.items() if src in items}
        for src in parse:
            p, item = parsed[src], items[src]
            light[src] = SopDocument(path=item.path, display_path=item.display, meta=p.meta, front_matter_line=p.front_matter_line, sha256=p.sha256)
        light = {src: light[src] for src in items}  # in the files' order

        # 3. The catalog again: the unchanged SOPs' entries as they were (URL, review
        # state, git's last change), the parsed ones made again.
        entries = []
        new_docs = {s: light[s] for s in parse if light[s].meta is not None}
        changed_dates = last_changed_dates(new_docs) if new_docs else {}
        for src, doc in light.items():
            if doc.meta is None:
                continue
            old = old_site.by_src.get(src)
            if old is not None and src not in parse:
                entries.append(old)
            else:
                review = review_state(doc.meta, today, self.project.review_in, self.project.due_soon_days)
                url = urls.page_url(src, config.use_directory_urls)
                entries.append(Entry(doc, src, url, review, changed_dates.get(src), fallback.get(src, "")))
        site = Site(
            entries, today, self.project.due_soon_days, plugin.config.catalog_title, config.use_directory_urls, plugin.metrics, plugin.contact_links or {},
            search=plugin.config.search,
        )
        site.rows.update({key: row for key, row in old_site.rows.items() if key[0] in site.by_src and key[0] not in parse})
        site.json_rows.update({src: text for src, text in old_site.json_rows.items() if src in site.by_src and src not in parse})

        # 4. The SOP pages to write: the changed ones and those that show a changed SOP.
        def directory(s, src):
            e = s.by_src.get(src)
            return None if e is None else (e.sop_id, e.title, e.url)

        moved = {src for src in old_site.by_src.keys() | site.by_src.keys() if directory(old_site, src) != directory(site, src)}
        ids = {e.sop_id for s in (old_site, site) for src in moved if (e := s.by_src.get(src)) is not None}
        ids |= {i for i in old_site.by_id.keys() | site.by_id.keys() if getattr(old_site.by_id.get(i), "src", None) != getattr(site.by_id.get(i), "src", None)}
        names = {posixpath.basename(src) for src in moved}
        for src in parse | removed:
            self.refs.pop(src, None)
        self.parsed = parsed
        dependents = set()
        if ids or names:
            for src in site.by_src:
                ref_ids, ref_names = self._references(src)
                if ref_ids & ids or ref_names & names:
                    dependents.add(src)
        render = sorted((parse | dependents) & site.by_src.keys())
        nav_pages = {id(p) for p in getattr(self.nav, "pages", [])}
        if not plugin.own_nav:
            for src in [*render, *removed]:
                f = files.get_file_from_path(src)
                if f is not None and f.page is not None and id(f.page) in nav_pages:
                    raise FullRebuild(f"{src} is in the navigation of mkdocs.yml")

        # 5. The generated pages whose text changed.
        # Only the group pages of the owners and tags the changed SOPs had or have now
        # can change (a row shows its own SOP only); the catalog and the indexes always.
        wanted = {self.catalog_src, index_pages.SEARCH_SRC, "owners/index.md", "tags/index.md", RELIABILITY_SRC}
        for src in parse | removed:
            for s in (old_site, site):
                e = s.by_src.get(src)
                if e is not None:
                    wanted.add(owner_src(e.front.owner_label))
                    wanted.update(tag_src(t) for t in e.front.tags)
        pages = index_pages.generated_pages(site, self.catalog_src, wanted)
        pages["sops.json"] = index_pages.catalog_json(site)
        generated_changed = {src for src, text in pages.items() if text is not None and src in self.generated and self.generated[src] != text}
        generated_added = {src for src in pages if src not in self.generated and files.get_file_from_path(src) is None}
        generated_removed = {src for src in self.generated if src not in pages}
        assert all(pages[src] is not None for src in generated_added), "a new generated page that was not made"

        prepared = dict(share.render([items[s] for s in render], (site, self.options, False)))
        share.docs.clear()

        # 6. MkDocs: the files, then each page through MkDocs' own pipeline.
        site_dir = Path(config.site_dir)
        for src in sorted(removed | generated_removed):
            f = files.get_file_from_path(src)
            if f is not None:
                files.remove(f)
                _remove_output(Path(f.abs_dest_path), site_dir)
        for src in sorted(added):
            f = File(src, config.docs_dir, config.site_dir, config.use_directory_urls)
            set_exclusions(Files([f]), config)
            if f.inclusion == InclusionLevel.INCLUDED:
                f.inclusion = InclusionLevel.NOT_IN_NAV  # as the plugin does: reached through the catalog
            files.append(f)
        for src in sorted(generated_added):
            f = File.generated(config, src, content=pages[src], inclusion=InclusionLevel.NOT_IN_NAV)
            f.generated_by = "sopdocs"
            files.append(f)
        for src in sorted(generated_changed):
            files.get_file_from_path(src).content_string = pages[src]
        if added or generated_added:
            _reorder(files, config.docs_dir, list(pages), added | generated_added)

        plugin.site = site
        plugin.sources = {e.src: e for e in site.entries}
        plugin.prepared = prepared
        plugin.page_count = 0  # no progress lines for an update
        written = []
        built = []
        for src in [*render, *sorted(generated_changed | generated_added)]:
            f = files.get_file_from_path(src)
            if f is None:
                continue
            if not f.is_documentation_page():
                f.copy_file()  # sops.json
                written.append(src)
                continue
            page = f.page if f.page is not None and id(f.page) in nav_pages else Page(None, f, config)
            _populate_page(page, config, files)
            built.append(page)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        for page in built:
            _build_page(page, config, doc_files, self.nav, self.env, excluded=page.file.inclusion.is_excluded())
            written.append(page.file.src_uri)
        if plugin.rendering is not None:
            plugin.rendering.close()
            plugin.rendering = None
        if (added or removed or generated_added or generated_removed) and "sitemap.xml" in config.theme.static_templates:
            _build_theme_template("sitemap.xml", self.env, files, config, self.nav)

        if records is not None:
            for src in removed:
                _record_path(self.records, old_site.by_src[src].url).unlink(missing_ok=True)

        self.items, self.light, self.fallback, self.site = items, light, fallback, site
        self.generated = {
            src: self.generated[src] if text is None else text for src, text in pages.items() if src in self.generated or src in generated_added
        }
        self.lint_job = (list(items.values()), parsed, {items[s].display for s in parse})
        return written

    def lint(self, job) -> list[str]:
        """Lint the catalog of an update (its ``lint_job``), as the full build does (the
        per-file results of the parsed files are new, the others kept): logs the findings
        of the changed files and every error; returns the errors."""
        from sopdocs.site.build import build_report
        from sopdocs.site.prepare import lint_and_light

        ordered, parsed, shown = job
        findings, light = lint_and_light(ordered, parsed, self.project, self.plugin.today)
        report = build_report(findings, light.values(), self.plugin.config.strict, self.plugin.config.drafts_warn)
        prefixes = tuple(f"{display}:" for display in shown)
        for message in report.warnings:
            if message.startswith(prefixes):  # the others were said by the build that read them
                log.warning(message)
        for message in report.errors:
            log.error(message)
        if report.errors and not self.lint_errors:
            log.error(f"sopdocs: {len(report.errors)} lint error{'s' if len(report.errors) != 1 else ''}: the preview shows them on every page")
        return list(report.errors)


def _walk_key(src: str) -> list[tuple[int, Any]]:
    """Where MkDocs' walk of the docs (get_files) meets ``src``: a directory's files
    (index/README first) before its subdirectories, each sorted."""
    from mkdocs.structure.files import _file_sort_key

    *directories, name = src.split("/")
    return [(1, d) for d in directories] + [(0, _file_sort_key(name))]


def _reorder(files, docs_dir: str, generated_order: list[str], new: set[str]) -> None:
    """Put the ``new`` files (appended) where a full build has them (it shows in the
    sitemap): an SOP among the docs in MkDocs' walk order, a generated page among the
    generated pages in sopdocs' order."""
    docs = os.path.abspath(docs_dir) + os.sep
    rank = {src: i for i, src in enumerate(generated_order)}

    def own(f) -> bool:
        return not f.generated_by and f.abs_src_path is not None and f.abs_src_path.startswith(docs)

    def ours(f) -> bool:
        return f.generated_by == "sopdocs" and f.src_uri in rank

    ordered = [f for f in files if f.src_uri not in new]
    for f in sorted((files.get_file_from_path(src) for src in new), key=lambda f: f.src_uri):
        if own(f):
            key, same = _walk_key(f.src_uri), own
            later = [i for i, g in enumerate(ordered) if own(g) and _walk_key(g.src_uri) > key]
        else:
            key, same = rank[f.src_uri], ours
            later = [i for i, g in enumerate(ordered) if ours(g) and rank[g.src_uri] > key]
        if later:
            ordered.insert(later[0], f)
        else:
            group = [i for i, g in enumerate(ordered) if same(g)]
            ordered.insert(group[-1] + 1 if group else len(ordered), f)
    files._src_uris = {f.src_uri: f for f in ordered}


def _remove_output(path: Path, site_dir: Path) -> None:
    """A removed page's file, and the directories that held only it."""
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != site_dir and site_dir in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


# --- lint and search, in the background ------------------------------------------------------


class Linter:
    """The lint of an update, after its pages are written: the preview shows a save
    first; when the lint errors differ from those shown, the browsers reload to show
    them (the box on every page). A newer update or a full build makes an older lint's
    result moot."""

    def __init__(self, state: LiveState, reload) -> None:
        self.state, self.reload = state, reload
        self._lock = threading.Lock()
        self._generation = 0

    def start(self) -> None:
        job, self.state.lint_job = getattr(self.state, "lint_job", None), None
        with self._lock:
            self._generation += 1
            generation = self._generation
        if job is not None:
            threading.Thread(target=self._run, args=(job, generation), name="sopdocs-lint", daemon=True).start()

    def cancel(self) -> None:
        with self._lock:
            self._generation += 1

    def _run(self, job, generation: int) -> None:
        try:
            errors = self.state.lint(job)
        except Exception as exc:  # noqa: BLE001 - say it, keep serving
            log.warning(f"sopdocs: the lint after the update failed: {type(exc).__name__}: {exc}")
            return
        with self._lock:
            if generation != self._generation:
                return
            changed = errors != self.state.lint_errors
            self.state.lint_errors = errors
        if changed:
            self.reload()


# --- search, in the background ---------------------------------------------------------------


class Reindexer:
    """Pagefind over the kept records, after an update, while the preview is already
    showing the change: one run at a time, a newer update cancels the running one."""

    def __init__(self, records: Path, site_dir: Path) -> None:
        self.records, self.site_dir = records, site_dir
        self._lock = threading.Lock()
        self._job = None

    def restart(self) -> None:
        from sopdocs.site.search import IndexJob

        with self._lock:
            self._cancel()
            job = self._job = IndexJob(self.records).start()
        threading.Thread(target=self._finish, args=(job,), name="sopdocs-reindex", daemon=True).start()

    def _finish(self, job) -> None:
        started = time.perf_counter()
        try:
            job.finish(self.site_dir)
        except Exception as exc:  # noqa: BLE001 - a cancelled run, or Pagefind failed: say so, keep serving
            with self._lock:
                if self._job is job:
                    log.warning(f"sopdocs: search index not updated: {exc}")
            return
        with self._lock:
            if self._job is job:
                self._job = None
                log.info(f"search index updated in {time.perf_counter() - started:.1f} s")

    def _cancel(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            try:
                job.cancel()
            except Exception:  # noqa: BLE001 - its thread cleans up too
                pass

    def stop(self) -> None:
        with self._lock:
            self._cancel()


# --- the server ------------------------------------------------------------------------------


def _server_class():
    import watchdog.events
    import watchdog.observers
    from mkdocs.livereload import _SCRIPT_TEMPLATE, LiveReloadServer, _timestamp

    class LiveServer(LiveReloadServer):
        """MkDocs' LiveReloadServer that remembers which paths changed, watches the docs
        with inotify (no polling of thousands of files), serves its reload script as a
        file (the pages' CSP allows scripts from the site only) and shows the lint errors
        of the SOPs, or why the last build failed, on every page."""

        def __init__(self, *args, banner=lambda: "", **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.native = watchdog.observers.Observer()
            self.banner = banner
            self.changed: set[str] = set()
            self._changed_lock = threading.Lock()

        def watch(self, path: str, func=None, *, recursive: bool = True, native: bool = False) -> None:
            path = os.path.abspath(path)
            if path in self._watched_paths:
                self._watched_paths[path] += 1
                return
            self._watched_paths[path] = 1

            def callback(event) -> None:
                if event.is_directory and event.event_type not in ("moved", "deleted"):
                    return
                if event.event_type in ("opened", "closed_no_write"):
                    return  # a read (the build's own): nothing changed
                with self._changed_lock:
                    self.changed.add(os.fsdecode(event.src_path))
                    if getattr(event, "dest_path", None):
                        self.changed.add(os.fsdecode(event.dest_path))
                with self._rebuild_cond:
                    self._want_rebuild = True
                    self._rebuild_cond.notify_all()

            handler = watchdog.events.FileSystemEventHandler()
            handler.on_any_event = callback
            observer = self.native if native else self.observer
            self._watch_refs[path] = observer.schedule(handler, path, recursive=recursive)

        def take_changes(self) -> set[str]:
            with self._changed_lock:
                changed, self.changed = self.changed, set()
            return changed

        def serve(self, *, open_in_browser: bool = False) -> None:
            self.native.start()
            super().serve(open_in_browser=open_in_browser)

        def shutdown(self, wait: bool = False) -> None:
            self.native.stop()
            super().shutdown(wait)

        def serve_request(self, environ, start_response):
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")
            if path == self.mount_path + SCRIPT_PATH:
                query = parse_qs(environ.get("QUERY_STRING", ""))
                try:
                    epoch, request = int(query["epoch"][0]), int(query["id"][0])
                except (KeyError, ValueError):
                    start_response("400 Bad Request", [("Content-Type", "text/plain")])
                    return [b"bad request"]
                script = _SCRIPT_TEMPLATE.substitute(epoch=epoch, request_id=request).encode()
                start_response("200 OK", [("Content-Type", "application/javascript"), ("Content-Length", str(len(script))), ("Cache-Control", "no-store")])
                return [script]
            return super().serve_request(environ, start_response)

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            try:
                body_end = content.rindex(b"</body>")
            except ValueError:
                body_end = len(content)
            script = f'<script src="{self.mount_path}{SCRIPT_PATH}?epoch={epoch}&amp;id={_timestamp()}"></script>'
            return content[:body_end] + self.banner().encode() + script.encode() + content[body_end:]

    return LiveServer


BANNER_STYLE = (
    "position:fixed;left:0;right:0;bottom:0;z-index:100;max-height:40vh;overflow:auto;margin:0;padding:.6em 1em;"
    "background:#b71c1c;color:#fff;font:13px/1.4 monospace;white-space:pre-wrap"
)


def banner(state: LiveState) -> str:
    """What the preview shows over every page while something is wrong (preview only:
    the files on disk are a build's)."""
    if state.build_error:
        text = f"sopdocs serve: the last build failed (the pages are from before it):\n{state.build_error}"
    elif state.lint_errors:
        count = len(state.lint_errors)
        shown = state.lint_errors[:50]
        more = f"\n... and {count - len(shown)} more (see the console)" if count > len(shown) else ""
        text = f"sopdocs serve: {count} lint error{'s' if count != 1 else ''} (a build would stop here):\n" + "\n".join(shown) + more
    else:
        return ""
    return f'<pre class="sopdocs-live-errors" role="alert" style="{BANNER_STYLE}">{html.escape(text)}</pre>'


def serve(config_file: str, dev_addr: str | None = None) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.livereload import _serve_url

    root = Path(tempfile.mkdtemp(prefix="sopdocs-serve-"))
    site_dir = root / "site"
    state = LiveState(root)
    config_path = os.path.abspath(config_file)

    def get_config():
        options = {"dev_addr": dev_addr} if dev_addr else {}
        return load_config(config_file=config_path, site_dir=str(site_dir), **options)

    try:
        config = get_config()
        config.plugins.on_startup(command="serve", dirty=False)
        if "sopdocs" in config.plugins:
            config.plugins["sopdocs"].live = state
        host, port = config.dev_addr
        mount_path = urlsplit(config.site_url or "/").path
        serve_url = _serve_url(host, port, mount_path)
        docs_dir = Path(config.docs_dir)
        reindexer = Reindexer(state.records, site_dir)
        linter = Linter(state, lambda: reload_browsers(server))
        outside: set[str] = set()

        def full_build(config=None) -> None:
            reindexer.stop()
            linter.cancel()
            log.info("Building documentation...")
            if config is None:
                config = get_config()
            config.site_url = serve_url
            shutil.rmtree(state.records, ignore_errors=True)
            state.ready = False
            before = snapshot(docs_dir)
            build(config, serve_url=serve_url)
            state.snapshot = before
            state.build_error = None
            state.ready = getattr(state, "config", None) is config and state.nav is not None

        def builder() -> None:
            changed = server.take_changes()
            elsewhere = sorted(p for p in changed if not _under(p, docs_dir))
            started = time.perf_counter()
            if state.ready and not elsewhere and not outside:
                after = snapshot(docs_dir)
                try:
                    pages = state.update(*state.check(*diff(state.snapshot, after)))
                except FullRebuild as exc:
                    log.info(f"full rebuild: {exc}")
                except Exception as exc:  # noqa: BLE001 - an update that failed is retried as a full build
                    log.warning(f"full rebuild: the update failed ({type(exc).__name__}: {exc})")
                else:
                    state.snapshot = after
                    linter.start()
                    log.info(f"updated {len(pages)} file{'s' if len(pages) != 1 else ''} in {time.perf_counter() - started:.2f} s")
                    if pages and state.plugin.config.search:
                        reindexer.restart()
                    return
            elif elsewhere:
                log.info(f"full rebuild: {', '.join(_shown(p) for p in elsewhere[:3])} changed")
            try:
                full_build()
                outside.clear()
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - keep serving the last good pages, and say why (Abort is a SystemExit)
                outside.add("failed")
                state.build_error = str(exc) or type(exc).__name__
                state.ready = False
                log.error(f"sopdocs serve: the build failed: {state.build_error} (fix it and save again)")

        server = _server_class()(builder=builder, host=host, port=port, root=str(site_dir), mount_path=mount_path, banner=lambda: banner(state))

        def error_page(code):
            page = site_dir / f"{code}.html"
            return page.read_bytes() if code in (404, 500) and page.is_file() else None

        server.error_handler = error_page
        try:
            full_build(config)
            server.watch(str(docs_dir), native=True)
            server.watch(config_path, recursive=False)
            project = getattr(state, "project", None)
            if project is not None and getattr(project, "source", None) is not None:
                server.watch(str(Path(project.source).resolve()), recursive=False)
            for item in [*config.watch, *([config.theme.custom_dir] if config.theme.custom_dir else [])]:
                server.watch(item)  # a theme override, a `watch:` path: a full rebuild
            try:
                server.serve()
            except KeyboardInterrupt:
                log.info("Shutting down...")
            finally:
                server.shutdown()
                reindexer.stop()
        finally:
            config.plugins.on_shutdown()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def reload_browsers(server) -> None:
    """Tell the open pages to reload (as after a build), unless a build is under way or
    due: its end will."""
    from mkdocs.livereload import _timestamp

    with server._rebuild_cond, server._epoch_cond:
        if server._visible_epoch == server._wanted_epoch and not server._want_rebuild:
            server._wanted_epoch = server._visible_epoch = _timestamp()
            server._epoch_cond.notify_all()


def _under(path: str, directory: Path) -> bool:
    return os.path.abspath(path).startswith(str(directory).rstrip(os.sep) + os.sep)


def _shown(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sopdocs.site.live")
    parser.add_argument("verb", choices=["serve"])
    parser.add_argument("-f", "--config-file", default="mkdocs.yml")
    parser.add_argument("-a", "--dev-addr")
    args = parser.parse_args(argv)
    # `sopdocs serve` stops this process with SIGINT (sopdocs.site.engine.call_engine), also
    # when it was started with SIGINT ignored (a background job of a script, nohup).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from mkdocs.__main__ import ColorFormatter
    from mkdocs.exceptions import MkDocsException

    handler = logging.StreamHandler()
    handler.setFormatter(ColorFormatter())
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        return serve(args.config_file, args.dev_addr)
    except MkDocsException as exc:
        print(f"Error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
