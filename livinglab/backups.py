"""Backups and restores of the whole database: SQLite's online backup API, or pg_dump/pg_restore."""

import os
import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from .extensions import db


def _sqlite_path(url) -> str:
    return url.database


def _pg_env(url) -> dict:
    return {
        **os.environ,
        "PGHOST": url.host or "localhost",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
    }


def backup(path: str) -> None:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)  # consistent even while the app writes
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", path], env=_pg_env(url), check=True)
    else:
        raise RuntimeError(f"No backup method for {url.get_backend_name()}")


def restore(path: str) -> None:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(path)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                url.database,  # type: ignore[list-item]  # a PostgreSQL URL names its database
                path,
            ],
            env=_pg_env(url),
            check=True,
        )
    else:
        raise RuntimeError(f"No restore method for {url.get_backend_name()}")
