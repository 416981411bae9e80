"""The linter: find SOP files, parse them, run every enabled rule, collect findings."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import rules as registry
from .config import Config
from .model import SopDocument
from .parser import parse_file
from .rules._common import Context

SEVERITIES = ("error", "warning")


class UsageError(Exception):
    """Bad paths or options: exit code 2."""


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    rule: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    documents: list[SopDocument] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "files_with_findings": len({f.path for f in self.findings}),
            "errors": self.errors,
            "warnings": self.warnings,
        }


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Iterable[str | Path], config: Config, cwd: Path | None = None) -> list[Path]:
    """Markdown files under the given paths, sorted, minus `exclude` patterns.

    A named file is always included; directories are searched for `*.md`, skipping
    hidden directories. A path that does not exist is a usage error.
    """
    cwd = cwd or Path.cwd()
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = cwd / path
        if path.is_file():
            found[path] = None
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(".md"):
                        candidate = Path(root) / name
                        if not _excluded(candidate, config):
                            found[candidate] = None
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return sorted(found, key=lambda p: p.as_posix())


def _excluded(path: Path, config: Config) -> bool:
    if not config.exclude:
        return False
    relative = display_path(path, config.root)
    return any(fnmatch.fnmatch(relative, pattern) for pattern in config.exclude)


def severity_of(rule, config: Config) -> str:
    setting = config.rules.get(rule.ID, {})
    return setting.get("severity", rule.SEVERITY)


def lint_documents(
    docs: list[SopDocument],
    config: Config,
    today: dt.date,
    catalog: list[SopDocument] | None = None,
    catalog_checks: bool = True,
) -> list[Finding]:
    """Run the rules over parsed documents. ``catalog`` adds SOPs that are known (for
    references and duplicate ids) but not reported on."""
    known = sorted({id(d): d for d in [*docs, *(catalog or [])]}.values(), key=lambda d: d.display_path)
    ids: dict[str, list[SopDocument]] = {}
    for doc in known:
        if doc.sop_id:
            ids.setdefault(doc.sop_id, []).append(doc)
    ctx = Context(today=today, config=config, catalog_ids=ids, catalog_checks=catalog_checks)

    findings: list[Finding] = []
    active = []
    for rule in registry.RULES.values():
        severity = severity_of(rule, config)
        if severity == "off":
            continue
        conf = {**rule.DEFAULT, **{k: v for k, v in config.rules.get(rule.ID, {}).items() if k != "severity"}}
        active.append((rule, severity, conf))

    for doc in docs:
        parse_only = doc.meta is None
        for rule, severity, conf in active:
            if rule.SCOPE != "document" or (parse_only and not getattr(rule, "PARSE", False)):
                continue
            for position, message in rule.check(doc, conf, ctx):
                findings.append(Finding(doc.display_path, position.line, position.column, rule.CODE, rule.ID, severity, message))
    if catalog_checks:
        readable = [d for d in docs if d.meta is not None]
        for rule, severity, conf in active:
            if rule.SCOPE != "catalog":
                continue
            for doc, position, message in rule.check(readable, conf, ctx):
                findings.append(Finding(doc.display_path, position.line, position.column, rule.CODE, rule.ID, severity, message))
    findings.sort()
    return findings


def parse_paths(files: list[Path], config: Config, cwd: Path) -> list[SopDocument]:
    return [parse_file(path, display_path(path, cwd), config.max_file_size) for path in files]


def lint_paths(
    paths: Iterable[str | Path] | None,
    config: Config,
    today: dt.date,
    cwd: Path | None = None,
    catalog_checks: bool = True,
) -> LintResult:
    cwd = cwd or Path.cwd()
    explicit = list(paths or [])
    files = discover(explicit or [config.root / p for p in config.paths], config, cwd)
    docs = parse_paths(files, config, cwd)
    catalog: list[SopDocument] = []
    if catalog_checks and explicit:
        # References may point at SOPs outside the files named on the command line.
        linted = set(files)
        extra = [p for p in _catalog_files(config, cwd) if p not in linted]
        catalog = parse_paths(extra, config, cwd)
    findings = lint_documents(docs, config, today, catalog, catalog_checks)
    return LintResult(findings=findings, files=[d.display_path for d in docs], documents=docs)


def _catalog_files(config: Config, cwd: Path) -> list[Path]:
    roots = [config.root / p for p in config.paths if (config.root / p).exists()]
    return discover(roots, config, cwd) if roots else []
