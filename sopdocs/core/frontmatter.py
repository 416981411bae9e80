"""The front matter, typed: what the site, the reports, the exporter and the runner read
of an SOP, instead of each reading the raw mapping its own way.

The raw mapping may hold anything a file says (the linter reports what is wrong); this
view gives every key a safe value: a key that is missing or holds the wrong type reads
as absent (``""``, ``[]``, ``None``), and so does an owner that is still a
`TODO(sopdocs)` placeholder (`sopdocs migrate` writes one where a page names none):
such an SOP is listed as having no owner, never as owned by "TODO(sopdocs): ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sopdocs.core.text import NO_OWNER, is_placeholder

DEFAULT_STATUS = "draft"
# Keys naming who to ask: a placeholder there names nobody.
PEOPLE_KEYS = ("owner", "backup_owner")


@dataclass(frozen=True)
class FrontMatter:
    raw: Mapping[str, Any]

    def text(self, key: str) -> str:
        """A string value; "" when missing or not a string (or, for an owner, a
        placeholder)."""
        value = self.raw.get(key)
        if not isinstance(value, str) or (key in PEOPLE_KEYS and is_placeholder(value)):
            return ""
        return value

    def strings(self, key: str) -> list[str]:
        """A list of strings (a single string reads as a list of one); other items are
        left out."""
        value = self.raw.get(key)
        if isinstance(value, str):
            return [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.raw.get(key)
        return value if isinstance(value, Mapping) else {}

    def items(self, key: str) -> list[Any]:
        """A list value, as written; [] when missing or not a list."""
        value = self.raw.get(key)
        return value if isinstance(value, list) else []

    @property
    def id(self) -> str | None:
        return self.text("id") or None

    @property
    def title(self) -> str:
        """The title; "" when it is missing or blank."""
        title = self.text("title")
        return title if title.strip() else ""

    @property
    def owner(self) -> str:
        return self.text("owner")

    @property
    def owner_label(self) -> str:
        """The owner, or how an SOP without one is listed."""
        return self.owner or NO_OWNER

    @property
    def status(self) -> str:
        return self.text("status") or DEFAULT_STATUS

    @property
    def tags(self) -> list[str]:
        return self.strings("tags")

    @property
    def related(self) -> list[str]:
        return self.strings("related")

    @property
    def rollback_sop(self) -> str | None:
        """The id in `rollback: {sop: ID}`; None when the rollback is a list of steps."""
        value = self.mapping("rollback").get("sop")
        return value if isinstance(value, str) else None
