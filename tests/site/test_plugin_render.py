"""The plugin's shortcut for SOP pages that are one placeholder (sopdocs.mkdocs_plugin)."""

from __future__ import annotations

from sopdocs.site import placeholders
from sopdocs.site.plugin import SopdocsPlugin


class FakePage:
    """What MkDocs' Page.render reads and writes, and a count of real renders."""

    def __init__(self, markdown: str) -> None:
        self.markdown = markdown
        self.renders = 0
        self.content = self.toc = self._title_from_render = self.links_to_anchors = self.present_anchor_ids = None

    def render(self, config, files) -> None:
        self.renders += 1
        self.content = f"<p>{self.markdown.strip()}</p>"
        self.toc = ["toc"]
        self._title_from_render = None
        self.present_anchor_ids = set()
        self.links_to_anchors = {}


def plugin() -> SopdocsPlugin:
    p = SopdocsPlugin()
    p._placeholder = None
    return p


def test_the_first_placeholder_page_is_rendered_and_the_others_reuse_it():
    p = plugin()
    first, second = FakePage(placeholders.PAGE_PLACEHOLDER), FakePage(placeholders.PAGE_PLACEHOLDER)
    for page in (first, second):
        page.render = p._placeholder_render(page)
        page.render(None, None)
    assert first.content == second.content == "<p>SOPDOCSHTMLBLOCK0Z</p>"
    assert second.toc == ["toc"] and second.present_anchor_ids == set() and second.links_to_anchors == {}
    assert second.links_to_anchors is not first.links_to_anchors


def test_a_page_whose_markdown_another_plugin_changed_is_rendered():
    p = plugin()
    placeholder, changed = FakePage(placeholders.PAGE_PLACEHOLDER), FakePage(placeholders.PAGE_PLACEHOLDER + "\nA banner\n")
    for page in (placeholder, changed):
        page.render = p._placeholder_render(page)
        page.render(None, None)
    assert placeholder.renders == changed.renders == 1
    assert changed.content == "<p>SOPDOCSHTMLBLOCK0Z\n\nA banner</p>"


def test_only_the_first_of_many_placeholder_pages_is_rendered():
    p = plugin()
    many = [FakePage(placeholders.PAGE_PLACEHOLDER) for _ in range(5)]
    for page in many:
        page.render = p._placeholder_render(page)
        page.render(None, None)
    assert [page.renders for page in many] == [1, 0, 0, 0, 0]
    assert {page.content for page in many} == {"<p>SOPDOCSHTMLBLOCK0Z</p>"}
