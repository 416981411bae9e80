"""The page policy (sopdocs.site.csp) finds the theme's inline scripts with literal
searches where a page is ASCII: it must give exactly what the plain regexes give, on
every built page and on random HTML-like text (mixed case, nesting, unclosed elements,
non-ASCII characters that change length in lower case)."""

from __future__ import annotations

import base64
import hashlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdocs.site import csp


def _reference(page_html: str) -> str:
    """add_policy as it was: one regex scan per element kind (the reference)."""
    spans = []
    for match in re.finditer(r"<article\b", page_html, re.IGNORECASE):
        if spans and match.start() < spans[-1][1]:
            continue
        close = re.compile(r"</article\s*>", re.IGNORECASE).search(page_html, match.end())
        spans.append((match.start(), close.end() if close else len(page_html)))
    hashes = []
    for match in csp._INLINE_SCRIPT.finditer(page_html):
        attributes, body = match.group(1), match.group(2)
        if any(t in attributes.lower() for t in csp._DATA_TYPES) or any(s <= match.start() < e for s, e in spans):
            continue
        hashes.append(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'")
    policy = "; ".join([csp.BASE_POLICY[0], " ".join(["script-src 'self' 'wasm-unsafe-eval'", *sorted(set(hashes))]), *csp.BASE_POLICY[1:]])
    head = re.search(r"<head\b[^>]*>", page_html, re.IGNORECASE)
    if head is None:
        return page_html
    return page_html[: head.end()] + f'<meta http-equiv="Content-Security-Policy" content="{policy}">' + page_html[head.end() :]


PAGE = """<!doctype html><html><HEAD lang="en"><script>var a = 1;</script></head><body>
<Script type="application/json">{"x": 1}</Script><script src="x.js"></script>
<article class="md-content"><script>alert(1)</script><ARTICLE>inner</article></article >
<script>
  theme();
</SCRIPT><article>unclosed <script>b()</script>"""


def test_a_theme_page():
    assert csp.add_policy(PAGE) == _reference(PAGE)
    assert csp.add_policy(PAGE).count("'sha256-") == 2  # the head's and the last one outside <article>


def test_a_non_ascii_page_reads_the_same():
    page = PAGE.replace("var a", "var İ") + "<script>K</script>"
    assert csp.add_policy(page) == _reference(page)


_PIECES = ["<script>", "<SCRIPT ", "<script src=x>", "</script>", "</Script >", "<article>", "<ARTICLE class=a>", "</article>",
           "</article >", "<articles>", "<head>", "<HEAD x>", "<header>", "<head", ">", "type=application/json ", "a", " ",
           "\n", "İ", "ſ", "K", "é", "<", "/"]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_random_pages(pieces):
    page = "".join(pieces)
    assert csp.add_policy(page) == _reference(page)
