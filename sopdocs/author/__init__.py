"""Authoring: scaffold a new SOP from the template, migrate a handbook written for
another tool, and the front-matter schema for editors."""
