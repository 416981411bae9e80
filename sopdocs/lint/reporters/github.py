"""GitHub Actions workflow commands: one ``::error``/``::warning`` annotation per
finding. The log view hides the line, so ``line:col`` is repeated in the message."""

from __future__ import annotations


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(result, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        props = f"file={_property(f.path)},line={f.line},col={f.column},title={_property(f'{f.code} {f.rule}')}"
        lines.append(f"::{f.severity} {props}::{_data(f'{f.line}:{f.column} {f.message} ({f.rule})')}")
    summary = result.summary()
    lines.append(f"sopdocs: {summary['errors']} errors, {summary['warnings']} warnings in {summary['files']} files")
    return "\n".join(lines) + "\n"
