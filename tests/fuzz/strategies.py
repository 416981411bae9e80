"""Hypothesis strategies for SOP files: valid front matter, mutations of it, random
Markdown bodies, and whole files as bytes (including random bytes)."""

from __future__ import annotations

import re

import yaml
from hypothesis import strategies as st

# Characters that trip up parsers and position arithmetic.
TRICKY = [
    "\u200b", "\u200d", "\u2060", "\ufeff",  # zero-width, BOM
    "\u202e", "\u202b", "\u200f", "\u0627\u0644", "\u05e9\u05dc",  # RTL overrides and text
    "\u2028", "\u2029", "\x85",  # Unicode line breaks (YAML counts them, Markdown does not)
    "\t", "\r", "\r\n", "\x0b", "\x0c",  # tabs, carriage returns, other whitespace
    "é", "\u0301", "🙂", "\U0001f468\u200d\U0001f469",  # combining marks, astral, ZWJ sequences
    "`", "```", "[", "]", "(", ")", "<", ">", "&amp;", "\\", "*", "#", "-", ":", "{", "}", "'", '"', "|", "&a", "*a",
]
tricky_text = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), max_size=8).map("".join)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
sop_ids = st.lists(words, min_size=1, max_size=3).map("-".join)
plain = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(lambda s: s.strip() == s and s)
dates = st.dates().filter(lambda d: d.year >= 1000).map(lambda d: d.isoformat())
durations = st.sampled_from(["30s", "5m", "2h", "1h30m", "10m"])
periods = st.sampled_from(["90 days", "6 weeks", "6 months", "1 year", "2 years"])
commands = st.one_of(
    st.sampled_from(["kubectl get pods", "echo ok", 'psql -c "select 1"', "curl -fsS https://example.com/health"]),
    plain,
)

action = st.one_of(
    plain,
    st.fixed_dictionaries(
        {"text": plain},
        optional={"command": commands, "shell": st.sampled_from(["bash", "sh"]), "timeout": durations,
                  "confirm": st.booleans(), "idempotent": st.booleans()},
    ),
)
parameter = st.fixed_dictionaries(
    {},
    optional={"type": st.just("string"), "description": plain, "required": st.booleans(), "default": words,
              "secret": st.booleans(), "resource": st.booleans(), "enum": st.lists(words, min_size=1, max_size=3, unique=True)},
)

valid_meta = st.fixed_dictionaries(
    {
        "id": sop_ids,
        "title": plain,
        "owner": words.map(lambda w: f"team-{w}"),
        "last_reviewed": dates,
        "preconditions": st.lists(action, min_size=1, max_size=3),
        "rollback": st.one_of(st.lists(action, min_size=1, max_size=3), sop_ids.map(lambda i: {"sop": i})),
    },
    optional={
        "backup_owner": words,
        "escalation": st.one_of(plain, st.lists(plain, min_size=1, max_size=2)),
        "status": st.sampled_from(["draft", "in-review", "approved", "deprecated", "retired"]),
        "version": st.sampled_from(["1.0", "2.3.1"]),
        "risk": st.sampled_from(["low", "medium", "high", "critical"]),
        "layer": st.sampled_from(["edge", "data", "kubernetes"]),
        "tags": st.lists(words, max_size=3, unique=True),
        "execution_roles": st.lists(words, max_size=2, unique=True),
        "approvers": st.lists(words, max_size=2, unique=True),
        "review_in": periods,
        "related": st.lists(sop_ids, max_size=3, unique=True),
        "parameters": st.dictionaries(st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z"), parameter, max_size=3),
    },
)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), tricky_text, st.binary(max_size=4).map(repr))
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(tricky_text, inner, max_size=3)), max_leaves=8)


@st.composite
def mutated_meta(draw) -> dict:
    """Valid front matter with keys deleted, values of the wrong type, unknown keys."""
    meta = dict(draw(valid_meta))
    for key in draw(st.lists(st.sampled_from(sorted(meta)), max_size=3, unique=True)):
        action_ = draw(st.sampled_from(["delete", "replace", "nest"]))
        if action_ == "delete":
            del meta[key]
        elif action_ == "replace":
            meta[key] = draw(anything)
        else:
            meta[key] = [meta[key], draw(anything)]
    for _ in range(draw(st.integers(0, 2))):
        meta[draw(st.one_of(words, tricky_text))] = draw(anything)
    return meta


def dump(meta: dict) -> str:
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=4096)


# --- bodies ------------------------------------------------------------------------------

info_words = st.sampled_from(["bash", "sh", "python", "", "confirm", "verify", "idempotent", "timeout=5m", "timeout=x",
                              "retries=2", "id=step-one", "workdir=/tmp", "confrim"])
fence = st.builds(
    lambda indent, ticks, info, code: f"{indent}{ticks}{' '.join(info)}\n" + "".join(f"{indent}{line}\n" for line in code) + f"{indent}{ticks}\n",
    st.sampled_from(["", "   ", "    ", "\t"]),
    st.sampled_from(["```", "~~~", "````"]),
    st.lists(info_words, max_size=3),
    st.lists(st.one_of(commands, tricky_text), max_size=3),
)
link = st.builds(lambda text, target: f"[{text}]({target})", tricky_text,
                 st.one_of(sop_ids.map(lambda i: f"{i}.md"), st.just("https://example.com"), tricky_text, st.just("a.md#x")))
inline = st.lists(st.one_of(plain, tricky_text, link, st.just("TODO(sopdocs) fill in"), st.just("`code [x](y.md)`")), max_size=5).map(" ".join)
block = st.one_of(
    inline.map(lambda t: t + "\n"),
    st.builds(lambda level, title: f"{'#' * level} {title}\n", st.integers(1, 3), st.one_of(st.sampled_from(["Steps", "Verification", "steps", "Notes"]), tricky_text)),
    st.builds(lambda n, text, blocks: f"{n}. {text}\n\n" + "".join(blocks) + "\n", st.integers(0, 12), inline, st.lists(fence, max_size=2)),
    st.builds(lambda text: f"- {text}\n", inline),
    fence,
    st.just("> quoted [link](q.md)\n"),
    st.just("<div>\n## not a heading\n</div>\n"),
    st.just("[ref]: missing.md\n\nSee [ref].\n"),
    tricky_text,
)
bodies = st.lists(block, max_size=12).map("\n".join)
steps_body = st.builds(
    lambda title, steps: f"# {title}\n\n## Steps\n\n" + "".join(
        f"{n}. Step {n}.\n\n   ```bash\n   {cmd}\n   ```\n\n" for n, cmd in enumerate(steps, start=1)
    ),
    plain,
    st.lists(st.sampled_from(["kubectl get pods", "echo ok", "systemctl restart api"]), min_size=1, max_size=4),
)


def with_front_matter(front: str, body: str) -> str:
    return f"---\n{front}---\n\n{body}"


@st.composite
def text_mutations(draw, text: str) -> str:
    """Byte-level damage that YAML and Markdown must survive: CRLF, a BOM, tabs,
    cut-offs, inserted tricky characters."""
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["crlf", "cr", "bom", "tab", "cut", "insert", "dedent"]))
        if kind == "crlf":
            text = text.replace("\n", "\r\n")
        elif kind == "cr":
            text = text.replace("\n", "\r")
        elif kind == "bom":
            text = "\ufeff" + text
        elif kind == "tab":
            text = re.sub(r"^  ", "\t", text, count=draw(st.integers(1, 3)), flags=re.MULTILINE)
        elif kind == "cut" and text:
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at:]
        elif kind == "dedent":
            text = text.replace("\n  ", "\n")
    return text


@st.composite
def sop_files(draw) -> bytes:
    """A whole file: valid, mutated, or random bytes."""
    kind = draw(st.sampled_from(["valid", "mutated", "mutated", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "text":
        text = draw(st.one_of(bodies, tricky_text, st.text(max_size=200)))
        return text.encode("utf-8", "surrogatepass")
    meta = draw(valid_meta if kind == "valid" else mutated_meta())
    text = with_front_matter(dump(meta), draw(st.one_of(steps_body, bodies)))
    if kind == "mutated":
        text = draw(text_mutations(text))
    return text.encode("utf-8", "surrogatepass")


def file_lines(data: bytes) -> list[str] | None:
    """The lines of a file as an editor shows them (CRLF, LF or CR end a line), or
    None when it is not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return re.split(r"\r\n|\r|\n", text)
