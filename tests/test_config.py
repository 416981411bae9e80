"""Configuration: validation, rule settings by id or code, defaults from rule modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import MINIMAL

from sopdocs.core.config import ConfigError, config_from_dict, load_config
from sopdocs.lint import rules


def test_defaults(tmp_path):
    config = load_config(cwd=tmp_path)
    assert (config.paths, config.review_in, config.due_soon_days, config.owners) == (["content"], "6 months", 30, None)
    assert config.root == tmp_path
    assert config.source is None


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ({"review-due-soon": "error"}, rules.Setting("error", {})),
        ({"SOP302": "off"}, rules.Setting("off", {})),
        ({"sop302": False}, rules.Setting("off", {})),
        ({"review-due-soon": {"days": 7}}, rules.Setting("warning", {"days": 7})),
    ],
)
def test_rules_by_id_or_code(setting, expected):
    assert rules.settings(config_from_dict({"rules": setting}))["review-due-soon"] == expected


def test_severity_falls_back_to_the_rule_default():
    settings = rules.settings(config_from_dict({"rules": {"review-due-soon": {"days": 7}}}))
    assert settings["review-due-soon"].severity == "warning"
    assert settings["review-overdue"].severity == "error"


def test_rules_that_do_not_apply_to_other_formats_are_off_under_a_profile():
    settings = rules.settings(config_from_dict({"profile": "govuk", "rules": {"steps-missing": "warning"}}))
    assert settings["rollback-missing"].severity == "off"  # OTHER_FORMATS = False
    assert settings["steps-missing"].severity == "warning"  # turned on again by the config
    assert settings["owner-unknown"].severity == "error"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"rollback-mising": "off"}, "rules: unknown rule `rollback-mising`; did you mean `rollback-missing`?"),
        ({"review-due-soon": {"dayz": 400}}, "rules: review-due-soon: unknown option `dayz`; did you mean `days`?"),
        ({"review-due-soon": {"days": "14"}}, "rules: review-due-soon: option `days` must be a whole number, not the text `14`"),
        ({"review-due-soon": {"days": -1}}, "rules: review-due-soon: option `days`: -1 is less than the minimum of 0"),
        ({"step-empty": {"days": 3}}, "rules: step-empty: unknown option `days`; it has no options, only `severity`"),
    ],
)
def test_bad_rule_settings_are_config_errors(setting, message):
    config = config_from_dict({"rules": setting}, Path("/project/sopdocs.yml"))
    with pytest.raises(ConfigError) as info:
        rules.settings(config)
    assert str(info.value) == f"/project/sopdocs.yml: {message}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
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
