"""Reading the audit trail kept by SQLAlchemy-Continuum: who changed what, when, before and
after — per record (its 历史) and per transaction (the searchable audit log)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm import aliased as sa_aliased
from sqlalchemy_continuum import version_class, versioning_manager

from app import clock, meta
from app.extensions import db
from app.present import format_value
from app.scope import signature_of

OPERATIONS = {0: "新增", 1: "修改", 2: "删除"}
SKIPPED_COLUMNS = {"id", "updated_at", "created_at", "lock_version"}


@dataclasses.dataclass
class Change:
    field: str
    before: str
    after: str


@dataclasses.dataclass
class HistoryEntry:
    transaction_id: int
    issued_at: dt.datetime | None
    user: str
    remote_addr: str | None
    operation: str
    record: str
    changes: list[Change]


def transaction_model():
    return versioning_manager.transaction_cls


def audited_models() -> dict[str, type]:
    """Versioned domain models by class name (the name Continuum records per transaction)."""
    from flask_appbuilder.models.sqla import Model

    found = {}
    for mapper in Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__versioned__", None) is not None and hasattr(cls, "__label__") \
                and not cls.__name__.endswith("Version"):
            found[cls.__name__] = cls
    return found


def _show(value: Any) -> str:

    shown = format_value(value)
    return "" if shown is None else str(shown)


def _columns(model) -> list[str]:
    return [attr.key for attr in sa_inspect(model).column_attrs
            if attr.key not in SKIPPED_COLUMNS]


def _foreign_models(model) -> dict[str, type]:
    """FK column -> the model it points to, so a history shows "黄浦区…局", not "2"."""
    found = {}
    for prop in sa_inspect(model).relationships:
        if prop.direction.name == "MANYTOONE":
            for local in prop.local_columns:
                found[local.key] = prop.mapper.class_
    return found


def _show_column(value: Any, target: type | None) -> str:
    if target is not None and value is not None:
        related = db.session.get(target, value)
        if related is not None:
            return str(related)
    return _show(value)


def _tag_relations(model) -> list[RelationshipProperty]:
    """Many-to-many relations to enum tags (functions, clauses, categories)."""
    return [prop for prop in sa_inspect(model).relationships
            if prop.secondary is not None and hasattr(prop.mapper.class_, "enum_cls")]


def _tag_sets_by_transaction(model, prop: RelationshipProperty, pk: int) -> dict[int, set]:
    """The set of tags linked to record ``pk`` as of each transaction that changed it,
    rebuilt from the association table's version rows."""
    from flask_appbuilder.models.sqla import Model

    assoc_version = Model.metadata.tables.get(prop.secondary.name + "_version")
    if assoc_version is None:
        return {}
    (local_col, _), = [(c, None) for c in prop.secondary.columns
                       if any(fk.column.table is sa_inspect(model).local_table
                              for fk in c.foreign_keys)]
    (remote_col,) = [c for c in prop.secondary.columns if c is not local_col]
    rows = db.session.execute(
        select(assoc_version.c[remote_col.name], assoc_version.c.transaction_id,
               assoc_version.c.operation_type)
        .where(assoc_version.c[local_col.name] == pk)
        .order_by(assoc_version.c.transaction_id)).all()
    tags = {t.id: t for t in db.session.scalars(select(prop.mapper.class_))}
    current: set = set()
    by_tx: dict[int, set] = {}
    for tag_id, tx_id, op in rows:
        if op == 2:
            current.discard(tags.get(tag_id))
        else:
            current.add(tags.get(tag_id))
        by_tx[tx_id] = set(current)
    return by_tx


def _user_text(tx) -> str:
    return signature_of(getattr(tx, "user", None)) or "系统"


def primary_key_name(model) -> str:
    return sa_inspect(model).primary_key[0].key


def parse_primary_key(model, raw: str):
    """A primary key from a URL, in the column's own type (integer, date or text)."""
    column = sa_inspect(model).primary_key[0]
    kind = column.type.python_type
    if kind is dt.date:
        return dt.date.fromisoformat(raw)
    return kind(raw)


def record_history(model, pk) -> list[HistoryEntry]:
    """Every change of one record, oldest first, with before/after values per field."""
    Version = version_class(model)
    Transaction = transaction_model()
    pk_attr = getattr(Version, primary_key_name(model))
    versions = db.session.scalars(
        select(Version).where(pk_attr == pk).order_by(Version.transaction_id)).all()
    labels = meta.labels_of(model)
    # columns the trail leaves out (``__versioned__`` excludes: bookkeeping, derived) have no history
    columns = [col for col in _columns(model) if hasattr(Version, col)]
    foreign = _foreign_models(model)
    tag_history = {prop.key: _tag_sets_by_transaction(model, prop, pk)
                   for prop in _tag_relations(model)} if primary_key_name(model) == "id" else {}
    tx_ids = sorted({v.transaction_id for v in versions}
                    | {tx for sets in tag_history.values() for tx in sets})
    transactions = {t.id: t for t in db.session.scalars(
        select(Transaction).where(Transaction.id.in_(tx_ids)))} if tx_ids else {}

    entries: list[HistoryEntry] = []
    previous: dict[str, Any] = {}
    previous_tags: dict[str, set] = {key: set() for key in tag_history}
    by_tx = {v.transaction_id: v for v in versions}
    for tx_id in tx_ids:
        version = by_tx.get(tx_id)
        changes: list[Change] = []
        operation = OPERATIONS[1]
        if version is not None:
            operation = OPERATIONS.get(version.operation_type, "修改")
            values = {col: getattr(version, col) for col in columns}
            for col in columns:
                before, after = previous.get(col), values[col]
                if version.operation_type == 2:
                    continue
                if before != after and not (before is None and after in ("", None)):
                    changes.append(Change(labels.get(col, col),
                                          _show_column(before, foreign.get(col)),
                                          _show_column(after, foreign.get(col))))
            previous = values
        for key, sets in tag_history.items():
            if tx_id in sets and sets[tx_id] != previous_tags[key]:
                changes.append(Change(labels.get(key, key),
                                      _show(sorted(previous_tags[key], key=lambda t: t.id)),
                                      _show(sorted(sets[tx_id], key=lambda t: t.id))))
                previous_tags[key] = sets[tx_id]
        tx = transactions.get(tx_id)
        entries.append(HistoryEntry(
            transaction_id=tx_id, issued_at=clock.from_utc(tx.issued_at) if tx else None,
            user=_user_text(tx) if tx else "系统", remote_addr=tx.remote_addr if tx else None,
            operation=operation, record=f"{meta.model_label(model)} {pk}", changes=changes))
    return entries


def transaction_details(tx_id: int) -> list[HistoryEntry]:
    """Everything one transaction changed, across record types."""
    Transaction = transaction_model()
    tx = db.session.get(Transaction, tx_id)
    if tx is None:
        return []
    models = audited_models()
    entries: list[HistoryEntry] = []
    for change in tx.changes:
        model = models.get(change.entity_name)
        if model is None:
            continue
        Version = version_class(model)
        pk_name = primary_key_name(model)
        for version in db.session.scalars(select(Version).where(
                Version.transaction_id == tx_id)):
            for entry in record_history(model, getattr(version, pk_name)):
                if entry.transaction_id == tx_id:
                    entries.append(entry)
    return entries


# --- the audit log's rows: what each transaction did to which record --------------------

#: The column that names a record for people, first found (a model may say ``__audit_label__``).
LABEL_COLUMNS = ("number", "name", "account_name", "declaration_no", "title", "holder_name")


@dataclasses.dataclass
class RecordTouch:
    """One record one transaction wrote: its type, key and label (its number or name as that
    version stored it — still there when the record is deleted), the operation, and its
    ``state`` before and after when the transaction changed it (a workflow step moves it)."""

    model: type
    pk: str
    label: str | None
    operation: str
    state_before: Any = None
    state_after: Any = None

    @property
    def table(self) -> str:
        return self.model.__tablename__

    @property
    def state_changed(self) -> bool:
        return self.operation == OPERATIONS[1] and self.state_before != self.state_after


def _label_column(model) -> str | None:
    declared = getattr(model, "__audit_label__", None)
    if declared:
        return declared
    Version = version_class(model)
    return next((name for name in LABEL_COLUMNS if hasattr(Version, name)), None)


def _state_enum(model):
    column = sa_inspect(model).columns.get("state")
    return getattr(column.type, "enum_class", None) if column is not None else None


def _touch_select(name: str, model, tx_ids):
    """One record type's part of the page's query: its version rows in the page's
    transactions, with label, state and (a correlated subquery) the state before."""
    Version = version_class(model)
    pk_name = primary_key_name(model)
    pk_col = getattr(Version, pk_name)
    label_name = _label_column(model)
    label_col = sa.cast(getattr(Version, label_name), sa.String) if label_name \
        else sa.null().cast(sa.String)
    if _state_enum(model) is not None and hasattr(Version, "state_mod"):
        earlier = sa_aliased(Version)
        before = (select(sa.cast(earlier.state, sa.String))
                  .where(getattr(earlier, pk_name) == pk_col,
                         earlier.transaction_id < Version.transaction_id)
                  .order_by(earlier.transaction_id.desc()).limit(1)
                  .correlate(Version).scalar_subquery())
        state = [sa.cast(Version.state, sa.String), sa.cast(Version.state_mod, sa.Integer),
                 before]
    else:
        state = [sa.null().cast(sa.String), sa.null().cast(sa.Integer),
                 sa.null().cast(sa.String)]
    return select(sa.literal(name).label("entity"), sa.cast(pk_col, sa.String).label("pk"),
                  Version.transaction_id.label("tx"), Version.operation_type.label("op"),
                  label_col.label("label"), state[0].label("state"),
                  state[1].label("state_mod"), state[2].label("state_before")) \
        .where(Version.transaction_id.in_(tx_ids))


def records_touched(transactions) -> dict[int, list[RecordTouch]]:
    """For a page of transactions (with their ``changes`` loaded): the records each wrote —
    one query for the whole page (the version rows of every record type it touched), never
    one per row or per record."""
    models = audited_models()
    found: dict[int, list[RecordTouch]] = {tx.id: [] for tx in transactions}
    wanted: dict[str, set[int]] = {}
    for tx in transactions:
        for change in tx.changes or ():
            if change.entity_name in models:
                wanted.setdefault(change.entity_name, set()).add(tx.id)
    if not wanted:
        return found
    parts = [_touch_select(name, models[name], sorted(ids)) for name, ids in sorted(wanted.items())]
    query = sa.union_all(*parts) if len(parts) > 1 else parts[0]
    rows = db.session.execute(query).all()
    for row in sorted(rows, key=lambda r: (r.tx, r.entity, r.pk)):
        model = models[row.entity]
        touch = RecordTouch(model, row.pk, row.label, OPERATIONS.get(row.op, OPERATIONS[1]))
        states = _state_enum(model)
        if row.op == 1 and row.state_mod and states is not None:
            touch.state_before = _enum_or_none(states, row.state_before)
            touch.state_after = _enum_or_none(states, row.state)
        found[row.tx].append(touch)
    return found


def _enum_or_none(enum_cls, code):
    if code is None:
        return None
    try:
        return enum_cls[code]
    except KeyError:
        return code
