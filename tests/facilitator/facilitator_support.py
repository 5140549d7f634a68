"""A small real territory for the facilitator tests: actors, answers, resources, proposals."""
from __future__ import annotations

import email
import re
import socket
from email import policy

from data.actors import create_actor
from data.answers import replace_resources, save_answer
from data.territories import create_territory, create_user
from data.types import Identity, Quantity, Resource
from interview_bot.matching import refresh

CANARY = "Zq7canary"  # planted in every name and answer: tests check where it may and may not appear
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def resource(direction: str, node_id: str | None, head: str, *, status: str = "confirmed") -> Resource:
    return Resource(id="", actor_id="", direction=direction, node_id=node_id, status=status, head=head,
                    confidence=0.9 if node_id else 0.1)


def add_actor(store, slug: str, ref: str, name: str, naf: str, lat: float, lon: float, answers: list, *,
              email: str | None = None, lang: str = "fr", status: str = "completed"):
    actor = create_actor(store, slug, ref, Identity(name=name, email=email or f"{ref}@example.org", naf=naf,
                                                    lat=lat, lon=lon, contact=f"Contact {name}", phone="0102030405"),
                         lang=lang, status=status)
    for topic, text, items in answers:
        answer = save_answer(store, actor.id, topic, text, lang=lang)
        replace_resources(store, actor.id, answer.id, items)
    return actor


def build(store, slug: str, canary: str = "") -> dict:
    """Territory `slug`: a sawmill offering sawdust, a farm needing bedding, an unrecognised phrase.

    `canary` is planted in every name and answer so tests can check nothing leaks.
    """
    create_territory(store, slug, f"Territoire {slug}")
    mill = add_actor(store, slug, f"{slug}-mill", f"Scierie {canary}", "16.10A", 47.00, 3.00, [
        ("offers", f"environ 200 t/an de sciure {canary}",
         [(resource("offer", "material.wood.sawdust_untreated", "sciure"), Quantity(200.0, "t/yr", "mass"))]),
    ])
    farm = add_actor(store, slug, f"{slug}-farm", f"Ferme {canary}", "01.41Z", 47.05, 3.02, [
        ("needs", f"de la litière pour les veaux {canary}",
         [(resource("need", "material.input.animal_bedding", "litiere veau"), Quantity(150.0, "t/yr", "mass"))]),
        ("offers", f"du bidulon fermenté {canary}", [(resource("offer", None, "bidulon fermente", status="unknown"), None)]),
    ])
    refresh(store, slug)
    return {"slug": slug, "mill": mill, "farm": farm}


def users(store, slugs: list[str]) -> dict:
    out = {}
    for slug in slugs:
        out[slug] = create_user(store, f"anim@{slug}.example", PASSWORD, "facilitator", slug)
    out["admin"] = create_user(store, "admin@symbiose.example", PASSWORD, "admin", None)
    return out


def csrf(client, url: str) -> str:
    page = client.get(url, follow_redirects=True)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    token = csrf(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST with the CSRF token read from `page` (default: the facilitator home)."""
    token = csrf(client, page or "/facilitator")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decoded(raw: str) -> str:
    """The text of an email as a person reads it (bodies are often quoted-printable or base64)."""
    message = email.message_from_string(raw, policy=policy.default)
    body = message.get_body(("plain",))
    return f"Subject: {message['Subject']}\n\n" + (body.get_content() if body else "")
