"""Synergies: accepted proposals moving through the pipeline, and their yearly impact.

    idea → study → in progress → realised
                 ↘ abandoned (with the reason), from any open stage

Every stage change is kept (`synergy_event`) so the dashboard can draw the funnel
and the end-of-programme review can tell the story. Working-group notes are free
text and live sealed in the vault (`note`, by the synergy's proposal id).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .db import transaction
from .errors import SymbioseError
from .store import Store, now

STAGES = ("idea", "study", "in_progress", "realised", "abandoned")
OPEN_STAGES = ("idea", "study", "in_progress")
NEXT = {"idea": ("study", "abandoned"), "study": ("in_progress", "abandoned"),
        "in_progress": ("realised", "abandoned"), "realised": (), "abandoned": ("idea",)}


@dataclass(frozen=True)
class Factor:
    """A CO2e factor: tonnes of CO2e avoided per unit of what the synergy moves."""

    prefix: str  # taxonomy node id prefix it applies to ("" = any)
    per: str  # "t" (tonne diverted) or "MWh" (energy recovered)
    t_co2e: float
    source: str  # where the figure comes from, in English
    source_fr: str  # the same in French

    def source_in(self, lang: str) -> str:
        return self.source_fr if lang == "fr" else self.source


# Order-of-magnitude defaults, first matching prefix wins; the guide (docs/guide-animateur.md)
# lists them and says where they come from. They are shown next to every impact figure.
CO2E_FACTORS: tuple[Factor, ...] = (
    Factor("energy.electricity", "MWh", 0.052, "ADEME Base Empreinte: French grid electricity, 52 kg CO2e/MWh",
           "ADEME Base Empreinte : électricité du réseau français, 52 kg CO2e/MWh"),
    Factor("energy", "MWh", 0.227, "ADEME Base Empreinte: natural-gas heat replaced, 227 kg CO2e/MWh (LHV)",
           "ADEME Base Empreinte : chaleur au gaz naturel remplacée, 227 kg CO2e/MWh (PCI)"),
    Factor("material.organic", "t", 0.10, "avoided composting/incineration and transport of organic matter, ~0.1 t CO2e/t",
           "compostage ou incinération et transport de matière organique évités, ~0,1 t CO2e/t"),
    Factor("material.wood", "t", 0.30, "wood reused instead of new panels or incineration, ~0.3 t CO2e/t",
           "bois réemployé au lieu de panneaux neufs ou d'incinération, ~0,3 t CO2e/t"),
    Factor("material.metal", "t", 1.50, "recycled steel or aluminium instead of primary metal, ~1.5 t CO2e/t",
           "acier ou aluminium recyclé au lieu de métal primaire, ~1,5 t CO2e/t"),
    Factor("material.plastic", "t", 1.00, "plastic reused or recycled instead of virgin polymer, ~1 t CO2e/t",
           "plastique réemployé ou recyclé au lieu de polymère vierge, ~1 t CO2e/t"),
    Factor("material", "t", 0.50, "generic material diverted from disposal and replacing virgin material, ~0.5 t CO2e/t",
           "matière détournée de l'élimination, en substitution de matière vierge, ~0,5 t CO2e/t"),
)
DISPOSAL_EUR_PER_T = 100.0  # typical French cost of collecting and treating a tonne of waste (suggested saving)


class StageError(SymbioseError):
    pass


def factor_for(node_id: str | None, per: str) -> Factor | None:
    for factor in CO2E_FACTORS:
        if factor.per == per and (node_id or "").startswith(factor.prefix):
            return factor
    return None


def co2e(node_id: str | None, tonnes: float | None, mwh: float | None) -> float:
    """Tonnes of CO2e avoided per year by moving `tonnes` and `mwh` of `node_id`."""
    total = 0.0
    for per, amount in (("t", tonnes), ("MWh", mwh)):
        factor = factor_for(node_id, per)
        if amount and factor:
            total += amount * factor.t_co2e
    return round(total, 2)


def estimate(resources: list[dict]) -> dict:
    """Yearly tonnes and MWh suggested from the first resource's public band (its middle)."""
    out = {"tonnes_year": None, "mwh_year": None, "eur_year": None}
    for r in resources:
        low, high, unit = r.get("band_low"), r.get("band_high"), r.get("unit")
        if not (low and high):
            continue
        middle = math.sqrt(low * high)
        if unit == "t/yr":
            out["tonnes_year"] = round(middle, 1)
            out["eur_year"] = round(middle * DISPOSAL_EUR_PER_T)
        elif unit == "MWh/yr":
            out["mwh_year"] = round(middle, 1)
        break
    return out


def get_synergy(store: Store, synergy_id: int, territory_id: int | None = None) -> dict:
    rows = list(store.public["synergy"].rows_where("id = ?", [synergy_id]))
    if not rows or (territory_id is not None and rows[0]["territory_id"] != territory_id):
        raise StageError(f"No synergy {synergy_id}.")
    return rows[0]


def synergy_for(store: Store, proposal_id: str) -> dict | None:
    rows = list(store.public["synergy"].rows_where("proposal_id = ?", [proposal_id]))
    return rows[0] if rows else None


def ensure_synergy(store: Store, proposal: dict, title: str, user_id: int | None) -> dict:
    """The synergy of an accepted proposal, created at stage `idea` the first time."""
    existing = synergy_for(store, proposal["id"])
    if existing:
        return existing
    ids = json.loads(proposal.get("resources") or "[]")
    resources = [store.public["resource"].get(r) for r in ids if store.public["resource"].count_where("id = ?", [r])]
    guess = estimate(resources)
    with transaction(store.public):
        synergy_id = store.public["synergy"].insert({
            "territory_id": proposal["territory_id"], "proposal_id": proposal["id"], "title": title[:200],
            "stage": "idea", "reason": None, **guess, "created_at": now(), "updated_at": now(), "realised_at": None,
        }).last_pk
        store.public["synergy_event"].insert({"synergy_id": synergy_id, "stage_from": None, "stage_to": "idea",
                                              "reason": None, "user_id": user_id, "created_at": now()})
    return get_synergy(store, synergy_id)


def move(store: Store, synergy_id: int, stage: str, user_id: int | None, reason: str = "",
         territory_id: int | None = None) -> dict:
    """Move a synergy to `stage`; abandoning needs a reason."""
    if stage not in STAGES:
        raise StageError(f"Unknown stage {stage!r}; expected one of: {', '.join(STAGES)}.")
    reason = (reason or "").strip()[:500]
    with transaction(store.public):
        row = get_synergy(store, synergy_id, territory_id)
        if stage == row["stage"]:
            return row
        if stage not in NEXT[row["stage"]]:
            raise StageError(f"A synergy at stage {row['stage']!r} cannot move to {stage!r}.")
        if stage == "abandoned" and not reason:
            raise StageError("Say why the synergy is abandoned.")
        update = {"stage": stage, "reason": reason or None, "updated_at": now()}
        if stage == "realised":
            update["realised_at"] = now()
        store.public["synergy"].update(synergy_id, update)
        store.public["synergy_event"].insert({"synergy_id": synergy_id, "stage_from": row["stage"],
                                              "stage_to": stage, "reason": reason or None, "user_id": user_id,
                                              "created_at": now()})
    return get_synergy(store, synergy_id)


def set_impact(store: Store, synergy_id: int, *, tonnes_year: float | None, mwh_year: float | None,
               eur_year: float | None, territory_id: int | None = None) -> None:
    for name, value in (("tonnes", tonnes_year), ("MWh", mwh_year), ("euros", eur_year)):
        if value is not None and (value < 0 or not math.isfinite(value)):
            raise StageError(f"The yearly {name} must be a positive number.")
    with transaction(store.public):
        get_synergy(store, synergy_id, territory_id)
        store.public["synergy"].update(synergy_id, {"tonnes_year": tonnes_year, "mwh_year": mwh_year,
                                                    "eur_year": eur_year, "updated_at": now()})


def list_synergies(store: Store, territory_id: int, stage: str | None = None) -> list[dict]:
    where, params = "s.territory_id = ?", [territory_id]
    if stage:
        where, params = where + " AND s.stage = ?", params + [stage]
    return [dict(r) for r in store.public.query(
        "SELECT s.*, p.node_id, p.kind, p.supplier_id, p.receiver_id, p.members, p.quick_win FROM synergy s "
        f"JOIN proposal p ON p.id = s.proposal_id WHERE {where} ORDER BY s.updated_at DESC, s.id DESC", params)]


def events(store: Store, synergy_id: int) -> list[dict]:
    return list(store.public["synergy_event"].rows_where("synergy_id = ?", [synergy_id], order_by="id"))


def yearly_impact(store: Store, territory_id: int) -> dict:
    """The estimated yearly impact of the territory's realised synergies."""
    total = {"tonnes": 0.0, "mwh": 0.0, "eur": 0.0, "co2e": 0.0, "count": 0}
    for s in list_synergies(store, territory_id, "realised"):
        total["count"] += 1
        total["tonnes"] += s["tonnes_year"] or 0.0
        total["mwh"] += s["mwh_year"] or 0.0
        total["eur"] += s["eur_year"] or 0.0
        total["co2e"] += co2e(s["node_id"], s["tonnes_year"], s["mwh_year"])
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in total.items()}
