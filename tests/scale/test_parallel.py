"""Worker processes give the same findings as one process, and `sopdocs lint` prints
byte-identical reports whatever the number of workers and whatever was cached."""

from __future__ import annotations

import multiprocessing

import pytest
from helpers import cli
from lintkit import SIZE, cache_files, fast, reference


def test_parallel_equals_serial(catalog):
    expected = reference(catalog)
    assert fast(catalog, jobs=2, parallel_min=0, cache=False) == expected
    # Entries written by workers serve a later run.
    assert fast(catalog, jobs=2, parallel_min=0) == expected
    assert len(cache_files(catalog)) == 1
    assert fast(catalog, jobs=1) == expected


def test_more_workers_than_chunks(catalog):
    some = sorted((catalog / "sops").glob("*.md"))[:120]  # three chunks for eight workers
    assert fast(catalog, paths=some, jobs=8, cache=False) == reference(catalog, paths=some)


def test_few_files_need_no_workers(catalog, monkeypatch):
    from sopdocs.core import parallel
    from sopdocs.lint import fast as workers

    def refuse(*args, **kwargs):
        raise AssertionError(f"started worker processes for {SIZE} files")

    monkeypatch.setattr(workers, "Pool", refuse)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 8)
    # `sopdocs lint`'s own default threshold, not one this test chooses.
    assert fast(catalog, jobs=None, cache=False) == reference(catalog)
    some = sorted((catalog / "sops").glob("*.md"))[:50]
    kwargs = {"paths": some, "catalog_checks": False}  # 50 files to parse: one chunk
    assert fast(catalog, jobs=4, cache=False, **kwargs) == reference(catalog, **kwargs)


@pytest.mark.parametrize("fmt", ["json"])
def test_cli_reports_are_identical_across_modes(catalog, fmt):
    def lint(*extra: str) -> str:
        proc = cli("lint", "--format", fmt, "--today", "2026-11-26", *extra, cwd=catalog, timeout=180)
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    serial = lint("-j", "1", "--no-cache")
    assert not (catalog / ".sopdocs-cache").exists()
    assert lint("-j", "2", "--no-cache") == serial  # in worker processes
    assert lint() == serial  # cold cache
    assert len(cache_files(catalog)) == 1
    assert lint() == serial  # warm cache
    assert lint("sops") == serial


def test_cli_rejects_zero_jobs(catalog):
    proc = cli("lint", "-j", "0", cwd=catalog)
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr


def test_no_worker_processes_falls_back_to_one(catalog, monkeypatch):

    def unavailable(method):
        raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(multiprocessing, "get_context", unavailable)
    assert fast(catalog, jobs=2, parallel_min=0, cache=False) == reference(catalog)


def test_a_dead_worker_does_not_lose_files(catalog, monkeypatch, tmp_path):
    from paralleljobs import DyingAnalyser

    from sopdocs.lint import fast as workers

    died = tmp_path / "died"
    monkeypatch.setenv("SOPDOCS_TEST_DIED", str(died))
    monkeypatch.setattr(workers, "Analyser", DyingAnalyser)
    assert fast(catalog, jobs=2, parallel_min=0, cache=False) == reference(catalog)
    assert died.is_file(), "the worker did not die: the test tested nothing"
