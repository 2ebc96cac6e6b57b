"""flask --app livinglab users create | seed-demo | setup"""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import func, select

from .errors import DomainError
from .extensions import db
from .transactions import unit_of_work

ROOT = str(Path(__file__).resolve().parent.parent)


def register(app: Flask) -> None:
    users = AppGroup("users", help="Manage accounts.")

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--name", default=None, help="Display name (defaults to the email).")
    @click.option("--role", type=click.Choice(["coordinator", "startup", "participant"]), required=True)
    @click.option("--organisation", default=None, help="Required for a startup.")
    @click.option("--verified", is_flag=True, help="Count the address as verified (no verification message).")
    def create_user(email, password, name, role, organisation, verified):
        """Create an account of any role (coordinators are only created this way or by a coordinator)."""
        from .auth.mail_links import send_verification
        from .auth.services import create_user as create
        from .timeutil import utcnow

        try:
            with unit_of_work():
                user = create(email, password, name or email, role, organisation)
                if verified:
                    user.email_verified_at = utcnow()
                else:
                    send_verification(user)
        except DomainError as err:
            details = "; ".join(f"{k}: {m}" for k, m in err.fields.items())
            raise click.ClickException(f"{err.message} {details}".strip()) from None
        click.echo(
            f"Created {user.role} {user.email} (id {user.id})"
            + ("." if verified else "; the worker sends the verification link.")
        )

    app.cli.add_command(users)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Create demo accounts and studies in every state (once; does nothing if they exist)."""
        from .demo import seed

        with unit_of_work():
            created = seed()
        click.echo("Demo data created." if created else "Demo data already present.")

    @app.cli.command("setup")
    @click.option(
        "--demo/--no-demo",
        default=False,
        help="Also seed the demo accounts and studies on an empty database (./run.sh does).",
    )
    def setup(demo):
        """Bring the database schema up to date; with --demo, seed the demo on first start."""
        upgrade()
        from .auth.models import User

        if demo and not db.session.scalar(select(func.count()).select_from(User)):
            from .demo import seed

            with unit_of_work():
                seed()
            click.echo("Demo data created: see the README for the sign-ins.")
        click.echo("Database ready.")

    translate = AppGroup("translate", help="Keep the French catalogue in step with the code.")

    def pybabel(*args: str) -> None:
        import subprocess
        import sys

        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command("update")
    def translate_update():
        """Extract every string of the code and merge it into translations/fr/LC_MESSAGES/messages.po."""
        pybabel(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            "livinglab/translations/messages.pot",
            ".",
        )
        pybabel(
            "update",
            "-i",
            "livinglab/translations/messages.pot",
            "-d",
            "livinglab/translations",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        )

    @translate.command("compile")
    def translate_compile():
        """Compile the catalogues the app reads (.mo)."""
        pybabel("compile", "-d", "livinglab/translations")

    app.cli.add_command(translate)

    audit_group = AppGroup("audit", help="The tamper-evident audit trail.")

    @audit_group.command("verify")
    def audit_verify():
        """Check every chain against the key, its head and the latest checkpoint; name the first bad record."""
        from .audit import verify_trail

        result = verify_trail()
        from .audit_checkpoints import unsigned

        against = (
            f"the checkpoint of {result.checkpoint.at.isoformat()} ({result.checkpoint.path.name})"
            if result.checkpoint
            else "no checkpoint yet (run `audit checkpoint`)"
        )
        ignored = unsigned(result.database)
        if ignored:
            against += (
                f"; {ignored} checkpoint file(s) named for this database do not verify under this key "
                f"and were ignored (a wrong LIVINGLAB_AUDIT_KEY, or forgeries)"
            )
        if result.ok:
            click.echo(
                f"Audit trail intact: {result.checked} records in {len(result.chains)} chains, every link "
                f"verified under the key; checked against {against}."
            )
            return
        for problem in result.problems[:10]:
            click.echo(f"- {problem.describe()}", err=True)
        first = result.first
        where = f"record #{first.record.id}" if first.kind == "changed" else first.describe()
        raise click.ClickException(f"Audit trail broken at {where}; checked against {against}.")

    @audit_group.command("checkpoint")
    @click.option(
        "--force",
        is_flag=True,
        help="Accept a trail shorter than the latest checkpoint (after restoring an older backup). "
        "A changed record is never accepted.",
    )
    def audit_checkpoint(force):
        """Verify the trail, then write the signed head of every chain outside the database."""
        from .audit_checkpoints import CheckpointRefused, write

        try:
            checkpoint, result = write(force=force)
        except CheckpointRefused as err:
            for problem in err.result.problems[:10]:
                click.echo(f"- {problem.describe()}", err=True)
            raise click.ClickException(
                "The trail does not verify: no checkpoint written"
                + ("" if force else " (see --force after restoring a backup)")
                + "."
            ) from None
        click.echo(
            f"Checkpoint written: {checkpoint.path} ({checkpoint.records} records in "
            f"{len(checkpoint.chains)} chains, database {checkpoint.database})."
        )

    app.cli.add_command(audit_group)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup(path):
        """Write a consistent copy of the database to PATH (SQLite online backup, or pg_dump)."""
        from .backups import backup as run

        run(path)
        click.echo(f"Backup written to {path}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore(path, yes):
        """Replace the whole database with the backup at PATH."""
        from .backups import restore as run

        if not yes:
            click.confirm("This replaces every row of the database with the backup. Continue?", abort=True)
        run(path)
        click.echo(f"Database restored from {path}.")
