"""The working-day calendar: years whose State Council schedule is recorded, and the
holidays and adjusted workdays of each (seeded from chinese_calendar; the provincial admin
adds a new year when it is published each November)."""
from __future__ import annotations

from app.models import CalendarDay, CalendarYear
from app.views.base import DomainModelView


class CalendarDayView(DomainModelView):
    model = CalendarDay
    import_kind = "calendar_day"
    list_columns = ["day", "kind", "name"]
    search_columns = ["day", "kind", "name"]
    show_columns = ["day", "kind", "name", "created_at"]
    add_columns = edit_columns = ["day", "kind", "name"]
    base_order = ("day", "desc")
    page_size = 50


class CalendarYearView(DomainModelView):
    model = CalendarYear
    list_columns = ["year", "complete", "source"]
    search_columns = ["year", "complete"]
    show_columns = ["year", "complete", "source", "remarks", "created_at", "updated_at"]
    add_columns = edit_columns = ["year", "complete", "source", "remarks"]
    base_order = ("year", "desc")
