"""The `sopdocs` command line: exit codes are a contract (0 clean, 1 error-level
findings, 2 usage or configuration errors, 3 a bug in sopdocs). Most tests run it in
this process (helpers.cli); the contract is also checked on the installed console
script, in a subprocess."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import MINIMAL, REPO, cli, cli_process

from sopdocs.lint import rules as registry

# Reviewed 2026-01-10 with the default 6 months: due 2026-07-10.
STALE = MINIMAL.replace("id: restart-api", "id: stale-api").replace("2026-10-01", "2026-01-10")
# Reviewed 2026-06-01: due 2026-12-01, a warning (not an error) on 2026-11-26.
DUE_SOON = MINIMAL.replace("id: restart-api", "id: due-soon-api").replace("2026-10-01", "2026-06-01")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with one valid SOP in content/ and no config file."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "restart-api.md").write_text(MINIMAL, encoding="utf-8")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- exit codes -----------------------------------------------------------------------


def test_clean_run_exits_0(project):
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "1 file checked, no problems\n", "")


def test_errors_exit_1(project):
    write(project / "content" / "stale.md", STALE)
    proc = cli("lint", "content", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("content/stale.md:5:1: error SOP301 review-overdue: ")
    assert proc.stdout.splitlines()[-1] == "1 error, 0 warnings in 1 of 2 files"


def test_warnings_alone_exit_0(project):
    write(project / "content" / "due.md", DUE_SOON)
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 0
    assert "warning SOP302 review-due-soon" in proc.stdout


def test_error_severity_override_makes_a_warning_fail(project):
    write(project / "content" / "due.md", DUE_SOON)
    write(project / "sopdocs.yml", "rules:\n  review-due-soon: error\n")
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 1


@pytest.mark.parametrize("setting", ["SOP301: 'off'", "review-overdue: off", "review-overdue: {severity: 'off'}"])
def test_rule_turned_off_in_config(project, setting):
    # An unquoted `off` is YAML 1.1's false; it still means "off".
    write(project / "content" / "stale.md", STALE)
    write(project / "sopdocs.yml", f"rules:\n  {setting}\n")
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert (proc.returncode, proc.stderr) == (0, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "--format", "xml", "content"], "'xml' is not one of"),
        (["lint", "missing-dir"], "missing-dir: no such file or directory"),
        (["lint", "--today", "2026-13-01", "content"], "invalid date '2026-13-01'"),
        (["lint", "--today", "tomorrow", "content"], "invalid date 'tomorrow'"),
        (["lint", "--config", "nope.yml", "content"], "nope.yml"),
        (["lint", "--no-such-option"], "No such option"),
    ],
)
def test_usage_errors_exit_2(project, args, message):
    proc = cli(*args, cwd=project)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_today_from_the_environment_exits_2(project):
    proc = cli("lint", cwd=project, env={"SOPDOCS_TODAY": "26/11/2026"})
    assert proc.returncode == 2
    assert "invalid date '26/11/2026'" in proc.stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("sopdocs.yml", "due_soon_days: soon\n", "invalid setting at due_soon_days"),
        ("sopdocs.yml", "paths: [content\n", "invalid YAML"),
        ("sopdocs.yml", "rules:\n  review-stale: 'off'\n", "unknown rule `review-stale`"),
        ("sopdocs.yml", "rules:\n  review-due-soon: loud\n", "invalid setting at rules.review-due-soon"),
        ("sopdocs.yml", "colour: blue\n", "invalid setting at top level"),
        ("pyproject.toml", "[tool.sopdocs]\nowners = 'team-sre'\n", "invalid setting at owners"),
        ("pyproject.toml", "[tool.sopdocs\n", "cannot read"),
    ],
)
def test_invalid_config_exits_2(project, name, text, message):
    write(project / name, text)
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr
    assert name in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("{dayz: 400}", "Error: sopdocs.yml: rules: review-due-soon: unknown option `dayz`; did you mean `days`?"),
        ('{days: "14"}', "Error: sopdocs.yml: rules: review-due-soon: option `days` must be a whole number, not the text `14`"),
    ],
)
def test_a_bad_rule_option_is_one_line_and_exit_2(project, setting, line):
    write(project / "sopdocs.yml", f"rules:\n  review-due-soon: {setting}\n")
    for command in (("lint",), ("report",), ("export", "--out", "out")):
        proc = cli(*command, "--today", "2026-11-26", cwd=project)
        assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", line + "\n"), command


def test_the_installed_command_keeps_the_exit_code_contract(project):
    assert cli_process("lint", "--today", "2026-11-26", cwd=project).returncode == 0
    write(project / "content" / "stale.md", STALE)
    assert cli_process("lint", "--today", "2026-11-26", cwd=project).returncode == 1
    usage = cli_process("lint", "--today", "tomorrow", cwd=project)
    assert usage.returncode == 2 and "invalid date 'tomorrow' for today" in usage.stderr
    write(project / "sopdocs.yml", "rules:\n  review-due-soon: {dayz: 400}\n")
    config = cli_process("lint", "--today", "2026-11-26", cwd=project)
    assert config.returncode == 2 and config.stderr.startswith("Error: sopdocs.yml: rules: review-due-soon:")


def test_a_bug_exits_3_and_names_a_log_with_the_traceback(project, monkeypatch):
    import sopdocs.lint.files

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the linter")

    monkeypatch.setattr(sopdocs.lint.files, "lint_paths", broken)
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 3
    assert "sopdocs: internal error: RuntimeError: a bug in the linter" in proc.stderr
    log = Path(re.search(r"details are in (\S+)", proc.stderr).group(1))
    assert "Traceback" in log.read_text() and "Traceback" not in proc.stderr
    log.unlink()


# --- today ----------------------------------------------------------------------------


def test_today_option_and_environment(project):
    # Only the SOP reviewed 2026-01-10 (due 2026-07-10): stale in November, current in February.
    (project / "content" / "restart-api.md").unlink()
    write(project / "content" / "stale.md", STALE)
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 1
    assert cli("lint", "--today", "2026-02-01", cwd=project).returncode == 0
    assert cli("lint", cwd=project, env={"SOPDOCS_TODAY": "2026-11-26"}).returncode == 1
    assert cli("lint", cwd=project, env={"SOPDOCS_TODAY": "2026-02-01"}).returncode == 0
    # The option wins over the environment.
    assert cli("lint", "--today", "2026-02-01", cwd=project, env={"SOPDOCS_TODAY": "2026-11-26"}).returncode == 0


# --- output ---------------------------------------------------------------------------


def test_json_to_a_file(project):
    write(project / "content" / "stale.md", STALE)
    proc = cli("lint", "--format", "json", "-o", "report.json", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("1 error")
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert [(f["path"], f["line"], f["rule"]) for f in report["findings"]] == [("content/stale.md", 5, "review-overdue")]
    assert report["summary"]["files"] == 2


def test_output_file_that_cannot_be_written_is_a_usage_error(project):
    proc = cli("lint", "--format", "json", "-o", "no-such-dir/report.json", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 2
    assert "cannot write no-such-dir/report.json" in proc.stderr
    assert "internal error" not in proc.stderr


def test_sarif_and_text_to_a_file(project):
    write(project / "content" / "stale.md", STALE)
    for fmt in ("sarif", "text"):
        proc = cli("lint", "--format", fmt, "--output", f"report.{fmt}", "--today", "2026-11-26", cwd=project)
        assert (proc.returncode, proc.stdout) == (1, "")
    assert json.loads((project / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    text = (project / "report.text").read_text(encoding="utf-8")
    assert text.startswith("content/stale.md:5:1: error SOP301") and "\033[" not in text


def test_colour_only_on_request(project):
    write(project / "content" / "stale.md", STALE)
    plain = cli("lint", "--today", "2026-11-26", cwd=project)
    coloured = cli("lint", "--color", "--today", "2026-11-26", cwd=project)
    assert "\033[" not in plain.stdout
    assert "\033[31merror\033[0m" in coloured.stdout
    assert re.sub(r"\033\[[0-9;]*m", "", coloured.stdout) == plain.stdout


def test_no_catalog_skips_catalog_rules(project):
    write(project / "content" / "copy.md", MINIMAL)  # the same id twice
    assert "duplicate-id" in cli("lint", "--today", "2026-11-26", cwd=project).stdout
    proc = cli("lint", "--no-catalog", "--today", "2026-11-26", cwd=project)
    assert (proc.returncode, "duplicate-id" in proc.stdout) == (0, False)


# --- rules and schema -----------------------------------------------------------------


def test_rules_lists_every_rule(tmp_path):
    proc = cli("rules", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == len(registry.RULES) == 24
    for line, rule in zip(lines, registry.RULES.values()):
        assert line.split()[:3] == [rule.code, rule.id, rule.severity]
        assert (line.split()[3] == "fix") == (rule.fix is not None), line


def test_rules_as_json(tmp_path):
    rows = json.loads(cli("rules", "--format", "json", cwd=tmp_path).stdout)
    assert [r["id"] for r in rows] == list(registry.RULES)
    assert all(set(r) == {"code", "id", "severity", "scope", "fixable", "summary"} for r in rows)
    fixable = {r["id"] for r in rows if r["fixable"]}
    assert fixable == {r.id for r in registry.RULES.values() if r.fix is not None}
    assert {"field-unknown", "related-unknown"} <= fixable and "review-overdue" not in fixable


@pytest.mark.parametrize("name", ["rollback-missing", "SOP201", "sop201"])
def test_explain_shows_the_rule_doc(tmp_path, name):
    proc = cli("rules", "explain", name, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        "SOP201 rollback-missing (default severity: error, scope: document; off under another handbook format (`profile`))\n"
    )
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in proc.stdout
    assert "rollback: {sop: canary-abort}" in proc.stdout


def test_explain_unknown_rule_exits_2(tmp_path):
    proc = cli("rules", "explain", "nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown rule `nope`" in proc.stderr


def test_explain_suggests_a_close_rule(tmp_path):
    proc = cli("rules", "explain", "rollback-mising", cwd=tmp_path)
    assert proc.returncode == 2
    assert "did you mean `rollback-missing`?" in proc.stderr


def test_schema_is_the_published_file(tmp_path):
    proc = cli("schema", cwd=tmp_path)
    assert proc.returncode == 0
    published = json.loads((REPO / "schema" / "sop.schema.json").read_text(encoding="utf-8"))
    assert json.loads(proc.stdout) == published


def test_config_schema_is_the_published_file(tmp_path):
    proc = cli("schema", "config", cwd=tmp_path)
    published = json.loads((REPO / "schema" / "config.schema.json").read_text(encoding="utf-8"))
    assert json.loads(proc.stdout) == published


# --- config discovery -----------------------------------------------------------------


UNKNOWN_OWNER = MINIMAL.replace("owner: team-sre", "owner: team-nobody")


def test_config_from_pyproject(project):
    write(project / "content" / "restart-api.md", UNKNOWN_OWNER)
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 0
    write(project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.sopdocs]\nowners = ["team-sre", "team-data"]\n')
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 1
    assert "content/restart-api.md:4:1: error SOP105 owner-unknown:" in proc.stdout


def test_pyproject_without_a_section_is_skipped(project):
    write(project / "content" / "restart-api.md", UNKNOWN_OWNER)
    write(project / "pyproject.toml", '[project]\nname = "x"\n')
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 0


def test_config_from_sopdocs_yml_in_a_parent_directory(project):
    write(project / "content" / "restart-api.md", UNKNOWN_OWNER)
    write(project / "sopdocs.yml", "owners: [team-sre]\npaths: [content]\n")
    # Run from content/: the config one level up is found; its paths are relative to it.
    proc = cli("lint", "--today", "2026-11-26", cwd=project / "content")
    assert proc.returncode == 1
    assert "owner-unknown" in proc.stdout


def test_sopdocs_yml_wins_over_pyproject(project):
    write(project / "content" / "restart-api.md", UNKNOWN_OWNER)
    write(project / "pyproject.toml", '[tool.sopdocs]\nowners = ["team-nobody"]\n')
    write(project / "sopdocs.yml", "owners: [team-sre]\n")
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 1


def test_explicit_config_option(project):
    write(project / "content" / "restart-api.md", UNKNOWN_OWNER)
    write(project / "elsewhere" / "strict.yml", "owners: [team-sre]\n")
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 0
    assert (
        cli("lint", "content", "--config", "elsewhere/strict.yml", "--today", "2026-11-26", cwd=project).returncode == 1
    )


def test_exclude_patterns(project):
    write(project / "content" / "drafts" / "stale.md", STALE)
    assert cli("lint", "--today", "2026-11-26", cwd=project).returncode == 1
    write(project / "sopdocs.yml", "exclude: ['content/drafts/*']\n")
    proc = cli("lint", "--today", "2026-11-26", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, no problems\n")


# --- new ------------------------------------------------------------------------------


def fill_placeholders(text: str) -> str:
    """Replace every template line holding TODO(sopdocs) with real content."""
    sentences = iter(
        [
            "The change ticket is approved.",
            "Start the previous release again.",
            "Restarts the title service when it stops answering; do not use it during a deploy.",
            "Announce the restart in #ops.",
            "Restart the title service.",
            "The title service answers on its health endpoint.",
            "Page team-x on-call when the restart does not help.",
        ]
    )
    out = []
    for line in text.split("\n"):
        if "TODO(sopdocs)" not in line:
            out.append(line)
            continue
        prefix = line[: line.index("TODO(sopdocs)")].removesuffix('"')
        if prefix.strip() == "echo":
            out.append(prefix.replace("echo ", "systemctl restart title.service"))
        else:
            out.append(prefix + next(sentences))
    assert next(sentences, None) is None, "the template changed: update fill_placeholders"
    return "\n".join(out)


def test_new_scaffolds_an_sop_with_only_placeholders_left(tmp_path):
    proc = cli("new", "Title", "--owner", "team-x", "--dir", "D", "--today", "2026-11-26", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "D" / "title.md"
    assert path.is_file()
    assert f"wrote {Path('D') / 'title.md'}" in proc.stdout
    text = path.read_text(encoding="utf-8")
    assert "id: title\n" in text and 'owner: "team-x"\n' in text and "last_reviewed: 2026-11-26\n" in text

    report = json.loads(cli("lint", "D", "--format", "json", "--today", "2026-11-26", cwd=tmp_path).stdout)
    rules_found = {f["rule"] for f in report["findings"]}
    assert rules_found == {"placeholder-left"}
    markers = [n for n, line in enumerate(text.split("\n"), start=1) if "TODO(sopdocs)" in line]
    assert sorted({f["line"] for f in report["findings"]}) == markers

    path.write_text(fill_placeholders(text), encoding="utf-8")
    proc = cli("lint", "D", "--today", "2026-11-26", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, no problems\n")


def test_new_refuses_to_overwrite_without_force(tmp_path):
    args = ("new", "Title", "--owner", "team-x", "--dir", "D", "--today", "2026-11-26")
    assert cli(*args, cwd=tmp_path).returncode == 0
    (tmp_path / "D" / "title.md").write_text("mine\n", encoding="utf-8")
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--force" in proc.stderr
    assert (tmp_path / "D" / "title.md").read_text(encoding="utf-8") == "mine\n"
    assert cli(*args, "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "D" / "title.md").read_text(encoding="utf-8").startswith("---\n")


def test_new_defaults_to_the_first_configured_path(tmp_path):
    write(tmp_path / "sopdocs.yml", "paths: [runbooks]\n")
    proc = cli("new", "Fail over the DB!", "--owner", "team-x", "--today", "2026-11-26", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "runbooks" / "fail-over-the-db.md").is_file()


def test_new_rejects_a_bad_id(tmp_path):
    proc = cli("new", "Title", "--owner", "team-x", "--id", "Bad_Id", "--dir", "D", cwd=tmp_path)
    assert proc.returncode == 2
    assert "kebab-case" in proc.stderr


def test_new_refuses_an_owner_the_config_does_not_list(tmp_path):
    write(tmp_path / "sopdocs.yml", "owners: [team-sre, team-platform]\n")
    proc = cli("new", "Rotate the key", "--owner", "team-sr", "--dir", "D", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--owner `team-sr` is not a known owner (the config's `owners`); did you mean `team-sre`?" in proc.stderr
    assert not (tmp_path / "D").exists()
    assert cli("new", "Rotate the key", "--owner", "team-sre", "--dir", "D", cwd=tmp_path).returncode == 0


# --- paths that hold no SOP -----------------------------------------------------------


def test_a_path_without_sops_is_a_usage_error_unless_allowed(project):
    (project / "empty").mkdir()
    write(project / "empty" / "notes.txt", "not an SOP\n")
    proc = cli("lint", "empty", "--today", "2026-11-26", cwd=project)
    assert proc.returncode == 2
    assert "empty: no SOP files (*.md) there; check the path, or pass --allow-empty" in proc.stderr
    allowed = cli("lint", "empty", "--allow-empty", "--today", "2026-11-26", cwd=project)
    assert allowed.returncode == 0 and "0 files checked" in allowed.stdout
    # A hook that filters every file it was given out is fine: nothing of the catalog changed.
    hook = cli("lint", "--no-catalog", "--force-exclude", "empty/notes.txt", "--today", "2026-11-26", cwd=project)
    assert hook.returncode == 0, hook.stderr
