"""Numbers for applications and certificates.

Each prefix (``A`` + division code + date, ``N`` + division code + year) has a counter row in
``number_sequence``, taken and incremented by one INSERT … ON CONFLICT DO UPDATE … RETURNING
statement: parallel requests serialise on that row and never get the same number (on SQLite
the write transaction holds the database's write lock anyway). The counter never falls
behind numbers already present (records loaded from the national system keep theirs)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.extensions import db
from app.models import Application, Bureau, Certificate, NumberSequence

SEQUENCE_DIGITS = 5


def _highest_present(prefix: str, column) -> int:
    last = db.session.scalar(select(func.max(column)).where(
        column >= prefix, column < prefix + "\uffff"))
    tail = last[len(prefix):] if last else ""
    return int(tail) if tail.isdigit() else 0


def _next(prefix: str, column) -> str:
    table = NumberSequence.__table__
    floor = _highest_present(prefix, column) + 1
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    bigger = func.greatest if dialect == "postgresql" else func.max
    stmt = insert.values(prefix=prefix, last_value=floor).on_conflict_do_update(
        index_elements=[table.c.prefix],
        set_={"last_value": bigger(table.c.last_value + 1, insert.excluded.last_value)},
    ).returning(table.c.last_value)
    value = db.session.execute(stmt).scalar_one()
    return f"{prefix}{value:0{SEQUENCE_DIGITS}d}"


def _division(bureau: Bureau | int | None) -> str:
    if isinstance(bureau, int):
        bureau = db.session.get(Bureau, bureau)
    return bureau.division_code if bureau else "000000"


def next_application_number(bureau: Bureau | int | None, on: dt.date | None = None) -> str:
    """``A`` + division code of the accepting bureau + yymmdd + 5-digit sequence."""
    on = on or clock.today()
    return _next(f"A{_division(bureau)}{on:%y%m%d}", Application.number)


def next_certificate_number(bureau: Bureau | int | None, on: dt.date | None = None) -> str:
    """``N`` + division code of the issuing bureau + yy + 5-digit sequence."""
    on = on or clock.today()
    return _next(f"N{_division(bureau)}{on:%y}", Certificate.number)
