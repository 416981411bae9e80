"""sopdocs: Standard Operating Procedures as code — lint, render, export."""

__version__ = "0.1.0"
