"""Writing many new records at once, audit trail included.

The ORM's unit of work (and the audit trail's hooks on it) costs milliseconds per record; an
import of 10,000 applications with 50,000 products would take minutes, a 双随机 draw of 10,000
candidates seconds. Records an import or a draw *creates* — already checked (an application
through ``records.prepare``; its products by their field rules, their scope and refusal being
the application's) — are therefore inserted
in batches (ids drawn first, then ``COPY`` on PostgreSQL or the driver's executemany on
SQLite: :func:`_insert_many`) together with their version rows in the audit trail, under the
import's own audit transaction (the one that records the ``ImportBatch``: who, when, from
where), so each record's 历史 shows its creation by that import as if saved one by one."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, Text, func, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy_continuum import version_class, versioning_manager

from app.extensions import db
from app.transaction import in_write_transaction

BATCH = 1000


def current_transaction_id() -> int:
    """The audit transaction of this unit of work (something versioned has been flushed)."""
    uow = versioning_manager.unit_of_work(db.session)
    if uow.current_transaction is None:
        raise RuntimeError("no audit transaction yet: flush a versioned record first")
    return uow.current_transaction.id


def _value(item, column, key):
    return _stored(column, getattr(item, key, None))


def _stored(column, value):
    """``value`` as the ORM's save would store it in ``column``: its default when None, a
    blank optional text as NULL."""
    if value is None and column.default is not None:
        default = column.default
        value = default.arg(None) if default.is_callable else default.arg
    if isinstance(value, str) and column.nullable and isinstance(column.type, (String, Text)) \
            and not isinstance(column.type, SAEnum):
        value = value.strip() or None  # as a form or API save stores it
    return value


@functools.cache
def _columns(model):
    mapper = sa_inspect(model)
    return [(column, mapper.get_property_by_column(column).key)
            for column in model.__table__.columns if not column.primary_key]


def row_of(model, item) -> dict:
    """A checked, transient record as the row to insert (so the object can be let go)."""
    return {column.name: _value(item, column, key) for column, key in _columns(model)}


def column_names(model) -> tuple[str, ...]:
    """The order of :func:`values_of`."""
    return tuple(column.name for column, _key in _columns(model))


def values_of(model, item, share: dict | None = None) -> tuple:
    """A checked, transient record as a compact tuple (``column_names`` order): tens of
    thousands of them weigh a fraction of as many dicts or records. Equal values are kept
    once (``share``: the same brand, unit, HS code on every row)."""
    found = tuple(_value(item, column, key) for column, key in _columns(model))
    if share is None:
        return found
    return tuple(share.setdefault(v, v) if type(v) is str else v for v in found)


def values_maker(model, fields: tuple[str, ...]):
    """A function taking a tuple of ``fields`` values (already checked) to the tuple
    :func:`values_of` would give for a record holding them — without making the record
    (50,000 transient products cost seconds to build, check and let go)."""
    at = {name: index for index, name in enumerate(fields)}
    plan: list = []  # (column, index in ``fields`` or None), once the mappers are ready

    def make(values: tuple, share: dict | None = None) -> tuple:
        if not plan:
            plan.extend((column, at.get(key)) for column, key in _columns(model))
        found = tuple(_stored(column, None if index is None else values[index])
                      for column, index in plan)
        if share is None:
            return found
        return tuple(share.setdefault(v, v) if type(v) is str else v for v in found)

    return make


def insert_all(model, items: list, transaction_id: int) -> None:
    """Insert transient ``items`` of ``model``; their ids are set on them afterwards."""
    columns = _columns(model)
    rows = [{column.name: _value(item, column, key) for column, key in columns}
            for item in items]
    for item, pk in zip(items, insert_rows(model, rows, transaction_id)):
        item.id = pk


def insert_rows(model, rows: Iterable[dict], transaction_id: int) -> list[int]:
    """Insert ``rows`` (dicts by column name, e.g. from :func:`row_of`; any iterable, taken
    :data:`BATCH` at a time) with their audit-trail versions; their ids, in order.

    The ids are drawn before the insert (:class:`_Ids`), so each batch is one plain
    executemany — an insert returning its ids goes row by row on SQLite."""
    table = model.__table__
    versions = version_class(model).__table__
    ids: list[int] = []
    draw = _Ids(table)
    rows = iter(rows)
    noted = False
    plan = None
    while True:
        chunk = list(islice(rows, BATCH))
        if not chunk:
            break
        chunk_ids = draw(len(chunk))
        if chunk_ids is None:  # another database: let it say
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            chunk_ids = [row[0] for row in db.session.execute(statement, chunk)]
        else:
            for row, pk in zip(chunk, chunk_ids):
                row["id"] = pk
            _insert_many(table, chunk)
        ids.extend(chunk_ids)
        if plan is None:
            plan = _version_plan(versions, chunk[0])
        version_rows = []
        for row, pk in zip(chunk, chunk_ids):
            version = {}
            for name, how in plan:
                if how is _FROM_ROW:
                    version[name] = row.get(name)
                elif how is _PK:
                    version[name] = pk
                elif how is _TRANSACTION:
                    version[name] = transaction_id
                else:
                    version[name] = how
            version_rows.append(version)
        _insert_many(versions, version_rows)
        noted = True
    if noted:
        _note_change(model, transaction_id)
    return ids


def _insert_many(table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) straight through the session's own driver
    connection, the values put through each column type's bind processing first, as
    SQLAlchemy's insert would (its statement building costs more than the insert itself at
    tens of thousands of rows): PostgreSQL (psycopg) by ``COPY … FROM STDIN`` — psycopg sends
    an executemany one statement a row; SQLite by the driver's executemany. Elsewhere a
    Core executemany."""
    connection = db.session.connection()
    dialect = connection.dialect
    copying = (dialect.name, dialect.driver) == ("postgresql", "psycopg")
    if not copying and dialect.name != "sqlite":
        db.session.execute(insert(table), rows)
        return
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    values = ([value if process is None or value is None else process(value)
               for value, process in zip((row[name] for name in names), processors)]
              for row in rows)
    quote = dialect.identifier_preparer.quote
    target = (f"{dialect.identifier_preparer.format_table(table)} "
              f"({', '.join(quote(name) for name in names)})")
    driver = connection.connection.driver_connection
    try:
        if copying:
            statement = f"COPY {target} FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            statement = f"INSERT INTO {target} VALUES ({', '.join('?' * len(names))})"
            cursor = driver.cursor()
            try:
                cursor.executemany(statement, values)
            finally:
                cursor.close()
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it (IntegrityError...),
        # so the transaction explains a refusal as for any other write
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc


_FROM_ROW, _PK, _TRANSACTION = object(), object(), object()


def _version_plan(versions, row: dict) -> list[tuple[str, object]]:
    """Each column of a version row: taken from the row, the id, the audit transaction, or
    a constant (an insert; no end; a ``*_mod`` flag: set by the insert)."""
    plan = []
    for column in versions.columns:
        name = column.name
        if name == "id":
            plan.append((name, _PK))
        elif name == "transaction_id":
            plan.append((name, _TRANSACTION))
        elif name == "operation_type":
            plan.append((name, 0))  # insert
        elif name == "end_transaction_id":
            plan.append((name, None))
        elif name.endswith("_mod") and name not in row:
            plan.append((name, name[:-4] in row))
        else:
            plan.append((name, _FROM_ROW))
    return plan


class _Ids:
    """New primary keys of ``table``, drawn before inserting. PostgreSQL: from the column's
    sequence (as its default would). SQLite: after the largest id — as SQLite itself numbers
    a table without AUTOINCREMENT — which no one else can take meanwhile: the import's
    transaction began with ``BEGIN IMMEDIATE`` (``app.transaction``) and holds SQLite's one
    write lock. Otherwise (another database, SQLite outside a write transaction): None, and
    the insert returns its ids."""

    def __init__(self, table):
        self.table = table
        self.dialect = db.session.get_bind().dialect.name
        self.next: int | None = None
        self.sequence: str | None = None

    def __call__(self, count: int) -> list[int] | None:
        if self.dialect == "postgresql":
            if self.sequence is None:
                self.sequence = db.session.scalar(select(func.pg_get_serial_sequence(
                    self.table.name, "id")))
            return sorted(db.session.scalars(
                select(func.nextval(self.sequence))
                .select_from(func.generate_series(1, count))))
        if self.dialect == "sqlite" and in_write_transaction():
            if self.next is None:
                self.next = (db.session.scalar(select(func.max(self.table.c.id))) or 0) + 1
            first, self.next = self.next, self.next + count
            return list(range(first, first + count))
        return None


def insert_links(table, rows: list[dict], transaction_id: int) -> None:
    """Insert rows of a many-to-many ``table`` (dicts by column name) with their audit-trail
    versions, under the given audit transaction. The audit trail would build and queue one
    INSERT of a version row per link it sees written (run one by one at the next flush); the
    links are written as driver SQL (:func:`_insert_many`), which it does not watch, and the
    same version rows are written here at once."""
    versions = table.metadata.tables[f"{table.name}_version"]
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        _insert_many(table, chunk)
        _insert_many(versions, [{**row, "transaction_id": transaction_id, "operation_type": 0}
                                for row in chunk])


def _note_change(model, transaction_id: int) -> None:
    """The audit log's list of record types a transaction changed."""
    changes = None
    for plugin in versioning_manager.plugins:
        changes = getattr(plugin, "model_class", None) or changes
    if changes is None:
        return
    table = changes.__table__
    present = db.session.scalar(select(table.c.entity_name).where(
        table.c.transaction_id == transaction_id, table.c.entity_name == model.__name__))
    if present is None:
        db.session.execute(insert(table).values(transaction_id=transaction_id,
                                                entity_name=model.__name__))
