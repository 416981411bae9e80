"""The editor set-up snippets in docs/editors.md: those that are plain configuration are
read by the same parser the editor uses (TOML, JSON); the Lua ones are not run (no
Neovim here) and are only checked to start `sopdocs lsp`."""

from __future__ import annotations

import json
import re
import tomllib

from helpers import REPO

DOC = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_helix_languages_toml():
    (snippet,) = blocks("toml")
    data = tomllib.loads(snippet)
    server = data["language-server"]["sopdocs"]
    assert [server["command"], *server["args"]] == ["sopdocs", "lsp"]
    (markdown,) = [language for language in data["language"] if language["name"] == "markdown"]
    assert "sopdocs" in markdown["language-servers"]


def test_vscode_settings():
    (snippet,) = blocks("json")
    settings = json.loads(snippet)
    assert [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]] == ["sopdocs", "lsp"]
    assert settings["glspc.server.languageId"] == ["markdown"]


def test_neovim_snippets_name_the_command():
    snippets = blocks("lua")
    assert len(snippets) == 2
    for snippet in snippets:
        assert 'cmd = { "sopdocs", "lsp" }' in snippet
        assert snippet.count("(") == snippet.count(")") and snippet.count("{") == snippet.count("}")


def test_without_pygls_the_command_says_how_to_install_it():
    import os
    import subprocess
    import sys

    code = "import sys; sys.modules['pygls'] = None; from sopdocs.cli import main; main(['lsp'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2
    assert "needs pygls" in proc.stderr and "pip install 'sopdocs[lsp]'" in proc.stderr
