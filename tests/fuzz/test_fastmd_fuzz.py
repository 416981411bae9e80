"""Random Markdown-ish text: the fast body parse (sopdocs/core/fastmd.py) and
markdown-it-py give the same model, whether the fast parse handles the text or hands it
to markdown-it-py. Lines are built from the pieces that decide block structure: list
markers (nested, loose, tight, empty), fences (backticks, tildes, indented, unclosed, with
attributes), block quotes, HTML blocks, ATX and setext headings, thematic breaks, link
reference definitions, tabs, CRLF and lone CR line ends."""

from __future__ import annotations

import warnings
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import TRICKY, bodies, sop_files

from sopdocs.core import fastmd, parser
from sopdocs.core.model import SopDocument

indents = st.sampled_from(["", "", "", " ", "  ", "   ", "    ", "     ", "      ", "\t", " \t"])
markers = st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "10. ", "1.  ", "-     ", "-", "1.", "> ", ">", "> - ", "- > ", "1. - "])
heading = st.sampled_from(["# ", "## ", "### ", "#", "  ## ", "####### ", "## Steps ##", "# Title #  ", "## steps"])
fences = st.sampled_from(["```", "```bash", "```bash verify id=x timeout=5m", "~~~ sh confirm", "````", "``` bash `x`", "~~~", "```\\_x"])
words = st.sampled_from([
    "Steps", "text", "Run it.", "[a](b.md)", "[a](b.md#x)", "[a](https://Example.com/p?q=1&r=2)", "[a](<c d.md>)",
    '[a](b.md "t")', "[r]", "[R][]", "[x][r]", "<https://x.org/a>", "<ops@example.com>", "![i](p.png)",
    "![a [l](l.md)](p.png)", "`code [x](y.md)`", "*em*", "**[s](s.md)**", "<span>", "<div>", "</div>", "<!--", "-->",
    "&amp;", "\\[", "[", "](", ")", "===", "---", "***", "___", "|", "é", "🙂", "\u00a0", "  ", "TODO(sopdocs)",
])
underline = st.sampled_from(["===", "---", "  ---", "- - -", "=", "***"])
refdef = st.sampled_from(["[r]: r.md", "[R]: <r x.md>", "[r]:\n  r.md 'title'", "[x]: a&amp;b.md", "[r]: \\_r.md"])


@st.composite
def line(draw) -> str:
    kind = draw(st.sampled_from(["text", "text", "item", "item", "fence", "heading", "blank", "blank", "underline", "refdef", "html"]))
    indent = draw(indents)
    if kind == "blank":
        return draw(st.sampled_from(["", "", "  ", "   ", "       "]))
    if kind == "refdef":
        return indent + draw(refdef)
    if kind == "html":
        return indent + draw(st.sampled_from(["<div>", "</div>", "<!-- c -->", "<pre>", "</pre>", "<custom-tag>", "<?x?>"]))
    text = " ".join(draw(st.lists(words, min_size=0, max_size=4)))
    if kind == "item":
        return indent + "".join(draw(st.lists(markers, min_size=1, max_size=2))) + text
    if kind == "fence":
        return indent + draw(fences)
    if kind == "heading":
        return indent + draw(heading) + text
    if kind == "underline":
        return indent + draw(underline)
    return indent + text


markdownish = st.tuples(st.lists(line(), max_size=25), st.sampled_from(["\n", "\n", "\r\n", "\r"])).map(lambda t: t[1].join(t[0]))


def parts(text: str, fast: bool) -> tuple:
    saved = parser.FAST_BODY
    parser.FAST_BODY = fast
    try:
        doc = parser.parse_bytes(("---\nid: a\n---\n" + text).encode("utf-8", "surrogatepass"),
                                 SopDocument(path=Path("x.md"), display_path="x.md"))
    finally:
        parser.FAST_BODY = saved
    return doc.sections, doc.steps, doc.links, doc.title_heading


@settings(max_examples=600)
@given(text=markdownish)
def test_fast_parse_matches_markdown_it(text):
    assert parts(text, True) == parts(text, False)


@given(text=st.one_of(bodies, st.lists(st.sampled_from(TRICKY + ["\n", "\n- ", "\n1. ", "\n```\n", "\n> "]), max_size=30).map("".join)))
def test_fast_parse_matches_markdown_it_on_the_fuzz_bodies(text):
    assert parts(text, True) == parts(text, False)


@given(data=sop_files())
def test_fast_parse_matches_markdown_it_on_whole_files(data):
    def whole(fast):
        saved = parser.FAST_BODY
        parser.FAST_BODY = fast
        try:
            doc = parser.parse_bytes(data, SopDocument(path=Path("x.md"), display_path="x.md"))
        finally:
            parser.FAST_BODY = saved
        return doc.sections, doc.steps, doc.links, doc.title_heading, doc.problems

    assert whole(True) == whole(False)


def test_the_generator_reaches_the_fast_path():
    """Most generated texts must go the fast way, or the tests above compare markdown-it-py with itself."""
    fast = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        samples = [markdownish.example() for _ in range(200)]
    for text in samples:
        body = text.replace("\r\n", "\n").replace("\r", "\n")
        fast += fastmd.tokens(body) is not None
    assert fast > 40, fast
