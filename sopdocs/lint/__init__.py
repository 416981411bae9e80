"""Lint: run the rules over parsed SOPs and report findings with `file:line:col`.

The engine (:mod:`.engine`), the rules (one module each, :mod:`.rules`), the reporters
(:mod:`.reporters`), and the fast path of `sopdocs lint` (:mod:`.fast`: a per-file cache
and worker processes)."""
