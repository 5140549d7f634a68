"""Every translation catalogue compiles, and its committed .mo is what compiling the .po gives."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from interview_bot.web import LOCALES, TRANSLATION_AREAS

ROOT = Path(__file__).resolve().parents[2] / "interview_bot" / "translations"
CATALOGUES = sorted(ROOT.glob("*/*/LC_MESSAGES/messages.po"))


def _key(value):
    """Plural messages have tuple ids and list strings."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _filled(string) -> bool:
    return all(string) if isinstance(string, (list, tuple)) else bool(string)


def test_every_area_has_a_catalogue_per_language():
    present = {(p.parts[-4], p.parts[-3]) for p in CATALOGUES}
    missing = [(area, lang) for area in ("common", "interview") for lang in LOCALES if (area, lang) not in present]
    assert not missing, f"missing catalogues: {missing}"
    assert {p.parts[-4] for p in CATALOGUES} <= set(TRANSLATION_AREAS)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: f"{p.parts[-4]}/{p.parts[-3]}")
def test_catalogue_compiles_and_mo_is_up_to_date(po_path: Path):
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parts[-3])
    errors = [(m.id, err) for m, errs in catalog.check() for err in errs]
    assert not errors, f"{po_path}: {errors[:5]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `pybabel compile -d {po_path.parents[2]}`"
    with mo_path.open("rb") as fh:
        compiled = read_mo(fh)
    expected = {_key(m.id): _key(m.string) for m in catalog if m.id and _filled(m.string) and not m.fuzzy}
    actual = {_key(m.id): _key(m.string) for m in compiled if m.id and _filled(m.string)}
    stale = sorted(str(k) for k in set(expected) ^ set(actual)) + sorted(
        str(k) for k in expected if k in actual and expected[k] != actual[k])
    assert not stale, f"{mo_path} is out of date (run `pybabel compile -d {po_path.parents[2]}`): {stale[:5]}"


@pytest.mark.parametrize("area", ["common", "interview"])
def test_french_catalogue_of_our_areas_is_complete(area: str):
    with (ROOT / area / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    untranslated = [m.id for m in catalog if m.id and (not _filled(m.string) or m.fuzzy)]
    assert not untranslated, f"untranslated in {area}/fr: {untranslated[:5]}"
