"""What saving a record means, whatever the door (console form, REST API, import).

The generic part lives here: point relations at the ids a write names, check the record's own
refusal and the user's scope (scope first: another district's record is not there), and the
optimistic lock. What creating or changing a given kind of record means in its domain (a
number, a snapshot, a ban, a quantity rule) is declared by the service of its area with
:func:`on_save`, so the rule has one home and every door reaches it through
``app.commands.records``."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from flask_appbuilder import Model
from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, Text, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import MANYTOONE

from app.domain.errors import PreconditionFailed, RecordInvalid, RuleViolation, StaleRecord
from app.extensions import db
from app.scope import OUT_OF_SCOPE, ensure_in_scope

_CREATE: dict[type, list[Callable]] = defaultdict(list)
_UPDATE: dict[type, list[Callable]] = defaultdict(list)
_AFTER: dict[type, list[Callable]] = defaultdict(list)


def on_save(model: type, *, creating: bool = True, updating: bool = False):
    """Register a domain rule run before a ``model`` record is saved (raise to refuse)."""

    def register(fn: Callable):
        if creating:
            _CREATE[model].append(fn)
        if updating:
            _UPDATE[model].append(fn)
        return fn

    return register


def after_save(model: type):
    """Register what follows once a ``model`` record is saved, in the same transaction (the
    workflows register automatic transitions here: a certificate's write-off once its last
    product is accounted for)."""

    def register(fn: Callable):
        _AFTER[model].append(fn)
        return fn

    return register


def saved(item) -> None:
    for hook in _AFTER.get(type(item), ()):
        hook(item)


def follow_foreign_keys(item) -> None:
    """A write may set ids (``grant_id``), not relations: point each many-to-one relation at
    the record its id names, so that rules reading the relation see the record written to."""
    mapper = sa_inspect(type(item))
    for rel in mapper.relationships:
        if rel.direction is not MANYTOONE or len(rel.local_columns) != 1:
            continue
        (column,) = rel.local_columns
        key = mapper.get_property_by_column(column).key
        wanted = getattr(item, key)
        current = getattr(item, rel.key)
        current_id = sa_inspect(current).identity[0] if current is not None \
            and sa_inspect(current).identity else None
        if wanted is not None and wanted != current_id:
            related = db.session.get(rel.mapper.class_, wanted)
            if related is None:  # a write naming a record that is not there
                raise RecordInvalid({key: [OUT_OF_SCOPE]})  # same words: no hint
            setattr(item, rel.key, related)


def check_version(item, expected, *, precondition: bool = False) -> None:
    """Optimistic lock: ``expected`` is the ``lock_version`` the user read (a form field), or
    the versions an API ``If-Match`` accepts; another save since then refuses this one — 412
    for an API precondition, 409 for a console form. ``None``: the caller did not say."""
    if expected is None or not hasattr(item, "lock_version"):
        return
    accepted = {str(v) for v in expected} if isinstance(expected, (set, list, tuple)) \
        else {str(expected)}
    if str(item.lock_version) not in accepted:
        raise PreconditionFailed() if precondition else StaleRecord()


def prepare(item, creating: bool) -> None:
    """Refuse (``DomainError``) or complete ``item`` before it is saved: scope, the record's
    own refusal, then its area's rules."""
    with db.session.no_autoflush:  # nothing half-built reaches the database
        follow_foreign_keys(item)
        ensure_in_scope(item)
        refusal = editing_refusal_of(item)
        if refusal:
            raise RuleViolation(refusal)
    for rule in (_CREATE if creating else _UPDATE).get(type(item), ()):
        rule(item)


def editing_refusal_of(item) -> str | None:
    """Why ``item`` cannot be edited now (its state, its parent's state), else ``None``: the
    one rule behind every edit door and the list's 编辑 icon. The relations it reads are the
    model's ``__refusal_loads__`` (loaded with a list page, so rows cost no query each)."""
    return getattr(item, "editing_refusal", lambda: None)()


def deletion_refusal_of(item) -> str | None:
    """Why ``item`` cannot be deleted now, else ``None`` (every delete door, the 删除 icon)."""
    return getattr(item, "deletion_refusal", lambda: None)()


def prepare_deletion(item) -> None:
    refusal = deletion_refusal_of(item)
    if refusal:
        raise RuleViolation(refusal)


@event.listens_for(Model, "before_insert", propagate=True)
@event.listens_for(Model, "before_update", propagate=True)
def _blank_strings_to_null(mapper, connection, target) -> None:
    """An empty text box means "not given": store NULL so that "at least one of" checks and
    unique keys behave the same whether a record came from a form, the API or an import."""
    if mapper.local_table is None or mapper.local_table.name.startswith("ab_"):
        return
    for column in mapper.columns:
        if column.nullable and isinstance(column.type, (String, Text)) \
                and not isinstance(column.type, SAEnum):
            key = mapper.get_property_by_column(column).key
            value = getattr(target, key, None)
            if isinstance(value, str):
                stripped = value.strip()
                if stripped != value or not stripped:
                    setattr(target, key, stripped or None)
