"""Row-level isolation: which bureaus' rows the current user may see and change.

One mechanism for every door. Each domain model declares ``__scope_path__``: the relations to
follow to reach the owning bureau's id, e.g. ``("application", "bureau_id")`` for a product.
``DomainInterface`` (used by every console view, REST resource, related drop-down, lookup,
export and report query) adds :func:`scope_clause` to each query, and the write paths call
:func:`ensure_in_scope` on the record being saved. Another district's row is simply not there:
404, never a different error that would reveal it exists.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import column as sa_column
from sqlalchemy import false, or_, select, true
from sqlalchemy import table as sa_table
from sqlalchemy.orm import RelationshipProperty

from app.domain.errors import RecordInvalid
from app.security_model import Role

UNRESTRICTED = None


_acting_user: contextvars.ContextVar = contextvars.ContextVar("acting_user", default=None)

#: The console itself acting (a timed sweep): no user, whatever request happens to run it.
SYSTEM = object()


@contextlib.contextmanager
def acting_as(user):
    """Work done on behalf of ``user`` outside a request (a workflow step run from the command
    line, the demo loader, a test) is attributed to that user, in the audit trail too."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def current_user():
    """The user acting now: the one a workflow step runs for, else the signed-in user of
    this request (console session or JWT), else None."""
    acting = _acting_user.get()
    if acting is SYSTEM:
        return None
    if acting is not None:
        return acting
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    if user is None:
        from flask_login import current_user as login_user

        user = login_user
    return user if getattr(user, "is_authenticated", False) else None


def signature_of(user) -> str | None:
    """The name a record keeps of the user who acted (see ``ConsoleUser.signature``)."""
    if user is None:
        return None
    return getattr(user, "signature", None) or getattr(user, "username", None)


def role_of(user) -> Role | None:
    if user is None:
        return None
    names = {r.name for r in getattr(user, "roles", [])}
    for role in Role:
        if role.value in names:
            return role
    return None


def bureau_scope(user: Any = "current") -> frozenset[int] | None:
    """Bureau ids whose rows the user may see; ``None`` means every bureau.

    Outside a request (CLI, seeds, services called from tests) there is no user and no
    restriction. In a request, an anonymous user sees nothing, a province-wide role sees
    everything, and a district officer sees their own bureau and every bureau below it: a
    county bureau its own rows, a city (地市级) bureau its own and its counties'."""
    if user == "current":
        if not has_request_context():
            return UNRESTRICTED
        user = current_user()
    if user is None:
        return frozenset()
    role = role_of(user)
    if role is not None and role.province_wide:
        return UNRESTRICTED
    bureau_id = getattr(user, "bureau_id", None)
    return bureau_subtree(bureau_id) if bureau_id else frozenset()


def supervises(scope: frozenset[int] | None) -> bool:
    """Whether a scope reaches beyond one bureau: the province, or a city and its counties
    (boards and roll-ups are for those who oversee other bureaus)."""
    return scope is None or len(scope) > 1


_BUREAU_TREE = sa_table("bureau", sa_column("id"), sa_column("parent_id"))


def bureau_subtree(bureau_id: int) -> frozenset[int]:
    """The bureau and all its descendants, at any depth.

    Bureaus are few (a province has some tens to a hundred), so the whole (id, parent) list
    is read in one query and walked in memory; within a request the answer is kept in
    ``flask.g``, so every query of the request filters by the same ids for one extra query.
    No materialised path to keep in step when an admin moves a bureau."""
    cache = g.setdefault("_bureau_subtrees", {}) if has_request_context() else {}
    if bureau_id not in cache:
        from app.extensions import db

        children: dict[int, list[int]] = {}
        for child, parent in db.session.execute(
                select(_BUREAU_TREE.c.id, _BUREAU_TREE.c.parent_id)):
            children.setdefault(parent, []).append(child)
        found, todo = {bureau_id}, [bureau_id]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in found:  # a loop in the data must not hang the request
                    found.add(child)
                    todo.append(child)
        cache[bureau_id] = frozenset(found)
    return cache[bureau_id]


def scope_path(model) -> tuple[str, ...] | None:
    return getattr(model, "__scope_path__", None)


def scope_paths(model) -> tuple[tuple[str, ...], ...]:
    """All owner paths: ``__scope_paths__`` for a record that belongs to one of several
    kinds of owner (an evidence file of a request or of a usage record), else the one path."""
    paths = getattr(model, "__scope_paths__", None)
    if paths:
        return tuple(paths)
    path = scope_path(model)
    return (path,) if path else ()


def scope_clause(model, bureau_ids: Iterable[int] | None):
    """SQL condition: the model's rows owned by one of ``bureau_ids``.

    A model that carries its owning bureau (``__scope_column__``, see :func:`carried_models`)
    is filtered on that indexed column alone: a district's list costs what the province's
    does. Otherwise each hop of the path becomes ``fk IN (SELECT pk FROM related WHERE ...)``,
    which both SQLite and PostgreSQL answer from indexes."""
    if bureau_ids is None:
        return true()
    paths = scope_paths(model)
    if not paths:
        return true()
    ids = sorted(bureau_ids)
    if not ids:
        return false()
    carried = getattr(model, "__scope_column__", None)
    if carried:
        column = getattr(model, carried)
        return column == ids[0] if len(ids) == 1 else column.in_(ids)
    return or_(*[_clause_for_path(model, path, ids) for path in paths])


def _clause_for_path(model, path: tuple[str, ...], ids: list[int]):
    head, rest = path[0], path[1:]
    if not rest:
        return getattr(model, head).in_(ids)
    prop = getattr(model, head).property
    target = prop.mapper.class_
    (local, remote), = prop.local_remote_pairs
    return local.in_(select(remote).where(_clause_for_path(target, rest, ids)))


def owning_bureau_id(item) -> int | None:
    """Follow the scope path(s) on a (possibly unsaved) record to its bureau id."""
    for path in scope_paths(type(item)):
        found = _owner_along(item, path)
        if found is not None:
            return found
    return None


def _owner_along(item, path: tuple[str, ...]) -> int | None:
    from app.extensions import db

    current = item
    for hop in path[:-1]:
        prop = getattr(type(current), hop).property
        related = getattr(current, hop)
        if related is None:
            (local, _remote), = prop.local_remote_pairs
            fk_value = getattr(current, local.key)
            related = db.session.get(prop.mapper.class_, fk_value) if fk_value is not None \
                else None
        if related is None:
            return None
        current = related
    value = getattr(current, path[-1])
    if value is None:
        # a form may have set the relation while its foreign-key column is not flushed yet
        from sqlalchemy import inspect as sa_inspect

        for prop in sa_inspect(type(current)).relationships:
            if any(col.key == path[-1] for col in prop.local_columns):
                related = getattr(current, prop.key)
                value = related.id if related is not None else None
    if hasattr(value, "id"):  # the last hop may be a relation to Bureau itself
        value = value.id
    return value


def scope_field(model) -> str:
    """The column of ``model`` that ties it to its owner (first hop of the scope path)."""
    head = scope_paths(model)[0][0]
    prop = getattr(model, head).property
    if isinstance(prop, RelationshipProperty):
        (local, _remote), = prop.local_remote_pairs
        return local.key
    return head


OUT_OF_SCOPE = "关联的记录不存在，或不在您的管辖范围内。"


def ensure_in_scope(item, user: Any = "current") -> None:
    """Refuse to save a record that would belong to a bureau outside the user's scope: the
    record it points to is, for this user, a record that does not exist."""
    scope = bureau_scope(user)
    if scope is UNRESTRICTED:
        return
    if scope_paths(type(item)) and owning_bureau_id(item) not in scope:
        raise RecordInvalid({scope_field(type(item)): [OUT_OF_SCOPE]})
    for column, related in _linked_records(item):
        if owning_bureau_id(related) not in scope:
            raise RecordInvalid({column: [OUT_OF_SCOPE]})


def _linked_records(item):
    """(foreign-key column, record) of every many-to-one link to a district-owned record: an
    application's enterprise, an account change's account... A link is a door too: pointing
    at another district's record would show it on this one's pages."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.orm import MANYTOONE

    from app.extensions import db

    for rel in sa_inspect(type(item)).relationships:
        target = rel.mapper.class_
        if rel.direction is not MANYTOONE or len(rel.local_columns) != 1 \
                or not scope_paths(target):
            continue
        (column,) = rel.local_columns
        related = getattr(item, rel.key)
        fk_value = getattr(item, column.key, None)
        if related is None and fk_value is not None:
            related = db.session.get(target, fk_value)
        if related is not None:
            yield column.key, related


# -----------------------------------------------------------------------------------------
# The carried owner: rows far from their bureau keep its id, kept right on every flush
# -----------------------------------------------------------------------------------------
#
# A product, a certificate, a customs usage... reaches its bureau through one to three
# joins. Lists of those rows are the big ones, so each such model also stores the owning
# bureau's id (``__scope_column__``, e.g. ``owner_bureau_id``) and :func:`scope_clause`
# filters on it. The stored id is a copy: after every flush that inserts such a row, or
# changes a link on its path (an application moved to another bureau, a product moved to
# another application), the copies reached through the changed rows are recomputed in SQL
# from the path itself, in the same transaction. Writes that bypass the ORM (bulk loaders)
# must set the column themselves; ``check_carried_owners`` finds any copy that disagrees.

_CARRY_CHUNK = 500


_carried: list[type] = []


def carried_models() -> list[type]:
    """The models declaring ``__scope_column__`` (found once the mappers exist)."""
    if not _carried:
        from flask_appbuilder import Model

        _carried.extend(sorted(
            (m.class_ for m in Model.registry.mappers
             if getattr(m.class_, "__scope_column__", None) and scope_path(m.class_)),
            key=lambda cls: cls.__name__))
    return list(_carried)


def _hops(model, path: tuple[str, ...]):
    """[(table, local column, remote column)] along the path, and the final owner column."""
    hops, current = [], model
    for hop in path[:-1]:
        prop = getattr(current, hop).property
        (local, remote), = prop.local_remote_pairs
        hops.append((current, local, remote))
        current = prop.mapper.class_
    return hops, current, current.__table__.c[path[-1]]


def owner_expression(model):
    """Correlated SQL for the owning bureau id of a row of ``model``, from its path."""
    path = scope_path(model)
    hops, _last, owner = _hops(model, path)
    if not hops:
        return owner
    conditions = [remote == local for _cls, local, remote in hops]
    return select(owner).where(*conditions).correlate(model.__table__).scalar_subquery()


def _rows_through(model, path, position: int, ids: list[int]):
    """Condition on ``model``'s rows whose path passes through the row ids at ``position``
    (0: the rows themselves; 1: their first related rows...)."""
    if position == 0:
        return model.__table__.c.id.in_(ids)
    prop = getattr(model, path[0]).property
    (local, remote), = prop.local_remote_pairs
    target = prop.mapper.class_
    if position == 1:
        return local.in_(ids)
    return local.in_(select(remote).where(_rows_through(target, path[1:], position - 1, ids)))


def _link_attributes(cls, column_key: str) -> tuple[str, ...]:
    """The column and every many-to-one relation setting it (a form sets ``bureau``, the
    flush then writes ``bureau_id`` without history on the column)."""
    from sqlalchemy import inspect as sa_inspect

    names = [column_key]
    for rel in sa_inspect(cls).relationships:
        if any(col.key == column_key for col in rel.local_columns):
            names.append(rel.key)
    return tuple(names)


def _changed_links(session) -> dict[tuple[type, int], set[int]]:
    """(carried model, position on its path) -> ids of rows there whose link changed."""
    from sqlalchemy import inspect as sa_inspect

    found: dict[tuple[type, int], set[int]] = {}
    for carried in carried_models():
        path = scope_path(carried)
        hops, last, owner = _hops(carried, path)
        # (class at position i, column of it that links onward or holds the owner)
        links = [(cls, local.key) for cls, local, _remote in hops] + [(last, owner.key)]
        for obj in list(session.new) + list(session.dirty):
            for position, (cls, key) in enumerate(links):
                if not isinstance(obj, cls) or getattr(obj, "id", None) is None:
                    continue
                if obj in session.new and position == 0:
                    found.setdefault((carried, 0), set()).add(obj.id)
                    continue
                state = sa_inspect(obj)
                if any(state.attrs[name].history.has_changes()
                       for name in _link_attributes(cls, key)):
                    found.setdefault((carried, position), set()).add(obj.id)
    return found


def _carry_owner(session, _flush_context) -> None:
    changed = _changed_links(session)
    if not changed:
        return
    from sqlalchemy import update

    connection = session.connection()
    for (carried, position), ids in changed.items():
        column = carried.__table__.c[carried.__scope_column__]
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CARRY_CHUNK):
            chunk = ordered[start:start + _CARRY_CHUNK]
            connection.execute(
                update(carried.__table__)
                .where(_rows_through(carried, scope_path(carried), position, chunk))
                .values({column.key: owner_expression(carried)}))


def check_carried_owners() -> dict[str, int]:
    """Rows whose carried owner disagrees with their path, per table (empty: all right)."""
    from sqlalchemy import func

    from app.extensions import db

    wrong = {}
    for carried in carried_models():
        column = carried.__table__.c[carried.__scope_column__]
        expr = owner_expression(carried)
        count = db.session.execute(
            select(func.count()).select_from(carried.__table__)
            .where(or_(column.is_(None), column != expr))).scalar_one()
        if count:
            wrong[carried.__tablename__] = count
    return wrong


def refresh_carried_owners() -> dict[str, int]:
    """Recompute every carried owner that disagrees with its path (after a bulk load that
    bypassed the ORM); rows corrected per table. The caller commits."""
    from sqlalchemy import update

    from app.extensions import db

    fixed = {}
    for carried in carried_models():
        column = carried.__table__.c[carried.__scope_column__]
        expr = owner_expression(carried)
        result = db.session.execute(update(carried.__table__)
                                    .where(or_(column.is_(None), column != expr))
                                    .values({column.key: expr}))
        if result.rowcount:
            fixed[carried.__tablename__] = result.rowcount
    return fixed


def install_carried_owner_listener() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _carry_owner):
        event.listen(Session, "after_flush", _carry_owner)
