"""`symbiose territory import`: validation, all-or-nothing, idempotence."""
from __future__ import annotations

import json

import pytest

from data import InvalidImport
from data.importer import parse_lines

LINE = {"ref": "x1", "name": "Scierie Test", "naf": "16.10A", "lat": 47.1, "lon": 3.3,
        "offers": ["environ 300 t/an de sciure"], "needs": []}


def _dump(app) -> dict:
    """Every row of both databases (sealed values included), to compare states."""
    from interview_bot.cli import open_store

    with app.app_context(), open_store() as store:
        state = {}
        for name, db in (("public", store.public), ("vault", store.vault)):
            for table in db.table_names():
                state[f"{name}.{table}"] = sorted(map(repr, db[table].rows))
        return state


def test_import_twice_changes_nothing(app, cli, dev_data):
    path = dev_data / "territories" / "loire-nievre.jsonl"
    first = cli("territory", "import", str(path), "--territory", "loire-nievre")
    assert first.exit_code == 0, first.output
    assert "18 created" in first.output
    before = _dump(app)
    second = cli("territory", "import", str(path), "--territory", "loire-nievre")
    assert second.exit_code == 0 and "18 unchanged" in second.output
    assert _dump(app) == before


def test_changed_line_updates_that_actor_only(app, cli, tmp_path):
    path = tmp_path / "t.jsonl"
    other = dict(LINE, ref="x2", name="Autre")
    path.write_text(json.dumps(LINE) + "\n" + json.dumps(other) + "\n")
    assert cli("territory", "import", str(path), "--territory", "t").exit_code == 0
    path.write_text(json.dumps(dict(LINE, offers=["des palettes"])) + "\n" + json.dumps(other) + "\n")
    result = cli("territory", "import", str(path), "--territory", "t")
    assert "0 created, 1 updated, 1 unchanged" in result.output


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ('{"name": "sans ref"}', "line 2: field 'ref' is required"),
        ('{"ref": "x2", "lat": "47,1", "lon": 3}', "line 2: field 'lat' must be a number"),
        ('{"ref": "x2", "offers": "une seule chaîne"}', "line 2: field 'offers' must be a list of strings"),
        ('{"ref": "x2", "lang": "de"}', "line 2: field 'lang' must be one of fr, en"),
        ('{"ref": "x1"}', "line 2: ref 'x1' already used on line 1"),
        ('{"ref": "x2", "nmae": "typo"}', "line 2: unknown field(s) 'nmae'"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"ref": "x2", "lat": 47.0}', "line 2: give both 'lat' and 'lon'"),
    ],
)
def test_malformed_line_is_named_and_nothing_is_stored(app, cli, tmp_path, bad_line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINE) + "\n" + bad_line + "\n" + json.dumps(dict(LINE, ref="x3")) + "\n")
    result = cli("territory", "import", str(path), "--territory", "t")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    state = _dump(app)
    assert state.get("public.actor", []) == [] and state.get("vault.answer", []) == []


def test_invalid_utf8_and_empty_files_are_refused():
    with pytest.raises(InvalidImport, match="line 1: not valid UTF-8"):
        parse_lines(b'{"ref": "\xff"}\n')
    with pytest.raises(InvalidImport, match="no actor"):
        parse_lines(b"\n\n")


def test_missing_file_is_a_clear_error(cli, tmp_path):
    result = cli("territory", "import", str(tmp_path / "absent.jsonl"), "--territory", "t")
    assert result.exit_code != 0 and "Traceback" not in result.output
