"""Crashes and wrong positions found by the fuzzers, kept as plain tests."""

from __future__ import annotations

from helpers import FRONT, MINIMAL


def test_lone_carriage_returns_end_lines(lint_text):
    """Found by Hypothesis: a file with CR line endings (classic Mac) crashed the step
    parser (IndexError): Markdown counted CR as a line break, sopdocs did not."""
    text = MINIMAL.replace("```bash\n", "```bash confrim\n").replace("\n", "\r")
    assert lint_text(text) == [(18, 1, "step-attribute-invalid")]


def test_mixed_line_endings(lint_text):
    text = MINIMAL.replace("```bash\n", "```bash confrim\n")
    head, tail = text.split("## Steps")
    assert lint_text(head.replace("\n", "\r\n") + "## Steps" + tail.replace("\n", "\r")) == [(18, 1, "step-attribute-invalid")]


def test_unicode_line_separators_do_not_move_front_matter_positions(lint_text):
    """Found by Hypothesis: YAML breaks lines at U+2028, U+2029 and U+0085, the file (and
    Markdown) does not; positions after such a character pointed past the real line."""
    front = FRONT.replace("title: Restart the API", 'title: "Restart\u2028the\u2029API\x85now"')
    text = front.replace("owner: team-sre", "owner: [team-sre]") + MINIMAL[len(FRONT):]
    assert lint_text(text) == [(4, 1, "field-type")]


def test_tab_is_still_named_after_a_line_separator(lint_text):
    front = FRONT.replace("title: Restart the API", 'title: "a\u2028b"\n\tbad: 1')
    problems = lint_text(front + MINIMAL[len(FRONT):])
    assert [p[2] for p in problems] == ["yaml-syntax"]
    assert problems[0][0] == 4


def test_nul_byte_position_counts_characters(lint_text):
    """Found by Hypothesis: the column of a NUL byte counted bytes, every other column
    counts characters."""
    assert lint_text("\u0800\x00".encode()) == [(1, 2, "file-unreadable")]
    assert lint_text(b"\xef\xbb\xbfab\r\rc\x00") == [(3, 2, "file-unreadable")]
    assert lint_text(b"\xc3\xa9\xc3\xa9\xff") == [(1, 3, "file-unreadable")]
