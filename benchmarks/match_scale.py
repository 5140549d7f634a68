"""Scale benchmark of the matcher on synthetic territories, beside a naive baseline.

For each size, in a fresh subprocess: generate a seeded synthetic territory
(`benchmarks/synthetic.py`, about 10 resources per actor, fast path: nodes known,
embeddings from the real term vectors plus noise), then time one full
`matcher.propose` and read the peak resident memory during it (the kernel's
high-water mark, reset just before the run: it includes the input resources),
then re-match ~20 actors one at a time (`only_actor`; median and p95, each
checked against the full run), then the same actors again against an index
prepared once and kept (`matcher.prepare` / `propose_for`, as a long-running
service would): first with no offer ranking kept yet (`matcher.kept`), then again
after 300 other actors were matched, as after a while in service. The naive baseline (`naive_baseline.py`: every
offer text against every need text) runs in its own subprocess on the same
territory. Recall@10 of both is measured against the planted gold exchanges
(`matcher.evaluation`, per supplier, pooled).

    python benchmarks/match_scale.py                       # 100, 1,000, 10,000, 100,000 actors; baseline at 1,000 and 5,000
    python benchmarks/match_scale.py --sizes 100 1000 --baseline 1000
"""
from __future__ import annotations

import argparse
import gc
import os
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from data.taxonomy import load_taxonomy  # noqa: E402
from data.types import Proposal  # noqa: E402
from matcher import prepare, propose, propose_for  # noqa: E402
from matcher.evaluation import evaluate  # noqa: E402
from matcher.kept import KeptRankings  # noqa: E402
from synthetic import generate  # noqa: E402
from synthetic_input import fast_resources, term_vectors  # noqa: E402

SIZES = (100, 1_000, 10_000, 100_000)
BASELINE_SIZES = (1_000, 5_000)
WARM_ACTORS = 300  # matched before the second pass over a kept index (see `matcher.kept`)


# ---------------------------------------------------------------- memory of this process

def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Reset the kernel's resident high-water mark (VmHWM) to the current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


# ---------------------------------------------------------------- what each subprocess does

def _load_vectors(path: Path) -> tuple[dict, np.ndarray]:
    data = np.load(path, allow_pickle=False)
    keys = zip(data["nodes"].tolist(), data["terms"].tolist())
    return dict(zip(keys, data["rows"].tolist())), data["matrix"]


def _lines(proposals: list[Proposal]) -> list[dict]:
    """The contract fields `matcher.evaluation` reads (actor ids are the refs here)."""
    return [{"id": p.id, "kind": "exchange" if p.kind == "sharing" else p.kind, "supplier": p.supplier,
             "receiver": p.receiver, "members": list(p.members), "score": p.score} for p in proposals]


def proposed_share(lines: list[dict], gold: list[dict]) -> float:
    """Share of the gold exchanges proposed at all (any rank), supplier to receiver."""
    pairs = {(line["supplier"], line["receiver"]) for line in lines if line["kind"] == "exchange"}
    exchanges = [(g["supplier"], g["receiver"]) for g in gold if g["type"] == "exchange"]
    return sum(pair in pairs for pair in exchanges) / len(exchanges) if exchanges else 0.0


def _territory(actors: int, seed: int, vectors: Path):
    territory = generate(actors, seed)
    resources, facts = fast_resources(territory, _load_vectors(vectors), seed=seed)
    return resources, facts, territory.gold, territory


def child_matcher(actors: int, seed: int, vectors: Path, incremental: int) -> dict:
    taxonomy = load_taxonomy()
    resources, facts, gold, territory = _territory(actors, seed, vectors)
    del territory
    gc.collect()
    _reset_peak()
    before = _status_kb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    proposals = propose(resources, facts, taxonomy)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status_kb("VmHWM")
    lines = _lines(proposals)
    report = evaluate(lines, gold)

    rnd = random.Random(seed)
    chosen = rnd.sample([a.id for a in facts], min(incremental, len(facts)))
    by_actor: dict[str, set] = {a: set() for a in chosen}
    for p in proposals:
        for party in {p.supplier, p.receiver, *p.members}:
            if party in by_actor:
                by_actor[party].add((p.id, p.score))
    times, mismatches = [], 0
    for actor in chosen:
        started = time.perf_counter()
        mine = propose(resources, facts, taxonomy, only_actor=actor)
        times.append(time.perf_counter() - started)
        mismatches += {(p.id, p.score) for p in mine} != by_actor[actor]
    times.sort()
    # The same actors against an index kept between calls (what a long-running service keeps).
    started = time.perf_counter()
    index = prepare(resources, facts, taxonomy)
    index.columns()  # what the first `propose_for` would build: counted in the preparation
    prepare_seconds = time.perf_counter() - started

    def timed(actors: list[str]) -> list[float]:
        nonlocal mismatches
        spent = []
        for actor in actors:
            started = time.perf_counter()
            mine = propose_for(index, actor)
            spent.append(time.perf_counter() - started)
            mismatches += {(p.id, p.score) for p in mine} != by_actor[actor]
        return sorted(spent)

    indexed = timed(chosen)  # no ranking kept yet but those of the actors matched before in this loop
    # As after a while in service: the index forgets its kept rankings, other actors are
    # matched (untimed), then the same actors again.
    index.kept = KeptRankings()
    others = [a.id for a in facts if a.id not in set(chosen)]
    for actor in rnd.sample(others, min(WARM_ACTORS, len(others))) if chosen else []:  # --incremental 0: skip
        propose_for(index, actor)
    warm = timed(chosen)
    return {
        "actors": actors, "resources": len(resources), "proposals": len(proposals), "seconds": seconds,
        "cpu_seconds": cpu,
        "load_average": os.getloadavg()[0],
        "peak_mb": peak / 1024, "input_mb": before / 1024,
        "incremental_median_ms": 1000 * statistics.median(times) if times else None,
        "incremental_p95_ms": 1000 * times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else None,
        "incremental_mismatches": mismatches,
        "prepare_ms": 1000 * prepare_seconds,
        "indexed_median_ms": 1000 * statistics.median(indexed) if indexed else None,
        "indexed_p95_ms": 1000 * indexed[min(len(indexed) - 1, round(0.95 * (len(indexed) - 1)))] if indexed else None,
        "warm_median_ms": 1000 * statistics.median(warm) if warm else None,
        "warm_p95_ms": 1000 * warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))] if warm else None,
        "recall_at_10": report.pooled_recall_at_10, "found_at_5": report.found_at_5, "exchanges": report.exchanges,
        "proposed": proposed_share(lines, gold), "poolings_found": report.poolings_found, "poolings": report.poolings,
    }


def child_naive(actors: int, seed: int, vectors: Path) -> dict:
    from naive_baseline import naive_pairs

    resources, _, gold, territory = _territory(actors, seed, vectors)
    texts = [a.text for actor in territory.actors for a in (*actor.offers, *actor.needs)]
    del territory
    usable = [(r, t) for r, t in zip(resources, texts) if r.embedding]
    offers = [(r, t) for r, t in usable if r.direction == "offer"]
    needs = [(r, t) for r, t in usable if r.direction == "need"]
    gc.collect()
    _reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    pairs = naive_pairs([t for _, t in offers], [r.embedding for r, _ in offers], [r.actor_id for r, _ in offers],
                        [t for _, t in needs], [r.embedding for r, _ in needs], [r.actor_id for r, _ in needs])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status_kb("VmHWM")
    lines = [{"id": f"n{o}-{n}", "kind": "exchange", "supplier": offers[o][0].actor_id,
              "receiver": needs[n][0].actor_id, "score": s} for o, n, s in pairs]
    report = evaluate(lines, gold)
    return {"actors": actors, "offers": len(offers), "needs": len(needs), "seconds": seconds, "cpu_seconds": cpu,
            "peak_mb": peak / 1024,
            "recall_at_10": report.pooled_recall_at_10, "found_at_5": report.found_at_5, "exchanges": report.exchanges,
            "proposed": proposed_share(lines, gold)}


# ---------------------------------------------------------------- the parent

def _run(kind: str, actors: int, seed: int, vectors: Path, incremental: int) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--seed", str(seed), "--vectors", str(vectors),
               "--incremental", str(incremental), "--sizes", str(actors)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{kind} run at {actors} actors failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _save_vectors(path: Path) -> None:
    index, matrix = term_vectors()
    keys = sorted(index)
    np.savez(path, nodes=np.array([k[0] for k in keys]), terms=np.array([k[1] for k in keys]),
             rows=np.array([index[k] for k in keys]), matrix=matrix)


def _fmt(value, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def print_table(results: dict[int, dict]) -> None:
    loads = [r["load_average"] for r in results.values() if "load_average" in r]
    if loads:
        print(f"1-minute load average of this {os.cpu_count()}-CPU machine at the start of the runs: "
              f"{min(loads):.1f} to {max(loads):.1f}")
    print(f"{'actors':>7} {'resources':>9} {'props':>7} {'full s':>7} {'cpu s':>6} {'growth':>6} {'peak MB':>7} "
          f"{'incr ms p50/p95':>15} {'R@10':>5} {'found':>5} {'pool':>5} {'naive s':>7} {'naive R@10':>10} "
          f"{'naive found':>11} {'speed-up':>8}")
    for actors, r in sorted(results.items()):
        tenth = results.get(actors // 10) if actors % 10 == 0 else None
        growth = r["seconds"] / tenth["seconds"] if tenth else None
        naive = r.get("naive")
        print(f"{actors:>7} {r['resources']:>9} {r['proposals']:>7} {r['seconds']:>7.2f} "
              f"{_fmt(r.get('cpu_seconds'), '>6.1f')} {_fmt(growth, '>6.1f')} "
              f"{r['peak_mb']:>7.0f} {_fmt(r['incremental_median_ms'], '>7.0f')}/{_fmt(r['incremental_p95_ms'], '<7.0f')} "
              f"{r['recall_at_10']:>5.2f} {r['proposed']:>5.2f} {r['poolings_found']:>2}/{r['poolings']:<2} "
              f"{_fmt(naive and naive['seconds'], '>7.1f')} {_fmt(naive and naive['recall_at_10'], '>10.2f')} "
              f"{_fmt(naive and naive['proposed'], '>11.2f')} {_fmt(naive and naive['seconds'] / r['seconds'], '>7.0f')}×")
        if r.get("indexed_median_ms") is not None:
            print(f"        kept index (prepared once in {r['prepare_ms']:.0f} ms): incremental p50 "
                  f"{r['indexed_median_ms']:.0f} ms, p95 {r['indexed_p95_ms']:.0f} ms")
        if r.get("warm_median_ms") is not None:
            print(f"        … after {WARM_ACTORS} other actors were matched: p50 "
                  f"{r['warm_median_ms']:.0f} ms, p95 {r['warm_p95_ms']:.0f} ms")
        if r["incremental_mismatches"]:
            print(f"        ! {r['incremental_mismatches']} incremental runs differ from the full run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="Numbers of actors.")
    parser.add_argument("--baseline", type=int, nargs="*", default=list(BASELINE_SIZES),
                        help="Sizes at which the naive baseline also runs (the matcher runs there too).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--incremental", type=int, default=20, help="Actors re-matched one at a time per size.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--table", type=Path, nargs="+", help="Only print the table of results saved with --json "
                        "(several files are merged, later ones winning).")
    parser.add_argument("--child", choices=("matcher", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run = (child_matcher(args.sizes[0], args.seed, args.vectors, args.incremental) if args.child == "matcher"
               else child_naive(args.sizes[0], args.seed, args.vectors))
        print(json.dumps(run))
        return 0

    results: dict[int, dict] = {}
    if args.table:
        for path in args.table:
            results.update({int(k): v for k, v in json.loads(path.read_text()).items()})
        print_table(results)
        return 0
    with tempfile.TemporaryDirectory(prefix="symbiose-scale-") as folder:
        vectors = Path(folder) / "terms.npz"
        _save_vectors(vectors)
        for actors in sorted(set(args.sizes) | set(args.baseline)):
            results[actors] = _run("matcher", actors, args.seed, vectors, args.incremental)
            if actors in args.baseline:
                results[actors]["naive"] = _run("naive", actors, args.seed, vectors, args.incremental)
            print(f"… {actors} actors: {json.dumps(results[actors])}", file=sys.stderr, flush=True)

    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
