"""The fast body parse (sopdocs/core/fastmd.py, pulldown-cmark) gives the model exactly
what markdown-it-py gives: sections, steps, commands (code blocks and their info-string
attributes), links, list items, the title heading, and every line number. Compared file
by file over the real handbooks in ../shared/corpora, content/, every Markdown file of the
tests, and generated catalogs of several seeds; random Markdown is in
tests/fuzz/test_fastmd_fuzz.py. Where the fast parse cannot be sure, it hands the file to
markdown-it-py: those decisions are tested here too."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import CORPORA, REPO, TESTS, require_shared

from sopdocs.core import fastmd, parser
from sopdocs.core.model import SopDocument

sys.path.insert(0, str(REPO / "bench"))

import generate  # noqa: E402


def model(data: bytes, fast: bool) -> SopDocument:
    saved = parser.FAST_BODY
    parser.FAST_BODY = fast
    try:
        return parser.parse_bytes(data, SopDocument(path=Path("x.md"), display_path="x.md"))
    finally:
        parser.FAST_BODY = saved


def parts(doc: SopDocument) -> dict:
    return {"sections": doc.sections, "steps": doc.steps, "links": doc.links, "title_heading": doc.title_heading,
            "problems": doc.problems, "body_line": doc.body_line}


def body_of(data: bytes) -> str | None:
    doc = model(data, False)
    if doc.text is None or not doc.body_line:
        return None
    return "\n".join(doc.text.split("\n")[doc.body_line - 1 :])


def compare(files: list[Path]) -> tuple[list[str], int]:
    """Files whose models differ (with the first difference), and how many went the fast way."""
    differ, fast_count = [], 0
    for path in files:
        data = path.read_bytes()
        fast, slow = parts(model(data, True)), parts(model(data, False))
        if fast != slow:
            key = next(k for k in fast if fast[k] != slow[k])
            differ.append(f"{path}: {key}")
        body = body_of(data)
        if body is not None and fastmd.tokens(body) is not None:
            fast_count += 1
    return differ, fast_count


def markdown_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(root).parts))


def test_pyromark_is_installed():
    assert fastmd.available(), "pyromark is a dependency (pyproject.toml): pip install pyromark"


def test_corpora_parse_the_same():
    require_shared(CORPORA)
    files = markdown_files(CORPORA)
    assert len(files) > 500
    differ, fast_count = compare(files)
    assert differ == []
    # The fast way must be the usual one, or this test compares markdown-it-py with itself.
    assert fast_count > 0.9 * len(files), (fast_count, len(files))


def test_content_and_test_files_parse_the_same():
    files = markdown_files(REPO / "content") + markdown_files(TESTS)
    assert len(files) > 20
    differ, fast_count = compare(files)
    assert differ == []
    assert fast_count > 0.8 * len(files)


@pytest.mark.parametrize("seed", [1, 2, 3, 11])
def test_generated_catalogs_parse_the_same(tmp_path, seed):
    files = generate.generate(150, tmp_path / "sops", seed=seed)
    differ, fast_count = compare(files)
    assert differ == []
    assert fast_count == len(files)  # generated SOPs never need markdown-it-py


# --- when the fast parse steps aside -----------------------------------------------------

SOP = "# Title\n\n## Steps\n\n1. First.\n\n   ```bash timeout=5m\n   echo ok\n   ```\n\n2. Second [see](other.md).\n"


@pytest.mark.parametrize(
    "body",
    [
        SOP.replace("echo ok", "echo\tok"),  # a tab: column arithmetic markdown-it-py does its own way
        SOP.replace("[see](other.md)", '[see](other.md "a title")'),  # a link title
        SOP.replace("[see](other.md)", "[see](<other.md>)"),  # angle brackets
        SOP.replace("[see](other.md)", r"[see](oth\_er.md)"),  # an escape in the destination
        SOP.replace("[see](other.md)", "[see][r]\n\n[r]: a&amp;b.md"),  # an entity in a reference's destination
        SOP.replace("[see](other.md)", "![a [see](other.md)](i.png)"),  # a link inside an image
        SOP.replace("[see](other.md)", "[see](javascript:alert(1))"),  # markdown-it-py rejects the destination
        SOP.replace("2. Second", "2.\n\n   Second"),  # an item whose first line is empty
        SOP + "\n" + "".join("  " * depth + "- level\n" for depth in range(8)),  # deep nesting
        SOP.replace("[see](other.md)", "[see][ÄÖ]\n\n[äö]: x.md"),  # a non-ASCII reference label
    ],
)
def test_unsure_constructs_go_to_markdown_it(body):
    assert fastmd.tokens(body) is None
    data = f"---\nid: a\n---\n{body}".encode()
    assert parts(model(data, True)) == parts(model(data, False))


@pytest.mark.parametrize(
    "body",
    [
        SOP,
        SOP.replace("[see](other.md)", "[see](https://Example.com/a b)"),  # not a link: text
        SOP.replace("[see](other.md)", "[see](https://Example.COM/ü)"),  # normalized as markdown-it-py does
        SOP.replace("[see](other.md)", "<https://example.com/x> and <ops@example.com>"),  # autolinks
        SOP.replace("[see](other.md)", "[see][Ref]\n\n[ref]: other.md"),  # a reference
        SOP + "\n> quoted [link](q.md)\n>\n> ```bash\n> echo quoted\n> ```\n",  # a block quote
        SOP + "\n<div>\n## not a heading\n</div>\n",  # an HTML block
        "Title\n=====\n\nSteps\n-----\n\n1. One\n   more\n2. Two\n",  # setext headings
        SOP.replace("\n", "\r\n"),
    ],
)
def test_ordinary_constructs_stay_fast(body):
    data = f"---\nid: a\n---\n{body}".encode()
    text = model(data, False).text
    assert fastmd.tokens("\n".join(text.split("\n")[3:])) is not None
    assert parts(model(data, True)) == parts(model(data, False))


def test_without_pyromark_markdown_it_does_it_all(monkeypatch):
    monkeypatch.setattr(fastmd, "pyromark", None)
    assert fastmd.tokens(SOP) is None
    data = f"---\nid: a\n---\n{SOP}".encode()
    assert parts(model(data, True)) == parts(model(data, False))
    assert model(data, True).steps[0].commands[0].attributes == {"timeout": "5m"}
