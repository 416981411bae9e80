"""A search record's text comes from pulldown-cmark (pyromark) where it reads Markdown
as markdown-it-py does, and from markdown-it-py elsewhere: the text must be the same as
markdown-it-py's, byte for byte, for every file we can find and for random Markdown."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopdocs.site import search
from tests.helpers import CORPORA, REPO, require_shared

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402

_H1 = re.compile(r"^# +(.+?) *$", re.MULTILINE)


def _sources(root: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted(root.rglob("*.md")):
        try:
            text = path.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        out.append((str(path.relative_to(root)), text))
    return out


def _same(name: str, text: str) -> None:
    heading = _H1.search(text)
    for title in (None, heading.group(1) if heading else "Not the title"):
        expected = search._plain_text_markdown_it(text, title)
        assert search._plain_text(text, title) == expected, (name, title)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[tuple[str, str]]:
    out = []
    for seed in (3, 11):
        root = tmp_path_factory.mktemp(f"generated-{seed}")
        generate.generate(150, root, seed=seed)
        out += _sources(root)
    return out


def test_the_corpora_read_the_same():
    files = _sources(require_shared(CORPORA))
    assert len(files) > 800
    for name, text in files:
        _same(name, text)


def test_content_fixtures_and_generated_catalogs_read_the_same_without_falling_back(generated):
    files = _sources(REPO / "content") + _sources(REPO / "tests" / "fixtures") + generated
    assert len(files) > 300
    for name, text in files:
        _same(name, text)
    # The fast reader is what reads sopdocs' own SOPs (else this change bought nothing).
    fast = [name for name, text in _sources(REPO / "content") + generated if _events_or_none(text) is not None]
    assert len(fast) == len(_sources(REPO / "content")) + len(generated)


def _events_or_none(text: str) -> str | None:
    try:
        return search._plain_text_events(text, None)
    except search._Fallback:
        return None


@pytest.mark.parametrize(
    "source",
    [
        "<div>\nraw *html*\n</div>\n",  # an HTML block: markdown-it-py (html off) reads text
        "Call <b>now</b> please\n",  # inline HTML
        "See <https://example.com/a%20b> and <ops@example.com>\n",  # autolinks: normalised URL text
        "![alt *x*](i.png)\n",  # markdown-it-py keeps the alt text as written
        "- a\n\tindented\tcode\n",  # tabs
        "line one\r\nline two\r\n",  # CRLF
        "- <\\\n\u00a0x\n",  # a no-break space
        "[ref]: /u\n-\n",  # a link reference definition
        "- [ref]: /u\n       &#35;`\n",  # one inside a list item
        "|-(~~~ *## \n---\n",  # a table, or not
        "> ```sh\n    >\n",  # an indented `>` after a block quote
        ">> _x```sh confirm\n    ~~~> \n",  # a block quote's lazy lines
        "-    - _x\n    ## ]\n",  # a list marker followed by more than one space
        "   2) Title```sh confirm\n    ##  ```sh confirm\n",  # an indented `#`
    ],
)
def test_where_the_two_differ_the_reference_reads_it(source):
    assert search._risky(source) or _events_or_none(source) is None
    assert search._plain_text(source) == search._plain_text_markdown_it(source)


_PIECES = [
    "# ", "## ", "Title", "text", " ", "  ", "\n", "\n\n", "- ", "* ", "+ ", "1. ", "2) ", "   ", "    ",
    "> ", "```", "~~~", "```sh confirm\n", "`", "``", "*", "**", "_", "__", "[", "]", "(", ")", "[a](b)",
    "![alt *x*](i.png)", "[ref]", "[ref]: /u\n", "\\", "\\*", "&amp;", "&#35;", "&nbsp;", "&bogus;", "|", "| a | b |\n|---|---|\n",
    "---", "===", "\n---\n", "<", ">", "<b>", "<!-- c -->", "<https://x.y/%41>", "$HOME", "{{ x }}", "~~s~~", "é", "\u00a0",
    "\t", "\r\n", ":", "=", "-",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.sampled_from([None, "Title", "text"]))
def test_random_markdown_reads_the_same(pieces, title):
    source = "".join(pieces)
    assert search._plain_text(source, title) == search._plain_text_markdown_it(source, title)


# sopdocs.site.search._risky as one pattern: what it must answer (the same constructs,
# tried at every position).
RISKY = re.compile(r"[^\S \n]|\x00|^ {4,}[>#]|^ *(?:[-*+]|\d{1,9}[.)]) {2,}|\]:|\|.*\n[ |:-]*-[ |:-]*$", re.MULTILINE)

_RISKY_PIECES = [*_PIECES, "\x00", "\x0b", "\x0c", "\x1c", "\x1f", "\u2028", "\u3000", "\x85", "9", "1234567890", ". ", ") ", "#", "]:", "\n    >"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_RISKY_PIECES), max_size=40))
def test_the_fast_risk_check_is_the_single_pattern(pieces):
    source = "".join(pieces)
    assert search._risky(source) == bool(RISKY.search(source)), source


def test_the_fast_risk_check_on_every_file(generated):
    files = _sources(REPO / "content") + _sources(REPO / "tests" / "fixtures") + generated
    for name, text in files:
        assert search._risky(text) == bool(RISKY.search(text)), name
