"""Helpers for the security tests: hostile text, raw form bodies, the fuzz budget, response checks.

The fuzz budget is explicit: every fuzz test runs exactly `budget(name)` generated
inputs (examples), asserts it did, and records the count; the conftest prints the
total at the end of the run. `SYMBIOSE_FUZZ_SCALE=10` multiplies every budget for a
deeper run on a developer machine.
"""
from __future__ import annotations

import os
import re
import sys
import urllib.parse
from collections import Counter
from pathlib import Path

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" decoding rule used below
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "facilitator"))
import facilitator_support  # noqa: E402 - the facilitator tests' small real territory, reused

# ------------------------------------------------------------------ budget

# Generated inputs per fuzz test. Cheap endpoints get many, the answer path (real
# language models, ~50 ms an answer) few. The sum is checked to stay ≥ 10,000.
BUDGET = {
    # interview (actor)
    "interview_identity": 500,
    "interview_sector": 700,
    "interview_consent": 500,
    "interview_notes": 800,
    "interview_answers": 150,
    "interview_follow_ups": 400,
    "interview_edit_notes": 600,
    "interview_edit_offers": 80,
    "interview_urls": 400,
    "new_link_email": 400,
    "actor_links": 500,
    # facilitator
    "queue_actions": 900,
    "queue_filters": 300,
    "unrecognised_review": 600,
    "synergy_forms": 600,
    "invite_form": 400,
    "invite_csv_upload": 400,
    "facilitator_answers": 60,
    "login_form": 300,
    "digest_preview_query": 250,
    # territory import
    "import_lines": 1_500,
    "import_records": 150,
}
MIN_TOTAL = 10_000
SCALE = float(os.environ.get("SYMBIOSE_FUZZ_SCALE", "1"))

settings.register_profile(
    "symbiose-fuzz",
    deadline=None,  # the language models make the first examples slow
    database=None,  # no .hypothesis folder written by CI; failures print their reproduction blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
RAN: Counter[str] = Counter()


def budget(name: str) -> int:
    return max(1, int(BUDGET[name] * SCALE))


def fuzz_settings(name: str) -> settings:
    return settings(settings.get_profile("symbiose-fuzz"), max_examples=budget(name))


def record(name: str, count: int) -> None:
    """Assert the test ran its whole budget, and count it in the run's total."""
    assert count >= budget(name), f"{name}: only {count} of {budget(name)} generated inputs ran"
    RAN[name] += count


# ------------------------------------------------------------------ hostile text

SCRIPT_CANARIES = (
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror=window.__pwned=1>',
    "'><svg onload=window.__pwned=1>",
    "javascript:window.__pwned=1",
    "{{ 7*7 }}{% raw %}",
)
NUMBERS = (
    "0", "-0", "-1", "1e309", "-1e309", "1e-400", "NaN", "nan", "inf", "-Infinity", "0x1F", "1_000", "١٢٣", "٫٥",
    "1" + "0" * 400, "-" + "9" * 50, "3.14159265358979323846264338327950288419716939937510",
    "999999999999999999999999", "12,5", "1 000 000", "47.17", "-180.0001", "90", "+3.33",
)
NASTY = (
    "", " ", "\n", "\t\t", "\r\n\r\n", "\x00", "abc\x00def", "\x07\x08\x0b\x0c\x1b[31m", "\x7f\x85\u2028\u2029",
    "\ud800", "a\udfffb", "\ufeff", "\u200b\u200c\u200d", "\ufffd", "\uffff",
    "😀", "👩🏽‍🌾🚜♻️", "🏳️‍🌈" * 50,
    "مرحبا بالعالم", "\u202eetats-snu\u202c", "שלום עולם 300 ק\"ג", "\u061c\u200f",
    "e\u0301\u0301\u0301", "Z\u0351\u0310\u0352\u0336", "ＡＢＣ１２３", "ﬁ ½ m³ 10⁶", "İstanbul ß ǅ",
    *SCRIPT_CANARIES, "<b>gras</b>", "<!-- x -->", "&amp;&lt;&#0;&#x110000;", "]]><![CDATA[",
    "' OR '1'='1", "'; DROP TABLE answer; --", "1; SELECT * FROM vault_meta", "%' AND 1=1 --", '" OR ""="',
    "%s%s%n%x", "{0}{1}", "%(name)s", "${jndi:ldap://x}", "../../../etc/passwd", "C:\\Windows\\System32",
    *NUMBERS, "2 t/an", "300 t/an de sciure et copeaux",
    "null", "None", "undefined", "true", "[]", "{}", '{"a": 1}',
)
LONG_CHUNKS = ("a", "é", "😀", "\u202e", "<", " ", "9", "\x00", "x ", "<script>", "'; DROP TABLE x; --")
PLAIN_WORDS = ("sciure", "palettes", "chaleur", "cartons", "compost", "chariot élévateur", "drêches", "t/an",
               "par mois", "300", "tonnes", "heat", "forklift", "m3", "kWh", "environ", "de", "et")


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


LONG_SIZES = (4_301, 4_999, 5_000, 5_001, 19_999, 20_000, 20_001)
# An accepted answer of ~5,000 characters costs the language models 3-10 s (the embedding model
# reads a mention as long as the answer): the answer-path tests send long texts that are refused,
# and one explicit long accepted answer each.
REFUSED_LONG_SIZES = (5_001, 19_999, 20_000, 20_001)


def nasty_text(*, max_size: int = 300, surrogates: bool = True, long_sizes=LONG_SIZES) -> st.SearchStrategy[str]:
    """Text to break things: the NASTY list, any code point (lone surrogates too, unless told not
    to), and mixtures."""
    any_char = st.characters(codec=None, exclude_categories=() if surrogates else ("Cs",))
    nasty = NASTY if surrogates else tuple(t for t in NASTY if not _has_surrogate(t))
    words = st.lists(st.sampled_from(PLAIN_WORDS), max_size=8).map(" ".join)
    # Around the limits: 5,000 characters an interview answer, 20,000 a stored answer; 4,300 digits
    # is where Python refuses to read an integer.
    long = st.builds(lambda chunk, n: (chunk * n)[:n], st.sampled_from(LONG_CHUNKS), st.sampled_from(long_sizes))
    return st.one_of(
        st.sampled_from(nasty),
        st.text(any_char, max_size=max_size),
        st.text(max_size=max_size),
        words,
        st.builds(lambda a, b, c: a + b + c, words, st.sampled_from(nasty), st.text(any_char, max_size=40)),
        long,
    )


def field_value(long_sizes=LONG_SIZES) -> st.SearchStrategy[str | bytes]:
    """A form value as a client may send it: hostile text, or raw bytes that are not UTF-8 at all."""
    text = nasty_text(long_sizes=long_sizes)
    return st.one_of(text, text, st.binary(max_size=60))


# ------------------------------------------------------------------ transport

def _encode(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return urllib.parse.quote_from_bytes(raw, safe="")


def form_body(fields: dict[str, str | bytes | None]) -> bytes:
    """An application/x-www-form-urlencoded body, byte for byte; a lone surrogate travels as its
    (invalid) UTF-8 bytes, the way a broken client would send it. None leaves the field out."""
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in fields.items() if v is not None).encode("ascii")


def query(fields: dict[str, str | bytes | None]) -> str:
    return form_body(fields).decode("ascii")


def post_form(client, path: str, fields: dict[str, str | bytes | None], token: str | None):
    body = {**fields, "csrf_token": token} if token is not None else fields
    return client.post(path, data=form_body(body), content_type="application/x-www-form-urlencoded")


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    found = CSRF_RE.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


# ------------------------------------------------------------------ checks

ERROR_MARKERS = ('role="alert"', 'class="flash error"')


def handled(response, what: str = "") -> None:
    """No server error; a refusal (4xx) is a page that says what went wrong."""
    assert response.status_code < 500, f"{what}: HTTP {response.status_code}"
    if 400 <= response.status_code < 500 and response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert any(marker in body for marker in ERROR_MARKERS), f"{what}: HTTP {response.status_code} without a message"


def flashed(client) -> list[tuple[str, str]]:
    """The (category, text) messages waiting in the session, consumed as the next page would."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def stored_form(value: str | bytes) -> str:
    """What the server receives for a value sent by `form_body`: Werkzeug decodes UTF-8 and keeps
    bytes that are not UTF-8 percent-quoted, so a lone surrogate arrives as "%ED%A0%80"."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "werkzeug.url_quote")


__all__ = ["facilitator_support"]


def path_segment(value) -> str:
    """A fuzzed value as one URL path segment, percent-encoded byte for byte (never empty)."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return urllib.parse.quote_from_bytes(raw, safe="") or "%20"


# ---------------------------------------------------------------- the facilitator's side

PYTHON_INTERNALS = re.compile(r"invalid literal|could not convert|Exceeds the limit|Traceback|object has no attribute"
                              r"|NoneType|KeyError|ValueError", re.I)


def one_message(client) -> tuple[str, str]:
    """The single flashed message a decision leaves, which must read as a sentence, not a Python error."""
    messages = flashed(client)
    assert len(messages) == 1, messages
    category, text = messages[0]
    assert text and not PYTHON_INTERNALS.search(text), text
    return category, text


def count(store, db: str, table: str) -> int:
    return getattr(store, db).execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names


def pages_render(client, urls: list[str]) -> None:
    """After the fuzzing, every page showing what was stored still renders."""
    for url in urls:
        assert client.get(url).status_code == 200, url
