"""The cache stores only what a file's bytes and the config decide. A document rule
that reads the date or the file system must be one of workers.DYNAMIC_RULES (run on
every lint); this test fails when a new rule forgets it."""

from __future__ import annotations

import inspect
import re

import pytest

from sopdocs.lint import fast as workers
from sopdocs.lint import rules as registry

# What a rule's source may use to depend on something besides its document's bytes.
OUTSIDE = re.compile(r"ctx\.today|doc_review|review_state|\.is_file\(|\.exists\(|\bopen\(|\.stat\(|\bos\.|datetime|\.path\b")


@pytest.mark.parametrize("rule", [r for r in registry.RULES.values() if r.SCOPE == "document"], ids=lambda r: r.ID)
def test_document_rules_reading_the_outside_are_dynamic(rule):
    uses_outside = bool(OUTSIDE.search(inspect.getsource(rule)))
    assert uses_outside == (rule.ID in workers.DYNAMIC_RULES), rule.ID


def test_dynamic_rules_exist():
    assert workers.DYNAMIC_RULES <= set(registry.RULES)


def test_facts_hold_what_dynamic_and_catalog_rules_read():
    """The keys the dynamic and catalog rules look up in `meta` are kept as facts."""
    for rule in registry.RULES.values():
        if rule.SCOPE == "catalog" or rule.ID in workers.DYNAMIC_RULES:
            source = inspect.getsource(rule)
            for key in re.findall(r"""meta[^)]*?\)?\.get\(\s*["']([a-z_]+)["']""", source):
                assert key in workers.FACT_KEYS, (rule.ID, key)
