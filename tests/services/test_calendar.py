"""The calendar as data: seeded from chinese_calendar, extended by the provincial admin,
refused where a year is missing, and announced from November when next year is missing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.domain.workdays import CalendarUnknown
from app.enums import CalendarDayKind
from app.extensions import db
from app.models import CalendarDay, CalendarYear
from app.services import calendar as cal


def test_library_years_are_seeded(app_ctx):
    years = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.complete)))
    assert {2019, 2024, 2025, 2026} <= years
    national_day = db.session.get(CalendarDay, dt.date(2026, 10, 1))
    assert national_day.kind is CalendarDayKind.holiday and national_day.name == "国庆节"
    assert db.session.get(CalendarDay, dt.date(2026, 10, 10)).is_workday is True
    # seeding again adds nothing
    before = db.session.scalar(select(func.count()).select_from(CalendarDay))
    assert cal.sync_from_library() == 0
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == before


@pytest.fixture()
def year_2031(app_ctx):
    """A year the library does not know, entered by hand as the admin would."""
    yield 2031
    db.session.rollback()
    db.session.query(CalendarDay).filter(CalendarDay.day.between(
        dt.date(2031, 1, 1), dt.date(2031, 12, 31))).delete()
    db.session.query(CalendarYear).filter(CalendarYear.year == 2031).delete()
    db.session.commit()


def test_a_year_entered_by_the_admin_counts_once_complete(app_ctx, client_as, year_2031):
    client = client_as("admin")
    assert client.post("/calendaryearview/add", data={
        "year": "2031", "source": "国务院办公厅关于2031年部分节假日安排的通知"}).status_code == 302
    for day, kind, name in [("2031-01-01", "holiday", "元旦"), ("2031-01-02", "holiday", "元旦"),
                            ("2031-01-04", "adjusted_workday", "元旦调休上班")]:
        assert client.post("/calendardayview/add", data={
            "day": day, "kind": kind, "name": name}).status_code == 302
    # not marked complete yet: deadlines in 2031 are refused
    with pytest.raises(CalendarUnknown):
        cal.load_calendar().working_days_after(dt.date(2030, 12, 31), 1)
    year = db.session.get(CalendarYear, 2031)
    year.complete = True
    db.session.commit()
    calendar = cal.load_calendar()
    # 1月1日–2日 off (Wed–Thu), 3日 Friday works, 4日 Saturday works (调休)
    assert calendar.working_days_after(dt.date(2030, 12, 31), 1) == dt.date(2031, 1, 3)
    assert calendar.working_days_after(dt.date(2030, 12, 31), 2) == dt.date(2031, 1, 4)
    assert calendar.working_days_after(dt.date(2030, 12, 31), 3) == dt.date(2031, 1, 6)


def test_deadline_in_an_unknown_year_says_so(app_ctx):
    deadline = cal.deadline_after(dt.date(2040, 3, 1), 5)
    assert deadline.due is None
    assert "2040年的法定节假日安排尚未录入" in deadline.unknown_reason


def test_warning_from_november_when_next_year_is_missing(app_ctx):
    assert cal.missing_next_year_warning(dt.date(2035, 10, 31)) is None
    warning = cal.missing_next_year_warning(dt.date(2035, 11, 1))
    assert "2036年的法定节假日安排尚未录入工作日历" in warning
    assert cal.missing_next_year_warning(dt.date(2025, 11, 20)) is None  # 2026 is known


def test_warning_stays_until_next_year_is_marked_complete(app_ctx, year_2031):
    db.session.add(CalendarYear(year=2031, complete=False, source="录入中"))
    db.session.commit()
    assert "2031年的法定节假日安排尚未录入" in cal.missing_next_year_warning(dt.date(2030, 11, 2))
    db.session.get(CalendarYear, 2031).complete = True
    db.session.commit()
    assert cal.missing_next_year_warning(dt.date(2030, 11, 2)) is None


def test_banner_on_every_page_in_november_without_next_year(app, client_as, monkeypatch):
    """Only for the role that can record the calendar (the provincial admin)."""
    from app import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2035, 11, 23))
    page = client_as("admin").get("/enterpriseview/list/").get_data(as_text=True)
    assert "2036年的法定节假日安排尚未录入工作日历" in page
    for user in ("auditor", "huangpu", "reviewer"):
        page = client_as(user).get("/enterpriseview/list/").get_data(as_text=True)
        assert "2036年的法定节假日安排尚未录入工作日历" not in page, user
