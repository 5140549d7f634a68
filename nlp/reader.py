"""Which noun phrases of a sentence name resources: the picking rules.

A phrase names a resource when it opens a sentence ("Sciure et copeaux…"), is
the object of a verb of having, offering or needing ("on a des palettes",
"we need a shredder"), follows a quantity ("2 t de cartons"), or is a new item of
a list ("…, des cartons et des bidons"). Phrases inside relative or purpose
clauses, prepositional phrases and parentheses explain; they are not resources.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from .chunks import (
    ADV, ATTR, CLOSE, COMMA, CONJ, CONTRAST, DET, HARD, INNER, JOIN, NEG, OF, OPEN, PART, PREP, PRON,
    SKIP, SUB, VERB, WORD, Phrase, phrase_at,
)
from .lexicon import CONTAINERS, Lexicon
from .mentions import Pick

# Longest comma-separated description added to a name (", non traités,"), in tokens.
MAX_DESCRIPTION = 8


@dataclass
class _Sentence:
    """Reading state while walking through one sentence."""

    seg_start: int
    at_start: bool = True
    hard: bool = True
    in_sub: bool = False
    in_prep: bool = False
    after_colon: bool = False
    pending: bool = False

    def new_segment(self, start: int, hard: bool) -> None:
        self.seg_start, self.at_start, self.hard = start, True, hard
        self.in_sub = self.in_prep = False
        if hard:
            self.pending = False


class Reader:
    """Walks the tokens of a sentence and picks the phrases that name resources."""

    def __init__(self, doc: Doc, classes: list[str], lex: Lexicon, tagged: bool,
                 is_bare: Callable[[int], bool]) -> None:
        self.doc, self.classes, self.lex, self.tagged = doc, classes, lex, tagged
        self.is_bare = is_bare  # whether token i is a figure without a unit ("3 palettes")

    def sentence(self, n: int, s: int, e: int) -> list[Pick]:
        """The picks of sentence n, tokens [s, e)."""
        doc, classes = self.doc, self.classes
        st = _Sentence(seg_start=s)
        picks: list[Pick] = []
        j, paren, last_attr = s, 0, (-1, -1)
        while j < e:
            c = classes[j]
            if paren:
                paren += 1 if c == OPEN else -1 if c == CLOSE else 0
                j += 1
                continue
            if c == OPEN:
                paren = 1
            elif c == HARD:
                st.new_segment(j + 1, hard=True)
                st.after_colon = doc[j].text == ":"
            elif c == COMMA:
                # "En hiver, de la cendre": a leading circumstance keeps the opening open.
                st.new_segment(j + 1, hard=st.hard and st.at_start)
                st.after_colon = False
            elif c == CONJ and doc[j].lower_ in CONTRAST:
                st.new_segment(j + 1, hard=True)  # "…, mais des cartons": a new statement
            elif c == CONJ:
                nxt = self._next_class(j + 1, e)
                if nxt in (PRON, VERB):
                    st.pending = False
                    st.in_sub = st.in_prep = False
                st.seg_start, st.hard, st.at_start = j + 1, st.hard and st.at_start, True
            elif c == SUB:
                st.in_sub, st.at_start = True, False
            elif c in (PREP, INNER):
                st.in_prep, st.at_start = True, False
            elif c == VERB:
                self._verb(j, st)
            elif c == PRON:
                st.at_start = False
            elif c == ATTR:
                k = j
                while k < e and classes[k] == ATTR:
                    k += 1
                last_attr = (j, k)
                j = k
                continue
            elif c in (DET, PART, WORD) or (c == OF and last_attr[1] == j):
                start = j + 1 if c == OF else j
                ph = phrase_at(doc, classes, start, e, self.tagged, self.is_bare)
                if ph is None:
                    st.at_start = False
                    j += 1
                    continue
                pick = self._decide(ph, st, last_attr, picks, n, e)
                if pick is not None:
                    picks.append(pick)
                    j = pick.end
                else:
                    j = ph.end
                # A preposition governs one phrase: "mettre à disposition un terrain".
                st.at_start = st.in_prep = False
                continue
            j += 1
        return self._without_labels(picks, e)

    def _next_class(self, j: int, e: int) -> str:
        while j < e and self.classes[j] in (SKIP, NEG):
            j += 1
        return self.classes[j] if j < e else HARD

    def _verb_in(self, j: int, lemmas: frozenset[str]) -> bool:
        """Whether token j is one of `lemmas`, guessing the infinitive when the lemmatizer did not."""
        t = self.doc[j]
        lower = t.lower_
        guesses = {t.lemma_.lower(), lower, lower + "r", re.sub(r"(?:e|es|ent|ons|ez|ais|ait|aient)$", "er", lower)}
        return not guesses.isdisjoint(lemmas)

    def _verb(self, j: int, st: _Sentence) -> None:
        t = self.doc[j]
        st.at_start = False
        finite = "Fin" in t.morph.get("VerbForm") if self.tagged else (
            j > 0 and self.classes[j - 1] == PRON)
        if finite:
            st.in_prep = False  # "…pour la litière, la paille manque": a new clause
        if st.in_sub or st.in_prep:
            return
        if self._verb_in(j, self.lex.resource_verbs) or self._existential(j):
            st.pending = not (st.after_colon and st.seg_start < j and self._clause_after_colon(st, j))
        elif not self._verb_in(j, self.lex.auxiliaries):
            st.pending = False

    def _clause_after_colon(self, st: _Sentence, j: int) -> bool:
        return any(self.classes[k] == PRON for k in range(st.seg_start, j))

    def _existential(self, j: int) -> bool:
        words = [t.lower_ for t in self.doc[max(0, j - 2): j + 1]]
        return any(tuple(words[-len(p):]) == p for p in self.lex.existential if len(p) <= len(words))

    def _decide(self, ph: Phrase, st: _Sentence, last_attr: tuple[int, int], picks: list[Pick],
                n: int, e: int) -> Pick | None:
        """Whether the phrase names a resource, and which words name it."""
        words = self._trim_availability(self._strip_need(ph.words))
        if not words or not self._names_something(words):
            return None
        noun = self._key_noun(words)
        if self._is_stop(noun, self.lex.stop_nouns):
            return None
        figure = self._figure_before(ph, last_attr)
        if (figure == "count" or ph.sized) and self._compound(noun) in CONTAINERS:
            inner = self._contents(words, noun)
            if inner:
                words, noun, figure = inner, self._key_noun(inner), "of"  # "3 sacs de linge"
            elif picks and picks[-1].sentence == n and not st.hard:
                return None  # "…, 3 ou 4 sacs par trimestre": the unit of the previous resource
        lead = last_attr[0] if figure in ("of", "count") else ph.start
        follows = self._follows(picks, n, lead)
        rule = self._rule(ph, st, figure, noun, follows, e)
        if rule is None:
            return None
        if rule == "item" and self.classes[ph.start - 1] == COMMA:
            # "palettes, cartons et films": in a list, "et" separates items too.
            listed = phrase_at(self.doc, self.classes, ph.start, e, self.tagged, self.is_bare, list_item=True)
            if listed is not None and self._strip_need(listed.words):
                ph, words = listed, self._strip_need(listed.words)
        words, end = self._extend(words, noun, ph.end, e)
        return Pick(phrase=ph, words=words, lead=lead, seg_start=st.seg_start, end=end, sentence=n,
                    rule=rule, follows=follows)

    def _trim_availability(self, words: list[int]) -> list[int]:
        """"spare office space available" → "office space": availability is not the resource."""
        while words and self._is_stop(words[0], self.lex.availability):
            words = words[1:]
        while words and self._is_stop(words[-1], self.lex.availability):
            words = words[:-1]
        return words

    def _names_something(self, words: list[int]) -> bool:
        """A word with letters is needed ("|||" is not a name), and when tagged a noun
        (", non pollué" is a description)."""
        if not any(_has_letters(self.doc[w].text) for w in words):
            return False
        return not self.tagged or any(self.doc[w].pos_ in ("NOUN", "PROPN") for w in words)

    def _figure_before(self, ph: Phrase, last_attr: tuple[int, int]) -> str | None:
        """How a figure just before the phrase relates to it.

        "of": "2 t de cartons", "une centaine de palettes"; "count": "3 palettes";
        "described": "800 kW récupérables" (the words describe the figure's resource).
        """
        start, end = last_attr
        if end == ph.start - 1 and self.classes[ph.start - 1] == OF:
            return "of"
        if end != ph.start:
            return None
        if self.classes[ph.start] == PART:
            return "of"
        return "count" if self.is_bare(start) else "described"

    def _rule(self, ph: Phrase, st: _Sentence, figure: str | None, noun: int, follows: bool,
              e: int) -> str | None:
        free = not st.in_sub and not st.in_prep
        if figure == "of" and not st.in_sub:
            st.pending = False
            return "quantity"
        if st.pending and free:
            st.pending = False
            return "object"
        if figure == "described" or not st.at_start or not free:
            return None
        if st.hard:
            return None if self._is_subject(ph.end, e) else "opening"
        if follows and self._nominal(ph.end, e) and not self._is_stop(noun, self.lex.apposition_nouns):
            return "item"
        return None

    def _follows(self, picks: list[Pick], n: int, start: int) -> bool:
        """Only commas, conjunctions or a parenthesis since the previous pick: a list."""
        if not picks or picks[-1].sentence != n:
            return False
        paren = 0
        for k in range(picks[-1].end, start):
            c = self.classes[k]
            paren += 1 if c == OPEN else -1 if c == CLOSE else 0
            if not paren and c not in (COMMA, CONJ, SKIP, CLOSE, ATTR):
                return False
        return True

    def _compound(self, i: int) -> str:
        """Token i with the pieces hyphenated to it, lower-cased: "big-bags"."""
        doc, k = self.doc, i
        while k + 2 < len(doc) and self.classes[k + 1] == JOIN and not doc[k].whitespace_ and not doc[k + 1].whitespace_:
            k += 2
        return doc[i: k + 1].text.lower()

    def _contents(self, words: list[int], container: int) -> list[int]:
        """What a container holds: "sacs de linge" → "linge", or [] when it is not said."""
        after = [w for w in words if w > container]
        while after and self.classes[after[0]] in (JOIN, WORD) and after[0] <= container + 2:
            after = after[1:]  # the rest of "big-bags"
        if not after or self.classes[after[0]] not in (OF, PART):
            return []
        after = after[1:]
        while after and self.classes[after[0]] == DET:
            after = after[1:]
        return after

    def _strip_need(self, words: list[int]) -> list[int]:
        """"besoin de palettes" → "palettes", "lots of cardboard" → "cardboard"."""
        doc, classes = self.doc, self.classes
        first = words[0]
        if doc[first].lower_ in self.lex.lead_nouns or doc[first].lemma_.lower() in self.lex.lead_nouns:
            rest = words[1:]
            while rest and classes[rest[0]] in (OF, DET, PART):
                rest = rest[1:]
            return rest
        return words

    def _key_noun(self, words: list[int]) -> int:
        """The noun that says what the resource is: first noun in French, last before "of" in English."""
        doc = self.doc
        content = [w for w in words if self.classes[w] == WORD]
        if not content:
            return words[0]
        if self.tagged:
            nouns = [w for w in content if doc[w].pos_ in ("NOUN", "PROPN")]
            return nouns[0] if nouns else content[0]
        before_of = []
        for w in words:
            if self.classes[w] == OF:
                break
            if self.classes[w] == WORD:
                before_of.append(w)
        return before_of[-1] if before_of else content[-1]

    def _is_stop(self, i: int, words: frozenset[str]) -> bool:
        t = self.doc[i]
        return t.lower_ in words or t.lemma_.lower() in words

    def _is_subject(self, end: int, e: int) -> bool:
        """"Notre usine produit des boues": the opening phrase is the actor, not the resource."""
        k = end
        while k < e and (self.classes[k] in (PRON, SKIP, NEG) or self.doc[k].pos_ == "ADV"):
            k += 1
        if k < e and self.classes[k] == VERB:
            if self.doc[k].lemma_.lower() in ("être", "be"):
                return False
            return self._verb_in(k, self.lex.resource_verbs)
        return False

    def _nominal(self, k: int, e: int) -> bool:
        """No verb before the next comma: a list item, not a clause."""
        while k < e and self.classes[k] not in (COMMA, HARD):
            if self.classes[k] == VERB:
                return False
            k += 1
        return True

    def _extend(self, words: list[int], noun: int, end: int, e: int) -> tuple[list[int], int]:
        """Add ", non traités" (French, tagged) and "filière pour collecter les biodéchets"."""
        doc, classes, lex = self.doc, self.classes, self.lex
        if self._is_stop(noun, lex.generic_heads) and end < e and doc[end].lower_ in ("pour", "de", "d'", "d’", "afin"):
            k = end
            while k < e and classes[k] in (SUB, VERB, CONJ, DET, WORD, OF, INNER, PART, PRON) and (
                    classes[k] != SUB or doc[k].lower_ in ("pour", "afin")):
                k += 1
            if k > end + 1 and any(classes[x] == WORD for x in range(end, k)):
                return words + list(range(end, k)), k
        if self.tagged and end + 1 < e and classes[end] == COMMA:
            k = end + 1
            while k < e and classes[k] not in (COMMA, HARD) and k - end <= MAX_DESCRIPTION:
                k += 1
            span = list(range(end + 1, k))
            if k - end <= MAX_DESCRIPTION and self._is_description(span):
                return words + span, k
        return words, end

    def _is_description(self, span: list[int]) -> bool:
        """", non traités," or ", normé NF U 44-051,": adjectives, not a new resource."""
        doc, classes = self.doc, self.classes
        first = next((x for x in span if doc[x].pos_ != "ADV"), None)
        if first is None or self._is_stop(first, self.lex.availability):
            return False
        if not (doc[first].pos_ == "ADJ" or _participle(doc[first])):
            return False
        return all(classes[x] in (ADV, WORD, CONJ, OF, INNER, JOIN) or (classes[x] == VERB and _participle(doc[x]))
                   for x in span)

    def _without_labels(self, picks: list[Pick], e: int) -> list[Pick]:
        """Drop "Déchets" in "Déchets : palettes, cartons" — a heading, not a resource.

        A heading is a phrase alone before a colon with the next resource right after it.
        """
        kept = []
        for index, pick in enumerate(picks):
            colon = self._skip(pick.end, e)
            heading = (colon < e and self.doc[colon].text == ":" and pick.lead == pick.seg_start
                       and index + 1 < len(picks) and picks[index + 1].lead == self._skip(colon + 1, e))
            if not heading:
                kept.append(pick)
        return kept

    def _skip(self, j: int, e: int) -> int:
        while j < e and self.classes[j] == SKIP:
            j += 1
        return j

    def fallback(self, sentences: list[tuple[int, int]]) -> list[Pick]:
        """No rule fired: take the first phrase outside parentheses, with its verb if any."""
        for n, (s, e) in enumerate(sentences):
            paren = 0
            for j in range(s, e):
                c = self.classes[j]
                paren += 1 if c == OPEN else -1 if c == CLOSE and paren else 0
                if paren or c not in (DET, PART, WORD):
                    continue
                ph = phrase_at(self.doc, self.classes, j, e, self.tagged, self.is_bare)
                if ph is None or not ph.words:
                    continue
                words = self._trim_availability(self._strip_need(ph.words))
                if not words or not any(_has_letters(self.doc[w].text) for w in words) or \
                        self._is_stop(self._key_noun(words), self.lex.stop_nouns):
                    continue
                verb = self._verb_before(ph.start, s)
                if verb is not None:  # "Former 6 caristes": the service is the verb and its object
                    words = [verb] + [w for w in range(ph.start, ph.end) if self.classes[w] != ATTR]
                return [Pick(phrase=ph, words=words, lead=verb if verb is not None else ph.start,
                             seg_start=s, end=ph.end, sentence=n, rule="fallback", follows=False)]
        return []

    def _verb_before(self, start: int, s: int) -> int | None:
        k = start - 1
        while k >= s and self.classes[k] in (ATTR, DET, PART, SKIP, ADV, PRON):
            k -= 1
        if k >= s and self.classes[k] == VERB:
            if not self._verb_in(k, self.lex.auxiliaries | self.lex.resource_verbs):
                return k
        return None


def _participle(t: Token) -> bool:
    return "Part" in t.morph.get("VerbForm")


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
