"""Interview speed and load (issue 4).

    python benchmarks/interview_turns.py turns [--n 200]
        Server time per chat turn, in process (Flask test client, real SQLite, real
        language models): posting a free-text answer (saved, read by nlp/, stored),
        showing "I understood…", and confirming it. Target: p95 ≤ 80 ms per turn.

    python benchmarks/interview_turns.py load [--actors 50] [--workers 2]
        50 interviews at once against `symbiose serve` (gunicorn) on loopback: every
        actor posts several answers, some twice (double submit); then every answer is
        counted in the vault. Fails on any HTTP error, lost or duplicated answer.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = [
    "environ 300 t/an de sciure et des palettes en bois",
    "un chariot élévateur deux jours par mois",
    "de la chaleur fatale à 60 °C en hiver",
    "des cartons propres, 2 t par mois",
    "5 m3 de drêches de brasserie par semaine",
    "un local de stockage de 200 m2 inutilisé",
    "des bâches agricoles usagées",
    "compost pour 3 ha de maraîchage",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def turns(n: int) -> int:
    from data import Store
    from data.actors import create_actor
    from data.territories import create_territory
    from data.types import Identity
    from interview_bot import create_app
    from interview_bot.auth.tokens import make_token
    from nlp.normalise import get_normaliser

    data_dir = Path(tempfile.mkdtemp()) / "instance"
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "WTF_CSRF_ENABLED": False})
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True) as store:
        create_territory(store, "bench", "Bench")
        actor = create_actor(store, "bench", None, Identity(name="Bench", email="b@example.org"))
    get_normaliser().warm_up()
    client = app.test_client()
    with app.test_request_context():
        client.get(f"/a/{make_token(actor.id)}")
    client.post("/me/interview/consent", data={"sharing": "anonymous", "agree": "1"})
    post, show, confirm = [], [], []
    for i in range(n + 5):
        text = ANSWERS[i % len(ANSWERS)]
        t0 = time.perf_counter()
        response = client.post("/me/interview/offers", data={"text": text, "submission_id": f"b{i}"})
        t1 = time.perf_counter()
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        t2 = time.perf_counter()
        form = {m.group(1): m.group(2) for m in re.finditer(r'name="(node-r_\w+)" id="[^"]+" value="([^"]+)"', page)}
        client.post(response.headers["Location"], data=form)
        t3 = time.perf_counter()
        if i >= 5:  # the first turns warm caches
            post.append((t1 - t0) * 1000)
            show.append((t2 - t1) * 1000)
            confirm.append((t3 - t2) * 1000)
    for name, values in (("answer (save + nlp)", post), ("I understood… page", show), ("confirmation", confirm)):
        print(f"{name:22s} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, .95):7.1f} ms")
    worst = percentile(post, .95)
    print(f"p95 of the heaviest turn: {worst:.1f} ms (target ≤ 80 ms): {'OK' if worst <= 80 else 'OVER'}")
    return 0 if worst <= 80 else 1


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = ""
        self.timings: list[tuple[str, str, float]] = []

    def get(self, path: str) -> str:
        t0 = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
            body = response.read().decode()
        self.timings.append(("GET", path, time.perf_counter() - t0))
        found = CSRF.search(body)
        self.token = found.group(1) if found else self.token
        return body

    def post(self, path: str, data: dict) -> str:
        payload = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        t0 = time.perf_counter()
        with self.opener.open(self.base + path, payload, timeout=120) as response:
            body = response.read().decode()
        self.timings.append(("POST", path, time.perf_counter() - t0))
        found = CSRF.search(body)
        self.token = found.group(1) if found else self.token
        return body


def load(actors: int, workers: int) -> int:
    import socket

    data_dir = Path(tempfile.mkdtemp()) / "instance"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_BASE_URL=f"http://127.0.0.1:{port}")
    cli = [sys.executable, "-m", "interview_bot.cli"]
    subprocess.run([*cli, "territory", "create", "load"], env=env, check=True, capture_output=True)
    links = []
    for i in range(actors + workers * 2):
        out = subprocess.run([*cli, "invite", "--territory", "load", "--email", f"a{i}@example.org", "--no-email"],
                             env=env, check=True, capture_output=True, text=True).stdout
        links.append(re.search(r"http://\S+/a/\S+", out).group(0))
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)

        def consented(i: int) -> Browser:
            """Actor i signed in through their link, consent given; timings start after."""
            b = Browser(base)
            b.get(links[i].replace(base, ""))
            b.get("/me/interview/consent")
            b.post("/me/interview/consent", {"sharing": "anonymous", "agree": "1"})
            b.timings.clear()
            return b

        def warm(i: int) -> None:  # each worker loads its language models on its first answer
            b = consented(i)
            b.get("/me/interview/offers")
            b.post("/me/interview/offers", {"text": ANSWERS[0], "submission_id": f"warm-{i}"})

        with ThreadPoolExecutor(workers * 2) as pool:
            list(pool.map(warm, range(actors, actors + workers * 2)))

        def interview(i: int) -> tuple[int, list]:
            b = consented(i)
            for j in range(4):
                b.get("/me/interview/offers")
                data = {"text": ANSWERS[(i + j) % len(ANSWERS)], "submission_id": f"load-{i}-{j}"}
                b.post("/me/interview/offers", data)
                if j % 2 == 0:
                    b.post("/me/interview/offers", data)  # a double submit
            b.post("/me/interview/finish", {})
            return 4, b.timings

        t0 = time.perf_counter()
        with ThreadPoolExecutor(actors) as pool:
            results = list(pool.map(interview, range(actors)))
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(30)
    from data import Keyring, Store

    keyring = Keyring.from_text((data_dir / "vault.key").read_text().strip())
    with Store.open(data_dir, keyring) as store:
        stored = store.vault.execute("SELECT COUNT(*) FROM answer WHERE topic = 'offers'").fetchone()[0]
        completed = store.public.execute("SELECT COUNT(*) FROM actor WHERE status = 'completed'").fetchone()[0]
    expected = sum(n for n, _ in results) + workers * 2
    print(f"{actors} concurrent interviews, {workers} workers: {elapsed:.1f} s; answers stored {stored}/{expected}; "
          f"completed {completed}/{actors}")
    kinds: dict[str, list[float]] = {}
    for _, timings in results:
        for method, path, seconds in timings:
            kind = {"POST /offers": "answer (POST offers)", "POST /finish": "finish (re-match)"}.get(
                f"{method} /{path.rsplit('/', 1)[-1]}", "page (GET)")
            kinds.setdefault(kind, []).append(seconds * 1000)
    for kind, values in kinds.items():
        print(f"  {kind:22s} n={len(values):4d}  p50 {statistics.median(values):7.0f} ms  "
              f"p95 {percentile(values, .95):7.0f} ms  (waiting for a free worker included)")
    requests = sum(len(v) for v in kinds.values())
    print(f"  throughput {requests / elapsed:.1f} requests/s")
    return 0 if stored == expected and completed == actors else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("turns")
    t.add_argument("--n", type=int, default=200)
    lo = sub.add_parser("load")
    lo.add_argument("--actors", type=int, default=50)
    lo.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    return turns(args.n) if args.mode == "turns" else load(args.actors, args.workers)


if __name__ == "__main__":
    sys.exit(main())
