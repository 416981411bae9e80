"""The run record (sopdocs.lint.snapshot) against the full lint, over random sequences of
changes to a small catalog: after every change, a lint that may reuse the last run finds
exactly what a lint that parses every file finds. The changes are the ones the record
must notice: bodies, ids (duplicates too), `related` and `rollback.sop` naming ids that
come and go, links to SOPs and to a file outside the catalog that is created and deleted,
files added and removed, another date."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from helpers import TODAY_DATE
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdocs.core.config import config_from_dict
from sopdocs.lint.fast import Options
from sopdocs.lint.files import lint_paths

IDS = ["alpha", "beta", "gamma", "delta"]
NAMES = ["a.md", "b.md", "c.md", "d.md", "e.md"]
TARGETS = [*NAMES, "../notes/background.md", "missing.md"]


def sop(state: dict) -> str:
    related = "".join(f"\n  - {r}" for r in state["related"])
    rollback = f"rollback: {{sop: {state['rollback']}}}" if state["rollback"] else "rollback: [Undo it.]"
    links = "".join(f"See [this]({t}).\n\n" for t in state["links"])
    return (
        f"---\nid: {state['id']}\ntitle: SOP {state['id']}\nowner: team-sre\nlast_reviewed: {state['reviewed']}\n"
        f"preconditions: [You are on call.]\n{rollback}\nrelated:{related or ' []'}\n---\n\n# SOP\n\n{links}{state['extra']}"
        "## Steps\n\n1. Do it.\n\n   ```bash\n   echo ok\n   ```\n"
    )


file_state = st.fixed_dictionaries({
    "id": st.sampled_from(IDS),
    "related": st.lists(st.sampled_from([*IDS, "nowhere"]), max_size=2, unique=True),
    "rollback": st.sampled_from([None, *IDS, "nowhere"]),
    "links": st.lists(st.sampled_from(TARGETS), max_size=2),
    "reviewed": st.sampled_from(["2026-10-01", "2025-01-01", "2027-01-01"]),
    "extra": st.sampled_from(["", "Some context.\n\n", "TODO(sopdocs): finish\n\n"]),
})

change = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(NAMES), file_state),  # a new or rewritten file
    st.tuples(st.just("field"), st.sampled_from(NAMES), st.sampled_from(["id", "related", "rollback", "links", "reviewed", "extra"]), file_state),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("notes"), st.booleans()),  # the link target outside the catalog exists or not
    st.tuples(st.just("day"), st.integers(min_value=0, max_value=400)),
    st.tuples(st.just("nothing"),),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("record-fuzz")


@settings(max_examples=150)
@given(start=st.dictionaries(st.sampled_from(NAMES), file_state, min_size=1), changes=st.lists(change, min_size=1, max_size=8))
def test_the_record_finds_what_a_full_lint_finds(workdir, start, changes):
    root = workdir / "catalog"
    if root.exists():
        shutil.rmtree(root)
    (root / "sops").mkdir(parents=True)
    config = config_from_dict({"paths": ["sops"], "owners": ["team-sre"]}, root=root)
    states = dict(start)
    for name, state in states.items():
        (root / "sops" / name).write_text(sop(state), encoding="utf-8")
    today = TODAY_DATE
    options = Options(jobs=1, cache=True, progress=False)
    lint_paths(None, config, today, cwd=root, fast=options)  # makes the record
    for step in changes:
        kind = step[0]
        if kind == "write":
            states[step[1]] = step[2]
            (root / "sops" / step[1]).write_text(sop(step[2]), encoding="utf-8")
        elif kind == "field" and step[1] in states:
            states[step[1]] = {**states[step[1]], step[2]: step[3][step[2]]}
            (root / "sops" / step[1]).write_text(sop(states[step[1]]), encoding="utf-8")
        elif kind == "delete" and step[1] in states and len(states) > 1:
            del states[step[1]]
            (root / "sops" / step[1]).unlink()
        elif kind == "notes":
            notes = root / "notes" / "background.md"
            if step[1]:
                notes.parent.mkdir(exist_ok=True)
                notes.write_text("# Notes\n", encoding="utf-8")
            elif notes.exists():
                notes.unlink()
        elif kind == "day":
            today = TODAY_DATE + dt.timedelta(days=step[1])
        expected = lint_paths(None, config, today, cwd=root).findings
        assert lint_paths(None, config, today, cwd=root, fast=options).findings == expected, step
