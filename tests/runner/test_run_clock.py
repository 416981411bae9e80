"""The runner's clock: trail times, run ids and lock records come from the system clock,
shifted only by the test-only $SOPDOCS_TEST_CLOCK_SHIFT; and the tests that depend on the
clock pass with the machine's clock moved years forward and back (libfaketime)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from helpers import REPO, TODAY
from runkit import command_step, sop_text

from sopdocs.core import clock

FAKETIME = shutil.which("faketime")
# Where test_runs_fall_on_the_tests_day writes the machine's date, when asked to.
PROBE = "SOPDOCS_TEST_CLOCK_PROBE"


def test_runs_fall_on_the_tests_day(project):
    """With the tests' clock, a run happens on TODAY whatever the machine's date."""
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 0, proc.stderr
    records = project.records()
    assert {r["time"][:10] for r in records} == {TODAY}
    assert records[0]["run"].startswith(TODAY.replace("-", "") + "T")
    assert isinstance(records[0]["clock_shift_seconds"], float)  # the trail says its times are not real
    if os.environ.get(PROBE):
        with open(os.environ[PROBE], "w", encoding="utf-8") as probe:
            probe.write(dt.date.today().isoformat())


def test_the_shift_moves_every_time_of_a_run(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    target = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    proc = project.run("sops/demo.md", "--yes", env={clock.SHIFT_ENV: clock.shift_to(target)})
    assert proc.returncode == 0, proc.stderr
    records = project.records()
    times = [dt.datetime.fromisoformat(r["time"]) for r in records]
    assert all(target <= t < target + dt.timedelta(minutes=5) for t in times), times
    assert times == sorted(times)
    assert records[0]["run"].startswith("20310102T0304")


def test_without_the_shift_the_run_reads_the_real_clock(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    before = dt.datetime.now(dt.UTC)
    proc = project.run("sops/demo.md", "--yes", env={clock.SHIFT_ENV: ""})
    after = dt.datetime.now(dt.UTC)
    assert proc.returncode == 0, proc.stderr
    start = project.records()[0]
    assert "clock_shift_seconds" not in start
    stamp = dt.datetime.fromisoformat(start["time"])
    assert before - dt.timedelta(seconds=1) <= stamp <= after + dt.timedelta(seconds=1)


@pytest.mark.parametrize("value", ["tomorrow", "nan", "inf"])
def test_a_bad_shift_is_a_usage_error_before_anything_runs(project, value):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    proc = project.run("sops/demo.md", "--yes", env={clock.SHIFT_ENV: value})
    assert proc.returncode == 2
    assert f"$SOPDOCS_TEST_CLOCK_SHIFT must be a finite number of seconds, not {value!r}" in proc.stderr
    assert project.log() == [] and not project.trail().exists()


# --- the machine's clock moved -----------------------------------------------------------


MOVED_TO = ("2030-01-01 03:00:00", "2020-02-29 23:30:00")


def test_clock_dependent_tests_pass_with_the_clock_moved(tmp_path):
    """Runs every test marked `clock` (see tests/conftest.py) in a pytest whose whole
    process tree sees another time: years after and before the tests' day. The two
    runs go on at once (much of them is waiting for steps and timeouts)."""
    if not FAKETIME:
        pytest.fail("faketime is missing: `scripts/setup test` installs Debian's faketime for this test", pytrace=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SOPDOCS_", "FAKETIME"))}
    # When the whole suite already runs under libfaketime, the nested faketime must start
    # from the real clock, not add its offset to the outer one.
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split() if "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    runs = {}
    for number, moved_to in enumerate(MOVED_TO):
        where = tmp_path / str(number)
        where.mkdir()
        argv = [FAKETIME, moved_to, sys.executable, "-m", "pytest", "-m", "clock", "-p", "no:xdist", "-p", "no:cacheprovider"]
        argv += ["-q", "-x", "--basetemp", str(where / "run")]
        log = (where / "output").open("w")
        probe = {PROBE: str(where / "machine-date")}
        process = subprocess.Popen(argv, cwd=REPO, env={**env, **probe}, stdout=log, stderr=subprocess.STDOUT)
        runs[moved_to] = (process, where, log)
    try:
        for moved_to, (process, where, log) in runs.items():
            process.wait(timeout=900)
            log.close()
            output = (where / "output").read_text()
            assert process.returncode == 0, f"with the clock at {moved_to}:\n{output[-6000:]}"
            assert (where / "machine-date").read_text() == moved_to[:10], "the tests did not see the moved clock"
            assert " passed" in output and " skipped" not in output, output[-2000:]
    finally:
        for process, _, log in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
