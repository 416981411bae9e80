"""`sopdocs lsp` end to end: the server in its own process, a real LSP client
(pytest-lsp) talking to it over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from helpers import REPO, TODAY
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

ENV = {**os.environ, "PYTHONPATH": str(REPO), "SOPDOCS_TODAY": TODAY}

CONFIG = "paths: [sops]\nowners: [team-sre, team-data]\n"
RESTART = """---
id: restart-api
title: Restart the API
owner: team-sre
last_reviewed: 2026-10-01
preconditions:
  - The on-call engineer has acknowledged the page.
rollback:
  - Start the previous release again.
---

# Restart the API

## Steps

1. Restart the API pods.

   ```bash
   kubectl rollout restart deploy/api -n shop
   ```
"""
MAIN = """---
id: main-sop
title: Main
owner: team-sre
last_reviewed: 2026-10-01
related: [nope-sop]
parameters:
  database:
    description: The database
preconditions:
  - The on-call engineer has acknowledged the page.
rollback: {sop: restart-api}
---

# Main

See [restarting](restart-api.md).

## Steps

1. Migrate.

   ```bash timeout=5m
   psql "$DATABASE" -c 'select 1'
   ```
"""


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "sopdocs.yml").write_text(CONFIG)
    sops = tmp_path / "sops"
    sops.mkdir()
    (sops / "restart-api.md").write_text(RESTART)
    (sops / "main.md").write_text(MAIN)
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "sopdocs", "lsp"], server_env=ENV))
async def client(lsp_client: LanguageClient, workspace: Path):
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params):  # as editors do: accept the server's file watchers
        return None

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


versions: dict[str, int] = {}


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    versions[uri] = 1
    body = path.read_text() if text is None else text
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", 1, body)))
    return uri


def change_doc(client: LanguageClient, uri: str, text: str) -> None:
    versions[uri] = versions.get(uri, 1) + 1
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(versions[uri], uri), [types.TextDocumentContentChangeWholeDocument(text)]
        )
    )


async def diagnostics(client: LanguageClient, uri: str, check=lambda found: True, timeout: float = 15) -> list[types.Diagnostic]:
    """The diagnostics of ``uri`` once ``check`` holds for them (polled)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and check(found):
            return list(found)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"diagnostics of {uri} never matched; last: {found}")
        await asyncio.sleep(0.02)


def codes(found) -> list[str]:
    return sorted(str(d.code) for d in found)


def position_of(text: str, needle: str, offset: int = 0) -> types.Position:
    before = text[: text.index(needle) + offset]
    return types.Position(before.count("\n"), len(before.rsplit("\n", 1)[-1]))


async def labels(client, uri, text, needle, offset=None):
    where = position_of(text, needle, len(needle) if offset is None else offset)
    result = await client.text_document_completion_async(types.CompletionParams(types.TextDocumentIdentifier(uri), where))
    items = result.items if isinstance(result, types.CompletionList) else result
    return {item.label: item for item in items or []}


# --- diagnostics ------------------------------------------------------------------------------


async def test_diagnostics_with_exact_range_code_and_docs_link(client, workspace):
    uri = open_doc(client, workspace / "sops" / "main.md")
    found = await diagnostics(client, uri, lambda f: len(f) > 0)
    assert codes(found) == ["SOP502"]
    (diagnostic,) = found
    assert diagnostic.range == types.Range(types.Position(5, 10), types.Position(5, 18))  # `nope-sop` in related: [nope-sop]
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.source == "sopdocs"
    assert diagnostic.code_description.href.endswith("docs/rules.md#related-unknown")
    assert "nope-sop" in diagnostic.message


async def test_columns_are_utf16(client, workspace):
    text = MAIN.replace("title: Main", "title: Main 🚀").replace("owner: team-sre\nlast", "owner: \"🚀🚀 x\"\nlast")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await diagnostics(client, uri, lambda f: "SOP105" in codes(f))
    owner = [d for d in found if d.range.start.line == 3]
    # The key and its value: `owner: "🚀🚀 x"` is 13 characters, 15 UTF-16 code units.
    assert owner and (owner[0].range.start.character, owner[0].range.end.character) == (0, 15)


async def test_diagnostics_follow_every_change(client, workspace):
    uri = open_doc(client, workspace / "sops" / "main.md")
    await diagnostics(client, uri, lambda f: codes(f) == ["SOP502"])
    change_doc(client, uri, MAIN.replace("[nope-sop]", "[restart-api]"))
    await diagnostics(client, uri, lambda f: codes(f) == [])
    change_doc(client, uri, MAIN.replace("owner: team-sre", "owner: team-nobody"))
    found = await diagnostics(client, uri, lambda f: len(f) == 2)
    assert "team-nobody" in " ".join(d.message for d in found)


@pytest.mark.parametrize(
    "text",
    ["---\nid: [unclosed\n---\n", "---\nid: a\x00b\n---\n", "---\n" + "x: y\n" * 300_000 + "---\n", "no front matter\n", "", "---\n- a list\n---\n"],
    ids=["invalid-yaml", "nul", "huge", "no-front-matter", "empty", "not-a-mapping"],
)
async def test_bad_input_is_diagnostics_never_an_error(client, workspace, text):
    path = workspace / "sops" / "bad.md"
    uri = open_doc(client, path, text)
    found = await diagnostics(client, uri, lambda f: len(f) > 0)
    assert all(d.source == "sopdocs" and "could not check" not in d.message for d in found)
    # Requests on it answer too.
    await client.text_document_completion_async(types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 3)))
    await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 1)))
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


# --- the catalog ----------------------------------------------------------------------------------


async def test_catalog_finding_appears_and_disappears_as_another_open_file_changes(client, workspace):
    main = open_doc(client, workspace / "sops" / "main.md")
    await diagnostics(client, main, lambda f: codes(f) == ["SOP502"])
    other_path = workspace / "sops" / "other.md"
    other_text = RESTART.replace("id: restart-api", "id: other-sop")
    other_path.write_text(other_text)
    other = open_doc(client, other_path)
    await diagnostics(client, other, lambda f: True)
    change_doc(client, other, RESTART.replace("id: restart-api", "id: nope-sop"))  # unsaved: the id now exists
    await diagnostics(client, main, lambda f: codes(f) == [])
    change_doc(client, other, other_text)
    await diagnostics(client, main, lambda f: codes(f) == ["SOP502"])


async def test_catalog_finding_follows_files_changing_on_disk(client, workspace):
    main = open_doc(client, workspace / "sops" / "main.md")
    await diagnostics(client, main, lambda f: codes(f) == ["SOP502"])
    new = workspace / "sops" / "nope.md"
    new.write_text(RESTART.replace("id: restart-api", "id: nope-sop"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(new.as_uri(), types.FileChangeType.Created)])
    )
    await diagnostics(client, main, lambda f: codes(f) == [])
    # A duplicate id appears in the file being edited when another file takes its id.
    dup = workspace / "sops" / "a-first.md"
    dup.write_text(RESTART.replace("id: restart-api", "id: main-sop"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(dup.as_uri(), types.FileChangeType.Created)])
    )
    found = await diagnostics(client, main, lambda f: codes(f) == ["SOP501"])
    assert found[0].range == types.Range(types.Position(1, 0), types.Position(1, 12))  # `id: main-sop`
    new.unlink()
    dup.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(new.as_uri(), types.FileChangeType.Deleted), types.FileEvent(dup.as_uri(), types.FileChangeType.Deleted)]
        )
    )
    await diagnostics(client, main, lambda f: codes(f) == ["SOP502"])


async def test_broken_link_and_rollback_reference(client, workspace):
    text = MAIN.replace("[nope-sop]", "[restart-api]").replace("{sop: restart-api}", "{sop: gone-sop}").replace(
        "(restart-api.md)", "(gone.md)"
    )
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await diagnostics(client, uri, lambda f: len(f) == 2)
    by_code = {str(d.code): d for d in found}
    assert set(by_code) == {"SOP202", "SOP503"}, codes(found)


# --- completion ---------------------------------------------------------------------------------------


async def test_completion_of_keys_with_their_documentation(client, workspace):
    text = MAIN.replace("rollback: {sop: restart-api}\n", "rollback: {sop: restart-api}\nri\n")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await labels(client, uri, text, "\nri\n", 3)
    assert {"risk", "backup_owner", "status", "layer"} <= set(found)
    assert "owner" not in found  # already there
    assert found["risk"].documentation.value == "How much damage a mistake can do."
    assert found["risk"].insert_text == "risk: "


async def test_completion_of_values(client, workspace):
    text = MAIN.replace("owner: team-sre\n", "owner: \nbackup_owner: t\nrisk: \nstatus: \nlayer: \n")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    assert set(await labels(client, uri, text, "\nowner: ")) == {"team-sre", "team-data"}
    assert set(await labels(client, uri, text, "backup_owner: t")) == {"team-sre", "team-data"}
    assert set(await labels(client, uri, text, "risk: ")) == {"low", "medium", "high", "critical"}
    assert "approved" in await labels(client, uri, text, "status: ")
    assert "kubernetes" in await labels(client, uri, text, "layer: ")


async def test_completion_of_owners_from_the_catalog_without_configured_owners(client, workspace):
    (workspace / "sopdocs.yml").write_text("paths: [sops]\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent((workspace / "sopdocs.yml").as_uri(), types.FileChangeType.Changed)])
    )
    (workspace / "sops" / "other.md").write_text(RESTART.replace("id: restart-api", "id: other").replace("team-sre", "team-cats"))
    text = MAIN.replace("owner: team-sre\n", "owner: \n")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    await diagnostics(client, uri)
    assert set(await labels(client, uri, text, "\nowner: ")) == {"team-sre", "team-cats"}


async def test_completion_of_sop_ids(client, workspace):
    text = MAIN.replace("related: [nope-sop]", "related: [").replace("rollback: {sop: restart-api}", "rollback: {sop: ")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    related = await labels(client, uri, text, "related: [")
    assert set(related) == {"restart-api"}  # not its own id
    assert related["restart-api"].detail == "Restart the API"
    assert set(await labels(client, uri, text, "rollback: {sop: ")) == {"restart-api"}
    block = MAIN.replace("id: main-sop", "id: block-sop").replace("related: [nope-sop]", "related:\n  - re").replace("rollback: {sop: restart-api}", "rollback:\n  sop: r")
    uri = open_doc(client, workspace / "sops" / "block.md", block)
    assert set(await labels(client, uri, block, "  - re")) == {"restart-api", "main-sop"}
    assert "restart-api" in await labels(client, uri, block, "  sop: r")


async def test_completion_of_parameters_in_step_commands(client, workspace):
    text = MAIN.replace('psql "$DATABASE"', 'psql "$DA')
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await labels(client, uri, text, 'psql "$DA')
    assert set(found) == {"DATABASE"}
    edit = found["DATABASE"].text_edit
    assert edit.new_text == "DATABASE" and edit.range.end.character - edit.range.start.character == 2
    # Not outside a code block.
    assert await labels(client, uri, text, "# Main") == {}


async def test_completion_of_fence_attributes(client, workspace):
    text = MAIN.replace("```bash timeout=5m", "```bash timeout=5m ")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await labels(client, uri, text, "```bash timeout=5m ")
    assert {"confirm", "idempotent", "verify", "retries="} <= set(found)
    assert "timeout=" not in found  # already there


# --- hover -------------------------------------------------------------------------------------------------


async def hover_at(client, uri, text, needle, offset=1):
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), position_of(text, needle, offset))
    )
    return result.contents.value if result else None


async def test_hover(client, workspace):
    uri = open_doc(client, workspace / "sops" / "main.md")
    await diagnostics(client, uri, lambda f: len(f) > 0)
    on_finding = await hover_at(client, uri, MAIN, "nope-sop")
    assert on_finding.startswith("**SOP502 related-unknown**") and "docs/rules.md#related-unknown" in on_finding
    on_id = await hover_at(client, uri, MAIN, "restart-api}")
    assert "**Restart the API** (`restart-api`)" in on_id and "owner: team-sre" in on_id and "next review 2027-04-01" in on_id
    on_review = await hover_at(client, uri, MAIN, "last_reviewed")
    assert "**Next review:** 2027-04-01 (in 126 days; current)" in on_review
    assert await hover_at(client, uri, MAIN, "# Main") is None


# --- definitions ----------------------------------------------------------------------------------------------


async def test_definition_from_an_id_and_from_a_link(client, workspace):
    uri = open_doc(client, workspace / "sops" / "main.md")
    target = (workspace / "sops" / "restart-api.md").resolve().as_uri()
    for needle in ("restart-api}", "restart-api.md)"):
        result = await client.text_document_definition_async(
            types.DefinitionParams(types.TextDocumentIdentifier(uri), position_of(MAIN, needle, 2))
        )
        assert isinstance(result, types.Location), needle
        assert result.uri == target and result.range.start.line == 1  # the `id:` line
    nothing = await client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(uri), position_of(MAIN, "nope-sop", 2))
    )
    assert nothing is None


# --- code actions -----------------------------------------------------------------------------------------------

async def test_code_actions_are_the_fixes_one_by_one(client, workspace):
    text = MAIN.replace("related: [nope-sop]", "related: [restart-api]").replace("rollback: {sop: restart-api}", "rolback: {sop: restart-api}")
    uri = open_doc(client, workspace / "sops" / "main.md", text)
    found = await diagnostics(client, uri, lambda f: len(f) > 0)
    row = position_of(text, "rolback").line
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(row, 0), types.Position(row, 0)),
            types.CodeActionContext(diagnostics=[d for d in found if d.range.start.line == row]),
        )
    )
    assert actions, "no code action for `rolback`"
    (action,) = [a for a in actions if "rollback" in a.title]
    (edit,) = action.edit.changes[uri]
    assert edit.range.start.line == row and edit.new_text in ("rollback", "rollback:")
