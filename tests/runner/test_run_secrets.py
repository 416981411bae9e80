"""Secret parameters reach commands but never the terminal, the audit trail or a lock
file - not even a part of them split across two reads."""

from __future__ import annotations

import hashlib
import sys

from runkit import SECRET, command_step, sop_text

from sopdocs.run.process import Redactor, StreamCapture

SECRET_PARAMS = "parameters:\n  token:\n    secret: true\n  database:\n    resource: true\n"


def _fragments(value: str, size: int = 4) -> list[str]:
    return [value[i : i + size] for i in range(len(value) - size + 1)]


def _assert_absent(text: str, where: str) -> None:
    assert SECRET not in text, f"secret in {where}"
    for fragment in _fragments(SECRET, 6):
        assert fragment not in text, f"part of the secret ({fragment!r}) in {where}"


# Waits until the runner has read everything written to this process's stdout (a pipe):
# what is written after it arrives in a later read, whatever the machine's speed.
WAIT_DRAINED = """import fcntl, struct, termios, time
while struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, bytes(4)))[0]:
    time.sleep(0.005)
"""


def test_secret_is_absent_from_output_and_trail(project):
    (project.root / "wait_drained.py").write_text(WAIT_DRAINED, encoding="utf-8")
    steps = [
        command_step("Use it.", 'printf %s "$TOKEN" | sha256sum > token.sha\necho "token=$TOKEN"\necho "err $TOKEN" >&2'),
        # The value arrives in two reads of the pipe: the first 6 characters are read
        # before the rest is written.
        command_step("Split it.", f'printf %s "${{TOKEN:0:6}}"; {sys.executable} wait_drained.py; printf "%s\\n" "${{TOKEN:6}}"'),
        command_step("Fail with it.", 'echo "failed for $TOKEN"; exit 1'),
    ]
    project.write(sop_text(steps, extra=SECRET_PARAMS, rollback=['text: Undo\n    command: echo "undo $TOKEN"']))
    proc = project.run("sops/demo.md", "--yes", "-p", "database=orders", env={"SOP_PARAM_TOKEN": SECRET})
    assert proc.returncode == 1, proc.stderr
    assert (project.root / "token.sha").read_text().split()[0] == hashlib.sha256(SECRET.encode()).hexdigest()
    assert "token=***" in proc.stdout and "err ***" in proc.stderr and "failed for ***" in proc.stdout
    assert "***\n" in proc.stdout and "undo ***" in proc.stdout
    _assert_absent(proc.stdout, "stdout")
    _assert_absent(proc.stderr, "stderr")
    trail = project.trail().read_text()
    _assert_absent(trail, "the audit trail")
    records = project.records()
    assert records[0]["parameters"] == {"database": "orders", "token": "***"}
    assert any(r.get("stdout", {}).get("tail") == "token=***\n" for r in records)
    assert project.sopdocs("audit", "verify", str(project.trail())).returncode == 0


def test_secret_resource_is_redacted_in_the_lock(project):
    extra = "parameters:\n  token:\n    secret: true\n    resource: true\n"
    project.write(sop_text([command_step("Look.", "cat .sopdocs/locks/*.lock")], extra=extra))
    proc = project.run("sops/demo.md", "--yes", env={"SOP_PARAM_TOKEN": SECRET})
    assert proc.returncode == 0, proc.stderr
    assert "resource token=***" in project.trail().read_text()
    _assert_absent(proc.stdout + proc.stderr + project.trail().read_text(), "output or trail")


def test_secret_on_the_command_line_is_refused_without_echo(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra=SECRET_PARAMS))
    proc = project.run("sops/demo.md", "--yes", "-p", "database=orders", "-p", f"token={SECRET}")
    assert proc.returncode == 2
    assert "parameter token is secret and cannot be given with --param" in proc.stderr
    assert "SOP_PARAM_TOKEN" in proc.stderr
    _assert_absent(proc.stdout + proc.stderr, "the error")
    assert project.log() == [] and not project.trail().exists()


def test_missing_secret_without_a_terminal_is_a_usage_error(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra=SECRET_PARAMS))
    proc = project.run("sops/demo.md", "--yes", "-p", "database=orders")
    assert proc.returncode == 2 and "token (secret: set SOP_PARAM_TOKEN)" in proc.stderr


def test_invalid_secret_is_reported_without_its_value(project):
    extra = "parameters:\n  pin:\n    secret: true\n    type: integer\n"
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra=extra))
    proc = project.run("sops/demo.md", "--yes", env={"SOP_PARAM_PIN": SECRET})
    assert proc.returncode == 2 and "parameter pin: the value is not a whole number" in proc.stderr
    _assert_absent(proc.stderr, "the error")
    short = project.run("sops/demo.md", "--yes", env={"SOP_PARAM_PIN": "12"})
    assert short.returncode == 2 and "at least 4 characters" in short.stderr


# --- the redactor in-process ----------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def flush(self) -> None:
        pass


def test_redaction_survives_any_split():
    text = f"before {SECRET} middle {SECRET}{SECRET} after\n".encode()
    for cut in range(1, len(text)):
        sink = _Sink()
        capture = StreamCapture(Redactor([SECRET]), sink)  # type: ignore[arg-type]
        capture.feed(text[:cut])
        capture.feed(text[cut:])
        capture.close()
        assert sink.data == b"before *** middle ****** after\n", cut
        assert capture.summary()["bytes"] == len(sink.data)


def test_each_line_of_a_multi_line_secret_is_redacted():
    key = "-----BEGIN KEY-----\nAAAAsecretline1\nBBBBsecretline2\n-----END KEY-----"
    redactor = Redactor([key])
    assert redactor.text(f"leak: {key}") == "leak: ***"
    assert redactor.text("only BBBBsecretline2 here") == "only *** here"


def test_tail_is_the_last_bytes_of_the_redacted_output():
    sink = _Sink()
    capture = StreamCapture(Redactor([SECRET]), sink)  # type: ignore[arg-type]
    capture.feed(b"x" * 5000 + SECRET.encode())
    capture.close()
    summary = capture.summary()
    assert summary["tail"].endswith("x***") and len(summary["tail"]) == 2048
