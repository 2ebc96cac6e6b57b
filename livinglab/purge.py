"""Erased data leave the database files, not only the tables.

On SQLite every connection runs with `secure_delete` (set in `create_app`): deleted content is
overwritten with zeros instead of lingering in free space. The pages that held it also have older
copies in the write-ahead log, so once an erasure commits, a WAL checkpoint in TRUNCATE mode copies
the log into the database file and empties it. The checkpoint must wait until no reader holds an
older snapshot (a long CSV export, say): the request tries once without waiting, and if a reader is
in the way, a background thread of this process tries again every second, without waiting either,
until it succeeds (for up to ten minutes, then logs an error). PostgreSQL keeps dead row versions until VACUUM reclaims
them (autovacuum, within minutes on an active table), and its WAL until it is recycled: see the
README."""

import logging
import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

PURGE = "livinglab_purge_after_commit"
RETRY_EVERY, GIVE_UP_AFTER = 1.0, 600.0
log = logging.getLogger(__name__)
_retrying: dict[str, threading.Thread] = {}  # database URL -> the thread finishing its purges
_asked: dict[str, int] = {}  # database URL -> how many purges were asked of it (the thread stops when none is newer)
_lock = threading.Lock()


def after_commit() -> None:
    """Ask for the database files to be purged once the current transaction commits."""
    db.session.info[PURGE] = True


def checkpoint(engine, mode: str = "TRUNCATE") -> bool:
    """One WAL checkpoint, without waiting: True when it completed (TRUNCATE: the log is empty; PASSIVE:
    every frame is in the database file). A waiting checkpoint would hold back every writer meanwhile."""
    raw = engine.raw_connection()  # autocommit (see configure_sqlite): a checkpoint runs outside transactions
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            busy, frames, done = cursor.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except Exception:  # noqa: BLE001  (locked or busy in any form: try again later)
            busy, frames, done = 1, -1, -2
        finally:
            cursor.execute("PRAGMA busy_timeout=30000")  # as configure_sqlite set it, for the pool's next user
            cursor.close()
    finally:
        raw.close()
    return not busy and frames == done


def _retry(engine, key: str) -> None:
    deadline = time.monotonic() + GIVE_UP_AFTER
    while time.monotonic() < deadline:
        time.sleep(RETRY_EVERY)
        with _lock:
            asked = _asked[key]
        # PASSIVE takes no writer lock: only once it could copy every frame (no reader holds an older
        # snapshot) does the TRUNCATE, which blocks writers for its instant, run.
        if checkpoint(engine, "PASSIVE") and checkpoint(engine):
            with _lock:
                if _asked[key] == asked:  # no erasure committed since this checkpoint began
                    _retrying.pop(key, None)
                    return
    with _lock:
        _retrying.pop(key, None)
    log.error(
        "The WAL checkpoint after an erasure did not complete in %d s: readers kept old snapshots.", GIVE_UP_AFTER
    )


def wait(timeout: float = 30.0) -> None:
    """Until every purge this process started has finished (tests read the files afterwards)."""
    with _lock:
        threads = list(_retrying.values())
    for thread in threads:
        thread.join(timeout)


@event.listens_for(Session, "after_commit")
def _purge(session: Session) -> None:
    if not session.info.pop(PURGE, False):
        return
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        _asked[key] = _asked.get(key, 0) + 1
    if checkpoint(engine):
        return
    with _lock:
        if key not in _retrying:  # one thread a database finishes every purge asked meanwhile
            _retrying[key] = threading.Thread(target=_retry, args=(engine, key), name="livinglab-purge", daemon=True)
            _retrying[key].start()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PURGE, None)
