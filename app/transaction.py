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
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import RuleViolation, StaleRecord
from app.domain.integrity import explain_integrity_error
from app.extensions import db

#: Milliseconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("writing", default=False)
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("write_depth", default=0)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connection(dbapi_connection, _record) -> None:
    """SQLite per connection: foreign keys on, WAL journal, and a busy timeout."""
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _wants_write_lock() -> bool:
    """Inside :func:`write_transaction`, and in a request that changes something (POST, PUT,
    DELETE): take the write lock at BEGIN."""
    if _writing.get():
        return True
    return has_request_context() and request.method not in READ_METHODS


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
    except OperationalError as exc:
        session.rollback()
        if "locked" in str(exc.orig).lower():
            raise RuleViolation("系统繁忙，请稍后重试。") from exc
        raise
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


