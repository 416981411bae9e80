"""Every rule is documented in the same sections, has a stable code and a readable id,
and has its own test file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import TESTS

from sopdocs.lint import rules as registry

SECTIONS = registry.SECTIONS
RULES = list(registry.RULES.values())


def test_every_module_is_a_rule():
    modules = sorted(p.stem for p in Path(registry.__file__).parent.glob("[a-z]*.py"))
    assert len(RULES) >= 23
    assert sorted(rule.module.__name__.rsplit(".", 1)[1] for rule in RULES) == modules


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docstring_has_every_section(rule):
    parts = registry.sections(rule)
    missing = [s for s in SECTIONS if not parts.get(s, "").strip()]
    assert missing == [], f"{rule.id}: docstring lacks {missing}"
    assert parts["summary"], f"{rule.id}: no one-line summary before the sections"
    order = [rule.doc.index(f"## {s}\n") for s in SECTIONS]
    assert order == sorted(order), f"{rule.id}: sections out of order"
    assert ("Options" in parts) == bool(rule.options), f"{rule.id}: document its options under `## Options`"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_module_shape(rule):
    assert re.fullmatch(r"SOP\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.id)
    assert rule.module.__name__.rsplit(".", 1)[1] == rule.id.replace("-", "_")
    assert rule.severity in ("error", "warning")
    assert rule.scope in ("document", "catalog")
    assert callable(rule.check)
    for name, schema in rule.options.items():
        assert "type" in schema and schema.get("description"), f"{rule.id}: option {name} needs a type and a description"
    assert set(rule.defaults) <= set(rule.options)
    assert (rule.explain is not None) == rule.parse, f"{rule.id}: a rule on what the parser found explains it"


def test_codes_and_ids_are_unique():
    codes = [r.code for r in RULES]
    ids = [r.id for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(ids)) == len(ids)
    assert codes == sorted(codes)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_test_file(rule):
    path = TESTS / "rules" / f"test_{rule.id.replace('-', '_')}.py"
    assert path.is_file(), f"{rule.id}: write {path.relative_to(TESTS.parent)}"
    source = path.read_text(encoding="utf-8")
    assert f'RULE = "{rule.id}"' in source
    assert len(re.findall(r"^def test_", source, flags=re.MULTILINE)) >= 2


def test_no_test_file_for_a_rule_that_does_not_exist():
    ids = {r.id.replace("-", "_") for r in RULES}
    stray = [p.name for p in (TESTS / "rules").glob("test_*.py") if p.stem.removeprefix("test_") not in ids]
    assert stray == []


@pytest.mark.parametrize("name", ["rollback-missing", "SOP201", "sop201"])
def test_resolve_by_id_or_code(name):
    assert registry.resolve(name).id == "rollback-missing"


def test_resolve_unknown_rule_suggests():
    with pytest.raises(KeyError, match="did you mean `rollback-missing`"):
        registry.resolve("rollback-mising")


def test_the_reference_page_is_generated_from_the_modules():
    page = (TESTS.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == registry.reference_markdown(), "regenerate it: sopdocs rules --format markdown > docs/rules.md"


def test_the_reference_says_what_a_rule_depends_on_and_stops():
    page = registry.reference_markdown()
    assert "`SOP301` · default severity **error** · scope document · depends on the date (`--today`) · never stops an export or a run" in page
    assert "`SOP503` · default severity **error** · scope document · depends on other files\n" in page


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_says_whether_it_fixes(rule):
    if rule.fix is not None:
        assert rule.fix_doc.startswith("automatic"), f"{rule.id}: FIX must say `automatic — <what it changes>`"
    else:
        assert re.fullmatch(r"none \(.+\)", rule.fix_doc), f"{rule.id}: FIX must say `none (<why>)`"
