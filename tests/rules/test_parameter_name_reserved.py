"""parameter-name-reserved: a parameter may not be an environment variable that changes
which code a step runs."""

from __future__ import annotations

import pytest
from helpers import FRONT, sop

RULE = "parameter-name-reserved"


def with_parameters(block: str) -> str:
    return sop(FRONT[4:-4] + "parameters:\n" + block)


@pytest.mark.parametrize("name", ["bash_env", "env", "path", "ifs", "ld_preload", "ld_library_path", "node_options", "home", "pythonstartup", "cdpath", "perl5opt"])
def test_reserved_names_are_reported_at_their_key(lint_text, name):
    text = with_parameters(f"  database:\n    description: ok\n  {name}:\n    description: no\n")
    line = text.split("\n").index(f"  {name}:") + 1
    assert (line, 3, RULE) in lint_text(text)


def test_ordinary_names_pass(lint_text):
    text = with_parameters("  database:\n    description: ok\n  backup_path:\n    description: ok\n  env_name:\n    default: prod\n")
    assert [p for p in lint_text(text) if p[2] == RULE] == []


def test_the_message_says_why_and_what_to_do(lint_findings):
    findings = lint_findings(with_parameters("  bash_env:\n    description: no\n"))
    [finding] = [f for f in findings if f.rule == RULE]
    assert "reaches commands as $BASH_ENV" in finding.message and "bash reads and runs the file" in finding.message
    assert "rename it" in finding.message


def test_docs_runner_lists_exactly_the_reserved_names():
    import re

    from helpers import REPO

    from sopdocs.core.environment import RESERVED, RESERVED_PREFIXES

    text = (REPO / "docs" / "runner.md").read_text(encoding="utf-8")
    table = text[text.index("| variables | why |") :].split("\n\n", 1)[0]
    documented = {name.rstrip("*") for row in table.splitlines()[2:] for name in re.findall(r"`([A-Z0-9_]+\*?)`", row.split("|")[1])}
    assert documented == set(RESERVED) | set(RESERVED_PREFIXES)
