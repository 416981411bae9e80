"""`sopdocs migrate`: rewrite a file from another handbook format into the sopdocs format.

The rewrite is textual, so everything that is not migrated stays byte for byte: the
body, comments, quoting, and the order of the keys. Keys the profile aliases are renamed
in place (`last_reviewed_on:` -> `last_reviewed:`); values the formats write
differently are rewritten (a list of team URLs -> `owner: team-atlas`); what the old
format lacks is added as `TODO(sopdocs)` placeholders, which `sopdocs lint` reports
(`placeholder-left`) until someone fills them in. The review state is the same before
and after: a tool's default review period becomes an explicit `review_in`.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sopdocs.core import profiles
from sopdocs.core.config import Config
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_bytes
from sopdocs.core.review import DEFAULT_REVIEW_IN
from sopdocs.lint.changed import parse_front_matter_only as front_matter_only
from sopdocs.lint.rules import explain

PRECONDITIONS_PLACEHOLDER = (
    "preconditions:\n"
    '  - "TODO(sopdocs): what must be true before step 1? One check per entry (the old format had no preconditions)."\n'
)
ROLLBACK_PLACEHOLDER = (
    "rollback:\n"
    '  - "TODO(sopdocs): how to undo the change, one step per entry; or {sop: <id of the rollback SOP>} '
    '(the old format had no rollback)."\n'
)
LAST_REVIEWED_PLACEHOLDER = "# TODO(sopdocs): add `last_reviewed: YYYY-MM-DD` after the next full review (the page had no review date).\n"
# How a front matter that already asks for the review date starts the comment (a second
# run must not add it again, even when someone reworded the rest of the line).
LAST_REVIEWED_ASKED = "# TODO(sopdocs): add `last_reviewed"

_PLAIN = re.compile(r"^(?:[A-Za-z][A-Za-z0-9 _./()-]*|[1-9][0-9]* (?:day|week|month|year)s?)$")
_YAML11_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


@dataclass
class Migration:
    path: Path
    original: str
    text: str
    notes: list[str] = field(default_factory=list)
    skipped: bool = False

    @property
    def changed(self) -> bool:
        return self.text != self.original


def scalar(value: str) -> str:
    """A string as a YAML scalar that every YAML reader reads back as that string."""
    if _PLAIN.match(value) and value.lower() not in _YAML11_SPECIAL and value == value.strip() and ": " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)




def planned_ids(files: Iterable[Path], config: Config, others: Iterable[Path] = ()) -> dict[Path, str]:
    """The id migrate gives each of ``files`` whose front matter has none, unique across
    ``files`` and ``others`` (the rest of the catalog) by construction
    (:func:`sopdocs.core.profiles.unique_ids`). Files without an id in ``others`` take
    part, and the names of files with one count as taken, so migrating a handbook file by
    file gives the ids a single run gives. Nothing depends on the order of the files."""
    wanted = {Path(os.path.abspath(p)): p for p in files}
    pool = sorted(set(wanted) | {Path(os.path.abspath(p)) for p in others}, key=lambda p: p.as_posix())
    found: dict[Path, tuple[bool, str | None]] = {}
    for path in pool:
        doc = front_matter_only(path, config, path.parent)
        if doc.meta is not None:
            found[path] = ("id" in doc.meta, doc.sop_id)
    ids = profiles.unique_ids(found)
    return {given: ids[path] for path, given in wanted.items() if path in ids}


def migrate_file(path: Path, config: Config, sop_id: str | None = None) -> Migration:
    data = path.read_bytes()
    try:
        original = data.decode("utf-8")
    except UnicodeDecodeError:
        return Migration(path, "", "", ["not UTF-8 text: skipped"], skipped=True)
    return migrate_text(original, path, config, sop_id)


def migrate_text(original: str, path: Path, config: Config, sop_id: str | None = None) -> Migration:
    """Migrate one file's text. ``sop_id``: the id to add when the front matter has none
    (:func:`planned_ids`; default: from the file name alone)."""
    bom = "\ufeff" if original.startswith("\ufeff") else ""
    crlf = "\r\n" in original
    text = original[len(bom) :].replace("\r\n", "\n")
    doc = parse_bytes(text.encode("utf-8"), SopDocument(path=path, display_path=str(path)))
    result = Migration(path, original, original)
    if doc.meta is None:
        problem = next((explain(p) for p in doc.problems), "no front matter")
        result.notes.append(f"skipped: {problem}")
        result.skipped = True
        return result
    mapped = copy.copy(doc)
    mapped.key_positions = dict(doc.key_positions)
    profiles.apply(mapped, config.handbook, config.field_aliases(), config.owner_default)
    new_meta = mapped.meta or {}
    aliases = config.field_aliases()

    lines = text.split("\n")
    close = doc.body_line - 2  # index of the closing `---`
    starts = sorted((pos.line - 1, key[0]) for key, pos in doc.key_positions.items() if len(key) == 1 and 0 < pos.line - 1 < close)
    replacement: dict[int, list[str]] = {}  # first line index -> new lines for the block
    removed: set[int] = set()
    present: set[str] = set()
    for number, (start, key) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else close
        while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1  # keep comments and blank lines that follow the block
        target = aliases.get(key, key)
        if target != key and target in doc.meta:
            result.notes.append(f"both `{key}` and `{target}` are set: kept both; delete `{key}`")
            present.add(key)
            continue
        present.add(target)
        if target not in new_meta:
            result.notes.append(f"`{key}` has no usable value ({doc.meta.get(key)!r}): left as written")
            continue
        if new_meta[target] != doc.meta.get(key):
            if not isinstance(new_meta[target], str):
                result.notes.append(f"`{key}`: cannot rewrite the value; left as written")
                continue
            replacement[start] = [f"{target}: {scalar(new_meta[target])}"]
            removed.update(range(start + 1, end))
            if key == "owner" and isinstance(doc.meta.get(key), list) and len(doc.meta[key]) > 1:
                others = ", ".join(str(v) for v in doc.meta[key][1:])
                result.notes.append(f"`owner` lists {len(doc.meta[key])} teams; the first owns the SOP now (dropped: {others})")
        elif target != key:
            renamed = re.sub(rf"^([\"']?){re.escape(key)}\1(\s*:)", lambda m, target=target: f"{target}{m.group(2)}", lines[start], count=1)
            if renamed == lines[start]:
                result.notes.append(f"`{key}`: could not rename it to `{target}`; rename it by hand")
                present.discard(target)
            replacement[start] = [renamed]

    # Keys to add: id and title first, the review period after the review date,
    # placeholders at the end.
    head: list[str] = []
    if "id" not in present:
        name = profiles.id_from_path(path)
        sop_id = sop_id or name
        head.append(f"id: {scalar(sop_id)}")
        if sop_id == name:
            result.notes.append(f"added `id: {sop_id}` (from the file name)")
        else:
            result.notes.append(f"added `id: {sop_id}` (from the path: the file name gives `{name}`, which another file's id or name is too)")
    if "title" not in present:
        title = doc.title_heading if doc.title_heading and "<%" not in doc.title_heading else None
        head.append(f"title: {scalar(title)}" if title else 'title: "TODO(sopdocs): the title"')
    if "owner" not in present:
        owner = new_meta.get("owner")
        head.append(f"owner: {scalar(owner)}" if isinstance(owner, str) else 'owner: "TODO(sopdocs): the owning team"')
        if isinstance(owner, str):
            result.notes.append(f"added `owner: {owner}` (the site-wide default owner)")
    review_lines: list[str] = []
    if "review_in" not in present and config.review_in != DEFAULT_REVIEW_IN and "last_reviewed" in present:
        review_lines.append(f"review_in: {scalar(config.review_in)}")
        result.notes.append(f"added `review_in: {config.review_in}` (the {config.profile} default), so the review date stays the same")
    tail: list[str] = []
    if "last_reviewed" not in present and not any(line.strip().startswith(LAST_REVIEWED_ASKED) for line in lines[1:close]):
        tail.append(LAST_REVIEWED_PLACEHOLDER.rstrip("\n"))
        result.notes.append("no review date: a placeholder comment asks for `last_reviewed` (`field-missing` reports it)")
    for key, block in (("preconditions", PRECONDITIONS_PLACEHOLDER), ("rollback", ROLLBACK_PLACEHOLDER)):
        if key not in present:
            tail += block.rstrip("\n").split("\n")
    unknown = [k for k in doc.meta if aliases.get(k, k) not in _sop_keys() and k not in aliases]
    if unknown:
        result.notes.append(
            f"kept keys the sopdocs format does not know: {', '.join(unknown)} (`field-unknown` reports them "
            "once the profile is `sopdocs`; delete them when nothing reads them any more)"
        )
    if doc.section("steps") is None:
        result.notes.append("no `## Steps` section: write the procedure as a numbered list under `## Steps` (`steps-missing`)")

    review_anchor = next((start for start, key in starts if aliases.get(key, key) == "last_reviewed"), None)
    out = [lines[0]]
    first_key = starts[0][0] if starts else close
    for index in range(1, close):
        if index == first_key:
            out += head
            head = []
        if index in removed:
            continue
        out += replacement.get(index, [lines[index]])
        if index == review_anchor:  # a date: the key's block is this one line
            out += review_lines
            review_lines = []
    out += head + review_lines + tail
    out += lines[close:]
    new_text = "\n".join(out)
    if crlf:
        new_text = new_text.replace("\n", "\r\n")
    result.text = bom + new_text
    return result


def _sop_keys() -> set[str]:
    from sopdocs.core.schema import load_schema

    return set(load_schema("sop")["properties"])


def unified_diff(migration: Migration, label: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            migration.original.splitlines(keepends=True),
            migration.text.splitlines(keepends=True),
            fromfile=f"a/{label}",
            tofile=f"b/{label}",
        )
    )
