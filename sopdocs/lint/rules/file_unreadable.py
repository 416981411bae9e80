"""The file cannot be read as UTF-8 text: binary content, bytes that are not UTF-8,
a size over the limit, or an I/O error.

## What it does
Reports files under the SOP paths that sopdocs cannot read as text. Nothing else is
checked in such a file.

## Why is this bad?
A binary or mis-encoded file in the catalog is either a mistake (an image saved as
`.md`, a file exported in Latin-1) or will render as garbage on the site.

## Example
A file saved in Windows-1252 containing `Caf\\xe9` (byte `0xe9`).

## Use instead
Save the file as UTF-8 (a UTF-8 byte-order mark and CRLF line endings are fine). Move
images and other assets out of the SOP paths, or list them under `exclude`.
"""

from sopdocs.core.model import ParseProblem
from sopdocs.lint.rules._common import parse_problems

ID = "file-unreadable"
CODE = "SOP001"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the file's bytes are not text sopdocs can read)"
PARSE = True


def check(doc, conf, ctx):
    yield from parse_problems(doc, ID, explain)


def explain(problem: ParseProblem) -> str:
    details = problem.details
    if problem.kind == "too-large":
        return (
            f"file is {details['size']:,} bytes, over the limit of {details['limit']:,}; an SOP this large is "
            "almost certainly not one (split it, or raise `max_file_size` in the config)"
        )
    if problem.kind == "binary":
        return "binary file (contains NUL bytes); an SOP must be UTF-8 text"
    if problem.kind == "not-utf8":
        return f"not valid UTF-8 (byte 0x{details['byte']:02x}); save the file as UTF-8"
    return f"cannot read file: {details['error']}"
