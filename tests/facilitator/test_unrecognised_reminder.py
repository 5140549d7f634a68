"""Unrecognised answers (node, synonym, new node) and the yearly reminder (function and CLI)."""
from __future__ import annotations

from facilitator_support import CANARY, decoded, login, post

from data.db import transaction
from interview_bot.ingest import extra_synonyms


def _unknown(read, slug="nord") -> dict:
    return read(lambda s: dict(next(s.public.query(
        "SELECT r.* FROM resource r JOIN actor a ON a.id = r.actor_id JOIN territory t ON t.id = a.territory_id "
        "WHERE t.slug = ? AND r.status = 'unknown'", [slug]))))


def test_queue_of_unrecognised_answers_shows_the_phrase_in_context(client, world, read):
    login(client, "anim@nord.example")
    html = client.get("/t/nord/unrecognised").get_data(as_text=True)
    assert "bidulon fermente" in html and f"du bidulon fermenté {CANARY}N" in html
    assert f"{CANARY}S" not in html  # the other territory's answers never show


def test_assign_a_node_and_keep_the_phrase_as_a_synonym(client, world, read):
    login(client, "anim@nord.example")
    item = _unknown(read)
    post(client, f"/t/nord/unrecognised/{item['id']}/assign", {"node_id": "material.organic", "synonym": "1"},
         page="/t/nord/unrecognised")

    def check(store):
        row = store.public["resource"].get(item["id"])
        assert row["status"] == "confirmed" and row["node_id"] == "material.organic"
        assert ("material.organic", "fr", "bidulon fermente") in extra_synonyms(store)
    read(check)
    assert f'id="r-{item["id"]}"' not in client.get("/t/nord/unrecognised").get_data(as_text=True)


def test_unknown_node_is_refused_and_nothing_changes(client, world, read):
    login(client, "anim@nord.example")
    item = _unknown(read)
    post(client, f"/t/nord/unrecognised/{item['id']}/assign", {"node_id": "material.nonsense", "synonym": "1"},
         page="/t/nord/unrecognised")
    assert read(lambda s: (s.public["resource"].get(item["id"])["status"], extra_synonyms(s))) == (
        "unknown", ())


def test_propose_a_new_node(client, world, read):
    login(client, "anim@nord.example")
    item = _unknown(read)
    post(client, f"/t/nord/unrecognised/{item['id']}/propose",
         {"parent_id": "material.organic", "label_fr": "Bidulon", "label_en": "Bidulon"}, page="/t/nord/unrecognised")
    rows = read(lambda s: list(s.public["node_proposal"].rows))
    assert [(r["parent_id"], r["label_fr"], r["phrase"]) for r in rows] == [("material.organic", "Bidulon", "bidulon fermente")]
    assert "Bidulon" in client.get("/t/nord/unrecognised").get_data(as_text=True)
    # another territory's facilitator cannot act on it
    client.post("/logout", data={"csrf_token": ""})
    login(client, "anim@sud.example")
    response = post(client, f"/t/nord/unrecognised/{item['id']}/assign", {"node_id": "material.organic"})
    assert response.status_code == 404


def _age_answers(store, actor_id: str, when: str) -> None:
    with transaction(store.vault):
        store.vault.execute("UPDATE answer SET updated_at = ? WHERE actor_id = ?", [when, actor_id])


def test_yearly_reminder_command(cli, world, read, smtp):
    mill = world["nord"]["mill"].id
    read(lambda s: _age_answers(s, mill, "2020-01-01T00:00:00+00:00"))
    dry = cli("reminder", "--dry-run")
    assert dry.exit_code == 0 and "Dry run: 1 actors due" in dry.output and not smtp
    result = cli("reminder", "--territory", "nord")
    assert "1 actors due, 1 reminders sent" in result.output
    assert [m["to"] for m in smtp] == [["nord-mill@example.org"]]
    assert "/a/" in decoded(smtp[0]["data"])
    again = cli("reminder")  # one reminder per actor and year
    assert len(smtp) == 1 and "1 actors due" in again.output
    fresh = cli("reminder", "--territory", "sud", "--dry-run")
    assert "0 actors due" in fresh.output
