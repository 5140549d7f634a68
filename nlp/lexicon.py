"""Word lists the extractor relies on, per language, declared once as data.

They say which words build a noun phrase, which ones end it, which verbs introduce
a resource ("on a", "nous cherchons", "we need"), which nouns never name one on
their own ("coût", "année"), and the negation words. They are general French and
English, never the vocabulary of a particular territory.
"""
from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Lexicon:
    """The closed word classes and the few open lists the extractor needs, for one language."""

    determiners: frozenset[str]
    partitive: frozenset[str]  # "de"/"d'" that may open a noun phrase ("pas de palettes")
    contracted: frozenset[str]  # "du", "des": article at the start, "de + le(s)" after a noun
    of: frozenset[str]  # prepositions inside a noun phrase ("sciure de chêne")
    inner_preps: frozenset[str]  # kept inside a phrase only before a bare noun ("broyeur à branches")
    particles: frozenset[str]  # verb particles: "get rid of", "throw away"
    preps: frozenset[str]  # end a noun phrase ("avec", "pour", "near")
    conj: frozenset[str]
    subordinators: frozenset[str]  # open a clause whose nouns are not resources
    pronouns: frozenset[str]
    negations: frozenset[str]
    weak_negations: frozenset[str]  # negative only with "ne": "plus"
    negative_conj: frozenset[str]  # "ni", "nor": what follows is negated too
    not_negating_after: frozenset[str]  # "pas mal de", "pas beaucoup", "not only"
    resource_verbs: frozenset[str]  # lemmas whose object is the resource
    auxiliaries: frozenset[str]  # lemmas that keep a following verb pending
    lead_nouns: frozenset[str]  # "besoin de X", "lots of X": X is the resource
    existential: tuple[tuple[str, ...], ...]  # "il y a", "there are"
    stop_nouns: frozenset[str]  # never a resource on their own
    apposition_nouns: frozenset[str]  # ", co-produit de ...": describes the previous resource
    availability: frozenset[str]  # predicative adjectives: ", disponible toute l'année"
    generic_heads: frozenset[str]  # "une filière pour ...": the purpose names the resource
    # Only for a language read without a tagger (English):
    adverbs: frozenset[str] = frozenset()
    verb_cues: frozenset[str] = frozenset()  # the next word is a verb: "we", "to", "can"


FRENCH = Lexicon(
    determiners=_words(
        "le la les l' l’ un une des du ce cet cette ces mon ma mes ton ta tes son sa ses notre "
        "nos votre vos leur leurs certains certaines tout toute tous toutes chaque aucun aucune "
        "nul nulle quelque différents différentes divers diverses autre autres"
    ),
    partitive=_words("de d' d’"),
    contracted=_words("du des"),
    of=_words("de d' d’ du des"),
    inner_preps=_words("à au aux en"),
    particles=frozenset(),
    preps=_words(
        "avec sans chez dans sur sous pour par vers entre depuis pendant durant jusqu' jusqu’ "
        "jusque après avant contre selon près auprès malgré hors lors dès via parmi derrière "
        "devant autour côté afin grâce"
    ),
    conj=_words("et ou ni voire mais & +"),
    subordinators=_words(
        "qui que qu' qu’ dont où lequel laquelle lesquels lesquelles auquel duquel pour afin car "
        "parce puisque si s' quand lorsque lorsqu' lorsqu’ comme sinon alors donc cependant "
        "pourtant sauf ça cela c' c’"
    ),
    pronouns=_words(
        "on nous je j' j’ il ils elle elles vous tu y en se s' s’ me m' m’ te t' t’ lui leur moi "
        "toi eux ça cela ceci c' c’ ce chacun quelqu'un personne rien"
    ),
    negations=_words("ne n' n’ pas jamais aucun aucune rien guère nul nulle"),
    weak_negations=_words("plus"),
    negative_conj=_words("ni"),
    not_negating_after=_words("mal beaucoup énormément trop seulement que qu' qu’ uniquement forcément"),
    resource_verbs=_words(
        "avoir produire générer dégager rejeter jeter stocker accumuler offrir proposer donner "
        "céder vendre revendre louer prêter mettre fournir livrer récupérer chercher rechercher "
        "vouloir souhaiter aimer trouver utiliser consommer acheter recevoir valoriser évacuer "
        "enlever éliminer collecter traiter recycler partager mutualiser échanger disposer posséder "
        "sortir employer manquer falloir emprunter accueillir"
    ),
    auxiliaries=_words("être avoir pouvoir devoir aller venir faire vouloir souhaiter aimer falloir"),
    lead_nouns=_words("besoin besoins envie recherche demande tas plein"),
    existential=(("il", "y", "a"), ("y", "a"), ("il", "y", "aurait"), ("il", "y", "avait"),
                 ("il", "nous", "faut"), ("il", "faut"), ("il", "nous", "faudrait"),
                 ("il", "faudrait")),
    stop_nouns=_words(
        "coût coûts prix tarif tarifs frais fois moment moments période périodes année années an ans "
        "mois semaine semaines jour jours journée heure heures partie chose choses truc trucs idée "
        "idées problème problèmes question questions possibilité possibilités cas façon manière "
        "quantité quantités volume volumes niveau besoin besoins intérêt envie avis souci soucis "
        "exemple fin début suite ordre type sorte genre lieu coin secteur moins plus "
        "total environ maximum minimum offre offres demande demandes ressource ressources rien "
        "oui non merci bonjour madame monsieur cours temps disposition instant préférence"
    ),
    apposition_nouns=_words(
        "co-produit coproduit co-produits coproduits sous-produit sous-produits déchet déchets "
        "résidu résidus issue issues type mélange provenance origine qualité"
    ),
    availability=_words(
        "disponible disponibles dispo dispos libre libres récupérable récupérables possible "
        "utilisable utilisables valorisable valorisables gratuit gratuits gratuite gratuites stocké "
        " stockée stockés stockées livré livrée livrés livrées inutilisé inutilisée "
        "inutilisés inutilisées"
    ),
    generic_heads=_words(
        "filière filières solution solutions débouché débouchés repreneur repreneurs preneur "
        "preneurs prestataire prestataires service services collecte collectes enlèvement "
        "partenaire partenaires moyen moyens aide"
    ),
)

ENGLISH = Lexicon(
    determiners=_words(
        "the a an some any our my your their its his her this that these those each every all "
        "various other another more much many enough"
    ),
    partitive=frozenset(),
    contracted=frozenset(),
    of=_words("of"),
    inner_preps=frozenset(),
    particles=_words("rid away off out up back"),
    preps=_words(
        "with without for in on at by from to into onto near during until till since after "
        "before per around about across through via within between under over like than as"
    ),
    conj=_words("and or nor & + plus but"),
    subordinators=_words(
        "which that who whom whose where when because since if so although though while as "
        "whereas unless"
    ),
    pronouns=_words(
        "we i you they it he she us them me him there here one ours mine yours theirs someone "
        "something anyone anything nothing everything"
    ),
    negations=_words("not n't no never none nothing without"),
    weak_negations=frozenset(),
    negative_conj=_words("nor"),
    not_negating_after=_words("only just much many"),
    resource_verbs=_words(
        "have has had having produce generate create offer give donate sell rent lend lease share "
        "need want require seek look search get buy use consume collect recover take receive "
        "store dispose throw discard reuse recycle provide supply supplies borrow find"
    ),
    auxiliaries=_words(
        "be is are was were been am do does did can could would will should may might must "
        "'d 'll 're 's 've ca wo like love"
    ),
    lead_nouns=_words("need needs lots lot plenty loads heaps"),
    existential=(("there", "is"), ("there", "are"), ("there", "'s"), ("there", "was"),
                 ("there", "were")),
    stop_nouns=_words(
        "cost costs price prices fee fees time times moment period year years month months week "
        "weeks day days hour hours part thing things idea ideas problem problems question "
        "questions possibility case way quantity quantities volume volumes level need needs "
        "interest example rest end start kind sort type place lot lots total amount bit offer "
        "offers request resource resources nothing yes no thanks hello"
    ),
    apposition_nouns=_words("by-product byproduct by-products byproducts co-product residue residues"),
    availability=_words("available free spare unused stored delivered possible"),
    generic_heads=_words("solution solutions outlet outlets service services collection partner way"),
    adverbs=_words(
        "also too very really currently usually mostly mainly only just still already often "
        "sometimes regularly generally typically even quite rather probably maybe perhaps"
    ),
    verb_cues=_words(
        "we i you they he she it who to not n't never please also can could would will should may "
        "might must do does did don't cannot"
    ),
)

LEXICONS: dict[str, Lexicon] = {"fr": FRENCH, "en": ENGLISH}

# Containers, in both languages: they size an amount ("2 bennes de 30 m³"), count
# the previous resource ("…, 3 sacs par mois") or hold the one named after them
# ("3 sacs de linge"). Pallets and cartons are left out: in this domain they are
# more often the resource than its packaging.
CONTAINERS = _words(
    "sac sacs bac bacs benne bennes caisse caisses bidon bidons fût fûts fut futs cuve cuves "
    "citerne citernes camion camions remorque remorques semi-remorque semi-remorques conteneur "
    "conteneurs caisson caissons lot lots colis unité unités pièce pièces big-bag big-bags bigbag "
    "bigbags bag bags skip skips tank tanks drum drums container containers truck trucks load "
    "loads lorry lorries trailer trailers box boxes crate crates unit units piece pieces"
)
