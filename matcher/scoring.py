"""Scoring: every comparator over arrays of candidate pairs, then one weighted score.

`exchange_parts` returns one value array per part name; `combine` weighs them
into the final score in [0, 1]; `exchange_score_parts` turns one selected pair
back into `ScorePart`s with the facts the explanation needs. Keeping the arrays
apart until the end lets the engine rank thousands of pairs and build objects
only for the few it proposes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from data.types import ScorePart

from .blocking import NodeLink
from .comparators import distance, history as history_part, quantity, regulatory, text, timing
from .history import History
from .settings import PART_NAMES, MatcherSettings
from .table import ResourceTable

NEUTRAL = 0.5


def combine(parts: Mapping[str, np.ndarray], settings: MatcherSettings) -> np.ndarray:
    """Weighted mean of the parts (weights from the settings), clipped to [0, 1]."""
    weights = settings.weights
    total = sum(weights[name] for name in parts) or 1.0
    score = sum(weights[name] * np.asarray(values, dtype=np.float64) for name, values in parts.items())
    return np.clip(score / total, 0.0, 1.0)


def link_columns(links: Sequence[NodeLink], settings: MatcherSettings, history: History) -> dict[str, np.ndarray]:
    """Per-link constants as arrays indexed by link code."""
    pairs = [(link.offer_node, link.need_node) for link in links]
    return {
        "taxonomy": np.array([link.relation.value for link in links], dtype=np.float64),
        "max_km": np.array([link.max_km for link in links], dtype=np.float64),
        "heat": np.array([link.heat for link in links], dtype=bool),
        "regulatory": np.array([
            regulatory.base_value(link.caveats, link.hazardous, settings.caveat_penalty, settings.hazard_penalty)
            for link in links], dtype=np.float64),
        "history": history_part.scores(
            np.array([history.realised_node_pairs.get(p, 0) for p in pairs]),
            np.array([history.rejected_node_pairs.get(p, 0) for p in pairs]), settings.history_prior),
    }


def temperature_filter(table: ResourceTable, o: np.ndarray, n: np.ndarray, heat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keep, borderline) for candidate pairs; only pairs whose link is temperature-bound are checked."""
    allowed, borderline = regulatory.temperature_checks(table.tlo[o], table.thi[o], table.tlo[n])
    return ~heat | allowed, heat & borderline


def cheap_parts(
    table: ResourceTable, o: np.ndarray, n: np.ndarray, link: np.ndarray, km: np.ndarray,
    borderline: np.ndarray, columns: Mapping[str, np.ndarray], settings: MatcherSettings,
) -> dict[str, np.ndarray]:
    """Every part but text for pairs (offer row o[k], need row n[k]): a few array operations each."""
    return {
        "taxonomy": columns["taxonomy"][link],
        "quantity": quantity.scores(table.qlo[o], table.qhi[o], table.qlo[n], table.qhi[n],
                                    table.unit_code[o], table.unit_code[n]),
        "distance": distance.scores(km, columns["max_km"][link], settings.distance_floor),
        "timing": timing.coverage(table.months[o], table.months[n]),
        "regulatory": np.maximum(0.0, columns["regulatory"][link] - settings.marginal_temperature_penalty * borderline),
        "history": columns["history"][link],
    }


def text_part(table: ResourceTable, o: np.ndarray, n: np.ndarray, settings: MatcherSettings,
              block: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The text part (the costly one: embeddings) and whether each pair had both embeddings."""
    return text.pair_scores(table.emb, table.emb_row, table.head_code, table.heads, o, n,
                            settings.text_cosine_floor, settings.text_cosine_ceiling, block, table.emb_size)


def bounds(cheap: Mapping[str, np.ndarray], settings: MatcherSettings) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest final score each pair can reach whatever its text similarity."""
    size = next(iter(cheap.values())).shape[0]
    lower = combine({**cheap, "text": np.zeros(size)}, settings)
    weights = settings.weights
    return lower, lower + weights["text"] / (sum(weights.values()) or 1.0)


def ordered(parts: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: parts[name] for name in PART_NAMES}


# ---------------------------------------------------------------- facts of the proposals kept

class FactsBuilder:
    """Builds `ScorePart` lists for the few pairs a run keeps, in batches.

    Facts that only depend on the pair of nodes (taxonomy, caveats, history) are
    one dict per link, shared by every proposal on that link: treat facts as
    read-only. Everything else is computed with numpy for the whole batch first.
    """

    def __init__(self, table: ResourceTable, settings: MatcherSettings, history: History) -> None:
        self.table, self.history = table, history
        self.weights = settings.weights
        self._named_weights = [(name, self.weights[name]) for name in PART_NAMES]
        self._bands: dict[int, str | None] = {}

    def band(self, i: int) -> str | None:
        if i not in self._bands:
            r, table = self.table.rows[i], self.table
            self._bands[i] = r.quantity_band or (None if np.isnan(table.qlo[i]) else f"{table.qlo[i]:g}-{table.qhi[i]:g}")
        return self._bands[i]

    def unit(self, i: int) -> str | None:
        code = int(self.table.unit_code[i])
        return self.table.units[code] if code >= 0 else None

    def link_facts(self, link: NodeLink, extra: dict | None = None) -> dict[str, dict]:
        """The facts of a proposal that depend only on its pair of nodes."""
        pair = (link.offer_node, link.need_node)
        rel = link.relation
        return {
            "taxonomy": {"relation": rel.name, "offer_node": link.offer_node, "need_node": link.need_node or None,
                         "via": rel.via, "levels": rel.levels, **(extra or {})},
            "regulatory": {"caveats": list(link.caveats), "hazardous": link.hazardous},
            "history": {"realised": self.history.realised_node_pairs.get(pair, 0),
                        "rejected": self.history.rejected_node_pairs.get(pair, 0)},
        }

    def _parts(self, values: Mapping[str, list[float]], k: int, facts: Mapping[str, dict]) -> list[ScorePart]:
        return [ScorePart(name, values[name][k], weight, facts[name]) for name, weight in self._named_weights]

    @staticmethod
    def _lists(values: Mapping[str, np.ndarray]) -> dict[str, list[float]]:
        return {name: np.round(np.asarray(values[name], dtype=np.float64), 4).tolist() for name in PART_NAMES}

    def declared(self, o: np.ndarray, n: np.ndarray, links: Sequence[NodeLink], link: np.ndarray,
                 values: Mapping[str, np.ndarray], km: np.ndarray, borderline: np.ndarray,
                 with_vectors: np.ndarray) -> list[list[ScorePart]]:
        """Parts of declared exchanges (offer row o[k], need row n[k]) on links[link[k]]."""
        table = self.table
        ratio = quantity.ratios(table.qlo[o], table.qhi[o], table.qlo[n], table.qhi[n], table.unit_code[o], table.unit_code[n])
        ratio_list = [None if r != r else r for r in np.round(ratio, 3).tolist()]
        same_unit = ((table.unit_code[o] == table.unit_code[n]) & (table.unit_code[o] >= 0)).tolist()
        shared, om, nm = (table.months[o] & table.months[n]).tolist(), table.months[o].tolist(), table.months[n].tolist()
        heat = [links[c].heat for c in link.tolist()]
        # Python values of the columns read per proposal (a numpy scalar costs far more to read).
        o_confidence, n_confidence = table.confidence[o].tolist(), table.confidence[n].tolist()
        units = self.table.units
        o_unit = [units[c] if c >= 0 else None for c in table.unit_code[o].tolist()]
        n_unit = [units[c] if c >= 0 else None for c in table.unit_code[n].tolist()]
        band = self.band
        text_facts = ({"method": "words"}, {"method": "embedding"})
        unknown_timing = {"status": "unknown", "months": []}
        lists = self._lists(values)
        km_list = np.round(km, 1).tolist()
        vectors = with_vectors.tolist()
        common: dict[int, dict[str, dict]] = {}
        out = []
        for k, (oi, ni, code) in enumerate(zip(o.tolist(), n.tolist(), link.tolist())):
            node_link = links[code]
            shared_facts = common.get(code)
            if shared_facts is None:
                shared_facts = common[code] = self.link_facts(node_link)
            ob, nb = band(oi), band(ni)
            regulatory_facts = shared_facts["regulatory"]
            if heat[k] and not np.isnan(table.thi[oi]) and not np.isnan(table.tlo[ni]):
                regulatory_facts = {**regulatory_facts, "temperature": {
                    "supply": [float(table.tlo[oi]), float(table.thi[oi])], "required": float(table.tlo[ni]),
                    "status": "borderline" if borderline[k] else "ok",
                    "from_text": bool(table.temp_from_text[oi] and table.temp_from_text[ni])}}
            r = ratio_list[k]
            timing_status = timing.status(om[k], nm[k])
            facts = {
                "taxonomy": {**shared_facts["taxonomy"],
                             "confidence": [round(o_confidence[k], 2), round(n_confidence[k], 2)]},
                "text": text_facts[vectors[k]],
                "quantity": {"status": quantity.status(np.nan if r is None else r, ob is not None, nb is not None,
                                                       same_unit[k]),
                             "ratio": r, "offer_band": ob, "need_band": nb,
                             "offer_unit": o_unit[k], "need_unit": n_unit[k]},
                "distance": distance_facts(km_list[k], node_link.max_km),
                "timing": (unknown_timing if timing_status == "unknown"
                           else {"status": timing_status, "months": timing.months_of(shared[k])}),
                "regulatory": regulatory_facts,
                "history": shared_facts["history"],
            }
            out.append(self._parts(lists, k, facts))
        return out

    def latent(self, o: np.ndarray, links: Sequence[NodeLink], link: np.ndarray, divisions: Sequence[str],
               values: Mapping[str, np.ndarray], km: np.ndarray) -> list[list[ScorePart]]:
        """Parts of latent exchanges: no declared need, so text, quantity and timing are neutral."""
        out = []
        none, unknown = {"method": "none"}, {"status": "unknown", "months": []}
        lists = self._lists(values)
        km_list = np.round(km, 1).tolist()
        common: dict[int, dict[str, dict]] = {}
        for k, (oi, code) in enumerate(zip(o.tolist(), link.tolist())):
            node_link = links[code]
            shared_facts = common.get(code)
            if shared_facts is None:
                shared_facts = common[code] = self.link_facts(node_link, {"division": divisions[code]})
            facts = {
                "taxonomy": {**shared_facts["taxonomy"], "confidence": [round(float(self.table.confidence[oi]), 2)]},
                "text": none,
                "quantity": {"status": "unknown", "offer_band": self.band(oi), "offer_unit": self.unit(oi)},
                "distance": distance_facts(km_list[k], node_link.max_km), "timing": unknown,
                "regulatory": shared_facts["regulatory"], "history": shared_facts["history"],
            }
            out.append(self._parts(lists, k, facts))
        return out


def distance_facts(km: float, max_km: float) -> dict:
    """Distance facts; `km` is NaN when a location is unknown (then the distance part is neutral)."""
    if km != km:
        return {"known": False, "km": None, "max_km": max_km}
    return {"known": True, "km": km, "max_km": max_km}
