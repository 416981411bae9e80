"""Hostile and broken input: every case gives one finding of the right rule at the right
place, never a crash, and the other files of the same run are still checked."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tracemalloc
from pathlib import Path

import pytest
from helpers import MINIMAL, cli, sop

from sopdocs.core.config import config_from_dict
from sopdocs.lint.fast import Options
from sopdocs.lint.files import lint_paths

GOOD = MINIMAL.replace("id: restart-api", "id: good-neighbour")
# Reviewed 2026-01-10: due 2026-07-10, overdue on 2026-11-26 (line 5).
STALE = MINIMAL.replace("id: restart-api", "id: stale-neighbour").replace("2026-10-01", "2026-01-10")
NEIGHBOURS = {"good.md": GOOD, "stale.md": STALE}
STALE_FINDINGS = [(5, 1, "review-overdue")]


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each level is a list of `width` aliases to the level below."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for below, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * width) + "]")
    return sop("\n".join(lines) + "\n")


CRLF_BOM = b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode()

CASES: dict[str, tuple[str | bytes, list[tuple[int, int, str]]]] = {
    "no-front-matter": ("# Restart the API\n\n## Steps\n\n1. Restart it.\n", [(1, 1, "front-matter-missing")]),
    "unterminated-front-matter": (
        "---\nid: restart-api\ntitle: Restart the API\n\n# Restart\n",
        [(1, 1, "front-matter-missing")],
    ),
    "invalid-yaml": (sop("id: restart-api\ntitle: [Restart the API\nowner: team-sre\n"), [(4, 6, "yaml-syntax")]),
    "tab-indentation": (sop("id: restart-api\nrollback:\n\t- Revert.\n"), [(4, 1, "yaml-syntax")]),
    "duplicate-keys": (
        MINIMAL.replace("title: Restart the API\n", "title: Restart the API\ntitle: Restart the API again\n"),
        [(4, 1, "duplicate-key")],
    ),
    "wrong-type": (MINIMAL.replace("owner: team-sre", "owner: no"), [(4, 1, "field-type")]),
    "impossible-date": (MINIMAL.replace("2026-10-01", "2026-02-30"), [(5, 1, "field-value")]),
    "empty-file": ("", [(1, 1, "front-matter-missing")]),
    "whitespace-only": ("\n   \n\t\n\n", [(1, 1, "front-matter-missing")]),
    # "Redémarrer" saved as Latin-1: 0xe9 is column 7 of line 16.
    "non-utf8": (MINIMAL.replace("1. Restart", "1. Redémarrer").encode("latin-1"), [(16, 7, "file-unreadable")]),
    "binary-nul": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", [(1, 8, "file-unreadable")]),
    "alias-bomb": (alias_bomb(), [(1, 1, "yaml-syntax")]),
    "recursive-alias": (sop("id: &a [*a]\n"), [(2, 5, "yaml-syntax")]),
    "recursive-merge": (sop("id: restart-api\nbase: &b {<<: *b}\n"), [(3, 7, "yaml-syntax")]),
    "too-large": (MINIMAL + ("Padding so that the file is larger than one mebibyte.\n" * 20_000), [(1, 1, "file-unreadable")]),
    "front-matter-list": (sop("- id: restart-api\n- owner: team-sre\n"), [(2, 1, "yaml-syntax")]),
    "custom-tag": (MINIMAL.replace("title: Restart the API", "title: !foo Restart the API"), [(3, 8, "yaml-syntax")]),
    "bom-crlf-valid": (CRLF_BOM, []),
}


def run(tmp_path: Path, files: dict[str, str | bytes], **config):
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    conf = config_from_dict(config, root=tmp_path)
    return lint_paths([tmp_path], conf, dt.date(2026, 11, 26), cwd=tmp_path)


def by_path(result) -> dict[str, list[tuple[int, int, str]]]:
    found: dict[str, list[tuple[int, int, str]]] = {path: [] for path in result.files}
    for f in result.findings:
        found[f.path].append((f.line, f.column, f.rule))
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_beside_good_ones(tmp_path, case):
    content, expected = CASES[case]
    result = run(tmp_path, {"bad.md": content, **NEIGHBOURS})
    assert by_path(result) == {"bad.md": expected, "good.md": [], "stale.md": STALE_FINDINGS}
    for finding in result.findings:
        assert finding.message  # every finding says something


@pytest.mark.parametrize("fast", [False, True], ids=["full", "cache"])
def test_large_file_is_not_read(tmp_path, fast):
    """A file over the size limit is judged by its size alone: a 512 MiB file (sparse,
    so it costs no disk) is never read into memory, by the plain linter or by the
    cached fast path that hashes files."""
    big = tmp_path / "sops" / "huge.md"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.write(MINIMAL.encode())
        handle.truncate(512 * 1024 * 1024)
    (tmp_path / "sops" / "good.md").write_text(GOOD, encoding="utf-8")
    conf = config_from_dict({}, root=tmp_path)
    options = Options(jobs=1, cache=True, progress=False) if fast else None
    tracemalloc.start()
    try:
        result = lint_paths([tmp_path / "sops"], conf, dt.date(2026, 11, 26), cwd=tmp_path, fast=options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(f.path, f.line, f.column, f.rule) for f in result.findings] == [("sops/huge.md", 1, 1, "file-unreadable")]
    assert "file is 536,870,912 bytes, over the limit of 1,048,576" in result.findings[0].message
    assert peak < 32 * 1024 * 1024, f"{peak:,} bytes allocated: the file was read"


def test_large_file_through_the_cli(tmp_path):
    content, _ = CASES["too-large"]
    (tmp_path / "big.md").write_text(content, encoding="utf-8")
    proc = cli("lint", "big.md", "--today", "2026-11-26", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    size = len(content.encode())
    assert proc.stdout.startswith(f"big.md:1:1: error SOP001 file-unreadable: file is {size:,} bytes, over the limit of 1,048,576")
    assert "raise `max_file_size` in the config" in proc.stdout


def test_alias_bomb_is_cut_off(tmp_path):
    # How long this takes and how much memory it needs: bench/robustness_bench.py.
    (tmp_path / "bomb.md").write_text(alias_bomb(), encoding="utf-8")
    conf = config_from_dict({}, root=tmp_path)
    result = lint_paths([tmp_path / "bomb.md"], conf, dt.date(2026, 11, 26), cwd=tmp_path)
    assert [(f.line, f.rule) for f in result.findings] == [(1, "yaml-syntax")]
    assert "front matter expands to more than 20,000 values" in result.findings[0].message


def test_deep_nesting_is_reported_not_a_crash(tmp_path):
    text = sop("id: restart-api\nrelated: " + "[" * 300 + "]" * 300 + "\n")
    result = run(tmp_path, {"deep.md": text})
    assert [(f.line, f.rule) for f in result.findings] == [(3, "yaml-syntax")]


def test_bom_and_crlf_keep_positions(tmp_path):
    text = MINIMAL.replace("owner: team-sre\n", "owner: team-sre\ntags: [api, two words]\n")
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    assert by_path(run(tmp_path, {"sop.md": data})) == {"sop.md": [(5, 13, "field-value")]}


def test_crlf_step_and_fence_positions(tmp_path):
    text = MINIMAL.replace("```bash\n", "```bash confrim\n")
    data = text.replace("\n", "\r\n").encode()
    assert by_path(run(tmp_path, {"sop.md": data})) == {"sop.md": [(18, 1, "step-attribute-invalid")]}


@pytest.mark.parametrize("case", ["no-front-matter", "binary-nul", "alias-bomb", "recursive-alias"])
def test_cli_exits_1_and_reports_every_file(tmp_path, case):
    content, expected = CASES[case]
    run(tmp_path, {"bad.md": content, **NEIGHBOURS})  # writes the files
    proc = cli("lint", ".", "--format", "json", "--today", "2026-11-26", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["files"] == 3
    got = sorted((f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"])
    assert got == sorted([("bad.md", *e) for e in expected] + [("stale.md", *e) for e in STALE_FINDINGS])


def test_cli_valid_bom_crlf_file_exits_0(tmp_path):
    (tmp_path / "sop.md").write_bytes(CRLF_BOM)
    proc = cli("lint", "sop.md", "--today", "2026-11-26", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, no problems\n")


def test_merge_key_does_not_move_positions_of_the_mappings_own_keys(lint_text):
    source = """---
defaults: &d
  owner: 42
id: merged
title: Merged
owner: 7
<<: *d
last_reviewed: 2026-10-01
preconditions: [a]
rollback: [b]
---
## Steps
1. x
"""
    found = lint_text(source)
    # `owner: 7` on line 6 is the mapping's own key; the merged `owner: 42` (line 3) is ignored.
    assert (6, 1, "field-type") in found
    assert not any(line == 3 and rule == "field-type" for line, _, rule in found)


@pytest.mark.parametrize("day", ["9999-07-01", "9999-12-31", "0001-01-01"])
def test_review_dates_at_the_ends_of_the_calendar_are_findings_not_crashes(day, tmp_path):
    """A review date whose next review falls past year 9999 (or whose due-soon day falls
    before year 1) is reported, never a traceback (found by tests/fuzz)."""
    from sopdocs.core.review import review_state

    state = review_state({"last_reviewed": day, "review_in": "6 months"}, dt.date(2026, 11, 26), due_soon_days=30)
    assert state.last_reviewed.isoformat() == day
    path = tmp_path / "far.md"
    path.write_text(
        f"---\nid: far\ntitle: Far\nowner: team-a\nlast_reviewed: {day}\npreconditions: [a]\nrollback: [b]\n---\n# Far\n\n## Steps\n\n1. x\n",
        encoding="utf-8",
    )
    result = cli("lint", str(path), "--today", "2026-11-26", cwd=tmp_path)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
