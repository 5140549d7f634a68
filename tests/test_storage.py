"""The two partitions: round trip, confidentiality at rest, deletion, concurrency."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from data import Keyring, Store, VaultLocked
from data.actors import create_actor, delete_actor, find_by_email, get_actor, read_identity
from data.answers import list_answers, list_resources, replace_resources, save_answer
from data.migrations import PUBLIC_MIGRATIONS, migrate
from data.territories import create_territory
from data.types import Identity, Quantity, Resource

CANARY_NAME = "Fromagerie Zéphyrine Canari"
CANARY_EMAIL = "zephyrine.canari@example.org"
CANARY_ANSWER = "environ 437,25 tonnes de lactosérum canari par an"
CANARY_SIRET = "73282932000074"


def _actor_with_answer(store: Store):
    create_territory(store, "test-terr")
    identity = Identity(name=CANARY_NAME, email=CANARY_EMAIL, siret=CANARY_SIRET, naf="10.51A",
                        commune="Louhans", postcode="71500", lat=46.6268, lon=5.2247)
    actor = create_actor(store, "test-terr", "ref-1", identity)
    answer = save_answer(store, actor.id, "offers", CANARY_ANSWER)
    quantity = Quantity(value=437.25, unit="t/yr", dimension="mass", text="437,25 tonnes")
    replace_resources(store, actor.id, answer.id, [(Resource(id="", actor_id=actor.id, direction="offer",
                                                             node_id="material.organic.whey", head="lactosérum"), quantity)])
    return actor, answer


def _raw_bytes(path: Path) -> bytes:
    """Everything SQLite wrote for this database: the main file and its WAL."""
    data = b""
    for suffix in ("", "-wal", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            data += p.read_bytes()
    return data


def test_actor_round_trips_through_both_partitions(store):
    actor, answer = _actor_with_answer(store)
    public = get_actor(store, actor.id)
    assert public.ref == "ref-1" and public.naf_division == "10" and public.kind == "company"
    assert (public.lat, public.lon) == (46.63, 5.22)  # rounded to ~1 km in public.db
    identity = read_identity(store, actor.id, who="test")
    assert identity.name == CANARY_NAME and identity.email == CANARY_EMAIL and identity.lat == 46.6268
    assert [a.text for a in list_answers(store, actor.id, who="test")] == [CANARY_ANSWER]
    [resource] = list_resources(store, actor_id=actor.id)
    assert resource.quantity_band == "300-1000" and resource.unit == "t/yr"
    assert find_by_email(store, " Zephyrine.Canari@Example.org ") == [actor.id]
    audit = [r["action"] for r in store.vault["audit"].rows]
    assert audit == ["read_identity", "read_answers"]


def test_plaintext_never_reaches_the_database_files(store, data_dir):
    _actor_with_answer(store)
    vault = _raw_bytes(data_dir / "vault.db")
    public = _raw_bytes(data_dir / "public.db")
    for canary in (CANARY_NAME, CANARY_EMAIL, CANARY_ANSWER, CANARY_SIRET, "437.25", "437,25", "46.6268", "Louhans"):
        needle = canary.encode("utf-8")
        assert needle not in vault, f"{canary!r} found in clear in vault.db"
        assert needle not in public, f"{canary!r} found in clear in public.db"


def test_deleting_an_actor_empties_both_partitions(store):
    actor, _answer = _actor_with_answer(store)
    other = create_actor(store, "test-terr", "ref-2", Identity(name="Autre"))
    delete_actor(store, actor.id, who="test")
    assert store.public.execute("SELECT count(*) FROM actor WHERE id = ?", [actor.id]).fetchone()[0] == 0
    assert store.public.execute("SELECT count(*) FROM resource WHERE actor_id = ?", [actor.id]).fetchone()[0] == 0
    for table in ("identity", "answer", "exact_quantity", "note"):
        assert store.vault.execute(f"SELECT count(*) FROM [{table}] WHERE actor_id = ?", [actor.id]).fetchone()[0] == 0
    assert get_actor(store, other.id).ref == "ref-2"
    assert [r["action"] for r in store.vault["audit"].rows_where("actor_id = ?", [actor.id])] == ["delete"]


def test_wrong_vault_key_is_refused_clearly(store, data_dir):
    _actor_with_answer(store)
    store.close()
    with pytest.raises(VaultLocked, match="does not open this vault"):
        Store.open(data_dir, Keyring.from_text("A" * 43 + "="))


def test_malformed_vault_key_names_the_expected_format():
    with pytest.raises(VaultLocked, match="URL-safe base64"):
        Keyring.from_text("not-a-key")


def test_public_partition_opens_without_the_vault(store, data_dir):
    _actor_with_answer(store)
    store.close()
    (data_dir / "vault.db").unlink()
    with Store.open(data_dir, None) as public_only:
        assert len(list_resources(public_only, territory_id=1)) == 1
        with pytest.raises(VaultLocked):
            public_only.vault  # noqa: B018


def test_migrations_apply_once(store):
    assert migrate(store.public, PUBLIC_MIGRATIONS) == []


def _writer(data_dir: str, key: str, actor_id: str, n: int) -> None:
    with Store.open(data_dir, Keyring.from_text(key)) as store:
        for i in range(n):
            save_answer(store, actor_id, "offers", f"réponse {i} de {actor_id}")


def test_two_processes_writing_concurrently_lose_nothing(data_dir, keyring):
    key = __import__("base64").urlsafe_b64encode(keyring.current).decode()
    with Store.open(data_dir, keyring, create=True) as store:
        create_territory(store, "conc")
        ids = [create_actor(store, "conc", f"r{i}", Identity(name=f"A{i}")).id for i in range(2)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(data_dir), key, actor_id, 500)) for actor_id in ids]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Store.open(data_dir, keyring) as store:
        assert store.vault.execute("SELECT count(*) FROM answer").fetchone()[0] == 1000
        for actor_id in ids:
            positions = [r[0] for r in store.vault.execute("SELECT position FROM answer WHERE actor_id = ? ORDER BY position", [actor_id])]
            assert positions == list(range(500))


def test_backup_is_a_readable_copy(store, tmp_path, keyring):
    actor, _ = _actor_with_answer(store)
    written = store.backup(tmp_path / "backup")
    assert sorted(p.name for p in written) == ["public.db", "vault.db"]
    with Store.open(tmp_path / "backup", keyring) as restored:
        assert read_identity(restored, actor.id, who="test").name == CANARY_NAME
