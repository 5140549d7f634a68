"""Tune the normaliser's weights on our own development set (never the held-out phrases).

    python benchmarks/tune_normaliser.py [--rounds 3]

Evidence arrays are computed once per phrase; a coordinate search then tries each
weight over a small grid and keeps what raises top-1 accuracy (node level plus
List-of-Waste code level). Two-fold cross-validation is reported so that a gain
that does not generalise shows up. Paste the result into NormaliserSettings.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.extract import extract_many  # noqa: E402
from nlp.normalise import NormaliserSettings, get_normaliser  # noqa: E402

DEV = ROOT / "tests" / "data" / "normalise_dev.jsonl"
GRID = {
    "head_weight": [0.2, 0.4, 0.6, 0.8, 1.0],
    "text_weight": [0.0, 0.2, 0.4, 0.6, 0.8],
    "passage_weight": [0.0, 0.15, 0.3, 0.45, 0.6],
    "term_weight": [0.0, 0.2, 0.4, 0.6, 0.8],
    "semantic_spread": [0.03, 0.045, 0.06, 0.08, 0.1],
    "dimension_weight": [0.0, 0.05, 0.1, 0.2, 0.3],
    "flow_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "hazard_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "leaf_bonus": [0.0, 0.03, 0.06, 0.1],
}


def prepare():
    normaliser = get_normaliser()
    lines = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x.strip()]
    prepared = []
    for lang in ("fr", "en"):
        group = [line for line in lines if line.get("lang", "fr") == lang]
        for line, mentions in zip(group, extract_many([g["text"] for g in group], lang=lang)):
            feats = normaliser.features(mentions, lang)[0] if mentions else None
            accepted = {line["node"], *line.get("also", [])}
            codes = set(line.get("low_codes") or [])
            prepared.append((feats, accepted, codes))
    return normaliser, prepared


def accuracy(normaliser, prepared, settings, subset=None) -> float:
    hits = total = 0
    ids = normaliser.ids
    for k, (feats, accepted, codes) in enumerate(prepared):
        if subset is not None and k % 2 != subset:
            continue
        total += 1 + bool(codes)
        if feats is None:
            continue
        scores = normaliser.combine(feats, settings).max(axis=0)
        best = ids[int(np.argmax(scores))]
        hits += best in accepted
        if codes:
            hits += bool(codes & set(normaliser.taxonomy[best].low))
    return hits / max(total, 1)


def search(normaliser, prepared, start, rounds, subset=None):
    settings = start
    best = accuracy(normaliser, prepared, settings, subset)
    for _ in range(rounds):
        for name, values in GRID.items():
            for value in values:
                trial = dataclasses.replace(settings, **{name: value})
                score = accuracy(normaliser, prepared, trial, subset)
                if score > best + 1e-9:
                    best, settings = score, trial
    return settings, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    normaliser, prepared = prepare()
    start = NormaliserSettings()
    print(f"current settings: {accuracy(normaliser, prepared, start):.3f}")
    for fold in (0, 1):
        tuned, score = search(normaliser, prepared, start, args.rounds, subset=fold)
        other = accuracy(normaliser, prepared, tuned, subset=1 - fold)
        print(f"fold {fold}: tuned {score:.3f}, on the other half {other:.3f} (untuned {accuracy(normaliser, prepared, start, 1 - fold):.3f})")
    tuned, score = search(normaliser, prepared, start, args.rounds)
    print(f"all: {score:.3f}")
    for name in GRID:
        print(f"  {name} = {getattr(tuned, name)}")


if __name__ == "__main__":
    main()
