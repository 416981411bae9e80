"""Every SOP of content/, exported to GitHub Actions, run under act with recording
stand-ins for the tools it calls (kubectl, aws, psql, ...: contentkit.TOOLS), against
the local runner as the reference: both must call the same tools with the same
arguments in the same order, and end the same way. Each SOP runs as it is, and with
one call of one of its steps made to fail (content_stubs.yaml), where its rollback must
run. (Slow: about 2 s a run; marked `act` with the rest of the act tests.)"""

from __future__ import annotations

import json

import pytest
from contentkit import content_ids, parameters, run_act, run_runner, scenarios
from executors import export
from helpers import REPO

pytestmark = pytest.mark.act


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("content-export")
    export(REPO, REPO / "content", "manifest", out / "manifests")
    export(REPO, REPO / "content", "github-actions", out / "workflows", "--no-concurrency-queue")
    return out / "manifests", out / "workflows"


def test_every_content_sop_has_a_scenario():
    assert sorted(scenarios()) == content_ids()


def test_every_content_deviation_is_documented():
    doc = (REPO / "docs" / "manifest.md").read_text(encoding="utf-8")
    for sop_id, data in scenarios().items():
        if "deviation" in data:
            assert f"`content/{sop_id}.md`" in doc[doc.index("## Conformance") :], sop_id


@pytest.mark.parametrize("scenario", ["as-is", "forced-failure"])
@pytest.mark.parametrize("sop_id", content_ids())
def test_content_sop_under_act_calls_what_the_runner_calls(exported, sop_id, scenario, tmp_path):
    manifests, workflows = exported
    data = scenarios()[sop_id]
    given = data.get("params") or {}
    rules = list(data.get("responses") or [])
    if scenario == "forced-failure":
        rules.insert(0, {**data["fail"], "exit": 1, "once": True})
    runner = run_runner(sop_id, manifests, tmp_path / "runner", rules, given)
    act = run_act(sop_id, manifests, workflows, tmp_path / "act", rules, given)

    assert runner.calls, f"{sop_id}: no tool was called ({runner.detail})"
    manifest = json.loads((manifests / f"{sop_id}.json").read_text(encoding="utf-8"))
    plain, _ = parameters(manifest, given)
    assert any(value in arg for call in runner.calls for arg in call for value in plain.values()), "no parameter reached a tool"
    deviation = data.get("deviation") if scenario in (data.get("deviation") or {}).get("scenarios", []) else None
    if deviation:
        # Declared (and listed in docs/manifest.md): the calls agree up to the point where GitHub must differ.
        through = deviation["agree_through"]
        matching = [i for i, call in enumerate(runner.calls) if matches(call, through)]
        assert matching, f"{sop_id}: the deviation's agree_through call was not made"
        end = matching[-1] + 1
        assert act.calls[:end] == runner.calls[:end], f"{sop_id}: act and the runner differ before the declared deviation"
        assert act.calls != runner.calls, f"{sop_id}: the declared deviation did not happen: remove it"
        if "act_result" in deviation:
            assert act.result == deviation["act_result"], act.detail
    else:
        assert act.calls == runner.calls, f"{sop_id}: act and the runner called different things\n{act.detail}"
        if "sop" not in manifest["rollback"]:  # a called workflow reports its own job ids
            assert act.result == runner.result, f"{sop_id}: act {act.result}, runner {runner.result}\n{act.detail}"
    if scenario == "forced-failure":
        assert runner.forced and act.forced, f"{sop_id}: the call to fail was never made: fail an earlier step"
        assert runner.result in ("rolled-back", "not-restored"), runner.detail
        assert runner.ran, f"{sop_id}: no rollback action ran ({runner.detail})"
        assert any(job.startswith("rollback") for job in act.ran), f"{sop_id}: no rollback job ran under act: {act.ran}"


def matches(call: list[str], rule: dict) -> bool:
    return call[0] == rule["tool"] and all(part in " ".join(call[1:]) for part in rule.get("match", []))
