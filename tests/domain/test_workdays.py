"""The deadline rule on real State Council calendar edges (chinese_calendar's 2026 data):
the day of submission is not counted; holidays are off; adjusted weekend workdays are on."""
from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar import constants

from app.domain.workdays import CalendarUnknown, WorkingCalendar

D = dt.date


@pytest.fixture(scope="module")
def calendar():
    exceptions = {day: False for day in constants.holidays}
    exceptions.update({day: True for day in constants.workdays})
    return WorkingCalendar(range(2004, 2027), exceptions)


@pytest.mark.parametrize("submitted,approve_due,return_due", [
    # Wednesday before National Day: 10月1–7日 off, 10月10日 (Saturday) is a workday
    (D(2026, 9, 30), D(2026, 10, 13), D(2026, 10, 9)),
    # Friday before Spring Festival: 2月14日 (Saturday) works, 2月15–23日 off
    (D(2026, 2, 13), D(2026, 2, 27), D(2026, 2, 24)),
    # on the adjusted working Saturday itself
    (D(2026, 10, 10), D(2026, 10, 16), D(2026, 10, 13)),
    # late on a Friday: the weekend does not count
    (D(2026, 11, 20), D(2026, 11, 27), D(2026, 11, 24)),
    # on a holiday: counting starts with the first working day after it
    (D(2026, 10, 3), D(2026, 10, 13), D(2026, 10, 9)),
])
def test_review_deadlines(calendar, submitted, approve_due, return_due):
    assert calendar.working_days_after(submitted, 5) == approve_due
    assert calendar.working_days_after(submitted, 2) == return_due


def test_weekend_adjusted_workdays_and_holidays(calendar):
    assert calendar.is_workday(D(2026, 10, 10)) is True     # Saturday, 调休上班
    assert calendar.is_workday(D(2026, 10, 5)) is False     # Monday, 国庆节
    assert calendar.is_workday(D(2026, 11, 21)) is False    # ordinary Saturday
    assert calendar.is_workday(D(2026, 11, 23)) is True     # ordinary Monday


def test_unknown_year_is_refused_not_guessed(calendar):
    with pytest.raises(CalendarUnknown) as exc:
        calendar.working_days_after(D(2026, 12, 28), 5)
    assert exc.value.year == 2027
    assert "2027年的法定节假日安排尚未录入" in exc.value.message


def test_working_days_between(calendar):
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert calendar.working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5
    assert calendar.working_days_between(D(2026, 11, 23), D(2026, 11, 23)) == 0


def test_count_must_be_positive(calendar):
    with pytest.raises(ValueError):
        calendar.working_days_after(D(2026, 11, 23), 0)
