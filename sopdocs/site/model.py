"""The site's model: each SOP as the site sees it (:class:`Entry`: its document, page
URL and review state) and the catalog of them (:class:`Site`)."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, field

from sopdocs.core.frontmatter import FrontMatter
from sopdocs.core.model import SopDocument
from sopdocs.core.review import ReviewState, review_state
from sopdocs.site import urls


@dataclass
class Entry:
    """One SOP as the site sees it."""

    doc: SopDocument
    src: str  # docs-relative source path, e.g. "db/postgres-restore.md"
    url: str  # site-relative page URL, e.g. "db/postgres-restore/"
    review: ReviewState
    last_changed: dt.date | None = None  # last content change, from git (None without history)
    fallback_id: str = ""  # the id of an SOP whose front matter has none (fallback_ids)

    @property
    def front(self) -> FrontMatter:
        return self.doc.front

    @property
    def meta(self) -> dict:
        return self.doc.meta or {}

    @property
    def sop_id(self) -> str:
        """The SOP's id, else its file's name: every page has an id to show and link."""
        return self.doc.sop_id or self.fallback_id or posixpath.splitext(posixpath.basename(self.src))[0]

    @property
    def title(self) -> str:
        return self.front.title or self.sop_id

    @property
    def status(self) -> str:
        return self.front.status


@dataclass
class Site:
    entries: list[Entry]
    today: dt.date
    due_soon_days: int
    title: str = "SOP catalog"
    use_directory_urls: bool = True
    metrics: object | None = None  # reliability.SiteMetrics when the build was given run metrics
    contact_links: dict[str, str] = field(default_factory=dict)  # prefix -> URL template (sopdocs.site.contacts)
    search: bool = True  # the site has a search index (the plugin's `search` option)
    by_src: dict[str, Entry] = field(default_factory=dict)
    by_id: dict[str, Entry] = field(default_factory=dict)
    rows: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)  # memo of index_pages._row
    json_rows: dict[str, str] = field(default_factory=dict, repr=False)  # memo of index_pages.catalog_json, by src

    def __post_init__(self) -> None:
        self.entries.sort(key=lambda e: (e.title.lower(), e.sop_id, e.src))
        self.by_src = {e.src: e for e in self.entries}
        for entry in self.entries:
            self.by_id.setdefault(entry.sop_id, entry)

    def page_url(self, src: str) -> str:
        return urls.page_url(src, self.use_directory_urls)

    def owner_url(self, owner: str) -> str:
        return urls.owner_url(owner, self.use_directory_urls)

    def tag_url(self, tag: str) -> str:
        return urls.tag_url(tag, self.use_directory_urls)

    def owners(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.front.owner_label, []).append(entry)
        return dict(sorted(grouped.items()))

    def tags(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for tag in entry.front.tags:
                grouped.setdefault(tag, []).append(entry)
        return dict(sorted(grouped.items(), key=lambda kv: kv[0].lower()))


def fallback_ids(srcs) -> dict[str, str]:
    """An id for every page, for the SOPs whose front matter names none (a handbook's
    pages): the file's name, or with parent directories where names collide
    (`overview/architecture/_index.md` -> `overview-architecture`), unique by construction
    (sopdocs.core.profiles.unique_ids; from the paths alone, so every process of a build
    works out the same ids)."""
    from pathlib import PurePosixPath

    from sopdocs.core.profiles import unique_ids

    found = unique_ids({PurePosixPath(src): (False, None) for src in srcs})
    return {path.as_posix(): sop_id for path, sop_id in found.items()}


def build_site(
    docs: dict[str, SopDocument],
    today: dt.date,
    review_in: str,
    due_soon_days: int,
    fallback: dict[str, str] | None = None,
    last_changed: dict[str, dt.date] | None = None,
    **options,
) -> Site:
    """The site of ``docs``. ``last_changed``: each SOP's last content change, if known
    (`sopdocs serve` keeps them between updates), else read from git."""
    probe = Site([], today, due_soon_days, **options)
    changed = last_changed_dates(docs) if last_changed is None else last_changed
    fallback = fallback_ids(docs) if fallback is None else fallback
    entries = [
        Entry(doc, src, probe.page_url(src), review_state(doc.meta, today, review_in, due_soon_days), changed.get(src), fallback.get(src, ""))
        for src, doc in sorted(docs.items())
    ]
    return Site(entries, today, due_soon_days, **options)


def last_changed_dates(docs: dict[str, SopDocument]) -> dict[str, dt.date]:
    """When each SOP's content last changed (review-date bumps do not count), from git.
    Outside a git repository (a tarball, a temporary copy) there is nothing to show."""
    from sopdocs.core.history import REVIEW_KEYS, load

    history = load([doc.path for doc in docs.values()], REVIEW_KEYS)
    found = {src: history.get(doc.path) for src, doc in docs.items()} if history.available else {}
    return {src: h.last_changed for src, h in found.items() if h is not None and h.last_changed is not None}
