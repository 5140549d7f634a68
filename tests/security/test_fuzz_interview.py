"""Fuzzing the actor's side: every free-text answer and form field of the interview, personal
links and the "send me a new link" form. Thousands of hostile inputs (empty, 20,000 characters,
emoji, right-to-left, NUL and control characters, lone surrogates as raw bytes, markup, SQL,
very long numbers): never a server error, every refusal a page that says what is expected and
gives back what was typed, every accepted answer stored once and exactly as cleaned. (Personal
links and the new-link form: test_fuzz_links.py.)"""
from __future__ import annotations

import urllib.parse

from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape
from security_support import (
    NUMBERS, REFUSED_LONG_SIZES, field_value, flashed, fuzz_settings, handled, nasty_text, path_segment,
    post_form, record, stored_form,
)

from data.actors import read_identity
from data.answers import list_answers
from data.interviews import get_progress, list_items, read_details
from data.types import SHARING_LEVELS
from interview_bot.interview import sector
from interview_bot.interview.flow import FREQUENCIES, KEEP_AS_WRITTEN, AnswerRefused, clean_answer


def cleaned(value) -> str | None:
    """What the interview stores for a value sent over the wire, or None when it must refuse it."""
    try:
        return clean_answer(stored_form(value).strip())
    except AnswerRefused:
        return None


def optional(value) -> str | None:
    """The same for a question that may be left empty."""
    try:
        return clean_answer(stored_form(value), required=False)
    except AnswerRefused:
        return None


def answers(store, actor_id: str, topic: str | None = None):
    return list_answers(store, actor_id, who="test", topic=topic)


def newest(store, actor_id: str, topic: str) -> tuple[int, str | None]:
    """How many answers on `topic`, and the text of the last one (without unsealing them all)."""
    count = store.vault.execute("SELECT COUNT(*) FROM answer WHERE actor_id = ? AND topic = ?",
                                [actor_id, topic]).fetchone()[0]
    row = store.vault.execute("SELECT id, text_enc FROM answer WHERE actor_id = ? AND topic = ? "
                              "ORDER BY position DESC LIMIT 1", [actor_id, topic]).fetchone()
    return count, (store.unseal(row[1], f"answer:{row[0]}") if row else None)


def gives_back(response, value) -> bool:
    """The refused page shows the person what they typed, so nothing they wrote is lost."""
    text = stored_form(value).strip()
    return str(escape(text)) in response.get_data(as_text=True)


class Unique:
    """Submission ids that never repeat (a repeated one is a double submit, tested elsewhere)."""

    def __init__(self):
        self.n = 0

    def __call__(self, fuzzed: str | bytes) -> bytes:
        self.n += 1
        raw = fuzzed if isinstance(fuzzed, bytes) else fuzzed.encode("utf-8", "surrogatepass")
        return f"u{self.n}-".encode() + raw[:80]


def test_identity_step(fuzz_store, actor_session):
    me = actor_session()
    ran = 0

    @fuzz_settings("interview_identity")
    @given(name=field_value(), activity=field_value(), commune=field_value(), postcode=field_value(),
           size=st.one_of(st.sampled_from(["1-9", "250+", ""]), field_value()),
           lat=st.one_of(st.none(), st.sampled_from(NUMBERS), st.floats().map(str)),
           lon=st.one_of(st.none(), st.floats(-200, 200).map(str)))
    def run(name, activity, commune, postcode, size, lat, lon):
        nonlocal ran
        ran += 1
        before = [a.text for a in answers(fuzz_store, me.id, "activity")]
        response = post_form(me.client, "/me/interview/identity", {
            "name": name, "activity": activity, "commune": commune, "postcode": postcode, "size": size,
            "lat": lat, "lon": lon}, me.token)
        handled(response, "identity")
        flashed(me.client)
        after = [a.text for a in answers(fuzz_store, me.id, "activity")]
        if cleaned(name) and cleaned(activity):
            assert response.status_code == 302, response.status_code
            assert after == [cleaned(activity)]  # one activity answer, replaced in place, exactly as cleaned
            identity = read_identity(fuzz_store, me.id, who="test")
            assert identity.name == cleaned(name)[:200]
        else:
            assert response.status_code == 400
            assert after == before
            assert gives_back(response, name) and gives_back(response, activity)

    run()
    record("interview_identity", ran)
    assert me.client.get("/me").status_code == 200 and me.client.get("/me/interview/summary").status_code == 200


def test_sector_step(fuzz_store, actor_session):
    me = actor_session()
    ran = 0
    codes = sorted(sector.DIVISIONS)

    @fuzz_settings("interview_sector")
    @given(division=st.one_of(st.sampled_from(codes), field_value()), other=st.one_of(st.none(), field_value()))
    def run(division, other):
        nonlocal ran
        ran += 1
        response = post_form(me.client, "/me/interview/identity/sector", {"division": division, "other": other},
                             me.token)
        handled(response, "sector")
        chosen = stored_form(other) if other else stored_form(division)
        if chosen in sector.DIVISIONS:
            assert response.status_code == 302
            assert (read_identity(fuzz_store, me.id, who="test").naf or "").startswith(chosen)
        else:
            assert response.status_code in (200, 400)
            assert 'class="flash error"' in response.get_data(as_text=True)

    run()
    record("interview_sector", ran)


def test_consent_step(fuzz_store, actor_session):
    me = actor_session(consent=False)
    ran = 0

    @fuzz_settings("interview_consent")
    @given(sharing=st.one_of(st.sampled_from(SHARING_LEVELS), field_value()),
           agree=st.one_of(st.none(), st.just("1"), field_value()))
    def run(sharing, agree):
        nonlocal ran
        ran += 1
        before = get_progress(fuzz_store, me.id).default_sharing
        response = post_form(me.client, "/me/interview/consent", {"sharing": sharing, "agree": agree}, me.token)
        handled(response, "consent")
        if stored_form(sharing) in SHARING_LEVELS and agree and stored_form(agree):
            assert response.status_code == 302
            assert get_progress(fuzz_store, me.id).default_sharing == stored_form(sharing)
        else:
            assert response.status_code == 400
            assert get_progress(fuzz_store, me.id).default_sharing == before

    run()
    record("interview_consent", ran)


def test_notes_steps_problems_and_swot(fuzz_store, actor_session):
    me = actor_session()
    ran = 0
    unique = Unique()

    @fuzz_settings("interview_notes")
    @given(step=st.sampled_from(["problems", "swot"]), first=field_value(), second=field_value(),
           sid=field_value())
    def run(step, first, second, sid):
        nonlocal ran
        ran += 1
        topics = {"problems": ("problems", "opportunities"), "swot": ("strengths", "constraints")}[step]
        before = {t: newest(fuzz_store, me.id, t) for t in topics}
        response = post_form(me.client, f"/me/interview/{step}",
                             {topics[0]: first, topics[1]: second, "submission_id": unique(sid)}, me.token)
        handled(response, step)
        after = {t: newest(fuzz_store, me.id, t) for t in topics}
        values = dict(zip(topics, (first, second)))
        if any(optional(v) is None for v in values.values()):
            assert response.status_code == 400
            assert after == before
            assert all(gives_back(response, v) for v in values.values())
        else:
            assert response.status_code == 302
            for topic, value in values.items():
                text = optional(value)
                count, last = before[topic]
                assert after[topic] == ((count + 1, text) if text else (count, last)), topic  # once, as cleaned

    run()
    record("interview_notes", ran)
    assert me.client.get("/me/interview/summary").status_code == 200  # every stored note shows again


def test_offers_and_needs_answers(fuzz_store, actor_session, fuzz_app):
    """The answer path: saved, read by the real language models, its items stored."""
    ran = 0
    unique = Unique()
    people = [actor_session() for _ in range(4)]  # spread over a few actors so no page grows without end

    @fuzz_settings("interview_answers")
    @given(topic=st.sampled_from(["offers", "needs"]), text=field_value(REFUSED_LONG_SIZES), sid=field_value(),
           who=st.integers(0, len(people) - 1))
    @example(topic="offers", text=("300 t/an de sciure et des palettes, " * 200)[:5_000], sid="long", who=0)
    def run(topic, text, sid, who):
        nonlocal ran
        ran += 1
        me = people[who]
        before = [a.text for a in answers(fuzz_store, me.id, topic)]
        response = post_form(me.client, f"/me/interview/{topic}", {"text": text, "submission_id": unique(sid)},
                             me.token)
        handled(response, topic)
        after = answers(fuzz_store, me.id, topic)
        expected = cleaned(text)
        if expected:
            assert response.status_code == 302
            assert [a.text for a in after] == before + [expected]
            assert list_items(fuzz_store, after[-1].id), "an accepted answer always leaves at least one item"
            assert response.headers["Location"].endswith(f"/me/interview/answer/{after[-1].id}")
        else:
            assert response.status_code == 400
            assert [a.text for a in after] == before
            assert gives_back(response, text)

    run()
    record("interview_answers", ran)
    for me in people:
        assert me.client.get("/me/interview/summary").status_code == 200
        assert me.client.get("/me/interview/offers").status_code == 200


def _items_of_one_answer(me, store):
    response = post_form(me.client, "/me/interview/offers", {
        "text": "environ 300 t/an de sciure et des palettes en bois, et du bidulon", "submission_id": "seed"},
        me.token)
    answer_id = response.headers["Location"].rsplit("/", 1)[1]
    return answer_id, list_items(store, answer_id)


def test_confirmation_follow_ups(fuzz_store, actor_session):
    """The "I understood…" form: meaning, who may see it, quantity, when, availability, condition."""
    me = actor_session()
    answer_id, items = _items_of_one_answer(me, fuzz_store)
    assert len(items) >= 2
    ran = 0
    per_item = st.fixed_dictionaries({
        "node": st.one_of(st.none(), st.just(KEEP_AS_WRITTEN), field_value()),
        "share": st.one_of(st.none(), st.sampled_from(SHARING_LEVELS), field_value()),
        "qty": st.one_of(st.none(), st.sampled_from(["2 t", "30 m3 par mois", "1e309 t", "-5 kg"]), field_value()),
        "when": st.one_of(st.none(), field_value()),
        "avail": st.one_of(st.none(), field_value()),
        "cond": st.one_of(st.none(), field_value()),
        "freq": st.one_of(st.none(), st.sampled_from(FREQUENCIES), field_value()),
    })

    @fuzz_settings("interview_follow_ups")
    @given(fields=st.lists(per_item, min_size=len(items), max_size=len(items)), pick=st.lists(st.booleans(),
           min_size=len(items), max_size=len(items)))
    def run(fields, pick):
        nonlocal ran
        ran += 1
        form = {}
        for item, values, real in zip(items, fields, pick):
            rid = item["id"]
            node = item["candidates"][0][0] if real and item["candidates"] else values["node"]
            form.update({f"node-{rid}": node, f"share-{rid}": values["share"], f"qty-{rid}": values["qty"],
                         f"when-{rid}": values["when"], f"avail-{rid}": values["avail"],
                         f"cond-{rid}": values["cond"], f"freq-{rid}": values["freq"]})
        response = post_form(me.client, f"/me/interview/answer/{answer_id}", form, me.token)
        handled(response, "confirm")
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            details = read_details(fuzz_store, me.id)
            for item, values in zip(items, fields):
                detail = details.get(item["id"], {})
                for key, limit in (("avail", 300), ("cond", 300), ("when", 200)):
                    sent = clean_answer(stored_form(values[key] or "").strip(), required=False)
                    stored = detail.get({"avail": "availability", "cond": "condition", "when": "when"}[key], "")
                    assert stored == sent[:limit], key  # a follow-up answer is kept (up to the field's size)

    run()
    record("interview_follow_ups", ran)
    assert me.client.get(f"/me/interview/answer/{answer_id}").status_code == 200
    assert me.client.get("/me/interview/summary").status_code == 200
    assert len(list_items(fuzz_store, answer_id)) == len(items)  # no item lost along the way


def test_editing_a_note_answer(fuzz_store, actor_session):
    me = actor_session()
    post_form(me.client, "/me/interview/problems", {"problems": "trop de cartons", "submission_id": "p0"}, me.token)
    (original,) = answers(fuzz_store, me.id, "problems")
    ran = 0

    @fuzz_settings("interview_edit_notes")
    @given(text=field_value())
    def run(text):
        nonlocal ran
        ran += 1
        before = answers(fuzz_store, me.id, "problems")[0].text
        response = post_form(me.client, f"/me/interview/answer/{original.id}/edit", {"text": text}, me.token)
        handled(response, "edit")
        after = answers(fuzz_store, me.id, "problems")
        assert len(after) == 1 and after[0].id == original.id
        if cleaned(text):
            assert response.status_code == 302 and after[0].text == cleaned(text)
        else:
            assert response.status_code == 400 and after[0].text == before and gives_back(response, text)

    run()
    record("interview_edit_notes", ran)


def test_editing_an_offer_rereads_it(fuzz_store, actor_session):
    me = actor_session()
    answer_id, _items = _items_of_one_answer(me, fuzz_store)
    ran = 0

    @fuzz_settings("interview_edit_offers")
    @given(text=field_value(REFUSED_LONG_SIZES))
    def run(text):
        nonlocal ran
        ran += 1
        before = answers(fuzz_store, me.id, "offers")[0].text
        response = post_form(me.client, f"/me/interview/answer/{answer_id}/edit", {"text": text}, me.token)
        handled(response, "edit offer")
        after = answers(fuzz_store, me.id, "offers")
        assert [a.id for a in after] == [answer_id]
        if cleaned(text):
            assert response.status_code == 302 and after[0].text == cleaned(text)
            assert list_items(fuzz_store, answer_id)
        else:
            assert response.status_code == 400 and after[0].text == before

    run()
    record("interview_edit_offers", ran)


def test_interview_urls_and_query_strings(fuzz_store, actor_session):
    """Answer ids, language choices and stray query parameters in the address bar."""
    me = actor_session()
    other = actor_session()
    foreign_id, _ = _items_of_one_answer(other, fuzz_store)
    ran = 0
    pages = ["/me/interview/summary", "/me/interview/offers", "/me/interview/identity", "/me", "/me/interview/swot",
             "/me/introductions/"]

    @fuzz_settings("interview_urls")
    @given(answer_id=st.one_of(st.just(foreign_id), field_value()), suffix=st.sampled_from(["", "/edit", "/delete"]),
           page=st.sampled_from(pages), lang=st.one_of(st.sampled_from(["fr", "en"]), field_value()),
           extra=st.dictionaries(nasty_text(max_size=20), field_value(), max_size=3))
    def run(answer_id, suffix, page, lang, extra):
        nonlocal ran
        ran += 1
        path = f"/me/interview/answer/{path_segment(answer_id)}{suffix}"
        response = (post_form(me.client, path, {"next": lang}, me.token) if suffix == "/delete"
                    else me.client.get(path))
        handled(response, path)
        # another actor's answer, or none: not found, never shown ("/" in the id: another address, or a
        # slash-merging redirect)
        assert response.status_code in (404, 405, 308), response.status_code
        response = me.client.get(page + "?" + urllib.parse.urlencode(
            {k.encode("utf-8", "surrogatepass"): v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")
             for k, v in {**extra, "lang": lang}.items()}))
        handled(response, page)
        assert response.status_code in (200, 302)

    run()
    record("interview_urls", ran)
    assert len(answers(fuzz_store, other.id, "offers")) == 1  # the other actor's answer is untouched


def test_emptying_every_follow_up_field_forgets_the_earlier_answers(fuzz_store, actor_session):
    """Found by the fuzzer: an emptied form used to leave the previous details in the vault."""
    me = actor_session()
    answer_id, items = _items_of_one_answer(me, fuzz_store)
    rid = items[0]["id"]
    form = {f"node-{i['id']}": KEEP_AS_WRITTEN for i in items}
    post_form(me.client, f"/me/interview/answer/{answer_id}", {**form, f"cond-{rid}": "sèche, triée"}, me.token)
    assert read_details(fuzz_store, me.id)[rid]["condition"] == "sèche, triée"
    response = post_form(me.client, f"/me/interview/answer/{answer_id}", {**form, f"cond-{rid}": ""}, me.token)
    assert response.status_code == 302
    assert rid not in read_details(fuzz_store, me.id)
