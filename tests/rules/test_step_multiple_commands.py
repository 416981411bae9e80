"""SOP403 step-multiple-commands: more than one command block in a step."""

from helpers import FRONT

RULE = "step-multiple-commands"


def test_command_and_verify_probe(lint_text):
    body = (
        "\n## Steps\n\n"
        "1. Scale up.\n\n"
        "   ```bash\n   kubectl scale deploy/api --replicas=10\n   ```\n\n"
        "   ```bash verify\n   kubectl rollout status deploy/api --timeout=5m\n   ```\n"
        "\n   ```yaml\n   replicas: 10\n   ```\n"
    )
    assert lint_text(FRONT + body) == []


def test_second_command_block_is_reported(lint_findings):
    body = (
        "\n## Steps\n\n"  # lines 11-13
        "1. Scale up and check.\n\n"  # 14-15
        "   ```bash\n   kubectl scale deploy/api --replicas=10\n   ```\n\n"  # 16-19
        "   ```sh\n   kubectl rollout status deploy/api\n   ```\n\n"  # 20-23
        "   ```\n   curl -fsS https://api.internal/healthz\n   ```\n"  # 24-26
    )
    findings = lint_findings(FRONT + body)
    assert [(f.line, f.column, f.rule) for f in findings] == [(20, 1, RULE), (24, 1, RULE)]
    assert "step 1 has 3 command blocks" in findings[0].message


def test_blocks_of_a_nested_list_do_not_count(lint_text):
    body = (
        "\n## Steps\n\n"
        "1. Scale up.\n\n"
        "   ```bash\n   kubectl scale deploy/api --replicas=10\n   ```\n\n"
        "   - If it is slow, look at the events:\n\n"
        "     ```bash\n     kubectl get events\n     ```\n"
    )
    assert lint_text(FRONT + body) == []
