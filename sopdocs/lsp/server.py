"""The language server: pygls wiring of :mod:`sopdocs.lsp.features` to the protocol.

Diagnostics are published on open at once and on every change after a quiet
:data:`DEBOUNCE` (the last change wins); a change to one SOP, open or on disk (watched
files), updates the catalog-wide findings of every open SOP. No request or
notification lets an exception reach the client: a failure is logged (window/logMessage)
and the request answers nothing; a failure while checking a file becomes a diagnostic.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from sopdocs import __version__
from sopdocs.lsp import features
from sopdocs.lsp.catalog import Catalog, prefetched

DEBOUNCE = 0.05  # seconds of quiet after a change before the file is checked again
FACT_KEYS = ("id", "related", "rollback")  # what other SOPs' catalog-wide findings read of an SOP
TRIGGERS = [":", " ", "$", "{", "[", ",", "-"]

log = logging.getLogger("sopdocs.lsp")


class SopdocsServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("sopdocs", __version__)
        self.root: Path | None = None
        self._catalog: Catalog | None = None
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.shown: dict[str, list[types.Diagnostic]] = {}

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self.start_catalog()
        assert self._catalog is not None
        return self._catalog

    def start_catalog(self) -> None:
        root = self.root or Path.cwd()
        catalog = prefetched(root)
        if catalog is None:
            catalog = Catalog(root)
            catalog.load()
        self._catalog = catalog
        if catalog.config_error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"sopdocs: {catalog.config_error}; using the defaults"))
        count = len(catalog.disk)
        self.say(f"sopdocs {__version__}: {count} SOPs in the catalog ({catalog.config.where}), read in {catalog.load_seconds:.2f} s")

    def say(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    # --- diagnostics ------------------------------------------------------------------------

    def check(self, uri: str) -> None:
        """Parse the open document's text again and publish its findings."""
        self.pending.pop(uri, None)
        try:
            document = self.workspace.get_text_document(uri)
            path = Path(to_fs_path(uri) or uri)
            before = self.catalog.open.get(self.catalog.key(path))
            doc = self.catalog.set_text(path, document.source)
            self.publish(uri, document.version)
            if before is None or _facts(before) != _facts(doc):
                self.refresh_others(uri)
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client
            self.failed(uri, exc)

    def publish(self, uri: str, version: int | None = None) -> None:
        try:
            path = Path(to_fs_path(uri) or uri)
            document = self.workspace.get_text_document(uri)
            text = document.source
            if self.lints(path, text):
                found = features.diagnostics(self.catalog.findings(path), text)
            else:
                found = []
        except Exception as exc:  # noqa: BLE001
            self.failed(uri, exc)
            return
        self.shown[uri] = found
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version))

    def lints(self, path: Path, text: str) -> bool:
        """An SOP of the catalog, or a Markdown file with front matter elsewhere (not a README)."""
        return self.catalog.in_catalog(path) or text.startswith("---")

    def refresh_others(self, changed: str | None = None) -> None:
        """Publish again the findings of every other open document (catalog-wide ones)."""
        for uri in list(self.catalog_uris()):
            if uri != changed and uri not in self.pending:
                document = self.workspace.get_text_document(uri)
                self.publish(uri, document.version)

    def catalog_uris(self) -> list[str]:
        return [uri for uri in self.workspace.text_documents if uri in self.shown]

    def failed(self, uri: str, exc: Exception) -> None:
        self.say(f"sopdocs: checking {uri} failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}", types.MessageType.Error)
        diagnostic = types.Diagnostic(
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            message=f"sopdocs could not check this file ({type(exc).__name__}: {exc}); this is a bug in sopdocs, the details are in the language server's log",
            severity=types.DiagnosticSeverity.Error,
            source="sopdocs",
        )
        self.shown[uri] = [diagnostic]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[diagnostic]))

    def schedule(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(DEBOUNCE, self.check, uri)


server = SopdocsServer()


def safe(default: Any = None) -> Any:
    """A handler that logs what goes wrong and answers ``default`` instead of an error."""

    def wrap(handler: Any) -> Any:
        @functools.wraps(handler)
        def run(ls: SopdocsServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception as exc:  # noqa: BLE001 - never a traceback to the client
                ls.say(f"sopdocs: {handler.__name__} failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}", types.MessageType.Error)
                return default

        return run

    return wrap


def _facts(doc: Any) -> tuple[Any, ...]:
    meta = doc.meta or {}
    return tuple(repr(meta.get(key)) for key in FACT_KEYS)


def _path(uri: str) -> Path:
    return Path(to_fs_path(uri) or uri)


@server.feature(types.INITIALIZE)
@safe()
def initialize(ls: SopdocsServer, params: types.InitializeParams) -> None:
    root = None
    if params.workspace_folders:
        root = to_fs_path(params.workspace_folders[0].uri)
    elif params.root_uri:
        root = to_fs_path(params.root_uri)
    elif params.root_path:
        root = params.root_path
    ls.root = Path(root) if root else Path.cwd()


@server.feature(types.INITIALIZED)
@safe()
def initialized(ls: SopdocsServer, params: types.InitializedParams) -> None:
    ls.start_catalog()
    capabilities = ls.client_capabilities.workspace
    watched = capabilities.did_change_watched_files if capabilities else None
    if watched and watched.dynamic_registration:
        extensions = sorted({ext.lstrip(".") for ext in ls.catalog.config.extensions})
        globs = [f"**/*.{ext}" for ext in extensions] + ["**/sopdocs.yml", "**/sopdocs.yaml", "**/.sopdocs.yml", "**/pyproject.toml"]
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern=g) for g in globs])
        registration = types.Registration(id="sopdocs-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
        ls.client_register_capability(types.RegistrationParams(registrations=[registration]))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@safe()
def did_open(ls: SopdocsServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.check(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@safe()
def did_change(ls: SopdocsServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@safe()
def did_save(ls: SopdocsServer, params: types.DidSaveTextDocumentParams) -> None:
    path = _path(params.text_document.uri)
    if ls.catalog.is_config(path):
        ls.catalog.load_config()
        ls.catalog.load()
        ls.refresh_others()
    else:
        ls.catalog.file_changed(path)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@safe()
def did_close(ls: SopdocsServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.catalog.close(_path(uri))
    if ls.shown.pop(uri, None) is not None:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    ls.refresh_others(uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@safe()
def did_change_watched_files(ls: SopdocsServer, params: types.DidChangeWatchedFilesParams) -> None:
    catalog = ls.catalog
    reload = False
    for change in params.changes:
        path = _path(change.uri)
        if catalog.is_config(path):
            reload = True
        elif change.type == types.FileChangeType.Deleted:
            catalog.file_deleted(path)
        else:
            catalog.file_changed(path)
    if reload:
        catalog.load_config()
        catalog.load()
    ls.refresh_others()


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
@safe(default=None)
def completion(ls: SopdocsServer, params: types.CompletionParams) -> types.CompletionList | None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    path = _path(uri)
    if ls.pending.get(uri) is not None or ls.catalog.open.get(ls.catalog.key(path)) is None:
        ls.catalog.set_text(path, text)  # parameters as written now
    items = features.completion(ls.catalog, path, text, params.position)
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@safe()
def hover(ls: SopdocsServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    return features.hover(ls.catalog, _path(uri), text, params.position, ls.shown.get(uri, []))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@safe()
def definition(ls: SopdocsServer, params: types.DefinitionParams) -> types.Location | None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    return features.definition(ls.catalog, _path(uri), text, params.position)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@safe(default=None)
def code_action(ls: SopdocsServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    return features.code_actions(ls.catalog, _path(uri), uri, text, params)


def main() -> None:
    """Serve over stdio until the client says exit."""
    server.start_io()
