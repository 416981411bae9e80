"""Project configuration: `[tool.sopdocs]` in pyproject.toml, or sopdocs.yml.

The nearest config file in the working directory or its parents wins; `--config`
names one explicitly. Paths in it are relative to the file's directory.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopdocs.core.parser import DEFAULT_MAX_BYTES
from sopdocs.core.review import DEFAULT_DUE_SOON_DAYS, DEFAULT_REVIEW_IN

YAML_NAMES = ("sopdocs.yml", "sopdocs.yaml", ".sopdocs.yml")
DEFAULT_RUBBER_STAMP_DAYS = 365


class ConfigError(Exception):
    """A configuration problem: exit code 2, message names the file."""


@dataclass
class Config:
    root: Path
    source: Path | None = None
    paths: list[str] = field(default_factory=lambda: ["content"])
    exclude: list[str] = field(default_factory=list)
    review_in: str = DEFAULT_REVIEW_IN
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    owners: list[str] | None = None
    max_file_size: int = DEFAULT_MAX_BYTES
    # Reading handbooks in other formats (sopdocs/profiles.py)
    profile: str = "sopdocs"
    aliases: dict[str, str] = field(default_factory=dict)
    default_owner: str | None = None
    extensions: list[str] = field(default_factory=lambda: [".md"])
    # A review bump with no other change to the file for longer than this is reported
    # as a possible rubber stamp (`sopdocs report`); 0 switches the check off.
    rubber_stamp_days: int = DEFAULT_RUBBER_STAMP_DAYS
    rules: dict[str, Any] = field(default_factory=dict)
    site: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable text of everything that changes lint results (for caches)."""
        return json.dumps(self.raw, sort_keys=True, default=str)


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
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    section = data.get("tool", {}).get("sopdocs")
    return section if isinstance(section, dict) else None


def load_config(explicit: Path | None = None, cwd: Path | None = None) -> Config:
    cwd = cwd or Path.cwd()
    path = explicit or find_config(cwd)
    if path is None:
        return Config(root=cwd)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if path.name == "pyproject.toml":
        data = _pyproject_section(path) or {}
    else:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    return config_from_dict(data, path)


def config_from_dict(data: Any, source: Path | None = None, root: Path | None = None) -> Config:
    from jsonschema import Draft202012Validator

    from sopdocs.core.schema import load_schema

    where = str(source) if source else "config"
    if isinstance(data, dict) and isinstance(data.get("rules"), dict):
        # YAML 1.1 reads an unquoted `off` as false: `step-empty: off` means "off".
        data = {**data, "rules": {k: "off" if v is False else v for k, v in data["rules"].items()}}
    errors = sorted(Draft202012Validator(load_schema("config")).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = ".".join(str(p) for p in first.absolute_path) or "top level"
        raise ConfigError(f"{where}: invalid setting at {location}: {first.message}")
    root = root or (source.parent if source else Path.cwd())
    config = Config(root=root, source=source, raw=data)
    from sopdocs.core.profiles import PROFILES

    profile = PROFILES[data.get("profile", "sopdocs")]
    # The profile's defaults first; the file's own settings override them.
    if profile.review_in:
        config.review_in = profile.review_in
    config.extensions = list(profile.extensions)
    for rule_id in profile.rules_off:
        config.rules[rule_id] = {"severity": "off"}
    keys = ("paths", "exclude", "review_in", "due_soon_days", "owners", "max_file_size", "site")
    for key in (*keys, "profile", "aliases", "default_owner", "extensions", "rubber_stamp_days"):
        if key in data:
            setattr(config, key, data[key])
    from sopdocs.lint.rules import resolve

    for name, setting in data.get("rules", {}).items():
        try:
            rule = resolve(name)
        except KeyError as exc:
            raise ConfigError(f"{where}: rules: {exc.args[0]}") from None
        config.rules[rule.ID] = setting if isinstance(setting, dict) else {"severity": setting}
    return config
