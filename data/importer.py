"""The territory import file (JSON Lines, one actor per line; see ARCHITECTURE.md).

The whole file is validated before anything is stored: a malformed line stops the
import with a message naming the line, the problem and what was expected, and
none of the file's actors is written. The writes themselves are one transaction
per database, so a failure while storing (a full disk…) leaves nothing either.
Import is idempotent on `ref`: a line identical to what was imported last time
changes nothing.
"""
from __future__ import annotations

import io
import json
import math
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .actors import create_actor, find_by_ref, update_identity
from .answers import MAX_ANSWER_CHARS, delete_answer, save_answer
from .db import transaction
from .errors import InvalidImport, SymbioseError, UnknownTerritory
from .store import Store
from .territories import SLUG_RE, create_territory, get_territory
from .types import Actor, Answer, Identity

MAX_LINE_BYTES = 1_000_000
MAX_ITEMS = 100  # offers or needs per actor
LANGS = ("fr", "en")
STRING_FIELDS = ("name", "activity", "naf", "email", "commune", "postcode", "siret", "phone", "contact", "size")
ALLOWED_FIELDS = ("ref", *STRING_FIELDS, "lat", "lon", "lang", "offers", "needs")
TOPICS = ("activity", "offers", "needs")


@dataclass
class ImportRecord:
    line: int
    ref: str
    identity: Identity
    lang: str = "fr"
    activity: str | None = None
    offers: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def canonical(self) -> str:
        """The record as a stable string, to detect an unchanged line on re-import."""
        return json.dumps(
            {"ref": self.ref, "identity": self.identity.__dict__, "lang": self.lang, "activity": self.activity,
             "offers": self.offers, "needs": self.needs},
            sort_keys=True, ensure_ascii=False,
        )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    answers: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged ({self.answers} answers stored)"


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _string(obj: dict, key: str, line: int, *, max_len: int = 2_000) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidImport(f"field {key!r} must be a string, got {type(value).__name__}", line)
    value = _clean(value)
    if len(value) > max_len:
        raise InvalidImport(f"field {key!r} is {len(value)} characters long (at most {max_len})", line)
    return value or None


def _number(obj: dict, key: str, line: int, lo: float, hi: float) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidImport(f"field {key!r} must be a number, got {json.dumps(value)[:40]}", line)
    if not lo <= value <= hi:
        raise InvalidImport(f"field {key!r} = {value} is out of range [{lo}, {hi}]", line)
    return float(value)


def _texts(obj: dict, key: str, line: int) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidImport(f"field {key!r} must be a list of strings", line)
    if len(value) > MAX_ITEMS:
        raise InvalidImport(f"field {key!r} has {len(value)} items (at most {MAX_ITEMS})", line)
    texts = [_clean(v) for v in value]
    for i, text in enumerate(texts, 1):
        if len(text) > MAX_ANSWER_CHARS:
            raise InvalidImport(f"{key}[{i}] is {len(text)} characters long (at most {MAX_ANSWER_CHARS})", line)
    return [t for t in texts if t]


def _lone_surrogate(obj: dict) -> str | None:
    """The first field holding an escaped lone surrogate ("\\ud800"): valid JSON, but not a
    character, so it could not be stored (sealing encodes UTF-8)."""
    for key, value in obj.items():
        for text in (key, *(value if isinstance(value, list) else [value])):
            if isinstance(text, str) and any("\ud800" <= ch <= "\udfff" for ch in text):
                return key
    return None


def parse_record(obj: Any, line: int) -> ImportRecord:
    """Validate one decoded line."""
    if not isinstance(obj, dict):
        raise InvalidImport(f"expected a JSON object, got {type(obj).__name__}", line)
    if (key := _lone_surrogate(obj)) is not None:
        raise InvalidImport(f"field {key!r} contains an escaped lone surrogate (\\ud800-\\udfff), which is not a "
                            "character: fix that text in the file", line)
    unknown = sorted(set(obj) - set(ALLOWED_FIELDS))
    if unknown:
        raise InvalidImport(
            f"unknown field(s) {', '.join(map(repr, unknown))}; expected some of: {', '.join(ALLOWED_FIELDS)}", line
        )
    ref = obj.get("ref")
    if not isinstance(ref, str) or not _clean(ref):
        raise InvalidImport("field 'ref' is required and must be a non-empty string", line)
    ref = _clean(ref)
    if len(ref) > 200:
        raise InvalidImport("field 'ref' is longer than 200 characters", line)
    lang = obj.get("lang", "fr")
    if lang not in LANGS:
        raise InvalidImport(f"field 'lang' must be one of {', '.join(LANGS)}, got {json.dumps(lang)[:40]}", line)
    strings = {key: _string(obj, key, line, max_len=MAX_ANSWER_CHARS if key == "activity" else 2_000) for key in STRING_FIELDS}
    if strings["email"] and "@" not in strings["email"]:
        raise InvalidImport(f"field 'email' is not an email address: {strings['email'][:60]!r}", line)
    lat = _number(obj, "lat", line, -90, 90)
    lon = _number(obj, "lon", line, -180, 180)
    if (lat is None) != (lon is None):
        raise InvalidImport("give both 'lat' and 'lon', or neither", line)
    activity = strings.pop("activity")
    identity = Identity(**strings, lat=lat, lon=lon)
    return ImportRecord(
        line=line, ref=ref, identity=identity, lang=lang, activity=activity,
        offers=_texts(obj, "offers", line), needs=_texts(obj, "needs", line),
    )


EXPECTED = "expected one JSON object per line, in UTF-8"
_MAGIC = {b"\x1f\x8b": "compressed (gzip)", b"PK\x03\x04": "a zip archive", b"%PDF": "a PDF document",
          b"SQLite format 3": "an SQLite database"}


def parse_lines(data: bytes) -> list[ImportRecord]:
    """Validate a whole file's bytes; raise InvalidImport at the first bad line."""
    return parse_stream(io.BytesIO(data))


def parse_stream(stream: BinaryIO) -> list[ImportRecord]:
    """Validate a JSON Lines stream; raise InvalidImport naming the first bad line and what was expected.

    Lines are read one at a time and never more than MAX_LINE_BYTES of one, so a
    huge or binary file costs no more memory than a line.
    """
    records: list[ImportRecord] = []
    seen: dict[str, int] = {}
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        number += 1
        if number == 1:
            _check_file_kind(raw)
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise InvalidImport(
                f"the line is longer than {MAX_LINE_BYTES:,} bytes; {EXPECTED}, each actor's at most 1 MB", number
            )
        last = not raw.endswith(b"\n")
        if not raw.strip():
            continue
        obj = _decode(raw, number, last)
        record = parse_record(obj, number)
        if record.ref in seen:
            raise InvalidImport(f"ref {record.ref!r} already used on line {seen[record.ref]}", number)
        seen[record.ref] = number
        records.append(record)
    if not records:
        what = "the file is empty" if number == 0 else "the file contains no actor"
        raise InvalidImport(f"{what} ({EXPECTED}, e.g. {{\"ref\": \"a1\", \"name\": \"Scierie Martin\"}})")
    return records


def _check_file_kind(first: bytes) -> None:
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidImport(f"the file is UTF-16 text: save it as UTF-8 ({EXPECTED})")
    for magic, kind in _MAGIC.items():
        if first.startswith(magic):
            raise InvalidImport(f"the file is {kind}, not text ({EXPECTED})")


def _decode(raw: bytes, number: int, last: bool) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\0" in raw or sum(b < 9 or 13 < b < 32 for b in raw) > len(raw) // 20:
            raise InvalidImport(f"binary data, not text ({EXPECTED})", number) from None
        raise InvalidImport(
            f"not valid UTF-8 (byte {exc.start + 1}): save the file as UTF-8, not Latin-1 or Windows-1252 "
            f"({EXPECTED})", number) from None
    if "\0" in text:
        raise InvalidImport(f"binary data, not text ({EXPECTED})", number)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()):
            # The object is not closed when the line ends: cut short, often a truncated file.
            hint = " — the file looks truncated" if last else ""
            raise InvalidImport(f"the line ends before its JSON object is complete{hint}; "
                                f"{EXPECTED}", number) from None
        raise InvalidImport(f"invalid JSON: {exc.msg} at column {exc.colno} ({EXPECTED})", number) from None
    except ValueError:  # json reads integers with Python's 4,300-digit limit
        raise InvalidImport(f"a number is more than 4,300 digits long ({EXPECTED})", number) from None


def parse_file(path: str | Path) -> list[ImportRecord]:
    """Validate the file at `path`; an error message starts with the file's name."""
    try:
        with open(path, "rb") as stream:
            return parse_stream(stream)
    except OSError as exc:
        raise InvalidImport(f"cannot read {path}: {exc.strerror or exc}") from None
    except InvalidImport as exc:
        raise InvalidImport(f"{path}: {exc}") from None


AnswerHook = Callable[[Actor, Answer], None]
PrepareHook = Callable[[list[ImportRecord]], None]


def import_records(
    store: Store,
    territory_slug: str,
    records: list[ImportRecord],
    *,
    on_answer: AnswerHook | None = None,
    prepare: PrepareHook | None = None,
    create: bool = False,
) -> ImportReport:
    """Store validated records, all or nothing; `on_answer` (e.g. normalisation) runs on each new answer.

    Every write, `on_answer`'s included, happens in one transaction per database (the
    vault's committed first): if anything fails half-way, neither database keeps any
    of the file. (Two SQLite files cannot commit as one: if public.db's commit alone
    fails, the error says the import is incomplete.) `prepare`, called first and outside the transactions with the records
    that will be written, lets slow work (the language models) be done before the
    write locks are taken, so the web service is not kept waiting. With `create`, a
    missing territory is created in the same transaction.
    """
    try:
        territory_id: int | None = get_territory(store, territory_slug)["id"]
    except UnknownTerritory:
        if not create:
            raise
        if not SLUG_RE.match(territory_slug):  # refused now, before the models run on the whole file
            create_territory(store, territory_slug)
        territory_id = None
    if prepare is not None:
        changed = [r for r in records if territory_id is None or _state(store, territory_id, r)[1] != "unchanged"]
        if changed:
            prepare(changed)
    report = ImportReport()
    record: ImportRecord | None = None
    vault_committed = False
    try:
        with transaction(store.public):
            with transaction(store.vault):
                if create:
                    territory_id = create_territory(store, territory_slug)["id"]
                assert territory_id is not None
                for record in records:
                    _store_record(store, territory_slug, territory_id, record, report, on_answer)
                record = None  # a failure from here on is a commit's, not a line's
            vault_committed = not store.vault.conn.in_transaction
    except (sqlite3.Error, OSError) as exc:
        if vault_committed:
            # Two SQLite files cannot commit as one: the vault's commit went through and
            # public.db's did not (the disk filled up in between). Rare; say it as it is.
            raise SymbioseError(f"The import is incomplete: vault.db was written but public.db could not be ({exc}). "
                                "Free some space and run the same import again.") from None
        where = f" at line {record.line} (ref {record.ref!r})" if record is not None else " while writing to disk"
        raise SymbioseError(f"Nothing was imported: storing failed{where}: {exc}. Both databases are as they were "
                            "before the import; fix the cause (e.g. free disk space) and run it again.") from None
    return report


def _store_record(store: Store, territory_slug: str, territory_id: int, record: ImportRecord,
                  report: ImportReport, on_answer: AnswerHook | None) -> None:
    """Write one record (inside the import's transactions)."""
    actor, state = _state(store, territory_id, record)
    if state == "unchanged":
        report.unchanged += 1
        return
    if actor is not None:
        update_identity(store, actor.id, record.identity, lang=record.lang)
        for old in list(store.vault["answer"].rows_where(
                "actor_id = ? AND topic IN ('activity', 'offers', 'needs')", [actor.id])):
            delete_answer(store, old["id"])
        report.updated += 1
    else:
        actor = create_actor(store, territory_slug, record.ref, record.identity, lang=record.lang, status="completed")
        report.created += 1
    by_topic = {"activity": [record.activity] if record.activity else [], "offers": record.offers,
                "needs": record.needs}
    for topic in TOPICS:
        for position, text in enumerate(by_topic[topic]):
            answer = save_answer(store, actor.id, topic, text, lang=record.lang, position=position)
            report.answers += 1
            if on_answer is not None:
                on_answer(actor, answer)
    fingerprint = store.keyring.fingerprint("import:" + record.canonical()) if store.keyring else None
    store.vault["identity"].update(actor.id, {"import_fp": fingerprint})


def _state(store: Store, territory_id: int, record: ImportRecord) -> tuple[Actor | None, str]:
    """The actor a record is about (None if new) and "new", "changed" or "unchanged"."""
    actor = find_by_ref(store, territory_id, record.ref)
    if actor is None:
        return None, "new"
    rows = list(store.vault["identity"].rows_where("actor_id = ?", [actor.id], select="import_fp"))
    # Any key of the keyring: before `symbiose keys rotate` has run, it may be the old key's hash.
    known = store.keyring.fingerprints("import:" + record.canonical()) if store.keyring else []
    return actor, ("unchanged" if rows and rows[0]["import_fp"] in known else "changed")
