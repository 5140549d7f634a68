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

import dataclasses
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from data.taxonomy import Taxonomy, load_taxonomy
from data.types import Candidate, Mention, NormalisedItem

from .embeddings import EmbeddingBackend, RecentEmbeddings, get_backend
from .extract import extract_many
from .lexicon import CONTAINERS
from .hazard import clean_variant, hazard_cue
from .lang import detect_language
from .lexical import OTHER_LANG_WEIGHT, TermIndex
from .purpose import purpose_clause
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
    hazard_weight: float = 0.4  # words saying "contaminated" (or "clean") move hazardous nodes up (or down)
    leaf_bonus: float = 0.1  # prefer the most specific node on a tie
    confirmed_weight: float = 1.0  # the head is a phrase a facilitator confirmed for this node: decisive
    # Confidence = P(this candidate is right) = sigmoid(w0 + w · CONFIDENCE_FEATURES), a logistic
    # regression fitted on the dev set's mentions by benchmarks/calibrate_normaliser.py.
    confidence_weights: tuple[float, ...] = (-2.751, -0.373, 2.102, 20.85, -12.051, 3.954, 0.486, 0.734)
    unknown_below: float = 0.3  # confidence under which an item is "unknown" (facilitator's queue)
    purpose_min_confidence: float = 0.3  # a need's stated purpose replaces its first candidate above this
    purpose_restates: float = 0.8  # a clause scoring the resource itself this close to its best restates it


# The embedding model's time grows with the text (about 1 ms a token): a mention is embedded
# from its first 300 characters, which hold what names the resource, so that a 5,000-character
# answer costs no more than a long sentence (it took a worker 3–10 s before).
EMBEDDED_CHARS = 300
# Mention texts recently embedded, kept with their vectors (384 floats: 1.5 kB each): see
# `embeddings.RecentEmbeddings`.
EMBEDDING_CACHE = 4096

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


CONFIRMED_MATCH = 0.95  # lexical score from which a head counts as saying a confirmed phrase


# Evidence read by the confidence model, for one (mention, node) pair.
CONFIDENCE_FEATURES = (
    "head",  # lexical match of the mention's resource words with the node's terms (0–1)
    "text",  # lexical match anywhere in the mention
    "passage",  # cosine with the node's passage minus the median over nodes (how distinctive)
    "term",  # best cosine with one of the node's terms minus the median
    "margin",  # combined score minus the best other node's (negative below the first)
    "quantity",  # the mention carries a quantity (stray fragments rarely do)
    "words",  # log(1 + words in the head): one generic word is weak evidence
)


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
        # Facilitator-confirmed phrases (the database's synonyms), in any language: their exact use is decisive.
        self._confirmed = TermIndex.build([(nid, phrase, 1.0) for nid, _lang, phrase in taxonomy.extra
                                           if nid in taxonomy]) if taxonomy.extra else None
        self._lock = threading.RLock()
        self._recent = RecentEmbeddings(lambda: EMBEDDING_CACHE)
        self.ids = [n.id for n in taxonomy if not n.deprecated]
        self.position = {nid: j for j, nid in enumerate(self.ids)}
        self.leaf = np.array([taxonomy[i].is_leaf for i in self.ids], dtype=np.float32)
        self.dimension = [taxonomy[i].dimension for i in self.ids]
        self.flow_root = np.array([taxonomy[i].root in ("material", "water") for i in self.ids], dtype=np.float32)
        # +1 hazardous nodes, -1 nodes that are the explicitly clean variant ("sciure non traitée"):
        # words saying "treated" or "soiled" raise the first and lower the second, "clean" does the opposite.
        # Nodes other materials can be used as (animal feed, bedding, backfill…): what a purpose names.
        targets = {t for n in taxonomy for t in n.uses if t in taxonomy and taxonomy[t].root == "material"}
        self.use_target = np.array([nid in targets for nid in self.ids], dtype=bool)
        self.hazardous = np.array([
            1.0 if taxonomy[i].hazardous else (-1.0 if clean_variant(f"{taxonomy[i].label_fr} / {taxonomy[i].label_en}") else 0.0)
            for i in self.ids], dtype=np.float32)[None, :]

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

    def embed(self, texts: list[str]) -> np.ndarray:
        """Query vectors for `texts`, from the recent ones when the same text was embedded lately."""
        return self._recent.embed(self.backend, texts)

    def clear_caches(self) -> None:
        """Forget remembered embeddings and word matches (benchmarks time the cold path with this)."""
        self._recent.clear()
        with self._lock:
            for index in (*self._indexes.values(), self._confirmed):
                if index is not None:
                    index.clear_cache()

    # -- ranking ---------------------------------------------------------

    def features(self, mentions: list[Mention], lang: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Evidence arrays of shape (n_mentions, n_nodes), and the mentions' embeddings."""
        n, m = len(mentions), len(self.ids)
        index = self.index(lang)
        feats = {name: np.zeros((n, m), dtype=np.float32) for name in ("head", "text", "dimension", "flow", "confirmed")}
        feats["hazard"] = np.array([[hazard_cue(mention.text)] for mention in mentions], dtype=np.float32) * self.hazardous
        vectors = self.embed([(mention.text or mention.head)[:EMBEDDED_CHARS] for mention in mentions])
        feats["passage"] = self.matrix.passage_similarities(vectors)
        feats["term"] = self.matrix.term_similarities(vectors)
        for row, mention in enumerate(mentions):
            for name, text in (("head", _without_containers(mention.head or mention.text)), ("text", mention.text)):
                for node_id, (value, _term) in index.score(text).items():
                    feats[name][row, self.position[node_id]] = value
            if self._confirmed is not None:
                for node_id, (value, _term) in self._confirmed.score(_without_containers(mention.head or mention.text)).items():
                    if value >= CONFIRMED_MATCH:
                        feats["confirmed"][row, self.position[node_id]] = 1.0
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
            + s.confirmed_weight * feats.get("confirmed", 0.0)
        )

    def rank(self, mentions: list[Mention], lang: str, top: int = 5) -> list[list[Candidate]]:
        """Ranked candidates for each mention (the list may be empty)."""
        return self._rank(mentions, lang, top)[0]

    def _rank(self, mentions: list[Mention], lang: str, top: int) -> tuple[list[list[Candidate]], np.ndarray]:
        ranked, vectors, _feats, _scores = self._rank_rows(mentions, lang, top, len(mentions))
        return ranked, vectors

    def _rank_rows(self, rows: list[Mention], lang: str, top: int, ranked: int):
        """Candidates for the first `ranked` rows; evidence and scores for all rows.

        The other rows (purpose clauses) ride along so that every text of an answer is
        embedded in one call, which the model runs in parallel.
        """
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32), {}, np.zeros((0, 0), dtype=np.float32)
        feats, vectors = self.features(rows, lang)
        scores = self.combine(feats)
        out = []
        for row in range(ranked):
            order = [int(j) for j in np.argsort(-scores[row], kind="stable")[: max(top, 2)]]
            candidates = []
            for rank, j in enumerate(order[:top]):
                other = order[1] if rank == 0 else order[0]
                confidence = self.probability(self.confidence_features(feats, scores, rows, row, j, other))
                node = self.taxonomy[self.ids[j]]
                candidates.append(Candidate(id=node.id, label=node.label_fr, score=round(confidence, 4),
                                            low_codes=node.low, hazardous=node.hazardous))
            out.append(candidates)
        return out, vectors[:ranked], feats, scores

    @staticmethod
    def confidence_features(feats: dict[str, np.ndarray], scores: np.ndarray, mentions: list[Mention],
                            row: int, j: int, other: int) -> np.ndarray:
        """The CONFIDENCE_FEATURES of node column `j` for mention `row` (`other`: the best other node)."""
        mention = mentions[row]
        head_words = len((mention.head or mention.text).split())
        return np.array([
            feats["head"][row, j],
            feats["text"][row, j],
            feats["passage"][row, j] - float(np.median(feats["passage"][row])),
            feats["term"][row, j] - float(np.median(feats["term"][row])),
            scores[row, j] - scores[row, other],
            1.0 if mention.quantity is not None else 0.0,
            math.log1p(head_words),
        ], dtype=np.float64)

    def probability(self, x: np.ndarray, settings: NormaliserSettings | None = None) -> float:
        weights = (settings or self.settings).confidence_weights
        z = weights[0] + float(np.dot(weights[1:], x))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def normalise_many(self, texts: list[str], lang: str | None = None, top: int = 3,
                       direction: str | None = None) -> list[list[NormalisedItem]]:
        """Extract the mentions of each text and rank candidates for each of them.

        With `direction="need"`, a material need that states its purpose ("pour la
        litière") gets the use it names as first candidate when that is recognised
        with enough confidence; the materials it listed follow as alternatives.
        """
        # The matrix products here are small; BLAS threads gain nothing on them and, left
        # spinning after each product, take the cores the embedding model's threads need
        # (measured: 106 → 46 ms per answer on two cores, docs/normalisation.md).
        with _blas_controller().limit(limits=1, user_api="blas"):
            return self._normalise_many(texts, lang, top, direction)

    def _normalise_many(self, texts: list[str], lang: str | None, top: int,
                        direction: str | None) -> list[list[NormalisedItem]]:
        langs = [lang or detect_language(t) for t in texts]
        results: list[list[NormalisedItem]] = [[] for _ in texts]
        for language in sorted(set(langs)):
            positions = [i for i, lg in enumerate(langs) if lg == language]
            mention_lists = extract_many([texts[i] for i in positions], lang=language)
            flat = [(i, m) for i, mentions in zip(positions, mention_lists) for m in mentions]
            rows = [m for _, m in flat]
            clause_row: dict[int, int] = {}
            if direction == "need":
                for k, (_i, mention) in enumerate(flat):
                    clause = purpose_clause(mention.text, language)
                    if clause:
                        clause_row[k] = len(rows)
                        rows.append(Mention(text=clause, head=clause, lang=language))
            ranked, vectors, feats, scores = self._rank_rows(rows, language, top, len(flat))
            for k, ((i, mention), candidates, vector) in enumerate(zip(flat, ranked, vectors)):
                if candidates and language == "en":
                    candidates = [Candidate(c.id, self.taxonomy[c.id].label_en, c.score, c.low_codes, c.hazardous)
                                  for c in candidates]
                unknown = not candidates or candidates[0].score < self.settings.unknown_below
                item = NormalisedItem(mention=mention, candidates=candidates, unknown=unknown,
                                      embedding=vector.astype(np.float16).tobytes())
                if k in clause_row:
                    item = self._by_purpose(item, feats, scores, rows, clause_row[k], language, top)
                results[i].append(item)
        return results

    def _by_purpose(self, item: NormalisedItem, feats: dict[str, np.ndarray], all_scores: np.ndarray,
                    rows: list[Mention], row: int, lang: str, top: int) -> NormalisedItem:
        """Put the use a material need states first (see `normalise_many`); `row` is its purpose clause."""
        if not item.candidates or self.taxonomy[item.candidates[0].id].root != "material":
            return item
        if self.use_target[self.position[item.candidates[0].id]]:
            return item  # already named by its use
        scores = all_scores.copy()
        named = int(np.argmax(scores[row]))
        if not self.use_target[named]:
            if self.taxonomy[self.ids[named]].root == "material":
                return item  # the clause names a material, not a use ("pour les copeaux de la scierie")
            own = max((float(scores[row, self.position[c.id]]) for c in item.candidates
                       if not self.use_target[self.position[c.id]]), default=-np.inf)
            if own >= self.settings.purpose_restates * float(scores[row, named]):
                return item  # the clause restates the resource ("pour collecter les biodéchets")
        scores[row, ~self.use_target] = -np.inf
        order = np.argsort(-scores[row], kind="stable")
        j, other = int(order[0]), int(order[1])
        confidence = self.probability(self.confidence_features(feats, scores, rows, row, j, other))
        if confidence < self.settings.purpose_min_confidence:
            return item
        node = self.taxonomy[self.ids[j]]
        label = node.label_en if lang == "en" else node.label_fr
        first = Candidate(id=node.id, label=label, score=round(confidence, 4), low_codes=node.low, hazardous=node.hazardous)
        rest = [c for c in item.candidates if c.id != node.id]
        return dataclasses.replace(item, candidates=[first, *rest][:max(top, 1)],
                                   unknown=confidence < self.settings.unknown_below)

    def normalise(self, text: str, lang: str | None = None, top: int = 3,
                  direction: str | None = None) -> list[NormalisedItem]:
        return self.normalise_many([text], lang=lang, top=top, direction=direction)[0]


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


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
    # The cached node matrix, plus the database synonyms embedded now: they count as the node's own terms.
    normaliser._matrix = base.matrix.with_terms([(nid, phrase) for nid, _lang, phrase in extra], base.backend)
    return normaliser


def normalise(text: str, lang: str | None = None, top: int = 3) -> list[NormalisedItem]:
    """Normalise one answer with the default normaliser."""
    return get_normaliser().normalise(text, lang=lang, top=top)
