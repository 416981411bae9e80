"""`path:line:col: severity code id: message`, one per line, then a summary line."""

from __future__ import annotations

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "dim": "\033[2m", "bold": "\033[1m", "reset": "\033[0m"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(result, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['reset']}" if color else text

    lines = [
        f"{paint(f'{f.path}:{f.line}:{f.column}:', 'bold')} {paint(f.severity, f.severity)} "
        f"{f.code} {paint(f.rule, 'dim')}: {f.message}"
        for f in result.findings
    ]
    lines.append(summary_line(result.summary()))
    return "\n".join(lines) + "\n"


def summary_line(summary: dict[str, int]) -> str:
    if summary["errors"] or summary["warnings"]:
        return (
            f"{_plural(summary['errors'], 'error')}, {_plural(summary['warnings'], 'warning')} "
            f"in {summary['files_with_findings']} of {_plural(summary['files'], 'file')}"
        )
    return f"{_plural(summary['files'], 'file')} checked, no problems"
