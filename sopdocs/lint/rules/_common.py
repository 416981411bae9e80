"""Helpers shared by rule modules. Rules yield ``(Position, message)`` pairs; the
linter stamps the rule id, code, severity and path onto them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sopdocs.core.model import Position, SopDocument
from sopdocs.core.review import ReviewState, review_state

if TYPE_CHECKING:
    from sopdocs.core.config import Config

Problem = tuple[Position, str]


@dataclass
class Context:
    """What a rule may know besides the document: the date, the config, the catalog."""

    today: dt.date
    config: Config
    catalog_ids: dict[str, list[SopDocument]] = field(default_factory=dict)
    catalog_checks: bool = True


def parse_problems(doc: SopDocument, rule_id: str) -> Iterator[Problem]:
    for problem in doc.problems:
        if problem.rule == rule_id:
            yield problem.position, problem.message


def schema_problems(doc: SopDocument, rule_id: str) -> Iterator[Problem]:
    if doc.meta is None:
        return
    issues = doc.cache.get("schema")
    if issues is None:
        from sopdocs.core.schema import check

        issues = doc.cache["schema"] = check(doc.meta)
    for issue in issues:
        if issue.rule == rule_id:
            yield doc.position_of(issue.path), issue.message


def doc_review(doc: SopDocument, ctx: Context) -> ReviewState:
    state = doc.cache.get("review")
    if state is None:
        state = doc.cache["review"] = review_state(doc.meta, ctx.today, ctx.config.review_in, ctx.config.due_soon_days)
    return state


@dataclass(frozen=True)
class Command:
    """A command anywhere in an SOP, with where its text starts in the file."""

    where: str  # "step 3", "precondition 1", "rollback 2", "verification"
    code: str
    line: int  # file line of the first line of code
    column: int  # column of the first line's text (best effort)
    from_front_matter: bool


def iter_commands(doc: SopDocument) -> Iterator[Command]:
    meta = doc.meta or {}
    for key in ("preconditions", "rollback"):
        items = meta.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("command"), str):
                pos = doc.position_of((key, index, "command"))
                yield Command(f"{key.rstrip('s')} {index + 1}", item["command"], pos.line, pos.column, True)
    for step in doc.steps:
        for block in step.blocks:
            if block.is_shell:
                yield Command(f"step {step.number}", block.code, block.code_line, 1, False)
    for section in doc.sections:
        if section.slug == "steps":
            continue
        for block in section.blocks:
            if block.is_shell:
                yield Command(section.slug, block.code, block.code_line, 1, False)


def source_line(doc: SopDocument, line: int) -> str:
    lines = doc.cache.get("lines")
    if lines is None:
        lines = doc.cache["lines"] = doc.text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def option(conf: dict[str, Any], name: str, default: Any) -> Any:
    return conf.get(name, default)
