"""The conformance suite's cases and what it compares.

A case is an SOP under `cases/` (`<name>.md`) with its expectations beside it
(`<name>.yaml`): one or more runs, each with the parameters, secrets and advance
approvals it is given and the outcome it must produce. Commands in the SOPs leave
evidence in the directory `$MARKS`: lines appended to `$MARKS/log` (what ran, in order)
and files whose content the run must produce. An executor (`executors.py`) runs the SOP
its own way and reports what it saw as an :class:`Observation`; :func:`differences`
says where that differs from the expectation.

An engine that cannot honour a case declares it in the case's data, under `deviations:
{<executor>: {reason, expect}}`: the reason (also listed in docs/manifest.md) and the
outcome it produces instead, which is checked like any other - a deviation that stops
being true fails too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"

# What a run ends as, in every executor's terms:
RESULTS = {
    "success": "every precondition and step passed; no rollback",
    "rolled-back": "a step failed, timed out or was cancelled; the whole rollback ran",
    "not-restored": "a step failed and the rollback did not complete",
    "refused": "a precondition did not pass: no step ran, nothing rolled back",
    "not-started": "the run could not start (a missing approval or parameter): nothing ran",
}


@dataclass(frozen=True)
class Expect:
    result: str
    log: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    @classmethod
    def read(cls, data: dict[str, Any], where: str) -> Expect:
        unknown = set(data) - {"result", "log", "files", "absent"}
        if unknown or data.get("result") not in RESULTS:
            raise ValueError(f"{where}: expect needs result (one of {', '.join(RESULTS)}), log, files, absent; got {sorted(data)}")
        return cls(data["result"], tuple(data.get("log") or ()), dict(data.get("files") or {}), tuple(data.get("absent") or ()))


@dataclass(frozen=True)
class Deviation:
    reason: str
    expect: Expect


@dataclass(frozen=True)
class Run:
    """One run of a case's SOP."""

    case: str
    name: str
    sop: Path
    params: dict[str, str]
    secrets: dict[str, str]
    approve: tuple[str, ...]
    expect: Expect
    deviations: dict[str, Deviation]

    @property
    def id(self) -> str:
        return f"{self.case}/{self.name}"

    def expected(self, executor: str) -> Expect:
        deviation = self.deviations.get(executor)
        return deviation.expect if deviation else self.expect


def _run(case: str, sop: Path, data: dict[str, Any]) -> Run:
    where = f"{case}.yaml run {data.get('name')!r}"
    deviations = {
        executor: Deviation(" ".join(str(d["reason"]).split()), Expect.read(d["expect"], f"{where} deviation {executor}"))
        for executor, d in (data.get("deviations") or {}).items()
    }
    return Run(
        case=case,
        name=data["name"],
        sop=sop,
        params={k: str(v) for k, v in (data.get("params") or {}).items()},
        secrets={k: str(v) for k, v in (data.get("secrets") or {}).items()},
        approve=tuple(data.get("approve") or ()),
        expect=Expect.read(data["expect"], where),
        deviations=deviations,
    )


@functools.cache
def runs() -> tuple[Run, ...]:
    found = []
    for expectations in sorted(CASES.glob("*.yaml")):
        sop = expectations.with_suffix(".md")
        if not sop.is_file():
            raise ValueError(f"{expectations.name} has no SOP beside it ({sop.name})")
        data = yaml.safe_load(expectations.read_text(encoding="utf-8"))
        found += [_run(expectations.stem, sop, entry) for entry in data["runs"]]
    return tuple(found)


@dataclass
class Observation:
    """What an executor saw: how the run ended (in :data:`RESULTS` terms), the marker
    log, the other marker files, and everything it printed or recorded."""

    result: str
    log: list[str]
    files: dict[str, str]
    output: str
    seconds: float
    detail: str = ""  # how the executor reached `result` (exit code, job results)


def read_marks(marks: Path) -> tuple[list[str], dict[str, str]]:
    log = marks / "log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(marks.iterdir()) if p.is_file() and p.name != "log"}
    return lines, files


def differences(run: Run, executor: str, seen: Observation) -> list[str]:
    expected = run.expected(executor)
    problems = []
    if seen.result != expected.result:
        problems.append(f"result: expected {expected.result}, got {seen.result} ({seen.detail})")
    if list(expected.log) != seen.log:
        problems.append(f"log: expected {list(expected.log)}, got {seen.log}")
    for name, text in expected.files.items():
        if seen.files.get(name) != text:
            problems.append(f"file {name}: expected {text!r}, got {seen.files.get(name)!r}")
    for name in expected.absent:
        if name in seen.files:
            problems.append(f"file {name} exists: something ran that should not have")
    for name, value in run.secrets.items():
        for part in [value, *value.splitlines()]:
            if part and part in seen.output:
                problems.append(f"the value of the secret {name} is in the executor's output or records")
                break
    return problems
