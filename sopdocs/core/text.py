"""Words and numbers as sopdocs shows them, the same in the command line, the reports
and the site: counts, locations in files, slugs, durations."""

from __future__ import annotations

import json
import re
import unicodedata

# What an SOP without an owner is listed under.
NO_OWNER = "(no owner)"
# What `sopdocs new` and `sopdocs migrate` write where the author must fill something in.
PLACEHOLDER = "TODO(sopdocs)"


def is_placeholder(value: object) -> bool:
    """True for a value that is a `TODO(sopdocs)` placeholder (`owner: "TODO(sopdocs):
    the owning team"`): it stands for a value that is not there yet."""
    return isinstance(value, str) and PLACEHOLDER in value


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 file`, `3 files` (``many``: the plural when it is not the word plus "s")."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def location(path: str, line: int, column: int) -> str:
    """`path:line:col`, as editors and CI annotations read it."""
    return f"{path}:{line}:{column}"


def slugify(text: str) -> str:
    """`Rotate the Redis password!` -> `rotate-the-redis-password` (ASCII, at most 100
    characters): SOP ids, and the owner and tag pages of the site."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100].strip("-")


def one_line(text: str) -> str:
    """``text`` with every line break and other unprintable character escaped (`\\n`)."""
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


def shown_value(value: str) -> str:
    """A value as one line of output that cannot pass for more: as it is when it holds
    only printable characters and no space, quote or backslash, else a JSON string with
    every line break and other unprintable character escaped (`"a\\nb"`)."""
    if value and value.isprintable() and not any(c in value for c in " \"'\\"):
        return value
    return one_line(json.dumps(value, ensure_ascii=False))


def clock_duration(seconds: int) -> str:
    """A whole number of seconds as a step timeout is written: `1h30m`, `45s`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def table_duration(value: float | None) -> str:
    """Seconds for a table column, short: `-`, `2.35s`, `12.3s`, `1.5m`."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}s"
    return f"{value:.1f}s" if value < 60 else f"{value / 60:.1f}m"


def prose_duration(value: float | None) -> str:
    """Seconds in a sentence or a page: `-`, `350 ms`, `12.3 s`, `1.5 min`."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s" if value < 60 else f"{value / 60:.1f} min"
