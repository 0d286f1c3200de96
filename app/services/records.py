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

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import MANYTOONE

from app.domain.errors import PreconditionFailed, RuleViolation, StaleRecord
from app.extensions import db
from app.scope import ensure_in_scope

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
            setattr(item, rel.key, db.session.get(rel.mapper.class_, wanted))


def check_version(item, expected, *, precondition: bool = False) -> None:
    """Optimistic lock: ``expected`` is the ``lock_version`` the user read (form field or
    ``If-Match``); another save since then refuses this one — 412 for an API precondition,
    409 for a console form. ``None`` means the caller did not say (accepted)."""
    if expected is None or not hasattr(item, "lock_version"):
        return
    if str(expected) != str(item.lock_version):
        raise PreconditionFailed() if precondition else StaleRecord()


def prepare(item, creating: bool) -> None:
    """Refuse (``DomainError``) or complete ``item`` before it is saved: scope, the record's
    own refusal, then its area's rules."""
    with db.session.no_autoflush:  # nothing half-built reaches the database
        follow_foreign_keys(item)
        ensure_in_scope(item)
        refusal = getattr(item, "editing_refusal", lambda: None)()
        if refusal:
            raise RuleViolation(refusal)
    for rule in (_CREATE if creating else _UPDATE).get(type(item), ()):
        rule(item)


def prepare_deletion(item) -> None:
    refusal = getattr(item, "deletion_refusal", lambda: None)()
    if refusal:
        raise RuleViolation(refusal)
