"""Words that say a material is contaminated or dangerous — or explicitly clean.

Classifying a hazardous waste under a non-hazardous code is the costliest
mistake the normaliser can make (it could send treated wood to animal bedding),
so the words that settle it are read explicitly: "traité", "souillé",
"pas rincé", "amiante"… raise hazardous nodes; "non traité", "brut", "rincé"
lower them. Words are folded like the lexical index (no accents, singular).
"""
from __future__ import annotations

import re

from .lexical import fold

HAZARD_WORDS = frozenset(fold(
    """traite traitee autoclave autoclavee creosote creosotee cca cuivre chrome arsenic souille souillee
    contamine contaminee pollue polluee huileux huileuse imbibe imbibee dangereux dangereuse
    toxique corrosif corrosive inflammable amiante amiante-ciment fibrociment plomb mercure cadmium pcb
    pyralene askarel solvant goudron goudronne hap radioactif infectieux infectieuse dasri cytotoxique
    explosif phytosanitaire pesticide herbicide insecticide fongicide
    impregne impregnee
    treated creosoted contaminated polluted oily soiled greasy hazardous toxic corrosive flammable asbestos
    lead mercury solvent tar infectious""".replace("\n", " ")
))
CLEAN_PATTERN = re.compile(
    r"\b(non|pas|jamais|sans|aucun|never|not|un|no)[\s-]+(?:\w+[\s-]+)?"
    r"(trait|souill|contamin|pollu|peint|vernis|colle|treat|paint|contamin|pollut)\w*",
    re.IGNORECASE,
)
DIRTY_PATTERN = re.compile(  # "pas rincé", "non dépollué", "not rinsed": the cleaning did not happen
    r"\b(non|pas|jamais|not|never|un)[\s-]+(?:\w+[\s-]+)?(rinc|nettoy|vidang|d[ée]pollu|decontamin|rins|clean|drain)\w*",
    re.IGNORECASE,
)
SOAKED_PATTERN = re.compile(  # "plein d'huile", "imbibés de gasoil", "soaked with oil": soiled by a hazardous product
    r"\b(plein|pleine|pleins|pleines|imbib\w*|tach\w*|couvert\w*|full|soaked|covered|stained)\s+"
    r"(?:d'|d’|de\s+|du\s+|des\s+|of\s+|with\s+|in\s+)?"
    r"(huile|graisse|gasoil|gazole|fioul|solvant|peinture|hydrocarbure|oil|grease|diesel|fuel|solvent|paint)",
    re.IGNORECASE,
)
CLEAN_WORDS = frozenset(fold("brut naturel propre rince rincee sain saine untreated clean rinsed virgin"))


def hazard_cue(text: str) -> float:
    """+1 when the text says the material is contaminated or dangerous, -1 when it says it is clean, else 0."""
    if DIRTY_PATTERN.search(text) or SOAKED_PATTERN.search(text):
        return 1.0
    if CLEAN_PATTERN.search(text):
        return -1.0
    words = set(fold(text))
    if words & HAZARD_WORDS:
        return 1.0
    if words & CLEAN_WORDS:
        return -1.0
    return 0.0


EXPLICITLY_CLEAN = frozenset(fold("untreated propre clean rince rincee decontamine decontaminated"))


def clean_variant(label: str) -> bool:
    """A taxonomy label that names the clean variant of a material ("Sciure non traitée", "Untreated sawdust")."""
    return bool(CLEAN_PATTERN.search(label)) or bool(set(fold(label)) & EXPLICITLY_CLEAN)
