"""Fit the normaliser's confidence (probability that the first candidate is right).

    python benchmarks/calibrate_normaliser.py

Every mention the extractor finds in tests/data/normalise_dev.jsonl (our own
phrases, never the held-out ones) is labelled 1 when its first candidate is the
phrase's node (or one listed in `also`), else 0 — so the stray fragments the
extractor also returns ("l'agrément", "déjà trié à part") teach the model what a
non-resource looks like; so do the mentions found in
tests/data/normalise_nonresources.jsonl (chit-chat, gibberish), all labelled 0. A logistic regression on the evidence features of
`Normaliser.confidence_features` is fitted with 2-fold cross-validation (to
report honest figures: log-loss, expected calibration error, accuracy of the
items kept above the "unknown" threshold), then on all lines; paste the printed
coefficients into `NormaliserSettings.confidence_weights`.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.extract import extract_many  # noqa: E402
from nlp.normalise import CONFIDENCE_FEATURES, get_normaliser  # noqa: E402

DEV = ROOT / "tests" / "data" / "normalise_dev.jsonl"
# Answers that name no resource (chit-chat, gibberish, off-topic): every mention found in them is wrong.
NON_RESOURCES = ROOT / "tests" / "data" / "normalise_nonresources.jsonl"


def dataset():
    normaliser = get_normaliser()
    lines = [json.loads(x) for path in (DEV, NON_RESOURCES)
             for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows, labels, groups = [], [], []
    for lang in ("fr", "en"):
        group = [(k, line) for k, line in enumerate(lines) if line.get("lang", "fr") == lang]
        for (k, line), mentions in zip(group, extract_many([g["text"] for _, g in group], lang=lang)):
            if not mentions:
                continue
            feats, _ = normaliser.features(mentions, lang)
            scores = normaliser.combine(feats)
            accepted = {line["node"], *line.get("also", [])} if line.get("node") else set()
            for row in range(len(mentions)):
                order = np.argsort(-scores[row], kind="stable")
                top = int(order[0])
                rows.append(normaliser.confidence_features(feats, scores, mentions, row, top, int(order[1])))
                labels.append(int(normaliser.ids[top] in accepted))
                groups.append(k)
    return normaliser, np.array(rows), np.array(labels), np.array(groups)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Logistic regression on standardised features, returned as raw-feature weights (intercept first)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / std, y)
    coef = model.coef_[0] / std
    intercept = float(model.intercept_[0] - np.dot(coef, mean))
    return (round(intercept, 3), *(round(float(w), 3) for w in coef))


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if mask.any():
            total += mask.sum() / len(p) * abs(p[mask].mean() - y[mask].mean())
    return total


def report(name: str, p: np.ndarray, y: np.ndarray, threshold: float) -> None:
    eps = 1e-6
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    kept = p >= threshold
    print(f"{name}: n={len(y)} right={y.mean():.3f} log-loss={loss:.3f} ECE={ece(p, y):.3f} "
          f"kept≥{threshold}: {kept.mean():.2f} of items, {y[kept].mean() if kept.any() else 0:.3f} right; "
          f"flagged: {(~kept).sum()} items, {y[~kept].mean() if (~kept).any() else 0:.3f} right")


def main() -> None:
    normaliser, x, y, groups = dataset()
    threshold = normaliser.settings.unknown_below
    current = np.array([normaliser.probability(row) for row in x])
    report("current settings", current, y, threshold)
    folds = groups % 2
    cv = np.zeros(len(y))
    for fold in (0, 1):
        trained = dataclasses.replace(normaliser.settings, confidence_weights=fit(x[folds != fold], y[folds != fold]))
        cv[folds == fold] = [normaliser.probability(row, trained) for row in x[folds == fold]]
    report("2-fold CV", cv, y, threshold)
    weights = fit(x, y)
    print("features:", ("intercept", *CONFIDENCE_FEATURES))
    print(f"confidence_weights = {weights}")
    fitted = dataclasses.replace(normaliser.settings, confidence_weights=weights)
    refit = np.array([normaliser.probability(row, fitted) for row in x])
    report("fitted on all (optimistic)", refit, y, threshold)


if __name__ == "__main__":
    main()
