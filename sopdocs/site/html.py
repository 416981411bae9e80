"""Safe HTML from SOP text.

Every value from an SOP reaches HTML through :func:`esc` or through markdown-it with
raw HTML turned off (so `<script>` in a body is shown as text, and `javascript:` links
are refused by markdown-it's link validation). Headings that go through MkDocs'
Markdown are escaped for both HTML and Markdown by :func:`md_text`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sopdocs.core.model import SHELL_LANGUAGES
from sopdocs.core.parser import info_string

esc = html.escape

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def md_text(text: str) -> str:
    """Text that Python-Markdown shows literally: HTML-escaped, Markdown-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


LinkResolver = Callable[[str], str | None]


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.add_render_rule("fence", _render_fence)
    return md


def _render_fence(self, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    language, attributes = info_string(token.info)
    flags = []
    for name, value in attributes.items():
        if name in ("confirm", "idempotent", "verify"):
            flags.append(name)
        elif name == "timeout" and value:
            flags.append(f"timeout {value}")
        elif name == "retries" and value:
            flags.append(f"retries {value}")
    is_shell = language in SHELL_LANGUAGES
    kind = "Verify" if "verify" in flags else ("Command" if is_shell else (language or "text"))
    classes = "sop-code" + (" sop-code--verify" if "verify" in flags else "") + (" sop-code--command" if is_shell else "")
    label = " · ".join([kind, *[f for f in flags if f != "verify"]])
    code_class = f' class="language-{attr(language)}"' if language else ""
    return (
        f'<div class="{classes}"><div class="sop-code-bar"><span class="sop-code-label">{esc(label)}</span>'
        '<button type="button" class="sop-copy" data-sop-copy title="Copy to clipboard">Copy</button></div>'
        f"<pre><code{code_class}>{esc(token.content)}</code></pre></div>\n"
    )


_md = _renderer()


def render(source: str, links: LinkResolver | None = None, checklist: str | None = None) -> str:
    """Render Markdown to HTML. ``links`` rewrites relative `.md` links to page URLs;
    ``checklist`` turns the top-level list items into checkboxes keyed ``{checklist}-N``."""
    tokens = _md.parse(source)
    _rewrite_links(tokens, links)
    if checklist:
        _add_checkboxes(tokens, checklist)
    return _md.renderer.render(tokens, _md.options, {})


def render_inline(source: str, links: LinkResolver | None = None) -> str:
    tokens = _md.parseInline(source)
    _rewrite_links(tokens, links)
    return _md.renderer.render(tokens, _md.options, {})


def _rewrite_links(tokens: list[Token], links: LinkResolver | None) -> None:
    if links is None:
        return
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                resolved = links(href)
                if resolved is not None:
                    child.attrs["href"] = resolved


ITEM_KINDS = {"pre": "Precondition", "step": "Step", "verify": "Check", "rollback": "Rollback step"}


def checkbox_label(item_id: str, prefix: str, number: int, has_text: bool) -> str:
    """A checklist box's accessible name: the item's own text (the element
    ``{item_id}-text``), or "Step 3" for an item that starts with a code block."""
    if has_text:
        return f'aria-labelledby="{attr(item_id)}-text"'
    return f'aria-label="{attr(ITEM_KINDS.get(prefix, prefix.capitalize()))} {number}"'


def _add_checkboxes(tokens: list[Token], prefix: str) -> None:
    """Checkbox at the start of each item of the top-level lists."""
    number = 0
    depth = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth == 1:
                token.attrJoin("class", "sop-checklist")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open" and depth == 1:
            number += 1
            item_id = f"{prefix}-{number}"
            token.attrSet("id", item_id)
            token.attrJoin("class", "sop-check")
            box = Token("html_inline", "", 0)
            has_text = tokens[index + 1].type == "paragraph_open"
            box.content = (
                f'<input type="checkbox" class="sop-checkbox" data-sop-item="{attr(item_id)}" '
                f"{checkbox_label(item_id, prefix, number, has_text)}> "
            )
            if has_text:
                inline = tokens[index + 2]
                label_open, label_close = Token("html_inline", "", 0), Token("html_inline", "", 0)
                label_open.content, label_close.content = f'<span id="{attr(item_id)}-text">', "</span>"
                inline.children = [box, label_open, *(inline.children or []), label_close]
            else:  # an item that starts with a code block or a list: box on its own
                token.meta["sop_box"] = box.content
    # Items without an inline first paragraph get the box as their own paragraph.
    for index in range(len(tokens) - 1, -1, -1):
        box_html = tokens[index].meta.get("sop_box") if tokens[index].meta else None
        if box_html:
            raw = Token("html_block", "", 0)
            raw.content = box_html + "\n"
            tokens.insert(index + 1, raw)
