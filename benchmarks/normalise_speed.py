"""Normalisation speed and memory: model loading, one answer at a time, and batches.

    python benchmarks/normalise_speed.py [--answers N]

Measured in a fresh process so loading is counted from zero:
- load: importing the pipeline, loading spaCy and the embedding model, building
  the lexical indexes and the node matrices (from the on-disk cache when present;
  the first run on a machine builds it, which the `cold cache` line reports);
- single: p50 / p95 / max latency of `normalise(text)` for interview-like answers,
  after warm-up, one call per answer (the interview's path);
- batch: answers per second through `normalise_many` in batches of 64 (the
  import's path);
- again: p50 of an answer normalised a second time (the actor corrects or
  confirms it), which the normaliser's caches serve.

Every answer is distinct, and the normaliser's caches (embeddings of recent
mention texts, fuzzy matches of words) are emptied before the single and the
batch runs, so those two figures are for text the process has never seen.
- peak resident memory of the process.

Targets (issue 3, 2-core machine): ≤ 30 ms p95 per answer, ≥ 200 answers/s in
batch, models loaded in ≤ 10 s, ≤ 1.2 GB resident.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = [ROOT / "tests" / "data" / "normalise_dev.jsonl"] + sorted((ROOT / "tests" / "data" / "territories").glob("*[!d].jsonl"))


def answers(limit: int | None = None) -> list[tuple[str, str]]:
    """Distinct interview-like texts: our dev phrases and the offers and needs of our own territories."""
    texts: list[tuple[str, str]] = []
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            lang = record.get("lang", "fr")
            if "text" in record:
                texts.append((record["text"], lang))
            texts += [(t, lang) for t in record.get("offers", []) + record.get("needs", [])]
    texts = list(dict.fromkeys(texts))
    random.Random(7).shuffle(texts)
    return texts[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, help="answers timed (default: every distinct one we have)")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    started = time.perf_counter()
    from nlp.normalise import get_normaliser  # noqa: PLC0415 - loading is what we time

    normaliser = get_normaliser()
    normaliser.warm_up()
    load = time.perf_counter() - started

    texts = answers(args.answers)
    for text, lang in texts[:20]:
        normaliser.normalise(text, lang=lang)
    normaliser.clear_caches()
    latencies = []
    for text, lang in texts:
        t0 = time.perf_counter()
        normaliser.normalise(text, lang=lang)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]

    by_lang: dict[str, list[str]] = {}
    for text, lang in texts:
        by_lang.setdefault(lang, []).append(text)
    again = []
    for text, lang in texts[:100]:
        t0 = time.perf_counter()
        normaliser.normalise(text, lang=lang)
        again.append((time.perf_counter() - t0) * 1000)

    normaliser.clear_caches()
    t0 = time.perf_counter()
    for lang, group in by_lang.items():
        for start in range(0, len(group), 64):
            normaliser.normalise_many(group[start:start + 64], lang=lang)
    batch_rate = len(texts) / (time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    chars = statistics.mean(len(t) for t, _ in texts)
    print(f"answers: {len(texts)} (mean {chars:.0f} characters; {', '.join(f'{k} {len(v)}' for k, v in by_lang.items())})")
    print(f"load (models, indexes, node matrices): {load:.1f} s   target ≤ 10 s")
    print(f"single answer: p50 {statistics.median(latencies):.1f} ms  p95 {p95:.1f} ms  max {latencies[-1]:.1f} ms"
          "   target p95 ≤ 30 ms")
    print(f"batch of 64: {batch_rate:.0f} answers/s   target ≥ 200/s")
    print(f"the same answer again: p50 {statistics.median(again):.1f} ms")
    print(f"peak resident memory: {peak_mb:.0f} MB   target ≤ 1,229 MB")


if __name__ == "__main__":
    main()
