"""Owner and escalation contacts as links a responder can follow from the SOP page.

An escalation entry is whatever the team wrote: `#platform-oncall`, `pagerduty:sre-primary`,
`email:ciso@example.com`, `ana@example.com`, `tel:+4930123456`, a URL. Some are links by
themselves (URLs, e-mail addresses, phone numbers); the others become links through the
site's `contact_links` patterns (the plugin's option in mkdocs.yml), a prefix mapped to a
URL template, e.g. ``"#": "https://acme.slack.com/app_redirect?channel={}"``. Anything else
stays text. Only http(s), mailto and tel links are ever made.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sopdocs.errors import ConfigError
from sopdocs.site.html import attr, esc

SCHEMES = ("https://", "http://", "mailto:", "tel:")
_EMAIL = re.compile(r"^[^@\s<>\"'`]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s<>\"'`]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,}$")


class ContactLinksError(ConfigError):
    """A `contact_links` setting that cannot be used; the message says which and why."""


def check_patterns(patterns: object) -> dict[str, str]:
    """The `contact_links` option, checked: a mapping of prefix to a URL template with
    `{}` (the rest of the entry goes there) and a safe scheme."""
    if patterns is None:
        return {}
    if not isinstance(patterns, dict):
        raise ContactLinksError("`contact_links` must map a prefix to a URL template, e.g. '#': 'https://acme.slack.com/app_redirect?channel={}'")
    checked = {}
    for prefix, template in patterns.items():
        if not isinstance(prefix, str) or not prefix:
            raise ContactLinksError(f"`contact_links`: the prefix {prefix!r} must be a non-empty string")
        if not isinstance(template, str) or "{}" not in template or not template.startswith(SCHEMES):
            raise ContactLinksError(
                f"`contact_links`: the template for `{prefix}` must start with https://, http://, mailto: or tel: "
                f"and hold `{{}}` where the rest of the entry goes (got {template!r})"
            )
        checked[prefix] = template
    return checked


def contact_url(value: str, patterns: dict[str, str]) -> str | None:
    """Where ``value`` (an owner or escalation entry) links to, or None."""
    value = value.strip()
    for prefix in sorted(patterns, key=len, reverse=True):  # the longest prefix wins
        rest = value[len(prefix) :]
        if value.startswith(prefix) and rest.strip():
            return patterns[prefix].replace("{}", quote(rest.strip(), safe="@.-_~+"))
    lower = value.lower()
    if lower.startswith(("email:", "mailto:")):
        address = value.split(":", 1)[1].strip()
        return f"mailto:{quote(address, safe='@.-_~+')}" if _EMAIL.match(address) else None
    if _EMAIL.match(value):
        return f"mailto:{quote(value, safe='@.-_~+')}"
    if _URL.match(value):
        return value
    if lower.startswith("tel:"):
        number = value[4:].strip()
        return "tel:" + re.sub(r"[^0-9+]", "", number) if _PHONE.match(number) else None
    return None


def contact_html(value: str, patterns: dict[str, str]) -> str:
    """An entry as a link where it is linkable (see :func:`contact_url`), else as text."""
    url = contact_url(value, patterns)
    if url is None:
        return f'<span class="sop-contact">{esc(value)}</span>'
    return f'<a class="sop-contact" href="{attr(url)}">{esc(value)}</a>'
