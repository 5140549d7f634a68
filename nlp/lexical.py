"""Lexical evidence: which taxonomy terms (labels and synonyms) a mention contains.

Terms and mentions are folded the same way (lower case, no accents, no function
words, a light singular), so "Copeaux de hêtre" and "copeau hetre" meet. Each
query word is matched exactly or, for longer words, fuzzily with rapidfuzz (typos,
"vendanges"/"vendange", "cartons"/"carton"). A term scores by how much of it the
mention contains and how much of the mention it explains, words weighted by
rarity (IDF) so that "chêne" says more than "bois".
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

MATCH_CACHE_WORDS = 50_000  # query words whose vocabulary matches are remembered (a few MB)
FUZZY_MIN_LEN = 5  # shorter words must match exactly
FUZZY_CUTOFF = 86.0  # rapidfuzz ratio for a fuzzy word match
OTHER_LANG_WEIGHT = 0.85  # terms of the other language still count (mixed answers), a little less

STOPWORDS = frozenset(
    """a au aux avec ce ces cet cette d de des du en et l la le les leur leurs ma mes mon n ne nos notre ou
    par pas pour qu que qui sa se ses son sur un une y on nous vous ils elles il elle j je est sont ont a
    tres plus moins peu environ tout tous toute toutes chaque autre autres comme dont chez dans sous entre
    the of and or for to in on at by with from an as is are be our we your their this that these those
    per some any no not it its""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe").replace("æ", "ae")


def singular(word: str) -> str:
    """A light, language-neutral singular: consistent on both sides is what matters."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("aux") and len(word) > 4:
        return word[:-3] + "al"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("s", "x")) and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def fold(text: str) -> list[str]:
    """The content words of `text`, folded for comparison."""
    text = strip_accents(text.lower()).replace("'", " ").replace("’", " ")
    return [singular(w) for w in _WORD.findall(text) if w not in STOPWORDS]


@dataclass
class Term:
    node_id: str
    text: str
    tokens: tuple[str, ...]
    weight: float  # 1.0, or less for a label of the other language
    idf_total: float = 0.0  # the IDF of its words, summed (set by TermIndex.build)


@dataclass
class TermIndex:
    """All terms of a taxonomy for one language, with an inverted index by word."""

    terms: list[Term] = field(default_factory=list)
    by_token: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    # Answers repeat their words far more than their sentences: a word's fuzzy matches
    # against the whole vocabulary (the costly part of `score`) are looked up once.
    _match_cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, float]]) -> TermIndex:
        """`entries`: (node_id, term text, weight)."""
        index = cls()
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for node_id, text, weight in entries:
            tokens = tuple(dict.fromkeys(fold(text)))
            if not tokens or (node_id, tokens) in seen:
                continue
            seen.add((node_id, tokens))
            index.terms.append(Term(node_id, text, tokens, weight))
        doc_freq: dict[str, set[str]] = defaultdict(set)
        for i, term in enumerate(index.terms):
            for token in term.tokens:
                index.by_token[token].append(i)
                doc_freq[token].add(term.node_id)
        n_nodes = len({t.node_id for t in index.terms}) or 1
        index.idf = {tok: math.log(1 + n_nodes / len(nodes)) for tok, nodes in doc_freq.items()}
        index.vocabulary = sorted(index.by_token)
        for term in index.terms:
            term.idf_total = sum(index.token_idf(t) for t in term.tokens)
        return index

    def token_idf(self, token: str) -> float:
        return self.idf.get(token, math.log(1 + len(self.vocabulary) or 1))

    def clear_cache(self) -> None:
        self._match_cache.clear()

    def _matches(self, token: str) -> list[tuple[str, float]]:
        """Vocabulary words matching a query word, with a similarity in (0, 1]."""
        cached = self._match_cache.get(token)
        if cached is None:
            cached = self._find_matches(token)
            if len(self._match_cache) >= MATCH_CACHE_WORDS:
                self._match_cache.clear()  # rare: a flood of distinct words; start afresh
            self._match_cache[token] = cached
        return cached

    def _find_matches(self, token: str) -> list[tuple[str, float]]:
        out = [(token, 1.0)] if token in self.by_token else []
        if len(token) >= FUZZY_MIN_LEN:
            for word, score, _ in process.extract(
                token, self.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=4
            ):
                if word != token and len(word) >= FUZZY_MIN_LEN - 1:
                    out.append((word, score / 100.0 * 0.95))
            # A query word that starts with a vocabulary word of 6+ letters ("palettisation" / "palette")
            # is weaker evidence, but still evidence.
        return out

    def score(self, text: str) -> dict[str, tuple[float, str]]:
        """node id → (lexical score in [0, 1], the best matching term)."""
        query = list(dict.fromkeys(fold(text)))
        if not query:
            return {}
        query_weight = sum(self.token_idf(q) for q in query)
        matched: dict[str, tuple[str, float]] = {}  # vocabulary word → (query word, similarity)
        for q in query:
            for word, sim in self._matches(q):
                if word not in matched or matched[word][1] < sim:
                    matched[word] = (q, sim)
        candidates: set[int] = set()
        for word in matched:
            candidates.update(self.by_token[word])
        best: dict[str, tuple[float, str]] = {}
        for i in candidates:
            term = self.terms[i]
            hit = 0.0
            explained: dict[str, float] = {}
            for t in term.tokens:
                if t in matched:
                    q, sim = matched[t]
                    hit += self.token_idf(t) * sim
                    explained[q] = max(explained.get(q, 0.0), sim)
            term_cov = hit / term.idf_total
            if term_cov < 0.5:
                continue
            query_cov = sum(self.token_idf(q) * s for q, s in explained.items()) / query_weight
            value = term.weight * (term_cov**2) * (0.4 + 0.6 * query_cov)
            if value > best.get(term.node_id, (0.0, ""))[0]:
                best[term.node_id] = (value, term.text)
        return best
