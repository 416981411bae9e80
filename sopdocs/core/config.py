"""Project configuration: `[tool.sopdocs]` in pyproject.toml, or sopdocs.yml.

The nearest config file in the working directory or its parents wins; `--config`
names one explicitly. Paths in it are relative to the file's directory. The `rules`
section is checked against the rule modules by the linter
(:func:`sopdocs.lint.rules.settings`), which owns them.
"""

from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopdocs.core.history import REVIEW_KEYS
from sopdocs.core.profiles import PROFILES, Profile
from sopdocs.core.review import DEFAULT_DUE_SOON_DAYS, DEFAULT_REVIEW_IN
from sopdocs.errors import ConfigError

YAML_NAMES = ("sopdocs.yml", "sopdocs.yaml", ".sopdocs.yml")
DEFAULT_RUBBER_STAMP_DAYS = 365
# Files larger than this are not parsed (`max_file_size`).
DEFAULT_MAX_BYTES = 1024 * 1024


@dataclass(eq=False)
class Config:
    root: Path
    source: Path | None = None
    paths: list[str] = field(default_factory=lambda: ["content"])
    exclude: list[str] = field(default_factory=list)
    review_in: str = DEFAULT_REVIEW_IN
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    owners: list[str] | None = None
    max_file_size: int = DEFAULT_MAX_BYTES
    # Reading handbooks in other formats (sopdocs/core/profiles.py)
    profile: str = "sopdocs"
    aliases: dict[str, str] = field(default_factory=dict)
    default_owner: str | None = None
    extensions: list[str] = field(default_factory=lambda: [".md"])
    # A review bump with no other change to the file for longer than this is reported
    # as a possible rubber stamp (`sopdocs report`); 0 switches the check off.
    rubber_stamp_days: int = DEFAULT_RUBBER_STAMP_DAYS
    # `sopdocs run` refuses an SOP whose review is overdue (docs/runner.md).
    require_current_review: bool = False
    # Per-rule settings as the file writes them (by id or code); sopdocs.lint.rules
    # checks and resolves them.
    rules: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable text of everything that changes lint results (for caches)."""
        return json.dumps(self.raw, sort_keys=True, default=str)

    @property
    def where(self) -> str:
        """How messages name this configuration: its file, else "config"."""
        return _shown(self.source)

    @property
    def handbook(self) -> Profile:
        """The handbook profile the SOPs are written in."""
        return PROFILES[self.profile]

    @property
    def reads_other_format(self) -> bool:
        """Whether parsing maps the front matter (another format, aliases, a default owner)."""
        return self.handbook.foreign or bool(self.aliases) or bool(self.default_owner)

    def field_aliases(self) -> dict[str, str]:
        """Old key -> sopdocs key: the profile's aliases, then the config's own `aliases`."""
        return {**self.handbook.aliases, **self.aliases}

    def review_keys(self) -> tuple[str, ...]:
        """The front-matter keys, as written in the files, that record a review."""
        keys = list(REVIEW_KEYS)
        keys += [old for old, new in self.field_aliases().items() if new in REVIEW_KEYS]
        return tuple(dict.fromkeys(keys))

    @functools.cached_property
    def owner_default(self) -> str | None:
        """The owner of pages that name none: the config's `default_owner`, else the
        site-wide owner in the profile's documentation tool's own config."""
        if self.default_owner:
            return self.default_owner
        source = self.handbook.default_owner_from
        if source is None:
            return None
        try:
            data = yaml.safe_load((self.root / source[0]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):  # a missing or unreadable site config: no default
            return None
        value = data.get(source[1]) if isinstance(data, dict) else None
        return value if isinstance(value, str) and value.strip() else None


def _shown(source: Path | None) -> str:
    """A config file as messages name it: relative to the working directory when it is
    inside it, as findings name SOP files."""
    if source is None:
        return "config"
    try:
        return source.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(source)


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in YAML_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{_shown(path)}: cannot read: {exc}") from None
    section = data.get("tool", {}).get("sopdocs")
    return section if isinstance(section, dict) else None


def load_config(explicit: Path | None = None, cwd: Path | None = None) -> Config:
    cwd = cwd or Path.cwd()
    path = explicit or find_config(cwd)
    if path is None:
        return Config(root=cwd)
    if not path.is_file():
        raise ConfigError(f"{_shown(path)}: config file not found")
    if path.name == "pyproject.toml":
        data = _pyproject_section(path) or {}
    else:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{_shown(path)}: cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{_shown(path)}: invalid YAML: {exc}") from None
    return config_from_dict(data, path)


def config_from_dict(data: Any, source: Path | None = None, root: Path | None = None) -> Config:
    from sopdocs.core.schema import first_error

    where = _shown(source)
    if isinstance(data, dict) and isinstance(data.get("rules"), dict):
        # YAML 1.1 reads an unquoted `off` as false: `step-empty: off` means "off".
        data = {**data, "rules": {k: "off" if v is False else v for k, v in data["rules"].items()}}
    problem = first_error(data, "config")
    if problem:
        raise ConfigError(f"{where}: invalid setting at {problem}")
    root = root or (source.parent if source else Path.cwd())
    config = Config(root=root, source=source, raw=data)
    profile = PROFILES[data.get("profile", "sopdocs")]
    # The profile's defaults first; the file's own settings override them.
    if profile.review_in:
        config.review_in = profile.review_in
    config.extensions = list(profile.extensions)
    keys = ("paths", "exclude", "review_in", "due_soon_days", "owners", "max_file_size", "rules")
    for key in (*keys, "profile", "aliases", "default_owner", "extensions", "rubber_stamp_days", "require_current_review"):
        if key in data:
            setattr(config, key, data[key])
    return config
