"""Token classes and resource noun phrases, for French (tagged) and English (untagged).

The French pipeline gives part-of-speech tags and a dependency parse; the English
one only lemmas. Both are reduced here to the same coarse classes (determiner,
word, "of", preposition, conjunction, verb…), from word lists first and tags
second, so that one phrase grammar serves both languages:

    phrase := (DET | PART)* WORD+ ( OF DET* WORD+ | INNER WORD | CONJ OF? WORD | JOIN WORD )*

Tokens inside a quantity, frequency, season or temperature found by `nlp.units`
are class ATTR and never part of a phrase's words.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from .lexicon import Lexicon

# Sentence ends for the extractor. The parser's own sentences split fragments such
# as "Fumier de bovins bien pailleux, …" in odd places; punctuation does not.
SENTENCE_ENDS = frozenset(".!?;…") | {"..."}

ATTR, HARD, COMMA, OPEN, CLOSE, JOIN, SKIP = "ATTR", "HARD", "COMMA", "OPEN", "CLOSE", "JOIN", "SKIP"
DET, PART, OF, INNER, PREP, CONJ, SUB = "DET", "PART", "OF", "INNER", "PREP", "CONJ", "SUB"
PRON, NEG, VERB, ADV, WORD = "PRON", "NEG", "VERB", "ADV", "WORD"

# Conjunctions that open a new statement rather than join two nouns.
CONTRAST = frozenset({"mais", "but", "cependant", "however"})
_HARD_PUNCT = frozenset(";:.!?…") | {"...", "•", "·"}
_BULLETS = frozenset("-–—*•·>")
_JOIN_PUNCT = frozenset("-/'’")
_QUOTES = frozenset("\"«»“”‘`")


@dataclass
class Phrase:
    """A candidate resource phrase: tokens [start, end), the words that name it."""

    start: int
    end: int
    words: list[int]  # token indices of the resource words (no leading determiner)
    described: list[int] = field(default_factory=list)  # ATTR tokens read as part of the name
    sized: bool = False  # a figure inside it sizes a container: "big-bags de 500 kg de …"


def classify(doc: Doc, attr_of: list[int], lex: Lexicon, tagged: bool) -> list[str]:
    """One coarse class per token. `attr_of[i]` is the attribute index of token i, or -1."""
    classes: list[str] = []
    clitics = lex.pronouns | lex.determiners | lex.inner_preps  # "le", "en" tagged as pronouns
    for t in doc:
        classes.append(_classify(t, attr_of[t.i], classes, lex, tagged, clitics))
    return classes


def _classify(t: Token, attr: int, before: list[str], lex: Lexicon, tagged: bool,
              clitics: frozenset[str]) -> str:
    text, lower = t.text, t.lower_
    prev = before[-1] if before else HARD
    if t.is_space:
        return HARD if "\n" in text else SKIP
    if attr >= 0:
        return ATTR
    if text in _QUOTES:
        return SKIP
    if text in _BULLETS and prev == HARD:
        return HARD
    if t.is_punct or (tagged and t.pos_ == "PUNCT"):
        return _punct(text)
    if lower in lex.conj:
        return CONJ
    pos = t.pos_ if tagged else ""
    if pos == "PRON" and lower in clitics:
        return PRON
    if lower in lex.negations or lower in lex.weak_negations:
        return NEG
    if lower in lex.subordinators or pos == "SCONJ" or (pos == "PRON" and "Rel" in t.morph.get("PronType")):
        return SUB
    if lower in lex.contracted:
        return OF if prev == WORD else DET
    if lower in lex.partitive:
        return OF if prev == WORD else PART
    if lower in lex.of:
        return OF
    if lower in lex.determiners or pos == "DET":
        return DET
    if lower in lex.inner_preps:
        return INNER
    if lower in lex.preps or pos == "ADP":
        return PREP
    if lower in lex.pronouns or pos == "PRON":
        return PRON
    if tagged:
        if pos == "AUX" and t.lemma_.lower() not in lex.auxiliaries:
            return WORD  # a tagger slip: "copeaux de pin" tagged as the verb "pin"
        return _tagged_word(t, pos, prev, before)
    return _untagged_word(t, prev, lex)


def _punct(text: str) -> str:
    if text == ",":
        return COMMA
    if text in "([{":
        return OPEN
    if text in ")]}":
        return CLOSE
    if text in _HARD_PUNCT or text.startswith(".."):
        return HARD
    if text in _JOIN_PUNCT:
        return JOIN
    return COMMA


def _tagged_word(t: Token, pos: str, prev: str, before: list[str]) -> str:
    if pos in ("VERB", "AUX"):
        # A participle right after a noun describes it: "palettes cassées", "bois non traité".
        if "Part" in t.morph.get("VerbForm") and (prev == WORD or (prev == ADV and len(before) > 1 and before[-2] == WORD)):
            return WORD
        return VERB
    if pos == "ADV":
        return ADV
    if pos == "CCONJ":
        return CONJ
    if pos == "INTJ":
        return SUB
    return WORD


def _untagged_word(t: Token, prev: str, lex: Lexicon) -> str:
    """Without tags, verbs are known words or words after a subject, a modal or "to"."""
    lower, lemma = t.lower_, t.lemma_.lower()
    if lower in lex.adverbs or lower in lex.particles:
        return ADV
    if prev in (DET, WORD, OF) and lower.endswith(("ed", "en")) and t.i + 1 < len(t.doc) and t.nbor(1).is_alpha:
        return WORD  # "used oil", "treated wood": a participle before a noun
    if lemma in lex.resource_verbs or lower in lex.auxiliaries or lemma in lex.auxiliaries:
        return VERB
    previous = t.nbor(-1).lower_ if t.i > 0 else ""
    if t.is_alpha and (previous in lex.verb_cues or previous in lex.auxiliaries):
        return VERB
    return WORD


def sentences(doc: Doc, classes: list[str]) -> list[tuple[int, int]]:
    """Token ranges split at sentence punctuation, semicolons, line breaks and bullets."""
    out: list[tuple[int, int]] = []
    start = 0
    for t in doc:
        if classes[t.i] == HARD and (t.text in SENTENCE_ENDS or t.is_space or t.text in _BULLETS
                                     or t.text.startswith("..")):
            if t.i + 1 > start:
                out.append((start, t.i + 1))
            start = t.i + 1
    if start < len(doc):
        out.append((start, len(doc)))
    return out


def phrase_at(doc: Doc, classes: list[str], i: int, end: int, tagged: bool, is_bare_attr,
              list_item: bool = False) -> Phrase | None:
    """The noun phrase starting at token i (a determiner or a word), or None.

    In a comma list (`list_item`), a conjunction between bare nouns ends the phrase:
    "palettes, cartons et films" has three items, "sciure et copeaux" one.
    """
    j = i
    while j < end and classes[j] in (DET, PART):
        j += 1
    if j >= end or classes[j] != WORD:
        return None
    words: list[int] = []
    described: list[int] = []
    sized = False
    first_noun = j
    while j < end:
        c = classes[j]
        if c == WORD:
            words.append(j)
            j += 1
        elif c == JOIN and words and j + 1 < end and classes[j + 1] == WORD and not doc[j - 1].whitespace_:
            words.append(j)
            j += 1
        elif c == OF:
            k = j + 1
            while k < end and classes[k] == DET:
                k += 1
            if k < end and classes[k] == WORD:
                words.extend(range(j, k))
                j = k
            elif k < end and classes[k] == ATTR:
                after = _skip_attr(classes, k, end)
                if after < end and classes[after] == WORD and (not tagged or _is_noun(doc[after])):
                    words.append(j)  # "équipe de 4 à 6 salariés": the figure leaves the name
                    j = after
                elif after + 1 < end and classes[after] in (OF, PART) and classes[after + 1] in (WORD, DET):
                    sized = True  # "big-bags de 500 kg de farine": the figure sizes the container
                    words.append(after)
                    j = after + 1
                    while j < end and classes[j] == DET:
                        j += 1
                else:
                    return Phrase(i, after, words, described, sized)  # "chambre froide de 15 m³"
            else:
                break
        elif c == INNER and words and j + 1 < end and classes[j + 1] == WORD:
            words.append(j)
            j += 1
        elif c == CONJ and not (list_item and not any(classes[w] == OF for w in words)) and \
                _continues_coordination(doc, classes, j, end, first_noun, words, tagged):
            k = j + 1
            words.append(j)
            inside = any(classes[w] == OF for w in words)
            while k < end and classes[k] in (OF, DET, PART):
                # Keep "et de tailles" and "de la cuisine et des plateaux"; drop the
                # article of an alternative: "de la sciure ou des copeaux".
                if inside or (classes[k] in (OF, PART) and k + 1 < end and classes[k + 1] == WORD):
                    words.append(k)
                k += 1
            j = k
        elif c == ADV and tagged and words and j + 1 < end and classes[j + 1] == WORD and (
                doc[j + 1].pos_ == "ADJ" or "Part" in doc[j + 1].morph.get("VerbForm")):
            words.append(j)  # "bien pailleux", "non traité"
            j += 1
        elif c == ATTR and words and is_bare_attr(j):
            after = _skip_attr(classes, j, end)
            if after < end and classes[after] == WORD:
                described.extend(range(j, after))  # "minibus 9 places"
                words.extend(range(j, after))
                j = after
            else:
                break
        else:
            break
    return Phrase(i, j, words, described, sized)


def _is_noun(t: Token) -> bool:
    return t.pos_ in ("NOUN", "PROPN")


def _skip_attr(classes: list[str], k: int, end: int) -> int:
    while k < end and classes[k] == ATTR:
        k += 1
    return k


def _continues_coordination(doc: Doc, classes: list[str], j: int, end: int, first_noun: int,
                            words: list[int], tagged: bool) -> bool:
    """Keep "sciure et copeaux", "branches et de tailles"; split "palettes et des cartons".

    Coordinated nouns stay one resource unless the second one has its own
    determiner or quantity. With a parse, a determiner is not enough when the
    second noun hangs on a complement ("chaleur des fours et des compresseurs").
    "ou" joins alternatives of one resource unless a quantity follows it.
    """
    k = j + 1
    if k >= end or doc[j].lower_ in CONTRAST:
        return False
    nxt = classes[k]
    if nxt == WORD:
        return True
    if nxt == OF and k + 1 < end and classes[k + 1] == WORD:
        return True
    if nxt not in (DET, PART) and not (nxt == OF and k + 1 < end and classes[k + 1] == DET):
        return False
    n = k
    while n < end and classes[n] in (DET, PART, OF):
        n += 1
    if n >= end or classes[n] != WORD:
        return False
    if doc[j].lower_ in ("ou", "or"):
        return True
    if tagged and doc[n].dep_ == "conj" and doc[n].head.i in words and doc[n].head.i != first_noun:
        return True
    return False


def head_text(doc: Doc, tokens: list[int]) -> str:
    """The words of `tokens`, spaced as written, first word lower-cased if title-case."""
    parts: list[str] = []
    for pos, i in enumerate(tokens):
        t = doc[i]
        word = t.text
        if pos == 0 and word[:1].isupper() and word[1:].islower():
            word = word.lower()
        parts.append(word)
        if pos + 1 < len(tokens):
            gap = tokens[pos + 1] != i + 1
            parts.append(" " if gap or t.whitespace_ else "")
    return "".join(parts).strip()
