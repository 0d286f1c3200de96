"""Finding the records an import row names (by number, USCC, name or division code), within
the importing user's scope: a record outside it reads, for this user, as not there."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Bureau, Enterprise
from app.scope import bureau_scope, scope_clause

CHUNK = 500


def by_key(model, column, keys: Iterable[str], scoped: bool = True) -> dict:
    """Records of ``model`` whose ``column`` is one of ``keys`` (in scope), by key."""
    keys = sorted({k for k in keys if k})
    found = {}
    scope = bureau_scope() if scoped else None
    for start in range(0, len(keys), CHUNK):
        query = select(model).where(column.in_(keys[start:start + CHUNK]))
        if scoped:
            query = query.where(scope_clause(model, scope))
        for item in db.session.scalars(query):
            found[getattr(item, column.key)] = item
    return found


def existing_anywhere(column, keys: Iterable[str]) -> set:
    """Which of ``keys`` exist at all (in or out of scope): a key taken by another district's
    record cannot be created again, and the row says so without showing the record."""
    keys = sorted({k for k in keys if k})
    found = set()
    for start in range(0, len(keys), CHUNK):
        found.update(db.session.scalars(select(column).where(column.in_(keys[start:start + CHUNK]))))
    return found


class BureauFinder:
    """A bureau named by its full name, short name or division code — within scope."""

    def __init__(self):
        self.scope = bureau_scope()
        self._all = None

    def _bureaus(self) -> list[Bureau]:
        if self._all is None:
            self._all = list(db.session.scalars(select(Bureau)))
        return self._all

    def find(self, raw: str) -> tuple[Bureau | None, str | None]:
        raw = (raw or "").strip()
        for bureau in self._bureaus():
            if raw in (bureau.name, bureau.short_name, bureau.division_code):
                if self.scope is not None and bureau.id not in self.scope:
                    return None, f"“{raw}”不在您的管辖范围内，不能导入到其他区局。"
                return bureau, None
        return None, f"找不到市场监管部门“{raw}”：请填写部门全称、简称或6位行政区划代码。"

    def for_row(self, sheet, row, values: dict, errors: list) -> Bureau | None:
        """The bureau a row names in its ``bureau`` column, or None with the refusal added
        to ``errors`` under that column's header."""
        from app.services.imports.base import RowError

        bureau, problem = self.find(values["bureau"])
        if problem:
            errors.append(RowError(row.number, sheet.label("bureau"), problem))
        return bureau


def enterprises_by_uscc(codes: Iterable[str]) -> dict[str, Enterprise]:
    return by_key(Enterprise, Enterprise.uscc, codes)


__all__ = ["BureauFinder", "by_key", "enterprises_by_uscc", "existing_anywhere", "or_"]


def in_scope(model, pk):
    """The ``model`` record with id ``pk`` if it is in the user's scope, else None."""
    if pk is None:
        return None
    return db.session.scalar(select(model).where(model.id == pk,
                                                 scope_clause(model, bureau_scope())))
