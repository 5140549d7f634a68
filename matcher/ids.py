"""Stable proposal ids and fingerprints of the facts a proposal rests on."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from data.types import ActorFacts, Resource


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def exchange_id(kind: str, supplier: str, receiver: str, offer_node: str, need_node: str) -> str:
    """Same parties and same pair of nodes → same id, whatever the resources' ids or order."""
    return "p_" + _digest((kind, supplier, receiver, offer_node, need_node))


def pooling_id(node: str, members: Iterable[str]) -> str:
    return "p_" + _digest(("pooling", node, *sorted(members)))


def resource_facts(resource: Resource, actor: ActorFacts | None) -> str:
    """The public facts of one resource that a proposal depends on, as one string."""
    where = (actor.lat, actor.lon) if actor is not None else (None, None)
    return repr((
        resource.direction, resource.node_id, resource.head, resource.quantity_band, resource.band_low,
        resource.band_high, resource.unit, tuple(resource.months), resource.temp_band, where,
    ))


def fingerprint(facts: Iterable[str]) -> str:
    """Order-independent hash of resource (and actor) facts."""
    return _digest(sorted(facts))


def actor_facts(actor: ActorFacts | None) -> str:
    """A latent receiver has no resource: its sector and place stand in for one."""
    if actor is None:
        return "actor:?"
    return repr(("actor", actor.id, actor.naf_division, actor.lat, actor.lon))
