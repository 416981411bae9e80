"""The cache stores only what a file's bytes and the config decide. A document rule
that reads the date or the file system must say so (``USES_TODAY``,
``USES_OTHER_FILES``: run on every lint); this test fails when a new rule forgets it."""

from __future__ import annotations

import inspect
import re

import pytest

from sopdocs.lint import fast as workers
from sopdocs.lint import rules as registry

# What a rule's source may use to depend on something besides its document's bytes.
OUTSIDE = re.compile(r"ctx\.today|doc_review|review_state|\.is_file\(|\.exists\(|\bopen\(|\.stat\(|\bos\.|datetime|\.path\b")


@pytest.mark.parametrize("rule", [r for r in registry.RULES.values() if r.scope == "document"], ids=lambda r: r.id)
def test_document_rules_reading_the_outside_say_so(rule):
    source = inspect.getsource(rule.module)
    fix = getattr(rule.module, "fix", None)
    if callable(fix):  # `lint --fix` runs on its own file, never in the split: its hook may read the file's path
        source = source.replace(inspect.getsource(fix), "")
    uses_outside = bool(OUTSIDE.search(source))
    assert uses_outside == (not rule.static), rule.id
    assert (rule.id in workers.dynamic_rule_ids()) == (not rule.static)


def test_the_split_covers_every_rule_once():
    assert workers.static_rule_ids() | workers.dynamic_rule_ids() == set(registry.RULES)
    assert not workers.static_rule_ids() & workers.dynamic_rule_ids()
    assert {"review-overdue", "link-broken", "duplicate-id"} <= workers.dynamic_rule_ids()


def test_facts_hold_what_dynamic_and_catalog_rules_read():
    """The keys the dynamic and catalog rules look up in `meta` are kept as facts."""
    for rule in registry.RULES.values():
        if not rule.static:
            source = inspect.getsource(rule.module)
            for key in re.findall(r"""meta[^)]*?\)?\.get\(\s*["']([a-z_]+)["']""", source):
                assert key in workers.FACT_KEYS, (rule.id, key)
