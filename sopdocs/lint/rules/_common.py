"""What rule modules share: the context a rule runs in, and helpers. Rules yield
``(Position, message)`` pairs; the linter stamps the rule id, code, severity and path
onto them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sopdocs.core.config import Config
from sopdocs.core.model import ParseProblem, Position, SopDocument
from sopdocs.core.review import ReviewState, review_state

Problem = tuple[Position, str]


@dataclass
class Context:
    """What a rule may know besides the document: the date, the config, the catalog."""

    today: dt.date
    config: Config
    catalog_ids: dict[str, list[SopDocument]] = field(default_factory=dict)
    catalog_checks: bool = True


def parse_problems(doc: SopDocument, rule_id: str, explain: Callable[[ParseProblem], str]) -> Iterator[Problem]:
    """What the parser found that belongs to the rule, in the rule's words."""
    for problem in doc.problems:
        if problem.rule == rule_id:
            yield problem.position, explain(problem)


def schema_problems(doc: SopDocument, rule_id: str) -> Iterator[Problem]:
    """The rule's schema issues (the engine reads them into ``doc.schema_issues``)."""
    for issue in doc.schema_issues or ():
        if issue.rule == rule_id:
            yield doc.position_of(issue.path), issue.message


def doc_review(doc: SopDocument, ctx: Context) -> ReviewState:
    return review_state(doc.meta, ctx.today, ctx.config.review_in, ctx.config.due_soon_days)


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
    lines = doc.lines
    return lines[line - 1] if 0 < line <= len(lines) else ""
