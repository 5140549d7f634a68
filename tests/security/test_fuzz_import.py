"""Fuzzing the territory import (JSON Lines, one actor per line): generated lines, valid and
hostile, through the importer's parser, then stored in real SQLite files. A bad file is refused
as a whole with a message naming the line; a good one is stored without losing a word, and
importing it again changes nothing. (The web has no territory upload; the invitation CSV
upload is fuzzed in test_fuzz_facilitator.py.)"""
from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from security_support import BUDGET, MIN_TOTAL, NASTY, fuzz_settings, nasty_text, record

from data import InvalidImport, Keyring, Store, generate_key
from data.answers import list_answers
from data.actors import find_by_ref, read_identity
from data.importer import ALLOWED_FIELDS, STRING_FIELDS, import_records, parse_lines
from data.territories import create_territory


def test_fuzz_budget_adds_up_to_at_least_ten_thousand_inputs():
    assert sum(BUDGET.values()) >= MIN_TOTAL


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


scalar = st.one_of(nasty_text(max_size=80), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                   st.booleans(), st.none())
json_value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(nasty_text(max_size=10), inner, max_size=3)),
                          max_leaves=8)
field_name = st.one_of(st.sampled_from(ALLOWED_FIELDS), st.sampled_from(ALLOWED_FIELDS), nasty_text(max_size=12))
hostile_record = st.dictionaries(field_name, st.one_of(json_value, st.lists(nasty_text(max_size=60), max_size=4)),
                                 max_size=8)
text_value = nasty_text(max_size=120, surrogates=False)
plausible_record = st.fixed_dictionaries(
    {"ref": text_value.filter(lambda t: 0 < len(norm(t)) <= 200)},
    optional={**{k: text_value.filter(lambda t: len(norm(t)) <= 2_000) for k in STRING_FIELDS if k != "email"},
              "email": st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=20), st.text(max_size=20)),
              "lang": st.sampled_from(["fr", "en"]),
              "offers": st.lists(text_value, max_size=4), "needs": st.lists(text_value, max_size=4)})


def encode_line(obj, ascii_only: bool) -> bytes:
    """A JSON line; a lone surrogate travels escaped ("\\ud800") or as raw invalid bytes."""
    return json.dumps(obj, ensure_ascii=ascii_only, allow_nan=True).encode("utf-8", "surrogatepass")


garbage_line = st.one_of(
    st.binary(max_size=80), st.sampled_from([b"{", b"[]", b'"x"', b"null", b'{"ref": "a"', b"\xef\xbb\xbf{}",
                                              b'{"ref": 1e999}', b'{"ref": "a", "lat": ' + b"9" * 5_000 + b"}",
                                              b'{"ref": "\\ud800"}', b"\x1f\x8b\x08", b"PK\x03\x04", b"\xff\xfe{"]),
    st.sampled_from(NASTY).map(lambda t: t.encode("utf-8", "surrogatepass")))


def lines(records) -> st.SearchStrategy[bytes]:
    one = st.one_of(
        st.builds(encode_line, records, st.booleans()),
        garbage_line,
    )
    return st.builds(lambda parts, sep, end: sep.join(parts) + end, st.lists(one, min_size=0, max_size=5),
                     st.sampled_from([b"\n", b"\r\n", b"\n\n"]), st.sampled_from([b"", b"\n"]))


def test_import_lines_are_refused_with_a_line_number_or_kept_whole():
    ran = 0

    @fuzz_settings("import_lines")
    @given(data=st.one_of(lines(hostile_record), lines(plausible_record), lines(plausible_record)))
    def run(data):
        nonlocal ran
        ran += 1
        try:
            records = parse_lines(data)
        except InvalidImport as exc:
            message = str(exc)
            assert message and "Traceback" not in message
            message.encode("utf-8")  # printable as it is: no lone surrogate echoed back
            return
        assert records
        for rec in records:
            assert rec.ref == norm(rec.ref) and 0 < len(rec.ref) <= 200
            for text in (rec.ref, rec.activity or "", *rec.offers, *rec.needs,
                         *(v for v in rec.identity.__dict__.values() if isinstance(v, str))):
                text.encode("utf-8")  # everything kept can be sealed and stored

    run()
    record("import_lines", ran)


@pytest.fixture
def import_store(tmp_path):
    with Store.open(tmp_path / "instance", Keyring.from_text(generate_key()), create=True) as store:
        create_territory(store, "t", "Territoire")
        yield store


def test_imported_records_are_stored_word_for_word_and_reimport_changes_nothing(import_store):
    ran = 0

    @fuzz_settings("import_records")
    @given(objs=st.lists(plausible_record, min_size=1, max_size=3, unique_by=lambda o: norm(o["ref"])))
    def run(objs):
        nonlocal ran
        ran += 1
        data = b"\n".join(json.dumps(o).encode() for o in objs)
        try:
            records = parse_lines(data)
        except InvalidImport:
            return  # e.g. an over-long field; the parser test covers refusals
        import_records(import_store, "t", records)
        for obj in objs:
            actor = find_by_ref(import_store, 1, norm(obj["ref"]))
            assert actor is not None
            answers = list_answers(import_store, actor.id, who="test")
            for topic in ("offers", "needs"):
                wanted = [norm(t) for t in obj.get(topic, []) if norm(t)]
                assert [a.text for a in answers if a.topic == topic] == wanted  # nothing lost, nothing doubled
            identity = read_identity(import_store, actor.id, who="test")
            for key in ("name", "commune", "siret", "phone"):
                assert getattr(identity, key) == (norm(obj[key]) or None if key in obj else None), key
        again = import_records(import_store, "t", parse_lines(data))
        assert again.unchanged == len(objs) and again.created == again.updated == 0

    run()
    record("import_records", ran)
