"""Every case of cases/ run by every executor: the local runner, GitHub Actions under act,
and Argo (statically: no cluster). An executor that behaves differently from the
case's expectation fails, unless the case declares that difference as a deviation of that
engine (with its reason, listed in docs/manifest.md), and then the deviating outcome is
what must happen."""

from __future__ import annotations

import re

import pytest
from conformkit import RESULTS, differences, runs
from executors import EXECUTORS
from helpers import REPO

EXECUTOR_NAMES = [e.name for e in EXECUTORS]


@pytest.mark.parametrize("executor", EXECUTORS, ids=EXECUTOR_NAMES)
@pytest.mark.parametrize("run", runs(), ids=[r.id for r in runs()])
def test_conformance(executor, run, tmp_path, record_property):
    if not executor.dynamic:
        executor.check(run, tmp_path)
        return
    seen = executor.observe(run, tmp_path)
    record_property("seconds", round(seen.seconds, 2))
    problems = differences(run, executor.name, seen)
    assert problems == [], f"{executor.name} on {run.id}:\n" + "\n".join(problems)


def test_every_deviation_names_an_executor_and_a_reason():
    for run in runs():
        for executor, deviation in run.deviations.items():
            assert executor in EXECUTOR_NAMES, f"{run.id}: deviation for unknown executor {executor!r}"
            assert len(deviation.reason) > 40, f"{run.id}: say why {executor} differs"
            assert deviation.expect != run.expect, f"{run.id}: the deviation of {executor} expects what every executor does"


def test_every_deviation_and_static_executor_is_documented():
    """docs/manifest.md lists each deviation (case/run and engine) and the executors that
    check only statically."""
    doc = (REPO / "docs" / "manifest.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Conformance") :]
    rows = set(re.findall(r"^\| `([a-z-]+/[a-z-]+)` \| ([a-z-]+) \|", section, flags=re.M))
    declared = {(run.id, executor) for run in runs() for executor in run.deviations}
    assert rows == declared
    for executor in EXECUTORS:
        if not executor.dynamic:
            assert f"`{executor.name}` executor" in section


def test_the_cases_cover_the_shared_semantics():
    """Every result occurs, and each case states what it is about."""
    assert {run.expect.result for run in runs()} == set(RESULTS)
