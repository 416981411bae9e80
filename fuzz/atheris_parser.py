"""Coverage-guided fuzzing of the SOP parser and the per-file rules with Atheris.

Not part of CI. Run it for a bounded time:

    .venv/bin/python fuzz/atheris_parser.py -max_total_time=60

Extra arguments go to libFuzzer (e.g. `-max_total_time=600 -jobs=2 -workers=2`). By
default the corpus grows in `fuzz/corpus/` (git-ignored), starting from `fuzz/seeds/`,
with the dictionary `fuzz/sop.dict`; crashing inputs are written to `fuzz/artifacts/`.
A crash is an exception from the parser or the rules, or a finding whose position is
outside the file. Reproduce one with `python fuzz/atheris_parser.py fuzz/artifacts/crash-...`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent

with atheris.instrument_imports(include=["sopdocs", "markdown_it"]):
    from sopdocs.core.config import Config
    from sopdocs.core.model import SopDocument
    from sopdocs.core.parser import parse_bytes
    from sopdocs.lint.engine import lint_documents

CONFIG = Config(root=HERE, owners=["team-sre"])
TODAY = dt.date(2026, 11, 26)
PATH = HERE / "fuzz-input.md"  # not read: link targets resolve against fuzz/


def lines_of(data: bytes) -> list[bytes]:
    return re.split(rb"\r\n|\r|\n", data)


def check_positions(data: bytes, findings) -> None:
    try:
        text = data.decode("utf-8-sig")
        lines = [len(line) for line in re.split(r"\r\n|\r|\n", text)]
    except UnicodeDecodeError:
        lines = [len(line) for line in lines_of(data)]
    for finding in findings:
        if not 1 <= finding.line <= max(1, len(lines)):
            raise AssertionError(f"line outside the file: {finding} ({len(lines)} lines)")
        if not 1 <= finding.column <= lines[finding.line - 1] + 1:
            raise AssertionError(f"column outside the line: {finding} (line of {lines[finding.line - 1]} characters)")


def TestOneInput(data: bytes) -> None:
    doc = parse_bytes(data, SopDocument(path=PATH, display_path="fuzz-input.md"), CONFIG)
    findings = lint_documents([doc], CONFIG, TODAY)
    check_positions(data, findings)


def main() -> None:
    args = list(sys.argv)
    options = [a for a in args[1:] if a.startswith("-")]
    inputs = [a for a in args[1:] if not a.startswith("-")]
    if not inputs:  # the default corpus: grows in fuzz/corpus, seeded from fuzz/seeds
        (HERE / "corpus").mkdir(exist_ok=True)
        inputs = [str(HERE / "corpus"), str(HERE / "seeds")]
    if not any(o.startswith("-dict=") for o in options):
        options.append(f"-dict={HERE / 'sop.dict'}")
    if not any(o.startswith("-artifact_prefix=") for o in options):
        (HERE / "artifacts").mkdir(exist_ok=True)
        options.append(f"-artifact_prefix={HERE / 'artifacts'}/")
    atheris.Setup([args[0], *options, *inputs], TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
