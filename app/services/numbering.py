"""Numbers for applications and certificates, unique per database (unique keys back them up)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Application, Bureau, Certificate


def _next(prefix: str, column) -> str:
    last = db.session.scalar(select(func.max(column)).where(column.like(prefix + "%")))
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


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
