"""Taxonomy nodes and the tree they form."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

DIMENSIONS = ("mass", "volume", "energy", "power", "area", "count", "time", "length")
STATUSES = ("waste", "byproduct", "product")
CAVEATS = (
    "hazardous", "waste_status", "spreading_plan", "animal_byproduct", "food_safety",
    "treated_wood", "adr_transport", "icpe", "contract_liability", "heat_temperature",
)
ROOTS = ("material", "energy", "water", "equipment", "space", "service", "purchasing", "skill")


@dataclass(frozen=True)
class Node:
    """One taxonomy node, with inherited attributes already resolved."""

    id: str
    label_fr: str
    label_en: str
    desc_fr: str = ""
    desc_en: str = ""
    syn_fr: tuple[str, ...] = ()
    syn_en: tuple[str, ...] = ()
    dimension: str | None = None
    status: str | None = None
    low: tuple[str, ...] = ()
    hazardous: bool = False
    uses: tuple[str, ...] = ()
    naf_uses: tuple[str, ...] = ()
    naf_produces: tuple[str, ...] = ()
    caveats: frozenset[str] = frozenset()
    max_km: float | None = None
    temp_c: tuple[float, float] | None = None
    deprecated: bool = False
    # Needs on different children of this node are still one shared need (a training
    # session, a purchasing group): pooled under this node however shallow it is.
    pool_siblings: bool = False
    children: tuple[str, ...] = ()

    @property
    def parent(self) -> str | None:
        return self.id.rsplit(".", 1)[0] if "." in self.id else None

    @property
    def root(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def depth(self) -> int:
        return self.id.count(".")

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def label(self, lang: str = "fr") -> str:
        return self.label_en if lang == "en" else self.label_fr

    def description(self, lang: str = "fr") -> str:
        return self.desc_en if lang == "en" else self.desc_fr

    def synonyms(self, lang: str = "fr") -> tuple[str, ...]:
        return self.syn_en if lang == "en" else self.syn_fr


@dataclass(frozen=True)
class Taxonomy:
    """The whole tree, indexed by id. Immutable; build a new one to extend it."""

    nodes: dict[str, Node]
    extra: tuple[tuple[str, str, str], ...] = field(default=())  # (node_id, lang, phrase) from the database

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, node_id: str | None) -> Node | None:
        return self.nodes.get(node_id) if node_id else None

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_leaf and not n.deprecated]

    def ancestors(self, node_id: str) -> list[str]:
        """Ids from the parent up to the root."""
        out = []
        parent = self.nodes[node_id].parent
        while parent:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def lineage(self, node_id: str) -> list[str]:
        return [node_id, *self.ancestors(node_id)]

    def descendants(self, node_id: str) -> Iterator[str]:
        for child in self.nodes[node_id].children:
            yield child
            yield from self.descendants(child)

    def is_ancestor(self, maybe_ancestor: str, node_id: str) -> bool:
        return node_id.startswith(maybe_ancestor + ".")

    def related(self, a: str, b: str) -> bool:
        """Same node, or one is an ancestor of the other."""
        return a == b or self.is_ancestor(a, b) or self.is_ancestor(b, a)

    @cached_property
    def _used_as(self) -> dict[str, frozenset[str]]:
        """node → every node it can be used as, through its own and its ancestors' `uses`."""
        out: dict[str, frozenset[str]] = {}
        for node in self.nodes.values():
            targets: set[str] = set()
            for nid in self.lineage(node.id):
                targets.update(self.nodes[nid].uses)
            out[node.id] = frozenset(targets)
        return out

    def used_as(self, node_id: str) -> frozenset[str]:
        return self._used_as.get(node_id, frozenset())

    @cached_property
    def _serving(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for nid, targets in self._used_as.items():
            for target in targets:
                out.setdefault(target, set()).add(nid)
        return {k: frozenset(v) for k, v in out.items()}

    def serving(self, use_node: str) -> frozenset[str]:
        """Every node that can be used as `use_node` (the reverse of `used_as`)."""
        return self._serving.get(use_node, frozenset())

    def synonyms(self, node_id: str, lang: str) -> tuple[str, ...]:
        node = self.nodes[node_id]
        added = tuple(p for nid, lg, p in self.extra if nid == node_id and lg == lang)
        return node.synonyms(lang) + added

    def with_synonyms(self, extra: Iterable[tuple[str, str, str]]) -> Taxonomy:
        """A copy that also knows facilitator-confirmed synonyms (unknown node ids are ignored)."""
        kept = tuple(sorted({(n, lang, p) for n, lang, p in extra if n in self.nodes}))
        return replace(self, extra=kept) if kept != self.extra else self

    def low_codes(self) -> set[str]:
        return {code for node in self.nodes.values() for code in node.low}

    def relation_count(self) -> int:
        return sum(len(n.uses) + len(n.naf_uses) + len(n.naf_produces) for n in self.nodes.values())
