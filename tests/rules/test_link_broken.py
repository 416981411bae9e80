"""SOP503 link-broken: a relative link to a `.md` file that does not exist."""

from helpers import FRONT

RULE = "link-broken"


def body(text: str) -> str:
    # `text` starts on line 12.
    return FRONT + "\n" + text + "\n\n## Steps\n\n1. Restart the API.\n"


def test_existing_and_external_links(lint_text):
    text = body(
        "See [the other SOP](other.md#rollback), [docs](https://example.com/x.md),\n"
        "[a file](../README.txt), [root](/abs.md) and [mail](mailto:a@b.c)."
    )
    assert lint_text(text, files={"other.md": FRONT.replace("restart-api", "other") + "\n## Steps\n\n1. Do.\n"}) == []


def test_missing_file_points_at_the_target(lint_findings):
    [finding] = lint_findings(body("Then run [the failover](db-failover.md)."))
    assert (finding.line, finding.column, finding.rule) == (12, 25, RULE)
    assert "`db-failover.md`" in finding.message


def test_link_in_a_step_and_percent_encoding(lint_text):
    # Step 1 (line 14) links to an existing file with a space; step 2 (line 15) does not.
    text = FRONT + "\n## Steps\n\n1. Follow [the restore](restore%20db.md).\n2. Then [check](sub/check.md).\n"
    assert lint_text(text, files={"restore db.md": FRONT.replace("restart-api", "restore-db") + "\n## Steps\n\n1. Do.\n"}) == [
        (15, 17, RULE)
    ]


def test_plain_targets_read_as_urlsplit_reads_them():
    """The shortcut for plain targets gives what urlsplit + unquote give."""
    from urllib.parse import unquote, urlsplit

    from sopdocs.lint.rules import link_broken

    def reference(target):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return None
        return unquote(parts.path)

    targets = ["a.md", "dir/a.md", "../a.md", "a.md#x", "a.md?x=1", "a.md?x#y", "a.md#x?y", "#top", "?q", "", "/abs.md",
               "//host/a.md", "http://x/a.md", "mailto:a@b", "a%20b.md", "C:/x.md", "a.md#", "./a.md", "a(1).md", "~/a.md",
               "a b.md", "a\tb.md", "é.md", "x:y.md", "a.md;x", "..", "a/#b"]
    for target in targets:
        assert link_broken.target_path(target) == reference(target), target
