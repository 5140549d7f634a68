"""Fuzzing the facilitator's side: queue decisions, comments, reject reasons, filters and query
strings, the review of unrecognised answers, the synergy pipeline and the digest preview
(invitations, answers entered for an actor and the login form: test_fuzz_facilitator_people.py).
Never a server error; every refusal is a message; what was accepted is stored, once."""
from __future__ import annotations

import urllib.parse

from hypothesis import given
from hypothesis import strategies as st
from security_support import (
    NUMBERS, count, field_value, flashed, fuzz_settings, handled, nasty_text, one_message, pages_render, post_form,
    query, record, stored_form,
)

from data import decisions as dec
from data import synergies as syn
from data.answers import replace_resources, save_answer
from data.directory import unknown_resources
from data.taxonomy import load_taxonomy
from data.territories import get_territory
from data.types import Resource


def proposal_id(store, slug: str = "nord") -> str:
    return store.public.execute(
        "SELECT p.id FROM proposal p JOIN territory t ON t.id = p.territory_id WHERE t.slug = ? ORDER BY p.id",
        [slug]).fetchone()[0]


def last_note(store, pid: str) -> tuple[int, str | None]:
    """How many comments a proposal has, and the last one's text (without unsealing them all)."""
    count = store.vault.execute("SELECT COUNT(*) FROM note WHERE proposal_id = ?", [pid]).fetchone()[0]
    row = store.vault.execute("SELECT id, text_enc FROM note WHERE proposal_id = ? ORDER BY id DESC LIMIT 1",
                              [pid]).fetchone()
    return count, (store.unseal(row[1], f"note:{row[0]}") if row else None)


def test_queue_decisions_comments_and_reasons(fuzz_store, facilitator):
    client, token = facilitator
    pid = proposal_id(fuzz_store)
    url = f"/t/nord/queue/{pid}/"
    ran = 0
    actions = st.sampled_from(["comment", "comment", "reject", "reject", "snooze", "reopen", "quick_win", "accept"])

    @fuzz_settings("queue_actions")
    @given(action=st.one_of(actions, actions, actions, nasty_text(max_size=30)), reason=field_value(),
           text=field_value(), days=st.one_of(st.none(), st.integers(-10, 400).map(str), field_value()),
           value=st.one_of(st.sampled_from(["0", "1"]), field_value()), owner_agreed=st.one_of(st.none(), field_value()))
    def run(action, reason, text, days, value, owner_agreed):
        nonlocal ran
        ran += 1
        before = dec.get_proposal(fuzz_store, pid)
        notes_before = last_note(fuzz_store, pid)
        response = post_form(client, url + urllib.parse.quote(action.encode("utf-8", "surrogatepass"), safe=""), {
            "reason": reason, "text": text, "days": days, "value": value, "owner_agreed": owner_agreed}, token)
        handled(response, action)
        after = dec.get_proposal(fuzz_store, pid)
        notes_after = last_note(fuzz_store, pid)
        if action not in ("comment", "reject", "snooze", "reopen", "quick_win", "accept"):
            assert response.status_code in (404, 405, 308)  # 308: "//" in the address, merged
            assert after == before and notes_after == notes_before
            flashed(client)
            return
        assert response.status_code == 302
        category, _text = one_message(client)
        if action == "comment":
            written = stored_form(text).strip()
            if written:
                assert notes_after == (notes_before[0] + 1, written[:5000])
            else:
                assert category == "error" and notes_after == notes_before
        elif action == "reject":
            written = stored_form(reason).strip()
            if written:
                assert after["status"] == "rejected"
                assert dec.decisions(fuzz_store, pid)[-1]["reason"] == written[:500]
            else:
                assert category == "error" and after["status"] == before["status"]
        elif action == "snooze":
            if category == "error":
                assert after["status"] == before["status"]
            else:
                assert after["status"] == "snoozed"
        elif action == "quick_win":
            assert after["quick_win"] == (stored_form(value) == "1")
        if category == "error":
            assert (after["status"], after["quick_win"]) == (before["status"], before["quick_win"])

    run()
    record("queue_actions", ran)
    pages_render(client, [f"/t/nord/queue/{pid}", "/t/nord/queue?status=all", "/t/nord/export/proposals.csv"])


def test_queue_filters_and_query_strings(fuzz_store, facilitator):
    client, _token = facilitator
    pid = proposal_id(fuzz_store)
    ran = 0
    keys = st.sampled_from(["status", "kind", "category", "actor", "max_km", "sort", "page", "quick_win", "lang"])
    pages = ["/t/nord/queue", "/t/nord/actors", "/t/nord/synergies", "/t/nord/unrecognised", "/t/nord/"]

    @fuzz_settings("queue_filters")
    @given(page=st.sampled_from(pages), args=st.dictionaries(st.one_of(keys, nasty_text(max_size=10)),
                                                              st.one_of(field_value(), st.sampled_from(NUMBERS)),
                                                              max_size=6),
           detail=st.one_of(st.just(pid), field_value()))
    def run(page, args, detail):
        nonlocal ran
        ran += 1
        response = client.get(page + "?" + query(args))
        handled(response, page)
        assert response.status_code == 200
        raw = detail if isinstance(detail, bytes) else detail.encode("utf-8", "surrogatepass")
        response = client.get("/t/nord/queue/" + (urllib.parse.quote_from_bytes(raw, safe="") or "%20"))
        handled(response, "proposal detail")
        # a "/" in the id makes another address: a slash-merging redirect or a form-only route (405)
        assert response.status_code in ((200,) if detail == pid else (404, 405, 308))

    run()
    record("queue_filters", ran)


def _unknown(store, actor_id: str, head: str) -> str:
    answer = save_answer(store, actor_id, "offers", f"du {head}")
    (stored,) = replace_resources(store, actor_id, answer.id, [(Resource(
        id="", actor_id="", direction="offer", node_id=None, status="unknown", head=head, confidence=0.1), None)])
    return stored.id


def test_review_of_unrecognised_answers(fuzz_app, fuzz_store, facilitator):
    client, token = facilitator
    world = fuzz_app.config["WORLD"]
    taxonomy = load_taxonomy()
    nodes = sorted(n.id for n in taxonomy)
    nord, sud = (get_territory(fuzz_store, slug)["id"] for slug in ("nord", "sud"))
    foreign = unknown_resources(fuzz_store, sud)[0]["id"]  # territory "sud"'s unrecognised answer
    ran = 0

    @fuzz_settings("unrecognised_review")
    @given(what=st.sampled_from(["assign", "propose"]), node=st.one_of(field_value(), field_value(), st.sampled_from(nodes)),
           synonym=st.one_of(st.none(), st.just("1")), label_fr=field_value(), label_en=st.one_of(st.just(""), field_value()),
           target=st.sampled_from(["mine", "mine", "mine", "foreign", "nonsense"]))
    def run(what, node, synonym, label_fr, label_en, target):
        nonlocal ran
        ran += 1
        mine = [r["id"] for r in unknown_resources(fuzz_store, nord)]
        if not mine:
            mine = [_unknown(fuzz_store, world["farm"].id, f"bidule {ran}")]
        rid = {"mine": mine[0], "foreign": foreign, "nonsense": "r_" + "0" * 16}[target]
        proposals_before = count(fuzz_store, "public", "node_proposal")
        fields = ({"node_id": node, "synonym": synonym} if what == "assign"
                  else {"parent_id": node, "label_fr": label_fr, "label_en": label_en})
        response = post_form(client, f"/t/nord/unrecognised/{rid}/{what}", fields, token)
        handled(response, what)
        if target != "mine":
            assert response.status_code == 404  # another territory's answer, or none
            assert fuzz_store.public["resource"].get(foreign)["status"] == "unknown"
            return
        assert response.status_code == 302
        category, _text = one_message(client)
        chosen = stored_form(node).strip().split(" ")[0]
        row = fuzz_store.public["resource"].get(rid)
        if what == "assign":
            if chosen in taxonomy:
                assert (row["node_id"], row["status"]) == (chosen, "confirmed")
            else:
                assert category == "error" and row["status"] == "unknown"
        else:
            labels = [stored_form(v).strip()[:120] for v in (label_fr, label_en)]
            if chosen in taxonomy and any(labels):
                last = list(fuzz_store.public["node_proposal"].rows_where(order_by="id DESC", limit=1))[0]
                assert [last["label_fr"], last["label_en"]] == labels and last["parent_id"] == chosen
            else:
                assert category == "error" and count(fuzz_store, "public", "node_proposal") == proposals_before

    run()
    record("unrecognised_review", ran)
    pages_render(client, ["/t/nord/unrecognised", "/t/nord/export/resources.csv"])


def test_synergy_stage_impact_and_notes(fuzz_store, facilitator):
    client, token = facilitator
    pid = proposal_id(fuzz_store)
    dec.accept(fuzz_store, pid, None)
    synergy_id = syn.synergy_for(fuzz_store, pid)["id"]
    number = st.one_of(st.none(), st.just(""), st.floats(allow_nan=True, allow_infinity=True).map(str),
                       st.integers(-10, 10**30).map(str), st.sampled_from(["12,5", "1 000", "١٢", "1_0", "12.5 t"]),
                       field_value())
    ran = 0

    @fuzz_settings("synergy_forms")
    @given(form=st.sampled_from(["stage", "impact", "note"]),
           stage=st.one_of(st.sampled_from(syn.STAGES), field_value()), reason=field_value(), text=field_value(),
           tonnes=number, mwh=number, eur=number)
    def run(form, stage, reason, text, tonnes, mwh, eur):
        nonlocal ran
        ran += 1
        before = syn.get_synergy(fuzz_store, synergy_id)
        notes_before = last_note(fuzz_store, pid)
        fields = {"stage": {"stage": stage, "reason": reason}, "note": {"text": text},
                  "impact": {"tonnes_year": tonnes, "mwh_year": mwh, "eur_year": eur}}[form]
        response = post_form(client, f"/t/nord/synergies/{synergy_id}/{form}", fields, token)
        handled(response, form)
        assert response.status_code == 302
        category, _text = one_message(client)
        after = syn.get_synergy(fuzz_store, synergy_id)
        notes_after = last_note(fuzz_store, pid)
        if category == "error":
            assert after == before and notes_after == notes_before
        elif form == "impact":
            assert [after[k] is None for k in ("tonnes_year", "mwh_year", "eur_year")] == [
                not stored_form(v or "").strip() for v in (tonnes, mwh, eur)]
        elif form == "note":
            assert notes_after == (notes_before[0] + 1, stored_form(text).strip()[:5000])
        elif form == "stage":
            assert after["stage"] == stored_form(stage)

    run()
    record("synergy_forms", ran)
    pages_render(client, [f"/t/nord/synergies/{synergy_id}", "/t/nord/synergies", "/t/nord/", "/t/nord/report",
                          "/t/nord/export/synergies.csv"])


def test_digest_preview_query(fuzz_store, facilitator):
    client, _token = facilitator
    actor_ids = [r["id"] for r in fuzz_store.public["actor"].rows_where("territory_id = 1")]
    ran = 0

    @fuzz_settings("digest_preview_query")
    @given(actor=st.one_of(st.none(), st.sampled_from(actor_ids), field_value()),
           user=st.one_of(st.none(), st.sampled_from(["1", "2", "3", "0", "-1", "1e3"]), field_value()))
    def run(actor, user):
        nonlocal ran
        ran += 1
        response = client.get("/t/nord/digest/preview?" + query({"actor": actor, "user": user}))
        handled(response, "digest preview")
        assert response.status_code in (200, 404)

    run()
    record("digest_preview_query", ran)
