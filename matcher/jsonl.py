"""The `symbiose match --jsonl` line of a proposal (the contract in ARCHITECTURE.md).

`{"id", "kind", "supplier", "receiver", "resource": {"id", "label"}, "score",
"explanation"}`; pooling lines carry `"members"` instead of supplier/receiver.
Sharing proposals are written with `"kind": "exchange"` and `"sharing": true`:
tools that read the contract (the dev-data evaluation among them) count loans of
equipment and space as bilateral exchanges. Extra keys: `"latent": true` when
the receiver declared no need, `"parts"` (name → value) and `"caveats"`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from data.taxonomy import Taxonomy
from data.types import ActorFacts, Proposal

from .explain import explain


def _ref(actors_by_id: Mapping[str, ActorFacts], actor_id: str | None) -> str | None:
    if actor_id is None:
        return None
    actor = actors_by_id.get(actor_id)
    return actor.ref if actor else actor_id


def to_contract(
    proposal: Proposal,
    actors_by_id: Mapping[str, ActorFacts],
    taxonomy: Taxonomy,
    lang: str = "fr",
    *,
    reveal: Iterable[str] | None = None,
) -> dict:
    """One JSON-ready line. The explanation names the parties unless `reveal` says otherwise:
    the export is for the facilitator, who may see who is who in their territory."""
    node = taxonomy.get(proposal.node_id)
    parties = proposal.members if proposal.kind == "pooling" else (proposal.supplier, proposal.receiver)
    shown = set(reveal) if reveal is not None else {p for p in parties if p}
    line: dict = {
        "id": proposal.id,
        "kind": "exchange" if proposal.kind == "sharing" else proposal.kind,
    }
    if proposal.kind == "pooling":
        line["members"] = [_ref(actors_by_id, m) for m in proposal.members]
    else:
        line["supplier"] = _ref(actors_by_id, proposal.supplier)
        line["receiver"] = _ref(actors_by_id, proposal.receiver)
    line["resource"] = {"id": proposal.node_id, "label": node.label(lang) if node else proposal.node_id}
    line["score"] = round(float(proposal.score), 3)
    line["explanation"] = explain(proposal, taxonomy, actors_by_id, lang=lang, reveal=shown)
    if proposal.kind == "sharing":
        line["sharing"] = True
    if proposal.latent:
        line["latent"] = True
    line["parts"] = {part.name: round(float(part.value), 3) for part in proposal.parts}
    line["caveats"] = list(proposal.caveats)
    return line
