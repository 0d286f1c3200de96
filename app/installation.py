"""Which province a database belongs to: recorded once, checked at every start (issue 17).

The first start on an empty database records the active profile (``CCC_PROVINCE``) in the
one-row ``installation`` table. A later start with a different profile is refused before
anything is served, with a message that says what to do: provinces never mix in one database.
A database created before the table existed is recognised by its provincial bureau's
division code.
"""
from __future__ import annotations

import sqlalchemy as sa

from app import policy
from app.enums import BureauLevel
from app.extensions import db
from app.models import Bureau, Installation


class ProvinceMismatch(policy.ProfileError):
    """The database belongs to another province than ``CCC_PROVINCE``."""


def _database_text() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _province_of_existing_rows() -> policy.PolicyProfile | str | None:
    """The profile whose province the bureaus already stored belong to; the division prefix
    when no profile matches it; None for a database without bureaus."""
    codes = db.session.scalars(
        sa.select(Bureau.division_code).order_by(Bureau.level != BureauLevel.province,
                                                 Bureau.id).limit(1)).all()
    if not codes:
        return None
    prefix = codes[0][:2]
    for known in policy.profiles().values():
        if known.division_prefix == prefix:
            return known
    return prefix


def _refuse(recorded_code: str, recorded_name: str, active: policy.PolicyProfile):
    return ProvinceMismatch(
        f"拒绝启动：此数据库（{_database_text()}）创建时使用的省份配置为“{recorded_name}”"
        f"（CCC_PROVINCE={recorded_code}），当前设置为“{active.province_name}”"
        f"（CCC_PROVINCE={active.code}）。不同省份的数据不能混在同一个数据库中：请改回 "
        f"CCC_PROVINCE={recorded_code}，或为{active.province_name}另用一个空数据库"
        "（设置 DATABASE_URL 或 CCC_INSTANCE_DIR）。")


def check_province(code: str) -> policy.PolicyProfile:
    """Record the profile on a new database, or refuse a start whose profile is not the one
    the database was created with (:class:`ProvinceMismatch`). Returns the active profile."""
    active = policy.profile(code)
    if not sa.inspect(db.engine).has_table(Installation.__tablename__):
        return active  # schema not migrated yet (a command that manages the schema itself)
    try:
        row = db.session.get(Installation, 1)
        if row is not None:
            if row.province_code != active.code:
                raise _refuse(row.province_code, row.province_name, active)
            return active
        existing = _province_of_existing_rows()
        if isinstance(existing, str):
            raise ProvinceMismatch(
                f"拒绝启动：此数据库（{_database_text()}）中的市场监管部门属于行政区划代码 "
                f"{existing}xxxx，没有对应的省份政策配置；当前设置为“{active.province_name}”"
                f"（CCC_PROVINCE={active.code}）。请使用与数据库相符的配置，或另用一个空数据库。")
        if existing is not None and existing.code != active.code:
            raise _refuse(existing.code, existing.province_name, active)
        db.session.add(Installation(id=1, province_code=active.code,
                                    province_name=active.province_name))
        db.session.commit()
        return active
    finally:
        db.session.remove()
