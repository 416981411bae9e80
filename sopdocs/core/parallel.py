"""Work shared between this process and worker processes: one mechanism for the
linter's per-file analysis (:mod:`sopdocs.lint.fast`) and the site build's two phases
(:mod:`sopdocs.site.prepare`).

A :class:`Pool` starts worker processes ("spawn": a fresh interpreter each, safe in
threaded hosts such as pytest-xdist or an IDE, the same on every platform), each with
its own copy of a *job*, made by a picklable factory; this process has one too. A job
is any object whose methods take ``(chunk, payload)`` and return a list of results.

:meth:`Pool.map` runs one such method over a list of items, cut into chunks: workers
get chunks as they finish earlier ones (two at a time, so none waits for the next),
and this process works through chunks from the other end whenever every worker is
busy, so all of them finish at about the same time. A *routed* phase sends each item
to the process named by ``route(item)`` instead: a later phase that needs what an
earlier one left in that process (the site keeps parsed documents where they were
parsed). Whatever a worker cannot finish, because it died or never started, is done
in this process; so is everything when no worker process can start (a sandbox
without semaphores). Results are the same however the work was split.
"""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import Any

# Items per chunk: large enough to amortise the messages, small enough to balance the
# load and keep a progress line moving.
CHUNK = 50
# Worker processes per default at most: each costs an interpreter's start-up (about
# 0.2-0.3 s of CPU) and memory; more can be asked for.
MAX_DEFAULT_JOBS = 8
# Chunks a worker holds at once: the one it works on, and the next.
AHEAD = 2
HERE = 0  # the process number of this process; workers are 1, 2, ...


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_jobs(items: int, threshold: int) -> int:
    """Processes to use for ``items`` items: one per CPU (at most MAX_DEFAULT_JOBS) from
    ``threshold`` items on, else this process alone."""
    return min(cpu_count(), MAX_DEFAULT_JOBS) if items >= threshold else 1


class WorkerError(RuntimeError):
    """A job raised in a worker process (a bug in sopdocs): the message is its traceback."""


class _Sender:
    """Sends a worker's results from a thread: a chunk's results can be larger than a
    pipe holds (the site's pages: about a megabyte), and this process reads only
    between its own chunks; the worker goes on meanwhile instead of waiting in send."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            message = self.queue.get()
            if message is None:
                return
            try:
                self.conn.send(message)
            except BaseException as exc:  # noqa: BLE001 - the main process went away: stop working
                self.failed = exc
                return

    def send(self, message: tuple) -> None:
        if self.failed is not None:
            raise BrokenPipeError(str(self.failed))
        self.queue.put(message)

    def close(self) -> None:
        """Waits until everything queued is sent."""
        self.queue.put(None)
        self.thread.join()


def _serve(conn: Any, factory: Callable[[], Any]) -> None:
    """A worker process: make the job, then run the chunks it is sent."""
    # Long-lived objects and almost no reference cycles (sopdocs.lint.fast): the
    # collector's passes over a growing heap are pure cost.
    gc.disable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    sender = _Sender(conn)
    try:
        job = factory()
        method, payload = None, None
        while True:
            message = conn.recv()
            if message[0] == "phase":
                method, payload = getattr(job, message[1]), message[2]
            elif message[0] == "chunk":
                sender.send(("done", message[1], method(message[2], payload)))  # type: ignore[misc]
            else:
                return
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass  # the main process went away or stopped the work
    except BaseException:  # noqa: BLE001 - reported to the main process, which raises it
        try:
            sender.send(("error", None, traceback.format_exc()))
        except BrokenPipeError:
            pass
    finally:
        sender.close()
        conn.close()


class _Worker:
    def __init__(self, context: Any, factory: Callable[[], Any], number: int) -> None:
        self.number = number
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end, factory), daemon=True)
        self.process.start()
        child_end.close()
        self.alive = True
        self.holding: dict[int, list[Any]] = {}  # chunk id -> chunk, sent and not done

    def send(self, message: tuple) -> bool:
        try:
            self.conn.send(message)
            return True
        except (OSError, ValueError, TypeError, AttributeError, pickle.PicklingError):
            # The process is gone, or the message cannot be sent (a Markdown extension
            # object that does not pickle): what it would have done is done here.
            self.stop()
            return False

    def stop(self) -> None:
        self.alive = False
        self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)


class Pool:
    """``jobs`` processes in all: this one and ``jobs - 1`` workers, each with a job
    made by ``factory()``. Use it as a context manager (or call :meth:`close`)."""

    def __init__(self, factory: Callable[[], Any], jobs: int) -> None:
        self.local = factory()
        self.workers: list[_Worker] = []
        if jobs > 1:
            try:
                context = multiprocessing.get_context("spawn")
                for number in range(1, jobs):
                    self.workers.append(_Worker(context, factory, number))
            except (OSError, ImportError, NotImplementedError):  # no processes here: do it all
                self.close()
        self.started = len(self.workers)  # worker processes started (whether they lasted or not)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive:
                worker.send(("stop",))
                worker.stop()
        self.workers = []

    def map(
        self,
        phase: str,
        items: list[Any],
        payload: Any = None,
        local_payload: Any = None,
        route: Callable[[Any], int] | None = None,
    ) -> Iterator[tuple[int, list[Any]]]:
        """Run the jobs' method ``phase`` over ``items``; yield ``(process, results)``
        per chunk as chunks finish (process 0 is this one). Workers get ``payload``
        with their chunks, this process ``local_payload`` (default: the same). With
        ``route``, an item goes to the process ``route(item)`` (0: this one)."""
        local_payload = payload if local_payload is None else local_payload
        chunks: dict[int, list[Any]] = {}
        queues: dict[int, collections.deque[int]] = {HERE: collections.deque()}
        queues.update({w.number: collections.deque() for w in self.workers if w.alive})
        shared: collections.deque[int] = collections.deque()
        groups: dict[int, list[Any]] = {}
        for item in items:
            target = route(item) if route is not None else -1
            groups.setdefault(target if target in queues else (HERE if route else -1), []).append(item)
        for target, group in groups.items():
            for start in range(0, len(group), CHUNK):
                chunk_id = len(chunks)
                chunks[chunk_id] = group[start : start + CHUNK]
                (shared if target == -1 else queues[target]).append(chunk_id)
        alive = [w for w in self.workers if w.alive]
        for worker in alive:
            worker.holding = {}
            if not worker.send(("phase", phase, payload)):
                queues[HERE].extend(queues.pop(worker.number))
        method = getattr(self.local, phase)

        def feed() -> None:
            for worker in self.workers:
                while worker.alive and len(worker.holding) < AHEAD:
                    own = queues.get(worker.number)
                    if own:
                        chunk_id = own.popleft()
                    elif shared:
                        chunk_id = shared.popleft()
                    else:
                        break
                    if worker.send(("chunk", chunk_id, chunks[chunk_id])):
                        worker.holding[chunk_id] = chunks[chunk_id]
                    else:
                        self._lost(worker, queues, chunk_id)

        def collect(block: bool) -> Iterator[tuple[int, list[Any]]]:
            busy = {w.conn: w for w in self.workers if w.alive and w.holding}
            if not busy:
                return
            for conn in wait(list(busy), timeout=None if block else 0):
                worker = busy[conn]
                try:
                    kind, chunk_id, result = conn.recv()
                except (EOFError, OSError):
                    self._lost(worker, queues)
                    continue
                if kind == "error":
                    self.close()
                    raise WorkerError(result)
                worker.holding.pop(chunk_id, None)
                yield worker.number, result

        while True:
            feed()
            yield from collect(block=False)
            feed()  # whatever collect freed: every worker holds AHEAD chunks, or the queue is empty
            if queues[HERE]:
                chunk_id = queues[HERE].popleft()
            elif shared:
                chunk_id = shared.pop()  # from the other end of the queue
            else:
                chunk_id = None
            if chunk_id is not None:
                yield HERE, method(chunks[chunk_id], local_payload)
                continue
            if not any(w.alive and w.holding for w in self.workers):
                if shared:  # every worker died: the rest is done here
                    queues[HERE].extend(shared)
                    shared.clear()
                    continue
                return
            yield from collect(block=True)

    def _lost(self, worker: _Worker, queues: dict[int, collections.deque[int]], *more: int) -> None:
        """A worker died: what it held or was meant to do is done here."""
        worker.stop()
        queues[HERE].extend([*worker.holding, *more, *queues.pop(worker.number, ())])
        worker.holding = {}
