"""Every rule is documented in the same sections, has a stable code and a readable id,
and has its own test file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import TESTS

from sopdocs.lint import rules as registry

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
RULES = list(registry.RULES.values())


def test_there_are_23_rules_and_each_module_is_registered():
    modules = sorted(p.stem for p in Path(registry.__file__).parent.glob("[a-z]*.py"))
    assert len(RULES) == 23
    assert sorted(rule.__name__.rsplit(".", 1)[1] for rule in RULES) == modules


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_docstring_has_every_section(rule):
    parts = registry.sections(rule)
    missing = [s for s in SECTIONS if not parts.get(s, "").strip()]
    assert missing == [], f"{rule.ID}: docstring lacks {missing}"
    assert parts["summary"], f"{rule.ID}: no one-line summary before the sections"
    order = [rule.__doc__.index(f"## {s}\n") for s in SECTIONS]
    assert order == sorted(order), f"{rule.ID}: sections out of order"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_rule_module_shape(rule):
    assert re.fullmatch(r"SOP\d{3}", rule.CODE)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.ID)
    assert rule.__name__.rsplit(".", 1)[1] == rule.ID.replace("-", "_")
    assert rule.SEVERITY in ("error", "warning")
    assert rule.SCOPE in ("document", "catalog")
    assert isinstance(rule.DEFAULT, dict)
    assert callable(rule.check)


def test_codes_and_ids_are_unique():
    codes = [r.CODE for r in RULES]
    ids = [r.ID for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(ids)) == len(ids)
    assert codes == sorted(codes)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_every_rule_has_a_test_file(rule):
    path = TESTS / "rules" / f"test_{rule.ID.replace('-', '_')}.py"
    assert path.is_file(), f"{rule.ID}: write {path.relative_to(TESTS.parent)}"
    source = path.read_text(encoding="utf-8")
    assert f'RULE = "{rule.ID}"' in source
    assert len(re.findall(r"^def test_", source, flags=re.MULTILINE)) >= 2


def test_no_test_file_for_a_rule_that_does_not_exist():
    ids = {r.ID.replace("-", "_") for r in RULES}
    stray = [p.name for p in (TESTS / "rules").glob("test_*.py") if p.stem.removeprefix("test_") not in ids]
    assert stray == []


@pytest.mark.parametrize("name", ["rollback-missing", "SOP201", "sop201"])
def test_resolve_by_id_or_code(name):
    assert registry.resolve(name).ID == "rollback-missing"


def test_resolve_unknown_rule_suggests():
    with pytest.raises(KeyError, match="did you mean `rollback-missing`"):
        registry.resolve("rollback-mising")
