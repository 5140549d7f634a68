"""Normalisation: each mention of an answer → ranked taxonomy candidates.

Two kinds of evidence are combined (see docs/normalisation.md for the figures):

- lexical (nlp.lexical): the taxonomy's labels and synonyms found in the mention's
  resource words, fuzzy and IDF-weighted — the biggest lever, and what the
  facilitator extends by confirming phrases;
- semantic (nlp.semantic): cosine similarity of the mention with each node's
  passage under a multilingual embedding model, which catches paraphrases no
  synonym lists.

The combined score is turned into a confidence in [0, 1] by a logistic function
of the best score and its margin over the runner-up; below `unknown_below` the
item is marked unknown and goes to the facilitator's queue.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from data.taxonomy import Taxonomy, load_taxonomy
from data.types import Candidate, Mention, NormalisedItem

from .embeddings import EmbeddingBackend, get_backend
from .extract import extract_many
from .lexicon import CONTAINERS
from .hazard import hazard_cue
from .lang import detect_language
from .lexical import OTHER_LANG_WEIGHT, TermIndex
from .semantic import NodeMatrix, build_matrix


@dataclass(frozen=True)
class NormaliserSettings:
    """Weights and thresholds, declared once. Tuned on tests/data/normalise_dev.jsonl
    with benchmarks/tune_normaliser.py (never on the held-out phrases)."""

    head_weight: float = 0.2  # lexical evidence in the resource words (the mention's head)
    text_weight: float = 0.0  # lexical evidence anywhere in the mention (context words)
    passage_weight: float = 0.6  # semantic: similarity with the node's passage, relative to the best node
    term_weight: float = 0.2  # semantic: best similarity with one of the node's terms, relative to the best
    semantic_spread: float = 0.03  # cosine gap below the best node that maps to a relative score of 0
    dimension_weight: float = 0.3  # the quantity's dimension agrees with the node's (t for a material, kW for heat…)
    flow_weight: float = 0.5  # a mass or volume per period ("5 t/semaine") is a material or water flow
    hazard_weight: float = 0.2  # words saying "contaminated" (or "clean") move hazardous nodes up (or down)
    leaf_bonus: float = 0.1  # prefer the most specific node on a tie
    conf_slope: float = 8.0  # confidence = sigmoid(slope * (score - centre) + margin_slope * margin)
    conf_centre: float = 0.7
    conf_margin_slope: float = 12.0
    unknown_below: float = 0.3  # confidence under which an item is "unknown" (facilitator's queue)


# Dimensions a quantity may have for a node of each dimension (materials are weighed or measured).
COMPATIBLE_DIMENSIONS = {
    "mass": {"mass", "volume", "count"},
    "volume": {"mass", "volume", "count"},
    "count": {"count", "mass", "volume"},
    "energy": {"energy", "power"},
    "power": {"power", "energy"},
    "area": {"area"},
    "time": {"time", "count"},
    "length": {"length"},
}


def _without_containers(head: str) -> str:
    """The head without words that count or hold the resource ("benne de gravats" → "gravats")."""
    words = head.split()
    kept = [w for w in words if w.lower().strip(",.;:") not in CONTAINERS]
    return " ".join(kept) if len(kept) < len(words) and any(len(w) > 3 for w in kept) else head


class Normaliser:
    """Ranks taxonomy nodes for mentions. Build once per process (`get_normaliser`)."""

    def __init__(self, taxonomy: Taxonomy, backend: EmbeddingBackend | None = None,
                 settings: NormaliserSettings | None = None):
        self.taxonomy = taxonomy
        self.settings = settings or NormaliserSettings()
        self._backend = backend
        self._matrix: NodeMatrix | None = None
        self._indexes: dict[str, TermIndex] = {}
        self._lock = threading.RLock()
        self.ids = [n.id for n in taxonomy if not n.deprecated]
        self.position = {nid: j for j, nid in enumerate(self.ids)}
        self.leaf = np.array([taxonomy[i].is_leaf for i in self.ids], dtype=np.float32)
        self.dimension = [taxonomy[i].dimension for i in self.ids]
        self.flow_root = np.array([taxonomy[i].root in ("material", "water") for i in self.ids], dtype=np.float32)
        self.hazardous = np.array([taxonomy[i].hazardous for i in self.ids], dtype=np.float32)[None, :]

    # -- resources, built lazily ------------------------------------------

    @property
    def backend(self) -> EmbeddingBackend:
        if self._backend is None:
            self._backend = get_backend()
        return self._backend

    @property
    def matrix(self) -> NodeMatrix:
        with self._lock:
            if self._matrix is None:
                self._matrix = build_matrix(self.taxonomy, self.backend)
            return self._matrix

    def index(self, lang: str) -> TermIndex:
        with self._lock:
            if lang not in self._indexes:
                other = "en" if lang == "fr" else "fr"
                entries = []
                for node_id in self.ids:
                    node = self.taxonomy[node_id]
                    entries.append((node_id, node.label(lang), 1.0))
                    entries += [(node_id, s, 1.0) for s in self.taxonomy.synonyms(node_id, lang)]
                    entries.append((node_id, node.label(other), OTHER_LANG_WEIGHT))
                    entries += [(node_id, s, OTHER_LANG_WEIGHT) for s in self.taxonomy.synonyms(node_id, other)]
                self._indexes[lang] = TermIndex.build(entries)
            return self._indexes[lang]

    def warm_up(self) -> None:
        """Load models, indexes and node embeddings now rather than on the first answer."""
        self.index("fr")
        self.index("en")
        _ = self.matrix
        self.normalise_many(["environ 2 t de palettes par mois"], lang="fr")
        self.normalise_many(["about 2 t of pallets a month"], lang="en")

    # -- ranking ---------------------------------------------------------

    def features(self, mentions: list[Mention], lang: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Evidence arrays of shape (n_mentions, n_nodes), and the mentions' embeddings."""
        n, m = len(mentions), len(self.ids)
        index = self.index(lang)
        feats = {name: np.zeros((n, m), dtype=np.float32) for name in ("head", "text", "dimension", "flow")}
        feats["hazard"] = np.array([[hazard_cue(mention.text)] for mention in mentions], dtype=np.float32) * self.hazardous
        vectors = self.backend.embed_queries([mention.text or mention.head for mention in mentions])
        feats["passage"] = self.matrix.passage_similarities(vectors)
        feats["term"] = self.matrix.term_similarities(vectors)
        for row, mention in enumerate(mentions):
            for name, text in (("head", _without_containers(mention.head or mention.text)), ("text", mention.text)):
                for node_id, (value, _term) in index.score(text).items():
                    feats[name][row, self.position[node_id]] = value
            quantity = mention.quantity
            if quantity is not None and quantity.dimension in ("mass", "volume") and quantity.unit.endswith("/yr"):
                feats["flow"][row] = self.flow_root
            if quantity is None:
                feats["dimension"][row] = 0.5
            else:
                feats["dimension"][row] = [
                    1.0 if d and quantity.dimension in COMPATIBLE_DIMENSIONS.get(d, {d}) else 0.0 for d in self.dimension
                ]
        return feats, vectors

    def combine(self, feats: dict[str, np.ndarray], settings: NormaliserSettings | None = None) -> np.ndarray:
        """Combined scores (n_mentions, n_nodes) from evidence arrays."""
        s = settings or self.settings

        def relative(sims: np.ndarray) -> np.ndarray:
            best = sims.max(axis=1, keepdims=True)
            return np.clip(1.0 - (best - sims) / s.semantic_spread, 0.0, 1.0)

        return (
            s.head_weight * feats["head"]
            + s.text_weight * feats["text"]
            + s.passage_weight * relative(feats["passage"])
            + s.term_weight * relative(feats["term"])
            + s.dimension_weight * (feats["dimension"] - 0.5)
            + s.hazard_weight * feats["hazard"]
            + s.flow_weight * feats["flow"]
            + s.leaf_bonus * self.leaf[None, :]
        )

    def rank(self, mentions: list[Mention], lang: str, top: int = 5) -> list[list[Candidate]]:
        """Ranked candidates for each mention (the list may be empty)."""
        return self._rank(mentions, lang, top)[0]

    def _rank(self, mentions: list[Mention], lang: str, top: int) -> tuple[list[list[Candidate]], np.ndarray]:
        if not mentions:
            return [], np.zeros((0, 0), dtype=np.float32)
        feats, vectors = self.features(mentions, lang)
        scores = self.combine(feats)
        out = []
        for row in scores:
            order = np.argsort(-row, kind="stable")[: max(top, 2)]
            out.append(self._calibrate([(self.ids[j], float(row[j])) for j in order])[:top])
        return out, vectors

    def _calibrate(self, ranked: list[tuple[str, float]]) -> list[Candidate]:
        s = self.settings
        if not ranked:
            return []
        best = ranked[0][1]
        candidates = []
        for i, (node_id, score) in enumerate(ranked):
            margin = score - (ranked[1][1] if i == 0 and len(ranked) > 1 else best)
            confidence = 1.0 / (1.0 + math.exp(-(s.conf_slope * (score - s.conf_centre) + s.conf_margin_slope * margin)))
            node = self.taxonomy[node_id]
            candidates.append(Candidate(id=node_id, label=node.label_fr, score=round(confidence, 4),
                                        low_codes=node.low, hazardous=node.hazardous))
        return candidates

    def normalise_many(self, texts: list[str], lang: str | None = None, top: int = 3) -> list[list[NormalisedItem]]:
        """Extract the mentions of each text and rank candidates for each of them."""
        langs = [lang or detect_language(t) for t in texts]
        results: list[list[NormalisedItem]] = [[] for _ in texts]
        for language in sorted(set(langs)):
            positions = [i for i, lg in enumerate(langs) if lg == language]
            mention_lists = extract_many([texts[i] for i in positions], lang=language)
            flat = [(i, m) for i, mentions in zip(positions, mention_lists) for m in mentions]
            ranked, vectors = self._rank([m for _, m in flat], language, top)
            for (i, mention), candidates, vector in zip(flat, ranked, vectors):
                if candidates and language == "en":
                    candidates = [Candidate(c.id, self.taxonomy[c.id].label_en, c.score, c.low_codes, c.hazardous)
                                  for c in candidates]
                unknown = not candidates or candidates[0].score < self.settings.unknown_below
                results[i].append(NormalisedItem(mention=mention, candidates=candidates, unknown=unknown,
                                                 embedding=vector.astype(np.float16).tobytes()))
        return results

    def normalise(self, text: str, lang: str | None = None, top: int = 3) -> list[NormalisedItem]:
        return self.normalise_many([text], lang=lang, top=top)[0]


@lru_cache(maxsize=1)
def _default_normaliser() -> Normaliser:
    return Normaliser(load_taxonomy())


def get_normaliser(extra_synonyms: tuple[tuple[str, str, str], ...] = ()) -> Normaliser:
    """The process-wide normaliser, extended with facilitator-confirmed synonyms."""
    base = _default_normaliser()
    if not extra_synonyms:
        return base
    return _extended(extra_synonyms)


@lru_cache(maxsize=8)
def _extended(extra: tuple[tuple[str, str, str], ...]) -> Normaliser:
    base = _default_normaliser()
    normaliser = Normaliser(base.taxonomy.with_synonyms(extra), base._backend, base.settings)
    normaliser._matrix = base.matrix  # synonyms from the database feed the lexical side only
    return normaliser


def normalise(text: str, lang: str | None = None, top: int = 3) -> list[NormalisedItem]:
    """Normalise one answer with the default normaliser."""
    return get_normaliser().normalise(text, lang=lang, top=top)
