"""Generator units that need no build."""

from sopdocs.site import pages


def test_a_front_matter_command_with_backtick_fences_stays_one_code_block():
    html = pages._actions_html(
        [{"text": "Probe", "command": "echo ```x```\necho y", "timeout": "5m", "confirm": True}], "pre", None, False
    )
    assert html.count("<pre>") == 1
    assert "echo ```x```\necho y" in html
    assert "Command · confirm · timeout 5m" in html
