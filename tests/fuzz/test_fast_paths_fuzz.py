"""The speed-ups change nothing: jsonschema-rs never calls valid what jsonschema calls
invalid; the parser's links-only inline pass finds what a full Markdown parse finds;
the credential rule's substring pre-filter reports what the plain pattern loop does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from strategies import TRICKY, anything, bodies, dump, mutated_meta, sop_files, valid_meta, with_front_matter

from sopdocs.core import parser, schema
from sopdocs.core.model import Position, SopDocument
from sopdocs.lint import rules
from sopdocs.lint.rules import credential_in_command
from sopdocs.lint.rules._common import iter_commands, source_line


def python_issues(meta):
    return [issue for error in schema.validator().iter_errors(meta) for issue in rules.translate(error)]


@given(meta=st.one_of(valid_meta, mutated_meta(), st.dictionaries(st.text(max_size=5), anything, max_size=4)))
def test_schema_fast_path_agrees_with_jsonschema(meta):
    fast = schema.fast_validator()
    assert fast is not None, "jsonschema-rs is a dependency"
    python_valid = not python_issues(meta) and not any(True for _ in schema.validator().iter_errors(meta))
    try:
        rs_valid = fast.is_valid(meta)
    except Exception:  # noqa: BLE001 - schema.check falls back to jsonschema
        rs_valid = False
    if rs_valid:
        assert python_valid, meta
    assert rules.front_matter_issues(meta) == python_issues(meta)


@given(day=st.text(alphabet="0123456789-", min_size=8, max_size=12) | st.dates().map(str))
def test_date_format_is_jsonschemas(day):
    meta = {"id": "a", "title": "t", "owner": "o", "preconditions": ["p"], "rollback": ["r"], "last_reviewed": day}
    assert rules.front_matter_issues(meta) == python_issues(meta)


def test_impossible_dates_stay_invalid():
    for day in ("2026-02-30", "0000-01-01", "2026-13-01", "2025-02-29"):
        meta = {"id": "a", "title": "t", "owner": "o", "preconditions": ["p"], "rollback": ["r"], "last_reviewed": day}
        assert [i.rule for i in rules.front_matter_issues(meta)] == ["field-value"], day


def _parse(data: bytes, markdown) -> SopDocument:
    saved = parser._markdown
    parser._markdown = markdown
    try:
        return parser.parse_bytes(data, SopDocument(path=parser.Path("x.md"), display_path="x.md"))
    finally:
        parser._markdown = saved


STOCK = MarkdownIt("commonmark")


@given(data=st.one_of(sop_files(), bodies.map(lambda b: b.encode("utf-8"))))
def test_links_only_inline_pass_matches_a_full_parse(data):
    fast = _parse(data, parser._md())
    full = _parse(data, STOCK)
    assert fast.links == full.links
    assert fast.steps == full.steps
    assert fast.sections == full.sections
    assert fast.title_heading == full.title_heading


secretish = st.sampled_from([
    "AKIA" + "Q7ZL3MX9PB2KD4WN", "-----BEGIN RSA PRIVATE KEY-----", "ghp_" + "aB3" * 12, "glpat-" + "b7Kx" * 5,
    "xoxb-" + "1234-5678-9a", "Authorization: Bearer " + "c9F2" * 5, "https://user:pa55word@db.example.com",
    "password=hunter22", "--token abcdefgh", "API_KEY: 'zq8v7w6u'", "$DB_PASSWORD", "GH_", "Token", "api", "://", "@",
    # placeholders, which the rule passes over
    "AKIA" + "X" * 16, "token=XXXXXXXX", "password=<your-password>", "--token changeme",
])
command_text = st.lists(st.one_of(secretish, st.sampled_from(TRICKY), st.text(max_size=10)), max_size=6).map("".join)


def reference_credentials(doc):
    """The rule without its pre-filter."""
    for command in iter_commands(doc):
        for offset, text in enumerate(command.code.split("\n")):
            for label, pattern in credential_in_command.PATTERNS:
                match = credential_in_command.find(pattern, text)
                if not match:
                    continue
                line = command.line + offset
                column = source_line(doc, line).find(match.group(0)) + 1 or command.column
                yield Position(line, column), label
                break


@given(meta=valid_meta, lines=st.lists(command_text, min_size=1, max_size=3))
def test_credential_prefilter_changes_nothing(meta, lines):
    assert len(credential_in_command._NEEDS) == len(credential_in_command.PATTERNS)
    code = "\n".join(f"   {line}" for line in " ".join(lines).split("\n"))
    text = with_front_matter(dump(meta), f"# T\n\n## Steps\n\n1. Run.\n\n   ```bash\n{code}\n   ```\n")
    doc = parser.parse_bytes(text.encode("utf-8", "surrogatepass"), SopDocument(path=parser.Path("x.md"), display_path="x.md"))
    found = [(position, message) for position, message in credential_in_command.check(doc, {}, None)]
    expected = list(reference_credentials(doc))
    assert [p for p, _ in found] == [p for p, _ in expected]
    assert all(label in message for (_, message), (_, label) in zip(found, expected))
