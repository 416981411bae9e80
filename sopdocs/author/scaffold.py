"""`sopdocs new`: write a new SOP from the bundled template."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from importlib import resources
from pathlib import Path

from sopdocs.core.text import slugify
from sopdocs.errors import UsageError

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ScaffoldError(UsageError):
    """The SOP cannot be written as asked (a bad id, an existing file)."""


def template_text() -> str:
    return resources.files("sopdocs.templates").joinpath("sop.md").read_text(encoding="utf-8")


def render(title: str, owner: str, sop_id: str, today: dt.date, schema_ref: str | None) -> str:
    values = {
        "schema_line": f"# yaml-language-server: $schema={schema_ref}\n" if schema_ref else "",
        "id": sop_id,
        "title": json.dumps(title, ensure_ascii=False),
        "owner": json.dumps(owner, ensure_ascii=False),
        "today": today.isoformat(),
        "heading": " ".join(title.split()),
    }
    text = template_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def scaffold(title: str, owner: str, directory: Path, today: dt.date, sop_id: str | None = None, force: bool = False) -> Path:
    if not title.strip():
        raise ScaffoldError("the title is empty")
    if not owner.strip():
        raise ScaffoldError("the owner is empty")
    sop_id = sop_id or slugify(title)
    if not ID_PATTERN.match(sop_id):
        raise ScaffoldError(f"cannot use `{sop_id}` as an id; pass --id in lower-case kebab-case, e.g. --id db-failover")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{sop_id}.md"
    if path.exists() and not force:
        raise ScaffoldError(f"{path} exists already; choose another --id, or pass --force to overwrite it")
    schema = _find_schema(directory)
    schema_ref = os.path.relpath(schema, directory.resolve()) if schema else None
    path.write_text(render(title, owner, sop_id, today, schema_ref), encoding="utf-8")
    return path


def _find_schema(directory: Path) -> Path | None:
    for parent in (directory.resolve(), *directory.resolve().parents):
        candidate = parent / "schema" / "sop.schema.json"
        if candidate.is_file():
            return candidate
    return None
