"""Digest throughput: digests for N actors composed, recorded and delivered to a local SMTP server.

    python benchmarks/digest_throughput.py [--actors 10000] [--budget 60]

Builds a territory of N actors (half offer bark, half need it: one new exchange
proposal per pair, so every actor has a digest due), in temporary databases,
starts aiosmtpd in its own process on loopback, then times one `send_digests`
run: reading both partitions, composing each digest (French and English,
anonymous explanations, text + HTML), recording it in the sealed outbox, and
handing it to the server. The target (issue 7) is 10,000 actors in ≤ 60 s.
Exits 1 when the budget is exceeded or a digest is missing or duplicated.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import Store  # noqa: E402
from data.actors import _identity_row  # noqa: E402
from data.db import transaction  # noqa: E402
from data.proposals import save_proposals  # noqa: E402
from data.store import now  # noqa: E402
from data.territories import create_territory  # noqa: E402
from data.types import Identity, Proposal, ScorePart  # noqa: E402
from interview_bot import create_app  # noqa: E402
from interview_bot.digest import send_digests  # noqa: E402

SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller

class Count:
    def __init__(self):
        self.n = 0
        self.seen = set()
        self.duplicates = 0
    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\\r\\n"):
            if line.lower().startswith(b"message-id:"):
                if line in self.seen:
                    self.duplicates += 1
                self.seen.add(line)
                break
        self.n += 1
        return "250 OK"

handler = Count()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
controller.stop()
print(handler.n, handler.duplicates, flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(store: Store, actors: int) -> None:
    """N actors and N/2 proposals, written in bulk through the data layer's sealing."""
    territory = create_territory(store, "bench", "Banc d'essai")
    stamp = "2020-01-01T00:00:00+00:00"
    rows, identities = [], []
    for n in range(actors):
        actor_id = f"a_{n:08x}"
        lang = "fr" if n % 3 else "en"
        naf = "16.10A" if n % 2 == 0 else "01.11Z"
        rows.append({"id": actor_id, "territory_id": territory["id"], "ref": f"r{n}", "kind": "company",
                     "naf_division": naf[:2], "lat": 47.0 + (n % 50) / 100, "lon": 3.3, "lang": lang,
                     "status": "completed", "created_at": stamp, "updated_at": stamp})
        identities.append(_identity_row(store, actor_id, Identity(name=f"Actor {n}", email=f"actor{n}@bench.example",
                                                                  naf=naf)))
    with transaction(store.vault):
        store.vault["identity"].insert_all(identities, batch_size=1000)
    with transaction(store.public):
        store.public["actor"].insert_all(rows, batch_size=1000)
    proposals = []
    for n in range(0, actors - 1, 2):
        pid = "p_" + hashlib.sha256(str(n).encode()).hexdigest()[:12]
        proposals.append(Proposal(
            id=pid, kind="exchange", node_id="material.wood.bark", score=0.8, supplier=f"a_{n:08x}",
            receiver=f"a_{n + 1:08x}", fingerprint=pid,
            parts=[ScorePart("taxonomy", 1.0, 0.4, {"offer_node": "material.wood.bark",
                                                    "need_node": "material.wood.bark", "relation": "same"}),
                   ScorePart("distance", 0.8, 0.2, {"known": True, "km": 8.0 + n % 20})]))
    save_proposals(store, territory["id"], proposals)
    with transaction(store.public):  # proposed before tonight's run
        store.public.execute("UPDATE proposal SET created_at = '2020-06-01T00:00:00+00:00'")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed for the run")
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "ENV": "development", "BASE_URL": "https://symbiose.example",
                          "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                          "MAIL_FROM": "Symbiose <noreply@symbiose.example>"})
        with app.app_context(), Store.open(tmp, app.config["KEYRING"], create=True) as store:
            started = time.perf_counter()
            build(store, args.actors)
            print(f"built {args.actors} actors in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            started = time.perf_counter()
            report = send_digests(store, until=now())
            elapsed = time.perf_counter() - started
    server.stdin.write("stop\n")
    server.stdin.flush()
    received, duplicates = (int(x) for x in server.stdout.readline().split())
    server.wait(10)
    result = {"actors": args.actors, "seconds": round(elapsed, 1), "per_second": round(args.actors / elapsed),
              "recorded": report.recorded, "sent": report.delivery.sent if report.delivery else 0,
              "received": received, "duplicates": duplicates, "budget": args.budget}
    print(json.dumps(result))
    ok = received == args.actors and duplicates == 0 and elapsed <= args.budget
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
