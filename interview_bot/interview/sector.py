"""Suggesting a sector (NACE Rev. 2 division, the first two digits of a French NAF code).

The actor describes their activity in their own words; we propose the divisions
whose names and everyday words best match, and the actor confirms or picks another.
"""
from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz

from nlp.lexical import fold

# code: (French name, English name, everyday words that point to it)
DIVISIONS: dict[str, tuple[str, str, str]] = {
    "01": ("Agriculture, élevage", "Crop and animal production",
           "ferme exploitation agricole agriculteur eleveur elevage maraichage maraicher cereales vigne viticulteur "
           "vaches bovins porcs volailles poules lait laitier gaec earl horticulture farm farmer dairy cattle crops"),
    "02": ("Sylviculture et exploitation forestière", "Forestry and logging",
           "foret forestier bucheron sylviculture exploitation forestiere forestry logging"),
    "03": ("Pêche et aquaculture", "Fishing and aquaculture", "peche pisciculture aquaculture fish farm"),
    "05": ("Extraction de houille", "Mining of coal", "charbon houille coal"),
    "06": ("Extraction de pétrole et de gaz", "Extraction of oil and gas", "petrole gaz oil gas"),
    "07": ("Extraction de minerais métalliques", "Mining of metal ores", "minerai mine ore"),
    "08": ("Carrières et autres industries extractives", "Other mining and quarrying",
           "carriere granulats sable gravier quarry gravel"),
    "09": ("Services de soutien aux industries extractives", "Mining support services", "forage drilling"),
    "10": ("Industries alimentaires", "Manufacture of food products",
           "agroalimentaire alimentaire boulangerie abattoir fromagerie laiterie conserverie salaisons biscuiterie "
           "transformation de fruits legumes viande food processing bakery cheese dairy plant"),
    "11": ("Fabrication de boissons", "Manufacture of beverages", "brasserie biere distillerie cidre vin cave "
           "cooperative viticole brewery distillery winery"),
    "12": ("Fabrication de produits à base de tabac", "Tobacco products", "tabac tobacco"),
    "13": ("Fabrication de textiles", "Manufacture of textiles", "textile tissage filature weaving"),
    "14": ("Industrie de l'habillement", "Wearing apparel", "vetements confection habillement clothing"),
    "15": ("Industrie du cuir et de la chaussure", "Leather and footwear", "cuir chaussure tannerie leather"),
    "16": ("Travail du bois", "Wood and products of wood", "scierie bois menuiserie charpente palettes sawmill "
           "timber wood carpentry joinery"),
    "17": ("Industrie du papier et du carton", "Paper and paper products", "papeterie papier carton cardboard paper mill"),
    "18": ("Imprimerie", "Printing", "imprimerie impression printing"),
    "19": ("Cokéfaction et raffinage", "Coke and refined petroleum", "raffinerie refinery"),
    "20": ("Industrie chimique", "Chemicals", "chimie chimique peinture engrais detergents chemicals paint fertiliser"),
    "21": ("Industrie pharmaceutique", "Pharmaceuticals", "pharmaceutique medicaments laboratoire pharmaceutical"),
    "22": ("Produits en caoutchouc et en plastique", "Rubber and plastic products",
           "plasturgie plastique injection caoutchouc plastics rubber"),
    "23": ("Autres produits minéraux non métalliques", "Other non-metallic mineral products",
           "beton ciment verre ceramique briques tuiles concrete cement glass"),
    "24": ("Métallurgie", "Basic metals", "metallurgie fonderie acierie foundry steel"),
    "25": ("Fabrication de produits métalliques", "Fabricated metal products",
           "chaudronnerie usinage decolletage serrurerie metallerie traitement de surface machining metalwork"),
    "26": ("Produits informatiques, électroniques et optiques", "Computer, electronic and optical products",
           "electronique cartes optique electronics"),
    "27": ("Équipements électriques", "Electrical equipment", "equipements electriques moteurs cables electrical"),
    "28": ("Machines et équipements", "Machinery and equipment", "machines machinisme equipementier machinery"),
    "29": ("Industrie automobile", "Motor vehicles", "automobile equipementier auto car parts"),
    "30": ("Autres matériels de transport", "Other transport equipment", "aeronautique ferroviaire naval aerospace"),
    "31": ("Fabrication de meubles", "Furniture", "meubles ameublement furniture"),
    "32": ("Autres industries manufacturières", "Other manufacturing", "jouets bijoux instruments"),
    "33": ("Réparation et installation de machines", "Repair and installation of machinery",
           "maintenance industrielle reparation de machines"),
    "35": ("Électricité, gaz, vapeur", "Electricity, gas, steam", "energie chaufferie reseau de chaleur methanisation "
           "photovoltaique electricite biogaz energy heating plant biogas"),
    "36": ("Captage, traitement et distribution d'eau", "Water supply", "eau potable captage water supply"),
    "37": ("Collecte et traitement des eaux usées", "Sewerage", "station d'epuration assainissement eaux usees sewage"),
    "38": ("Gestion des déchets, récupération", "Waste management and recovery",
           "dechets dechetterie recyclage collecte compostage tri recuperation ferrailleur waste recycling"),
    "39": ("Dépollution", "Remediation", "depollution remediation"),
    "41": ("Construction de bâtiments", "Construction of buildings", "construction batiment promoteur builder"),
    "42": ("Génie civil", "Civil engineering", "travaux publics genie civil routes civil engineering"),
    "43": ("Travaux de construction spécialisés", "Specialised construction",
           "maconnerie plomberie electricien couvreur terrassement btp artisan plumber electrician"),
    "45": ("Commerce et réparation automobile", "Motor vehicle trade and repair", "garage concession carrosserie "
           "garage car repair"),
    "46": ("Commerce de gros", "Wholesale trade", "grossiste negoce centrale d'achat wholesale"),
    "47": ("Commerce de détail", "Retail trade", "magasin commerce supermarche epicerie boutique shop retail"),
    "49": ("Transports terrestres", "Land transport", "transport routier transporteur camions logistique bus "
           "haulage trucking"),
    "50": ("Transports par eau", "Water transport", "fluvial maritime shipping"),
    "51": ("Transports aériens", "Air transport", "aerien airline"),
    "52": ("Entreposage et services auxiliaires des transports", "Warehousing", "entrepot plateforme logistique "
           "warehouse"),
    "53": ("Activités de poste et de courrier", "Postal and courier", "poste courrier postal"),
    "55": ("Hébergement", "Accommodation", "hotel camping gite hebergement accommodation"),
    "56": ("Restauration", "Food and beverage service", "restaurant restauration traiteur cantine cuisine centrale "
           "bar catering"),
    "58": ("Édition", "Publishing", "edition publishing"),
    "59": ("Production audiovisuelle", "Film and video", "audiovisuel cinema film"),
    "60": ("Radio et télévision", "Broadcasting", "radio television"),
    "61": ("Télécommunications", "Telecommunications", "telecommunications telecom"),
    "62": ("Programmation et conseil informatiques", "Computer programming", "informatique logiciel developpement "
           "software it"),
    "63": ("Services d'information", "Information services", "hebergement web donnees data"),
    "64": ("Services financiers", "Financial services", "banque bank"),
    "65": ("Assurance", "Insurance", "assurance insurance"),
    "66": ("Activités auxiliaires financières", "Auxiliary financial services", "courtier broker"),
    "68": ("Activités immobilières", "Real estate", "immobilier bailleur real estate"),
    "69": ("Activités juridiques et comptables", "Legal and accounting", "comptable avocat notaire accounting lawyer"),
    "70": ("Sièges sociaux, conseil de gestion", "Head offices, management consultancy", "conseil siege consulting"),
    "71": ("Architecture et ingénierie", "Architecture and engineering", "architecte bureau d'etudes ingenierie "
           "engineering"),
    "72": ("Recherche-développement", "Scientific research", "recherche laboratoire research"),
    "73": ("Publicité et études de marché", "Advertising", "publicite communication advertising"),
    "74": ("Autres activités spécialisées", "Other professional activities", "design photographie traduction"),
    "75": ("Activités vétérinaires", "Veterinary activities", "veterinaire clinique veterinaire vet"),
    "77": ("Location", "Rental and leasing", "location de materiel rental"),
    "78": ("Emploi", "Employment activities", "interim agence d'emploi temp agency"),
    "79": ("Agences de voyage", "Travel agencies", "voyage tourisme travel"),
    "80": ("Sécurité", "Security", "securite gardiennage security"),
    "81": ("Services aux bâtiments, paysage", "Services to buildings, landscape", "nettoyage proprete paysagiste "
           "espaces verts entretien cleaning landscaping"),
    "82": ("Services administratifs de soutien", "Office support", "secretariat centre d'appel office support"),
    "84": ("Administration publique", "Public administration", "mairie commune communaute de communes collectivite "
           "departement region agglomeration syndicat intercommunal services techniques municipality council"),
    "85": ("Enseignement", "Education", "ecole college lycee formation enseignement school training"),
    "86": ("Santé humaine", "Human health", "hopital clinique centre hospitalier medecin sante hospital clinic"),
    "87": ("Hébergement médico-social", "Residential care", "ehpad maison de retraite foyer residence seniors "
           "care home nursing home"),
    "88": ("Action sociale sans hébergement", "Social work", "creche aide a domicile esat insertion social work"),
    "90": ("Arts et spectacles", "Creative arts", "theatre spectacle arts"),
    "91": ("Bibliothèques, musées", "Libraries, museums", "musee bibliotheque museum library"),
    "92": ("Jeux de hasard", "Gambling", "casino"),
    "93": ("Sports et loisirs", "Sports and recreation", "sport piscine golf loisirs club sports"),
    "94": ("Associations et organisations", "Membership organisations", "association federation syndicat "
           "chambre d'agriculture cci chambre de commerce association"),
    "95": ("Réparation d'ordinateurs et de biens", "Repair of goods", "reparation repair cafe"),
    "96": ("Autres services personnels", "Other personal services", "blanchisserie pressing coiffure laundry"),
    "97": ("Ménages employeurs", "Households as employers", "particulier employeur"),
    "98": ("Ménages producteurs pour usage propre", "Households producing for own use", "autoconsommation"),
    "99": ("Organisations extraterritoriales", "Extraterritorial organisations", "ambassade"),
}


def label(code: str, lang: str) -> str:
    fr, en, _words = DIVISIONS[code]
    return en if lang == "en" else fr


def choices(lang: str) -> list[tuple[str, str]]:
    return [(code, f"{code} — {label(code, lang)}") for code in DIVISIONS]


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, tuple[str, set[str]]]:
    out = {}
    for code, (fr, en, words) in DIVISIONS.items():
        text = " ".join(fold(f"{fr} {en} {words}"))
        out[code] = (text, set(text.split()))
    return out


def suggest(activity: str, limit: int = 3) -> list[str]:
    """The divisions that best match an activity written in everyday words, best first."""
    words = [w for w in fold(activity) if len(w) > 2]
    if not words:
        return []
    scored = []
    for code, (text, vocab) in _vocabulary().items():
        exact = sum(1 for w in words if w in vocab)
        fuzzy = max((fuzz.partial_ratio(w, text) for w in words if len(w) > 3), default=0)
        score = exact * 100 + (fuzzy if fuzzy >= 90 else 0)
        if score:
            scored.append((score, code))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [code for _score, code in scored[:limit]]
