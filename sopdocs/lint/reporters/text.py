"""`path:line:col: severity code id: message`, one per line, then a summary line."""

from __future__ import annotations

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "dim": "\033[2m", "bold": "\033[1m", "reset": "\033[0m"}


def render(result, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['reset']}" if color else text

    lines = [
        f"{paint(f'{f.location}:', 'bold')} {paint(f.severity, f.severity)} "
        f"{f.code} {paint(f.rule, 'dim')}: {f.message}"
        for f in result.findings
    ]
    lines.append(result.summary_line())
    return "\n".join(lines) + "\n"
