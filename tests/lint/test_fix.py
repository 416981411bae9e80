"""`sopdocs lint --fix` and `--diff`: certain fixes, applied textually (sopdocs.lint.fix)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from helpers import CORPORA, TODAY, cli, lint_text, require_shared, sop

from sopdocs.core.config import config_from_dict
from sopdocs.lint.fix import Edit, Fix, apply, body_of, fix_paths, fixes_for_text

CONF = config_from_dict({}, root=Path("/nowhere"))
PATH = Path("/nowhere/content/restart-api.md")
BASE = "title: Restart the API\nowner: team-sre\nlast_reviewed: 2026-10-01\npreconditions:\n  - x\n"
ROLLBACK = "rollback:\n  - Start the previous release again.\n"


def fixed(front: str, catalog: set[str] | None = None, path: Path = PATH) -> tuple[str, list[Fix]]:
    text = sop(front)
    fixes = fixes_for_text(path, text, CONF, catalog)
    return apply(text, fixes), fixes


# --- before/after, one per fixable rule ----------------------------------------------------


def test_field_unknown_typo_is_renamed():
    after, fixes = fixed("id: restart-api\n" + BASE + "rolback:  # undo\n  - y\n")
    assert after == sop("id: restart-api\n" + BASE + "rollback:  # undo\n  - y\n")
    assert [(f.code, f.rule, f.title) for f in fixes] == [("SOP104", "field-unknown", "Rename `rolback` to `rollback`")]


def test_field_type_yaml_traps_are_quoted():
    after, fixes = fixed("id: restart-api\n" + BASE.replace("team-sre", "no") + "version: 1.10\n" + ROLLBACK)
    assert after == sop("id: restart-api\n" + BASE.replace("team-sre", '"no"') + 'version: "1.10"\n' + ROLLBACK)
    assert {f.rule for f in fixes} == {"field-type"}


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("6mo", "6 months"), ("6months", "6 months"), ("6 Months", "6 months"), ("1yr", "1 year"), ("six months", "6 months"),
     ("90d", "90 days"), ("'2 wks'", "'2 weeks'")],
)  # fmt: skip
def test_field_value_review_in_is_normalised(written, canonical):
    after, fixes = fixed("id: restart-api\n" + BASE + f"review_in: {written}\n" + ROLLBACK)
    assert after == sop("id: restart-api\n" + BASE + f"review_in: {canonical}\n" + ROLLBACK)
    assert [f.rule for f in fixes] == ["field-value"]


def test_field_missing_id_is_added_from_the_file_name():
    after, fixes = fixed(BASE + ROLLBACK)
    assert after == sop("id: restart-api\n" + BASE + ROLLBACK)
    assert [f.rule for f in fixes] == ["field-missing"]


def test_related_typo_is_corrected():
    after, fixes = fixed("id: restart-api\n" + BASE + ROLLBACK + "related: [restart-databse, scale-api]\n", {"restart-database", "scale-api"})
    assert after == sop("id: restart-api\n" + BASE + ROLLBACK + "related: [restart-database, scale-api]\n")
    assert [f.rule for f in fixes] == ["related-unknown"]


def test_rollback_sop_typo_is_corrected():
    after, fixes = fixed("id: restart-api\n" + BASE + "rollback: {sop: 'undo-restrat'}\n", {"undo-restart", "restart-api"})
    assert after == sop("id: restart-api\n" + BASE + "rollback: {sop: 'undo-restart'}\n")
    assert [f.rule for f in fixes] == ["rollback-unknown"]


# --- no fix when in doubt ------------------------------------------------------------------


@pytest.mark.parametrize(
    "front",
    [
        "id: restart-api\n" + BASE + "rolback:\n  - y\n" + ROLLBACK,  # the known key is written already
        "id: restart-api\n" + BASE + ROLLBACK + "tag: x\n",  # `tags` wants a list: the value would be wrong
        "id: restart-api\n" + BASE + ROLLBACK + "rolback: [a]\nrollbak: [b]\n",  # two typos of one key
        "id: restart-api\n" + BASE + ROLLBACK + "ownr_slack: x\n",  # too far from any key
        "id: restart-api\n" + BASE + ROLLBACK + "review_in: 6m\n",  # minutes or months?
        "id: restart-api\n" + BASE + ROLLBACK + "review_in: half a year\n",
        "id: restart-api\n" + BASE + ROLLBACK + "review_in: 6\n",  # no unit
        "id: restart-api\n" + BASE.replace("team-sre", "") + ROLLBACK,  # empty: the value is the author's
    ],
)
def test_no_fix_when_in_doubt(front):
    assert fixes_for_text(PATH, sop(front), CONF, set()) == []


def test_id_typo_with_two_candidates_is_not_fixed():
    front = "id: restart-api\n" + BASE + "rollback: {sop: undo-v2}\n" + "related: [undo-v2]\n"
    assert fixes_for_text(PATH, sop(front), CONF, {"undo-v1", "undo-v3", "restart-api"}) == []


def test_no_id_fixes_without_the_catalog():
    front = "id: restart-api\n" + BASE + ROLLBACK + "related: [restart-databse]\n"
    assert fixes_for_text(PATH, sop(front), CONF, None) == []


def test_missing_id_taken_in_the_catalog_is_not_added():
    assert fixes_for_text(PATH, sop(BASE + ROLLBACK), CONF, {"restart-api"}) == []


def test_rules_turned_off_do_not_fix(tmp_path):
    conf = config_from_dict({"rules": {"field-type": "off"}}, root=tmp_path)
    assert fixes_for_text(PATH, sop("id: restart-api\n" + BASE.replace("team-sre", "no") + ROLLBACK), conf) == []


# --- everything else stays byte for byte ---------------------------------------------------


def test_crlf_bom_and_comments_are_kept():
    text = "\ufeff" + sop("# the owner\ntitle: T  # title\nowner: no   # yes, a team\nlast_reviewed: 2026-10-01\n"
                          "preconditions: [x]\nrolback: [y]\n").replace("\n", "\r\n")  # fmt: skip
    fixes = fixes_for_text(PATH, text, CONF, set())
    after = apply(text, fixes)
    expected = "\ufeff" + sop("# the owner\nid: restart-api\ntitle: T  # title\nowner: \"no\"   # yes, a team\n"
                              "last_reviewed: 2026-10-01\npreconditions: [x]\nrollback: [y]\n").replace("\n", "\r\n")  # fmt: skip
    assert after == expected
    assert fixes_for_text(PATH, after, CONF, set()) == []  # fixing twice changes nothing


def test_non_ascii_positions():
    text = sop("id: restart-api\ntitle: Redémarrer l’API 🙂\nowner: no\nlast_reviewed: 2026-10-01\npreconditions: [é]\n" + ROLLBACK)
    assert apply(text, fixes_for_text(PATH, text, CONF)) == text.replace("owner: no", 'owner: "no"')


def test_apply_skips_overlapping_later_fixes():
    text = "---\nowner: no\n---\n"
    first = Fix("SOP102", "field-type", "a", (Edit(2, 8, 2, 10, '"no"'),))
    second = Fix("SOP102", "field-type", "b", (Edit(2, 9, 2, 10, "X"),))
    insert = Fix("SOP101", "field-missing", "c", (Edit(2, 1, 2, 1, "id: x\n"),))
    assert apply(text, [first, second, insert]) == '---\nid: x\nowner: "no"\n---\n'
    assert apply(text, [Fix("X", "x", "bad", (Edit(9, 1, 9, 2, "?"),))]) == text


# --- the command line ----------------------------------------------------------------------


def project(tmp_path: Path) -> Path:
    (tmp_path / "sopdocs.yml").write_text("paths: [content]\n", encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "restart-api.md").write_text(sop(BASE.replace("team-sre", "no") + "rolback:\n  - y\nrelated: [scale-apii]\n"), encoding="utf-8")
    (content / "scale-api.md").write_text(sop("id: scale-api\n" + BASE + "review_in: 6mo\n" + ROLLBACK), encoding="utf-8")
    (content / "broken.md").write_text(sop("id: broken\n" + BASE.replace("team-sre", "") + ROLLBACK), encoding="utf-8")
    return tmp_path


def test_cli_diff_writes_nothing_and_exits_1(tmp_path):
    root = project(tmp_path)
    before = {p: p.read_bytes() for p in (root / "content").iterdir()}
    proc = cli("lint", "--diff", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert "+++ b/content/restart-api.md" in proc.stdout and '+owner: "no"' in proc.stdout and "+review_in: 6 months" in proc.stdout
    assert "would fix 5 problems in 2 files" in proc.stderr
    assert {p: p.read_bytes() for p in (root / "content").iterdir()} == before


def test_cli_fix_then_lints_what_is_left(tmp_path):
    root = project(tmp_path)
    proc = cli("lint", "--fix", "--today", TODAY, cwd=root)
    assert "content/restart-api.md: fixed SOP104 field-unknown: Rename `rolback` to `rollback`" in proc.stderr
    assert "content/restart-api.md: fixed SOP502 related-unknown: Correct `scale-apii` to `scale-api`" in proc.stderr
    assert "fixed 5 problems in 2 files" in proc.stderr
    assert proc.returncode == 1  # the empty owner is left
    assert "broken.md:4:7: SOP103 field-value" in proc.stdout.replace("\\", "/") or "broken.md" in proc.stdout
    assert "restart-api.md" not in proc.stdout
    again = cli("lint", "--diff", cwd=root)
    assert again.returncode == 0 and again.stdout == "" and "nothing to fix" in again.stderr


def test_cli_fix_rejects_catalog_only(tmp_path):
    proc = cli("lint", "--fix", "--catalog-only", cwd=project(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--catalog-only" in proc.stderr


def test_cli_fix_clean_catalog_changes_nothing(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [content]\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(sop("id: a\n" + BASE + ROLLBACK), encoding="utf-8")
    proc = cli("lint", "--fix", "--today", TODAY, cwd=tmp_path)
    assert proc.returncode == 0 and "fixed 0 problems in 0 files" in proc.stderr
    assert lint_text(sop("id: a\n" + BASE + ROLLBACK), tmp_path / "x") == []


# --- the corpora: fixing twice changes nothing the second time -----------------------------

CORPUS = {
    "govuk-developer-docs-2020-09": ("source/manual", "govuk"),
    "govuk-developer-docs": ("source/manual", "govuk"),
    "giantswarm-docs": ("src/content", "giantswarm"),
    "moj-cloud-platform-runbooks": ("source", "govuk"),
    "prometheus-operator-runbooks": ("content", "sopdocs"),
}


@pytest.mark.parametrize("profile", ["own", "sopdocs"])
@pytest.mark.parametrize("corpus", sorted(CORPUS))
def test_fixing_a_corpus_twice_changes_nothing_the_second_time(corpus, profile, tmp_path):
    require_shared(CORPORA)
    directory, own = CORPUS[corpus]
    copy = tmp_path / corpus
    shutil.copytree(CORPORA / corpus / directory, copy)
    conf = config_from_dict({"profile": own if profile == "own" else "sopdocs", "paths": ["."]}, root=copy)
    bodies = {p: body_of(p.read_text(encoding="utf-8")) for p in copy.rglob("*") if p.is_file() and p.name.endswith((".md", ".erb"))}
    started = time.perf_counter()
    first = fix_paths(None, conf, copy)
    for item in first:
        item.path.write_bytes(item.after.encode("utf-8"))
    took = time.perf_counter() - started
    assert fix_paths(None, conf, copy) == []
    assert {p: body_of(p.read_text(encoding="utf-8")) for p in bodies} == bodies
    print(f"\n{corpus} ({conf.profile}): {sum(len(i.fixes) for i in first)} fixes in {len(first)} files, {took:.2f} s")
