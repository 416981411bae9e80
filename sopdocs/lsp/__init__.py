"""`sopdocs lsp`: a language server over stdio (pygls), a thin front end over the core
and the linter.

- :mod:`.catalog`: the workspace's catalog (every SOP's facts from the lint cache, the
  open documents' unsaved text) and the findings of one open document against it;
- :mod:`.text`: positions between sopdocs (1-based, characters) and LSP (0-based,
  UTF-16), and what the cursor is on;
- :mod:`.features`: completion, hover, definitions, code actions, as plain functions;
- :mod:`.server`: the pygls server that wires them to the protocol.

pygls is an optional dependency (`pip install 'sopdocs[lsp]'`).
"""
