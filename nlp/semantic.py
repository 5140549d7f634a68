"""Semantic evidence: cosine similarity between a mention and each taxonomy node.

Two views of every node are embedded once and cached on disk (keyed by the
backend and a hash of the texts), because embedding thousands of short texts
takes a minute on a small CPU while loading the cache takes milliseconds:

- the node's *passage* (labels, first synonyms, description; both languages —
  the default model is multilingual), compared with e5's query/passage prefixes;
- each of its *terms* (labels and synonyms) on its own, compared symmetrically,
  which finds the nearest way of saying it ("ce qui sort des tondeuses" →
  "tontes de gazon") even when no word is shared.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.taxonomy import Taxonomy

from .embeddings import EmbeddingBackend

PASSAGE_SYNONYMS = 8  # synonyms per language included in a node's passage


def default_cache_dir() -> Path:
    configured = os.environ.get("SYMBIOSE_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "symbiose"


def node_passage(taxonomy: Taxonomy, node_id: str) -> str:
    node = taxonomy[node_id]
    parts = [node.label_fr, node.label_en]
    parts += list(node.syn_fr[:PASSAGE_SYNONYMS]) + list(node.syn_en[: PASSAGE_SYNONYMS // 2])
    text = " ; ".join(dict.fromkeys(p for p in parts if p))
    if node.desc_fr:
        text += ". " + node.desc_fr
    return text


def node_terms(taxonomy: Taxonomy, node_id: str) -> list[str]:
    node = taxonomy[node_id]
    return list(dict.fromkeys([node.label_fr, node.label_en, *node.syn_fr, *node.syn_en]))


@dataclass
class NodeMatrix:
    ids: list[str]
    passages: np.ndarray  # (n_nodes, dim), rows L2-normalised
    terms: np.ndarray  # (n_terms, dim), grouped by node
    term_starts: np.ndarray  # index of each node's first term in `terms`
    # Terms added after the cache was built (facilitator-confirmed synonyms), with their node's column.
    extra_terms: np.ndarray | None = None
    extra_columns: np.ndarray | None = None

    def passage_similarities(self, query_vectors: np.ndarray) -> np.ndarray:
        """(n_queries, n_nodes) cosine with each node's passage."""
        return query_vectors @ self.passages.T

    def term_similarities(self, query_vectors: np.ndarray) -> np.ndarray:
        """(n_queries, n_nodes) best cosine with any of each node's terms."""
        sims = query_vectors @ self.terms.T
        best = np.maximum.reduceat(sims, self.term_starts, axis=1)
        if self.extra_terms is not None and self.extra_columns is not None and len(self.extra_columns):
            extra = query_vectors @ self.extra_terms.T
            for k, column in enumerate(self.extra_columns.tolist()):
                best[:, column] = np.maximum(best[:, column], extra[:, k])
        return best

    def with_terms(self, added: list[tuple[str, str]], backend: EmbeddingBackend) -> NodeMatrix:
        """A copy that also knows `(node_id, phrase)` terms, embedded now (a few phrases: milliseconds)."""
        position = {nid: j for j, nid in enumerate(self.ids)}
        kept = [(position[nid], phrase) for nid, phrase in added if nid in position and phrase.strip()]
        if not kept:
            return self
        vectors = backend.embed_queries([phrase for _, phrase in kept]).astype(np.float32)
        return NodeMatrix(self.ids, self.passages, self.terms, self.term_starts,
                          vectors, np.array([j for j, _ in kept], dtype=np.intp))


def _cached(path: Path, rows: int, dim: int, compute: Callable[[], np.ndarray]) -> np.ndarray:
    if path.exists():
        try:
            vectors = np.load(path)
            if vectors.shape == (rows, dim):
                return vectors
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    vectors = compute().astype(np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as fh:
            np.save(fh, vectors)
        os.replace(fh.name, path)
    except OSError:
        pass  # a read-only disk only costs the rebuild next time
    return vectors


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def build_matrix(taxonomy: Taxonomy, backend: EmbeddingBackend, cache_dir: Path | None = None) -> NodeMatrix:
    ids = [n.id for n in taxonomy if not n.deprecated]
    passages = [f"{i}\t{node_passage(taxonomy, i)}" for i in ids]
    term_lists = [node_terms(taxonomy, i) for i in ids]
    terms = [t for ts in term_lists for t in ts]
    starts = np.cumsum([0] + [len(ts) for ts in term_lists[:-1]]).astype(np.intp)
    cache_dir = cache_dir or default_cache_dir()
    name = "".join(ch if ch.isalnum() else "_" for ch in backend.name)[:60]
    passage_vectors = _cached(
        cache_dir / f"passages-{name}-{_digest(passages)}.npy", len(ids), backend.dim,
        lambda: backend.embed_passages([p.split("\t", 1)[1] for p in passages]),
    )
    term_vectors = _cached(
        cache_dir / f"terms-{name}-{_digest(terms)}.npy", len(terms), backend.dim,
        lambda: backend.embed_queries(terms),
    )
    return NodeMatrix(ids, passage_vectors, term_vectors, starts)
