"""A `TODO(sopdocs)` placeholder from the SOP template is still in the file.

## What it does
Reports every `TODO(sopdocs)` marker. `sopdocs new` writes these where the author must
fill something in.

## Why is this bad?
A scaffolded SOP is not a procedure until every placeholder is replaced; publishing one
tells a responder to do "TODO".

## Example
```yaml
preconditions:
  - "TODO(sopdocs): what must be true before step 1?"
```

## Use instead
```yaml
preconditions:
  - The change ticket is approved and the maintenance window has started.
```
"""

from sopdocs.core.model import Position

ID = "placeholder-left"
CODE = "SOP602"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (what the placeholder stands for is the author's)"

MARKER = "TODO(sopdocs)"


def check(doc, conf, ctx):
    if MARKER not in doc.text:
        return
    for number, line in enumerate(doc.text.split("\n"), start=1):
        column = line.find(MARKER)
        if column >= 0:
            rest = line[column + len(MARKER) :].strip(" :\"'")
            yield Position(number, column + 1), f"placeholder left from the template: {rest or 'fill this in'}"
