"""Pagefind's bundle in a fixed order (sopdocs.site.stable_index), on real Pagefind output."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest

from sopdocs.site.stable_index import SIGNATURE, stabilise

OWNERS = [f"team-{name}" for name in ("sre", "data", "edge", "payments", "security", "platform", "ml", "web")]
TAGS = [f"tag-{i}" for i in range(30)]


def write_records(root: Path) -> None:
    for i in range(24):
        tags = "".join(f'<p data-pagefind-filter="tag">{TAGS[(i * 7 + k) % len(TAGS)]}</p>' for k in range(4))
        page = root / f"sop-{i:02}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            f'<html lang="en"><body data-pagefind-body><h1 data-pagefind-meta="title">SOP {i}</h1>'
            f'<p data-pagefind-filter="owner">{OWNERS[i % len(OWNERS)]}</p>{tags}'
            f"<p>Restart the worker pool number {i} and check the queue depth.</p></body></html>",
            encoding="utf-8",
        )


def pagefind(records: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(records), "--output-path", str(out), "--force-language", "en", "--silent"],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("records")
    write_records(root)
    return root


def files_of(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


def read(path: Path):
    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(SIGNATURE)
    return cbor2.loads(raw[len(SIGNATURE) :])


def meta_of(bundle: Path) -> tuple[str, list]:
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    meta_hash = entry["languages"]["en"]["hash"]
    return meta_hash, read(bundle / f"pagefind.{meta_hash}.pf_meta")


def filters_of(bundle: Path) -> dict[str, list]:
    """Every filter with its values as the browser gets them: name -> [[value, pages]]."""
    _, meta = meta_of(bundle)
    return {name: read(bundle / "filter" / f"{chunk}.pf_filter")[1] for name, chunk in meta[3]}


def test_runs_of_pagefind_on_the_same_pages_give_the_same_bytes(records, tmp_path):
    bundles = [pagefind(records, tmp_path / f"run{i}") for i in range(3)]
    raw = [files_of(b) for b in bundles]
    before = [filters_of(b) for b in bundles]
    for bundle in bundles:
        assert stabilise(bundle) is None
    after = [files_of(b) for b in bundles]
    assert after[0] == after[1] == after[2]
    # Only Pagefind's filter files, its metadata and its entry were rewritten.
    changed = {name for name in set(raw[0]) | set(after[0]) if raw[0].get(name) != after[0].get(name)}
    assert changed and all(n.startswith("filter/") or n.endswith(".pf_meta") or n == "pagefind-entry.json" for n in changed)
    # The same filters and values, now in order.
    stable = filters_of(bundles[0])
    assert list(stable) == sorted(stable) == ["owner", "tag"]
    def pairs(values: list) -> list[tuple]:
        return sorted((value, tuple(pages)) for value, pages in values)

    for name, values in stable.items():
        assert [v[0] for v in values] == sorted(v[0] for v in values)
        assert all(pairs(run[name]) == pairs(values) for run in before)
    assert {v[0] for v in stable["owner"]} == set(OWNERS)


def test_stabilising_twice_changes_nothing(records, tmp_path):
    bundle = pagefind(records, tmp_path / "run")
    assert stabilise(bundle) is None
    once = files_of(bundle)
    assert stabilise(bundle) is None
    assert files_of(bundle) == once


def test_rewritten_files_are_named_in_pagefinds_format(records, tmp_path):
    bundle = pagefind(records, tmp_path / "run")
    assert stabilise(bundle) is None
    meta_hash, meta = meta_of(bundle)
    assert meta_hash.startswith("en_") and len(meta_hash) == len("en_") + 10
    names = sorted(p.stem for p in (bundle / "filter").iterdir())
    assert names == sorted(chunk for _, chunk in meta[3])
    assert all(n.startswith("en_") and len(n) == len("en_") + 7 for n in names)
    assert len(list(bundle.glob("pagefind.*.pf_meta"))) == 1


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: (b / "pagefind-entry.json").write_text('{"version": "1.5.2"}', encoding="utf-8"), id="entry-without-languages"),
        pytest.param(lambda b: next((b / "filter").iterdir()).write_bytes(b"not gzip"), id="filter-not-gzip"),
        pytest.param(
            lambda b: next((b / "filter").iterdir()).write_bytes(gzip.compress(SIGNATURE + cbor2.dumps({"a": 1}))), id="filter-of-another-shape"
        ),
        pytest.param(lambda b: next(b.glob("pagefind.*.pf_meta")).unlink(), id="meta-missing"),
    ],
)
def test_a_bundle_of_another_shape_is_left_as_it_is(records, tmp_path, damage):
    bundle = pagefind(records, tmp_path / "run")
    damage(bundle)
    before = files_of(bundle)
    reason = stabilise(bundle)
    assert reason
    assert files_of(bundle) == before


def test_the_build_copies_a_stable_bundle(records, tmp_path):
    """The same property through sopdocs' own index job (what `sopdocs build` uses)."""
    from sopdocs.site.search import IndexJob

    sites = []
    for i in range(2):
        job = IndexJob()
        shutil.copytree(records, job.records, dirs_exist_ok=True)
        site = tmp_path / f"site{i}"
        site.mkdir()
        job.start().finish(site)
        assert job.unstable is None
        sites.append(files_of(site / "pagefind"))
    assert sites[0] == sites[1]


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_paused_index_job_stops_and_goes_on_to_the_same_bundle(records, tmp_path):
    """The build pauses Pagefind while its own processes use every CPU (sopdocs.site.plugin):
    stopped while paused, the same bundle after."""
    import time

    from sopdocs.site.search import IndexJob

    job = IndexJob()
    shutil.copytree(records, job.records, dirs_exist_ok=True)
    job.start(nice=False)
    assert job.pause()
    time.sleep(0.2)
    state = _state(job._process.pid)
    job.resume()
    job.finish(tmp_path / "paused")
    assert state == "T"  # stopped
    assert not job.pause()  # finished: nothing to pause
    plain = IndexJob()
    shutil.copytree(records, plain.records, dirs_exist_ok=True)
    plain.start().finish(tmp_path / "plain")
    assert files_of(tmp_path / "paused" / "pagefind") == files_of(tmp_path / "plain" / "pagefind")
