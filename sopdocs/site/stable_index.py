"""Make a Pagefind bundle the same bytes for the same input.

Pagefind writes each filter's values in hash-map order, which changes from run to run;
the filter files are named by a hash of their content, the index metadata lists those
names (also in hash-map order), and ``pagefind-entry.json`` names the metadata file by
its hash. So two builds of the same SOPs gave different bytes in these files, and only
in these (every other Pagefind file is already stable).

:func:`stabilise` rewrites them in a fixed order: each filter's values sorted, the
filter list sorted by name, and each rewritten file named by the SHA-256 of its
content in Pagefind's own name format. The search reads the same data either way (the
browser loads a file by the name the metadata gives it). Pagefind's file layout is not
a published format: when a bundle does not look exactly as expected (another Pagefind
version), nothing is changed and the reason is returned, so the site still has a
working index — only not a byte-identical one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2

# Pagefind's decompressed files start with this signature.
SIGNATURE = b"pagefind_dcd"
# Positions in the metadata array that this module relies on: the version, then the
# pages, the index chunks, and the filters as [name, file hash] pairs.
META_VERSION, META_FILTERS = 0, 3


class Unexpected(Exception):
    """The bundle is not laid out as this module knows it."""


def _read(path: Path) -> Any:
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(SIGNATURE):
        raise Unexpected(f"{path.name}: no Pagefind signature")
    return cbor2.loads(raw[len(SIGNATURE) :])


def _encode(data: Any) -> tuple[bytes, str]:
    """The file's bytes and the SHA-256 of its payload."""
    payload = cbor2.dumps(data)
    return gzip.compress(SIGNATURE + payload, compresslevel=9, mtime=0), hashlib.sha256(payload).hexdigest()


def _language_of(name: str) -> str:
    """``en_2e9f70d`` -> ``en``: Pagefind prefixes its hashes with the language."""
    language, sep, digest = name.rpartition("_")
    if not sep or not language or not digest.isalnum():
        raise Unexpected(f"unexpected file hash {name!r}")
    return language


def _renamed(old: str, language: str, digest: str) -> str:
    """A name in the format of Pagefind's ``old`` (language, ``_``, as many hex digits)."""
    return f"{language}_{digest[: len(old) - len(language) - 1]}"


def _stable_filter(path: Path, name: str) -> Any:
    data = _read(path)
    if not (isinstance(data, list) and len(data) == 2 and data[0] == name and isinstance(data[1], list)):
        raise Unexpected(f"{path.name}: not a filter of {name!r}")
    values = data[1]
    for value in values:
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], list)):
            raise Unexpected(f"{path.name}: unexpected filter value {value!r}")
    return [name, sorted(values, key=lambda v: v[0])]


def stabilise(bundle: Path) -> str | None:
    """Rewrite the filter files, the metadata and the entry of the Pagefind bundle in
    ``bundle`` in a fixed order. Returns None when done, or why nothing was changed."""
    try:
        writes, removals = _plan(bundle)
    except (Unexpected, OSError, ValueError, EOFError, gzip.BadGzipFile, cbor2.CBORDecodeError) as exc:
        return str(exc) or type(exc).__name__
    for path, data in writes.items():
        path.write_bytes(data)
    for path in removals - set(writes):
        path.unlink()
    return None


def _plan(bundle: Path) -> tuple[dict[Path, bytes], set[Path]]:
    """Every file to write and every file to remove; nothing is touched yet."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    languages = entry.get("languages") if isinstance(entry, dict) else None
    if not isinstance(languages, dict) or not languages:
        raise Unexpected("pagefind-entry.json: no languages")
    writes: dict[Path, bytes] = {}
    removals: set[Path] = set()
    for language, info in languages.items():
        meta_hash = info.get("hash") if isinstance(info, dict) else None
        if not isinstance(meta_hash, str) or _language_of(meta_hash) != language:
            raise Unexpected(f"pagefind-entry.json: unexpected entry for {language!r}")
        meta_path = bundle / f"pagefind.{meta_hash}.pf_meta"
        meta = _read(meta_path)
        if not (isinstance(meta, list) and len(meta) > META_FILTERS and meta[META_VERSION] == entry.get("version")):
            raise Unexpected(f"{meta_path.name}: unexpected metadata")
        filters = meta[META_FILTERS]
        if not isinstance(filters, list):
            raise Unexpected(f"{meta_path.name}: unexpected filter list")
        stable_filters = []
        for pair in filters:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise Unexpected(f"{meta_path.name}: unexpected filter {pair!r}")
            name, old = pair
            if _language_of(old) != language:
                raise Unexpected(f"{meta_path.name}: filter {name!r} of another language")
            old_path = bundle / "filter" / f"{old}.pf_filter"
            data, digest = _encode(_stable_filter(old_path, name))
            new = _renamed(old, language, digest)
            writes[bundle / "filter" / f"{new}.pf_filter"] = data
            removals.add(old_path)
            stable_filters.append([name, new])
        meta = [*meta[:META_FILTERS], sorted(stable_filters), *meta[META_FILTERS + 1 :]]
        data, digest = _encode(meta)
        new_meta = _renamed(meta_hash, language, digest)
        writes[bundle / f"pagefind.{new_meta}.pf_meta"] = data
        removals.add(meta_path)
        info["hash"] = new_meta
    writes[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return writes, removals
