"""SOP001 file-unreadable: binary content, bytes that are not UTF-8, oversized files."""

from helpers import MINIMAL

RULE = "file-unreadable"


def test_utf8_file_is_readable(lint_text):
    assert lint_text(MINIMAL.replace("Restart the API pods.", "Redémarrer les pods — vite.")) == []


def test_latin1_byte_points_at_the_byte(lint_text):
    # Line 16 is "1. Restart the API pods."; the 0xe9 replaces the "e" of "the" (column 15).
    data = MINIMAL.encode().replace(b"1. Restart the API", b"1. Restart th\xe9 API")
    assert lint_text(data) == [(16, 14, RULE)]


def test_latin1_byte_in_front_matter_stops_all_other_checks(lint_text):
    data = MINIMAL.encode().replace(b"owner: team-sre", b"owner: caf\xe9")
    assert lint_text(data) == [(4, 11, RULE)]


def test_nul_byte_means_binary(lint_text):
    # A PNG header: the first NUL is the first byte of line 3.
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert lint_text(data) == [(3, 1, RULE)]
    assert lint_text(MINIMAL.encode().replace(b"id: restart-api", b"id: rest\x00art-api")) == [(2, 9, RULE)]


def test_file_over_the_size_limit(lint_text):
    text = MINIMAL + "Filler line for a file that grew too large.\n" * 40
    assert len(text.encode()) > 1024
    assert lint_text(text, config={"max_file_size": 1024}) == [(1, 1, RULE)]
    assert lint_text(text, config={"max_file_size": 4096}) == []


def test_size_limit_message_names_the_limit(lint_findings):
    findings = lint_findings(MINIMAL * 4, config={"max_file_size": 1024})
    assert [f.rule for f in findings] == [RULE]
    assert "1,024" in findings[0].message and "max_file_size" in findings[0].message
