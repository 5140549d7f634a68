"""The `symbiose` command line (Flask's click integration).

Every command has help text; domain errors become a one-line message and a
non-zero exit status, never a traceback.
"""
from __future__ import annotations

import functools
import json
import os
import secrets
import sys
from importlib import resources
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from data import Store, SymbioseError, generate_key
from data.actors import list_actors
from data.importer import import_records, parse_file, parse_lines
from data.territories import create_territory, create_user, get_territory

from data.taxonomy import load_taxonomy
from matcher import to_contract
from nlp.normalise import get_normaliser

from . import create_app
from .auth.tokens import actor_link
from .digest.cli import digest_group
from .facilitator.reminder import send_reminders
from .ingest import normalise_answer, normalise_texts
from .interview.invite import invite_actor
from .jsonl import normalised_line
from .matching import counts_text, refresh, territory_actors
from .ops_cli import keys_rotate, restore_command
from .rights.cli import purge_command

DEMO_TERRITORY = "demo"
DEMO_FACILITATOR = "animateur@demo.symbiose.example"


def domain_errors(fn):
    """Turn a SymbioseError into a clean CLI error (message + exit status 1)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SymbioseError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _app_factory():
    try:
        return create_app()
    except SymbioseError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Symbiose: territorial industrial ecology — interview, matching, facilitation.

    Settings come from SYMBIOSE_* environment variables (SYMBIOSE_DATA_DIR says where
    the databases live; default ./instance).
    """


def open_store(create: bool = False) -> Store:
    return Store.open(current_app.config["DATA_DIR"], current_app.config["KEYRING"], create=create)


@main.command("init")
@with_appcontext
@domain_errors
def init_command() -> None:
    """Create (or upgrade) the public and vault databases in the data folder."""
    with open_store(create=True) as store:
        click.echo(f"Databases ready in {store.data_dir}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: SYMBIOSE_WORKERS or 2).")
@with_appcontext
@domain_errors
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Serve the web application with gunicorn."""
    _exec_gunicorn(host, port, workers)


def _exec_gunicorn(host: str, port: int, workers: int | None) -> None:
    config = current_app.config
    open_store(create=True).close()
    env = dict(os.environ, SYMBIOSE_DATA_DIR=config["DATA_DIR"], SYMBIOSE_ENV=config["ENV"])
    argv = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:interview_bot.gunicorn_conf",
        "--bind", f"{host}:{port}",
        "--workers", str(workers or config["WORKERS"]),
        "interview_bot:create_app()",
    ]
    click.echo(f"Serving Symbiose on http://{host}:{port}/ (data in {config['DATA_DIR']})")
    sys.stdout.flush()
    os.execvpe(argv[0], argv, env)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Prepare the demo data and print the logins, without serving.")
@with_appcontext
@domain_errors
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create the databases, load the demo territory, print a facilitator login and an actor link, and serve."""
    if current_app.config["ENV"] != "development":
        raise click.ClickException("The demo runs in development mode only (unset SYMBIOSE_ENV).")
    current_app.config["BASE_URL"] = f"http://{host}:{port}"
    data = resources.files("data").joinpath("demo/territory.jsonl").read_bytes()
    with open_store(create=True) as store:
        create_territory(store, DEMO_TERRITORY, "Territoire de démonstration")
        report = import_records(store, DEMO_TERRITORY, parse_lines(data), **_normaliser(store))
        matches = _refresh_matches(store, DEMO_TERRITORY)
        password = secrets.token_urlsafe(12)
        _reset_demo_facilitator(store, password)
        territory = get_territory(store, DEMO_TERRITORY)
        first = next(iter(list_actors(store, territory["id"])))
        link = actor_link(first.id)
    click.echo(f"Demo territory loaded: {report}; proposals: {matches}.")
    click.echo(f"Facilitator login: {DEMO_FACILITATOR} / {password}  (http://{host}:{port}/login)")
    click.echo(f"One actor's personal link: {link}")
    if not no_serve:
        _exec_gunicorn(host, port, None)


def _reset_demo_facilitator(store: Store, password: str) -> None:
    from data.db import transaction  # noqa: PLC0415 - only the demo resets a user

    with transaction(store.public):
        store.public.execute("DELETE FROM user WHERE email = ?", [DEMO_FACILITATOR])
    create_user(store, DEMO_FACILITATOR, password, "facilitator", DEMO_TERRITORY)


def _normaliser(store: Store) -> dict:
    """The importer's hooks that turn each imported answer into resources (the language pipeline).

    `prepare` runs the models on every new text before the import takes its write
    locks; `on_answer` then only stores what they found.
    """
    known: dict = {}

    def prepare(records) -> None:
        known.update(normalise_texts(store, [(topic, text, record.lang) for record in records
                                             for topic, texts in (("offers", record.offers), ("needs", record.needs))
                                             for text in texts]))

    def on_answer(actor, answer) -> None:
        normalise_answer(store, actor, answer, known=known)

    return {"prepare": prepare, "on_answer": on_answer}


def _refresh_matches(store: Store, slug: str) -> str:
    """Recompute the territory's proposals (the matcher) and say what changed."""
    _proposals, counts = refresh(store, slug)
    return counts_text(counts) or "no change"


@main.group("territory")
def territory_group() -> None:
    """Create territories and import their actors."""


@territory_group.command("create")
@click.argument("slug")
@click.option("--name", help="Display name (default: from the slug).")
@with_appcontext
@domain_errors
def territory_create(slug: str, name: str | None) -> None:
    """Create a territory identified by SLUG (lowercase letters, digits, hyphens)."""
    with open_store(create=True) as store:
        territory = create_territory(store, slug, name)
    click.echo(f"Territory {territory['slug']} ({territory['name']}) ready.")


@territory_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--territory", "slug", required=True, help="Territory slug; created if it does not exist.")
@with_appcontext
@domain_errors
def territory_import(file: Path, slug: str) -> None:
    """Import actors from a JSON Lines FILE (one actor per line; see ARCHITECTURE.md).

    The whole file is checked first: a malformed line stops the import and nothing
    is stored; so does any failure while storing (all or nothing). Importing the same
    file again changes nothing.
    """
    records = parse_file(file)
    with open_store(create=True) as store:
        report = import_records(store, slug, records, create=True, **_normaliser(store))
        matches = _refresh_matches(store, slug)
    click.echo(f"Imported {file} into {slug}: {report}; proposals: {matches}.")


@main.command("match")
@click.option("--territory", "slug", required=True, help="Territory slug.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Write one proposal per line as JSON (see ARCHITECTURE.md).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the explanations.")
@with_appcontext
@domain_errors
def match_command(slug: str, as_jsonl: bool, lang: str) -> None:
    """Recompute the proposals of a territory from its public data and list them, best first.

    Decisions already taken (accepted, rejected, snoozed) are kept; a rejected pair
    comes back only if its data changed. Reads the public partition only.
    """
    # The matcher reads the public partition only: the vault is not even opened.
    with Store.open(current_app.config["DATA_DIR"], None) as store:
        proposals, counts = refresh(store, slug)
        actors = {a.id: a for a in territory_actors(store, get_territory(store, slug)["id"])}
    taxonomy = load_taxonomy()
    if as_jsonl:
        for proposal in proposals:
            click.echo(json.dumps(to_contract(proposal, actors, taxonomy, lang), ensure_ascii=False))
        return
    click.echo(f"{len(proposals)} proposals for {slug} ({counts_text(counts) or 'no change'}).")
    for proposal in proposals:
        line = to_contract(proposal, actors, taxonomy, lang)
        parties = ", ".join(line["members"]) if "members" in line else f"{line['supplier']} → {line['receiver']}"
        click.echo(f"{line['score']:.2f}  {line['kind']:<8} {line['resource']['label']}: {parties}")


@main.command("normalise")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of the texts (default: detected per line).")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 20), help="Candidates per mention.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Write one JSON object per input line (the only format for now).")
@click.option("--batch", default=64, show_default=True, type=click.IntRange(1, 10_000), help="Lines processed together.")
def normalise_command(lang: str | None, top: int, as_jsonl: bool, batch: int) -> None:
    """Read one text per line on stdin; write its resource mentions and taxonomy candidates.

    Each output line is {"text", "items": [{"mention", "quantity", "unit", "candidates":
    [{"id", "label", "low_codes", "score"}]}]}, in input order.
    """
    normaliser = get_normaliser()
    stdin = click.get_text_stream("stdin", errors="replace")
    pending: list[str] = []

    def flush() -> None:
        for text, items in zip(pending, normaliser.normalise_many(pending, lang=lang, top=top)):
            click.echo(json.dumps(normalised_line(text, items), ensure_ascii=False))
        pending.clear()

    for line in stdin:
        pending.append(line.rstrip("\r\n"))
        if len(pending) >= batch:
            flush()
    flush()


@main.command("invite")
@click.option("--territory", "slug", required=True, help="Territory slug.")
@click.option("--email", required=True, help="The actor's email address; an actor with this address in the territory is reused.")
@click.option("--name", help="Name of the organisation (for a new actor).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the interview and emails.")
@click.option("--no-email", is_flag=True, help="Only print the personal link, send nothing.")
@with_appcontext
@domain_errors
def invite_command(slug: str, email: str, name: str | None, lang: str, no_email: bool) -> None:
    """Invite an actor to the interview: create or find them, print their personal link and email it."""
    with open_store(create=True) as store:
        result = invite_actor(store, slug, email, name=name, lang=lang, send=not no_email)
    click.echo(("Invited new actor " if result.created else "Actor already known: ") + result.actor_id)
    click.echo(result.link)
    delivery = result.delivery
    if delivery is not None and delivery.status == "pending":
        click.echo(f"Email: not sent yet — {delivery.error or 'the server did not take it'} The invitation waits in "
                   "the outbox: `symbiose digest send` (and the nightly run) will send it.", err=True)
    elif delivery is not None:
        click.echo(f"Email: {delivery.status}" + (f" ({delivery.error})" if delivery.error else ""))


@main.group("user")
def user_group() -> None:
    """Manage facilitator and administrator accounts."""


@user_group.command("create")
@click.option("--email", required=True, help="Login email address.")
@click.option("--role", type=click.Choice(["facilitator", "admin"]), default="facilitator", show_default=True, help="Role.")
@click.option("--territory", "slug", help="Territory of a facilitator.")
@click.option("--password", help="Password (default: a random one, printed once).")
@with_appcontext
@domain_errors
def user_create(email: str, role: str, slug: str | None, password: str | None) -> None:
    """Create a facilitator of a territory, or an administrator."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    with open_store(create=True) as store:
        user = create_user(store, email, password, role, slug)
    click.echo(f"User {user['email']} ({role}) created." + (f" Password: {password}" if generated else ""))


@main.command("reminder")
@click.option("--territory", "slug", help="Only this territory (default: every territory).")
@click.option("--older-than", "days", type=click.IntRange(1, 3650), default=None,
              help="Age in days of the answers that calls for a reminder (default: SYMBIOSE_REMINDER_AGE_DAYS, 365).")
@click.option("--dry-run", is_flag=True, help="List how many actors are due without sending anything.")
@with_appcontext
@domain_errors
def reminder_command(slug: str | None, days: int | None, dry_run: bool) -> None:
    """Invite actors whose answers are old to update them (at most one reminder per actor and year)."""
    with open_store() as store:
        report, _due = send_reminders(store, days or int(current_app.config["REMINDER_AGE_DAYS"]),
                                      territory_slug=slug, dry_run=dry_run)
    click.echo(("Dry run: " if dry_run else "") + str(report))
    for error in sorted(set(report.errors)):
        click.echo(f"  {error}", err=True)


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@domain_errors
def backup_command(dest: Path) -> None:
    """Copy both databases into the folder DEST with SQLite's online backup (safe while serving).

    The vault key is not copied: keep it separately, a backup without it cannot be read.
    """
    with open_store() as store:
        written = store.backup(dest)
    for path in written:
        click.echo(f"Wrote {path}")


@main.group("keys")
def keys_group() -> None:
    """Vault key management."""


@keys_group.command("generate")
def keys_generate() -> None:
    """Print a new random vault key (for SYMBIOSE_VAULT_KEY)."""
    click.echo(generate_key())
main.add_command(digest_group)
main.add_command(purge_command)
keys_group.add_command(keys_rotate)
main.add_command(restore_command)

if __name__ == "__main__":
    main()
