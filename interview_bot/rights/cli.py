"""`symbiose purge` (added to the main CLI in interview_bot.cli)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from data import Store, SymbioseError

from .purge import retention_days, run_purge


@click.command("purge")
@click.option("--older-than", "days", type=click.IntRange(1, 36_500), default=None,
              help="Days without activity after which an unfinished interview is erased "
                   "(default: SYMBIOSE_INTERVIEW_RETENTION_DAYS, 180).")
@click.option("--territory", "slug", help="Only this territory (default: every territory).")
@click.option("--dry-run", is_flag=True, help="Say how many interviews would be erased, per territory; erase nothing.")
@with_appcontext
def purge_command(days: int | None, slug: str | None, dry_run: bool) -> None:
    """Erase unfinished interviews with no activity for too long, from both databases.

    An actor invited or in progress, idle for longer than the retention period, is
    erased as if they had deleted their account (proposals withdrawn). Completed
    interviews are never erased. Each territory's facilitators get one email saying
    how many. The nightly clock runs this too.
    """
    try:
        days = days or retention_days(current_app.config)
        if not days:
            click.echo("Retention is off (SYMBIOSE_INTERVIEW_RETENTION_DAYS=0): nothing erased. "
                       "Pass --older-than DAYS to purge anyway.")
            return
        with Store.open(current_app.config["DATA_DIR"], current_app.config["KEYRING"]) as store:
            report = run_purge(store, days, territory_slug=slug, dry_run=dry_run)
            slugs = dict(store.public.execute("SELECT id, slug FROM territory").fetchall())
    except SymbioseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(("Dry run: " if dry_run else "") + str(report) + ".")
    for territory_id in sorted({s.territory_id for s in report.stale}, key=lambda t: slugs.get(t, "")):
        click.echo(f"  {slugs.get(territory_id, territory_id)}: {report.count(territory_id)}")
