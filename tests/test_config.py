"""Configuration: validation, rule settings by id or code, defaults from rule modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import MINIMAL

from sopdocs.core.config import ConfigError, config_from_dict, load_config
from sopdocs.lint.engine import severity_of
from sopdocs.lint.rules import RULES


def test_defaults(tmp_path):
    config = load_config(cwd=tmp_path)
    assert (config.paths, config.review_in, config.due_soon_days, config.owners) == (["content"], "6 months", 30, None)
    assert config.root == tmp_path
    assert config.source is None


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ({"review-due-soon": "error"}, {"review-due-soon": {"severity": "error"}}),
        ({"SOP302": "off"}, {"review-due-soon": {"severity": "off"}}),
        ({"sop302": False}, {"review-due-soon": {"severity": "off"}}),
        ({"review-due-soon": {"days": 7}}, {"review-due-soon": {"days": 7}}),
    ],
)
def test_rules_by_id_or_code(setting, expected):
    assert config_from_dict({"rules": setting}).rules == expected


def test_severity_falls_back_to_the_rule_default():
    config = config_from_dict({"rules": {"review-due-soon": {"days": 7}}})
    assert severity_of(RULES["review-due-soon"], config) == "warning"
    assert severity_of(RULES["review-overdue"], config) == "error"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": {"rollback-mising": "off"}}, "unknown rule `rollback-mising`; did you mean `rollback-missing`?"),
        ({"rules": {"review-due-soon": "loud"}}, "invalid setting at rules.review-due-soon"),
        ({"due_soon_days": -1}, "invalid setting at due_soon_days"),
        ({"review_in": "half a year"}, "invalid setting at review_in"),
        ({"max_file_size": 10}, "invalid setting at max_file_size"),
        ({"owner": ["team-sre"]}, "invalid setting at top level"),
        (["not", "a", "mapping"], "invalid setting at top level"),
    ],
)
def test_invalid_settings(data, message):
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, Path("/project/sopdocs.yml"))
    assert str(info.value).startswith("/project/sopdocs.yml: ")
    assert message in str(info.value)


def test_yaml_config_file_root_is_its_directory(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [runbooks]\nowners: [team-sre]\n", encoding="utf-8")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    config = load_config(cwd=tmp_path / "deep" / "er")
    assert (config.source, config.root, config.paths, config.owners) == (
        tmp_path / "sopdocs.yml",
        tmp_path,
        ["runbooks"],
        ["team-sre"],
    )


def test_empty_yaml_config_is_the_defaults(tmp_path):
    (tmp_path / ".sopdocs.yml").write_text("# nothing yet\n", encoding="utf-8")
    config = load_config(cwd=tmp_path)
    assert config.source == tmp_path / ".sopdocs.yml"
    assert config.paths == ["content"]


def test_config_drives_the_lint(lint_text):
    overdue = MINIMAL.replace("2026-10-01", "2026-01-10")
    assert lint_text(overdue) == [(5, 1, "review-overdue")]
    assert lint_text(overdue, config={"rules": {"review-overdue": "warning"}}) == [(5, 1, "review-overdue")]
    assert lint_text(overdue, config={"review_in": "1 year"}) == []
    assert lint_text(overdue, config={"exclude": ["sop.md"]}) == []
