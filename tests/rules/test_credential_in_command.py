"""SOP601 credential-in-command: a literal secret in a command."""

from helpers import FRONT, MINIMAL

RULE = "credential-in-command"


def step(command: str) -> str:
    # The command is on line 17, indented by three spaces.
    return FRONT + f"\n## Steps\n\n1. Connect.\n\n   ```bash\n   {command}\n   ```\n"


def test_environment_variables_are_fine(lint_text):
    assert lint_text(step('PGPASSWORD="$DB_PASSWORD" psql "postgresql://admin:${DB_PASSWORD}@db/orders"')) == []
    assert lint_text(step('curl -H "Authorization: Bearer $TOKEN" https://api.internal')) == []


def test_password_in_a_url(lint_findings):
    [finding] = lint_findings(step('psql "postgresql://admin:hunter2@db.internal/orders"'))
    assert (finding.line, finding.column, finding.rule) == (17, 10, RULE)
    assert finding.severity == "warning"
    assert "step 1" in finding.message and "a password in a URL" in finding.message


def test_aws_key(lint_text):
    assert lint_text(step("AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP aws s3 ls")) == [(17, 22, RULE)]


def test_literal_token_in_a_precondition_command(lint_text):
    text = MINIMAL.replace(
        "  - The on-call engineer has acknowledged the page.\n",
        "  - text: The API answers\n    command: curl --token=s3cr3tvalue https://api.internal/health\n",
    )
    # Points at the start of the match: `token=` on line 8.
    assert lint_text(text) == [(8, 21, RULE)]


def test_one_finding_per_line(lint_text):
    # Two secrets on one line give one finding (the first pattern that matches: the URL).
    assert lint_text(step("mysql --password=hunter22 -h db://root:hunter22@db")) == [(17, 33, RULE)]
