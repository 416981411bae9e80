"""Where pages are and how they link to each other (site-relative URLs, as MkDocs
makes them)."""

from __future__ import annotations

import functools
import posixpath

from sopdocs.core.text import slugify


def page_url(src: str, use_directory_urls: bool = True) -> str:
    """The site-relative URL of the page built from ``src``, as MkDocs makes it."""
    stem = src.removesuffix(".md")
    if posixpath.basename(stem) in ("index", "README"):
        stem = posixpath.dirname(stem)
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


def owner_url(owner: str) -> str:
    return f"owners/{slugify(owner) or 'none'}/"


def tag_url(tag: str) -> str:
    return f"tags/{slugify(tag) or 'tag'}/"
