"""Re-sealing the vault under a new key (`symbiose keys rotate`).

Every sealed value names the key that sealed it (data.crypto), so a rotation only
has to re-seal the values whose key is not the current one, reading them with the
previous keys (SYMBIOSE_VAULT_OLD_KEYS). The keyed fingerprints that let the vault
be searched without decrypting it (`identity.email_fp`, `identity.import_fp`) are
renewed too: afterwards the old key can be removed and everything still reads.

One transaction per table: an interrupted rotation leaves each table either wholly
re-sealed or untouched, and running it again carries on where it stopped, since
values already under the current key are skipped. Nothing is changed at all when
some value is sealed with a key the keyring does not hold.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from .actors import _identity_from_row
from .crypto import MAGIC, Keyring
from .db import flush_deleted, transaction
from .errors import SymbioseError, VaultLocked
from .importer import ImportRecord
from .store import Store
from .types import IDENTITY_FIELDS, Identity

BATCH = 500  # rows read at a time, so a large outbox is never held in memory at once


@dataclass(frozen=True)
class SealedColumn:
    """A vault column holding sealed values, and the context each value is bound to."""

    table: str
    column: str
    context: Callable[[dict], str]
    where: str = "1"


# Every sealed column of the vault, with the context its writer binds it to
# (data.actors, data.answers, data.interviews, data.decisions, data.outbox, data.store).
# A `*_enc` column missing here makes the rotation refuse to start (see `unknown_columns`).
SEALED: tuple[SealedColumn, ...] = (
    *(SealedColumn("identity", f"{name}_enc", lambda r, name=name: f"identity.{name}:{r['actor_id']}")
      for name in IDENTITY_FIELDS),
    SealedColumn("answer", "text_enc", lambda r: f"answer:{r['id']}"),
    SealedColumn("exact_quantity", "quantity_enc", lambda r: f"quantity:{r['resource_id']}"),
    SealedColumn("resource_detail", "detail_enc", lambda r: f"detail:{r['resource_id']}"),
    SealedColumn("note", "text_enc", lambda r: f"note:{r['id']}"),
    SealedColumn("outbox", "content_enc", lambda r: f"outbox.content:{r['key']}"),
    # The probe proves at start-up that the key opens the vault: re-sealed last.
    SealedColumn("vault_meta", "value", lambda r: "vault.probe", where="key = 'probe'"),
)
CONTEXT_COLUMNS = {"identity": ("actor_id",), "answer": ("id",), "exact_quantity": ("resource_id",),
                   "resource_detail": ("resource_id",), "note": ("id",), "outbox": ("key",), "vault_meta": ("key",)}


def tables() -> list[str]:
    return list(dict.fromkeys(c.table for c in SEALED))


@dataclass
class Census:
    """How many sealed values each key holds, per table."""

    current: dict[str, int] = field(default_factory=dict)
    previous: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)  # a key the keyring does not hold
    damaged: dict[str, int] = field(default_factory=dict)  # not a sealed value at all

    @property
    def to_rotate(self) -> int:
        return sum(self.previous.values())


@dataclass
class RotationReport:
    resealed: dict[str, int] = field(default_factory=dict)  # table → values re-sealed now
    already_current: int = 0
    email_fingerprints: int = 0
    import_fingerprints: int = 0
    import_fingerprints_dropped: int = 0  # could not be carried over: the next import rewrites those actors
    left_on_old_keys: int = 0  # written meanwhile by a process still sealing with an old key
    flushed: bool = False  # the WAL was written back: no old ciphertext is left in the files

    @property
    def total(self) -> int:
        return sum(self.resealed.values())


def _existing(store: Store) -> set[str]:
    return set(store.vault.table_names())


def unknown_columns(store: Store) -> list[str]:
    """`table.column` of every `*_enc` column of the vault that the rotation does not know."""
    known = {(c.table, c.column) for c in SEALED}
    found = []
    for table in store.vault.table_names():
        for column in store.vault[table].columns_dict:
            if column.endswith("_enc") and (table, column) not in known:
                found.append(f"{table}.{column}")
    return found


def census(store: Store, keyring: Keyring) -> Census:
    """Count the sealed values by the key that sealed them (reads key ids only, decrypts nothing)."""
    result = Census()
    present = _existing(store)
    for column in SEALED:
        if column.table not in present:
            continue
        rows = store.vault.execute(
            f"SELECT substr([{column.column}], 1, 2), substr([{column.column}], 3, 4), count(*) "
            f"FROM [{column.table}] WHERE [{column.column}] IS NOT NULL AND ({column.where}) GROUP BY 1, 2"
        ).fetchall()
        for magic, key_id, count in rows:
            if magic != MAGIC:
                bucket = result.damaged
            elif key_id == keyring.current_id:
                bucket = result.current
            elif keyring.knows(key_id):
                bucket = result.previous
            else:
                bucket = result.unknown
            bucket[column.table] = bucket.get(column.table, 0) + count
    return result


def open_all(store: Store, keyring: Keyring) -> int:
    """Decrypt every sealed value of the vault (and throw the plaintext away); returns how many.

    Raises VaultLocked naming the first value that does not open: a wrong key, a key
    missing from the keyring, or a damaged record.
    """
    present = _existing(store)
    count = 0
    for table in tables():
        if table not in present:
            continue
        columns = _columns(table)
        context_columns = CONTEXT_COLUMNS[table]
        select = ", ".join([*(f"[{n}]" for n in context_columns),
                            *(f"CASE WHEN ({c.where}) THEN [{c.column}] END" for c in columns)])
        for values in store.vault.execute(f"SELECT {select} FROM [{table}]"):
            row = dict(zip(context_columns, values))
            for column, sealed in zip(columns, values[len(context_columns):]):
                if sealed is not None:
                    keyring.open(sealed, column.context(row))
                    count += 1
    return count


def check_rotatable(store: Store, keyring: Keyring) -> Census:
    """Raise a clear error, before anything is changed, when some value cannot be re-sealed."""
    unknown = unknown_columns(store)
    if unknown:
        raise SymbioseError(
            f"The vault has sealed column(s) the key rotation does not know: {', '.join(unknown)}. "
            "Add them to data.rotation.SEALED; nothing was changed."
        )
    found = census(store, keyring)
    if found.damaged:
        raise VaultLocked(
            f"{sum(found.damaged.values())} vault value(s) in {', '.join(sorted(found.damaged))} are not sealed "
            "values: the vault file is damaged. Restore a backup (`symbiose restore`); nothing was changed."
        )
    if found.unknown:
        raise VaultLocked(
            f"{sum(found.unknown.values())} vault value(s) in {', '.join(sorted(found.unknown))} are sealed with a "
            "key that is neither SYMBIOSE_VAULT_KEY nor one of SYMBIOSE_VAULT_OLD_KEYS. Add that key to "
            "SYMBIOSE_VAULT_OLD_KEYS and run `symbiose keys rotate` again; nothing was changed."
        )
    return found


def rotate(store: Store, *, on_table: Callable[[str, int], None] | None = None, who: str = "cli") -> RotationReport:
    """Re-seal every vault value under the keyring's current key; see the module docstring.

    `on_table(table, count)` is called after each table's transaction has committed.
    """
    keyring = store.keyring
    if keyring is None:
        raise VaultLocked("No vault key configured: set SYMBIOSE_VAULT_KEY.")
    before = check_rotatable(store, keyring)
    report = RotationReport(already_current=sum(before.current.values()))
    present = _existing(store)
    for table in tables():
        if table not in present:
            continue
        with transaction(store.vault):
            if table == "identity":
                old_rows = _stale_identities(store, keyring)
            count = _rotate_table(store.vault, keyring, table)
            if table == "identity":
                _renew_fingerprints(store, keyring, old_rows, report)
        report.resealed[table] = count
        if on_table is not None:
            on_table(table, count)
    report.left_on_old_keys = census(store, keyring).to_rotate
    # The replaced ciphertexts are zeroed (secure_delete) but linger in the WAL until a
    # checkpoint: write it back, so that the old key opens nothing left in the files.
    report.flushed = flush_deleted(store.vault)
    if report.total or report.email_fingerprints or report.import_fingerprints or report.import_fingerprints_dropped:
        store.audit("key_rotation", None, "vault:" + json.dumps(report.resealed, sort_keys=True), who=who)
    return report


def _columns(table: str) -> list[SealedColumn]:
    return [c for c in SEALED if c.table == table]


def _stale_condition(table: str) -> str:
    return " OR ".join(
        f"([{c.column}] IS NOT NULL AND ({c.where}) AND substr([{c.column}], 3, 4) != :current)" for c in _columns(table)
    )


def _rotate_table(db: sqlite_utils.Database, keyring: Keyring, table: str) -> int:
    columns = _columns(table)
    context_columns = CONTEXT_COLUMNS[table]
    # A column outside its `where` reads as NULL: it is not a sealed value and is left alone.
    select = ", ".join([*(f"[{n}]" for n in context_columns),
                        *(f"CASE WHEN ({c.where}) THEN [{c.column}] END" for c in columns)])
    count, last = 0, 0
    while True:
        rows = db.execute(
            f"SELECT rowid, {select} FROM [{table}] WHERE rowid > :last AND ({_stale_condition(table)}) "
            f"ORDER BY rowid LIMIT {BATCH}",
            {"last": last, "current": keyring.current_id},
        ).fetchall()
        if not rows:
            return count
        for values in rows:
            last = values[0]
            row = dict(zip(context_columns, values[1:]))
            update = {}
            for column, sealed in zip(columns, values[1 + len(context_columns):]):
                if sealed is None or not keyring.needs_rotation(sealed):
                    continue
                context = column.context(row)
                update[column.column] = keyring.seal(keyring.open(sealed, context), context)
            if update:
                assignments = ", ".join(f"[{name}] = :{name}" for name in update)
                db.execute(f"UPDATE [{table}] SET {assignments} WHERE rowid = :rowid", {**update, "rowid": last})
                count += len(update)


def _stale_identities(store: Store, keyring: Keyring) -> set[str]:
    """Actors whose identity was sealed (and so whose fingerprints were made) with an old key."""
    rows = store.vault.execute(f"SELECT actor_id FROM identity WHERE {_stale_condition('identity')}",
                               {"current": keyring.current_id})
    return {r[0] for r in rows}


def _renew_fingerprints(store: Store, keyring: Keyring, old_rows: set[str], report: RotationReport) -> None:
    """Recompute the keyed hashes of `identity` under the current key (inside the identity transaction)."""
    for row in list(store.vault["identity"].rows):
        identity = _identity_from_row(store, row)
        update: dict = {}
        email = (identity.email or "").strip().lower()
        email_fp = keyring.fingerprint("email:" + email) if email else None
        if row["email_fp"] != email_fp:
            update["email_fp"] = email_fp
            report.email_fingerprints += 1
        stored = row["import_fp"]
        if stored:
            record = _imported_record(store, row["actor_id"], identity)
            fps = keyring.fingerprints("import:" + record.canonical()) if record else []
            if stored in fps[1:]:
                update["import_fp"] = fps[0]
                report.import_fingerprints += 1
            elif stored not in fps[:1] and row["actor_id"] in old_rows:
                # Made with an old key from a record the vault no longer holds as imported
                # (the actor has edited their answers since): it cannot be carried over, so
                # the next import of this actor rewrites their data instead of skipping it.
                update["import_fp"] = None
                report.import_fingerprints_dropped += 1
        if update:
            store.vault["identity"].update(row["actor_id"], update)


def _imported_record(store: Store, actor_id: str, identity: Identity) -> ImportRecord | None:
    """The import record this actor's vault data would come from, if the actor is in public.db."""
    actor = store.public.execute("SELECT ref, lang FROM actor WHERE id = ?", [actor_id]).fetchone()
    if actor is None:
        return None
    texts: dict[str, list[str]] = {"activity": [], "offers": [], "needs": []}
    for answer_id, topic, sealed in store.vault.execute(
        "SELECT id, topic, text_enc FROM answer WHERE actor_id = ? AND topic IN ('activity', 'offers', 'needs') "
        "ORDER BY topic, position", [actor_id]
    ):
        texts[topic].append(store.keyring.open(sealed, f"answer:{answer_id}") or "")
    return ImportRecord(line=0, ref=actor[0], identity=identity, lang=actor[1] or "fr",
                        activity=texts["activity"][0] if texts["activity"] else None,
                        offers=texts["offers"], needs=texts["needs"])
