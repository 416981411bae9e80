"""Profiles: read handbooks written for other tools without rewriting them.

A profile maps another tool's front-matter keys onto sopdocs keys (``owner_slack`` ->
``owner``), converts values where the formats differ (a list of team URLs -> a team
name), and switches off the rules for what the old format has no place for
(preconditions, rollback, steps, sopdocs-only keys). It is applied to each parsed
document before any rule runs, so lint, report and migrate see the same data.

Positions survive the mapping: the sopdocs key points at the original key, so a finding
about ``last_reviewed`` lands on the ``last_reviewed_on:`` line, and its message names
the key as written in the file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sopdocs.core.history import REVIEW_KEYS
from sopdocs.core.model import FieldPath, SopDocument

if TYPE_CHECKING:
    from sopdocs.core.config import Config

# Rules about what only the sopdocs format has: off by default under another profile.
FOREIGN_FORMAT_RULES = (
    "field-unknown",
    "rollback-missing",
    "steps-missing",
    "step-empty",
    "step-multiple-commands",
    "step-attribute-invalid",
)


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
    rules_off: tuple[str, ...] = ()
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
            rules_off=FOREIGN_FORMAT_RULES,
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
            rules_off=FOREIGN_FORMAT_RULES,
        ),
    )
}



def get(name: str) -> Profile:
    return PROFILES[name]


def aliases_of(config: Config) -> dict[str, str]:
    """Old key -> sopdocs key: the profile's aliases, then the config's own `aliases`."""
    return {**PROFILES[config.profile].aliases, **config.aliases}


def review_keys(config: Config) -> tuple[str, ...]:
    """The front-matter keys, as written in the files, that record a review."""
    keys = list(REVIEW_KEYS)
    keys += [old for old, new in aliases_of(config).items() if new in REVIEW_KEYS]
    return tuple(dict.fromkeys(keys))


def default_owner(config: Config) -> str | None:
    """The config's `default_owner`, else the site-wide owner of the profile's tool."""
    if config.default_owner:
        return config.default_owner
    source = PROFILES[config.profile].default_owner_from
    if source is None:
        return None
    path = config.root / source[0]
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # a missing or unreadable site config: no default
        return None
    value = data.get(source[1]) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def is_active(config: Config) -> bool:
    return PROFILES[config.profile].foreign or bool(config.aliases) or bool(config.default_owner)


def apply(doc: SopDocument, config: Config, owner: str | None = None) -> None:
    """Map the document's front matter onto sopdocs keys, in place. Idempotent."""
    if doc.meta is None or doc.cache.get("profile") is not None:
        return
    doc.cache["profile"] = config.profile
    profile = PROFILES[config.profile]
    aliases = aliases_of(config)
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
    doc.cache["renamed"] = renamed
    doc.meta = meta
    if profile.foreign or profile.required is not None:
        doc.cache["schema"] = schema_issues(meta, profile.required)


def _move_positions(doc: SopDocument, old: FieldPath, new: FieldPath) -> None:
    for path in [p for p in doc.key_positions if p[: len(old)] == old]:
        doc.key_positions.setdefault(new + path[len(old) :], doc.key_positions[path])


def apply_all(docs: list[SopDocument], config: Config) -> None:
    if not is_active(config):
        return
    owner = default_owner(config)
    for doc in docs:
        apply(doc, config, owner)


def rename_in_message(doc: SopDocument, message: str) -> str:
    """Name keys as the file writes them: `last_reviewed` -> `last_reviewed_on`."""
    for target, written in (doc.cache.get("renamed") or {}).items():
        message = re.sub(rf"`{re.escape(target)}(?=[`.\[])", f"`{written}", message)
    return message


@cache
def _validator(required: tuple[str, ...] | None) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(relaxed_schema(required), format_checker=FormatChecker(formats=["date"]))


def relaxed_schema(required: tuple[str, ...] | None, aliases: dict[str, str] | None = None) -> dict[str, Any]:
    """The SOP schema for a handbook in another format: only ``required`` keys are
    required, other keys are allowed, and ``aliases`` (old key -> sopdocs key) add the
    old names with the sopdocs definitions (for editors, which see the file as written)."""
    from sopdocs.core.schema import load_schema

    schema = copy.deepcopy(load_schema("sop"))
    if required is not None:
        schema["required"] = list(required)
    schema.pop("additionalProperties", None)
    for old, new in (aliases or {}).items():
        definition = schema["properties"].get(new)
        if definition is not None:
            schema["properties"][old] = {**definition, "description": f"{definition.get('description', '')} (read as `{new}`)".strip()}
            if new in schema.get("required", []):
                schema["required"] = [old if k == new else k for k in schema["required"]]
            schema["properties"].pop(new)
    return schema


def schema_issues(meta: dict[str, Any], required: tuple[str, ...] | None) -> list[Any]:
    from sopdocs.core.schema import _translate

    return [issue for error in _validator(required).iter_errors(meta) for issue in _translate(error)]


def id_from_path(path: Path) -> str:
    """An SOP id for a file that has none: `manual/alerts/foo.html.md.erb` -> `foo`;
    `_index.md` and `index.md` take their directory's name."""
    name = path.name
    for suffix in (".erb", ".md", ".html"):
        name = name.removesuffix(suffix)
    if name in ("_index", "index", "README", "readme"):
        name = path.parent.name or name
    from sopdocs.author.scaffold import slugify

    return slugify(name) or "sop"
