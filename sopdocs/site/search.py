"""The search index: one Pagefind record per SOP, built from the model.

Records come from sopdocs' own data (title, id, owner, tags, every step, command and
check), not from scraping themed HTML, so search behaves the same under any theme or
builder. Pagefind splits the index into chunks that the browser fetches as needed, so
the first search downloads a small fraction of the index even for thousands of SOPs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .pages import Entry, Site


def record_text(entry: Entry) -> str:
    doc, meta = entry.doc, entry.meta
    parts = [
        entry.title,
        f"id {entry.sop_id}",
        f"owner {entry.text('owner')}",
        entry.text("backup_owner"),
        " ".join(entry.strings("escalation")),
        " ".join(entry.strings("tags")),
        entry.text("layer"),
        entry.status,
        entry.text("risk"),
        " ".join(entry.strings("execution_roles")),
    ]
    for key in ("preconditions", "rollback"):
        items = meta.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict):
                parts += [str(item.get("text", "")), str(item.get("command", ""))]
    body_start = doc.body_line - 1
    parts.append("\n".join(doc.text.split("\n")[body_start:]))
    return "\n".join(p for p in parts if p)


def filters(entry: Entry) -> dict[str, list[str]]:
    found = {
        "owner": [entry.text("owner")],
        "status": [entry.status],
        "layer": [entry.text("layer")],
        "review": [entry.review.state],
        "tag": entry.strings("tags"),
    }
    return {key: [v for v in values if v] for key, values in found.items() if any(values)}


async def _write(site: Site, output: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(output), force_language="en")
    async with PagefindIndex(config=config) as index:
        for entry in site.entries:
            await index.add_custom_record(
                url="/" + entry.url,
                content=record_text(entry),
                language="en",
                meta={"title": entry.title, "owner": entry.text("owner"), "id": entry.sop_id},
                filters=filters(entry),
            )


def write_index(site: Site, site_dir: Path) -> Path:
    output = site_dir / "pagefind"
    asyncio.run(_write(site, output))
    return output
