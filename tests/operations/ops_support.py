"""Helpers for the operations tests: apps with chosen vault keys, the real CLI, a small real
territory touching every vault table, snapshots of both databases, and a disk that fills up."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import uuid
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from click.testing import CliRunner
from flask.cli import ScriptInfo

from data import Keyring, Store, generate_key
from data.actors import create_actor, find_by_email, read_identity
from data.answers import list_answers, replace_resources, save_answer
from data.decisions import comment, notes
from data.importer import import_records, parse_lines
from data.interviews import read_details, read_quantities, record_items, update_item
from data.outbox import enqueue
from data.outbox import get as get_message
from data.territories import create_territory
from data.types import Identity, Quantity, Resource
from interview_bot import create_app
from interview_bot.cli import _app_factory, main
from interview_bot.matching import refresh

SLUG = "trust"
IMPORT_FILE = (
    '{"ref": "r1", "name": "Laiterie Quiscale", "email": "quiscale@laiterie.example", "siret": "55203253400646", '
    '"phone": "0386112233", "contact": "Odile Quiscale", "naf": "10.51A", "commune": "Saint-Vérain", '
    '"postcode": "58310", "lat": 47.4817, "lon": 3.0473, "size": "50-249", "activity": "fromagerie au lait cru", '
    '"offers": ["environ 412 t/an de lactosérum"], "needs": ["un groupe froid"]}\n'
    '{"ref": "r2", "name": "Ferme Pélican", "email": "pelican@ferme.example", "naf": "01.41Z", '
    '"lat": 47.5012, "lon": 3.0711, "needs": ["de la litière pour 80 veaux"]}\n'
)


def new_key() -> str:
    return generate_key()


def make_app(data_dir: Path, key: str, old_keys: str = "", **extra):
    """The real app on `data_dir`, sealing with `key` (and reading with `old_keys`)."""
    return create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "VAULT_KEY": key,
                       "VAULT_OLD_KEYS": old_keys, "SMTP_HOST": "", **extra})


def run(app, *args: str):
    """`symbiose ARGS` through click, against `app`."""
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def run_env(env: dict, *args: str):
    """`symbiose ARGS` building the app from the environment, as the installed command does."""
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=_app_factory), env=env)


def assert_clean_failure(result, *phrases: str) -> str:
    """A one-line error message, exit status 1, no traceback; returns the message."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), f"unexpected exception: {result.exception!r}"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    message = lines[-1]
    assert message.startswith("Error: "), result.output
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    return message


def opened(app) -> Store:
    return Store.open(app.config["DATA_DIR"], app.config["KEYRING"])


def populate(app) -> dict:
    """A territory whose data reaches every vault table through the data layer (no language models):
    imported identities and answers, exact quantities, item details, a facilitator note, outbox messages."""
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True) as store:
        create_territory(store, SLUG)
        import_records(store, SLUG, parse_lines(IMPORT_FILE.encode()))
        actors = {ref: store.public.execute("SELECT id FROM actor WHERE ref = ?", [ref]).fetchone()[0]
                  for ref in ("r1", "r2")}
        offer = next(a for a in list_answers(store, actors["r1"], who="test") if a.topic == "offers")
        need = next(a for a in list_answers(store, actors["r2"], who="test") if a.topic == "needs")
        whey = Resource(id="", actor_id="", direction="offer", node_id="material.wood.sawdust_untreated",
                        status="confirmed", head="sciure", confidence=0.9)
        bedding = Resource(id="", actor_id="", direction="need", node_id="material.input.animal_bedding",
                           status="confirmed", head="litiere", confidence=0.9)
        [stored] = replace_resources(store, actors["r1"], offer.id, [(whey, Quantity(412.0, "t/yr", "mass"))])
        replace_resources(store, actors["r2"], need.id, [(bedding, Quantity(40.0, "t/yr", "mass"))])
        record_items(store, actors["r1"], offer.id, [(stored.id, [("material.wood.sawdust_untreated", 0.9)])])
        update_item(store, actors["r1"], stored.id, node_id="material.wood.sawdust_untreated", status="confirmed",
                    sharing="anonymous", frequency="per_year", months=(), quantity=Quantity(412.0, "t/yr", "mass"),
                    band=None, detail={"condition": "sèche, en big-bags", "availability": "dès mars"})
        invited = create_actor(store, SLUG, None, Identity(name="Brasserie Ortolan", email="ortolan@brasserie.example"))
        save_answer(store, invited.id, "problems", "le coût de la vapeur")
        refresh(store, SLUG)
        proposal = store.public.execute("SELECT id FROM proposal ORDER BY id").fetchone()[0]
        comment(store, proposal, None, "appeler Odile avant jeudi")
        enqueue(store, key="test:invitation", kind="invitation", subject="Invitation", text="Votre lien : …",
                actor_id=invited.id, message_id="<test-invitation@symbiose.test>")
        enqueue(store, key="test:link", kind="link", subject="Lien", text="Votre lien : …",
                to_address="inconnu@example.org", message_id="<test-link@symbiose.test>")
    return {"actors": {**actors, "invited": invited.id}, "proposal": proposal}


def read_all(app, world: dict) -> dict:
    """Everything sealed in the vault, read back through the data layer's own readers."""
    with opened(app) as store:
        out: dict = {}
        for name, actor_id in world["actors"].items():
            out[f"identity:{name}"] = read_identity(store, actor_id, who="test")
            out[f"answers:{name}"] = [(a.topic, a.position, a.text) for a in list_answers(store, actor_id, who="test")]
            out[f"quantities:{name}"] = sorted((q.value, q.unit) for q in read_quantities(store, actor_id).values())
            out[f"details:{name}"] = list(read_details(store, actor_id).values())
        out["notes"] = [n["text"] for n in notes(store, world["proposal"])]
        for key in ("test:invitation", "test:link"):
            message = get_message(store, key)
            out[key] = (message.to, message.subject, message.text)
        out["by_email"] = find_by_email(store, "QUISCALE@laiterie.example")
        return out


def sealed_key_ids(data_dir: Path) -> Counter:
    """Key ids of every sealed value in vault.db, found by scanning every column of every table."""
    found: Counter = Counter()
    conn = sqlite3.connect(str(Path(data_dir) / "vault.db"))
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for column in [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]:
                for (value,) in conn.execute(f"SELECT [{column}] FROM [{table}]"):
                    if isinstance(value, bytes) and value[:2] == b"S1":
                        found[value[2:6]] += 1
    finally:
        conn.close()
    return found


def key_id(key_text: str) -> bytes:
    return Keyring.from_text(key_text).current_id


def db_state(data_dir: Path) -> dict:
    """Every row of both databases (sealed values as bytes), to compare states exactly."""
    state = {}
    for name in ("public.db", "vault.db"):
        path = Path(data_dir) / name
        if not path.exists():
            continue
        conn = sqlite3.connect(str(path))
        try:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                state[f"{name}:{table}"] = sorted(map(repr, conn.execute(f"SELECT * FROM [{table}]").fetchall()))
        finally:
            conn.close()
    return state


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------ a disk that fills up

def can_mount() -> bool:
    """True when this process may mount a tmpfs (root, or CAP_SYS_ADMIN)."""
    probe = Path(f"/tmp/symbiose-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    except OSError:
        return False
    finally:
        probe.rmdir()


@contextlib.contextmanager
def tmpfs(path: Path, size_kb: int):
    """A real filesystem of `size_kb` KB mounted at `path` (needs the privilege `can_mount` checks)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@contextlib.contextmanager
def file_size_limit(limit: int):
    """No file this process writes may grow past `limit` bytes (RLIMIT_FSIZE): writes fail with EFBIG,
    as on a full disk. Needs no privilege."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def fill(path: Path, leave: int = 0) -> None:
    """Fill the filesystem holding `path` until at most `leave` bytes are free."""
    filler = path / "filler"
    with open(filler, "wb") as fh:
        while shutil.disk_usage(path).free > leave:
            try:
                fh.write(b"\0" * min(4096, max(1, shutil.disk_usage(path).free - leave)))
                fh.flush()
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    break
                raise
    os.sync()


# ------------------------------------------------------------------ SMTP on loopback, and a browser-like client

class SilentSMTP:
    """Accepts TCP connections on loopback and never says a word: an SMTP server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def config(self, timeout: float = 1) -> dict:
        # SMTP_RETRIES and SMTP_BACKOFF keep their defaults (4 attempts, 2 s doubling): a hang must not
        # cost four timeouts and the back-off.
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT": timeout,
                "MAIL_FROM": "Symbiose <noreply@symbiose.test>"}

    def close(self) -> None:
        self.sock.close()


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping what it accepts; can refuse some recipients."""

    def __init__(self, refuse: dict[str, str] | None = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse = refuse or {}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def config(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5,
                "SMTP_RETRIES": 1, "MAIL_FROM": "Symbiose <noreply@symbiose.test>"}

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, url: str) -> str:
    page = client.get(url, follow_redirects=True)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({page.status_code})"
    return found.group(1)


def login(client, email: str, password: str):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf(client, "/login")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
