"""Writing many new records at once, audit trail included.

The ORM's unit of work (and the audit trail's hooks on it) costs milliseconds per record; an
export of 10,000 applications with 50,000 products would take minutes. Records an import
*creates* — already checked one by one through ``records.prepare`` — are therefore inserted
in batches (executemany) together with their version rows in the audit trail, under the
import's own audit transaction (the one that records the ``ImportBatch``: who, when, from
where), so each record's 历史 shows its creation by that import as if saved one by one."""
from __future__ import annotations

from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, Text, insert, select
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


def insert_all(model, items: list, transaction_id: int) -> None:
    """Insert transient ``items`` of ``model``; their ids are set on them afterwards."""
    if not items:
        return
    mapper = sa_inspect(model)
    table = model.__table__
    keys = [(column, mapper.get_property_by_column(column).key) for column in table.columns
            if not column.primary_key]
    versions = version_class(model).__table__
    rows_all = []
    for start in range(0, len(items), BATCH):
        chunk = items[start:start + BATCH]
        rows = [{column.name: _value(item, column, key) for column, key in keys}
                for item in chunk]
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = [row[0] for row in db.session.execute(statement, rows)]
        for item, row, pk in zip(chunk, rows, ids):
            row["id"] = pk
            item.id = pk
        rows_all.extend(rows)
    version_rows = []
    for row in rows_all:
        version = {}
        for column in versions.columns:
            name = column.name
            if name == "transaction_id":
                version[name] = transaction_id
            elif name == "operation_type":
                version[name] = 0  # insert
            elif name == "end_transaction_id":
                version[name] = None
            elif name.endswith("_mod") and name[:-4] in row:
                version[name] = True
            elif name.endswith("_mod") and name not in row:
                version[name] = False
            else:
                version[name] = row.get(name)
        version_rows.append(version)
    for start in range(0, len(version_rows), BATCH):
        db.session.execute(insert(versions), version_rows[start:start + BATCH])
    _note_change(model, transaction_id)


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
