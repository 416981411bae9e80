"""A parameter's name is an environment variable that changes what a step runs.

## What it does
Reports a parameter whose environment variable (its name in upper case) is one the
shell, the dynamic loader or an interpreter reads before the step's own command runs:
`BASH_ENV`, `ENV`, `PATH`, `IFS`, `CDPATH`, `SHELLOPTS`, `BASHOPTS`, `PS4`,
`PROMPT_COMMAND`, `GLOBIGNORE`, `HOME`, `SHELL`, anything starting with `LD_`,
`DYLD_` or `BASH_FUNC_`, interpreter hooks such as `PYTHONSTARTUP`, `PERL5OPT`,
`NODE_OPTIONS`, and the variables the runner sets itself. The runner refuses such an
SOP too (docs/runner.md has the whole list).

## Why is this bad?
Parameter values reach commands only as data, never as shell syntax, so a value cannot
inject code. A parameter's *name* can: `-p bash_env=/tmp/evil.sh` makes bash run that
file before every step, and a parameter `path` with a default replaces `$PATH` for
every command of the SOP.

## Example
```yaml
parameters:
  path:
    description: Where the backup goes
```

## Use instead
```yaml
parameters:
  backup_path:
    description: Where the backup goes
```
"""

from sopdocs.core.environment import reserved

ID = "parameter-name-reserved"
CODE = "SOP106"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the new name is the author's, and every use of the parameter changes with it)"


def check(doc, conf, ctx):
    parameters = (doc.meta or {}).get("parameters")
    if not isinstance(parameters, dict):
        return
    for name in parameters:
        if not isinstance(name, str):
            continue
        why = reserved(name)
        if why:
            yield doc.position_of(("parameters", name)), (
                f"parameter `{name}` reaches commands as ${name.upper()}, and {why}; rename it (e.g. `{name}_value`)"
            )
