"""A gunicorn worker killed in the middle of interviews loses and doubles nothing.

`symbiose serve` (gunicorn, 2 workers) on loopback with real files in a temp data
folder; several threads run interviews at once and post answers; one worker gets
SIGKILL mid-run and gunicorn starts a new one. A client whose request died resends
the same form (same submission id), as a browser would. Afterwards every answer that
got a successful response is in the vault exactly once, with its items read, no
answer is there twice, and the server log shows no "database is locked" and no 500.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from data import Store
from data.actors import create_actor
from data.interviews import list_items
from data.territories import create_territory
from data.types import Identity
from interview_bot import create_app
from interview_bot.auth.tokens import make_token

pytestmark = pytest.mark.slow

ACTORS = 6
ANSWERS_EACH = 6
KILL_AFTER = 12  # successful answers before one worker is killed
ANSWERS = [
    "environ 300 t/an de sciure et des palettes en bois",
    "un chariot élévateur deux jours par mois",
    "de la chaleur fatale à 60 °C en hiver",
    "des cartons propres, 2 t par mois",
    "5 m3 de drêches de brasserie par semaine",
    "un local de stockage de 200 m2 inutilisé",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DIED = (urllib.error.URLError, ConnectionError, TimeoutError, OSError)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer to the POST


class Client:
    """One person's browser: cookies, the form's CSRF token, no redirect following."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)
        self.token = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        payload = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, payload, timeout=60) as response:
                status, location, body = response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as exc:
            status, location, body = exc.code, exc.headers.get("Location", ""), exc.read()
        text = body.decode("utf-8", "replace")
        if found := CSRF.search(text):
            self.token = found.group(1)
        return status, location, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def busy_worker(master: int) -> int:
    """A worker that is running (state R: in the middle of a request, e.g. reading an answer), else any."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for pid in sorted(workers_of(master)):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                return pid
        time.sleep(0.01)
    return sorted(workers_of(master))[0]


@pytest.fixture
def server(tmp_path):
    """`symbiose serve --workers 2` on a free loopback port; yields (base url, master pid, log path, app)."""
    data_dir = tmp_path / "instance"
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development"})  # writes the dev keys the server reads
    with Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        create_territory(store, "kill", "Kill test")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_BASE_URL=f"http://127.0.0.1:{port}",
               GUNICORN_CMD_ARGS="--access-logformat 'pid=%(p)s %(m)s %(U)s %(s)s'")
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "interview_bot.cli", "serve", "--port", str(port),
                                 "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield base, proc.pid, log_path, app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_killed_worker_loses_and_doubles_no_answer(server):
    base, master, log_path, app = server
    links = []
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"]) as store, app.test_request_context():
        for i in range(ACTORS):
            actor = create_actor(store, "kill", None, Identity(name=f"Actor {i}", email=f"k{i}@example.org"))
            links.append((actor.id, f"/a/{make_token(actor.id, 'interview')}"))
    first_workers = workers_of(master)
    assert len(first_workers) == 2

    lock = threading.Lock()
    succeeded: dict[str, tuple[str, str, str]] = {}  # submission id → (actor id, text, answer id)
    died: list[str] = []
    killed: list[int] = []

    def maybe_kill() -> None:
        with lock:
            if killed or len(succeeded) < KILL_AFTER:
                return
            victim = busy_worker(master)
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    def interview(i: int) -> None:
        actor_id, link = links[i]
        client = Client(base)
        client.request(link)
        client.request("/me/interview/consent")
        status, _loc, _ = client.request("/me/interview/consent", {"sharing": "anonymous", "agree": "1"})
        assert status == 302
        for j in range(ANSWERS_EACH):
            sid, text = f"kill-{i}-{j}", ANSWERS[(i + j) % len(ANSWERS)]
            for _attempt in range(20):  # a browser whose request died sends the same form again
                try:
                    status, location, _ = client.request("/me/interview/offers", {"text": text, "submission_id": sid})
                except DIED:
                    with lock:
                        died.append(sid)
                    time.sleep(0.3)
                    continue
                assert status == 302, (status, location)
                with lock:
                    succeeded[sid] = (actor_id, text, location.rsplit("/", 1)[1])
                break
            else:
                raise AssertionError(f"{sid} never succeeded")
            maybe_kill()

    started = time.monotonic()
    with ThreadPoolExecutor(ACTORS) as pool:
        for future in [pool.submit(interview, i) for i in range(ACTORS)]:
            future.result()
    elapsed = time.monotonic() - started

    assert killed, "no worker was killed"
    later_workers = workers_of(master)
    assert len(later_workers) == 2 and killed[0] not in later_workers  # gunicorn replaced the killed worker
    assert len(succeeded) == ACTORS * ANSWERS_EACH

    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"]) as store:
        rows = list(store.vault.query("SELECT id, actor_id, submission_id, text_enc FROM answer WHERE topic = 'offers'"))
        per_sid = Counter(r["submission_id"] for r in rows)
        assert not [sid for sid, n in per_sid.items() if n > 1], "an answer was stored twice"
        assert len(rows) == len(succeeded)  # nothing stored that nobody asked for, nothing missing
        by_sid = {r["submission_id"]: r for r in rows}
        for sid, (actor_id, text, answer_id) in succeeded.items():
            row = by_sid[sid]
            assert (row["id"], row["actor_id"]) == (answer_id, actor_id)
            assert store.unseal(row["text_enc"], f"answer:{row['id']}") == text
            assert list_items(store, row["id"]), f"{sid}: stored but never read"  # a resent form finishes the work

    log = log_path.read_text()
    assert "database is locked" not in log
    statuses = re.findall(r"pid=<?(\d+)>? (\w+) (\S+) (\d{3})", log)
    assert not [s for s in statuses if s[3].startswith("5")], "a request failed with a server error"
    replacement = later_workers - first_workers
    assert any(int(pid) in replacement and path == "/me/interview/offers" for pid, _m, path, _s in statuses), (
        "the new worker served no answer")
    # About 20 s of load on an idle 2-CPU machine (three model loads: two workers and the replacement).
    print(f"kill test: {len(succeeded)} answers, {len(died)} requests died with the worker, {elapsed:.1f} s")
