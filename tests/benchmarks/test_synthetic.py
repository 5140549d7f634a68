"""The synthetic territory generator behind the scale benchmark: seeded, valid import files, findable gold."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from synthetic import generate  # noqa: E402
from synthetic_input import fast_resources  # noqa: E402

from data.importer import parse_lines  # noqa: E402
from data.taxonomy import load_taxonomy  # noqa: E402
from matcher import propose  # noqa: E402
from matcher.evaluation import evaluate  # noqa: E402


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_same_seed_same_territory(taxonomy) -> None:
    first, again = generate(40, seed=3, taxonomy=taxonomy), generate(40, seed=3, taxonomy=taxonomy)
    assert first.import_lines() == again.import_lines()
    assert first.gold == again.gold
    assert generate(40, seed=4, taxonomy=taxonomy).import_lines() != first.import_lines()


def test_writes_valid_import_lines_in_french_places(taxonomy, tmp_path: Path) -> None:
    territory = generate(50, seed=1, taxonomy=taxonomy)
    records = parse_lines(territory.import_lines())
    assert len(records) == 50
    assert all(r.offers or r.needs for r in records)
    assert all(41 < r.identity.lat < 51.5 and -5.5 < r.identity.lon < 8.5 for r in records)
    texts = [t for r in records for t in (*r.offers, *r.needs)]
    assert len(set(texts)) > 0.9 * len(texts)  # varied wording, not one template
    assert len({r.identity.commune for r in records}) > 3

    path, gold = territory.write(tmp_path)
    assert gold.name == path.name.replace(".jsonl", ".gold.jsonl")  # what match_quality.py looks for
    refs = {r.ref for r in parse_lines(path.read_bytes())}
    lines = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert {line["type"] for line in lines} == {"exchange", "pooling"}
    assert all({line["supplier"], line["receiver"]} <= refs for line in lines if line["type"] == "exchange")


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_synergies_are_found_by_the_matcher(taxonomy, seed: int) -> None:
    territory = generate(60, seed=seed, taxonomy=taxonomy)
    resources, actors = fast_resources(territory, seed=seed)
    proposals = propose(resources, actors, taxonomy)
    lines = [{"id": p.id, "kind": "exchange" if p.kind == "sharing" else p.kind, "supplier": p.supplier,
              "receiver": p.receiver, "members": list(p.members), "score": p.score} for p in proposals]
    report = evaluate(lines, territory.gold)
    assert report.exchanges >= 5 and report.poolings >= 1
    assert report.passes, "\n".join(report.misses)
