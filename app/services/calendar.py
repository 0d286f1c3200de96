"""The working calendar as stored in the database (seeded from ``chinese_calendar``,
maintained by the provincial admin for the years it does not know yet)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select

from app import clock, policy
from app.domain.workdays import CalendarUnknown, WorkingCalendar
from app.enums import CalendarDayKind
from app.extensions import db
from app.meta import Attention
from app.models import CalendarDay, CalendarYear

# chinese_calendar's holiday names, in Chinese
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def load_calendar() -> WorkingCalendar:
    """The calendar from the database, read once per request."""
    if has_request_context() and "working_calendar" in g:
        return g.working_calendar
    years = db.session.scalars(select(CalendarYear.year).where(CalendarYear.complete)).all()
    # plain columns, not ORM objects: every page with a deadline reads the whole table
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind))
    days = {day: kind.is_workday for day, kind in rows}
    calendar = WorkingCalendar(years, days)
    if has_request_context():
        g.working_calendar = calendar
    return calendar


def sync_from_library() -> int:
    """Record every year ``chinese_calendar`` knows and we do not have yet. Years entered by
    the provincial admin are left as they are. Returns the number of years added."""
    import chinese_calendar
    from chinese_calendar import constants

    have = set(db.session.scalars(select(CalendarYear.year)))
    by_year: dict[int, list[CalendarDay]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append(CalendarDay(
            day=day, kind=CalendarDayKind.holiday, name=HOLIDAY_NAMES.get(name, name)))
    for day, name in constants.workdays.items():
        by_year.setdefault(day.year, []).append(CalendarDay(
            day=day, kind=CalendarDayKind.adjusted_workday,
            name=f"{HOLIDAY_NAMES.get(name, name)}调休上班"))
    added = 0
    source = f"chinese_calendar {chinese_calendar.__version__}（国务院办公厅节假日安排）"
    for year in sorted(by_year):
        if year in have:
            continue
        db.session.add(CalendarYear(year=year, complete=True, source=source))
        db.session.add_all(by_year[year])
        added += 1
    db.session.flush()
    return added


@dataclass(frozen=True)
class Deadline:
    """A due date in working days, and what a list says about it."""

    due: dt.date | None
    days_left: int | None = None  # working days from today while open; None if uncountable
    unknown_reason: str | None = None  # why ``due`` is None (a year missing from the calendar)
    done: bool = False
    late: bool = False  # done after ``due``, or still open past it

    def status_text(self, action: str) -> str:
        """E.g. ``action="办结"``: "11月27日前，剩4个工作日", "已逾期2个工作日（应于11月20日前办结）",
        "已按时办结（11月20日前）", "超期办结（应于11月20日前）". Pressing ones are ``Attention``."""
        if self.due is None:
            return self.unknown_reason or ""
        due = f"{self.due:%m月%d日}"
        if self.done:
            return Attention(f"超期{action}（应于{due}前）", "warning") if self.late \
                else f"已按时{action}（{due}前）"
        if self.late:
            behind = f"{-self.days_left}个工作日" if self.days_left else ""  # 0 on a weekend
            return Attention(f"已逾期{behind}（应于{due}前{action}）")
        if self.days_left is None:  # today's year is not in the calendar yet
            return f"{due}前"
        text = f"{due}前，剩{self.days_left}个工作日"
        pressing = self.days_left <= policy.profile().deadline_pressing_working_days
        return Attention(text, "warning") if pressing else text


def deadline_memo() -> dict:
    """Due dates already worked out in this request (a list or an export asks for the same
    dates again and again)."""
    return g.setdefault("deadline_memo", {}) if has_request_context() else {}


def deadline_after(start: dt.date | None, working_days: int, done: bool = False,
                   finished_on: dt.date | None = None, *,
                   calendar: WorkingCalendar | None = None,
                   memo: dict | None = None) -> Deadline | None:
    """The due date ``working_days`` after ``start`` (the start day not counted). Open work
    counts the working days left from today; ``done`` work is late if ``finished_on`` > due.
    A caller asking for many (the list export) passes the calendar and the memo once."""
    if start is None:
        return None
    if calendar is None:
        calendar = load_calendar()
    # each due date and each count of days left is worked out once per request
    if memo is None:
        memo = deadline_memo()
    key = (start, working_days)
    due = memo.get(key)
    if due is None:
        try:
            due = calendar.working_days_after(start, working_days)
        except CalendarUnknown as exc:
            due = exc
        memo[key] = due
    if isinstance(due, CalendarUnknown):
        return Deadline(None, unknown_reason=due.message)
    if done:
        return Deadline(due, done=True, late=finished_on is not None and finished_on > due)
    today = clock.today()
    left_key = ("left", today, due)
    if left_key not in memo:
        try:
            memo[left_key] = calendar.working_days_between(today, due)
        except CalendarUnknown:  # today is past the known years: the date alone tells lateness
            memo[left_key] = None
    return Deadline(due, memo[left_key], late=today > due)


def missing_next_year_warning(today: dt.date | None = None) -> str | None:
    """From November on, warn when next year's schedule is not yet recorded."""
    today = today or clock.today()
    if today.month < policy.CALENDAR_WARNING_FROM_MONTH:
        return None
    year = today.year + 1
    if db.session.scalar(select(CalendarYear.complete).where(CalendarYear.year == year)):
        return None
    return (f"{year}年的法定节假日安排尚未录入工作日历：国务院办公厅通常在11月发布次年安排，"
            f"发布后请省级管理员在“系统管理 → 工作日历”中录入，否则{year}年的审核期限将无法计算。")
