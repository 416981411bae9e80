"""Jobs for the parallel-engine tests. They live in a module of their own because the
worker processes import them by name (spawn), as they import sopdocs' own jobs."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass

from sopdocs.lint import fast


def in_worker() -> bool:
    return multiprocessing.parent_process() is not None


@dataclass
class Squares:
    """Remembers what it saw, so a later phase can ask for it."""

    seen: dict | None = None

    def square(self, chunk, payload):
        self.seen = {**(self.seen or {}), **{n: n * n for n in chunk}}
        return [(n, n * n, os.getpid()) for n in chunk]

    def recall(self, chunk, payload):
        return [(n, (self.seen or {}).get(n), os.getpid(), payload) for n in chunk]

    def fail(self, chunk, payload):
        if in_worker():
            raise ValueError("a bug in a job")
        return []


@dataclass
class DiesInRecall(Squares):
    """A worker that dies (killed for memory, say) when asked for the second phase."""

    def recall(self, chunk, payload):
        if in_worker():
            os._exit(1)
        return super().recall(chunk, payload)


@dataclass(frozen=True)
class DyingAnalyser(fast.Analyser):
    """The linter's job, but a worker process dies at its second chunk; it leaves a
    file behind (the path in $SOPDOCS_TEST_DIED) so the test knows it did."""

    def analyse(self, items, payload=None):
        if in_worker():
            DyingAnalyser.calls = getattr(DyingAnalyser, "calls", 0) + 1
            if DyingAnalyser.calls == 2:
                with open(os.environ["SOPDOCS_TEST_DIED"], "w") as marker:
                    marker.write(str(os.getpid()))
                os._exit(1)
        return super().analyse(items, payload)
