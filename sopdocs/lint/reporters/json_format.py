"""The JSON contract: ``{"version": 1, "findings": [...], "summary": {...}}``.

Each finding has ``path``, ``line``, ``column``, ``rule`` (readable id), ``code``,
``severity`` (``error`` | ``warning``) and ``message``. Output is sorted and stable.
"""

from __future__ import annotations

import json


def render(result, color: bool = False) -> str:
    payload = {
        "version": 1,
        "findings": [f.as_dict() for f in result.findings],
        "summary": result.summary(),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
