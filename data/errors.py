"""Small domain exceptions raised by the core and turned into clear messages at the edge."""
from __future__ import annotations


class SymbioseError(Exception):
    """Base class: every message is meant to be shown to a person as it is."""


class ConfigurationError(SymbioseError):
    """A setting is missing or unsafe (e.g. a default secret in production)."""


class VaultLocked(SymbioseError):
    """The vault key is missing, malformed or does not open the vault."""


class UnknownTerritory(SymbioseError):
    def __init__(self, slug: str):
        super().__init__(f"Unknown territory {slug!r}. Create it first with `symbiose territory create {slug}`.")
        self.slug = slug


class UnknownActor(SymbioseError):
    pass


class InvalidImport(SymbioseError):
    """A territory import file is malformed; the message names the line and the problem."""

    def __init__(self, message: str, line: int | None = None):
        prefix = f"line {line}: " if line is not None else ""
        super().__init__(prefix + message)
        self.line = line


class TaxonomyError(SymbioseError):
    """The taxonomy files are inconsistent; raised at load time, listing every problem."""
