"""The shapes that travel between layers, named once.

`data` is the bottom layer, so the plain dataclasses shared by `nlp`, `matcher`
and `interview_bot` live here. They carry no behaviour beyond small helpers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["offer", "need"]
Sharing = Literal["named", "anonymous", "facilitator"]
Dimension = Literal["mass", "volume", "energy", "power", "area", "count", "time", "length"]

SHARING_LEVELS: tuple[Sharing, ...] = ("named", "anonymous", "facilitator")
DIRECTIONS: tuple[Direction, ...] = ("offer", "need")


@dataclass(frozen=True)
class Quantity:
    """An amount read from text, converted to the canonical unit of its dimension.

    `value` is the best single figure (the middle of a range); `low`/`high` bound
    it when the text gave a range or an approximation.
    """

    value: float
    unit: str  # canonical unit, e.g. "t/yr", "m3/yr", "MWh/yr", "kW", "m2", "h/week", "count"
    dimension: Dimension
    low: float | None = None
    high: float | None = None
    approximate: bool = False
    text: str = ""  # the words the figure came from, as written
    original_unit: str = ""  # the unit as written ("stères", "big-bags", "t")


@dataclass(frozen=True)
class Mention:
    """One resource mentioned in an answer ("environ 2 t de cartons par mois")."""

    text: str  # the span of the answer that describes this resource
    head: str  # the words that name the resource, without quantity/frequency ("cartons")
    start: int = 0
    end: int = 0
    quantity: Quantity | None = None
    frequency: str | None = None  # "per_day", "per_week", "per_month", "per_year", "once", "continuous"
    months: tuple[int, ...] = ()  # season, 1..12, empty when all year / unknown
    temperature_c: tuple[float, float] | None = None  # (min, max) when the text gives one
    negated: bool = False  # "on n'a plus de palettes"
    lang: str = "fr"


@dataclass(frozen=True)
class Candidate:
    """A taxonomy node proposed for a mention, with a calibrated confidence in [0, 1]."""

    id: str
    label: str
    score: float
    low_codes: tuple[str, ...] = ()
    hazardous: bool = False


@dataclass
class NormalisedItem:
    """A mention and its ranked taxonomy candidates; `unknown` when none is confident."""

    mention: Mention
    candidates: list[Candidate] = field(default_factory=list)
    unknown: bool = False
    embedding: bytes | None = None  # float16 vector of the mention, stored with the resource

    @property
    def best(self) -> Candidate | None:
        return None if self.unknown or not self.candidates else self.candidates[0]


IDENTITY_FIELDS = (
    "name", "email", "siret", "phone", "contact", "naf",
    "commune", "postcode", "lat", "lon", "size",
)


@dataclass
class Identity:
    """The vault part of an actor: who they are and exactly where. Never in public.db."""

    name: str | None = None
    email: str | None = None
    siret: str | None = None
    phone: str | None = None
    contact: str | None = None
    naf: str | None = None
    commune: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    size: str | None = None


@dataclass
class Actor:
    """The public part of an actor: a pseudonym and coarse facts the matcher may read."""

    id: str
    territory_id: int
    ref: str
    kind: str = "company"
    naf_division: str | None = None
    lat: float | None = None  # rounded to about 1 km
    lon: float | None = None
    lang: str = "fr"
    status: str = "invited"


@dataclass
class Answer:
    """A raw answer, as the actor wrote it (vault)."""

    id: str
    actor_id: str
    topic: str
    position: int
    text: str
    lang: str = "fr"


@dataclass
class Resource:
    """A normalised resource in the public partition: what the matcher reads."""

    id: str
    actor_id: str
    direction: Direction
    node_id: str | None
    status: str = "proposed"  # confirmed | proposed | unknown
    confidence: float = 0.0
    answer_id: str | None = None
    head: str = ""
    quantity_band: str | None = None
    band_low: float | None = None
    band_high: float | None = None
    unit: str | None = None
    frequency: str | None = None
    months: tuple[int, ...] = ()
    temp_band: str | None = None
    sharing: Sharing = "anonymous"
    embedding: bytes | None = None


ProposalKind = Literal["exchange", "sharing", "pooling"]


@dataclass(frozen=True)
class ActorFacts:
    """What the matcher knows of an actor: pseudonym, import ref, coarse kind, sector and place."""

    id: str
    ref: str
    kind: str = "company"
    naf_division: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class ScorePart:
    """One visible part of a proposal's score, with the facts that explain it."""

    name: str  # taxonomy, text, quantity, distance, timing, regulatory, history
    value: float  # in [0, 1]
    weight: float
    facts: dict = field(default_factory=dict)


@dataclass(slots=True)
class Proposal:
    """A proposed synergy between actors of one territory (public partition only)."""

    id: str
    kind: ProposalKind
    node_id: str  # the resource at stake (the offer's node for an exchange, the shared need's for pooling)
    score: float
    supplier: str | None = None  # actor ids (pseudonyms)
    receiver: str | None = None
    members: tuple[str, ...] = ()  # pooling
    resources: tuple[str, ...] = ()  # resource ids involved
    parts: list[ScorePart] = field(default_factory=list)
    latent: bool = False  # the receiver did not declare the need; their activity typically uses it
    caveats: tuple[str, ...] = ()  # regulatory questions to check (taxonomy caveat names)
    visibility: Sharing = "anonymous"  # the most restrictive sharing level of the resources involved
    fingerprint: str = ""  # hash of the public facts the proposal was computed from
