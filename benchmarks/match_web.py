"""One actor re-matched the way the web service does it, from SQLite, at territory scale.

    python benchmarks/match_web.py [--actors 10000] [--runs 20]

A synthetic territory (`benchmarks/synthetic.py`, fast path, seed 0) is written into
a real store's public tables. Then, as after an interview, for `--runs` random actors:
one of their resources is rewritten (a real UPDATE, which the triggers log in
`match_change`), and `interview_bot.matching.refresh_actor` re-matches them — reading
the change log, re-reading the changed actor, updating the kept index, matching and
saving the proposals. Reported: the first call of the process (it reads the whole
territory and builds the index), then median / p95 of the following calls, and how
many differ from a run from scratch (`matcher.propose(only_actor=…)` over the whole
territory read afresh).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from data import Store  # noqa: E402
from data.crypto import Keyring, generate_key  # noqa: E402
from data.db import transaction  # noqa: E402
from data.taxonomy import load_taxonomy  # noqa: E402
from data.territories import create_territory, get_territory  # noqa: E402
from interview_bot import matching  # noqa: E402
from matcher import propose  # noqa: E402
from synthetic import generate  # noqa: E402
from synthetic_input import fast_resources  # noqa: E402

SLUG = "synthetique"


def fill(store: Store, actors: int, seed: int) -> list[str]:
    """Write the synthetic territory's actors and resources into the public tables; its actor ids."""
    territory = generate(actors, seed)
    resources, facts = fast_resources(territory, seed=seed)
    tid = create_territory(store, SLUG)["id"]
    stamp = "2026-01-01T00:00:00+00:00"
    with transaction(store.public):
        store.public["actor"].insert_all(
            ({"id": a.id, "territory_id": tid, "ref": a.ref, "kind": a.kind, "naf_division": a.naf_division,
              "lat": a.lat, "lon": a.lon, "lang": "fr", "status": "completed", "created_at": stamp,
              "updated_at": stamp} for a in facts), batch_size=2000)
        store.public["resource"].insert_all(
            ({**r.__dict__, "months": json.dumps(list(r.months))} for r in resources), batch_size=2000)
    return [a.id for a in facts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as folder, Store.open(folder, Keyring.from_text(generate_key()),
                                                              create=True) as store:
        started = time.perf_counter()
        ids = fill(store, args.actors, args.seed)
        print(f"{args.actors:,} actors, "
              f"{store.public.execute('SELECT COUNT(*) FROM resource').fetchone()[0]:,} resources written "
              f"in {time.perf_counter() - started:.1f} s")
        chosen = random.Random(args.seed).sample(ids, min(args.runs + 1, len(ids)))
        started = time.perf_counter()
        matching.refresh_actor(store, chosen[0])
        print(f"first call (reads the territory, builds the index): {1000 * (time.perf_counter() - started):,.0f} ms")

        times, mismatches = [], 0
        tid = get_territory(store, SLUG)["id"]
        for actor_id in chosen[1:]:
            with transaction(store.public):
                store.public.execute("UPDATE resource SET confidence = 0.95 WHERE id = "
                                     "(SELECT id FROM resource WHERE actor_id = ? ORDER BY id LIMIT 1)", [actor_id])
            started = time.perf_counter()
            mine, _ = matching.refresh_actor(store, actor_id)
            times.append(1000 * (time.perf_counter() - started))
            reference = propose(matching.matchable_resources(store, territory_id=tid),
                                matching.territory_actors(store, tid), taxonomy,
                                history=matching.territory_history(store, tid), only_actor=actor_id)
            mismatches += mine != reference
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"after an edit, {len(times)} actors: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, "
              f"max {times[-1]:.0f} ms   target ≤ 200 ms at 10,000 actors")
        print(f"different from a run from scratch: {mismatches}")


if __name__ == "__main__":
    main()
