"""Working days on the State Council calendar: statutory holidays off, adjusted weekend
workdays (调休) on, otherwise Monday–Friday.

Chinese administrative time limits do not count the day the clock starts: "within 5 working
days of submission" ends on the 5th working day *after* the submission date. A year whose
schedule is not recorded is refused, never guessed as plain Monday–Friday.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from app.domain.errors import RuleViolation

_ONE_DAY = dt.timedelta(days=1)


class CalendarUnknown(RuleViolation):
    """A deadline needs a year whose holiday schedule has not been recorded."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日安排尚未录入工作日历，无法按工作日计算期限。"
            f"请省级管理员在“系统管理 → 工作日历”中录入国务院办公厅发布的{year}年节假日安排。")


class WorkingCalendar:
    """Answers working-day questions from the known years and their exception days."""

    def __init__(self, known_years: Iterable[int], exceptions: Mapping[dt.date, bool]):
        self.known_years = frozenset(known_years)
        self.exceptions = dict(exceptions)  # day -> is a working day
        # A list or an export asks the same few questions for thousands of rows (issue 15):
        # answers are kept for the life of this calendar (one request).
        self._after: dict[tuple[dt.date, int], dt.date] = {}
        self._between: dict[tuple[dt.date, dt.date], int] = {}

    def is_workday(self, day: dt.date) -> bool:
        if day.year not in self.known_years:
            raise CalendarUnknown(day.year)
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def working_days_after(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        key = (start, count)
        if key not in self._after:
            self._after[key] = self._count_after(start, count)
        return self._after[key]

    def _count_after(self, start: dt.date, count: int) -> dt.date:
        day, found = start, 0
        while found < count:
            day += _ONE_DAY
            if self.is_workday(day):
                found += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``.

        "Working days left until the due date" is ``working_days_between(today, due)``:
        0 on the due date itself, negative once it has passed."""
        if end == start:
            return 0
        key = (start, end)
        if key not in self._between:
            self._between[key] = self._count_between(start, end)
        return self._between[key]

    def _count_between(self, start: dt.date, end: dt.date) -> int:
        sign = 1 if end > start else -1
        low, high = (start, end) if sign > 0 else (end, start)
        count, day = 0, low
        while day < high:
            day += _ONE_DAY
            if self.is_workday(day):
                count += 1
        return sign * count
