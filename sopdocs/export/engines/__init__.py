"""Compile a step manifest into the document of a workflow engine.

Each engine module turns a manifest (see `sopdocs/manifest.py`) into a plain dict: the
engine's own file format, ready to be written as YAML by :func:`dump_yaml`. The
mapping and its limits are documented in docs/manifest.md.

Both engines expand expressions in the text of their files (`{{...}}` in Argo,
`${{...}}` in GitHub Actions). sopdocs never writes a parameter value into a command;
commands read parameters from environment variables only. Text taken from an SOP that
contains the engine's expression opener is refused (:class:`CompileError`) rather than
shipped to an engine that would expand it. Ansible has a way to say "not a template"
(`!unsafe`): its playbooks keep such text, tagged (`engines/ansible.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from sopdocs.errors import SopdocsError


class CompileError(SopdocsError):
    """The SOP cannot be expressed for this engine as written (exit code 1)."""


def ceil_minutes(seconds: int) -> int:
    """GitHub Actions counts timeouts in whole minutes: round up, never below 1."""
    return max(1, math.ceil(seconds / 60))


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) for every string in a document, keys included, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield where, key
            yield from walk_strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else None
            yield from walk_strings(item, f"{path}[{index}]" + (f"({name})" if isinstance(name, str) else ""))
    elif isinstance(value, str):
        yield path, value


def refuse_expressions(document: dict[str, Any], opener: str, generated: re.Pattern[str], engine: str) -> None:
    """Raise when `opener` occurs in the document other than in expressions sopdocs wrote.

    `generated` matches every expression the compiler itself emits; what is left after
    removing those came from the SOP's text (a command, a title, a description).
    """
    for where, text in walk_strings(document):
        rest = generated.sub("", text)
        if opener in rest:
            line = next(line for line in rest.splitlines() if opener in line).strip()
            raise CompileError(
                f"`{opener}` in {where} ({line[:80]!r}): {engine} would expand it as an expression; "
                f"rewrite the text without `{opener}` to export this SOP to {engine}"
            )


# Plain scalars only when they read as the same string in YAML 1.1 (PyYAML, Argo's Go
# parser) and YAML 1.2 (GitHub, ruamel): start with a letter, no YAML keyword.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_./@()+-]*(?: [A-Za-z0-9_./@()+,'-]+)*$")
_KEYWORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # no &anchors: engines and humans read it plainly
        return True


def represent_str(dumper: yaml.SafeDumper, value: str, tag: str = "tag:yaml.org,2002:str") -> yaml.ScalarNode:
    """A string as a plain scalar where that reads the same everywhere, else a literal
    block or double quotes. `tag`: another tag for the scalar (Ansible's `!unsafe`)."""
    if _PLAIN.match(value) and value.lower() not in _KEYWORDS:
        return dumper.represent_scalar(tag, value)
    if "\n" in value or '"' in value or "\\" in value:
        # A literal block keeps a command exactly as written, without escapes; PyYAML
        # falls back to double quotes where a block cannot hold the text (a key,
        # trailing spaces, tabs).
        return dumper.represent_scalar(tag, value, style="|")
    return dumper.represent_scalar(tag, value, style='"')


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return represent_str(dumper, value)


Dumper.add_representer(str, _represent_str)


def dump_yaml(document: Any, header: list[str], dumper: type[Dumper] = Dumper) -> str:
    """Deterministic YAML: keys in the order built, no anchors, a comment header.

    Strings that YAML 1.1 or 1.2 could read as anything else are double-quoted, so the
    `on` key of a GitHub workflow stays a string and IntOrString values stay strings.
    """
    body = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1 << 30, default_flow_style=False)
    return "".join(f"# {line}".rstrip() + "\n" for line in header) + body
