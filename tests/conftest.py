"""Shared fixtures: a real data folder with real SQLite files for every test."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from data import Keyring, Store, generate_key
from interview_bot import create_app

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones the project beside shared/
    SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_DATA = SHARED / "dev-data"
OWN_TERRITORIES = Path(__file__).resolve().parent / "data" / "territories"


@pytest.fixture(scope="session")
def dev_data() -> Path:
    """../shared/dev-data: the sample territory and held-out phrases (read, never copied)."""
    return DEV_DATA


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_text(generate_key())


@pytest.fixture
def store(data_dir: Path, keyring: Keyring):
    with Store.open(data_dir, keyring, create=True) as store:
        yield store


@pytest.fixture
def app(data_dir: Path):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True})
    with app.app_context():
        from interview_bot.cli import open_store

        open_store(create=True).close()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    """Invoke `symbiose` commands against the test app's data folder."""
    from interview_bot.cli import main

    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), obj=_script_info(app), catch_exceptions=False, **kwargs)

    return invoke


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
