"""The data layer: both partitions (public.db, vault.db), the vault key, migrations,
the taxonomy files and the demo territory. Only this package opens databases."""
from .crypto import Keyring, generate_key
from .errors import (
    ConfigurationError,
    InvalidImport,
    SymbioseError,
    TaxonomyError,
    UnknownActor,
    UnknownTerritory,
    VaultLocked,
)
from .store import Store

__all__ = [
    "ConfigurationError",
    "InvalidImport",
    "Keyring",
    "Store",
    "SymbioseError",
    "TaxonomyError",
    "UnknownActor",
    "UnknownTerritory",
    "VaultLocked",
    "generate_key",
]
