"""SOP502 related-unknown: `related` names an id that no SOP has."""

from helpers import MINIMAL

RULE = "related-unknown"
OTHER = MINIMAL.replace("id: restart-api", "id: scale-api")


def related(line: str) -> str:
    return MINIMAL.replace("owner: team-sre\n", f"owner: team-sre\n{line}")


def test_known_ids(lint_all):
    assert lint_all({"a.md": related("related: [scale-api]\n"), "b.md": OTHER}) == []


def test_unknown_id_in_a_flow_list_points_at_the_item(lint_findings):
    findings = lint_findings(None, files={"a.md": related("related: [scale-api, scale-apl, db-failover]\n"), "b.md": OTHER})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("a.md", 5, 22, RULE), ("a.md", 5, 33, RULE)]
    assert "did you mean `scale-api`?" in findings[0].message
    assert "remove it or fix the id" in findings[1].message


def test_unknown_id_in_a_block_list(lint_all):
    files = {"a.md": related("related:\n  - scale-api\n  - nowhere\n"), "b.md": OTHER}
    assert lint_all(files) == [("a.md", 7, 5, RULE)]


def test_sop_outside_the_named_files_is_known(tmp_path):
    """Linting one file still resolves ids against the configured catalog paths."""
    import datetime as dt

    from sopdocs.core.config import config_from_dict
    from sopdocs.lint.files import lint_paths

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(related("related: [scale-api]\n"))
    (tmp_path / "content" / "b.md").write_text(OTHER)
    config = config_from_dict({"paths": ["content"]}, root=tmp_path)
    result = lint_paths(["content/a.md"], config, dt.date(2026, 11, 26), cwd=tmp_path)
    assert result.files == ["content/a.md"]
    assert result.findings == []
