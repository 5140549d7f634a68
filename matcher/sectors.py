"""How to name an actor without naming it: its sector, from the NACE division.

Written for anonymous explanations ("une exploitation agricole à environ 10 km").
Ranges of two-digit NACE Rev. 2 divisions, in our own words, French and English.
"""
from __future__ import annotations

# (first division, last division, French, English): checked in order, first match wins.
_SECTORS: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "une exploitation agricole", "a farm"),
    (2, 2, "un acteur de la forêt", "a forestry business"),
    (3, 3, "une entreprise de pêche ou d'aquaculture", "a fishing or fish-farming business"),
    (5, 9, "une carrière ou une entreprise extractive", "a quarry or mining company"),
    (10, 12, "une entreprise agroalimentaire", "an agri-food company"),
    (13, 15, "une entreprise du textile ou du cuir", "a textile or leather company"),
    (16, 16, "une entreprise de la filière bois", "a wood-processing company"),
    (17, 18, "une entreprise du papier ou de l'imprimerie", "a paper or printing company"),
    (19, 22, "une entreprise de la chimie ou de la plasturgie", "a chemicals or plastics company"),
    (23, 23, "une entreprise de matériaux minéraux", "a building-materials manufacturer"),
    (24, 25, "une entreprise de la métallurgie", "a metalworking company"),
    (26, 30, "une entreprise de fabrication d'équipements", "an equipment manufacturer"),
    (31, 32, "un fabricant de meubles ou d'autres produits", "a furniture or goods manufacturer"),
    (33, 33, "une entreprise de réparation et de maintenance", "a repair and maintenance company"),
    (35, 35, "un producteur d'énergie", "an energy producer"),
    (36, 37, "un service de l'eau ou de l'assainissement", "a water or sewerage operator"),
    (38, 39, "un acteur de la gestion des déchets", "a waste-management operator"),
    (41, 43, "une entreprise du bâtiment ou des travaux publics", "a construction company"),
    (45, 45, "un garage ou un commerce automobile", "a vehicle trade or repair business"),
    (46, 46, "une entreprise de commerce de gros", "a wholesale business"),
    (47, 47, "un commerce de détail", "a retail business"),
    (49, 53, "une entreprise de transport ou de logistique", "a transport or logistics company"),
    (55, 56, "un hôtel, un restaurant ou un traiteur", "a hotel, restaurant or caterer"),
    (58, 63, "une entreprise des médias ou du numérique", "a media or digital company"),
    (64, 68, "une entreprise de la finance ou de l'immobilier", "a finance or property business"),
    (69, 74, "un cabinet de conseil ou d'ingénierie", "a consultancy or engineering firm"),
    (75, 75, "un cabinet vétérinaire", "a veterinary practice"),
    (77, 80, "une entreprise de services aux entreprises", "a business-services company"),
    (81, 81, "une entreprise d'entretien des bâtiments ou des espaces verts",
     "a building-maintenance or landscaping company"),
    (82, 82, "une entreprise de services administratifs", "an administrative-services company"),
    (84, 84, "une collectivité ou une administration", "a local authority or public body"),
    (85, 85, "un établissement d'enseignement ou de formation", "a school or training centre"),
    (86, 86, "un établissement de santé", "a healthcare facility"),
    (87, 88, "un établissement médico-social", "a social-care facility"),
    (90, 93, "un acteur de la culture, du sport ou des loisirs", "a culture, sport or leisure organisation"),
    (94, 94, "une association", "an association"),
    (95, 96, "un service de proximité", "a local services business"),
)

_BY_KIND = {
    "farm": ("une exploitation agricole", "a farm"),
    "local_authority": ("une collectivité", "a local authority"),
    "health": ("un établissement de santé", "a healthcare facility"),
    "care_home": ("un établissement médico-social", "a social-care facility"),
    "social": ("une structure sociale", "a social organisation"),
    "association": ("une association", "an association"),
    "education": ("un établissement d'enseignement", "a school"),
    "company": ("une entreprise", "a company"),
}
_UNKNOWN = ("un acteur du territoire", "an actor of the territory")


def describe(division: str | None, kind: str | None = None, lang: str = "fr") -> str:
    """'une entreprise agroalimentaire' / 'an agri-food company'; falls back on the actor's kind."""
    column = 1 if lang == "en" else 0
    if division and division.isdigit():
        number = int(division)
        for low, high, fr, en in _SECTORS:
            if low <= number <= high:
                return (fr, en)[column]
    return _BY_KIND.get(kind or "", _UNKNOWN)[column]
