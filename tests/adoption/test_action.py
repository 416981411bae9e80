"""The GitHub Action (action.yml), validated against the published action schema and run
step by step as the runner runs a composite action's `run:` steps (bash -eo pipefail,
inputs through `env:`, GITHUB_OUTPUT and GITHUB_PATH files); and the CI snippets in
README.md and docs/adoption.md, validated against the published workflow and GitLab CI
schemas, and run."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from adoptkit import REPO, TODAY, cli, commit, git, git_env, init_repo, offline_pip_env, sop, write

BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), *args], capture_output=True, text=True, check=False)


def test_action_yml_matches_the_published_schema():
    proc = check_jsonschema("--builtin-schema", "vendor.github-actions", str(REPO / "action.yml"))

    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_inputs_never_reach_a_script_as_text():
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"step {step['name']!r}: pass inputs through env:, not into the script"
            assert step["shell"] == "bash"


class Runner:
    """Runs the action's `run:` steps like the GitHub runner: each step a bash script
    with the step's `env:`, GITHUB_OUTPUT and GITHUB_PATH files between steps."""

    def __init__(self, workspace: Path, tmp: Path, inputs: dict[str, str], action_path: Path = REPO) -> None:
        self.workspace, self.tmp, self.action_path = workspace, tmp, action_path
        self.inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"not inputs of the action: {unknown}"
        self.inputs.update(inputs)
        self.path_file = tmp / "github_path"
        self.path_file.write_text("")
        self.outputs: dict[str, dict[str, str]] = {}

    def evaluate(self, text: str) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return self.inputs[expression.removeprefix("inputs.")]
            if expression == "github.action_path":
                return str(self.action_path)
            raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")

        return EXPRESSION.sub(value, text)

    def run(self, skip: tuple[str, ...] = (), env: dict[str, str] | None = None) -> tuple[int, str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SOPDOCS_", "GITHUB_"))}
        base.update({"RUNNER_TEMP": str(self.tmp), "GITHUB_PATH": str(self.path_file), "NO_COLOR": "1", **(env or {})})
        code, out, err = 0, "", ""
        for number, step in enumerate(ACTION["runs"]["steps"]):
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@"), step
                continue
            if step["name"] in skip:
                continue
            output_file = self.tmp / f"output-{number}"
            output_file.write_text("")
            step_env = {**base, "GITHUB_OUTPUT": str(output_file)}
            extra_path = [line for line in self.path_file.read_text().splitlines() if line]
            step_env["PATH"] = os.pathsep.join([*reversed(extra_path), step_env["PATH"]])
            step_env.update({k: self.evaluate(str(v)) for k, v in step.get("env", {}).items()})
            script = self.tmp / f"step-{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace, env=step_env, capture_output=True, text=True, timeout=900, check=False,
            )
            out, err, code = out + proc.stdout, err + proc.stderr, proc.returncode
            self.outputs[step.get("id", str(number))] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
            if code != 0:
                break
        return code, out, err

    def action_output(self, name: str) -> str:
        expression = EXPRESSION.fullmatch(ACTION["outputs"][name]["value"]).group(1)
        step, _, key = expression.removeprefix("steps.").partition(".outputs.")
        return self.outputs.get(step, {}).get(key, "")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "workspace")
    commit(
        repo,
        {
            "sopdocs.yml": "paths: [sops]\n",
            "sops/ok.md": sop("ok"),
            "sops/due.md": sop("due", last_reviewed="2026-06-01"),  # due 2026-12-01: a warning
        },
    )
    return repo


def dev_sopdocs_on_path(tmp_path: Path) -> dict[str, str]:
    """Stand-in for the install step: the sopdocs under test, first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sopdocs").symlink_to(BIN / "sopdocs")
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "SOPDOCS_TODAY": TODAY}


def test_github_annotations_repeat_line_and_column(workspace, tmp_path):
    write(workspace, {"sops/bad.md": sop("bad", owner="no")})
    runner = Runner(workspace, tmp_path, {})

    code, out, _ = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == 1
    assert "::error file=sops/bad.md,line=4,col=1,title=SOP102 field-type::4:1 `owner` must be a text" in out
    assert "::warning file=sops/due.md,line=5,col=1,title=SOP302 review-due-soon::5:1 " in out
    assert runner.action_output("exit-code") == "1"


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on(workspace, tmp_path, fail_on, expected):
    runner = Runner(workspace, tmp_path, {"fail-on": fail_on})

    code, out, _ = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == expected
    assert "review-due-soon" in out
    assert runner.action_output("exit-code") == str(expected)


def test_a_cache_the_pull_request_brings_is_not_used(workspace, tmp_path):
    """A pull request that adds its own .sopdocs-cache/ (entries claiming its files are
    clean) cannot pass: the action lints without the cache."""
    write(workspace, {"sops/bad.md": sop("bad", owner="no")})
    env = dev_sopdocs_on_path(tmp_path)
    clean = sop("bad", owner="team-platform")
    (workspace / "sops" / "bad.md").write_text(clean, encoding="utf-8")
    subprocess.run(["sopdocs", "lint", "sops", "--fail-on", "never"], cwd=workspace, env={**os.environ, **env}, check=True,
                   capture_output=True)  # a cache that knows the clean text ...
    assert (workspace / ".sopdocs-cache").is_dir()
    cached = {p: p.read_bytes() for p in (workspace / ".sopdocs-cache").iterdir() if p.is_file()}
    write(workspace, {"sops/bad.md": sop("bad", owner="no")})
    for path in cached:  # ... poisoned: its entry for the bad text is the clean one's
        if path.suffix == ".run":
            path.unlink()
        elif path.suffix == ".json" and path.name.startswith("lint-"):
            data = json.loads(path.read_bytes())
            clean_sha = hashlib.sha256(clean.encode()).hexdigest()
            bad_sha = hashlib.sha256((workspace / "sops" / "bad.md").read_bytes()).hexdigest()
            data["entries"][bad_sha] = data["entries"][clean_sha]
            path.write_text(json.dumps(data), encoding="utf-8")
    runner = Runner(workspace, tmp_path, {})

    code, out, _ = runner.run(skip=("Install sopdocs",), env=env)

    assert code == 1
    assert "title=SOP102 field-type" in out


def test_sarif_report_for_code_scanning(workspace, tmp_path):
    write(workspace, {"sops/bad.md": sop("bad", owner="no")})
    runner = Runner(workspace, tmp_path, {"format": "sarif", "fail-on": "never"})

    code, _, err = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == 0, err
    report = workspace / runner.action_output("report")
    assert runner.action_output("report") == "sopdocs.sarif"
    sarif = json.loads(report.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["SOP102", "SOP302"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"sops/bad.md", "sops/due.md"}


def test_paths_and_changed_since_inputs(workspace, tmp_path):
    git(workspace, "checkout", "-q", "-b", "topic")
    commit(workspace, {"sops/a.md": sop("a", owner="no"), "sops/b.md": sop("b", owner="no"), "other/c.md": sop("c", owner="no")})
    runner = Runner(workspace, tmp_path, {"paths": "sops/a.md\nother", "changed-since": "main", "fail-on": "never"})

    code, out, err = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == 0, err
    assert sorted(re.findall(r"::error file=([^,]+)", out)) == ["other/c.md", "sops/a.md"]


def test_an_input_cannot_inject_shell(workspace, tmp_path):
    runner = Runner(workspace, tmp_path, {"paths": "sops/ok.md $(touch injected) `touch injected2`", "fail-on": "never"})

    code, _, err = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == 2  # the odd words are taken as paths, which do not exist
    assert "no such file or directory" in err
    assert not (workspace / "injected").exists() and not (workspace / "injected2").exists()


def test_configuration_errors_exit_2(workspace, tmp_path):
    (workspace / "sopdocs.yml").write_text("paths: [sops]\nprofile: nope\n", encoding="utf-8")
    runner = Runner(workspace, tmp_path, {})

    code, _, err = runner.run(skip=("Install sopdocs",), env=dev_sopdocs_on_path(tmp_path))

    assert code == 2 and "invalid setting at profile" in err
    assert runner.action_output("exit-code") == "2"


def test_every_step_including_the_install(workspace, tmp_path):
    # The action as a user pins it: a checkout of the repository (here, of this
    # working tree) at github.action_path.
    action_path = tmp_path / "action"
    action_path.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, action_path / name)
    shutil.copytree(REPO / "sopdocs", action_path / "sopdocs", ignore=shutil.ignore_patterns("__pycache__"))
    write(workspace, {"sops/bad.md": sop("bad", owner="no")})
    runner = Runner(workspace, tmp_path, {}, action_path=action_path)
    env = {"SOPDOCS_TODAY": TODAY, "PATH": os.environ["PATH"].replace(f"{BIN}{os.pathsep}", ""), **offline_pip_env()}

    code, out, err = runner.run(env=env)

    assert code == 1, err
    installed = Path(runner.path_file.read_text().strip())
    assert installed.parent == tmp_path / "sopdocs-venv" and (installed / "sopdocs").is_file()
    assert "::error file=sops/bad.md,line=4,col=1,title=SOP102 field-type::4:1 " in out


# --- CI snippets in the documentation -----------------------------------------------------


def yaml_blocks(path: Path) -> dict[str, str]:
    """Fenced YAML blocks whose first line is a `# <file name>` comment, by file name."""
    blocks = {}
    for block in re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL):
        name = re.fullmatch(r"# (\S+\.ya?ml)", block.split("\n", 1)[0])
        if name:
            blocks.setdefault(name.group(1), block)
    return blocks


SNIPPETS = {**{f"docs:{k}": v for k, v in yaml_blocks(REPO / "docs" / "adoption.md").items()}, **{f"readme:{k}": v for k, v in yaml_blocks(REPO / "README.md").items()}}


def test_readme_has_the_three_ci_snippets():
    assert {"readme:.pre-commit-config.yaml", "readme:.github/workflows/sops.yml", "readme:.gitlab-ci.yml"} <= set(SNIPPETS)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_is_valid(name, tmp_path):
    text = SNIPPETS[name]
    target = tmp_path / Path(name.split(":", 1)[1]).name
    target.write_text(text, encoding="utf-8")
    if name.endswith(".pre-commit-config.yaml"):
        proc = subprocess.run([str(BIN / "pre-commit"), "validate-config", str(target)], capture_output=True, text=True, check=False)
        hooks = {h["id"] for r in yaml.safe_load(text)["repos"] for h in r["hooks"]}
        assert hooks == {"sopdocs-lint", "sopdocs-catalog"}
    elif "/.github/workflows/" in f"/{name.split(':', 1)[1]}":
        proc = check_jsonschema("--builtin-schema", "vendor.github-workflows", str(target))
        used = [s for job in yaml.safe_load(text)["jobs"].values() for s in job["steps"] if "sopdocs/sopdocs@" in s.get("uses", "")]
        for step in used:
            assert set(step.get("with", {})) <= set(ACTION["inputs"]), step
    elif name.endswith(".gitlab-ci.yml"):
        proc = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", str(target))
    elif name.endswith("sopdocs.yml"):
        schema = tmp_path / "config.schema.json"
        schema.write_text(cli("schema", "config", cwd=tmp_path).stdout, encoding="utf-8")
        proc = check_jsonschema("--schemafile", str(schema), str(target))
    elif name.endswith("mkdocs.yml"):
        from mkdocs.config import load_config

        (tmp_path / yaml.safe_load(text).get("docs_dir", "docs")).mkdir(parents=True, exist_ok=True)
        config = load_config(str(target))  # MkDocs' own validation, plugin options included; raises if invalid
        assert "sopdocs" in config.plugins
        proc = subprocess.CompletedProcess([], 0, "", "")
    else:
        pytest.fail(f"no validator for {name}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def run_script(lines: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = "\n".join(line for line in lines if not line.lstrip().startswith("pip install"))
    full = {**{k: v for k, v in os.environ.items() if not k.startswith(("SOPDOCS_", "CI_"))}, "NO_COLOR": "1", **env}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=full, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def merge_request(tmp_path: Path) -> Path:
    """A clone with an `origin` whose main branch the merge request targets."""
    origin = init_repo(tmp_path / "origin")
    commit(origin, {"sopdocs.yml": "paths: [sops]\n", "sops/a.md": sop("a"), "sops/old.md": sop("old", last_reviewed="2020-01-01")})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, env=git_env())
    git(clone, "checkout", "-q", "-b", "feature")
    commit(clone, {"sops/a.md": sop("a", owner="no")})
    return clone


@pytest.mark.parametrize("name", ["readme:.gitlab-ci.yml", "docs:.gitlab-ci.yml"])
def test_gitlab_job_script_lints_the_merge_request(merge_request, name):
    job = next(iter(yaml.safe_load(SNIPPETS[name]).values()))

    proc = run_script(job["script"], merge_request, {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "SOPDOCS_TODAY": TODAY, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})

    # a.md's broken owner fails the job; old.md is overdue but not part of the merge request.
    assert proc.returncode == 1, proc.stderr
    assert "sops/a.md:4:1: error SOP102 field-type" in proc.stdout
    assert "old.md" not in proc.stdout


def test_weekly_report_job_files_one_issue_per_owner(tmp_path):
    workflow = yaml.safe_load(SNIPPETS["docs:.github/workflows/sop-reviews.yml"])
    step = next(s for s in workflow["jobs"]["report"]["steps"] if s.get("name") == "One issue per owner")
    repo = init_repo(tmp_path / "repo")
    commit(
        repo,
        {
            "sopdocs.yml": "paths: [sops]\n",
            "sops/a.md": sop("a", owner="team-sre", last_reviewed="2026-01-01"),  # overdue
            "sops/b.md": sop("b", owner="team-sre", last_reviewed="2026-06-10"),  # due soon
            "sops/c.md": sop("c", owner='"#payments"', last_reviewed="2026-05-01"),  # overdue
            "sops/d.md": sop("d", owner="team-web", last_reviewed="2026-11-01"),  # current: no issue
        },
    )
    # A stand-in for the GitHub CLI: records every call; team-sre already has an open issue.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls"
    (bin_dir / "gh").write_text(
        "#!/bin/bash\n"
        f'printf "%s\\n" "$*" >> {calls}\n'
        'if [ "$1 $2" = "issue list" ]; then echo \'[{"number": 7, "title": "SOP reviews due: team-sre"}]\'; fi\n'
        'if [ "$1 $2" = "issue create" ] || [ "$1 $2" = "issue edit" ]; then\n'
        '  for ((i=1; i<=$#; i++)); do if [ "${!i}" = "--body-file" ]; then j=$((i+1)); cp "${!j}" "' + str(tmp_path) + '/body-$(wc -l < ' + str(calls) + ').md"; fi; done\n'
        "fi\n",
        encoding="utf-8",
    )
    (bin_dir / "gh").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPDOCS_")}
    env.update({k: "https://github.com/acme/sops/blob/abc123" if k == "LINK_BASE" else "token" for k in step["env"]})
    env.update({"PATH": f"{bin_dir}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}", "SOPDOCS_TODAY": TODAY, "NO_COLOR": "1"})

    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert proc.returncode == 0, proc.stderr
    gh = calls.read_text(encoding="utf-8").splitlines()
    actions = [line for line in gh if line.startswith(("issue create", "issue edit"))]
    assert actions == [
        "issue create --title SOP reviews due: #payments --label sop-review --body-file body.md",
        "issue edit 7 --body-file body.md",
    ]
    bodies = sorted(tmp_path.glob("body-*.md"))
    payments, sre = (b.read_text(encoding="utf-8") for b in bodies)
    assert payments.startswith("## \\#payments\n\n1 overdue")
    assert sre.startswith("## team-sre\n\n1 overdue, 1 due within 30 days, 0 current")
    assert "[A](https://github.com/acme/sops/blob/abc123/sops/a.md)" in sre
    assert "team-web" not in payments + sre
