"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards."""

from __future__ import annotations

import json
from urllib.parse import quote

from sopdocs import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning"}


def render(result, color: bool = False) -> str:
    from sopdocs.lint import rules as registry

    rules = list(registry.RULES.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    descriptors = []
    for rule in rules:
        parts = registry.sections(rule)
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.id,
                "shortDescription": {"text": parts["summary"]},
                "fullDescription": {"text": parts.get("What it does", parts["summary"])},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"tags": ["sop"]},
            }
        )
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.rule],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in result.findings
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sopdocs",
                        "version": __version__,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory sopdocs ran in."}}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
