"""The matcher's knobs, declared once with a default and a help string.

Every threshold and weight the matcher uses lives here, so that a facilitator's
installation can tune them (`MatcherSettings.from_mapping`) and the CLI can list
them (`MatcherSettings.describe`). Nothing else in `matcher/` hard-codes a number
that a reasonable person might want to change.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


class SettingsError(ValueError):
    """A matcher setting is unknown or has a value of the wrong kind."""


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


PART_NAMES = ("taxonomy", "text", "quantity", "distance", "timing", "regulatory", "history")


@dataclass(frozen=True)
class MatcherSettings:
    """Weights, thresholds and caps of `matcher.propose`."""

    weight_taxonomy: float = _setting(0.30, "Weight of the taxonomy relation between offer and need.")
    weight_text: float = _setting(0.10, "Weight of the similarity of the actors' own words.")
    weight_quantity: float = _setting(0.15, "Weight of how well the offered quantity covers the need.")
    weight_distance: float = _setting(0.20, "Weight of closeness, relative to the resource's maximum distance.")
    weight_timing: float = _setting(0.10, "Weight of the overlap of the months when offer and need occur.")
    weight_regulatory: float = _setting(0.10, "Weight of regulatory ease (fewer caveats to check scores higher).")
    weight_history: float = _setting(0.05, "Weight of the facilitator's past decisions on the same pair of resources.")

    min_score: float = _setting(0.40, "Declared exchanges scoring below this are not proposed.")
    top_receivers: int = _setting(
        6, "At most this many receivers are proposed for each offer (an actor's offers together reach more).")
    default_max_km: float = _setting(50.0, "Maximum distance when no taxonomy node on the lineage gives one.")
    distance_floor: float = _setting(0.10, "Distance score at exactly the maximum distance (1.0 at zero km).")

    text_cosine_floor: float = _setting(
        0.80, "Embedding cosine counted as unrelated words (0 similarity). Model-dependent: "
        "0.8 suits the default multilingual-e5 backend, about 0.2 suits MiniLM models.")
    text_cosine_ceiling: float = _setting(0.95, "Embedding cosine counted as the same words (similarity 1).")

    caveat_penalty: float = _setting(0.08, "Regulatory score lost for each caveat to check.")
    hazard_penalty: float = _setting(0.15, "Extra regulatory score lost when the offer is hazardous.")
    marginal_temperature_penalty: float = _setting(
        0.25, "Regulatory score lost when the supply temperature is only borderline for the need.")

    certainty_floor: float = _setting(
        0.6, "Taxonomy part kept for a resource the normaliser recognised with confidence 0 (1 when "
        "the actor or the facilitator confirmed it): certainty = floor + (1 - floor) × confidence.")
    latent_min_confidence: float = _setting(
        0.5, "An unconfirmed offer recognised with less confidence than this gets no latent receivers.")
    latent_skip_declared_root: bool = _setting(
        True, "No latent proposal to an actor who declared needs of the same kind (materials, energy…) "
        "but not this one: the interview asked them, and they named what they want.")
    latent: bool = _setting(True, "Propose offers to actors whose activity typically uses them, without a declared need.")
    latent_per_offer: int = _setting(2, "At most this many latent receivers for each offer.")
    latent_cap: float = _setting(
        0.35, "A latent proposal scores its weighted score times this, so it always ranks below declared "
        "exchanges (which need at least min_score).")
    latent_reach: float = _setting(
        0.5, "Latent receivers are sought within this fraction of the resource's maximum distance: "
        "a suggestion nobody asked for should come from a neighbour.")

    pool_max_members: int = _setting(12, "Largest pooling group; bigger clusters are split around dense seeds.")
    pool_parent_min_depth: int = _setting(
        2, "Needs on sibling nodes are pooled under their common parent only when that parent is at least "
        "this deep (0 = root); shallower parents are too generic to be one shared need.")

    history_prior: float = _setting(1.0, "Pseudo-count that damps the effect of few past decisions.")

    @property
    def weights(self) -> dict[str, float]:
        """Part name → weight, in the fixed order of `PART_NAMES`."""
        return {name: float(getattr(self, f"weight_{name}")) for name in PART_NAMES}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> MatcherSettings:
        """Settings from a mapping such as `{"min_score": "0.5"}` (e.g. SYMBIOSE_MATCHER_* variables)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise SettingsError(f"Unknown matcher setting(s) {', '.join(unknown)}; expected one of {', '.join(known)}.")
        changes: dict[str, Any] = {}
        for name, raw in values.items():
            kind = type(known[name].default)
            try:
                if kind is bool and isinstance(raw, str):
                    changes[name] = raw.strip().lower() in ("1", "true", "yes", "on")
                else:
                    changes[name] = kind(raw)
            except (TypeError, ValueError):
                raise SettingsError(f"Matcher setting {name} expects a value of type {kind.__name__}, got {raw!r}.") from None
        return replace(cls(), **changes)

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str]]:
        """(name, default, help) of every setting, for documentation and the CLI."""
        return [(f.name, f.default, f.metadata["help"]) for f in fields(cls)]
