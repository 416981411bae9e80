"""The rule registry, built from the rule modules of this package: one module per rule,
and adding a rule is adding its module.

A rule module defines, as module constants:

- ``ID`` (readable, names the bad pattern: ``rollback-missing``), ``CODE`` (stable,
  ``SOP###``), ``SEVERITY`` (default ``error`` or ``warning``), ``SCOPE``
  (``document``: ``check(doc, conf, ctx)`` yields ``(Position, message)``; ``catalog``:
  ``check(docs, conf, ctx)`` yields ``(doc, Position, message)``);
- its documentation as the module docstring (a one-line summary, then ``## What it
  does``, ``## Why is this bad?``, ``## Example``, ``## Use instead``, and ``## Options``
  when it has options);
- optionally ``OPTIONS`` (its options, as JSON Schema properties: a setting not listed,
  or of the wrong type, is a configuration error) and ``DEFAULT`` (their defaults);
- optionally flags: ``USES_TODAY`` (its findings depend on the date), ``USES_OTHER_FILES``
  (on other files existing), ``BLOCKS_RUN`` (an error from it stops an export or a run;
  default true), ``OTHER_FORMATS`` (it applies to handbooks in another format; default
  true), ``PARSE`` (it reports on files whose front matter could not be read);
- ``FIX``: whether and how it fixes what it reports, for its documentation:
  ``"automatic — <what it changes>"`` for a rule with a ``fix(doc, source, ctx)`` hook
  (which yields ``(title, edits)`` for the certain fixes of one document:
  :mod:`sopdocs.lint.fix`), ``"none (<why>)"`` for the others;
- optionally ``explain(problem)`` (a rule that reports what the parser found: the
  message of a :class:`~sopdocs.core.model.ParseProblem`) or ``SCHEMA_KEYWORDS`` and
  ``translate(error, recurse)`` (a rule that reports front-matter schema errors: the
  issues of one jsonschema error of those keywords, or None when it is not the rule's).

The linter stamps each finding with the rule's id, code and configured severity.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sopdocs.core.config import Config
from sopdocs.core.model import ParseProblem, SopDocument
from sopdocs.core.schema import SchemaIssue
from sopdocs.core.similar import closest
from sopdocs.errors import ConfigError

SEVERITIES = ("error", "warning")
SCOPES = ("document", "catalog")
# The sections every rule's documentation has, in this order (tests/test_rule_docs.py).
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
# Any schema keyword no rule names: the rule that lists this takes it.
OTHER_KEYWORDS = "*"


@dataclass(frozen=True)
class Rule:
    """What the registry knows of one rule module (its constants, with their defaults)."""

    id: str
    code: str
    severity: str
    scope: str
    check: Callable[..., Iterator[Any]]
    doc: str
    module: ModuleType
    options: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    uses_today: bool = False
    uses_other_files: bool = False
    blocks_run: bool = True
    other_formats: bool = True
    parse: bool = False
    explain: Callable[[ParseProblem], str] | None = None
    schema_keywords: tuple[str, ...] = ()
    translate: Callable[..., list[SchemaIssue] | None] | None = None
    fix: Callable[..., Iterator[Any]] | None = None
    fix_doc: str = ""

    @property
    def static(self) -> bool:
        """Its findings on a file follow from the file's bytes and the config alone
        (the lint cache keeps them)."""
        return self.scope == "document" and not self.uses_today and not self.uses_other_files


class RuleModuleError(Exception):
    """A rule module lacks what every rule must define: a bug in sopdocs."""


def _rule(module: ModuleType) -> Rule:
    name = module.__name__.rsplit(".", 1)[1]
    missing = [attr for attr in ("ID", "CODE", "SEVERITY", "SCOPE", "FIX", "check") if not hasattr(module, attr)]
    if missing or not (module.__doc__ or "").strip():
        raise RuleModuleError(f"rule module {name} must define {', '.join(missing) or 'a docstring'}")
    if module.SEVERITY not in SEVERITIES or module.SCOPE not in SCOPES:
        raise RuleModuleError(f"rule module {name}: SEVERITY must be one of {SEVERITIES}, SCOPE one of {SCOPES}")
    return Rule(
        id=module.ID,
        code=module.CODE,
        severity=module.SEVERITY,
        scope=module.SCOPE,
        check=module.check,
        doc=module.__doc__.strip(),
        module=module,
        options=dict(getattr(module, "OPTIONS", {})),
        defaults=dict(getattr(module, "DEFAULT", {})),
        uses_today=getattr(module, "USES_TODAY", False),
        uses_other_files=getattr(module, "USES_OTHER_FILES", False),
        blocks_run=getattr(module, "BLOCKS_RUN", True),
        other_formats=getattr(module, "OTHER_FORMATS", True),
        parse=getattr(module, "PARSE", False),
        explain=getattr(module, "explain", None),
        schema_keywords=tuple(getattr(module, "SCHEMA_KEYWORDS", ())),
        translate=getattr(module, "translate", None),
        fix=getattr(module, "fix", None),
        fix_doc=module.FIX,
    )


def _load() -> list[Rule]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            found.append(_rule(importlib.import_module(f"{__name__}.{info.name}")))
    return sorted(found, key=lambda r: r.code)


_ALL = _load()
RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}  # in code order
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in _ALL}
# The parse rules by id (who explains a ParseProblem), and the schema rules in code
# order, those that take any keyword last.
_EXPLAINERS = {rule.id: rule for rule in _ALL if rule.explain is not None}
_TRANSLATORS = sorted((r for r in _ALL if r.translate is not None), key=lambda r: OTHER_KEYWORDS in r.schema_keywords)


def resolve(name: str) -> Rule:
    """A rule by readable id or code (case-insensitive for codes); KeyError explains."""
    rule = RULES.get(name) or BY_CODE.get(name.upper())
    if rule is None:
        close = difflib.get_close_matches(name, list(RULES), n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "; `sopdocs rules` lists them"
        raise KeyError(f"unknown rule `{name}`{hint}")
    return rule


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """How a configuration runs one rule."""

    severity: str  # error | warning | off
    options: dict[str, Any]


_SETTINGS: weakref.WeakKeyDictionary[Config, dict[str, Setting]] = weakref.WeakKeyDictionary()


def settings(config: Config) -> dict[str, Setting]:
    """Every rule's setting under ``config``: its `rules` section (by id or code) over
    the rule's defaults; under a handbook profile of another format, rules that do not
    apply to it are off unless the section turns them on. Raises ConfigError for an
    unknown rule, an unknown option or an option of the wrong type. Computed once per
    config."""
    found = _SETTINGS.get(config)
    if found is None:
        found = _SETTINGS[config] = _settings(config)
    return found


def _settings(config: Config) -> dict[str, Setting]:
    given: dict[str, Any] = {}
    for name, value in config.rules.items():
        try:
            rule = resolve(name)
        except KeyError as exc:
            raise ConfigError(f"{config.where}: rules: {exc.args[0]}") from None
        given[rule.id] = value if isinstance(value, dict) else {"severity": value}
    foreign = config.handbook.foreign
    out = {}
    for rule in _ALL:
        setting = given.get(rule.id, {})
        default = "off" if foreign and not rule.other_formats else rule.severity
        options = {k: v for k, v in setting.items() if k != "severity"}
        _check_options(rule, options, config)
        out[rule.id] = Setting(setting.get("severity", default), {**rule.defaults, **options})
    return out


def _check_options(rule: Rule, options: dict[str, Any], config: Config) -> None:
    where = f"{config.where}: rules: {rule.id}"
    for name, value in options.items():
        schema = rule.options.get(name)
        if schema is None:
            known = sorted(rule.options)
            suggestion = closest(name, known) if known else None
            advice = (
                f"did you mean `{suggestion}`?"
                if suggestion
                else (f"its options: {', '.join(known)}" if known else "it has no options, only `severity`")
            )
            raise ConfigError(f"{where}: unknown option `{name}`; {advice}")
        from jsonschema import Draft202012Validator

        from sopdocs.core.schema import describe_value, wanted_types

        error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
        if error is None:
            continue
        if error.validator == "type":
            raise ConfigError(f"{where}: option `{name}` must be {wanted_types(schema['type'])}, not {describe_value(value)}")
        raise ConfigError(f"{where}: option `{name}`: {error.message}")


# --- what the parser and the schema found, in the rules' words -------------------------


def explain(problem: ParseProblem) -> str:
    """The message of a parse problem, in the words of the rule it belongs to."""
    return _EXPLAINERS[problem.rule].explain(problem)  # type: ignore[misc]


def schema_issues(doc: SopDocument, config: Config) -> list[SchemaIssue]:
    """The front matter's schema problems as issues of the schema rules (the full SOP
    schema, or the relaxed one of the config's handbook format). Kept on the document."""
    if doc.schema_issues is None:
        handbook = config.handbook
        relaxed = handbook.foreign or handbook.required is not None
        doc.schema_issues = front_matter_issues(doc.meta, handbook.required, relaxed) if doc.meta is not None else []
    return doc.schema_issues


def front_matter_issues(meta: Any, required: tuple[str, ...] | None = None, relaxed: bool = False) -> list[SchemaIssue]:
    """The schema issues of a front matter (see :func:`sopdocs.core.schema.errors`)."""
    from sopdocs.core.schema import errors

    return [issue for error in errors(meta, required, relaxed) for issue in translate(error)]


def translate(error: Any) -> list[SchemaIssue]:
    """One jsonschema error as the issues of the schema rule it belongs to."""
    for rule in _TRANSLATORS:
        if error.validator in rule.schema_keywords or OTHER_KEYWORDS in rule.schema_keywords:
            issues = rule.translate(error, translate)  # type: ignore[misc]
            if issues is not None:
                return issues
    raise RuleModuleError(f"no schema rule takes `{error.validator}` errors (one must list {OTHER_KEYWORDS!r})")


# --- documentation -----------------------------------------------------------------------


def sections(rule: Rule) -> dict[str, str]:
    """The rule's documentation split into its `## ` sections, plus `summary`."""
    summary, _, rest = rule.doc.partition("\n## ")
    parts = {"summary": " ".join(summary.split())}
    for chunk in ("## " + rest).split("\n## ")[0 if rest else 1 :]:
        title, _, body = chunk.removeprefix("## ").partition("\n")
        parts[title.strip()] = body.strip()
    return parts


def traits(rule: Rule) -> list[str]:
    """What else a user should know of a rule, from its flags."""
    found = []
    if rule.uses_today:
        found.append("depends on the date (`--today`)")
    if rule.uses_other_files:
        found.append("depends on other files")
    if not rule.blocks_run:
        found.append("never stops an export or a run")
    if not rule.other_formats:
        found.append("off under another handbook format (`profile`)")
    return found


# Where the rule reference (docs/rules.md) is published: each rule is a `## <id>` heading.
DOCS_URL = "https://github.com/sopdocs/sopdocs/blob/main/docs/rules.md"


def docs_url(rule: Rule) -> str:
    """The address of the rule's section in the rule reference."""
    return f"{DOCS_URL}#{rule.id}"


def reference_markdown() -> str:
    """The rule reference page (docs/rules.md), generated from the rule modules."""
    out = [
        "# Lint rules",
        "",
        "Generated by `sopdocs rules --format markdown` from the rule modules; do not edit by hand.",
        "",
        "Every finding names a rule by its readable id and its stable code. Configure rules in",
        "`[tool.sopdocs.rules]` (or `rules:` in `sopdocs.yml`) by id or code: `\"off\"`, `\"warning\"`,",
        "`\"error\"`, or a table with `severity` and the rule's options.",
        "",
        "`sopdocs lint --fix` applies the fixes a rule marks \"Fix: automatic\" (only when they are",
        "certain); `sopdocs lint --diff` shows them without writing (see docs/cli.md).",
        "",
        "| code | id | default | scope | fix | summary |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in RULES.values():
        fixable = "yes" if rule.fix is not None else ""
        out.append(f"| {rule.code} | [`{rule.id}`](#{rule.id}) | {rule.severity} | {rule.scope} | {fixable} | {sections(rule)['summary']} |")
    for rule in RULES.values():
        body = rule.doc.replace("\n## ", "\n### ")
        header = " · ".join([f"`{rule.code}`", f"default severity **{rule.severity}**", f"scope {rule.scope}", *traits(rule)])
        out += ["", f"## {rule.id}", "", header, "", f"Fix: {rule.fix_doc}", "", body]
    return "\n".join(out) + "\n"
