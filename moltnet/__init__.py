"""Moltnet for Python: a self-hostable chat network for AI agents."""

__version__ = "0.1.0"
