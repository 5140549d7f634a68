"""A bad territory file is named line by line and stores nothing; a failure while storing stores nothing either."""
from __future__ import annotations

import contextlib
import gzip
import json
import random

import pytest
from ops_support import (
    SLUG, assert_clean_failure, can_mount, db_state, file_size_limit, fill, make_app, populate, run, tmpfs,
)

GOOD = json.dumps({"ref": "n1", "name": "Menuiserie Alcyon", "activity": "menuiserie"}) + "\n"
EXPECTED = "expected one JSON object per line, in UTF-8"


def _files() -> dict[str, tuple[bytes, list[str]]]:
    garbage = random.Random(8).randbytes(4096)
    return {
        "invalid JSON": (GOOD.encode() + b'{"ref": "n2", name: "sans guillemets"}\n',
                         ["line 2: invalid JSON: Expecting property name enclosed in double quotes at column 15", EXPECTED]),
        "truncated last line": (GOOD.encode() + b'{"ref": "n2", "name": "Scierie des Gr',
                                ["line 2: the line ends before its JSON object is complete — the file looks truncated",
                                 EXPECTED]),
        "object left open": (GOOD.encode() + b'{"ref": "n2", "name": "Scierie"\n' + GOOD.replace("n1", "n3").encode(),
                             ["line 2: the line ends before its JSON object is complete;", EXPECTED]),
        "binary garbage": (garbage, ["line 1: binary data, not text", EXPECTED]),
        "gzip": (gzip.compress(GOOD.encode() * 3), ["the file is compressed (gzip), not text", EXPECTED]),
        "Latin-1": (GOOD.encode() + '{"ref": "n2", "name": "Scierie Prémery"}\n'.encode("latin-1"),
                    ["line 2: not valid UTF-8 (byte 34): save the file as UTF-8, not Latin-1 or Windows-1252"]),
        "UTF-16": (GOOD.encode("utf-16"), ["the file is UTF-16 text: save it as UTF-8"]),
        "empty": (b"", ["the file is empty", EXPECTED, '{"ref": "a1"']),
        "blank lines only": (b"\n  \n\r\n", ["the file contains no actor", EXPECTED]),
        "50 MB line": (GOOD.encode() + b'{"ref": "n2", "activity": "' + b"a" * 50_000_000 + b'"}\n',
                       ["line 2: the line is longer than 1,000,000 bytes", "each actor's at most 1 MB"]),
    }


@pytest.mark.parametrize("case", list(_files()))
def test_a_bad_file_names_the_line_and_what_was_expected_and_changes_nothing(world, data_dir, tmp_path, case):
    app, _ = world
    content, phrases = _files()[case]
    path = tmp_path / "territory.jsonl"
    path.write_bytes(content)
    before = db_state(data_dir)
    result = run(app, "territory", "import", str(path), "--territory", SLUG)
    message = assert_clean_failure(result, f"{path}: ", *phrases)
    assert len(message) < 400  # a message, not the 50 MB line echoed back
    assert db_state(data_dir) == before


def _big_file(n: int = 60) -> bytes:
    """`n` valid actors, each with ~20 KB of activity text (no offers or needs: no language model needed)."""
    rng = random.Random(3)
    words = ["scierie", "palettes", "chaudière", "copeaux", "séchoir", "atelier", "bois", "granulés"]
    lines = [json.dumps({"ref": f"big-{i}", "name": f"Entreprise {i}", "email": f"e{i}@example.org",
                         "activity": " ".join(rng.choice(words) for _ in range(2500))[:19_000]}, ensure_ascii=False)
             for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("disk", ["tmpfs", "file-size-limit"])
def test_the_disk_filling_up_half_way_through_an_import_stores_nothing(tmp_path, k1, disk):
    """The file is valid; the disk runs out while its actors are being stored. Nothing of it is
    kept in either database, the message says so, and once there is room the same import works."""
    if disk == "tmpfs" and not can_mount():
        pytest.skip("mounting a tmpfs needs root or CAP_SYS_ADMIN; the file-size-limit case covers this")
    path = tmp_path / "big.jsonl"
    path.write_bytes(_big_file())
    mount = tmp_path / "disk"
    with tmpfs(mount, 8192) if disk == "tmpfs" else contextlib.nullcontext():
        data_dir = mount / "instance" if disk == "tmpfs" else tmp_path / "instance"
        app = make_app(data_dir, k1)
        populate(app)
        before = db_state(data_dir)
        largest = max(p.stat().st_size for p in data_dir.iterdir())
        if disk == "tmpfs":
            fill(mount, leave=256 * 1024)
            result = run(app, "territory", "import", str(path), "--territory", SLUG)
            (mount / "filler").unlink()
            reason = "database or disk is full"
        else:
            with file_size_limit(largest + 256 * 1024):
                result = run(app, "territory", "import", str(path), "--territory", SLUG)
            reason = "disk I/O error"
        assert_clean_failure(result, "Nothing was imported: storing failed", reason,
                             "Both databases are as they were before the import")
        assert db_state(data_dir) == before
        again = run(app, "territory", "import", str(path), "--territory", SLUG)
        assert again.exit_code == 0, again.output
        assert "60 created" in again.output
