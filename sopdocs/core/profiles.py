"""Profiles: read handbooks written for other tools without rewriting them.

A profile maps another tool's front-matter keys onto sopdocs keys (``owner_slack`` ->
``owner``), converts values where the formats differ (a list of team URLs -> a team
name), and switches off the rules for what the old format has no place for
(preconditions, rollback, steps, sopdocs-only keys: each rule module says whether it
applies to other formats). It is applied to each document when it is parsed
(:func:`sopdocs.core.parser.parse_file` with a config), so lint, the site, reports and
migrate all see the same data.

Positions survive the mapping: the sopdocs key points at the original key, so a finding
about ``last_reviewed`` lands on the ``last_reviewed_on:`` line, and its message names
the key as written in the file.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sopdocs.core.model import FieldPath, SopDocument
from sopdocs.core.text import slugify


def _team_from_urls(value: Any) -> Any:
    """Giant Swarm: `owner: [https://github.com/orgs/giantswarm/teams/team-atlas, ...]`
    -> `team-atlas` (the first team owns the page)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return value
    teams = [_last_segment(v) for v in value if isinstance(v, str) and v.strip()]
    return teams[0] if teams else None


def _last_segment(url: str) -> str:
    path = urlsplit(url.strip()).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or url.strip()


def _days(value: Any) -> Any:
    """Giant Swarm: `expiration_in_days: 730` -> `730 days`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value > 0:
        return f"{value} days"
    if isinstance(value, str) and value.strip().isdigit():
        return f"{int(value)} days"
    return value


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # old key -> sopdocs key, in the order the keys usually appear
    aliases: dict[str, str] = field(default_factory=dict)
    # sopdocs key -> conversion of the old value (applied when the key came from an alias)
    converters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    required: tuple[str, ...] | None = None  # None: the sopdocs schema's own list
    review_in: str | None = None  # default review period of the tool, when it has one
    extensions: tuple[str, ...] = (".md",)
    # Where the tool keeps a site-wide owner: (file relative to the config, key)
    default_owner_from: tuple[str, str] | None = None

    @property
    def foreign(self) -> bool:
        return self.name != "sopdocs"


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("sopdocs", "the sopdocs format (docs/format.md)"),
        Profile(
            "govuk",
            "GOV.UK tech-docs front matter (alphagov tech-docs-gem): owner_slack, last_reviewed_on, review_in",
            aliases={"owner_slack": "owner", "last_reviewed_on": "last_reviewed"},
            required=("title", "owner"),
            extensions=(".md", ".md.erb"),
            default_owner_from=("config/tech-docs.yml", "default_owner_slack"),
        ),
        Profile(
            "giantswarm",
            "Giant Swarm docs front matter: owner (list of GitHub team URLs), last_review_date, expiration_in_days",
            aliases={"last_review_date": "last_reviewed", "expiration_in_days": "review_in"},
            converters={"owner": _team_from_urls, "review_in": _days},
            required=("title", "owner"),
            # frontmatter-validator: REVIEW_TOO_LONG_AGO after 365 days unless expiration_in_days
            review_in="365 days",
        ),
    )
}



def apply(doc: SopDocument, profile: Profile, aliases: dict[str, str], owner: str | None = None) -> None:
    """Map the document's front matter onto sopdocs keys, in place: ``aliases`` (old key
    -> sopdocs key), the profile's conversions, and ``owner`` where the page names none.
    Records what it did in ``doc.profile`` and ``doc.renamed``. Idempotent."""
    if doc.meta is None or doc.profile is not None:
        return
    doc.profile = profile.name
    meta: dict[str, Any] = {}
    renamed: dict[str, str] = {}  # sopdocs key -> key as written
    for key, value in doc.meta.items():
        target = aliases.get(key, key)
        if target in meta or (target != key and target in doc.meta):
            meta.setdefault(key, value)  # the sopdocs key, written out, wins over the alias
            continue
        if target != key:
            renamed[target] = key
            _move_positions(doc, (key,), (target,))
        converter = profile.converters.get(target)
        if converter is not None:
            value = converter(value)
            if value is None:
                continue
        meta[target] = value
    if "owner" not in meta and owner:
        meta["owner"] = owner
    doc.renamed = renamed
    doc.meta = meta


def _move_positions(doc: SopDocument, old: FieldPath, new: FieldPath) -> None:
    for path in [p for p in doc.key_positions if p[: len(old)] == old]:
        doc.key_positions.setdefault(new + path[len(old) :], doc.key_positions[path])


def rename_in_message(renamed: dict[str, str], message: str) -> str:
    """Name keys as the file writes them: `last_reviewed` -> `last_reviewed_on`."""
    for target, written in renamed.items():
        message = re.sub(rf"`{re.escape(target)}(?=[`.\[])", f"`{written}", message)
    return message


INDEX_NAMES = ("_index", "index", "README", "readme")


def file_stem(path: Path) -> str:
    """The file name without its handbook extensions: `foo.html.md.erb` -> `foo`."""
    name = path.name
    for suffix in (".erb", ".md", ".html"):
        name = name.removesuffix(suffix)
    return name


def is_index_name(path: Path) -> bool:
    """True for a directory's own page (Hugo `_index.md`/`index.md`, `README.md`)."""
    return file_stem(path) in INDEX_NAMES


def id_from_path(path: Path) -> str:
    """An SOP id for a file that has none: `manual/alerts/foo.html.md.erb` -> `foo`;
    `_index.md` and `index.md` take their directory's name. Unique only within a
    directory: :func:`unique_ids` adds parent directories where names collide."""
    name = file_stem(path)
    if name in INDEX_NAMES:
        name = path.parent.name or name
    return slugify(name) or "sop"


MAX_ID = 100  # the id schema's maxLength


def unique_ids(files: dict[Path, tuple[bool, str | None]]) -> dict[Path, str]:
    """An id for each file whose front matter has no `id`, unique across ``files`` by
    construction. ``files``: every file of the catalog -> (its front matter has an `id`
    key, that id if it is a string).

    A file takes its name (`rotate-certs.md` -> `rotate-certs`; `_index.md`/`index.md`
    its directory's name) unless that id is also another file's: an id in a front
    matter, or another file's name. Then each file of the clash takes as many parent
    directories as it needs to be unique (`overview/architecture/_index.md` ->
    `overview-architecture`), up to the directory all the files share; files still alike
    (`foo.md` beside `foo.md.erb`) get `-2`, `-3`... in path order. Nothing depends on
    the order of ``files``."""
    pool = sorted(files, key=lambda p: p.as_posix())
    taken: set[str] = set()  # ids in front matter
    names: set[str] = set()  # the names of the files that have them
    candidates: list[Path] = []
    for path in pool:
        has_id, sop_id = files[path]
        if has_id:
            if sop_id:
                taken.add(sop_id)
            names.add(id_from_path(path))
        else:
            candidates.append(path)
    if not candidates:
        return {}
    base = Path(os.path.commonpath([p.parent for p in pool]))
    # Each file starts with its name (the first of its options); the longer options are
    # worked out only for the files of a clash, a few in a real catalog.
    current = {p: id_from_path(p) for p in candidates}
    options: dict[Path, list[str]] = {}

    def options_of(path: Path) -> list[str]:
        if path not in options:
            options[path] = _id_options(path, base)
        return options[path]

    level = dict.fromkeys(candidates, 0)
    while True:
        counts = Counter(current.values())
        clash = [p for p in candidates if counts[current[p]] > 1 or current[p] in taken or current[p] in names]
        movable = [p for p in clash if level[p] + 1 < len(options_of(p))]
        if not movable:
            break
        for path in movable:
            level[path] += 1
            current[path] = options[path][level[path]]
    used = taken | set(current.values())
    groups: dict[str, list[Path]] = {}
    for path in candidates:  # in path order
        groups.setdefault(current[path], []).append(path)
    for sop_id, paths in groups.items():
        keep = 0 if sop_id in taken else 1  # the first keeps the id, unless a front matter has it
        for path in paths[keep:]:
            number = 2
            while (numbered := f"{sop_id[: MAX_ID - len(str(number)) - 1].rstrip('-')}-{number}") in used:
                number += 1
            used.add(numbered)
            current[path] = numbered
    return current


def _id_options(path: Path, base: Path) -> list[str]:
    """Ids for ``path``, shortest first: its name, then with one parent directory more
    each time (up to ``base``), while they fit the id schema."""
    name = id_from_path(path)
    parts = [slugify(part) for part in path.parent.relative_to(base).parts]
    if not is_index_name(path):
        parts.append(slugify(file_stem(path)))
    parts = [part for part in parts if part]
    found = [name]
    for count in range(2, len(parts) + 1):
        joined = "-".join(parts[-count:])
        if len(joined) > MAX_ID:
            break
        if joined != found[-1]:
            found.append(joined)
    return found
