"""`symbiose digest send` and `symbiose digest clock` (added to the main CLI in interview_bot.cli)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from data import Store, SymbioseError

from .clock import run_clock
from .run import send_digests


def _store() -> Store:
    return Store.open(current_app.config["DATA_DIR"], current_app.config["KEYRING"])


@click.group("digest")
def digest_group() -> None:
    """Nightly email digests for actors and facilitators."""


@digest_group.command("send")
@click.option("--territory", "slug", help="Only this territory (default: every territory).")
@click.option("--dry-run", is_flag=True, help="Show who would receive what; record and send nothing.")
@with_appcontext
def send_command(slug: str | None, dry_run: bool) -> None:
    """Send everyone who has something new their digest, once and only once.

    Also sends any email an earlier run could not deliver. Safe to run again, or
    twice at once: nobody receives a digest twice.
    """
    try:
        with _store() as store:
            report = send_digests(store, territory_slug=slug, dry_run=dry_run)
    except SymbioseError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.planned:
        click.echo(f"would send to {line}")
    click.echo(("Dry run: " if dry_run else "") + str(report))
    for error in report.errors:
        click.echo(f"  not composed: {error}", err=True)
    delivery = report.delivery
    if delivery is not None:
        for error in delivery.errors:
            click.echo(f"  {error}", err=True)
        if delivery.stopped:
            raise click.ClickException(
                f"{delivery.stopped} The digests not yet sent are kept and will go out with the next run.")
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} digests could not be composed (see above); "
                                   "everyone else's were recorded and sent.")


@digest_group.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run forever, sending the digests every day at SYMBIOSE_DIGEST_TIME (SYMBIOSE_DIGEST_TIMEZONE).

    This is the Procfile's `clock:` process.
    """
    try:
        _store().close()  # a wrong vault key or a missing database: say so now, not at the first run
        run_clock(current_app._get_current_object())
    except SymbioseError as exc:
        raise click.ClickException(str(exc)) from None
