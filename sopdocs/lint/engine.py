"""The linter's engine: run every enabled rule over parsed SOPs and collect findings.

Which rules run, at which severity and with which options comes from the config
(:func:`sopdocs.lint.rules.settings`); what each rule checks is its own module's
business. Findings are stamped here with the rule's id, code and configured severity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sopdocs.core import profiles
from sopdocs.core.config import Config
from sopdocs.core.model import SopDocument
from sopdocs.core.text import location, plural


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    rule: str
    severity: str
    message: str

    @property
    def location(self) -> str:
        return location(self.path, self.line, self.column)

    def describe(self, severity: bool = False) -> str:
        """`path:line:col: [severity ]CODE rule: message`, one line."""
        return f"{self.location}: {self.severity + ' ' if severity else ''}{self.code} {self.rule}: {self.message}"

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

    def summary_line(self) -> str:
        return summary_line(self.summary())


def summary_line(summary: dict[str, int]) -> str:
    if summary["errors"] or summary["warnings"]:
        return (
            f"{plural(summary['errors'], 'error')}, {plural(summary['warnings'], 'warning')} "
            f"in {summary['files_with_findings']} of {plural(summary['files'], 'file')}"
        )
    return f"{plural(summary['files'], 'file')} checked, no problems"


def blocks_execution(finding: Finding) -> bool:
    """An error that makes an SOP unfit to export or run. Review dates say whether to
    trust an SOP, not whether it can be executed: during an incident an overdue SOP
    must still run (its rules say so: ``BLOCKS_RUN = False``)."""
    from sopdocs.lint import rules as registry

    return finding.severity == "error" and registry.RULES[finding.rule].blocks_run


def catalog_rule_ids() -> set[str]:
    """Rules that need the whole catalog (duplicate ids, references between SOPs)."""
    from sopdocs.lint import rules as registry

    return {rule.id for rule in registry.RULES.values() if rule.scope == "catalog"}


def lint_documents(
    docs: list[SopDocument],
    config: Config,
    today: dt.date,
    catalog: list[SopDocument] | None = None,
    catalog_checks: bool = True,
    select: set[str] | None = None,
    ids: dict[str, list[SopDocument]] | None = None,
) -> list[Finding]:
    """Run the rules over parsed documents. ``catalog`` adds SOPs that are known (for
    references and duplicate ids) but not reported on. ``select`` limits the run to
    these rule ids (still only the enabled ones). ``ids`` (instead of ``catalog``): the
    catalog's SOPs by id, each list in shown-path order, as built here. Raises
    ConfigError for a bad `rules` section of the config."""
    # Here, not at the top: a lint answered from the last run's record (sopdocs.lint.snapshot)
    # needs Finding and LintResult, not the rules.
    from sopdocs.lint import rules as registry
    from sopdocs.lint.rules._common import Context

    if ids is None:
        known = sorted({id(d): d for d in [*docs, *(catalog or [])]}.values(), key=lambda d: d.display_path)
        ids = {}
        for doc in known:
            if doc.sop_id:
                ids.setdefault(doc.sop_id, []).append(doc)
    ctx = Context(today=today, config=config, catalog_ids=ids, catalog_checks=catalog_checks)

    settings = registry.settings(config)
    active = []
    for rule in registry.RULES.values():
        setting = settings[rule.id]
        if setting.severity == "off" or (select is not None and rule.id not in select):
            continue
        active.append((rule, setting.severity, setting.options))
    reads_schema = any(rule.translate is not None for rule, _, _ in active)

    findings: list[Finding] = []
    for doc in docs:
        parse_only = doc.meta is None
        if reads_schema and not parse_only:
            registry.schema_issues(doc, config)
        for rule, severity, options in active:
            if rule.scope != "document" or (parse_only and not rule.parse):
                continue
            for position, message in rule.check(doc, options, ctx):
                message = profiles.rename_in_message(doc.renamed, message)
                findings.append(Finding(doc.display_path, position.line, position.column, rule.code, rule.id, severity, message))
    if catalog_checks:
        readable = [d for d in docs if d.meta is not None]
        for rule, severity, options in active:
            if rule.scope != "catalog":
                continue
            for doc, position, message in rule.check(readable, options, ctx):
                message = profiles.rename_in_message(doc.renamed, message)
                findings.append(Finding(doc.display_path, position.line, position.column, rule.code, rule.id, severity, message))
    findings.sort()
    return findings
