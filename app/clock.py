"""The console's clock: Beijing time, whatever the server's time zone.

Deadlines count calendar and working days in China, so "today" and "now" must be Beijing's,
not the container's UTC. Timestamps are stored naive, in Beijing time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def from_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A naive UTC timestamp (as SQLAlchemy-Continuum stores them) in Beijing time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(BEIJING).replace(tzinfo=None)
