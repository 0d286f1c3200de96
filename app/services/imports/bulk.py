"""Writing many new records at once, audit trail included.

The ORM's unit of work (and the audit trail's hooks on it) costs milliseconds per record; an
export of 10,000 applications with 50,000 products would take minutes. Records an import
*creates* — already checked one by one through ``records.prepare`` — are therefore inserted
in batches (executemany) together with their version rows in the audit trail, under the
import's own audit transaction (the one that records the ``ImportBatch``: who, when, from
where), so each record's 历史 shows its creation by that import as if saved one by one."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, Text, insert, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy_continuum import version_class, versioning_manager

from app.extensions import db

BATCH = 1000


def current_transaction_id() -> int:
    """The audit transaction of this unit of work (something versioned has been flushed)."""
    uow = versioning_manager.unit_of_work(db.session)
    if uow.current_transaction is None:
        raise RuntimeError("no audit transaction yet: flush a versioned record first")
    return uow.current_transaction.id


def _value(item, column, key):
    value = getattr(item, key, None)
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


def insert_all(model, items: list, transaction_id: int) -> None:
    """Insert transient ``items`` of ``model``; their ids are set on them afterwards."""
    columns = _columns(model)
    rows = [{column.name: _value(item, column, key) for column, key in columns}
            for item in items]
    for item, pk in zip(items, insert_rows(model, rows, transaction_id)):
        item.id = pk


def insert_rows(model, rows: Iterable[dict], transaction_id: int,
                numbered: bool = False) -> list[int]:
    """Insert ``rows`` (dicts by column name, e.g. from :func:`row_of`; any iterable, taken
    :data:`BATCH` at a time) with their audit-trail versions; their ids, in order.

    ``numbered``: on PostgreSQL, take the ids from the table's sequence first and insert the
    rows with them (one prepared INSERT, pipelined) instead of reading them back from a
    multi-row ``INSERT … RETURNING``, whose long text the driver parses anew for each batch."""
    table = model.__table__
    numbered = numbered and db.session.connection().dialect.name == "postgresql"
    versions = version_class(model).__table__
    ids: list[int] = []
    rows = iter(rows)
    noted = False
    while True:
        chunk = list(islice(rows, BATCH))
        if not chunk:
            break
        if numbered:
            chunk_ids = list(db.session.scalars(text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :n)"), {"table": table.name, "n": len(chunk)}))
            db.session.execute(insert(table), [dict(row, id=pk)
                                               for row, pk in zip(chunk, chunk_ids)])
        else:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            chunk_ids = [row[0] for row in db.session.execute(statement, chunk)]
        ids.extend(chunk_ids)
        version_rows = []
        for row, pk in zip(chunk, chunk_ids):
            version = {}
            for column in versions.columns:
                name = column.name
                if name == "id":
                    version[name] = pk
                elif name == "transaction_id":
                    version[name] = transaction_id
                elif name == "operation_type":
                    version[name] = 0  # insert
                elif name == "end_transaction_id":
                    version[name] = None
                elif name.endswith("_mod") and name not in row:
                    version[name] = name[:-4] in row
                else:
                    version[name] = row.get(name)
            version_rows.append(version)
        db.session.execute(insert(versions), version_rows)
        noted = True
    if noted:
        _note_change(model, transaction_id)
    return ids


def insert_links(table, rows: list[dict], transaction_id: int) -> None:
    """Insert rows of a many-to-many ``table`` (dicts by column name) with their audit-trail
    versions, under the given audit transaction. The audit trail would build and queue one
    INSERT of a version row per link it sees written (run one by one at the next flush); the
    links are written as driver SQL, which it does not watch, and the same version rows are
    written here at once."""
    versions = table.metadata.tables[f"{table.name}_version"]
    conn = db.session.connection()
    compiled = insert(table).compile(dialect=conn.dialect,
                                     column_keys=[c.name for c in table.columns])
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if compiled.positional:
            conn.exec_driver_sql(str(compiled), [tuple(row[key] for key in compiled.positiontup)
                                                 for row in chunk])
        else:
            conn.exec_driver_sql(str(compiled), chunk)
        db.session.execute(insert(versions), [
            {**row, "transaction_id": transaction_id, "operation_type": 0} for row in chunk])


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
