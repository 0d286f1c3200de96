"""The one transaction boundary of the console, and SQLite made as safe as PostgreSQL.

Every write — a workflow step (``run_step``), a command (``app.commands``), a record saved
from a console form or the API — runs inside :func:`write_transaction`: it commits once at
the end, or rolls everything back and raises a ``DomainError`` (database refusals included,
explained in Chinese by ``app.domain.integrity``). Nothing else in the application commits.

PostgreSQL serialises competing writers with the row locks the services take
(:func:`lock`, ``SELECT … FOR UPDATE``). SQLite ignores ``FOR UPDATE``; instead every write
transaction begins with ``BEGIN IMMEDIATE``, which takes SQLite's single write lock before
the transaction's first read, so a second writer waits (busy timeout) and then reads what
the first one committed: a step has exactly one winner on both databases. Reads are left to
the driver (no transaction: each sees the latest commit, as PostgreSQL's READ COMMITTED
does) and never wait for a writer (WAL journal).

A writer waits for another's lock at most ``DATABASE_BUSY_TIMEOUT_MS`` (configuration;
SQLite's busy timeout, PostgreSQL's ``lock_timeout``). A database still busy after that — and
on PostgreSQL a serialization failure or deadlock — is raised as ``Busy`` wherever it
happens (loading the signed-in user, a login, a save): every door answers it with
「系统繁忙，请稍后重试。」 and 503, never a 500.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Busy, StaleRecord
from app.domain.integrity import explain_integrity_error
from app.extensions import db

#: Milliseconds a writer waits for another writer's lock before giving up (the default of
#: the ``DATABASE_BUSY_TIMEOUT_MS`` setting).
BUSY_TIMEOUT_MS = 30_000
#: SQLite result codes of a database held by another connection (SQLITE_BUSY, SQLITE_LOCKED).
_SQLITE_BUSY_CODES = frozenset({5, 6})
#: PostgreSQL SQLSTATEs of a lock not granted in time, a serialization failure, a deadlock.
_POSTGRES_BUSY_STATES = frozenset({"55P03", "40001", "40P01"})

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("writing", default=False)
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("write_depth", default=0)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def busy_timeout_ms() -> int:
    """How long a writer waits for another's lock: the app's ``DATABASE_BUSY_TIMEOUT_MS``."""
    if has_app_context():
        return int(current_app.config.get("DATABASE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS))
    return BUSY_TIMEOUT_MS


@event.listens_for(Engine, "connect")
def _connection(dbapi_connection, _record) -> None:
    """Per connection. SQLite: foreign keys on, WAL journal, and the busy timeout.
    PostgreSQL: the same wait as ``lock_timeout`` (without it a writer would wait forever)."""
    if not _is_sqlite(dbapi_connection):
        if type(dbapi_connection).__module__.startswith("psycopg"):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)",
                               (f"{busy_timeout_ms()}ms",))
            dbapi_connection.commit()
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def is_busy(dbapi_error: BaseException | None) -> bool:
    """Does the driver's error say the database is held by other writers (try again later),
    rather than that something is wrong?"""
    code = getattr(dbapi_error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY_CODES
    state = getattr(dbapi_error, "sqlstate", None) or getattr(dbapi_error, "pgcode", None)
    if state in _POSTGRES_BUSY_STATES:
        return True
    return type(dbapi_error).__module__.startswith("sqlite3") \
        and "database is locked" in str(dbapi_error)


@event.listens_for(Engine, "handle_error")
def _busy_database(context) -> None:
    """A busy database is ``Busy`` (503, 「系统繁忙」) at every door, whichever statement met
    it — not the driver's ``OperationalError`` (a 500)."""
    if is_busy(context.original_exception):
        raise Busy() from context.sqlalchemy_exception


#: ``flask.g`` flag: the rest of this request only reads (see :func:`read_only_from_now`).
_READ_ONLY_FLAG = "_ccc_read_only"


def _wants_write_lock() -> bool:
    """Inside :func:`write_transaction`, and in a request that changes something (POST, PUT,
    DELETE) until :func:`read_only_from_now`: take the write lock at BEGIN."""
    if _writing.get():
        return True
    return has_request_context() and request.method not in READ_METHODS \
        and not g.get(_READ_ONLY_FLAG)


def read_only_from_now() -> None:
    """What is left of this request only reads (a refusal's page, a form shown again): its
    transactions need not wait for the write lock another writer holds — they would wait out
    the busy timeout a second time."""
    setattr(g, _READ_ONLY_FLAG, True)


@event.listens_for(Engine, "begin")
def _begin(conn) -> None:
    """A write transaction on SQLite takes the write lock first (the driver would otherwise
    begin only at the first INSERT/UPDATE/DELETE, after the reads its checks rely on)."""
    if conn.dialect.name == "sqlite" and _wants_write_lock():
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextlib.contextmanager
def write_transaction(deleting: bool = False) -> Iterator[None]:
    """One unit of work: commit at the end, or roll back and raise a ``DomainError``
    (``deleting``: a foreign-key refusal means the record is still referenced).

    Nested use joins the outer unit (a command run by another command). A read transaction
    left open by the request (loading the signed-in user, say) is ended first, so that on
    SQLite the write transaction begins with the write lock."""
    session = db.session()
    depth = _depth.get()
    if depth:
        token = _depth.set(depth + 1)
        try:
            yield
        finally:
            _depth.reset(token)
        return
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()  # nothing written yet: close the (deferred) read transaction
    writing, depth_token = _writing.set(True), _depth.set(1)
    try:
        yield
        session.flush()
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise explain_integrity_error(exc, deleting=deleting) from exc
    except StaleDataError as exc:
        session.rollback()
        raise StaleRecord() from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        _depth.reset(depth_token)
        _writing.reset(writing)


def lock(model, pk):
    """The row of ``model`` with id ``pk``, locked for this transaction (FOR UPDATE on
    PostgreSQL; on SQLite the write transaction already holds the database's write lock),
    read afresh. None if there is no such row."""
    with db.session.no_autoflush:
        return db.session.query(model).filter(model.id == pk).with_for_update()\
            .populate_existing().one_or_none()


def in_write_transaction() -> bool:
    return _depth.get() > 0


@contextlib.contextmanager
def write_lock() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock at BEGIN (migrations, bulk loads
    that manage their own commits)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


