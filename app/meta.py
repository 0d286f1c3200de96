"""Metadata declared beside the models and read by every screen, form, API schema and export.

A column says what it is once, in its SQLAlchemy ``info``::

    name = mapped_column(String(200), info=label("单位名称", help="与营业执照一致"))

and the views, the REST API, the Excel/CSV exports and the PDF reports all ask this
module for labels, help texts, choices and field validators instead of repeating them.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import RelationshipProperty


class Attention(str):
    """A status text that asks for attention: screens colour it by ``level`` ("danger":
    overdue; "warning": due soon or late); exports and the API read the plain text it is."""

    level: str

    def __new__(cls, text: str, level: str = "danger"):
        obj = super().__new__(cls, text)
        obj.level = level
        return obj


class LabeledEnum(enum.Enum):
    """Enumeration whose member *name* is the stable English code (database, API)
    and whose *value* is the Chinese label shown to users.

    Flask-AppBuilder shows ``.value`` in lists and select boxes, and our API serialises
    ``.name`` (see ``ENUM_COLUMN_INFO``), so one declaration serves both audiences.
    """

    @property
    def code(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The value as shown: a ``policy.LocalText`` value (a state naming the provincial
        bureau) reads as the active profile's wording."""
        return str(self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.name, m.label) for m in cls]

    @classmethod
    def from_label(cls, label: str):
        for m in cls:
            if m.label == label:
                return m
        raise KeyError(label)

    @classmethod
    def codes(cls) -> list[str]:
        return list(cls.__members__)

    def __str__(self) -> str:  # used by Jinja and string formatting
        return self.label


FieldValidator = Callable[[Any], None]
"""A field validator takes the value and raises ``app.domain.errors.FieldInvalid``."""


def label(text: str, help: str | None = None, validators: Iterable[FieldValidator] = (),
          **extra: Any) -> dict[str, Any]:
    """Column ``info`` for a label, an optional help text and field validators."""
    info: dict[str, Any] = {"label": text}
    if help:
        info["help"] = help
    if validators:
        info["validators"] = tuple(validators)
    info.update(extra)
    return info


def enum_label(text: str, help: str | None = None, **extra: Any) -> dict[str, Any]:
    """Column ``info`` for an enum column: the API exposes the English code (member name)."""
    return label(text, help=help, marshmallow_by_value=False, **extra)


def _mapper_items(model) -> Iterable[tuple[str, Any]]:
    mapper = sa_inspect(model)
    for attr in mapper.attrs:
        if isinstance(attr, RelationshipProperty):
            yield attr.key, attr
        else:
            for col in getattr(attr, "columns", []):
                yield attr.key, col
                break


def labels_of(model) -> dict[str, str]:
    """Chinese label of every column, relationship and declared extra (property) of a model."""
    labels = {"id": "编号"}
    for key, prop in _mapper_items(model):
        text = (prop.info or {}).get("label")
        if text:
            labels[key] = str(text)  # a ``policy.LocalText`` reads as the active profile's
    labels.update(getattr(model, "__extra_labels__", {}))
    labels.update({name: text for name, (text, _fn) in derived_of(model).items()})
    return labels


def help_texts_of(model) -> dict[str, str]:
    return {key: str(prop.info["help"]) for key, prop in _mapper_items(model)
            if prop.info and prop.info.get("help")}


def validators_of(model) -> dict[str, tuple[FieldValidator, ...]]:
    return {key: prop.info["validators"] for key, prop in _mapper_items(model)
            if prop.info and prop.info.get("validators")}


def model_label(model) -> str:
    """The singular Chinese name of a record type, e.g. ``申请单位``."""
    return getattr(model, "__label__", model.__name__)


def record_rules_of(model) -> tuple[Callable[[dict[str, Any]], None], ...]:
    """Cross-field rules of a model: callables that take a dict of values and raise
    ``app.domain.errors.RecordInvalid``."""
    return tuple(getattr(model, "__record_rules__", ()))


# --- derived values ------------------------------------------------------------------------

def derived(model, name: str, text: str, reads: Iterable[str] | None = None):
    """Decorator for a service function that computes a value shown like a column (审核时限,
    剩余有效天数...): the model gets a read-only attribute ``name`` labelled ``text``.

    The rule stays in the service of its area; the model imports nothing above it, and every
    door (list, show, API, export, report) reads the value as ``record.name``.

    ``reads`` (optional) names the plain columns the function reads and nothing else: the
    list export then calls it on a plain row of those columns instead of a loaded record
    (issue 15, exports that stream)."""

    def register(fn: Callable[[Any], Any]):
        model.__dict__.get("__derived__") or setattr(model, "__derived__", {})
        model.__derived__[name] = (text, fn)
        if reads is not None:
            model.__dict__.get("__derived_reads__") or setattr(model, "__derived_reads__", {})
            model.__derived_reads__[name] = tuple(reads)
        setattr(model, name, property(fn, doc=f"{text} (derived: {fn.__module__}.{fn.__name__})"))
        return fn

    return register


def derived_of(model) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """{name: (label, function)} of the values services derive for ``model``."""
    return dict(model.__dict__.get("__derived__") or {})


def derived_batch(model, name: str, reads: Iterable[str]):
    """Decorator for the batch form of a derived value (the list export): a function that
    takes plain rows of the ``reads`` columns and returns the value of each, reading what
    else it needs for the whole batch at once instead of record by record. It must give what
    the per-record function gives (tests compare the export's two paths).

    It is called ``fn(rows, memo=...)``: ``memo`` is a dict the export keeps from batch to
    batch (shared by the export's batch functions, each under its own keys), for what is
    read or worked out once per export (the working calendar, each distinct due date, a
    unit's reusable materials); ``fn(rows)`` alone must work too."""

    def register(fn: Callable[[list[Any]], list[Any]]):
        model.__dict__.get("__derived_batch__") or setattr(model, "__derived_batch__", {})
        model.__derived_batch__[name] = (tuple(reads), fn)
        return fn

    return register


def derived_batch_of(model, name: str) -> tuple[tuple[str, ...], Callable] | None:
    """(reads, function) of a derived value's batch form, else None."""
    return (model.__dict__.get("__derived_batch__") or {}).get(name)


def derived_reads_of(model, name: str) -> tuple[str, ...] | None:
    """The plain columns a derived value reads (``derived(..., reads=)``), else None."""
    return (model.__dict__.get("__derived_reads__") or {}).get(name)


def text_column_of(model) -> str | None:
    """The one plain column a record's text (``str(record)``) is, when the model declares it
    (``__text_column__``): the list export then reads that column in its own SELECT instead
    of loading the records (issue 15)."""
    return model.__dict__.get("__text_column__")


def sorted_by(model, name: str):
    """Decorator for a function ``fn(descending) -> [ORDER BY clauses]`` a derived value
    sorts by (a stored due date): the list can then sort that column (issue 15). Ascending
    puts the most urgent first; rows without a due date go last either way."""

    def register(fn: Callable[[], Any]):
        model.__dict__.get("__derived_sort__") or setattr(model, "__derived_sort__", {})
        model.__derived_sort__[name] = fn
        return fn

    return register


def derived_sort_of(model, name: str) -> Callable[[], Any] | None:
    return (model.__dict__.get("__derived_sort__") or {}).get(name)
