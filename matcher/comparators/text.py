"""How alike are the actors' own words for the two resources?

With both embeddings present, the cosine of the two vectors, rescaled so that the
model's "unrelated" level maps to 0 and near-identical texts to 1 (embedding
models crowd their cosines into a narrow band; the band is a setting). Without
them, RapidFuzz's token-set ratio on the resource heads. Nothing to compare
scores a neutral 0.5. Both measures are symmetric.
"""
from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

NEUTRAL = 0.5
CHUNK = 32_768  # pairs per block when gathering embedding rows, to bound memory
MAX_PRODUCT = 1 << 24  # largest similarity matrix computed at once (64 MB of float32)
WASTE = 64  # a matrix product may compute this many entries per pair needed and still beat gathering
SCALE = 2048.0  # unit vectors are stored as integers in float32, component × SCALE


def decode(embedding: bytes | None, dim: int | None = None) -> np.ndarray | None:
    """A stored float16 vector as a unit-length float32 vector (None when absent or malformed)."""
    if not embedding or len(embedding) % 2:
        return None
    vector = np.frombuffer(embedding, dtype=np.float16).astype(np.float32)
    if dim is not None and vector.shape[0] != dim:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 and np.isfinite(norm) else None


def quantise(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors → integer-valued float32 rows (component × SCALE, rounded).

    Every product and partial sum of two such rows is an integer below 2**24 in
    magnitude (|a·b| ≤ |a||b| ≈ SCALE²), so float32 arithmetic computes it exactly
    in any order: a BLAS product and a row-by-row sum give the same bits, and a
    full run and an incremental run agree to the last digit. The rounding changes
    a cosine by about 1e-4, far below what matters.
    """
    return np.rint(np.asarray(vectors, dtype=np.float32) * SCALE).astype(np.float32)


def rescale(cosine: np.ndarray, floor: float, ceiling: float) -> np.ndarray:
    span = max(ceiling - floor, 1e-6)
    return np.clip((np.asarray(cosine, dtype=np.float64) - floor) / span, 0.0, 1.0)


def fuzzy(a: str, b: str) -> float:
    """Token-set ratio in [0, 1]; neutral when either side has no words."""
    a, b = default_process(a or ""), default_process(b or "")
    if not a or not b:
        return NEUTRAL
    return fuzz.token_set_ratio(a, b) / 100.0


def _dots(matrix: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Dot products of quantised rows (ra[k], rb[k]) within one block of pairs.

    Candidate pairs are mostly a few offers against many needs, so one matrix
    product between the distinct rows of each side (BLAS) is far cheaper than
    gathering both vectors of every pair; gather when the product would be too
    large or mostly unused.
    """
    ua, ia = np.unique(ra, return_inverse=True)
    ub, ib = np.unique(rb, return_inverse=True)
    entries = ua.size * ub.size
    if entries <= MAX_PRODUCT and entries <= WASTE * ra.size + 4096:
        return (matrix[ua] @ matrix[ub].T)[ia.reshape(-1), ib.reshape(-1)]
    out = np.empty(ra.size, dtype=np.float32)
    for start in range(0, ra.size, CHUNK):
        part = slice(start, start + CHUNK)
        out[part] = np.einsum("ij,ij->i", matrix[ra[part]], matrix[rb[part]])
    return out


def cosines(matrix: np.ndarray, ra: np.ndarray, rb: np.ndarray, block: np.ndarray | None = None) -> np.ndarray:
    """Cosines of quantised rows (ra[k], rb[k]), computed block by block (e.g. one offer node each)."""
    out = np.empty(ra.size, dtype=np.float64)
    if block is None or ra.size == 0:
        out[:] = _dots(matrix, ra, rb) if ra.size else out
        return out / (SCALE * SCALE)
    order = np.argsort(block, kind="stable")
    sorted_block = block[order]
    starts = np.flatnonzero(np.r_[True, sorted_block[1:] != sorted_block[:-1]])
    for s, e in zip(starts.tolist(), np.r_[starts[1:], order.size].tolist()):
        chosen = order[s:e]
        out[chosen] = _dots(matrix, ra[chosen], rb[chosen])
    return out / (SCALE * SCALE)


def pair_scores(
    matrix: np.ndarray, rows: np.ndarray, head_codes: np.ndarray, heads: list[str],
    idx_a: np.ndarray, idx_b: np.ndarray, floor: float, ceiling: float, block: np.ndarray | None = None,
    sizes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of many pairs of items (idx_a[k], idx_b[k]) at once, and whether each used embeddings.

    `matrix` holds `quantise`d unit vectors; `rows[i]` is item i's row in it, or -1 without one.
    `block` (optional) groups pairs that share most of their rows, for `cosines`;
    `sizes` (optional) is each item's vector size: vectors of different sizes come
    from different models and are not compared.
    `heads` is the vocabulary of distinct heads and `head_codes[i]` item i's entry.
    Heads are compared only for pairs lacking an embedding, each distinct pair once.
    """
    idx_a, idx_b = np.asarray(idx_a, dtype=np.int64), np.asarray(idx_b, dtype=np.int64)
    out = np.full(idx_a.shape[0], NEUTRAL, dtype=np.float64)
    ra, rb = rows[idx_a], rows[idx_b]
    with_vectors = (ra >= 0) & (rb >= 0)
    if sizes is not None:
        with_vectors &= sizes[idx_a] == sizes[idx_b]
    where = np.flatnonzero(with_vectors)
    if where.size:
        out[where] = rescale(cosines(matrix, ra[where], rb[where], None if block is None else block[where]),
                             floor, ceiling)
    missing = np.flatnonzero(~with_vectors)
    if missing.size:
        size = max(len(heads), 1)
        key = head_codes[idx_a[missing]].astype(np.int64) * size + head_codes[idx_b[missing]]
        distinct, inverse = np.unique(key, return_inverse=True)
        values = np.array([fuzzy(heads[k // size], heads[k % size]) for k in distinct.tolist()])
        out[missing] = values[inverse.reshape(-1)]
    return out, with_vectors


def similarity(head_a: str, head_b: str, embedding_a: bytes | np.ndarray | None = None,
               embedding_b: bytes | np.ndarray | None = None, floor: float = 0.8, ceiling: float = 0.95) -> float:
    """Scalar wrapper of `pair_scores` for two resources."""
    vectors = [e if isinstance(e, np.ndarray) or e is None else decode(e) for e in (embedding_a, embedding_b)]
    rows = np.array([-1, -1])
    matrix = np.zeros((2, 1), dtype=np.float32)
    if all(v is not None for v in vectors) and vectors[0].shape == vectors[1].shape:
        matrix = quantise(np.stack([v / max(float(np.linalg.norm(v)), 1e-12) for v in vectors]))
        rows = np.array([0, 1])
    value, _ = pair_scores(matrix, rows, np.array([0, 1]), [head_a, head_b],
                           np.array([0]), np.array([1]), floor, ceiling)
    return float(value[0])
