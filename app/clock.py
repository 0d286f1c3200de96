"""The console's clock: Beijing time, whatever the server's time zone.

Deadlines count calendar and working days in China, so "today" and "now" must be Beijing's,
not the container's UTC. Timestamps are stored naive, in Beijing time."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

_as_of: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("as_of", default=None)


def now() -> dt.datetime:
    moment = _as_of.get()
    if moment is not None:
        return moment
    return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


@contextlib.contextmanager
def as_of(moment: dt.datetime):
    """Run domain steps as if it were ``moment`` (Beijing time): the demo loader replays
    months of work through the real workflows, each step on its own day."""
    token = _as_of.set(moment)
    try:
        yield
    finally:
        _as_of.reset(token)


def chinese_date(day: dt.date | None, blank: str = "") -> str:
    """"2026年11月23日", the way official letters and forms write a date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else blank


def from_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A naive UTC timestamp (as SQLAlchemy-Continuum stores them) in Beijing time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(BEIJING).replace(tzinfo=None)


def to_utc(value: dt.datetime) -> dt.datetime:
    """A naive Beijing time as the naive UTC timestamp the audit trail stores."""
    return value.replace(tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
