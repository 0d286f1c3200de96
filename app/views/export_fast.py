"""The fast path of the console's list export (issue 15, "exports that stream").

The old path loads every record as an ORM object and asks Flask-AppBuilder's
``datamodel.get_values`` for each column of each row. Here the export reads the columns it
needs as plain rows, in batches, from the same query (same filters, same district scope,
same order), and turns them into the same cell texts:

- a stored column: its value, read from the row;
- a many-to-one relation (申请单位, 受理局...): the related record's text, each related record
  loaded once per export (one ``IN`` query per batch for those not seen yet);
- a one-to-one relation held by the other table (the application's 证明): its text column
  (``meta.text_column_of``) read in the export's SELECT when the key is unique, else loaded
  per batch;
- a derived value that declares the plain columns it reads (``meta.derived(..., reads=)``:
  审核时限, 发证期限...): the same service function, called on the plain row (the working
  calendar is cached per request);
- anything else (other derived values, collections, dotted columns): the old way, from the
  records of the batch loaded by id, for those columns only.

A cell is ``str(format_value(value))`` of the same value the old path reads, so the file is
the same; ``tests/views/test_export_fast.py`` compares both paths for every exported list.
"""
from __future__ import annotations

import collections
import datetime as dt
import enum
import functools
import operator
from collections.abc import Iterator

from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.exc import UnmappedColumnError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression

from app import meta
from app.present import format_value

_PK = "_export_pk"


def cell_text(value) -> str:
    """What the old path writes for a value ``get_values`` returns (enums as their value)."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, enum.Enum):
        value = value.value
    return str(format_value(value))


def record_text(item, col: str) -> str:
    """The old path's cell: ``str(format_value(SQLAInterface._get_attr_value(item, col)))``,
    reading the attribute once (FAB reads a property three times: ``hasattr``, the callable
    test, the value)."""
    try:
        value = getattr(item, col)
    except AttributeError:  # FAB: an inner object's attribute ("a.b"), else ""
        try:
            value = functools.reduce(getattr, col.split("."), item)
        except Exception:  # noqa: BLE001 - as FAB: an unreadable column is blank
            value = ""
        return str(format_value(value))
    if callable(value):
        return str(format_value(value()))
    return cell_text(value)


def _simple_join(rel: RelationshipProperty):
    """(local column, remote column) of a relation joined by one equality, else None."""
    if rel.secondary is not None or len(rel.local_remote_pairs) != 1:
        return None
    join = rel.primaryjoin
    if not (isinstance(join, BinaryExpression) and join.operator is operators.eq):
        return None
    return rel.local_remote_pairs[0]


def _property_of(mapper, column):
    try:
        return mapper.get_property_by_column(column)
    except UnmappedColumnError:  # not a mapped column of that table
        return None


class FastExport:
    """How one export reads its columns; :meth:`plan` says whether the fast path applies."""

    def __init__(self, datamodel, columns: list[str]):
        self.datamodel = datamodel
        self.model = model = datamodel.obj
        self.mapper = mapper = sa_inspect(model)
        self.columns = columns
        self.pk_attr = mapper.primary_key[0]
        self.selected: dict[str, object] = {_PK: self.pk_attr}
        self.getters = []  # per column: (kind, data)
        self.fallback: list[str] = []
        self.reads: dict[str, tuple[str, ...]] = {}
        self._labels: dict[tuple, dict] = {}
        for name in columns:
            self.getters.append(self._plan_column(name))

    # --- planning ----------------------------------------------------------------------------

    def _select(self, label: str, expr) -> str:
        self.selected.setdefault(label, expr)
        return label

    def _plain_column(self, name: str):
        prop = self.mapper.column_attrs.get(name) if "." not in name else None
        if prop is None or len(prop.columns) != 1:
            return None
        return getattr(self.model, name)

    def _plan_column(self, name: str):
        column = self._plain_column(name)
        if column is not None:
            return ("column", self._select(f"c_{name}", column))
        rel = self.mapper.relationships.get(name) if "." not in name else None
        if rel is not None and not rel.uselist:
            pair = _simple_join(rel)
            if pair is not None:
                local, remote = pair
                target = rel.mapper
                remote_prop = _property_of(target, remote)
                local_prop = _property_of(self.mapper, local)
                if remote_prop is not None and local_prop is not None:
                    many_to_one = rel.direction.name == "MANYTOONE"
                    text = meta.text_column_of(target.class_)
                    if not many_to_one and text is not None and remote.unique:
                        # a one-to-one held by the other table whose text is one column:
                        # read in the export's own SELECT (one index probe per row)
                        sub = (select(getattr(target.class_, text))
                               .where(getattr(target.class_, remote_prop.key)
                                      == getattr(self.model, local_prop.key))
                               .scalar_subquery())
                        return ("column", self._select(f"s_{name}", sub))
                    label = self._select(f"k_{name}", getattr(self.model, local_prop.key))
                    return ("related", (label, target.class_, remote_prop.key, many_to_one))
        batch = meta.derived_batch_of(self.model, name)
        if batch is not None and all(self._plain_column(c) is not None for c in batch[0]):
            for col in batch[0]:
                self._select(f"c_{col}", getattr(self.model, col))
            return ("batch", batch[1])
        reads = meta.derived_reads_of(self.model, name)
        if reads is not None and all(self._plain_column(c) is not None for c in reads):
            for col in reads:
                self._select(f"c_{col}", getattr(self.model, col))
            self.reads[name] = reads
            return ("derived", (meta.derived_of(self.model)[name][1], reads))
        self.fallback.append(name)
        return ("fallback", name)

    @classmethod
    def plan(cls, datamodel, columns: list[str]) -> FastExport | None:
        """The fast path of these columns, or None when it would read every record anyway
        (every column needs the record)."""
        fast = cls(datamodel, columns)
        if len(fast.fallback) == len(columns):
            return None
        return fast

    # --- reading -----------------------------------------------------------------------------

    def query(self, filters, order_column: str, order_direction: str):
        """The export's rows as plain columns: the list's filters, scope and order, without
        the list's eager loading (nothing is loaded as records)."""
        session = self.datamodel.session
        query = session.query(*(expr.label(label) for label, expr in self.selected.items()))
        # SQLAInterface.apply_all: the scope (ScopedInterface._apply_inner_all) and the
        # order (ScopedInterface.apply_order_by) apply; the eager-load options do not
        return SQLAInterface.apply_all(self.datamodel, query, filters, order_column,
                                       order_direction)

    def rows(self, query, batch_size: int) -> Iterator[list[str]]:
        # rows are read by position: the labels' places in the SELECT
        self.index = {label: i for i, label in enumerate(self.selected)}
        self.plain_names = [(label[2:], i) for label, i in self.index.items()
                            if label.startswith("c_")]
        self.steps = [(kind, self.index[data] if kind == "column" else data)
                      for kind, data in self.getters]
        # a plain row (what derived values read): a named tuple of those columns
        names = [name for name, _i in self.plain_names]
        self._plain_type = collections.namedtuple("_PlainRow", names or ["id_"])
        self._plain_values = (_values_at([i for _name, i in self.plain_names])
                              if names else lambda row: (None,))
        self.batch_memo: dict = {}  # what batch functions keep from batch to batch
        batch = []
        for row in query.yield_per(batch_size):
            batch.append(row)
            if len(batch) == batch_size:
                yield from self._texts(batch)
                batch = []
        if batch:
            yield from self._texts(batch)

    def _related_texts(self, batch, label, target, key, cache_all: bool) -> dict:
        cache_key = (label, target, key)
        texts = self._labels.setdefault(cache_key, {}) if cache_all else {}
        at = self.index[label]
        wanted = {row[at] for row in batch} - texts.keys() - {None}
        if wanted:
            session = self.datamodel.session
            found = {}
            column = getattr(target, key)
            ids = sorted(wanted, key=repr)
            for start in range(0, len(ids), 500):
                for obj in session.query(target).filter(column.in_(ids[start:start + 500])):
                    found.setdefault(getattr(obj, key), obj)
            for ident in wanted:
                obj = found.get(ident)
                texts[ident] = "" if obj is None else cell_text(obj)
        return texts

    def _records(self, batch) -> dict:
        pks = [row[0] for row in batch]  # _PK comes first
        session = self.datamodel.session
        return {getattr(item, self.pk_attr.key): item
                for item in session.query(self.model).filter(self.pk_attr.in_(pks))}

    def _plain(self, row):
        return self._plain_type._make(self._plain_values(row))

    def _texts(self, batch) -> Iterator[list[str]]:
        """The batch's cells, worked out column by column (one tight loop per column, each
        distinct value of a column turned into text once), then given out row by row."""
        records = self._records(batch) if self.fallback else None
        plains = None
        columns = []
        for i, (kind, data) in enumerate(self.steps):
            if kind == "column":
                memo = self._memo(i)
                texts = []
                for row in batch:
                    value = row[data]
                    if type(value) is str:
                        texts.append(value)
                    elif value is None:
                        texts.append("")
                    else:
                        key = _memo_key(value)
                        text = None if key is None else memo.get(key)
                        if text is None:
                            text = cell_text(value)
                            if key is not None and len(memo) < _MEMO_CAP:
                                memo[key] = text
                        texts.append(text)
                columns.append(texts)
            elif kind == "related":
                label, target, key, many_to_one = data
                # related records: kept for the whole export (many-to-one: few distinct
                # ones), else for this batch (one per row)
                found = self._related_texts(batch, label, target, key, many_to_one)
                at = self.index[label]
                columns.append(["" if row[at] is None else found[row[at]] for row in batch])
            elif kind == "batch":
                if plains is None:
                    plains = [self._plain(row) for row in batch]
                columns.append(_texts_of(data(plains, memo=self.batch_memo)))
            elif kind == "derived":
                if plains is None:
                    plains = [self._plain(row) for row in batch]
                fn = data[0]
                columns.append(_texts_of(fn(p) for p in plains))
            else:
                columns.append(["" if (item := records.get(row[0])) is None
                                else record_text(item, data) for row in batch])
        for cells in zip(*columns, strict=True):
            yield list(cells)

    def _memo(self, i: int) -> dict:
        return self._labels.setdefault(("memo", i), {})


#: Distinct values of one column whose text is kept (enums, dates, yes/no repeat a lot).
_MEMO_CAP = 50_000


_MEMO_TYPES = frozenset({dt.date, bool, int})


def _values_at(positions: list[int]):
    """row -> the tuple of its values at ``positions``."""
    if len(positions) == 1:
        at = positions[0]
        return lambda row: (row[at],)
    return operator.itemgetter(*positions)


def _memo_key(value):
    """The key a value's text is kept under, or None when it is not kept: a value whose text
    depends on the value alone (equal values, equal texts: not a Decimal, 1.0 and 1.00 read
    differently) and repeats (not a datetime: nearly every one differs). An enum member is
    kept by identity (its own hash is slow Python)."""
    kind = type(value)
    if kind in _MEMO_TYPES:
        return (kind, value)
    if isinstance(value, enum.Enum):
        return id(value)
    return None


def _texts_of(values) -> list[str]:
    memo: dict = {}
    texts = []
    for value in values:
        if type(value) is str:
            texts.append(value)
            continue
        key = _memo_key(value)
        if key is None:
            texts.append(cell_text(value))
            continue
        text = memo.get(key)
        if text is None:
            text = memo[key] = cell_text(value)
        texts.append(text)
    return texts
