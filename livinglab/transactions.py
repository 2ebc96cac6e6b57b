"""One place that begins and commits the transaction of a user action.

A view, an API handler, a worker job or a CLI command wraps what it changes in `unit_of_work()`:
the block commits when it ends, rolls back on any exception (and re-raises it), and a unique
constraint lost to a concurrent request (IntegrityError) becomes a `Conflict`. Services never
commit: they read, check, then change objects and flush.

    study = load(user, study_id, "edit")          # reads and checks first
    with unit_of_work():
        services.update_study(user, study, data)  # then the writes, committed at the end of the block

A GET writes nothing, except the documented caches, each in a short transaction of its own through
`unit_of_work()` too: a token's last use (`auth.tokens`) and the results cache (`studies.results`).

The write transaction is short. On PostgreSQL a transaction holds row locks only from its first
write (or `SELECT ... FOR UPDATE`) to its commit. SQLite has one write lock for the whole file:
every transaction begins deferred, so a request's reads never wait for a writer nor block one, and
the write lock is taken at the first write or `FOR UPDATE` statement (`take_write_lock`, installed
by `configure_sqlite`): the read snapshot is let go and the transaction begins again with
BEGIN IMMEDIATE, which waits (busy_timeout) for the lock instead of failing on a stale snapshot.
From there on the transaction reads the latest data and holds the lock until it commits. So SQLite
behaves like PostgreSQL's READ COMMITTED: reads before the first write may be older than the
writes; what must not race is decided under the lock (a conditional UPDATE, a FOR UPDATE read, a
unique constraint), as on PostgreSQL.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import scoped_session

from .errors import Conflict
from .extensions import db

WRITING = "livinglab_writing"  # in a SQLite connection's info: its transaction holds the write lock


@contextmanager
def unit_of_work(conflict: str | None = None, code: str = "conflict") -> Iterator[scoped_session]:
    """Commit the block's changes at its end; roll back on any exception and re-raise it, an
    IntegrityError as `Conflict(conflict, code)` (a concurrent request won a unique constraint)."""
    session = db.session
    try:
        yield session
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            conflict or _("Someone else made the same change at the same moment: reload the page and try again."),
            code=code,
        ) from None
    except BaseException:
        session.rollback()
        raise


def end_reads() -> None:
    """End a transaction that has only read (the worker's, before it talks SMTP or HTTP), so that it
    holds no snapshot open meanwhile. Committed rather than rolled back: a change made by mistake is
    kept, never silently lost."""
    db.session.commit()


def transactional(function):
    """The decorated function's work is one unit of work (for worker jobs and CLI commands)."""

    @wraps(function)
    def wrapped(*args, **kwargs):
        with unit_of_work():
            return function(*args, **kwargs)

    return wrapped


# --- SQLite: deferred reads, the write lock at the first write ---------------------------------

# A savepoint too: it is opened around writes, and the transaction cannot begin again under it.
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "SAVEPOINT")


def _is_write(statement: str, context) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    compiled = getattr(context, "compiled", None)
    if compiled is not None and getattr(compiled.statement, "_for_update_arg", None) is not None:
        return True  # SQLite has no FOR UPDATE: the write lock stands for it
    return statement.lstrip().upper().startswith(WRITES)


def install_sqlite_locking(engine) -> None:
    """Transactions begin deferred; the first write (or FOR UPDATE read) of a transaction takes the
    write lock with BEGIN IMMEDIATE, after letting go of the read snapshot (see the module's text)."""

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.info[WRITING] = False
        connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def take_write_lock(connection, cursor, statement, _parameters, context, _executemany):
        if connection.info.get(WRITING) is not False or not _is_write(statement, context):
            return  # outside our transactions (None), already holding the lock (True), or a read
        connection.info[WRITING] = True
        if connection.in_nested_transaction():
            return  # never reached (a savepoint takes the lock first); a new BEGIN would lose the savepoint
        cursor.execute("ROLLBACK")  # only reads so far: nothing is lost but the snapshot
        cursor.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection):
        connection.info.pop(WRITING, None)
