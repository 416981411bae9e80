"""Run: the local SOP runner (`sopdocs run`, :mod:`.runner`) and its audit trail
(:mod:`.audit`). See docs/runner.md.

Exit codes of a run (a contract, like the linter's):

- 0: every step succeeded (and the verification passed);
- 1: the run failed, timed out or was cancelled, and was rolled back - or no step had
  started, so there was nothing to roll back;
- 2: usage or configuration error (bad option or parameter, lint errors, unknown SOP,
  confirmations a run without a terminal cannot get); nothing ran;
- 3: internal error (a bug in sopdocs);
- 4: the run failed and the system was NOT restored: the rollback failed, was aborted,
  needed a human who was not there, or the audit trail stopped accepting records;
- 5: refused before any step: role, retired SOP, run lock held, precondition failed,
  audit trail not writable.
"""
