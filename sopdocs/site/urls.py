"""Where pages are and how they link to each other (site-relative URLs, as MkDocs
makes them)."""

from __future__ import annotations

import functools
import posixpath

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


# What other generators put after a page's name: tech-docs-gem (Middleman) pages are
# `name.html.md` or `name.html.md.erb`.
_HANDBOOK_SUFFIXES = (".erb", ".md", ".html")


def page_src(src: str) -> str:
    """The page path sopdocs gives a handbook's file: `a/foo.html.md.erb` and
    `a/foo.html.md` -> `a/foo.md` (a page at `a/foo/`, where MkDocs would make
    `a/foo.html/` of the second and skip the first); `a/foo.md` stays."""
    head, name = posixpath.split(src)
    stem = name
    for suffix in _HANDBOOK_SUFFIXES:
        stem = stem.removesuffix(suffix)
    return posixpath.join(head, f"{stem or name}.md")
