"""Template code in a handbook's pages, kept off the SOP pages.

A handbook built by another generator has its template language in the Markdown: ERB in
tech-docs-gem (Middleman) pages (`<%= current_page.data.title %>`, `<%= partial ... %>`)
and shortcodes in Hugo pages (`{{< tabs >}}`, `[text]({{< relref "/x" >}})`). sopdocs
cannot run them, and must never show them raw. What is known is filled in (the page's
own title); the rest is removed, the text around it kept: a shortcode's inner content
stays (a tab's text, a notice's text), a link whose target was a `relref`/`ref` becomes
its text. Hugo's escaped form `{{</* x */>}}` is shown as the literal shortcode it
documents.

Removing keeps the number of lines, so the source line numbers of findings and
checklist items stay right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sopdocs.core.model import SopDocument

_ERB = re.compile(r"<%(?!%)(=|-)?(.*?)-?%>", re.DOTALL)
_ERB_TITLE = re.compile(r"^\s*(current_page|page)\.data\.title\s*$")
_ESCAPED_SHORTCODE = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.DOTALL)
_REF_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*\{\{[<%]\s*(?:rel)?ref\s[^}]*?[>%]\}\}\s*\)")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)
# Hugo's highlight shortcode is a code block: it becomes a fence.
_HIGHLIGHT_OPEN = re.compile(r"^([ \t]*)\{\{[<%]\s*highlight\s+([A-Za-z0-9_+-]+)[^}\n]*?[>%]\}\}[ \t]*$", re.MULTILINE)
_HIGHLIGHT_CLOSE = re.compile(r"^([ \t]*)\{\{[<%]\s*/\s*highlight\s*[>%]\}\}[ \t]*$", re.MULTILINE)
_LITERAL = "\x00sopdocs-literal-{}\x00"


@dataclass(frozen=True)
class Removed:
    """What :func:`strip` took out of one page."""

    erb: int = 0
    shortcodes: int = 0

    def __bool__(self) -> bool:
        return bool(self.erb or self.shortcodes)


def _blank(text: str) -> str:
    """Nothing, but as many line breaks as ``text`` had."""
    return "\n" * text.count("\n")


def strip(text: str, title: str = "", erb: bool = True) -> tuple[str, Removed]:
    """``text`` without template code (see the module's doc); ``erb``: the page is an
    ERB template (a `.erb` file), so `<% %>` is code rather than text."""
    erb_count = 0
    if erb and "<%" in text:

        def erb_tag(match: re.Match) -> str:
            nonlocal erb_count
            erb_count += 1
            if match.group(1) == "=" and _ERB_TITLE.match(match.group(2)):
                return title + _blank(match.group(0))
            return _blank(match.group(0))

        text = _ERB.sub(erb_tag, text)
    shortcodes = 0
    if "{{" in text:
        literals: list[str] = []

        def keep(match: re.Match) -> str:
            literals.append("{{" + match.group(1) + match.group(2) + match.group(3) + "}}")
            return _LITERAL.format(len(literals) - 1)

        def link_text(match: re.Match) -> str:
            nonlocal shortcodes
            shortcodes += 1
            return match.group(1)

        def drop(match: re.Match) -> str:
            nonlocal shortcodes
            shortcodes += 1
            return _blank(match.group(0))

        def fence(match: re.Match) -> str:
            nonlocal shortcodes
            shortcodes += 1
            return f"{match.group(1)}```{match.group(2) if match.lastindex and match.lastindex > 1 else ''}"

        text = _ESCAPED_SHORTCODE.sub(keep, text)
        text = _HIGHLIGHT_OPEN.sub(fence, text)
        text = _HIGHLIGHT_CLOSE.sub(fence, text)
        text = _REF_LINK.sub(link_text, text)
        text = _SHORTCODE.sub(drop, text)
        for number, literal in enumerate(literals):
            text = text.replace(_LITERAL.format(number), literal)
    return text, Removed(erb_count, shortcodes)


def strip_sop(doc: SopDocument, title: str) -> tuple[str, Removed]:
    """The SOP's text without template code: ERB counts as code in an ERB file only."""
    return strip(doc.text, title, erb=doc.path.name.endswith(".erb"))
