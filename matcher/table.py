"""Resources and actors as numpy columns, so comparators score many pairs at once.

Rows are sorted by id, so everything computed from a table (candidate order, tie
breaks) is independent of the order the caller passed the data in.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from data.taxonomy import Taxonomy
from data.types import ActorFacts, Resource

from .comparators import text, timing
from .comparators.regulatory import node_temperature, parse_band

SKIPPED_STATUSES = frozenset({"unknown"})


def usable(resources: Iterable[Resource], taxonomy: Taxonomy) -> list[Resource]:
    """Resources the matcher can reason about: a known, confirmed-or-proposed node and a direction."""
    nodes = taxonomy.nodes
    return [
        r for r in resources
        if r.node_id in nodes and r.status not in SKIPPED_STATUSES and r.direction in ("offer", "need")
    ]


@dataclass
class ActorTable:
    """Actors sorted by id, with their coordinates as float columns (NaN when unknown)."""

    facts: list[ActorFacts]
    index: dict[str, int]
    lat: np.ndarray
    lon: np.ndarray
    division: list[str | None]

    @classmethod
    def build(cls, actors: Iterable[ActorFacts]) -> ActorTable:
        facts = sorted({a.id: a for a in actors}.values(), key=lambda a: a.id)
        return cls(
            facts=facts,
            index={a.id: i for i, a in enumerate(facts)},
            lat=np.array([np.nan if a.lat is None else float(a.lat) for a in facts], dtype=np.float64),
            lon=np.array([np.nan if a.lon is None else float(a.lon) for a in facts], dtype=np.float64),
            division=[a.naf_division for a in facts],
        )

    def get(self, actor_id: str) -> ActorFacts | None:
        i = self.index.get(actor_id)
        return None if i is None else self.facts[i]

    @cached_property
    def by_division(self) -> dict[str, np.ndarray]:
        """NACE division → codes of the located actors in it (the candidates for latent receivers)."""
        located = ~np.isnan(self.lat) & ~np.isnan(self.lon)
        groups: dict[str, list[int]] = {}
        for i, division in enumerate(self.division):
            if division and located[i]:
                groups.setdefault(division, []).append(i)
        return {d: np.array(v, dtype=np.int64) for d, v in groups.items()}


@dataclass
class RowColumns:
    """The columns of a ResourceTable that depend on each resource alone, not on the actors.

    Built once for a kept index's rows (`MatchIndex`), so that an incremental run takes
    its focus with numpy instead of another pass in Python; `extend` adds rows, `take`
    selects them. Codes index the lists `nodes`, `units` and `heads`, which may name
    values no selected row has.
    """

    is_offer: np.ndarray
    node_code: np.ndarray
    nodes: list[str]
    qlo: np.ndarray
    qhi: np.ndarray
    unit_code: np.ndarray
    units: list[str]
    tlo: np.ndarray
    thi: np.ndarray
    temp_from_text: np.ndarray
    months: np.ndarray
    head_code: np.ndarray
    heads: list[str]
    emb_row: np.ndarray
    emb_size: np.ndarray
    emb: np.ndarray
    confidence: np.ndarray

    @classmethod
    def build(cls, rows: list[Resource], taxonomy: Taxonomy) -> RowColumns:
        """Columns for `rows`, in their order."""
        n = len(rows)
        nodes = sorted({r.node_id for r in rows if r.node_id})
        node_index = {nid: i for i, nid in enumerate(nodes)}
        units = sorted({r.unit for r in rows if r.unit})
        unit_index = {u: i for i, u in enumerate(units)}
        heads = sorted({r.head or "" for r in rows})
        head_index = {h: i for i, h in enumerate(heads)}
        node_temp = {nid: node_temperature(taxonomy, nid) for nid in nodes}
        qlo, qhi = np.full(n, np.nan), np.full(n, np.nan)
        tlo, thi = np.full(n, np.nan), np.full(n, np.nan)
        temp_from_text = np.zeros(n, dtype=bool)
        for i, r in enumerate(rows):
            band = _quantity_band(r)
            if band:
                qlo[i], qhi[i] = band
            temp = parse_band(r.temp_band)
            temp_from_text[i] = temp is not None
            temp = temp or node_temp[r.node_id]  # type: ignore[index]
            if temp:
                tlo[i], thi[i] = temp
        emb_row, emb_size, emb = _embeddings(rows)
        return cls(
            is_offer=np.array([r.direction == "offer" for r in rows], dtype=bool),
            node_code=np.array([node_index[r.node_id] for r in rows], dtype=np.int64),  # type: ignore[index]
            nodes=nodes, qlo=qlo, qhi=qhi,
            unit_code=np.array([unit_index[r.unit] if r.unit else -1 for r in rows], dtype=np.int64),
            units=units, tlo=tlo, thi=thi, temp_from_text=temp_from_text,
            months=np.array([timing.mask(r.months) for r in rows], dtype=np.int64),
            head_code=np.array([head_index[r.head or ""] for r in rows], dtype=np.int64),
            heads=heads, emb_row=emb_row, emb_size=emb_size, emb=emb,
            confidence=np.array([1.0 if r.status == "confirmed" else min(1.0, max(0.0, float(r.confidence or 0.0)))
                                 for r in rows], dtype=np.float64),
        )

    def extend(self, more: RowColumns) -> RowColumns:
        """These rows followed by `more`'s (codes of `more` translated into this one's lists)."""

        def merged(mine: list[str], theirs: list[str], codes: np.ndarray) -> tuple[list[str], np.ndarray]:
            known = {v: i for i, v in enumerate(mine)}
            values = list(mine) + [v for v in theirs if v not in known]
            position = {v: i for i, v in enumerate(values)}
            table = np.array([position[v] for v in theirs] + [-1], dtype=np.int64)
            return values, table[codes]  # code -1 (no unit) stays -1 through the extra last entry

        nodes, node_code = merged(self.nodes, more.nodes, more.node_code)
        units, unit_code = merged(self.units, more.units, more.unit_code)
        heads, head_code = merged(self.heads, more.heads, more.head_code)
        width = max(self.emb.shape[1], more.emb.shape[1])
        emb = np.zeros((self.emb.shape[0] + more.emb.shape[0], width), dtype=np.float32)
        emb[: self.emb.shape[0], : self.emb.shape[1]] = self.emb
        emb[self.emb.shape[0]:, : more.emb.shape[1]] = more.emb
        more_rows = np.where(more.emb_row >= 0, more.emb_row + self.emb.shape[0], -1)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(self, name), getattr(more, name)])

        return RowColumns(
            is_offer=cat("is_offer"), node_code=np.concatenate([self.node_code, node_code]), nodes=nodes,
            qlo=cat("qlo"), qhi=cat("qhi"), unit_code=np.concatenate([self.unit_code, unit_code]), units=units,
            tlo=cat("tlo"), thi=cat("thi"), temp_from_text=cat("temp_from_text"), months=cat("months"),
            head_code=np.concatenate([self.head_code, head_code]), heads=heads,
            emb_row=np.concatenate([self.emb_row, more_rows]), emb_size=cat("emb_size"), emb=emb,
            confidence=cat("confidence"),
        )

    def take(self, idx: np.ndarray) -> RowColumns:
        """The rows `idx`, in that order (only their vectors are kept)."""
        rows = self.emb_row[idx]
        has = rows >= 0
        emb_row = np.full(idx.size, -1, dtype=np.int64)
        emb_row[has] = np.arange(int(has.sum()))
        return RowColumns(
            is_offer=self.is_offer[idx], node_code=self.node_code[idx], nodes=self.nodes, qlo=self.qlo[idx],
            qhi=self.qhi[idx], unit_code=self.unit_code[idx], units=self.units, tlo=self.tlo[idx], thi=self.thi[idx],
            temp_from_text=self.temp_from_text[idx], months=self.months[idx], head_code=self.head_code[idx],
            heads=self.heads, emb_row=emb_row, emb_size=self.emb_size[idx], emb=self.emb[rows[has]],
            confidence=self.confidence[idx],
        )


@dataclass
class ResourceTable:
    """One row per usable resource, sorted by id; the columns are those of RowColumns, plus the actors'."""

    rows: list[Resource]
    actor_code: np.ndarray  # index into the ActorTable; negative (one code per id) when unknown
    actor_ids: list[str]
    is_offer: np.ndarray
    node_code: np.ndarray  # index into `nodes`
    nodes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    qlo: np.ndarray
    qhi: np.ndarray
    unit_code: np.ndarray  # index into `units`, -1 when unknown
    units: list[str]
    tlo: np.ndarray  # temperature band, or the node's temp_c when the text gave none
    thi: np.ndarray
    temp_from_text: np.ndarray
    months: np.ndarray  # 12-bit masks
    head_code: np.ndarray
    heads: list[str]
    emb_row: np.ndarray  # row in `emb`, -1 without a usable embedding
    emb_size: np.ndarray  # the vector's own size: only vectors of one size are compared
    emb: np.ndarray  # quantised unit vectors (comparators.text.quantise)
    confidence: np.ndarray  # the normaliser's confidence in the node; 1 when the actor or facilitator confirmed it

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def build(cls, resources: Iterable[Resource], actors: ActorTable, taxonomy: Taxonomy) -> ResourceTable:
        rows = sorted(resources, key=lambda r: r.id)
        return cls.assemble(rows, RowColumns.build(rows, taxonomy), actors)

    @classmethod
    def assemble(cls, rows: list[Resource], columns: RowColumns, actors: ActorTable) -> ResourceTable:
        """The table of `rows` (sorted by id) from their own columns and the actor table."""
        n = len(rows)
        # Actors missing from the actor list get distinct negative codes: still told apart, no location.
        missing = {a: -1 - k for k, a in enumerate(sorted({r.actor_id for r in rows} - set(actors.index)))}
        actor_code = np.array([actors.index.get(r.actor_id, missing.get(r.actor_id, -1)) for r in rows], dtype=np.int64)
        known = actor_code >= 0
        lat = np.full(n, np.nan)
        lon = np.full(n, np.nan)
        lat[known] = actors.lat[actor_code[known]]
        lon[known] = actors.lon[actor_code[known]]
        fields = {f: getattr(columns, f) for f in RowColumns.__dataclass_fields__}
        return cls(rows=rows, actor_code=actor_code, actor_ids=[r.actor_id for r in rows], lat=lat, lon=lon, **fields)

    def certainty(self, rows: np.ndarray, floor: float) -> np.ndarray:
        """How far the taxonomy relation of these rows can be trusted (see MatcherSettings.certainty_floor)."""
        return floor + (1.0 - floor) * self.confidence[rows]

    def node_of(self, i: int) -> str:
        return self.nodes[int(self.node_code[i])]

    def by_node(self, offers: bool) -> Mapping[str, np.ndarray]:
        """Node id → row indices (ascending) of the offers or of the needs on that node."""
        rows = np.flatnonzero(self.is_offer == offers)
        codes = self.node_code[rows]
        order = np.argsort(codes, kind="stable")
        rows, codes = rows[order], codes[order]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if rows.size else np.array([], dtype=np.int64)
        ends = np.r_[starts[1:], rows.size]
        return {self.nodes[int(codes[s])]: rows[s:e] for s, e in zip(starts, ends)}


EMBEDDING_CHUNK = 8192  # resources whose vectors are decoded at once


def _quantity_band(r: Resource) -> tuple[float, float] | None:
    if r.band_low is not None and r.band_high is not None:
        return float(r.band_low), float(r.band_high)
    parsed = parse_band(r.quantity_band)
    return parsed if parsed and parsed[1] > 0 else None


def _embeddings(rows: list[Resource]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of each resource in the matrix or -1, vector size of each or 0, quantised unit vectors).

    Vectors of every size are kept (after a change of embedding model, older ones
    remain until recomputed) but only vectors of the same size are ever compared.
    Zero or non-finite vectors are dropped. Each vector depends only on its own
    bytes, so any subset of the resources decodes the same way.
    """
    emb_row = np.full(len(rows), -1, dtype=np.int64)
    emb_size = np.zeros(len(rows), dtype=np.int64)
    by_size: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        if r.embedding and len(r.embedding) % 2 == 0:
            by_size.setdefault(len(r.embedding) // 2, []).append(i)
    if not by_size:
        return emb_row, emb_size, np.zeros((0, 1), np.float32)
    blocks, start = [], 0
    width = max(by_size)
    for size in sorted(by_size):
        kept = by_size[size]
        block = np.zeros((len(kept), width), dtype=np.float32)
        filled = 0
        # A chunk at a time: decoding 100,000 actors' vectors at once would take gigabytes.
        for first in range(0, len(kept), EMBEDDING_CHUNK):
            part = kept[first:first + EMBEDDING_CHUNK]
            matrix = np.frombuffer(b"".join(rows[i].embedding for i in part), dtype=np.float16)  # type: ignore[misc]
            matrix = matrix.reshape(len(part), size).astype(np.float32)
            with np.errstate(invalid="ignore", over="ignore"):
                norms = np.linalg.norm(matrix, axis=1)
            good = (norms > 0) & np.isfinite(norms)
            chosen = np.array(part, dtype=np.int64)[good]
            emb_row[chosen] = start + filled + np.arange(chosen.size)
            emb_size[chosen] = size
            block[filled:filled + chosen.size, :size] = text.quantise(matrix[good] / norms[good, None])
            filled += chosen.size
        blocks.append(block[:filled])
        start += filled
    return emb_row, emb_size, blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
