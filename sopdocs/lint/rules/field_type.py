"""A front-matter value has the wrong type.

## What it does
Checks every value against the type the schema expects, and explains what YAML made
of the value.

## Why is this bad?
YAML 1.1, which most tools use, reads `no`, `yes`, `on` and `off` as booleans and
`1.10` as the number `1.1`. `owner: no` (a team called "no") becomes `false`, and a
version `1.10` becomes `1.1`: the data silently differs from what was written.

## Example
```yaml
owner: no
version: 1.10
preconditions: Check the dashboard
```

## Use instead
```yaml
owner: "no"
version: "1.10"
preconditions:
  - Check the dashboard
```
"""

from sopdocs.core.schema import SchemaIssue, describe_value, field_name, wanted_types
from sopdocs.lint.rules._common import schema_problems

ID = "field-type"
CODE = "SOP102"
SEVERITY = "error"
SCOPE = "document"
FIX = 'automatic — a plain value that YAML 1.1 reads as true/false or a number where a text is wanted is put in double quotes exactly as written (`owner: no` → `owner: "no"`, `version: 1.10` → `version: "1.10"`). Other wrong types: none'
# `oneOf` too: a value that fits none of a key's forms (`rollback`: steps or `{sop: id}`)
# is reported for the form the author evidently meant, judged by the value's type.
SCHEMA_KEYWORDS = ("type", "oneOf")


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    name = field_name(path)
    value = error.instance
    if error.validator == "oneOf":
        return _one_of(error, path, name, recurse)
    message = f"`{name}` must be {wanted_types(error.validator_value)}, but YAML read {describe_value(value)}"
    if "string" in error.validator_value and isinstance(value, (bool, int, float)):
        message += "; put the value in quotes (YAML 1.1 reads yes/no/on/off as booleans and 1.10 as a number)"
    elif value is None:
        message += "; fill in a value or remove the key"
    return [SchemaIssue(ID, path, message)]


def _one_of(error, path, name, recurse):
    value = error.instance
    actual = {dict: "object", list: "array", str: "string"}.get(type(value))
    branches = error.validator_value
    for index, branch in enumerate(branches):
        if branch.get("type") == actual:
            sub = [e for e in error.context if e.schema_path and e.schema_path[0] == index]
            issues = [issue for e in sub for issue in recurse(e)]
            if issues:
                return issues
    wanted = wanted_types([b.get("type", "object") for b in branches])
    if path == ("rollback",):
        return [SchemaIssue(ID, path, f"`rollback` must be a list of steps or `{{sop: <id>}}`, but YAML read {describe_value(value)}")]
    if value is None:
        return [SchemaIssue(ID, path, f"`{name}` is empty; write {wanted}")]
    return [SchemaIssue(ID, path, f"`{name}` must be {wanted}, but YAML read {describe_value(value)}")]


_QUOTABLE = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def fix(doc, source, ctx):
    """Quote a plain value that YAML 1.1 read as true/false or a number where the
    schema wants a text, keeping its characters exactly as written."""
    from sopdocs.lint.fix import file_path

    for issue in doc.schema_issues or ():
        if issue.rule != ID or "put the value in quotes" not in issue.message:
            continue
        node = source.scalar(file_path(doc, issue.path))
        if node is None or node.style is not None or node.tag not in _QUOTABLE:
            continue
        written = source.written(node)
        if written != node.value or not written or any(c in written for c in "\\\"#:'"):
            continue
        read = "true or false" if node.tag.endswith("bool") else "a number"
        yield f"Quote `{written}` (YAML 1.1 reads it as {read})", [source.replace(node, f'"{written}"')]
