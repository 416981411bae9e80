"""Parameter values for a run: from `--param`, `SOP_PARAM_<NAME>`, a default, or (for
secrets, on a terminal) a hidden prompt; checked against the manifest's type and enum.

Error messages never contain the value of a secret parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sopdocs.errors import UsageError
from sopdocs.run.process import Redactor

ENV_PREFIX = "SOP_PARAM_"
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ParameterError(UsageError):
    """A missing, unknown or invalid parameter: a usage error (exit 2)."""


@dataclass(frozen=True)
class Parameters:
    specs: dict[str, dict[str, Any]]  # name -> manifest entry
    values: dict[str, str]  # name -> value as the command sees it
    sources: dict[str, str]  # name -> "--param" | "env" | "prompt" | "default"

    @property
    def secrets(self) -> list[str]:
        return [self.values[n] for n, spec in self.specs.items() if spec["secret"] and n in self.values]

    def redactor(self) -> Redactor:
        return Redactor(self.secrets)

    def env(self) -> dict[str, str]:
        """Environment variables the commands get: $DATABASE, ..."""
        return {self.specs[n]["env"]: v for n, v in self.values.items()}

    def shown(self) -> dict[str, str]:
        """Values fit for the terminal and the audit trail: secrets as `***`."""
        return {n: "***" if self.specs[n]["secret"] else v for n, v in sorted(self.values.items())}


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`--param name=value` options -> {name: value}."""
    result: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ParameterError("--param takes NAME=VALUE (an argument has no `=` or no name)")
        result[name.strip()] = value
    return result


def _normalise(name: str, spec: dict[str, Any], value: str) -> str:
    shown = "the value" if spec["secret"] else repr(value)
    kind = spec.get("type", "string")
    if kind == "integer":
        try:
            value = str(int(value.strip()))
        except ValueError:
            raise ParameterError(f"parameter {name}: {shown} is not a whole number") from None
    elif kind == "boolean":
        lowered = value.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ParameterError(f"parameter {name}: {shown} is not true or false")
        value = "true" if lowered in _TRUE else "false"
    if "enum" in spec and value not in {str(v) for v in spec["enum"]}:
        choices = "" if spec["secret"] else f"; one of: {', '.join(str(v) for v in spec['enum'])}"
        raise ParameterError(f"parameter {name}: {shown} is not allowed{choices}")
    if spec["secret"] and len(value) < Redactor.MIN_SECRET:
        raise ParameterError(
            f"parameter {name}: a secret value must be at least {Redactor.MIN_SECRET} characters long "
            "(shorter values cannot be redacted from the output)"
        )
    return value


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolve(
    specs: dict[str, dict[str, Any]],
    given: dict[str, str],
    environ: Mapping[str, str],
    prompt_secret: Callable[[str, dict[str, Any]], str | None] | None,
) -> Parameters:
    """Values for every parameter. ``prompt_secret(name, spec)`` asks for a missing
    secret on a terminal (None: no terminal). Raises ParameterError."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        raise ParameterError(f"unknown parameter {unknown[0]!r}; this SOP's parameters: {known}")
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    missing: list[str] = []
    for name, spec in sorted(specs.items()):
        env_var = ENV_PREFIX + spec["env"]
        if name in given:
            if spec["secret"]:
                raise ParameterError(
                    f"parameter {name} is secret and cannot be given with --param (the command line is visible "
                    f"to every user of this machine); set {env_var} in the environment, or run on a terminal "
                    "to be asked for it"
                )
            raw, source = given[name], "--param"
        elif env_var in environ:
            raw, source = environ[env_var], "env"
        elif "default" in spec:
            raw, source = _default_text(spec["default"]), "default"
        elif spec["secret"] and prompt_secret is not None and spec.get("required", True):
            answer = prompt_secret(name, spec)
            if answer is None:
                missing.append(name)
                continue
            raw, source = answer, "prompt"
        else:
            if spec.get("required", True):
                missing.append(name)
            continue
        values[name] = _normalise(name, spec, raw)
        sources[name] = source
    if missing:
        hints = ", ".join(
            f"{n} (secret: set {ENV_PREFIX}{specs[n]['env']})" if specs[n]["secret"] else f"{n} (--param {n}=VALUE)"
            for n in missing
        )
        raise ParameterError(f"missing required parameters: {hints}")
    return Parameters(specs=specs, values=values, sources=sources)
