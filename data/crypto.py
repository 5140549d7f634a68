"""Field-level encryption for the vault (AES-256-GCM from `cryptography`).

Each value is sealed with a fresh 96-bit nonce and bound to its place (table,
column, row id) as associated data, so a ciphertext copied into another row or
column does not decrypt. A sealed value is

    b"S1" | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag

The key id lets a keyring hold the current key and older ones during a rotation.
Keys never live in either database: they come from the environment in production
and from a key file beside the databases in development.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import VaultLocked

MAGIC = b"S1"
KEY_BYTES = 32
NONCE_BYTES = 12


def generate_key() -> str:
    """A new random vault key, as the URL-safe base64 text stored in settings."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """Decode a key from settings, with a message that says what a key looks like."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise VaultLocked(
            "The vault key is malformed: expected 32 random bytes in URL-safe base64 "
            "(44 characters, as printed by `symbiose keys generate`)."
        )
    return raw


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"symbiose-key-id" + key).digest()[:4]


def _fingerprint(key: bytes, value: str) -> str:
    return hmac.new(key, b"fp:" + value.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    """The current vault key and, during a rotation, the keys it replaces."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_text(cls, current: str, previous: str | list[str] | None = None) -> Keyring:
        if isinstance(previous, str):
            previous = [p for p in previous.replace(",", " ").split() if p]
        return cls(parse_key(current), tuple(parse_key(p) for p in previous or ()))

    @property
    def current_id(self) -> bytes:
        return _key_id(self.current)

    def _key_for(self, key_id: bytes) -> bytes:
        for key in (self.current, *self.previous):
            if hmac.compare_digest(_key_id(key), key_id):
                return key
        raise VaultLocked(
            "A vault record was sealed with a key that is not configured. "
            "Set SYMBIOSE_VAULT_KEY to the key in use (and SYMBIOSE_VAULT_OLD_KEYS during a rotation)."
        )

    def seal(self, value: str | None, context: str) -> bytes | None:
        """Encrypt `value` bound to `context` ("table.column:rowid"); None stays None."""
        if value is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        body = AESGCM(self.current).encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
        return MAGIC + self.current_id + nonce + body

    def open(self, sealed: bytes | None, context: str) -> str | None:
        """Decrypt a value sealed by `seal` for the same context."""
        if sealed is None:
            return None
        if not isinstance(sealed, (bytes, bytearray)) or sealed[:2] != MAGIC:
            raise VaultLocked(f"A vault record ({context}) is not a sealed value: the vault file is damaged.")
        key = self._key_for(bytes(sealed[2:6]))
        nonce, body = bytes(sealed[6:18]), bytes(sealed[18:])
        try:
            return AESGCM(key).decrypt(nonce, body, context.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            raise VaultLocked(
                f"A vault record ({context}) does not open with the configured key: "
                "the key is wrong or the record was tampered with."
            ) from None

    def needs_rotation(self, sealed: bytes) -> bool:
        return bytes(sealed[2:6]) != self.current_id

    def knows(self, key_id: bytes) -> bool:
        """True when `key_id` (bytes 2–6 of a sealed value) is the current key or a previous one."""
        return any(hmac.compare_digest(_key_id(key), key_id) for key in (self.current, *self.previous))

    def fingerprint(self, value: str) -> str:
        """A keyed hash of `value` (to compare without decrypting; useless without the key)."""
        return _fingerprint(self.current, value)

    def fingerprints(self, value: str) -> list[str]:
        """`value`'s keyed hash under the current key, then under each previous key.

        During a rotation a stored fingerprint may still be one made with the old key.
        """
        return [_fingerprint(key, value) for key in (self.current, *self.previous)]

    def check(self, probe: bytes | None) -> None:
        """Raise VaultLocked unless `probe` (sealed at vault creation) opens with this keyring."""
        if probe is not None:
            self.open(probe, "vault.probe")
