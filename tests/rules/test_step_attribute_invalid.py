"""SOP404 step-attribute-invalid: unknown or invalid attributes on a step's code block."""

from helpers import FRONT

RULE = "step-attribute-invalid"


def step(info: str, second: str = "") -> str:
    # The fence of step 1 is on line 16, step 2 (when given) on line 22.
    text = FRONT + f"\n## Steps\n\n1. Fail over the database.\n\n   ```{info}\n   ./bin/failover\n   ```\n"
    if second:
        text += f"\n2. Check the replica.\n\n   ```{second}\n   ./bin/check-replica\n   ```\n"
    return text


def test_valid_attributes(lint_text):
    assert lint_text(step("bash confirm timeout=1h30m id=fail-over", "sh idempotent retries=3 workdir=ops")) == []


def test_misspelled_confirm(lint_findings):
    [finding] = lint_findings(step("bash confrim"))
    assert (finding.line, finding.column, finding.rule) == (16, 1, RULE)
    assert "did you mean `confirm`?" in finding.message


def test_bad_timeout_and_flag_with_value(lint_text):
    assert lint_text(step("bash timeout=10min confirm=yes")) == [(16, 1, RULE), (16, 1, RULE)]


def test_retries_need_idempotent(lint_findings):
    [finding] = lint_findings(step("bash retries=2"))
    assert finding.rule == RULE and "needs `idempotent`" in finding.message


def test_valued_attribute_without_value(lint_text):
    assert lint_text(step("bash timeout=")) == [(16, 1, RULE)]


def test_duplicate_step_id_points_at_the_second_block(lint_findings):
    [finding] = lint_findings(step("bash id=fail-over", "bash id=fail-over"))
    assert (finding.line, finding.column, finding.rule) == (22, 1, RULE)
    assert "already used by step 1" in finding.message


def test_blocks_in_other_languages_are_not_checked(lint_text):
    assert lint_text(step("yaml title=values.yaml")) == []
