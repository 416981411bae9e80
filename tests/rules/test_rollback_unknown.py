"""SOP202 rollback-unknown: `rollback: {sop: <id>}` must name an SOP in the catalog."""

from helpers import MINIMAL

RULE = "rollback-unknown"
ROLLBACK = "rollback:\n  - Start the previous release again.\n"
UNDO = MINIMAL.replace("id: restart-api", "id: restart-api-undo")


def referring(target: str) -> str:
    return MINIMAL.replace(ROLLBACK, f"rollback: {{sop: {target}}}\n")


def test_known_rollback_sop(lint_all):
    assert lint_all({"restart-api.md": referring("restart-api-undo"), "restart-api-undo.md": UNDO}) == []


def test_block_mapping_reference_points_at_the_sop_key(lint_all):
    text = MINIMAL.replace(ROLLBACK, "rollback:\n  sop: restart-api-und\n")
    findings = lint_all({"restart-api.md": text, "restart-api-undo.md": UNDO})
    assert findings == [("restart-api.md", 9, 3, RULE)]


def test_unknown_rollback_sop_gets_a_suggestion(lint_findings):
    findings = lint_findings(None, files={"restart-api.md": referring("restart-api-undoo"), "restart-api-undo.md": UNDO})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("restart-api.md", 8, 12, RULE)]
    assert "did you mean `restart-api-undo`?" in findings[0].message


def test_rollback_naming_itself(lint_findings):
    findings = lint_findings(None, files={"restart-api.md": referring("restart-api"), "other.md": UNDO})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("restart-api.md", 8, 12, RULE)]
    assert "itself" in findings[0].message


def test_not_checked_without_catalog_checks(lint_all):
    assert lint_all({"restart-api.md": referring("nowhere"), "other.md": UNDO}, catalog_checks=False) == []
