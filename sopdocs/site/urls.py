"""Where pages are and how they link to each other (site-relative URLs, as MkDocs
makes them)."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterable
from pathlib import PurePosixPath

from sopdocs.core.profiles import file_stem
from sopdocs.core.text import slugify


def page_url(src: str, use_directory_urls: bool = True) -> str:
    """The site-relative URL of the page built from ``src``, as MkDocs makes it: `a/b/`
    and `a/` (``index.md``, ``README.md``) with directory URLs; without them (an offline
    copy, opened from disk, where a directory is not a page), `a/b.html` and
    `a/index.html`."""
    stem = src.removesuffix(".md")
    if posixpath.basename(stem) in ("index", "README"):
        stem = posixpath.dirname(stem)
        if not use_directory_urls:
            return f"{stem}/index.html" if stem else "index.html"
        return f"{stem}/" if stem else ""
    return f"{stem}/" if use_directory_urls else f"{stem}.html"


def directory_of(url: str) -> str:
    """The directory a page URL's relative links start from: `a/b/` for `a/b/`, `a/`
    for `a/b.html` (the URLs are site-relative)."""
    return url if url.endswith("/") or not url else posixpath.dirname(url) + "/"


@functools.lru_cache(maxsize=1 << 16)
def relative(from_url: str, to_url: str) -> str:
    """Relative href from the page at from_url to to_url (both site-relative)."""
    base = directory_of(from_url)
    target = posixpath.relpath("/" + to_url, "/" + base) if to_url else posixpath.relpath("/", "/" + base)
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    if target == "./":
        return "./"
    return target if target != "." else "./"


def owner_src(owner: str) -> str:
    """The docs-relative source path of an owner's generated page."""
    return f"owners/{slugify(owner) or 'none'}.md"


def tag_src(tag: str) -> str:
    """The docs-relative source path of a tag's generated page."""
    return f"tags/{slugify(tag) or 'tag'}.md"


def owner_url(owner: str, use_directory_urls: bool = True) -> str:
    return page_url(owner_src(owner), use_directory_urls)


def tag_url(tag: str, use_directory_urls: bool = True) -> str:
    return page_url(tag_src(tag), use_directory_urls)


def page_src(src: str) -> str:
    """The page path sopdocs gives a handbook's file: `a/foo.html.md.erb` and
    `a/foo.html.md` (tech-docs-gem's names) -> `a/foo.md` (a page at `a/foo/`, where
    MkDocs would make `a/foo.html/` of the second and skip the first); `a/foo.md` stays."""
    head, name = posixpath.split(src)
    return posixpath.join(head, f"{file_stem(PurePosixPath(name)) or name}.md")


def handbook_pages(candidates: Iterable[str], taken: Iterable[str], extensions: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Which of the ``candidates`` (docs-relative files with one of the config's
    ``extensions``) become pages under another name (:func:`page_src`), in path order;
    ``taken``: every path of the docs. Returns (file -> its page path, file -> the page
    path another file has already: left out)."""
    ends = tuple(extensions)
    used = set(taken)
    renamed: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for src in sorted(candidates):
        new = page_src(src)
        if not src.endswith(ends) or new == src:
            continue
        if new in used:
            clashes[src] = new
        else:
            used.add(new)
            renamed[src] = new
    return renamed, clashes
