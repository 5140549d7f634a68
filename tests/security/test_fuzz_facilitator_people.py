"""Fuzzing the facilitator's dealings with people: invitations (form and CSV upload), answers
entered on an actor's behalf, and the login form. Never a server error; every refusal is a
message; what was accepted is stored, once."""
from __future__ import annotations

import io
import re
import urllib.parse

from hypothesis import example, given
from hypothesis import strategies as st
from security_support import (
    REFUSED_LONG_SIZES, count, csrf_token, facilitator_support, field_value, fuzz_settings, handled, nasty_text,
    one_message, pages_render, post_form, record, stored_form,
)

from data.actors import read_identity
from data.answers import list_answers


def test_invitation_form(fuzz_store, facilitator):
    client, token = facilitator
    ran = 0

    @fuzz_settings("invite_form")
    @given(name=field_value(), email=st.one_of(field_value(), st.builds(
        lambda a, b: a + "@" + b, nasty_text(max_size=20), nasty_text(max_size=20))),
        ref=field_value(), naf=st.one_of(st.sampled_from(["16.10A", "01", "١٢٣٤"]), field_value()),
        commune=field_value(), lang=st.one_of(st.sampled_from(["fr", "en"]), field_value()))
    def run(name, email, ref, naf, commune, lang):
        nonlocal ran
        ran += 1
        before = count(fuzz_store, "public", "actor")
        response = post_form(client, "/t/nord/actors/invite", {"name": name, "email": email, "ref": ref, "naf": naf,
                                                               "commune": commune, "lang": lang}, token)
        handled(response, "invite")
        assert response.status_code == 302
        category, _text = one_message(client)
        after = count(fuzz_store, "public", "actor")
        if category == "error":
            assert after == before
        else:
            assert after == before + 1
            newest = fuzz_store.public.execute("SELECT id FROM actor ORDER BY rowid DESC LIMIT 1").fetchone()[0]
            identity = read_identity(fuzz_store, newest, who="test")
            assert identity.name == stored_form(name).strip()[:200]
            assert identity.email == stored_form(email).strip()[:200]

    run()
    record("invite_form", ran)
    pages_render(client, ["/t/nord/actors", "/t/nord/export/actors.csv", "/t/nord/queue", "/t/nord/digest/preview"])


def _csv(rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in '"\n\r,;') else value
    return "\n".join(delimiter.join(cell(v) for v in row) for row in rows)


def test_invitation_csv_upload(fuzz_store, facilitator):
    client, token = facilitator
    ran = 0
    header = st.sampled_from([["name", "email"], ["name", "email", "lang", "ref"], ["Name", "EMAIL", "commune"],
                              ["nom", "courriel"], []])
    text_file = st.builds(
        lambda head, rows, delim, bom: (("\ufeff" if bom else "") + _csv([head, *rows], delim)).encode(
            "utf-8", "surrogatepass"),
        header, st.lists(st.lists(st.one_of(nasty_text(max_size=40), st.sampled_from(["fr", "en", "x@y.org"])),
                                  max_size=5), max_size=6),
        st.sampled_from([",", ";", "\t"]), st.booleans())

    @fuzz_settings("invite_csv_upload")
    @given(data=st.one_of(text_file, text_file, st.binary(max_size=300)),
           filename=st.one_of(st.just("actors.csv"), nasty_text(max_size=40)))
    def run(data, filename):
        nonlocal ran
        ran += 1
        before = count(fuzz_store, "public", "actor")
        response = client.post("/t/nord/actors/invite-csv", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(data), filename.encode("utf-8", "replace").decode("utf-8"))})
        handled(response, "invite-csv")
        assert response.status_code == 302
        category, text = one_message(client)
        after = count(fuzz_store, "public", "actor")
        if category == "error":
            assert after == before  # a bad file invites nobody, not half of it
        else:
            assert after - before == int(re.match(r"\d+", text).group(0))

    run()
    record("invite_csv_upload", ran)
    pages_render(client, ["/t/nord/actors", "/t/nord/export/actors.csv"])


def test_answers_entered_for_an_actor(fuzz_app, fuzz_store, facilitator):
    """The facilitator types an answer after a visit: saved, read by the language models, re-matched."""
    client, token = facilitator
    mill = fuzz_app.config["WORLD"]["mill"].id
    own = list_answers(fuzz_store, mill, who="test")[0].id
    farm_answer = list_answers(fuzz_store, fuzz_app.config["WORLD"]["farm"].id, who="test")[0].id
    ran = 0

    @fuzz_settings("facilitator_answers")
    @given(text=field_value(REFUSED_LONG_SIZES), topic=st.one_of(st.sampled_from(["offers", "needs", "problems"]), field_value()),
           answer=st.sampled_from(["", "", "own", "other actor's"]), sid=field_value())
    def run(text, topic, answer, sid):
        nonlocal ran
        ran += 1
        answer_id = {"": "", "own": own, "other actor's": farm_answer}[answer]
        before = {a.id: a.text for a in list_answers(fuzz_store, mill, who="test")}
        response = post_form(client, f"/t/nord/actors/{mill}/answers", {
            "text": text, "topic": topic, "answer_id": answer_id, "submission_id": f"f{ran}-".encode() + (
                sid if isinstance(sid, bytes) else sid.encode("utf-8", "surrogatepass"))[:60]}, token)
        handled(response, "answers")
        after = {a.id: a.text for a in list_answers(fuzz_store, mill, who="test")}
        written = stored_form(text).strip()
        valid = stored_form(topic) in ("activity", "offers", "needs", "problems", "opportunities", "strengths",
                                       "constraints") and written and len(written) <= 20_000
        if valid and answer == "other actor's":
            assert response.status_code == 404 and after == before
            return
        assert response.status_code == 302
        category, _text = one_message(client)
        if not valid:
            assert category == "error" and after == before
        elif answer == "own":
            assert after == {**before, own: written}
        else:
            assert len(after) == len(before) + 1 and written in after.values()

    run()
    record("facilitator_answers", ran)
    pages_render(client, [f"/t/nord/actors/{mill}", "/t/nord/", "/t/nord/export/resources.csv"])


def test_login_form(fuzz_app):
    client = fuzz_app.test_client()
    token = csrf_token(client, "/login")
    ran = 0

    @fuzz_settings("login_form")
    @given(email=st.one_of(st.just("anim@nord.example"), st.just(" Anim@Nord.example "), field_value(), field_value()),
           password=st.one_of(st.just(facilitator_support.PASSWORD), field_value(), field_value(), field_value()),
           next_=st.one_of(st.none(), st.sampled_from(["/t/nord/queue", "//evil.example/", "https://evil.example/",
                                                        "/\\evil.example", "javascript:alert(1)", "/%2F%2Fevil",
                                                        "/\r\nSet-Cookie: a=b", "/ok\x00", "/\t/evil.example"]),
                           field_value()))
    @example(email="anim@nord.example", password=facilitator_support.PASSWORD, next_="/\r\nSet-Cookie: a=b")
    def run(email, password, next_):
        nonlocal ran, token
        ran += 1
        response = post_form(client, "/login", {"email": email, "password": password, "next": next_}, token)
        handled(response, "login")
        good = (stored_form(email).strip().lower() == "anim@nord.example"
                and stored_form(password) == facilitator_support.PASSWORD)
        if good:
            assert response.status_code == 302
            target = urllib.parse.urlsplit(response.headers["Location"])
            assert not target.scheme and not target.netloc, response.headers["Location"]  # never off-site
            assert target.path.startswith("/") and "\\" not in target.path
            client.post("/logout", data={"csrf_token": csrf_token(client, "/facilitator")})
            token = csrf_token(client, "/login")
        else:
            assert response.status_code == 401 and 'class="flash error"' in response.get_data(as_text=True)
        assert client.get("/t/nord/").status_code == 302  # signed out again either way

    run()
    record("login_form", ran)
