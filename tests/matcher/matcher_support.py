"""A small territory builder over the real taxonomy, and helpers, for the matcher's tests."""
from __future__ import annotations

import math

from data.types import ActorFacts, Resource
from matcher import propose

BASE_LAT, BASE_LON = 47.0, 3.0
KM_PER_DEG_LAT = 111.195


class Territory:
    """Actors placed by kilometres east/north of a base point, and their resources."""

    def __init__(self, taxonomy) -> None:
        self.taxonomy = taxonomy
        self.actors: list[ActorFacts] = []
        self.resources: list[Resource] = []

    def actor(self, actor_id: str, east_km: float | None = 0.0, north_km: float = 0.0, *,
              division: str | None = "25", kind: str = "company") -> str:
        if east_km is None:
            lat = lon = None
        else:
            lat = BASE_LAT + north_km / KM_PER_DEG_LAT
            lon = BASE_LON + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(BASE_LAT)))
        self.actors.append(ActorFacts(actor_id, f"ref-{actor_id}", kind, division, lat, lon))
        return actor_id

    def _add(self, direction: str, actor_id: str, node_id: str, **fields) -> Resource:
        rid = fields.pop("id", f"{actor_id}-{direction}-{len(self.resources)}")
        resource = Resource(rid, actor_id, direction, node_id, status=fields.pop("status", "confirmed"), **fields)
        self.resources.append(resource)
        return resource

    def offer(self, actor_id: str, node_id: str, **fields) -> Resource:
        return self._add("offer", actor_id, node_id, **fields)

    def need(self, actor_id: str, node_id: str, **fields) -> Resource:
        return self._add("need", actor_id, node_id, **fields)

    def propose(self, **options):
        return propose(self.resources, self.actors, self.taxonomy, **options)

    @property
    def by_id(self) -> dict[str, ActorFacts]:
        return {a.id: a for a in self.actors}


def bilateral(proposals, supplier: str, receiver: str):
    """The proposals from one supplier to one receiver (exchanges and sharing)."""
    return [p for p in proposals if p.supplier == supplier and p.receiver == receiver]


def part(proposal, name: str):
    return next(p for p in proposal.parts if p.name == name)


def random_territory(taxonomy, seed: int, actors: int = 120, span_km: float = 60.0) -> Territory:
    """A seeded random territory over real nodes: all kinds of resources, some unknown places and bands."""
    import random

    import numpy as np

    rnd = random.Random(seed)
    leaves = sorted(n.id for n in taxonomy.leaves())
    wanted = [n for n in leaves if n.startswith(("material.input", "energy.heat", "equipment", "service", "space"))]
    divisions = ["01", "02", "10", "16", "23", "24", "35", "38", "43", "81", "84", "86", "87", None]
    units = ["t/yr", "m3/yr", "kW", "h/week", "m2"]
    territory = Territory(taxonomy)
    vectors = np.random.default_rng(seed).standard_normal((actors * 4, 16)).astype(np.float16)
    for i in range(actors):
        actor_id = f"a{i:03d}"
        east = None if rnd.random() < 0.05 else rnd.uniform(0, span_km)
        territory.actor(actor_id, east, rnd.uniform(0, span_km), division=rnd.choice(divisions))
        for k in range(rnd.randint(1, 4)):
            direction = rnd.choice(("offer", "need"))
            node = rnd.choice(wanted if direction == "need" and rnd.random() < 0.6 else leaves)
            low = rnd.choice([1, 3, 10, 30, 100])
            fields = {
                "head": rnd.choice(["sciure", "chaleur", "broyeur", "compost", "collecte", ""]),
                "months": tuple(sorted(rnd.sample(range(1, 13), rnd.randint(1, 6)))) if rnd.random() < 0.3 else (),
                "temp_band": rnd.choice([None, "20-30", "40-50", "80-90"]) if node.startswith("energy.heat") else None,
                # Mostly one embedding model, a few vectors from another (different size).
                "embedding": (vectors[i * 4 + k][: 8 if rnd.random() < 0.1 else 16].tobytes()
                              if rnd.random() < 0.5 else None),
                "sharing": rnd.choice(["named", "anonymous", "facilitator"]),
            }
            if rnd.random() < 0.7:
                fields.update(band_low=float(low), band_high=float(low * (3 if str(low)[0] == "1" else 10 / 3)),
                              unit=rnd.choice(units))
            (territory.offer if direction == "offer" else territory.need)(actor_id, node, **fields)
    return territory
