"""A two-territory world with a canary in every stored field, the seven principals, and what each may see.

Territory 1 ("alpha"): actors A (a sawmill offering sawdust) and B (a farm needing
bedding), so the matcher proposes A → B. Territory 2 ("beta"): actor C (a farm
needing bedding) and D (a sawmill), so C and D have their own proposal. Every
value that reaches storage carries a canary naming its owner:

    CANARY-<owner>-<FIELD>-7f3a

Owners: A, B, C, D (the actors; test_counterparty adds E to territory 1 and P, Q, R to
territory 2), T1/T2 (the territories' names), N1/N2 (the
facilitators' comments and synergy notes in each territory), F1/F2 (the
facilitators' login addresses). Exact figures and coordinates are numbers, so
each actor also has numeric canaries, checked in every written form a page or an
email might use.
"""
from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller

from data import decisions as dec
from data.actors import create_actor
from data.answers import quantity_band, replace_resources, save_answer
from data.interviews import Progress, record_items, save_progress, update_item
from data.synergies import synergy_for
from data.territories import create_territory, create_user
from data.types import Identity, Quantity, Resource
from interview_bot import create_app
from interview_bot.auth.tokens import PURPOSES, LinkError, make_token, read_token
from interview_bot.cli import open_store
from interview_bot.matching import refresh

PASSWORD = "correct horse battery staple"
BASE_URL = "https://symbiose.test"
SLUGS = {1: "alpha", 2: "beta"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,8}\.[A-Za-z0-9_-]{20,}")  # itsdangerous: data.time.signature
PRINCIPALS = ("anon", "A", "B", "C", "fac1", "fac2", "admin")

# What each principal may read. Anything else planted in the world must never reach them.
MAY_SEE = {
    "anon": set(),
    "A": {"A", "T1"},
    "B": {"B", "T1"},
    "C": {"C", "T2"},
    "fac1": {"A", "B", "E", "T1", "N1", "F1"},
    "fac2": {"C", "D", "P", "Q", "R", "T2", "N2", "F2"},
    "admin": {"A", "B", "C", "D", "E", "P", "Q", "R", "T1", "T2", "N1", "N2", "F1", "F2"},
}
OWNERS = MAY_SEE["admin"]

ACTOR_FIELDS = ("name", "email", "siret", "phone", "contact", "commune", "postcode", "size", "ref", "activity",
                "offer", "need", "problems", "strengths", "head", "unknown", "qtytext", "when", "availability",
                "condition")
FIELDS = {
    **{owner: ACTOR_FIELDS for owner in ("A", "B", "C", "D", "E", "P", "Q", "R")},
    "T1": ("territory",), "T2": ("territory",),
    "N1": ("comment", "note"), "N2": ("comment", "note"),
    "F1": ("email",), "F2": ("email",),
}
# Exact figures and coordinates: the vault keeps them; the public partition only bands and 0.01°.
QUANTITY = {"A": 4817.93, "B": 2693.41, "C": 3571.29, "D": 5149.67, "E": 6283.17, "P": 1413.79,
            "Q": 1578.36, "R": 1682.94}
PLACE = {"A": (46.987314, 3.154279), "B": (47.021836, 3.183642), "C": (45.713952, 4.826417),
         "D": (45.741269, 4.862735), "E": (47.123958, 3.271563), "P": (45.764381, 4.835927),
         "Q": (45.781694, 4.871358), "R": (45.752817, 4.898461)}


def canary(owner: str, field: str) -> str:
    return f"CANARY-{owner}-{field.upper()}-7f3a"


def number_forms(value: float) -> list[str]:
    """A figure as a page or an email could print it (English, French, grouped, rounded)."""
    assert value >= 1000, "a smaller figure is too short a canary: it would be found in unrelated ids"
    whole, decimals = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return [f"{value:.2f}", f"{value:.1f}", f"{whole},{decimals}", f"{grouped},{decimals}",
            grouped.replace(" ", "\u202f"), grouped.replace(" ", "\xa0")]


def exact_numbers(owner: str) -> list[str]:
    """The owner's exact quantity and exact coordinates (to 4 decimals, about 10 m) as text."""
    out = number_forms(QUANTITY[owner]) if owner in QUANTITY else []
    if owner in PLACE:
        for value in PLACE[owner]:
            out += [f"{value:.4f}", f"{value:.4f}".replace(".", ",")]
    return out


def secrets_of(owner: str, fields: tuple[str, ...] | None = None) -> list[str]:
    """Every canary planted for `owner` (or only `fields` of it; "exact" names the figures)."""
    wanted = FIELDS.get(owner, ()) if fields is None else fields
    out = [canary(owner, f) for f in wanted if f != "exact"]
    return out + (exact_numbers(owner) if fields is None or "exact" in fields else [])


def found(text: str, secrets: list[str]) -> list[str]:
    folded = text.casefold()
    return [s for s in secrets if s.casefold() in folded]


def leaks(text: str, principal: str) -> list[str]:
    """Canaries in `text` that `principal` may not see."""
    return found(text, [s for owner in sorted(OWNERS - MAY_SEE[principal]) for s in secrets_of(owner)])


def foreign_links(app, text: str, own_actor_id: str | None) -> list[str]:
    """Signed actor links in `text` that still work and belong to someone else than `own_actor_id`:
    holding one is being that actor (personal link), answering for them (introduction) or
    unsubscribing them."""
    own = {own_actor_id, f"actor:{own_actor_id}"} if own_actor_id else set()
    out = []
    with app.test_request_context():
        for token in set(TOKEN_RE.findall(text)):
            for purpose in PURPOSES:
                try:
                    holder = read_token(token, purpose)["a"]
                except LinkError:
                    continue
                if holder not in own:
                    out.append(f"{purpose} link of {holder}")
    return out


def response_text(response, app=None) -> str:
    """What the client receives: headers, body and, with `app`, the session cookie decoded (Flask's
    session is signed, not encrypted: whoever holds the cookie can read it)."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    text = headers + "\n\n" + response.get_data(as_text=True)
    if app is not None:
        serializer = app.session_interface.get_signing_serializer(app)
        for cookie in response.headers.getlist("Set-Cookie"):
            name, _sep, value = cookie.split(";")[0].partition("=")
            if name == app.config["SESSION_COOKIE_NAME"] and value:
                text += "\n\nsession: " + repr(serializer.loads(value))
    return text


# ------------------------------------------------------------------------ building the world

def add_actor(store, slug: str, owner: str, naf: str, topic: str, node: str, direction: str, word: str, *,
              sharing: str = "anonymous", lang: str = "fr"):
    """One actor with a canary in every identity field, each answer, head, detail and exact figure;
    `sharing` is who may hear of their resource (named, anonymous, facilitator)."""
    c = lambda field: canary(owner, field)  # noqa: E731
    lat, lon = PLACE[owner]
    identity = Identity(name=c("name"), email=f"{c('email').lower()}@example.org", siret=c("siret"),
                        phone=c("phone"), contact=c("contact"), naf=naf, commune=c("commune"),
                        postcode=c("postcode"), lat=lat, lon=lon, size=c("size"))
    actor = create_actor(store, slug, c("ref"), identity, lang=lang, status="completed")
    save_answer(store, actor.id, "activity", f"Notre activité {c('activity')}")
    save_answer(store, actor.id, "problems", f"Nos difficultés {c('problems')}")
    save_answer(store, actor.id, "strengths", f"Nos atouts {c('strengths')}")
    figure = QUANTITY[owner]
    answer = save_answer(store, actor.id, topic, f"environ {figure} t/an de {word} {c(topic[:-1])}")
    quantity = Quantity(figure, "t/yr", "mass", text=f"{figure} t {c('qtytext')}", original_unit="t")
    resource = Resource(id="", actor_id="", direction=direction, node_id=node, status="confirmed",
                        head=f"{word} {c('head')}", confidence=0.9)
    [stored] = replace_resources(store, actor.id, answer.id, [(resource, quantity)])
    record_items(store, actor.id, answer.id, [(stored.id, [(node, 0.9)])])
    update_item(store, actor.id, stored.id, node_id=node, status="confirmed", sharing=sharing,
                frequency="per_year", months=(), quantity=quantity, band=quantity_band(figure),
                detail={"quantity_text": "", "when": c("when"), "availability": c("availability"),
                        "condition": c("condition")})
    unknown = save_answer(store, actor.id, "offers", f"du bidulon fermenté {c('unknown')}")
    replace_resources(store, actor.id, unknown.id, [(Resource(
        id="", actor_id="", direction="offer", node_id=None, status="unknown", head=f"bidulon {c('unknown')}",
        confidence=0.1), None)])
    save_progress(store, Progress(actor.id, consent_at="2024-01-01T00:00:00+00:00", default_sharing="anonymous",
                                  steps_done=["consent", "identity", "offers", "needs", "problems", "swot"],
                                  completed_at="2024-01-01T00:00:00+00:00"))
    return actor, answer.id


def proposal_between(store, territory_id: int, supplier: str, receiver: str) -> str:
    row = store.public.execute(
        "SELECT id FROM proposal WHERE territory_id = ? AND supplier_id = ? AND receiver_id = ?",
        [territory_id, supplier, receiver]).fetchone()
    assert row, "the matcher proposed no exchange between the two actors: the world is not what the tests assume"
    return row[0]


def build_world(store, *, accept: bool = True) -> dict:
    """Both territories, their actors, users and proposals (ids by owner and territory number).

    With `accept`, each facilitator accepts their territory's proposal (introductions
    pending) and writes a comment and a synergy note on it."""
    ids: dict = {"territory": {}, "actor": {}, "answer": {}}
    for n, slug in SLUGS.items():
        ids["territory"][n] = create_territory(store, slug, f"Territoire {canary(f'T{n}', 'territory')}")["id"]
    for owner, slug, naf, topic, node, direction, word, lang in (
        ("A", "alpha", "16.10A", "offers", "material.wood.sawdust_untreated", "offer", "sciure", "fr"),
        ("B", "alpha", "01.41Z", "needs", "material.input.animal_bedding", "need", "bedding", "en"),
        ("C", "beta", "01.41Z", "needs", "material.input.animal_bedding", "need", "litière", "fr"),
        ("D", "beta", "16.10A", "offers", "material.wood.sawdust_untreated", "offer", "sciure", "fr"),
    ):
        actor, answer_id = add_actor(store, slug, owner, naf, topic, node, direction, word, lang=lang)
        ids["actor"][owner], ids["answer"][owner] = actor.id, answer_id
    ids["user"] = {
        "fac1": create_user(store, f"{canary('F1', 'email').lower()}@alpha.example", PASSWORD, "facilitator", "alpha"),
        "fac2": create_user(store, f"{canary('F2', 'email').lower()}@beta.example", PASSWORD, "facilitator", "beta"),
        "admin": create_user(store, "admin@symbiose.example", PASSWORD, "admin", None),
    }
    for slug in SLUGS.values():
        refresh(store, slug)
    ids["proposal"] = {
        1: proposal_between(store, ids["territory"][1], ids["actor"]["A"], ids["actor"]["B"]),
        2: proposal_between(store, ids["territory"][2], ids["actor"]["D"], ids["actor"]["C"]),
    }
    ids["unknown"] = {n: store.public.execute(
        "SELECT r.id FROM resource r JOIN actor a ON a.id = r.actor_id WHERE a.territory_id = ? "
        "AND r.status = 'unknown' ORDER BY r.id", [ids["territory"][n]]).fetchone()[0] for n in SLUGS}
    if accept:
        for n in SLUGS:
            accept_and_comment(store, ids, n)
    return ids


def accept_and_comment(store, ids: dict, n: int) -> None:
    """The facilitator of territory n accepts its proposal, then comments on it and on its synergy."""
    user_id, pid, tid = ids["user"][f"fac{n}"]["id"], ids["proposal"][n], ids["territory"][n]
    dec.accept(store, pid, user_id, tid, title="Sciure → litière")
    comment(store, ids, n)


def comment(store, ids: dict, n: int) -> None:
    user_id, pid, tid = ids["user"][f"fac{n}"]["id"], ids["proposal"][n], ids["territory"][n]
    dec.comment(store, pid, user_id, f"Appeler d'abord {canary(f'N{n}', 'comment')}", tid)
    dec.comment(store, pid, user_id, f"Note de synergie {canary(f'N{n}', 'note')}", tid)
    synergy = synergy_for(store, pid)
    if synergy:
        ids.setdefault("synergy", {})[n] = synergy["id"]


def links(app, actor_id: str, proposal_id: str) -> dict[str, str]:
    """The signed links an actor receives: personal link, introduction link, unsubscribe link."""
    with app.test_request_context():
        return {"link": make_token(actor_id, "interview"),
                "intro": make_token(actor_id, "introduction", p=proposal_id),
                "unsub": make_token(f"actor:{actor_id}", "unsubscribe")}


# ------------------------------------------------------------------------ app, mail, principals

class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping every message it receives."""

    def __init__(self):
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages.append({"to": [a.lower() for a in envelope.rcpt_tos],
                                  "raw": envelope.content.decode("utf-8", "replace")})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["to"]]


@contextmanager
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


def make_app(data_dir: Path, smtp_port: int):
    return create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "BASE_URL": BASE_URL,
                       "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_SECURITY": "none",
                       "SMTP_RETRIES": 1, "SMTP_TIMEOUT": 5, "MAIL_FROM": "Symbiose <noreply@symbiose.test>"})


@contextmanager
def opened(app, *, create: bool = False):
    """`with opened(app) as store:` the app's databases, inside its application context."""
    with app.app_context(), open_store(create=create) as store:
        yield store


def copy_app(app, dest: Path, smtp_port: int):
    """An app on a copy of `app`'s data folder (same keys: sessions and links stay valid)."""
    shutil.copytree(app.config["DATA_DIR"], dest)
    return make_app(dest, smtp_port)


def token_in(html: str) -> str | None:
    match = CSRF_RE.search(html)
    return match.group(1) if match else None


class Principal:
    """A signed-in session, cloned into a fresh test client for every request.

    A request can then never change the principal itself (opening another actor's
    link, signing out), and the session's form token stays valid.
    """

    def __init__(self, name: str, cookie: str | None, csrf: str, actor_id: str | None = None):
        self.name, self.cookie, self.csrf, self.actor_id = name, cookie, csrf, actor_id

    def client(self, app):
        client = app.test_client()
        if self.cookie:
            client.set_cookie("session", self.cookie)
        return client

    def get(self, app, url: str):
        return self.client(app).get(url)

    def post(self, app, url: str, data: dict | None = None):
        return self.client(app).post(url, data={**(data or {}), "csrf_token": self.csrf})


def principal(app, name: str, *, actor_id: str | None = None, email: str | None = None) -> Principal:
    """A session as a person opens it: an actor through their personal link, a facilitator or an
    administrator through the login form, or nobody."""
    client = app.test_client()
    if actor_id:
        assert client.get(f"/a/{links(app, actor_id, '')['link']}").status_code == 302
    elif email:
        token = token_in(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, (name, response.status_code)
    token = token_in(client.get("/").get_data(as_text=True))
    assert token, name
    cookie = client.get_cookie("session")
    return Principal(name, cookie.value if cookie else None, token, actor_id)


def principals(app, ids: dict) -> dict[str, Principal]:
    """The seven principals: anonymous, actors A, B, C, the two facilitators and the administrator."""
    return {name: principal(app, name, actor_id=ids["actor"].get(name),
                            email=ids["user"][name]["email"] if name in ids["user"] else None)
            for name in PRINCIPALS}


# ------------------------------------------------------------------------ database state

def _connect(app, name: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(app.config['DATA_DIR']) / name}?mode=ro", uri=True)


def snapshot(app) -> dict:
    """Every row of both databases except the audit log (reads add to it), for before/after comparisons."""
    out = {}
    for name in ("public.db", "vault.db"):
        con = _connect(app, name)
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            for table in tables:
                if table != "audit":
                    out[f"{name}:{table}"] = sorted(map(repr, con.execute(f"SELECT * FROM [{table}]")))
        finally:
            con.close()
    return out


def audit_count(app) -> int:
    con = _connect(app, "vault.db")
    try:
        return con.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        con.close()


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
