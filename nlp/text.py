"""Make any input safe to parse, and remember where each character came from.

Answers arrive from a chat box, an import file or an email: they may carry HTML,
entities, control characters, emoji, compatibility characters ("m³", "½", "…",
full-width digits) or decomposed accents. `clean` returns NFKC text that the
pipeline can read, plus, for every character of it, the offset of the character
of the original answer it came from, so mentions can point back at what the
actor wrote.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Longest answer read, in characters. Interview answers are a few hundred
# characters; anything past this is cut at the last whitespace before the limit
# so that a pasted document cannot stall a worker.
MAX_CHARS = 5_000
# Longest run of non-space characters kept whole. spaCy's tokenizer slows down
# quadratically on very long runs ("((((…", "<<<<…"); longer runs are broken by a
# space every MAX_WORD_CHARS characters. No real word comes near it.
MAX_WORD_CHARS = 64
# Repeated punctuation ("!!!!!!", "------") is cut to this many characters.
MAX_REPEATS = 3
_LONG_RUN = re.compile(rf"([^\w\s])\1{{{MAX_REPEATS},}}|\S{{{MAX_WORD_CHARS + 1},}}")

_BLOCK_TAGS = frozenset("br p div li ul ol tr td th h1 h2 h3 h4 h5 h6 table".split())
_MARKUP = re.compile(
    r"<(?P<close>/?)(?P<tag>[A-Za-z][A-Za-z0-9]{0,15})\b[^<>]{0,500}>"  # HTML tag
    r"|<!--.{0,2000}?-->"  # comment
    r"|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,10});",  # entity
    re.DOTALL,
)
_KEEP_SYMBOLS = frozenset("°№%‰€$£")


@dataclass(frozen=True)
class CleanText:
    """Cleaned text and, for each of its characters, the original offset."""

    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last one is the end
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range of the cleaned text back onto the original."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        # A cleaned character may stand for several original ones ("&amp;", "e" +
        # combining accent): end after the last of them.
        last, k = self.offsets[end - 1], end
        while self.offsets[k] <= last:
            k += 1
        return self.offsets[start], self.offsets[k]


def clean(text: str) -> CleanText:
    """Normalise `text` for parsing (see module docstring); never raises on str input."""
    original = text if isinstance(text, str) else str(text)
    limited = truncate(original)
    if _is_plain(limited):
        cleaned = CleanText(limited, tuple(range(len(limited) + 1)), original)
    else:
        cleaned = _normalise(limited, original)
    return _break_long_runs(cleaned) if _LONG_RUN.search(cleaned.text) else cleaned


def _normalise(limited: str, original: str) -> CleanText:
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for match in _MARKUP.finditer(limited):
        _clean_chars(limited, pos, match.start(), out, offsets)
        _replace_markup(match, out, offsets)
        pos = match.end()
    _clean_chars(limited, pos, len(limited), out, offsets)
    offsets.append(len(limited))
    return CleanText("".join(out), tuple(offsets), original)


def _break_long_runs(cleaned: CleanText) -> CleanText:
    """Shorten repeated symbols and break overlong runs, keeping the offsets right."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    text = cleaned.text
    for m in _LONG_RUN.finditer(text):
        out.append(text[pos: m.start()])
        offsets.extend(cleaned.offsets[pos: m.start()])
        if m.group(1):  # a repeated symbol: keep the first few
            out.append(m.group(0)[:MAX_REPEATS])
            offsets.extend(cleaned.offsets[m.start(): m.start() + MAX_REPEATS])
            pos = m.end()
            continue
        for i in range(m.start(), m.end()):
            if i > m.start() and (i - m.start()) % MAX_WORD_CHARS == 0:
                out.append(" ")
                offsets.append(cleaned.offsets[i])
            out.append(text[i])
            offsets.append(cleaned.offsets[i])
        pos = m.end()
    out.append(text[pos:])
    offsets.extend(cleaned.offsets[pos:])
    return CleanText("".join(out), tuple(offsets), cleaned.original)


def truncate(text: str, limit: int = MAX_CHARS) -> str:
    """Cut `text` to at most `limit` characters, at a whitespace when there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit]


def _is_plain(text: str) -> bool:
    """True when cleaning would leave `text` unchanged (the common case, made cheap)."""
    if "<" in text or "&" in text:
        return False
    if text.isascii():
        return text.isprintable()
    return unicodedata.is_normalized("NFKC", text) and all(_char_kind(ch) == "keep" for ch in text)


def _replace_markup(match: re.Match[str], out: list[str], offsets: list[int]) -> None:
    token = match.group(0)
    if token.startswith("&"):
        replacement = html.unescape(token)
        replacement = unicodedata.normalize("NFKC", replacement)
        replacement = "".join(ch if _char_kind(ch) == "keep" else " " for ch in replacement)
    else:
        tag = (match.group("tag") or "").lower()
        replacement = "\n" if tag in _BLOCK_TAGS else " "
    out.append(replacement)
    offsets.extend([match.start()] * len(replacement))


def _clean_chars(text: str, start: int, end: int, out: list[str], offsets: list[int]) -> None:
    """NFKC-normalise text[start:end] cluster by cluster, recording offsets."""
    i = start
    while i < end:
        j = i + 1
        while j < end and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        kind = _char_kind(cluster[0])
        if kind == "drop":
            pass
        elif kind == "space":
            out.append("\n" if cluster[0] in "\n\r\u2028\u2029\x0b\x0c\x85" else " ")
            offsets.append(i)
        else:
            normal = unicodedata.normalize("NFKC", cluster)
            for ch in normal:
                out.append(ch if _char_kind(ch) == "keep" else " ")
                offsets.append(i)
        i = j


def _char_kind(ch: str) -> str:
    """"keep" a character, turn it into a "space", or "drop" it."""
    if ch in "\n\r\t":
        return "space"
    category = unicodedata.category(ch)
    if category in ("Cf", "Co", "Cs", "Cn"):
        # Zero-width joiners, BOMs, private use, lone surrogates, unassigned.
        return "drop"
    if category == "Cc" or category in ("Zl", "Zp", "Zs"):
        return "space"
    if category in ("So", "Sk") and ch not in _KEEP_SYMBOLS:
        # Emoji and other pictographs carry no resource words.
        return "space"
    if category == "Mn" and ch in "\ufe0e\ufe0f":
        return "drop"
    return "keep"
