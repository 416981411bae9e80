"""Owner and escalation entries as links (sopdocs.site.contacts)."""

from __future__ import annotations

import pytest

from sopdocs.site.contacts import ContactLinksError, check_patterns, contact_html, contact_url

PATTERNS = {
    "#": "https://chat.example.com/channels/{}",
    "pagerduty:": "https://example.pagerduty.com/escalation_policies?query={}",
    "pagerduty:eu-": "https://eu.pagerduty.example/{}",
}


@pytest.mark.parametrize(
    "value, url",
    [
        ("#platform-oncall", "https://chat.example.com/channels/platform-oncall"),
        ("pagerduty:sre-primary", "https://example.pagerduty.com/escalation_policies?query=sre-primary"),
        ("pagerduty:eu-sre", "https://eu.pagerduty.example/sre"),  # the longest prefix wins
        ("ana@example.com", "mailto:ana@example.com"),
        ("email:ciso@example.com", "mailto:ciso@example.com"),
        ("mailto:ciso@example.com", "mailto:ciso@example.com"),
        ("tel:+49 30 123456", "tel:+4930123456"),
        ("https://status.example.com/incidents", "https://status.example.com/incidents"),
        ("# spaced name?&x=<b>", "https://chat.example.com/channels/spaced%20name%3F%26x%3D%3Cb%3E"),
        ("team-sre", None),
        ("#", None),  # a prefix with nothing after it
        ("javascript:alert(1)", None),
        ("https://x.example/\"onmouseover=alert(1)", None),
        ("email:not an address", None),
        ("tel:call me", None),
    ],
)
def test_contact_url(value, url):
    assert contact_url(value, PATTERNS) == url


def test_contact_html_escapes_text_and_address():
    assert contact_html("<b>ops</b>", {}) == '<span class="sop-contact">&lt;b&gt;ops&lt;/b&gt;</span>'
    html = contact_html("#a&b", PATTERNS)
    assert html == '<a class="sop-contact" href="https://chat.example.com/channels/a%26b">#a&amp;b</a>'


@pytest.mark.parametrize(
    "patterns, message",
    [
        (["#"], "must map a prefix"),
        ({"": "https://x/{}"}, "non-empty string"),
        ({"#": "https://chat.example.com/channels/"}, "hold `{}`"),
        ({"#": "javascript:alert('{}')"}, "must start with https://"),
        ({"#": 42}, "must start with https://"),
    ],
)
def test_bad_patterns_are_refused_with_the_reason(patterns, message):
    with pytest.raises(ContactLinksError, match=message):
        check_patterns(patterns)


def test_no_patterns_is_fine():
    assert check_patterns(None) == {} and check_patterns({}) == {}
