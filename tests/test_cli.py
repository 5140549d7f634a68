"""The CLI: help everywhere, production refuses default secrets, demo, backup."""
from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from data import ConfigurationError
from interview_bot import create_app
from interview_bot.cli import main


def _walk(group: click.Group, path=()):
    for name, command in group.commands.items():
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _walk(command, path + (name,))


def test_every_command_has_help_text():
    commands = list(_walk(main))
    assert {("init",), ("serve",), ("demo",), ("territory", "import"), ("backup",)} <= {p for p, _ in commands}
    for path, command in commands:
        assert (command.help or "").strip(), f"`symbiose {' '.join(path)}` has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"option {param.name} of `symbiose {' '.join(path)}` has no help"


@pytest.mark.parametrize("secret", [None, "dev", "changeme", "short-but-not-default"])
def test_production_refuses_missing_or_default_secret(tmp_path, secret):
    config = {"ENV": "production", "DATA_DIR": str(tmp_path), "VAULT_KEY": "A" * 43 + "="}
    if secret is not None:
        config["SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError, match="SYMBIOSE_SECRET_KEY"):
        create_app(config)


def test_production_refuses_missing_vault_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SYMBIOSE_VAULT_KEY"):
        create_app({"ENV": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 48})
    assert not (tmp_path / "vault.key").exists()


def test_production_startup_failure_is_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_ENV="production", SYMBIOSE_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "interview_bot.cli", "init"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "SYMBIOSE_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_development_generates_keys_and_says_so(tmp_path, capfd):
    create_app({"DATA_DIR": str(tmp_path / "d")})
    assert (tmp_path / "d" / "vault.key").exists() and (tmp_path / "d" / "secret_key").exists()
    assert "generated vault key" in capfd.readouterr().err
    assert oct((tmp_path / "d" / "vault.key").stat().st_mode & 0o777) == "0o600"


def test_demo_prints_a_working_login_and_actor_link(app, cli, client):
    result = cli("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    login = next(line for line in result.output.splitlines() if line.startswith("Facilitator login:"))
    email, password = login.split(":", 1)[1].split("(")[0].strip().split(" / ")
    from data.territories import check_login
    from interview_bot.cli import open_store

    with app.app_context(), open_store() as store:
        assert check_login(store, email, password)["role"] == "facilitator"
    link = next(line for line in result.output.splitlines() if line.startswith("One actor's personal link:")).split()[-1]
    page = client.get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=True)
    assert page.status_code == 200 and "Bonjour" in page.get_data(as_text=True)


def test_tampered_actor_link_is_refused(app, cli, client):
    result = cli("demo", "--no-serve")
    link = result.output.strip().splitlines()[-1].split()[-1]
    path = link.replace("http://127.0.0.1:8000", "")
    response = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert response.status_code == 400 and "pas valide" in response.get_data(as_text=True)


def test_backup_command_writes_both_databases(app, cli, tmp_path):
    cli("demo", "--no-serve")
    result = cli("backup", str(tmp_path / "bk"))
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "bk").iterdir()} == {"public.db", "vault.db"}
