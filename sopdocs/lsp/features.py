"""What the language server answers, as plain functions of the catalog, a document's
text and a position: completion, hover, definitions, code actions, diagnostics."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from lsprotocol import types

from sopdocs.core.review import review_state
from sopdocs.core.schema import load_schema
from sopdocs.lint import rules as registry
from sopdocs.lint.engine import Finding
from sopdocs.lint.rules.step_attribute_invalid import FLAGS, VALUED
from sopdocs.lsp.catalog import Catalog
from sopdocs.lsp.text import Cursor, cursor_at, finding_span, front_matter_end, split_lines, to_utf16, word_at

ATTRIBUTES = {
    "confirm": "Ask a human to confirm before the command runs.",
    "verify": "The block is a probe: it checks the step worked, it changes nothing.",
    "idempotent": "Safe to run twice: a runner may retry it (`retries=`).",
    "timeout": "How long the command may run: `30s`, `5m`, `1h30m`.",
    "retries": "How often a runner retries an `idempotent` command that failed: a whole number.",
    "workdir": "The directory the command runs in.",
    "id": "A kebab-case id for the step, unique in the SOP.",
}
ENUM_KEYS = ("status", "risk", "layer")
PERIODS = ("90 days", "6 weeks", "3 months", "6 months", "1 year")
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$")
_ROLLBACK_SOP = re.compile(r"^rollback:\s*\{\s*sop:\s*[\"']?[a-z0-9-]*$")
_PARAM = re.compile(r"\$\{?([A-Za-z0-9_]*)$")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)[^)]*\)")


@functools.cache
def _properties() -> dict[str, Any]:
    return load_schema("sop").get("properties", {})


# --- diagnostics ---------------------------------------------------------------------------


def diagnostics(findings: list[Finding], text: str) -> list[types.Diagnostic]:
    lines = split_lines(text)
    end = front_matter_end(lines) + 1  # 1-based line of the closing ---, 0 without one
    out = []
    for finding in findings:
        row, start, stop = finding_span(lines, finding.line, finding.column, end)
        line = lines[row] if lines else ""
        rule = registry.RULES.get(finding.rule)
        out.append(
            types.Diagnostic(
                range=types.Range(types.Position(row, to_utf16(line, start)), types.Position(row, to_utf16(line, stop))),
                message=finding.message,
                severity=types.DiagnosticSeverity.Error if finding.severity == "error" else types.DiagnosticSeverity.Warning,
                code=finding.code,
                code_description=types.CodeDescription(href=registry.docs_url(rule)) if rule else None,
                source="sopdocs",
                data={"rule": finding.rule},
            )
        )
    return out


# --- completion ------------------------------------------------------------------------------


def completion(catalog: Catalog, path: Path, text: str, position: types.Position) -> list[types.CompletionItem]:
    lines = split_lines(text)
    cursor = cursor_at(lines, position.line, position.character)
    if cursor.area == "front":
        return _front_completion(catalog, path, lines, cursor, position)
    if cursor.area == "fence-info":
        return _attribute_completion(cursor)
    if cursor.area == "code":
        return _parameter_completion(catalog, path, cursor, position)
    return []


def _front_completion(catalog: Catalog, path: Path, lines: list[str], cursor: Cursor, position: types.Position) -> list[types.CompletionItem]:
    prefix = cursor.prefix
    if re.fullmatch(r"[A-Za-z_]*", prefix):  # a top-level key being written
        present = {m.group(1) for line in lines[1 : front_matter_end(lines) if front_matter_end(lines) > 0 else None]
                   if (m := _KEY_LINE.match(line))}  # fmt: skip
        items = []
        for key, schema in _properties().items():
            if key in present and not cursor.line.startswith(key):
                continue
            items.append(
                types.CompletionItem(
                    label=key,
                    kind=types.CompletionItemKind.Property,
                    detail=_type_of(schema),
                    documentation=types.MarkupContent(types.MarkupKind.Markdown, schema.get("description", "")),
                    insert_text=f"{key}: ",
                )
            )
        return items
    own = _KEY_LINE.match(prefix)
    key = own.group(1) if own else cursor.key
    if key in ("owner", "backup_owner") and own:
        owners, where = catalog.owners()
        return [_value(name, where, types.CompletionItemKind.Value) for name in owners]
    if key in ENUM_KEYS and own:
        schema = _properties().get(key, {})
        return [_value(str(value), schema.get("description", ""), types.CompletionItemKind.EnumMember) for value in schema.get("enum", [])]
    if key == "review_in" and own:
        return [_value(period, "How long a review stays valid", types.CompletionItemKind.Value) for period in PERIODS]
    if key == "last_reviewed" and own:
        return [_value(catalog.today().isoformat(), "today", types.CompletionItemKind.Value)]
    if key == "related" and (("[" in prefix and own) or (not own and re.match(r"^\s*-\s*", prefix))):
        return _id_completion(catalog, path)
    if key == "rollback" and (_ROLLBACK_SOP.match(prefix) or re.match(r"^\s+sop:\s*[\"']?[a-z0-9-]*$", prefix)):
        return _id_completion(catalog, path)
    if "command:" in prefix and _PARAM.search(prefix):
        return _parameter_completion(catalog, path, cursor, position)
    return []


def _type_of(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "type" in schema:
        return str(schema["type"])
    return "one of: " + ", ".join(str(s.get("type", "?")) for s in schema.get("oneOf", []))


def _value(label: str, detail: str, kind: types.CompletionItemKind) -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=kind, detail=detail)


def _id_completion(catalog: Catalog, path: Path) -> list[types.CompletionItem]:
    own = catalog.key(path)
    items = []
    for sop_id, file in sorted(catalog.ids().items()):
        if file == own:
            continue
        values = catalog.front_values(file)
        items.append(
            types.CompletionItem(
                label=sop_id,
                kind=types.CompletionItemKind.Reference,
                detail=values.get("title", catalog.display(file)),
                documentation=f"{catalog.display(file)}" + (f" · owner {values['owner']}" if values.get("owner") else ""),
            )
        )
    return items


def _attribute_completion(cursor: Cursor) -> list[types.CompletionItem]:
    if not cursor.prefix.endswith((" ", "\t")) and not re.search(r"\s[a-z]*$", cursor.prefix):
        return []  # still writing the language
    present = set(re.findall(r"\s([a-z]+)(?==|\s|$)", cursor.line))
    items = []
    for name in (*FLAGS, *VALUED):
        if name in present:
            continue
        insert = f"{name}=" if name in VALUED else name
        items.append(types.CompletionItem(label=insert, kind=types.CompletionItemKind.Property, detail=ATTRIBUTES[name], insert_text=insert))
    return items


def _parameter_completion(catalog: Catalog, path: Path, cursor: Cursor, position: types.Position) -> list[types.CompletionItem]:
    match = _PARAM.search(cursor.prefix)
    if not match:
        return []
    doc = catalog.open.get(catalog.key(path))
    parameters = (doc.meta or {}).get("parameters") if doc is not None else None
    if not isinstance(parameters, dict):
        return []
    start = to_utf16(cursor.line, match.start(1))
    end = to_utf16(cursor.line, cursor.column)
    items = []
    for name, spec in parameters.items():
        if not isinstance(name, str):
            continue
        upper = name.upper()
        description = spec.get("description", "") if isinstance(spec, dict) else ""
        items.append(
            types.CompletionItem(
                label=upper,
                kind=types.CompletionItemKind.Variable,
                detail=f"parameter `{name}`" + (" (secret)" if isinstance(spec, dict) and spec.get("secret") else ""),
                documentation=description or None,
                text_edit=types.TextEdit(types.Range(types.Position(position.line, start), types.Position(position.line, end)), upper),
            )
        )
    return items


# --- hover ---------------------------------------------------------------------------------------


def hover(catalog: Catalog, path: Path, text: str, position: types.Position, shown: list[types.Diagnostic]) -> types.Hover | None:
    for diagnostic in shown:
        if _contains(diagnostic.range, position):
            rule = registry.BY_CODE.get(str(diagnostic.code))
            if rule is not None:
                return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, rule_markdown(rule)), diagnostic.range)
    lines = split_lines(text)
    cursor = cursor_at(lines, position.line, position.character)
    if cursor.area != "front":
        return None
    target = _referenced_id(cursor)
    if target is not None:
        sop_id, start, end = target
        return _sop_hover(catalog, sop_id, _range(cursor, start, end))
    own = _KEY_LINE.match(cursor.line)
    if own and own.group(1) in catalog.config.review_keys():
        doc = catalog.open.get(catalog.key(path))
        meta = (doc.meta or {}) if doc is not None else {}
        state = review_state(meta, catalog.today(), catalog.config.review_in, catalog.config.due_soon_days)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, review_markdown(state, meta, catalog)), None)
    return None


def rule_markdown(rule: registry.Rule) -> str:
    parts = registry.sections(rule)
    out = [f"**{rule.code} {rule.id}**: {parts['summary']}", ""]
    for title in ("What it does", "Why is this bad?"):
        if title in parts:
            out += [f"*{title}* {parts[title]}", ""]
    out.append(f"[Documentation]({registry.docs_url(rule)})")
    return "\n".join(out)


def review_markdown(state: Any, meta: dict[str, Any], catalog: Catalog) -> str:
    if state.next_review is None:
        return "**Next review:** unknown (`last_reviewed` is not a date YYYY-MM-DD, or `review_in` is not a period)"
    period = meta.get("review_in", catalog.config.review_in)
    days = state.days_left
    when = f"in {days} days" if days >= 0 else f"{-days} days ago"
    return f"**Next review:** {state.next_review.isoformat()} ({when}; {state.state}), `last_reviewed` + {period}, as of {catalog.today().isoformat()}"


def _sop_hover(catalog: Catalog, sop_id: str, where: types.Range) -> types.Hover:
    file = catalog.ids().get(sop_id)
    if file is None:
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, f"No SOP in the catalog has the id `{sop_id}`."), where)
    doc = catalog.document(file)
    meta = (doc.meta or {}) if doc is not None else {}
    state = review_state(meta, catalog.today(), catalog.config.review_in, catalog.config.due_soon_days)
    title = meta.get("title") or (doc.title_heading if doc is not None else None) or sop_id
    lines = [f"**{title}** (`{sop_id}`)", "", f"{catalog.display(file)}", ""]
    if meta.get("owner"):
        lines.append(f"- owner: {meta['owner']}" + (f" (backup: {meta['backup_owner']})" if meta.get("backup_owner") else ""))
    if meta.get("status"):
        lines.append(f"- status: {meta['status']}")
    review = f"{state.state}, next review {state.next_review.isoformat()}" if state.next_review else "unknown"
    lines.append(f"- review: {review}")
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, "\n".join(lines)), where)


def _referenced_id(cursor: Cursor) -> tuple[str, int, int] | None:
    """The SOP id under the cursor, when it is in `related` or `rollback: {sop: ...}`."""
    found = word_at(cursor.line, cursor.column)
    if found is None:
        return None
    word, start, end = found
    own = _KEY_LINE.match(cursor.line)
    key = own.group(1) if own else cursor.key
    if own and start <= own.end(1):
        return None  # on the key itself
    if key == "related" or (key == "rollback" and re.search(r"\bsop:\s*[\"']?$", cursor.line[:start])):
        if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", word):
            return word, start, end
    return None


def _range(cursor: Cursor, start: int, end: int) -> types.Range:
    return types.Range(types.Position(cursor.row, to_utf16(cursor.line, start)), types.Position(cursor.row, to_utf16(cursor.line, end)))


def _contains(where: types.Range, position: types.Position) -> bool:
    start, end = (where.start.line, where.start.character), (where.end.line, where.end.character)
    return start <= (position.line, position.character) <= end


# --- definitions ---------------------------------------------------------------------------------


def definition(catalog: Catalog, path: Path, text: str, position: types.Position) -> types.Location | None:
    lines = split_lines(text)
    cursor = cursor_at(lines, position.line, position.character)
    if cursor.area == "front":
        target = _referenced_id(cursor)
        if target is None:
            return None
        file = catalog.ids().get(target[0])
        if file is None:
            return None
        return types.Location(file.as_uri(), _id_range(catalog, file))
    if cursor.area != "body":
        return None
    for match in _LINK.finditer(cursor.line):
        if match.start() <= cursor.column <= match.end():
            target = match.group(1).split("#")[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
                return None
            from urllib.parse import unquote

            file = (path.parent / unquote(target)).resolve()
            if file.is_file():
                return types.Location(file.as_uri(), _id_range(catalog, file))
    return None


def _id_range(catalog: Catalog, file: Path) -> types.Range:
    doc = catalog.disk.get(catalog.key(file)) or catalog.open.get(catalog.key(file))
    line = 0
    if doc is not None and ("id",) in doc.key_positions:
        line = doc.key_positions[("id",)].line - 1
    return types.Range(types.Position(line, 0), types.Position(line, 0))


# --- code actions ------------------------------------------------------------------------------------


def code_actions(
    catalog: Catalog, path: Path, uri: str, text: str, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """The automatic fixes of `sopdocs lint --fix` (sopdocs.lint.fix) that touch the
    requested lines or answer one of the diagnostics sent, one action each. None while
    sopdocs has no fixes."""
    try:
        from sopdocs.lint.fix import fixes_for_text
    except ImportError:
        return []
    ids = set(catalog.ids())
    fixes = fixes_for_text(path, text, catalog.config, ids)
    lines = split_lines(text)
    first, last = params.range.start.line, params.range.end.line
    asked = {str(d.code): d for d in params.context.diagnostics}
    actions = []
    for fix in fixes:
        touches = any(first <= edit.line - 1 <= last or first <= edit.end_line - 1 <= last for edit in fix.edits)
        if not touches and fix.code not in asked:
            continue
        edits = [types.TextEdit(_edit_range(lines, edit), edit.text) for edit in fix.edits]
        related = [d for d in params.context.diagnostics if str(d.code) == fix.code]
        actions.append(
            types.CodeAction(
                title=fix.title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=related or None,
                edit=types.WorkspaceEdit(changes={uri: edits}),
            )
        )
    return actions


def _edit_range(lines: list[str], edit: Any) -> types.Range:
    def position(line: int, column: int) -> types.Position:
        row = line - 1
        text = lines[row] if 0 <= row < len(lines) else ""
        return types.Position(row, to_utf16(text, column - 1))

    return types.Range(position(edit.line, edit.col), position(edit.end_line, edit.end_col))
