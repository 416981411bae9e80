""""Did you mean" for unknown SOP ids: the same answer as difflib, found fast."""

from __future__ import annotations

import difflib
import random

from sopdocs.core.similar import closest

WORDS = ["postgres", "restore", "kafka", "rotate", "cert", "drain", "queue", "billing", "orders", "dns", "cutover", "vault"]


def catalog_ids(rng: random.Random, n: int) -> list[str]:
    return sorted({f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{rng.choice(WORDS)}-{rng.randrange(10000):05d}" for _ in range(n)})


def typo(rng: random.Random, word: str) -> str:
    chars = list(word)
    for _ in range(rng.randrange(1, 6)):
        i = rng.randrange(len(chars))
        op = rng.randrange(3)
        if op == 0:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz-0123456789")
        elif op == 1 and len(chars) > 1:
            del chars[i]
        else:
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz-"))
    return "".join(chars)


def test_same_suggestion_as_difflib_on_a_large_catalog():
    rng = random.Random(7)
    ids = catalog_ids(rng, 1500)
    words = [typo(rng, rng.choice(ids)) for _ in range(80)] + [catalog_ids(rng, 1)[0] for _ in range(30)] + ["x", "", "zzzz-qqqq"]
    suggested = 0
    for word in words:
        expected = difflib.get_close_matches(word, ids, n=1, cutoff=0.6)
        assert closest(word, ids) == (expected[0] if expected else None), word
        suggested += bool(expected)
    assert suggested > 50  # the typos mostly have an answer; unrelated words mostly do not


def test_a_typo_in_a_small_catalog():
    ids = ["postgres-pitr-restore", "kafka-broker-rotate", "dns-cutover"]
    assert closest("postgres-pitr-restor", ids) == "postgres-pitr-restore"
    assert closest("nothing-like-it-at-all", ids) is None
