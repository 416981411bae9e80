"""The search index: one Pagefind record per SOP, built from the model.

Records come from sopdocs' own data (title, id, owner, tags, every step, command and
check), not from scraping themed HTML, so search behaves the same under any theme or
builder. Pagefind splits the index into chunks that the browser fetches as needed, so
the first search downloads a small fraction of the index even for thousands of SOPs.
"""

from __future__ import annotations

import asyncio
import html
import os
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
    # Pagefind UI shows filter values as HTML (Svelte `{@html}`), so they are escaped here;
    # plain owner, layer and tag names are unchanged by it.
    return {key: [html.escape(v) for v in values if v] for key, values in found.items() if any(values)}


async def _write(site: Site, output: Path) -> None:
    from pagefind.index import IndexConfig

    config = IndexConfig(output_path=str(output), force_language="en")
    async with _index_class()(config=config) as index:
        for entry in site.entries:
            await index.add_custom_record(
                url="/" + entry.url,
                content=record_text(entry),
                language="en",
                meta={"title": entry.title, "owner": entry.text("owner"), "id": entry.sop_id},
                filters=filters(entry),
            )


def _index_class():
    from pagefind.index import PagefindIndex

    class Index(PagefindIndex):
        """Pagefind's service answers WriteFiles while its file writes are still in
        flight (tokio writes in the background), and leaving the index stops the service:
        on a busy machine that left empty or truncated files in pagefind/. This waits
        until the service holds no file under the output directory open any more."""

        async def write_files(self, output_path: str | None = None) -> None:
            await super().write_files(output_path)
            backend = getattr(getattr(self, "_service", None), "_backend", None)
            target = output_path or (self._config or {}).get("output_path")
            if backend is not None and target:
                await _writes_landed(backend.pid, Path(target).resolve())

    return Index


async def _writes_landed(pid: int, output: Path, timeout: float = 120.0) -> None:
    fds = Path(f"/proc/{pid}/fd")
    if not fds.is_dir():  # not Linux: no way to look, give the writes a moment
        await asyncio.sleep(1.0)
        return
    prefix = str(output) + os.sep
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            open_fds = list(fds.iterdir())
        except OSError:
            return  # the service is gone
        open_paths = []
        for fd in open_fds:
            try:
                open_paths.append(os.readlink(fd))
            except OSError:
                continue  # closed meanwhile
        if not any(p.startswith(prefix) for p in open_paths):
            return
        await asyncio.sleep(0.02)
    raise RuntimeError(f"Pagefind did not finish writing the search index to {output} within {timeout:.0f}s")


def write_index(site: Site, site_dir: Path) -> Path:
    output = site_dir / "pagefind"
    asyncio.run(_write(site, output))
    return output
