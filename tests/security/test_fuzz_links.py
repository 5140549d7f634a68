"""Fuzzing the ways back into an interview: personal links of every kind and the "send me a new
link" form. Hostile tokens, paths and addresses: never a server error, never anyone signed in by
a link that is not theirs, every refusal a page that says what is expected."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from security_support import (
    csrf_token, field_value, flashed, fuzz_settings, handled, nasty_text, path_segment, post_form, record, stored_form,
)


def test_new_link_request_form(fuzz_app, fuzz_store):
    client = fuzz_app.test_client()
    token = csrf_token(client, "/")
    ran = 0

    @fuzz_settings("new_link_email")
    @given(email=st.one_of(field_value(), st.builds(lambda a, b: a + "@" + b, nasty_text(max_size=30),
                                                    nasty_text(max_size=30))))
    def run(email):
        nonlocal ran
        ran += 1
        response = post_form(client, "/link", {"email": email}, token)
        handled(response, "/link")
        assert response.status_code == 302
        messages = flashed(client)
        assert len(messages) == 1
        category, _text = messages[0]
        assert category == ("success" if "@" in stored_form(email).strip()[:200] else "error")

    run()
    record("new_link_email", ran)


def test_personal_links_of_every_kind(fuzz_app):
    client = fuzz_app.test_client()
    ran = 0
    prefixes = ["/a/", "/me/introductions/t/", "/digest/unsubscribe/"]

    @fuzz_settings("actor_links")
    @given(prefix=st.sampled_from(prefixes), token=st.one_of(field_value(), st.text(
        st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."), min_size=20,
        max_size=200)))
    def run(prefix, token):
        nonlocal ran
        ran += 1
        response = client.get(prefix + path_segment(token))
        handled(response, prefix)
        assert response.status_code in (400, 404, 410, 405, 308)  # 405/308: a "/" in the token
        assert client.get("/me").status_code == 401  # nobody got signed in

    run()
    record("actor_links", ran)
