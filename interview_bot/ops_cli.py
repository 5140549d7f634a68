"""Operations commands: `symbiose keys rotate` and `symbiose restore` (registered in interview_bot.cli).

See docs/operations.md for the procedures they belong to.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from data import Store, SymbioseError
from data.restore import restore
from data.rotation import rotate


@click.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-seal every vault value under SYMBIOSE_VAULT_KEY, reading the old ones with SYMBIOSE_VAULT_OLD_KEYS.

    Safe to interrupt and to run again: each table is re-sealed in one transaction,
    and a second run carries on where the first stopped. When it reports nothing
    left under an old key, remove that key from SYMBIOSE_VAULT_OLD_KEYS.
    """
    keyring = current_app.config["KEYRING"]

    def progress(table: str, count: int) -> None:
        click.echo(f"  {table}: {count} value{'s' if count != 1 else ''} re-sealed")

    try:
        with Store.open(current_app.config["DATA_DIR"], keyring) as store:
            report = rotate(store, on_table=progress)
    except SymbioseError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        raise click.ClickException("Interrupted. The tables listed above are done; the others are unchanged. "
                                   "Run `symbiose keys rotate` again to finish.") from None
    click.echo(f"Re-sealed {report.total} vault values under the current key ({report.already_current} already were); "
               f"renewed {report.email_fingerprints} email and {report.import_fingerprints} import fingerprints.")
    if report.import_fingerprints_dropped:
        click.echo(f"{report.import_fingerprints_dropped} import fingerprints could not be carried over (those actors "
                   "changed their answers since their import): the next import of them rewrites their data.")
    if not report.flushed:
        click.echo("A reader kept the vault's WAL busy: the replaced values leave vault.db-wal at its next checkpoint "
                   "(running this command again writes it back now).")
    if report.left_on_old_keys:
        raise click.ClickException(
            f"{report.left_on_old_keys} values were written under an old key while the rotation ran: a process still "
            "uses the old key as SYMBIOSE_VAULT_KEY. Restart every process with the new key, then run this again."
        )
    if keyring.previous:
        click.echo("Every vault value now opens with SYMBIOSE_VAULT_KEY alone: remove the old key from "
                   "SYMBIOSE_VAULT_OLD_KEYS and restart the service.")


@click.command("restore")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace databases already in the data folder (they are kept aside, not deleted).")
@with_appcontext
def restore_command(src: Path, force: bool) -> None:
    """Replace the databases of the data folder by the backup in the folder SRC (written by `symbiose backup`).

    The backup is copied and checked first (SQLite integrity, and the vault key must
    open it); the current databases are then moved into before-restore-<time>/ in the
    data folder. Stop the web service and the clock before restoring.
    """
    config = current_app.config
    try:
        report = restore(src, config["DATA_DIR"], config["KEYRING"], force=force)
    except SymbioseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Checked {src}: integrity ok, the vault key opens all {report.sealed_values} sealed values.")
    click.echo(f"Restored {report.actors} actors into {report.data_dir}.")
    if report.kept_aside is not None:
        click.echo(f"The previous databases are kept in {report.kept_aside}.")
