"""Normalisation quality: top-1 / top-3 accuracy at List-of-Waste code level and at node level.

    python benchmarks/normalise_accuracy.py [FILE.jsonl ...]

Default files: ../shared/dev-data/fr_phrases.jsonl (held out: never used to write
synonyms or tune) and tests/data/normalise_dev.jsonl (our own tuning set).
Scoring follows ../shared/dev-data/README.md: the candidates of all items of a
phrase are pooled and sorted by score; a phrase is right at k when one of the
first k carries an acceptable code (or, for lines labelled with a node, is that
node or one listed in `also`).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.normalise import get_normaliser  # noqa: E402

SHARED = ROOT.parent / "shared"
DEFAULT_FILES = [
    SHARED / "dev-data" / "fr_phrases.jsonl",  # held out (French), never used for synonyms or tuning
    ROOT / "tests" / "data" / "normalise_heldout_en.jsonl",  # held out (English), written after the taxonomy, never tuned on
    ROOT / "tests" / "data" / "normalise_dev.jsonl",  # our tuning set (French and English)
]


def hazardous_codes() -> set[str]:
    path = SHARED / "reference" / "ewc_fr_en_merged.csv"
    with open(path, encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh) if row["hazardous"] == "1"}


def pooled(items) -> list:
    candidates = [c for item in items for c in item.candidates]
    return sorted(candidates, key=lambda c: -c.score)


def evaluate(path: Path, verbose: bool, lang: str | None = None) -> dict:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [line for line in lines if lang is None or line.get("lang", "fr") == lang]
    normaliser = get_normaliser()
    hazardous = hazardous_codes()
    stats = {"n": 0, "code_n": 0, "code_top1": 0, "code_top3": 0, "strict_top1": 0, "haz_n": 0, "haz_top1": 0,
             "node_n": 0, "node_top1": 0, "node_top3": 0, "haz_as_safe": 0}
    by_lang: dict[str, list[dict]] = {}
    for line in lines:
        by_lang.setdefault(line.get("lang", "fr"), []).append(line)
    for lang, group in by_lang.items():
        results = normaliser.normalise_many([g["text"] for g in group], lang=lang, top=3)
        for line, items in zip(group, results):
            stats["n"] += 1
            ranked = pooled(items)
            codes = line.get("low_codes") or []
            if codes:
                stats["code_n"] += 1
                ok1 = bool(ranked) and any(c in codes for c in ranked[0].low_codes)
                ok3 = any(any(c in codes for c in cand.low_codes) for cand in ranked[:3])
                stats["code_top1"] += ok1
                stats["code_top3"] += ok3
                stats["strict_top1"] += bool(ranked) and codes[0] in ranked[0].low_codes
                if codes[0] in hazardous:
                    stats["haz_n"] += 1
                    stats["haz_top1"] += ok1
                    stats["haz_as_safe"] += bool(ranked) and not ranked[0].hazardous
                if verbose and not ok1:
                    got = f"{ranked[0].id} {list(ranked[0].low_codes)}" if ranked else "nothing"
                    print(f"  MISS code  {line['text'][:70]!r} want {codes} got {got}")
            if line.get("node"):
                stats["node_n"] += 1
                accepted = {line["node"], *line.get("also", [])}
                ok1 = bool(ranked) and ranked[0].id in accepted
                stats["node_top1"] += ok1
                stats["node_top3"] += any(c.id in accepted for c in ranked[:3])
                if verbose and not ok1:
                    got = ranked[0].id if ranked else "nothing"
                    print(f"  MISS node  {line['text'][:70]!r} want {line['node']} got {got}")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--lang", choices=["fr", "en"], help="only the lines in this language")
    args = parser.parse_args()
    get_normaliser().warm_up()
    for path in args.files:
        started = time.perf_counter()
        s = evaluate(path, args.verbose, args.lang)
        if not s["n"]:
            continue
        took = time.perf_counter() - started
        print(f"{path.name}{' (' + args.lang + ')' if args.lang else ''}: {s['n']} phrases in {took:.1f} s")
        if s["code_n"]:
            print(f"  LoW code level: top-1 {s['code_top1'] / s['code_n']:.3f}  top-3 {s['code_top3'] / s['code_n']:.3f}"
                  f"  strict top-1 {s['strict_top1'] / s['code_n']:.3f}  (n={s['code_n']})")
        if s["haz_n"]:
            print(f"  hazardous: top-1 {s['haz_top1'] / s['haz_n']:.3f} (n={s['haz_n']}),"
                  f" classified as non-hazardous at top-1: {s['haz_as_safe']}")
        if s["node_n"]:
            print(f"  node level: top-1 {s['node_top1'] / s['node_n']:.3f}  top-3 {s['node_top3'] / s['node_n']:.3f}  (n={s['node_n']})")


if __name__ == "__main__":
    main()
