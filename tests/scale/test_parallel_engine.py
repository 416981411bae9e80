"""The one parallel engine (sopdocs.core.parallel) that the linter and the site build
share: every item done once, whichever processes did it; a routed phase reaches the
process that holds what an earlier phase left; a dead worker's work is done here; a
bug in a worker is an error, not a hang or a silent loss."""

from __future__ import annotations

import functools
import os

import pytest
from paralleljobs import DiesInRecall, Squares

from sopdocs.core import parallel

ITEMS = list(range(437))  # nine chunks, the last one short


def run(pool, phase, items, **kwargs):
    found = {}
    for process, results in pool.map(phase, items, **kwargs):
        for result in results:
            assert result[0] not in found, f"{result[0]} done twice"
            found[result[0]] = (process, *result[1:])
    return found


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_item_once_whatever_the_number_of_processes(jobs):
    with parallel.Pool(Squares, jobs) as pool:
        assert pool.started == jobs - 1
        found = run(pool, "square", ITEMS)
    assert sorted(found) == ITEMS
    assert all(value[1] == n * n for n, value in found.items())
    if jobs > 1:  # the work was really shared, and this process took part
        assert len({value[2] for value in found.values()}) == jobs
        assert any(value[0] == parallel.HERE for value in found.values())


def test_a_routed_phase_reaches_the_process_that_holds_the_item():
    with parallel.Pool(Squares, 2) as pool:
        first = run(pool, "square", ITEMS)
        owner = {n: value[0] for n, value in first.items()}
        second = run(pool, "recall", ITEMS, payload="to workers", local_payload="here", route=owner.get)
    for n in ITEMS:
        process, remembered, pid, payload = second[n]
        assert process == owner[n] and pid == first[n][2]
        assert remembered == n * n  # it was that process that squared it
        assert payload == ("here" if process == parallel.HERE else "to workers")


def test_a_dead_worker_s_items_are_done_here():
    with parallel.Pool(DiesInRecall, 2) as pool:
        first = run(pool, "square", ITEMS)
        owner = {n: value[0] for n, value in first.items()}
        assert set(owner.values()) == {0, 1}
        second = run(pool, "recall", ITEMS, route=owner.get)
        assert not pool.workers[0].alive
    assert sorted(second) == ITEMS
    assert {value[0] for value in second.values()} == {parallel.HERE}
    assert all(value[2] == os.getpid() for value in second.values())


def test_a_bug_in_a_worker_is_raised_here():
    with parallel.Pool(Squares, 2) as pool, pytest.raises(parallel.WorkerError, match="a bug in a job"):
        run(pool, "fail", ITEMS)


def test_without_processes_everything_is_done_here(monkeypatch):
    def unavailable(method):
        raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(parallel.multiprocessing, "get_context", unavailable)
    with parallel.Pool(functools.partial(Squares), 3) as pool:
        assert pool.workers == [] and pool.started == 0
        found = run(pool, "square", ITEMS)
    assert sorted(found) == ITEMS and {value[0] for value in found.values()} == {parallel.HERE}
