"""How two taxonomy nodes relate: can an offer of one satisfy a need for the other?

The rules come from the tree and the nodes' `uses`, never from names:

- same node;
- the need is broader than the offer (a need for "wood" meets an offer of sawdust);
- the offer is broader than the need (scored lower: the supplier must confirm);
- the need is what the offer can be used as (`Taxonomy.used_as`, inherited), or a
  narrower or broader node than such a use target;
- the offer is named by its use ("du compost", "de la litière") and the need by a
  material that serves that use (scored as an offer broader than the need: the
  supplier must confirm it is that material);
- heat: two sibling nodes whose use hinges on temperature (`heat_temperature`
  caveat) are compatible when the temperatures fit, which the regulatory
  comparator decides pair by pair.

Latent and pooling relations have fixed values here too, so all taxonomy scores
are read from one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from data.taxonomy import Taxonomy

SAME = 1.0
USES = 0.9  # the taxonomy says the offer is used as exactly what is needed
USES_NARROWER = 0.85  # the need is a particular kind of a use target
NEED_BROADER = 0.8  # one level broader; each further level costs STEP
USES_BROADER = 0.75
HEAT_BY_TEMPERATURE = 0.7
OFFER_BROADER = 0.65  # the offer is vaguer than the need: to confirm with the supplier
LATENT = 0.5  # the receiver's sector typically uses this node
LATENT_VIA_USES = 0.4  # …or uses what this node can be used as
POOL_SIBLING = 0.8  # a pooling of related, not identical, needs
STEP = 0.1
FLOOR = 0.4

TEMPERATURE_CAVEAT = "heat_temperature"


@dataclass(frozen=True)
class Relation:
    """Why a need node is compatible with an offer node, and how strongly."""

    name: str  # same | need_broader | offer_broader | uses | uses_narrower | uses_broader | offered_as_use | heat | latent | latent_uses
    value: float
    via: str | None = None  # the use target that links them, when there is one
    levels: int = 0  # how many tree levels apart, for broader/narrower relations


def _stepped(top: float, levels: int) -> float:
    return max(FLOOR, top - STEP * (levels - 1))


def relation(taxonomy: Taxonomy, offer_node: str, need_node: str) -> Relation | None:
    """The strongest relation through which an offer of `offer_node` meets a need for `need_node`."""
    if offer_node not in taxonomy or need_node not in taxonomy:
        return None
    if offer_node == need_node:
        return Relation("same", SAME)
    offer, need = taxonomy[offer_node], taxonomy[need_node]
    found: list[Relation] = []
    # Roots ("material", "service"…) are too generic to stand for a need or an offer.
    if taxonomy.is_ancestor(need_node, offer_node) and need.depth >= 1:
        levels = offer.depth - need.depth
        found.append(Relation("need_broader", _stepped(NEED_BROADER, levels), levels=levels))
    if taxonomy.is_ancestor(offer_node, need_node) and offer.depth >= 1:
        levels = need.depth - offer.depth
        found.append(Relation("offer_broader", _stepped(OFFER_BROADER, levels), levels=levels))
    for target in sorted(taxonomy.used_as(offer_node)):
        if target not in taxonomy:
            continue
        if target == need_node:
            found.append(Relation("uses", USES, via=target))
        elif taxonomy.is_ancestor(target, need_node):
            levels = need.depth - taxonomy[target].depth
            found.append(Relation("uses_narrower", _stepped(USES_NARROWER, levels), via=target, levels=levels))
        elif taxonomy.is_ancestor(need_node, target) and need.depth >= 1:
            levels = taxonomy[target].depth - need.depth
            found.append(Relation("uses_broader", _stepped(USES_BROADER, levels), via=target, levels=levels))
    if need_node in taxonomy.serving(offer_node) and need.depth >= 1:
        found.append(Relation("offered_as_use", OFFER_BROADER, via=offer_node))
    if (offer.parent is not None and offer.parent == need.parent
            and TEMPERATURE_CAVEAT in offer.caveats and TEMPERATURE_CAVEAT in need.caveats):
        found.append(Relation("heat", HEAT_BY_TEMPERATURE))
    if not found:
        return None
    # Highest value first; ties go to the first rule listed, then the first target by name.
    return max(found, key=lambda r: r.value)


def candidate_needs(taxonomy: Taxonomy, offer_node: str) -> dict[str, Relation]:
    """Every need node an offer of `offer_node` can meet, with its relation.

    Enumerates only the neighbourhood the rules can reach (lineage, subtree, use
    targets and theirs, heat siblings) instead of testing every node.
    """
    if offer_node not in taxonomy:
        return {}
    offer = taxonomy[offer_node]
    reach: set[str] = {offer_node, *taxonomy.ancestors(offer_node)}
    if offer.depth >= 1:
        reach.update(taxonomy.descendants(offer_node))
    for target in taxonomy.used_as(offer_node):
        if target in taxonomy:
            reach.update((target, *taxonomy.ancestors(target), *taxonomy.descendants(target)))
    if offer.parent is not None:
        reach.update(taxonomy[offer.parent].children)
    reach.update(taxonomy.serving(offer_node))
    out = {}
    for need_node in sorted(reach):
        found = relation(taxonomy, offer_node, need_node)
        if found is not None:
            out[need_node] = found
    return out


def latent_divisions(taxonomy: Taxonomy, offer_node: str) -> dict[str, Relation]:
    """NACE divisions whose activity typically uses an offer of `offer_node`.

    The `naf_uses` of the node and its ancestors. When the taxonomy names none
    (heat offers, for instance, describe their uses as heat-need nodes), fall back
    on the `naf_uses` of what the node can be used as, minus the divisions that
    typically produce the node themselves (a foundry does not need another
    foundry's waste heat).
    """
    if offer_node not in taxonomy:
        return {}
    lineage = taxonomy.lineage(offer_node)
    out: dict[str, Relation] = {}
    for nid in lineage:
        for division in taxonomy[nid].naf_uses:
            out.setdefault(division, Relation("latent", LATENT))
    if out:
        return out
    produces = {d for nid in lineage for d in taxonomy[nid].naf_produces}
    for target in sorted(taxonomy.used_as(offer_node)):
        if target not in taxonomy:
            continue
        for division in taxonomy[target].naf_uses:
            if division not in produces:
                out.setdefault(division, Relation("latent_uses", LATENT_VIA_USES, via=target))
    return out


def pooling_value(same_node: bool) -> float:
    """Taxonomy part of a pooling group: identical needs, or siblings under a shared parent."""
    return SAME if same_node else POOL_SIBLING
