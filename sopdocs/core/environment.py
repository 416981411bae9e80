"""Environment variables a parameter must not be: a step's parameters reach its
commands as environment variables (`database` -> `$DATABASE`), and some names change
which code the shell, the dynamic loader or an interpreter runs, or where it looks for
it, before the step's own command does anything.

The linter reports such a parameter (`parameter-name-reserved`), the runner refuses a
manifest that has one, and steps run in a shell that reads no start-up file whatever
the caller's environment holds (docs/runner.md, "Parameters and secrets").
"""

from __future__ import annotations

# Names, and why each is reserved.
RESERVED = {
    "BASH_ENV": "bash reads and runs the file it names before every non-interactive command",
    "ENV": "sh reads and runs the file it names",
    "PATH": "it decides which program every command name runs",
    "IFS": "it changes how the shell splits words",
    "CDPATH": "it changes where `cd` goes",
    "SHELLOPTS": "it turns shell options on",
    "BASHOPTS": "it turns bash options on",
    "PS4": "the shell expands it (and runs what it substitutes) when tracing",
    "PROMPT_COMMAND": "bash runs it before a prompt",
    "GLOBIGNORE": "it changes what a glob matches",
    "HOME": "it changes `~` and where programs read their configuration",
    "SHELL": "programs run it as the user's shell",
    "PYTHONSTARTUP": "Python runs the file it names",
    "PYTHONPATH": "it changes which modules Python imports",
    "PYTHONHOME": "it changes where Python finds its standard library",
    "PERL5OPT": "Perl takes it as command-line options (`-M` loads a module)",
    "PERL5LIB": "it changes which modules Perl loads",
    "RUBYOPT": "Ruby takes it as command-line options",
    "RUBYLIB": "it changes which files Ruby loads",
    "NODE_OPTIONS": "Node.js takes it as command-line options (`--require` loads code)",
    "JAVA_TOOL_OPTIONS": "the JVM takes it as command-line options (`-javaagent` loads code)",
    "GIT_SSH_COMMAND": "git runs it",
    "LESSOPEN": "`less` runs it",
    "SOPDOCS_RUN_ID": "the runner sets it for every step",
    "SOPDOCS_SOP_ID": "the runner sets it for every step",
}
RESERVED_PREFIXES = {
    "LD_": "the dynamic loader reads it (`LD_PRELOAD` loads code into every program)",
    "DYLD_": "the macOS dynamic loader reads it",
    "BASH_FUNC_": "bash imports it as a function definition",
    "SOP_PARAM_": "the runner reads parameter values from it",
}
# Start-up files the shell of a step must never read, whatever the caller's
# environment holds: dropped from the environment of every step.
SHELL_STARTUP = ("BASH_ENV", "ENV")


def reserved(name: str) -> str | None:
    """Why an environment variable name is reserved (see RESERVED), or None."""
    upper = name.upper()
    if upper in RESERVED:
        return RESERVED[upper]
    for prefix, reason in RESERVED_PREFIXES.items():
        if upper.startswith(prefix):
            return reason
    return None
