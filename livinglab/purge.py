"""Erased data leave the database files, not only the tables.

On SQLite every connection runs with `secure_delete` (set in `create_app`): deleted content is
overwritten with zeros instead of lingering in free space. The pages that held it also have older
copies in the write-ahead log, so once an erasure commits, `after_commit()` runs a WAL checkpoint in
TRUNCATE mode: the log is copied into the database file and emptied. PostgreSQL keeps dead row
versions until VACUUM reclaims them (autovacuum, within minutes on an active table), and its own WAL
until it is recycled: see the README."""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

PURGE = "livinglab_purge_after_commit"
log = logging.getLogger(__name__)


def after_commit() -> None:
    """Ask for the database files to be purged once the current transaction commits."""
    db.session.info[PURGE] = True


@event.listens_for(Session, "after_commit")
def _purge(session: Session) -> None:
    if not session.info.pop(PURGE, False):
        return
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # autocommit (see configure_sqlite): a checkpoint runs outside transactions
    try:
        cursor = raw.cursor()
        busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    if busy:  # readers held old snapshots past the busy timeout: the next erasure's checkpoint finishes it
        log.warning("The WAL checkpoint after an erasure could not complete: readers were busy.")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PURGE, None)
