"""The vault at rest: canaries planted in every vault field through the real paths (territory import,
the actor's interview, the facilitator's notes, edits and invitations, emails) are found nowhere in
clear: not in public.db or vault.db (nor their -wal), not in the files `symbiose backup` writes, not
in any log line at DEBUG (Flask's, the libraries', gunicorn's), not in CLI output or error pages."""
from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from ops_support import CSRF, Inbox, login, make_app, new_key, opened, run

from data.actors import find_by_email, read_identity
from data.answers import list_answers
from data.decisions import notes
from data.interviews import read_details, read_quantities
from data.territories import create_user
from interview_bot.auth.tokens import make_token

SLUG = "canary"
PASSWORD = "correct horse battery staple"

# Text canaries: every one unique, ASCII, and searched for case-insensitively (the public
# partition folds words to lower case).
TEXT = {
    "import name": "Fromagerie Qx7name",
    "import email": "qx7mail@qx7dom.example",
    "import siret": "90417283600012",
    "import phone": "0687342915",
    "import contact": "Qx7contact Berthelot",
    "import commune": "Qx7commune",
    "import postcode": "58917",
    "import size": "Qx7size",
    "import activity": "fabrication de comté depuis Qx7activity",
    "import offer": "environ 437,25 tonnes de lactosérum par an (stock Qx7offer)",
    "import need": "un chariot élévateur deux jours par mois (atelier Qx7need)",
    "invite email": "qx7invite@qx7dom.example",
    "interview name": "Scierie Qx7iname",
    "interview activity": "on coupe du chêne pour Qx7iactivity",
    "interview offer": "environ 312,75 t/an de sciure (hangar Qx7ioffer)",
    "interview condition": "sèche Qx7icondition",
    "interview availability": "dès Qx7iavailability",
    "interview problem": "le coût Qx7iproblem des écorces",
    "interview strength": "Qx7istrength du bois local",
    "interview constraint": "Qx7iconstraint peu de place",
    "facilitator comment": "rappeler Qx7comment jeudi",
    "facilitator edit": "des palettes (réserve Qx7fedit)",
    "web invite name": "Brasserie Qx7wname",
    "web invite email": "qx7web@qx7dom.example",
}
# Exact figures and positions: as text and as the 8 bytes SQLite stores for a REAL.
NUMBERS = {"import quantity": 437.25, "interview quantity": 312.75, "import lat": 47.1234567, "import lon": 3.7654321}


def _needles() -> dict[str, list[bytes]]:
    needles = {}
    for name, text in TEXT.items():
        token = re.search(r"(?i)qx7\w+|\d{5,}|\S+@\S+", text).group(0)
        needles[name] = [token.lower().encode()]
    for name, value in NUMBERS.items():
        needles[name] = [str(value).encode(), str(value).replace(".", ",").encode(),
                         struct.pack(">d", value), struct.pack("<d", value)]
    return needles


def _leaks(blob: bytes) -> list[str]:
    lowered = blob.lower()
    return sorted(name for name, forms in _needles().items()
                  if any(form in (lowered if form.isascii() and form.decode("ascii", "ignore").isprintable() else blob)
                         for form in forms))


def _files(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def debug_logs(caplog):
    """Every log record of the scenario, at DEBUG, from every logger (the test's own SMTP server excepted)."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def _import_file() -> str:
    return json.dumps({
        "ref": "c1", "name": TEXT["import name"], "email": TEXT["import email"], "siret": TEXT["import siret"],
        "phone": TEXT["import phone"], "contact": TEXT["import contact"], "naf": "10.51C",
        "commune": TEXT["import commune"], "postcode": TEXT["import postcode"], "lat": NUMBERS["import lat"],
        "lon": NUMBERS["import lon"], "size": TEXT["import size"], "activity": TEXT["import activity"],
        "offers": [TEXT["import offer"]], "needs": [TEXT["import need"]],
    }, ensure_ascii=False) + "\n" + json.dumps({
        "ref": "c2", "name": "Ferme du Pré", "naf": "01.41Z", "lat": 47.15, "lon": 3.74,
        "needs": ["du lactosérum pour les cochons"], "offers": ["du fumier"],
    }, ensure_ascii=False) + "\n"


class Visitor:
    """A test client that sends back the CSRF token of the last page, like a browser."""

    def __init__(self, app, errors: list):
        self.client, self.token, self.errors = app.test_client(), None, errors

    def _keep(self, response):
        if response.status_code >= 400:
            self.errors.append((response.request.path, response.status_code, response.get_data()))
        found = CSRF.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return response

    def get(self, path):
        return self._keep(self.client.get(path))

    def post(self, path, data):
        return self._keep(self.client.post(path, data={"csrf_token": self.token, **data}))


def _interview(app, actor_id: str, errors: list) -> None:
    v = Visitor(app, errors)
    with app.test_request_context():
        v.get(f"/a/{make_token(actor_id, 'interview')}")
    v.get("/me/interview/consent")
    assert v.post("/me/interview/consent", {"sharing": "anonymous", "agree": "1"}).status_code == 302
    v.get("/me/interview/identity")
    assert v.post("/me/interview/identity", {
        "name": TEXT["interview name"], "activity": TEXT["interview activity"], "commune": "Prémery",
        "postcode": "58700", "size": "10-49", "submission_id": "c-identity"}).status_code == 302
    v.get("/me/interview/identity/sector")
    v.post("/me/interview/identity/sector", {"division": "16"})
    v.get("/me/interview/offers")
    response = v.post("/me/interview/offers", {"text": TEXT["interview offer"], "submission_id": "c-offer"})
    assert response.status_code == 302
    confirm = v.get(response.headers["Location"])
    page = confirm.get_data(as_text=True)
    fields: dict[str, str] = {}
    for rid, node in re.findall(r'name="node-(r_[0-9a-f]+)" id="[^"]+" value="([^"]+)"', page):
        fields.setdefault(rid, node)  # the first candidate
    assert fields, page[:2000]
    form = {}
    for rid, node in fields.items():
        form.update({f"node-{rid}": node, f"share-{rid}": "anonymous", f"cond-{rid}": TEXT["interview condition"],
                     f"avail-{rid}": TEXT["interview availability"], f"qty-{rid}": "312,75", f"when-{rid}": "par an"})
    assert v.post(confirm.request.path, form).status_code == 302
    v.post("/me/interview/needs/next", {})
    v.get("/me/interview/problems")
    v.post("/me/interview/problems", {"problems": TEXT["interview problem"], "opportunities": "",
                                      "submission_id": "c-problems"})
    v.get("/me/interview/swot")
    v.post("/me/interview/swot", {"strengths": TEXT["interview strength"],
                                  "constraints": TEXT["interview constraint"], "submission_id": "c-swot"})
    v.get("/me/interview/summary")
    assert v.post("/me/interview/finish", {}).status_code == 302
    # A form sent without its token (an expired page): an error page, and nothing of it may leak.
    v.client.post("/me/interview/offers", data={"text": TEXT["interview offer"], "submission_id": "c-x"})
    v._keep(v.client.post("/me/interview/offers", data={"text": TEXT["interview offer"]}))


def _facilitator(app, actor_ids: dict, errors: list) -> None:
    v = Visitor(app, errors)
    login(v.client, "anim@canary.example", PASSWORD)
    v.get(f"/t/{SLUG}/queue")
    with opened(app) as store:
        proposal = store.public.execute("SELECT id FROM proposal ORDER BY score DESC").fetchone()[0]
    v.get(f"/t/{SLUG}/queue/{proposal}")
    assert v.post(f"/t/{SLUG}/queue/{proposal}/comment", {"text": TEXT["facilitator comment"]}).status_code == 302
    v.get(f"/t/{SLUG}/actors/{actor_ids['c2']}")
    assert v.post(f"/t/{SLUG}/actors/{actor_ids['c2']}/answers", {
        "topic": "offers", "text": TEXT["facilitator edit"]}).status_code == 302
    v.get(f"/t/{SLUG}/actors")
    assert v.post(f"/t/{SLUG}/actors/invite", {"name": TEXT["web invite name"], "email": TEXT["web invite email"],
                                              "lang": "fr"}).status_code == 302
    v.get(f"/t/{SLUG}/actors")  # where the invitation's confirmation (naming the invitee) is shown
    v.get(f"/t/{SLUG}/actors/a_0000000000000000")  # 404 page
    v.get(f"/t/{SLUG}/actors/{actor_ids['c1']}")  # the facilitator may read the identity: a 200, not a leak


def _link_request(app, errors: list) -> None:
    """The invited actor asks for a new link; the mail server refuses the address, echoing it in capitals."""
    v = Visitor(app, errors)
    v.get("/")
    assert v.post("/link", {"email": TEXT["invite email"]}).status_code == 302


def _gunicorn(data_dir: Path, key: str, inbox: Inbox, actor_id: str) -> str:
    """The same data served by gunicorn at --log-level debug: a page, a link request, a 404, a stale form.
    Returns everything gunicorn (and the app inside it) wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_VAULT_KEY=key, SYMBIOSE_SMTP_HOST="127.0.0.1",
               SYMBIOSE_SMTP_PORT=str(inbox.port), SYMBIOSE_SMTP_SECURITY="none", SYMBIOSE_SMTP_RETRIES="1",
               SYMBIOSE_BASE_URL="https://symbiose.test")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = data_dir.parent / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "python:interview_bot.gunicorn_conf",
                                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "debug",
                                 "interview_bot:create_app()"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            for _ in range(300):
                try:
                    page = opener.open(base + "/", timeout=5).read().decode()
                    break
                except OSError:
                    time.sleep(0.1)
            token = CSRF.search(page).group(1)
            for data in ({"email": TEXT["invite email"], "csrf_token": token}, {"email": TEXT["import email"]}):
                try:
                    opener.open(base + "/link", urllib.parse.urlencode(data).encode(), timeout=10).read()
                except urllib.error.HTTPError as exc:
                    assert exc.code == 400 and not _leaks(exc.read())
            for path in ("/a/not-a-token", f"/t/{SLUG}/actors/{actor_id}"):
                try:
                    opener.open(base + path, timeout=10).read()
                except urllib.error.HTTPError as exc:
                    assert not _leaks(exc.read())
        finally:
            proc.terminate()
            proc.wait(30)
    return log.read_text(errors="replace")


def test_no_vault_field_is_found_in_clear_anywhere(data_dir, tmp_path, debug_logs, capfd):
    key = new_key()
    refused = TEXT["invite email"]
    errors: list = []
    outputs: list[str] = []
    with Inbox(refuse={refused: f"550 5.1.1 <{refused.upper()}>: no such mailbox here"}) as inbox:
        app = make_app(data_dir, key, **inbox.config(), BASE_URL="https://symbiose.test", RATELIMIT_ENABLED=False)

        def cli(*args):
            result = run(app, *args)
            outputs.append(result.output)
            assert result.exit_code == 0, result.output
            return result

        (tmp_path / "territory.jsonl").write_text(_import_file(), encoding="utf-8")
        cli("territory", "import", str(tmp_path / "territory.jsonl"), "--territory", SLUG)
        invited = cli("invite", "--territory", SLUG, "--email", TEXT["invite email"]).output
        invited_id = re.search(r"\b(a_[0-9a-f]{16})\b", invited).group(1)
        with opened(app) as store:
            create_user(store, "anim@canary.example", PASSWORD, "facilitator", SLUG)
            actor_ids = {ref: store.public.execute("SELECT id FROM actor WHERE ref = ?", [ref]).fetchone()[0]
                         for ref in ("c1", "c2")}
        _interview(app, invited_id, errors)
        _facilitator(app, actor_ids, errors)
        _link_request(app, errors)
        cli("digest", "send")
        cli("backup", str(tmp_path / "backup"))
        # A process started with the wrong key gets the service-unavailable page.
        wrong = make_app(data_dir, new_key())
        with wrong.test_request_context():
            token = make_token(actor_ids["c1"], "interview")
        response = wrong.test_client().get(f"/a/{token}", follow_redirects=True)
        assert response.status_code == 503
        errors.append(("/a/… with a wrong key", 503, response.get_data()))

        # The scenario really planted every canary: read back through the data layer, the vault's
        # plaintext holds each one (so the searches below look for the right bytes).
        with opened(app) as store:
            web_invited = find_by_email(store, TEXT["web invite email"])
            plain, numbers = [], []
            for actor_id in [*actor_ids.values(), invited_id, *web_invited]:
                identity = read_identity(store, actor_id, who="test")
                plain += [str(v) for v in identity.__dict__.values()]
                numbers += [identity.lat or 0.0, identity.lon or 0.0]
                plain += [a.text for a in list_answers(store, actor_id, who="test")]
                plain += [json.dumps(d, ensure_ascii=False) for d in read_details(store, actor_id).values()]
                numbers += [q.value for q in read_quantities(store, actor_id).values()]
            proposal = store.public.execute("SELECT proposal_id FROM decision WHERE action = 'comment'").fetchone()[0]
            plain += [n["text"] for n in notes(store, proposal)]
            refused_rows = store.vault.execute("SELECT error FROM outbox WHERE status = 'failed'").fetchall()
            assert refused_rows and "<recipient>" in refused_rows[0][0]  # the server did echo the address
        plaintext = "\n".join(plain).encode() + b"".join(struct.pack(">d", n) + struct.pack("<d", n) for n in numbers)
        assert _leaks(plaintext) == sorted(_needles())

        served = _gunicorn(data_dir, key, inbox, actor_ids["c1"])
    captured = capfd.readouterr()

    leaks = {}
    for path, blob in _files(data_dir, tmp_path / "backup").items():
        if Path(path).name in ("vault.key", "secret_key"):
            continue
        if found := _leaks(blob):
            leaks[path] = found
    assert any(p.endswith("vault.db-wal") or p.endswith("vault.db") for p in _files(data_dir))
    records = [r for r in debug_logs.records if not r.name.startswith("mail.log")]  # the test's SMTP server
    log_text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    # The capture did catch the app's own records: the refused link email and the wrong key.
    assert "not sent yet" in log_text and "vault locked" in log_text
    for where, blob in {"log records": log_text.encode(), "CLI output": "\n".join(outputs).encode(),
                        "stdout/stderr": (captured.out + captured.err).encode(), "gunicorn": served.encode()}.items():
        if found := _leaks(blob):
            leaks[where] = found
    for path, status, body in errors:
        if found := _leaks(body):
            leaks[f"error page {status} {path}"] = found
    assert {status for _p, status, _b in errors} >= {400, 404, 503}
    assert "GET / HTTP" in served or '"GET / ' in served  # gunicorn's access log was captured
    assert leaks == {}
