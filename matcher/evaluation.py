"""Scoring `symbiose match --jsonl` output against a gold file of known synergies.

Gold lines (see ../shared/dev-data/README.md): `{"type": "exchange", "supplier",
"receiver", ...}`, `{"type": "pooling", "members": [...]}`, `{"type": "negative",
"supplier", "receiver"}`. The proposals are contract lines (matcher.jsonl).

Ranking per supplier: its `kind == "exchange"` lines by descending score then
id, first line per receiver kept. Metrics are averaged over the suppliers that
have gold exchanges, with pooled totals beside them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


def supplier_rankings(proposals: Iterable[dict]) -> dict[str, list[str]]:
    """supplier ref → receivers, best first, each once."""
    by_supplier: dict[str, list[dict]] = defaultdict(list)
    for line in proposals:
        if line.get("kind") == "exchange" and line.get("supplier") and line.get("receiver"):
            by_supplier[line["supplier"]].append(line)
    rankings: dict[str, list[str]] = {}
    for supplier, lines in by_supplier.items():
        lines.sort(key=lambda x: (-float(x["score"]), x["id"]))
        seen: list[str] = []
        for line in lines:
            if line["receiver"] not in seen:
                seen.append(line["receiver"])
        rankings[supplier] = seen
    return rankings


def rank_of(rankings: dict[str, list[str]], supplier: str, receiver: str) -> int | None:
    """1-based rank of the receiver in the supplier's list, or None."""
    ranked = rankings.get(supplier, [])
    return ranked.index(receiver) + 1 if receiver in ranked else None


def pooling_found(proposals: Iterable[dict], members: Iterable[str]) -> bool:
    gold = set(members)
    return any(
        line.get("kind") == "pooling" and gold <= set(line.get("members", ())) and len(line["members"]) <= 2 * len(gold)
        for line in proposals
    )


@dataclass
class Report:
    precision_at_5: float = 0.0
    recall_at_10: float = 0.0
    pooled_precision_at_5: float = 0.0
    pooled_recall_at_10: float = 0.0
    exchanges: int = 0
    found_at_5: int = 0
    poolings: int = 0
    poolings_found: int = 0
    negatives: int = 0
    negatives_in_top_3: int = 0
    negatives_absent: int = 0
    proposals: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        """What the tests assert: every exchange at 5, every pooling found, no negative in a top 3."""
        return (self.found_at_5 == self.exchanges and self.poolings_found == self.poolings
                and self.negatives_in_top_3 == 0)


def evaluate(proposals: list[dict], gold: list[dict]) -> Report:
    rankings = supplier_rankings(proposals)
    report = Report(proposals=len(proposals))
    gold_by_supplier: dict[str, set[str]] = defaultdict(set)
    for line in gold:
        kind = line["type"]
        if kind == "exchange":
            gold_by_supplier[line["supplier"]].add(line["receiver"])
            report.exchanges += 1
            rank = rank_of(rankings, line["supplier"], line["receiver"])
            if rank is not None and rank <= 5:
                report.found_at_5 += 1
            else:
                report.misses.append(f"exchange {line['supplier']} → {line['receiver']}: rank {rank or 'absent'}")
        elif kind == "pooling":
            report.poolings += 1
            if pooling_found(proposals, line["members"]):
                report.poolings_found += 1
            else:
                report.misses.append(f"pooling {', '.join(line['members'])}: not found")
        elif kind == "negative":
            report.negatives += 1
            rank = rank_of(rankings, line["supplier"], line["receiver"])
            if rank is None:
                report.negatives_absent += 1
            elif rank <= 3:
                report.negatives_in_top_3 += 1
                report.misses.append(f"negative {line['supplier']} → {line['receiver']}: rank {rank}")
    precisions, recalls = [], []
    shown_total = hits_5_total = hits_10_total = gold_total = 0
    for supplier, receivers in sorted(gold_by_supplier.items()):
        ranked = rankings.get(supplier, [])
        top5, top10 = ranked[:5], ranked[:10]
        hits5 = len(receivers & set(top5))
        hits10 = len(receivers & set(top10))
        precisions.append(hits5 / len(top5) if top5 else 0.0)
        recalls.append(hits10 / len(receivers))
        shown_total += len(top5)
        hits_5_total += hits5
        hits_10_total += hits10
        gold_total += len(receivers)
    if precisions:
        report.precision_at_5 = sum(precisions) / len(precisions)
        report.recall_at_10 = sum(recalls) / len(recalls)
        report.pooled_precision_at_5 = hits_5_total / shown_total if shown_total else 0.0
        report.pooled_recall_at_10 = hits_10_total / gold_total if gold_total else 0.0
    return report
