"""Acceptance tests on real handbooks (../shared/corpora): under the matching profile, the
review state sopdocs computes for every page equals an independent computation from the
dates in the files (PyYAML + dateutil here, nothing from sopdocs), and `sopdocs migrate`
keeps every page's body and review state."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from adoptkit import CORPORA, TODAY, cli
from dateutil.relativedelta import relativedelta
from helpers import require_shared

from sopdocs.author.migrate import migrate_text
from sopdocs.core.config import config_from_dict
from sopdocs.core.review import review_state
from sopdocs.lint.files import lint_paths


@pytest.fixture(autouse=True)
def corpora_present():
    require_shared(CORPORA)


DAY = dt.date.fromisoformat(TODAY)
DUE_SOON_DAYS = 30

# corpus -> (catalog directory, profile, overdue pages as of 2026-11-26)
CORPUS = {
    "govuk-developer-docs-2020-09": ("source/manual", "govuk", 285),
    "govuk-developer-docs": ("source/manual", "govuk", 0),
    "giantswarm-docs": ("src/content", "giantswarm", 97),
    "moj-cloud-platform-runbooks": ("source", "govuk", 88),
    "prometheus-operator-runbooks": ("content", "sopdocs", 0),
}
PERIOD = re.compile(r"^\s*([0-9]+)\s+(day|week|month|year)s?\s*$")


def pages(corpus: str) -> list[Path]:
    directory = CORPORA / corpus / CORPUS[corpus][0]
    return sorted(p for p in directory.rglob("*") if p.name.endswith((".md", ".md.erb")) and p.is_file())


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def expected_review(meta: dict, profile: str) -> tuple[str, dt.date | None]:
    """(state, next review) the way each handbook's own tool defines it."""
    if profile == "govuk":
        # tech-docs-gem: `review_in` from `last_reviewed_on`; "6 months" are calendar months.
        last, period = meta.get("last_reviewed_on"), meta.get("review_in")
        if last is None or period is None:
            return "unknown", None
        amount, unit = PERIOD.match(str(period)).groups()
        due = last + relativedelta(**{unit + "s": int(amount)})
    elif profile == "giantswarm":
        # frontmatter-validator: REVIEW_TOO_LONG_AGO after expiration_in_days (default 365) days.
        last = meta.get("last_review_date")
        if last is None:
            return "unknown", None
        due = last + dt.timedelta(days=int(meta.get("expiration_in_days", 365)))
    else:
        last = meta.get("last_reviewed")
        if last is None:
            return "unknown", None
        due = last + relativedelta(months=6)
    left = (due - DAY).days
    return ("overdue" if left < 0 else "due-soon" if left <= DUE_SOON_DAYS else "current"), due


def expected_owner(meta: dict, profile: str, default: str | None) -> str:
    if profile == "govuk":
        owner = meta.get("owner_slack") or default
    elif profile == "giantswarm":
        urls = meta.get("owner") or []
        owner = urls[0].rstrip("/").rsplit("/", 1)[-1] if urls else None
    else:
        owner = meta.get("owner")
    return owner or "(no owner)"


def report(corpus: str, tmp_path: Path, config_dir: Path | None = None) -> dict:
    directory, profile, _ = CORPUS[corpus]
    if config_dir is None:
        config = tmp_path / "sopdocs.yml"
        config.write_text(f"profile: {profile}\npaths: [{json.dumps(str(CORPORA / corpus / directory))}]\n", encoding="utf-8")
        args = ("--config", str(config))
        cwd = CORPORA / corpus
    else:
        args, cwd = (), config_dir
    proc = cli("report", "--format", "json", "--no-history", "--today", TODAY, *args, cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def check_against_files(data: dict, root: Path, corpus: str, default_owner: str | None = None) -> dict[str, int]:
    _, profile, _ = CORPUS[corpus]
    rows = {s["path"]: s for o in data["owners"] for s in o["sops"]}
    assert sorted(rows) == sorted(p.relative_to(root).as_posix() for p in pages(corpus)), "report must list every page"
    mismatches = []
    for path in pages(corpus):
        meta = front_matter(path)
        state, due = expected_review(meta, profile)
        row = rows[path.relative_to(root).as_posix()]
        got = (row["state"], row["next_review"], row["owner"])
        want = (state, due.isoformat() if due else None, expected_owner(meta, profile, default_owner))
        if got != want:
            mismatches.append((row["path"], got, want))
    assert mismatches == []
    states = {s: sum(1 for r in rows.values() if r["state"] == s) for s in ("overdue", "due-soon", "current", "unknown")}
    print(f"\n{corpus} (profile {profile}, as of {TODAY}): {states}")
    return states


@pytest.mark.parametrize("corpus", [c for c in CORPUS if c != "moj-cloud-platform-runbooks"])
def test_review_states_match_the_dates_in_the_files(corpus, tmp_path):
    states = check_against_files(report(corpus, tmp_path), CORPORA / corpus, corpus)

    assert states["overdue"] == CORPUS[corpus][2]


def test_moj_owner_comes_from_the_tech_docs_site_config(tmp_path):
    # The handbook as a team would adopt it: a sopdocs.yml beside config/tech-docs.yml.
    corpus = "moj-cloud-platform-runbooks"
    copy = tmp_path / corpus
    shutil.copytree(CORPORA / corpus, copy)
    (copy / "sopdocs.yml").write_text("profile: govuk\npaths: [source]\n", encoding="utf-8")
    site_owner = yaml.safe_load((copy / "config" / "tech-docs.yml").read_text(encoding="utf-8"))["default_owner_slack"]

    data = report(corpus, tmp_path, config_dir=copy)

    real_pages = {p.relative_to(CORPORA / corpus) for p in pages(corpus)}
    assert {p.relative_to(copy) for p in (copy / "source").rglob("*") if p.name.endswith((".md", ".md.erb"))} == real_pages
    states = check_against_files(data, CORPORA / corpus, corpus, site_owner)
    assert [o["owner"] for o in data["owners"]] == ["#cloud-platform-notify"]
    assert states["overdue"] == CORPUS[corpus][2]
    assert states["unknown"] == 42  # pages without review fields: tech-docs shows no expiry for them


@pytest.mark.parametrize("corpus", ["govuk-developer-docs-2020-09", "giantswarm-docs", "moj-cloud-platform-runbooks"])
def test_lint_under_the_profile_reports_reviews_not_format_differences(corpus):
    directory, profile, overdue = CORPUS[corpus]
    raw = {"profile": profile, "paths": [str(CORPORA / corpus / directory)]}
    if corpus.startswith("moj"):
        raw["default_owner"] = "#cloud-platform-notify"
    config = config_from_dict(raw, root=CORPORA / corpus)

    result = lint_paths(None, config, DAY, cwd=CORPORA / corpus)

    rules = {f.rule for f in result.findings}
    assert rules <= {"review-overdue", "review-due-soon", "credential-in-command", "field-missing", "duplicate-key", "link-broken"}
    overdue_findings = [f for f in result.findings if f.rule == "review-overdue"]
    assert len(overdue_findings) == overdue
    key = "last_review_date" if profile == "giantswarm" else "last_reviewed_on"
    for finding in overdue_findings:
        line = (CORPORA / corpus / finding.path).read_text(encoding="utf-8").split("\n")[finding.line - 1]
        assert line.startswith(f"{key}:"), (finding, line)
        assert f"update `{key}`" in finding.message


@pytest.mark.parametrize("corpus", ["govuk-developer-docs-2020-09", "govuk-developer-docs", "giantswarm-docs", "moj-cloud-platform-runbooks"])
def test_migrate_keeps_body_order_and_review_state(corpus, tmp_path):
    profile = CORPUS[corpus][1]
    raw = {"profile": profile}
    if corpus.startswith("moj"):
        raw["default_owner"] = "#cloud-platform-notify"
    old_config = config_from_dict(raw, root=tmp_path)
    new_config = config_from_dict({"paths": ["."]}, root=tmp_path)  # the sopdocs format, no profile
    out = tmp_path / "migrated"
    out.mkdir()
    migrated = 0
    for number, path in enumerate(pages(corpus)):
        original = path.read_text(encoding="utf-8")
        result = migrate_text(original, path, old_config)
        if result.skipped:
            assert not original.startswith("---"), f"{path}: {result.notes}"
            continue
        migrated += 1
        # The body, byte for byte; the old keys in their order.
        assert body(result.text) == body(original), path
        old_keys = [k for k in front_matter(path) if k not in ("owner_slack", "last_reviewed_on", "last_review_date", "expiration_in_days")]
        new_keys = list(yaml.safe_load(result.text[4 : result.text.find("\n---", 4)]))
        assert [k for k in new_keys if k in old_keys] == old_keys, path
        (out / f"{number:03d}-{path.name}").write_text(result.text, encoding="utf-8")
        # The review state, judged in the sopdocs format, is the one the old tool computes.
        state, due = expected_review(front_matter(path), profile)
        after = lint_paths([out / f"{number:03d}-{path.name}"], new_config, DAY, cwd=out, catalog_checks=False)
        doc = after.documents[0]
        review = review_state(doc.meta, DAY, new_config.review_in, DUE_SOON_DAYS)
        assert (review.state, review.next_review) == (state, due), path
        broken = {f.rule for f in after.findings} & {"yaml-syntax", "field-type", "field-value", "front-matter-missing", "rollback-missing"}
        assert broken == set(), (path, [f for f in after.findings if f.rule in broken])
        placeholders = [f for f in after.findings if f.rule == "placeholder-left"]
        assert len(placeholders) >= 2, path  # preconditions and rollback
    assert migrated >= len(pages(corpus)) - 2


def body(text: str) -> str:
    return text[text.find("\n---", 4) + 4 :]
