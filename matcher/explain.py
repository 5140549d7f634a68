"""Plain sentences saying why a proposal was made and what to check first.

Everything comes from the proposal's parts and their facts, the taxonomy labels
and the actors' public facts. A party whose id (or ref) is not in `reveal` is
described only by its sector and a rough distance ("une exploitation agricole à
environ 10 km"), so an explanation can be shown to either side before both have
accepted an introduction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from data.taxonomy import Taxonomy
from data.types import ActorFacts, Proposal

from .comparators.distance import rough_km
from .sectors import describe
from .wording import CAVEATS, MONTHS, UNITS, WORDS


def explain(
    proposal: Proposal,
    taxonomy: Taxonomy,
    actors: Mapping[str, ActorFacts] | Iterable[ActorFacts],
    lang: str = "fr",
    reveal: Iterable[str] = frozenset(),
) -> str:
    """French or English sentences explaining `proposal` (`lang` "fr" or "en")."""
    lang = "en" if lang == "en" else "fr"
    by_id = dict(actors) if isinstance(actors, Mapping) else {a.id: a for a in actors}
    facts = {part.name: part.facts for part in proposal.parts}
    writer = _Writer(taxonomy, by_id, lang, frozenset(reveal))
    if proposal.kind == "pooling":
        sentences = writer.pooling(proposal, facts)
    else:
        sentences = writer.exchange(proposal, facts)
    sentences += writer.caveats(proposal.caveats)
    return " ".join(s for s in sentences if s)


class _Writer:
    def __init__(self, taxonomy: Taxonomy, actors: dict[str, ActorFacts], lang: str, reveal: frozenset[str]) -> None:
        self.taxonomy, self.actors, self.lang, self.reveal = taxonomy, actors, lang, reveal
        self.words = WORDS[lang]

    # ------------------------------------------------------------ pieces

    def label(self, node_id: str | None) -> str:
        if not node_id or node_id not in self.taxonomy:
            return "?"
        text = self.taxonomy[node_id].label(self.lang)
        return f"« {text} »" if self.lang == "fr" else f"“{text}”"

    def revealed(self, actor_id: str | None) -> bool:
        actor = self.actors.get(actor_id or "")
        return bool(actor_id) and (actor_id in self.reveal or (actor is not None and actor.ref in self.reveal))

    def party(self, actor_id: str | None, km: float | None = None, start: bool = False) -> str:
        """A revealed party by its ref, any other by its sector (and rough distance when given)."""
        actor = self.actors.get(actor_id or "")
        sector = describe(actor.naf_division if actor else None, actor.kind if actor else None, self.lang)
        if self.revealed(actor_id):
            return f"{actor.ref if actor else actor_id} ({sector})"
        text = f"{sector} {self.words['about'].format(km=rough_km(km))}" if km is not None else sector
        return _capital(text) if start else text

    def months(self, months: list[int]) -> str:
        names = MONTHS[self.lang]
        if len(months) == 12:
            return self.words["all_year"]
        run = _cyclic_run(months)
        if run and len(months) >= 3:
            return self.words["from_to"].format(first=names[run[0] - 1], last=names[run[1] - 1])
        return ", ".join(names[m - 1] for m in months)

    def amount(self, band: str | None, unit: str | None) -> str:
        shown = UNITS[self.lang].get(unit or "", unit or "")
        return f"{band} {shown}".strip() if band else "?"

    def join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.words['and']} {items[-1]}"

    # ------------------------------------------------------------ proposals

    def exchange(self, p: Proposal, facts: dict[str, dict]) -> list[str]:
        w = self.words
        tax, dist = facts.get("taxonomy", {}), facts.get("distance", {})
        km = dist.get("km") if dist.get("known") else None
        s_open, r_open = self.revealed(p.supplier), self.revealed(p.receiver)
        # The rough distance goes on the anonymous party (the receiver when both are).
        supplier = self.party(p.supplier, km if (not s_open and r_open) else None, start=True)
        receiver_km = km if not r_open else None
        offer, need = self.label(tax.get("offer_node") or p.node_id), self.label(tax.get("need_node"))
        out = []
        if p.latent:
            via = tax.get("via")
            what = w["latent_via"].format(via=self.label(via)) if via else w["latent_what"]
            out.append(w["latent"].format(supplier=supplier, offer=offer))
            out.append(w["latent_receiver"].format(receiver=self.party(p.receiver, receiver_km, start=True), what=what))
        else:
            key = "sharing" if p.kind == "sharing" else "exchange"
            if tax.get("relation") == "same":
                key += "_same"
            receiver = self.party(p.receiver, receiver_km)
            out.append(w[key].format(supplier=supplier, offer=offer, receiver=receiver, need=need))
            out.append(self.relation(tax, offer, need))
        if km is None:
            out.append(w["distance_unknown"])
        elif s_open and r_open:
            out.append(w["distance_both"].format(km=rough_km(km)))
        out.append(self.quantity(facts.get("quantity", {})))
        out.append(self.timing(facts.get("timing", {})))
        out.append(self.temperature(facts.get("regulatory", {})))
        if facts.get("history", {}).get("realised"):
            out.append(w["realised"])
        return out

    def relation(self, tax: dict, offer: str, need: str) -> str:
        name = tax.get("relation")
        if name in ("need_broader", "offer_broader", "offered_as_use"):
            return self.words[name].format(offer=offer, need=need)
        if name in ("uses", "uses_narrower", "uses_broader"):
            return self.words["uses"].format(offer=offer, via=self.label(tax.get("via")))
        if name == "heat":
            return self.words["heat"]
        return ""

    def quantity(self, q: dict) -> str:
        status = q.get("status")
        if status == "covers":
            return self.words["covers"].format(offer=self.amount(q.get("offer_band"), q.get("offer_unit")),
                                               need=self.amount(q.get("need_band"), q.get("need_unit")))
        if status in ("partial", "small"):
            pct = max(5, int(round((q.get("ratio") or 0) * 100 / 5) * 5))
            return self.words[status].format(pct=pct)
        if status == "units_differ":
            return self.words["units_differ"]
        return ""

    def timing(self, t: dict) -> str:
        status, months = t.get("status"), t.get("months") or []
        if status == "covered":
            return self.words["covered"].format(months=self.months(months))
        if status == "partial":
            return self.words["partial_months"].format(months=self.months(months))
        if status == "none":
            return self.words["no_overlap"]
        return ""

    def temperature(self, reg: dict) -> str:
        temp = reg.get("temperature")
        if not temp:
            return ""
        low, high = temp["supply"]
        supply = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        key = "temperature_borderline" if temp.get("status") == "borderline" else "temperature_ok"
        return self.words[key].format(supply=supply, required=f"{temp['required']:g}")

    def pooling(self, p: Proposal, facts: dict[str, dict]) -> list[str]:
        w = self.words
        tax, dist = facts.get("taxonomy", {}), facts.get("distance", {})
        members = self.join([self.party(m) for m in p.members])
        if tax.get("relation") == "siblings":
            needs = ", ".join(self.label(n) for n in tax.get("nodes", []))
            head = w["pooling_siblings"].format(count=len(p.members), needs=needs, need=self.label(p.node_id),
                                                members=members)
        else:
            head = w["pooling"].format(count=len(p.members), need=self.label(p.node_id), members=members)
        out = [head, w["pooling_why"]]
        if dist.get("known"):
            out.append(w["spread"].format(km=rough_km(float(dist.get("spread_km") or 0.0), upper=True)))
        else:
            out.append(w["spread_unknown"])
        months = facts.get("timing", {}).get("months") or []
        if months and len(months) < 12:
            out.append(w["pool_months"].format(months=self.months(months)))
        return out

    def caveats(self, names: Iterable[str]) -> list[str]:
        names = list(dict.fromkeys(names))
        texts = CAVEATS[self.lang]
        if "hazardous" in names and "adr_transport" in names:
            names = ["hazardous_adr" if n == "hazardous" else n for n in names if n != "adr_transport"]
        return [texts[n] for n in names if n in texts]


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _cyclic_run(months: list[int]) -> tuple[int, int] | None:
    """(first, last) when the months form one run, possibly across the new year."""
    present = set(months)
    if not present:
        return None
    starts = [m for m in present if (m - 2) % 12 + 1 not in present]
    if len(starts) != 1:
        return None
    first = starts[0]
    last = first
    while last % 12 + 1 in present and last % 12 + 1 != first:
        last = last % 12 + 1
    return first, last
