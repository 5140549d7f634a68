"""Personal links: expired, tampered and wrong-purpose links; `symbiose invite`; asking for a new link."""
from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from data.actors import find_by_email, get_actor, read_identity
from interview_bot.auth.tokens import make_token
from interview_bot.cli import main
from interview_support import Visitor

LINK = re.compile(r"https://symbiose\.test/a/[\w.-]+")


def old_token(app, actor_id: str, days: int) -> str:
    """A genuine interview link signed `days` ago."""
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days * 86_400

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="symbiose-link-interview", signer=Past).dumps(
        {"a": actor_id})


def test_expired_link_says_so_and_signs_nobody_in(iapp, new_actor):
    actor_id = new_actor()
    v = Visitor(iapp)
    assert v.get(f"/a/{old_token(iapp, actor_id, 29)}").status_code == 302  # still valid
    v = Visitor(iapp)
    response = v.get(f"/a/{old_token(iapp, actor_id, 31)}")
    assert response.status_code == 410
    assert "expiré" in response.get_data(as_text=True)
    assert v.get("/me").status_code == 401


def test_tampered_and_wrong_purpose_links_are_refused(iapp, new_actor):
    actor_id = new_actor()
    with iapp.test_request_context():
        good = make_token(actor_id, "interview")
        unsubscribe = make_token(actor_id, "unsubscribe")
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for token in (forged, unsubscribe, "not-a-token", "ça\u202e"):
        v = Visitor(iapp)
        response = v.get(f"/a/{token}")
        assert response.status_code == 400, token
        assert "pas valide" in response.get_data(as_text=True)
        assert v.get("/me/interview/summary").status_code == 401


def test_invite_creates_the_actor_prints_the_link_and_emails_it(iapp, istore, inbox):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    runner = CliRunner()
    obj = ScriptInfo(create_app=lambda: iapp)
    result = runner.invoke(main, ["invite", "--territory", "nievre", "--email", "contact@ferme.example",
                                  "--name", "Ferme des Prés"], obj=obj, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = LINK.findall(result.output)
    assert len(printed) == 1 and "Email: sent" in result.output
    (actor_id,) = find_by_email(istore, "contact@ferme.example")
    assert read_identity(istore, actor_id, who="test").name == "Ferme des Prés"
    assert get_actor(istore, actor_id).status == "invited"
    assert len(inbox.messages) == 1 and inbox.messages[0]["X-Envelope-To"] == "contact@ferme.example"
    assert printed[0] in inbox.messages[0].get_body(("plain",)).get_content()
    # The link works.
    v = Visitor(iapp)
    assert v.get(printed[0].replace("https://symbiose.test", "")).headers["Location"].endswith("/me")
    # Inviting again reuses the actor.
    again = runner.invoke(main, ["invite", "--territory", "nievre", "--email", "Contact@Ferme.example", "--no-email"],
                          obj=obj, catch_exceptions=False)
    assert "already known: " + actor_id in again.output and len(inbox.messages) == 1
    # Bad input is a clear message, not a traceback.
    bad = runner.invoke(main, ["invite", "--territory", "nowhere", "--email", "x@example.org"], obj=obj)
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "nowhere" in bad.output
    bad = runner.invoke(main, ["invite", "--territory", "nievre", "--email", "not an address"], obj=obj)
    assert bad.exit_code != 0 and "not an email address" in bad.output


def test_new_link_request_never_reveals_whether_an_address_is_known(iapp, new_actor, inbox):
    actor_id = new_actor("known@example.org")
    v = Visitor(iapp)
    v.get("/")
    known = v.post("/link", {"email": "known@example.org"}, follow_redirects=True).get_data(as_text=True)
    v2 = Visitor(iapp)
    v2.get("/")
    unknown = v2.post("/link", {"email": "stranger@example.org"}, follow_redirects=True).get_data(as_text=True)
    flash = re.compile(r'<p class="flash[^"]*" role="status">([^<]+)</p>')
    assert flash.findall(known) == flash.findall(unknown) and flash.findall(known)
    assert [m["X-Envelope-To"] for m in inbox.messages] == ["known@example.org"]
    link = LINK.search(inbox.messages[0].get_body(("plain",)).get_content()).group(0)
    fresh = Visitor(iapp)
    fresh.get(link.replace("https://symbiose.test", ""))
    assert fresh.get("/me").status_code == 200
    # Asking again within the hour does not flood the inbox.
    v.post("/link", {"email": "known@example.org"})
    assert len(inbox.messages) == 1
    assert actor_id


def test_new_link_requests_are_rate_limited(iapp):
    v = Visitor(iapp)
    v.get("/")
    statuses = [v.post("/link", {"email": f"n{i}@example.org"}).status_code for i in range(7)]
    assert statuses[:5] == [302] * 5 and statuses[5] == 429
    assert "Trop de demandes" in v.last.get_data(as_text=True)


def test_request_without_csrf_token_is_refused(iapp):
    v = Visitor(iapp)
    assert v.post("/link", {"email": "a@example.org"}, csrf=False).status_code == 400
    page = v.last.get_data(as_text=True)
    assert "Ce formulaire a expiré" in page and "Rien n&#39;a été enregistré" in page
