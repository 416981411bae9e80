"""SOP601 credential-in-command: a literal secret in a command."""

import pytest
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


PLACEHOLDERS = [
    'export TF_VAR_github_token="XXXXXXXXXXXXX"',
    "export PINGDOM_API_TOKEN='XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'",
    'data.access_key_id: "AKIAXXXXXXXXXXXXXXXX" => ""',
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE aws s3 ls",
    "curl --token=<your-token> https://api.internal",
    "curl --token <your-token> https://api.internal",
    'curl -H "Authorization: Bearer ${TOKEN}" https://api.internal',
    "mysql --password=changeme -h db",
    "mysql --password=********** -h db",
    "API_KEY=0000000000 ./deploy",
    "vault write auth/token secret={{ .Values.secret }}",
    "curl 'https://abc123:abc123@grafana.internal/api/snapshots'",
    "psql postgresql://admin:REDACTED@db.internal/orders",
    "helm install app --set api_key=your_api_key_here",
    "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "curl -d token=my-secret-token https://api.internal",
    "login --password=example123",
    "psql --host [rds-hostname] --username aws_db_admin --password [database-name]",
]


@pytest.mark.parametrize("command", PLACEHOLDERS)
def test_obvious_placeholders_are_not_credentials(lint_text, command):
    assert lint_text(step(command)) == []


REAL_LOOKING = [
    ('export TF_VAR_github_token="9f3b2c1d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"', 25),
    ("data.access_key_id: AKIAQ7ZL3MX9PB2KD4WN", 24),
    ("export GITHUB_TOKEN=ghp_Zq8v7W6u5T4s3R2q1P0o9N8m7L6k5J4i3H2g", 24),
    ("mysql --password=Tr0ub4dor3 -h db", 12),
    ("curl 'https://admin:s3cr3tPa55@grafana.internal/api/snapshots'", 10),
    # A placeholder first on the line does not hide a real secret after it.
    ("deploy --token=XXXXXXXX --api-key=k9Qz7Lm2Wx", 30),
]


@pytest.mark.parametrize(("command", "column"), REAL_LOOKING)
def test_real_looking_secrets_are_still_reported(lint_text, command, column):
    assert lint_text(step(command)) == [(17, column, RULE)]


def test_is_placeholder():
    from sopdocs.lint.rules.credential_in_command import is_placeholder

    assert [is_placeholder(v) for v in ("XXXXXXXXXXXXX", "x-x-x-x", "<token>", "${TOKEN}", "changeme", "AKIAIOSFODNN7EXAMPLE")] == [True] * 6
    assert [is_placeholder(v) for v in ("hunter22", "s3cr3tvalue", "Q7ZL3MX9PB2KD4WN", "Tr0ub4dor3")] == [False] * 4
