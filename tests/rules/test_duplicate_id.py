"""SOP501 duplicate-id: two SOPs share an id; the later path is reported."""

from helpers import MINIMAL

RULE = "duplicate-id"
OTHER = MINIMAL.replace("id: restart-api", "id: restart-api-v2")


def test_unique_ids(lint_all):
    assert lint_all({"a.md": MINIMAL, "b.md": OTHER}) == []


def test_second_file_by_path_is_reported(lint_findings):
    findings = lint_findings(None, files={"b.md": MINIMAL, "a.md": MINIMAL, "c.md": OTHER})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("b.md", 2, 1, RULE)]
    assert "already used by a.md" in findings[0].message


def test_three_copies(lint_all):
    files = {"a.md": MINIMAL, "sub/b.md": MINIMAL, "sub/c.md": "\n".join(["---", "# a comment", *MINIMAL.split("\n")[1:]])}
    assert lint_all(files) == [("sub/b.md", 2, 1, RULE), ("sub/c.md", 3, 1, RULE)]


def test_not_checked_without_catalog_checks(lint_all):
    assert lint_all({"a.md": MINIMAL, "b.md": MINIMAL}, catalog_checks=False) == []
