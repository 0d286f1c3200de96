"""统计: charts of the year's figures within the user's scope (applications and certificates
per month and district, review deadlines met, fast-track units, write-off rate), drawn by
the vendored Apache ECharts (app/static/vendor/echarts, no CDN); each bar or slice opens the
list it counts; the figures download as .xlsx."""
from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

from flask import g, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access

from app import clock
from app.reports.statistics import XLSX_MIMETYPE, render_statistics_xlsx
from app.scope import bureau_scope
from app.security_model import Access
from app.services.statistics import statistics_rows, year_statistics

YEARS = range(2000, 2101)


def _list_url(endpoint: str, **filters) -> str:
    return url_for(endpoint) + ("?" + urlencode(filters) if filters else "")


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    after = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, after


def chart_data(stats) -> dict:
    """What the page's script draws, with the list each bar or slice opens."""
    year = stats.year
    month_apps, month_certs = [], []
    for m in range(1, 13):
        first, after = _month_bounds(year, m)
        before = first - dt.timedelta(days=1)
        month_apps.append(_list_url("ApplicationView.list", **{
            "_flt_1_submitted_at": f"{before:%Y-%m-%d} 23:59:59",
            "_flt_2_submitted_at": f"{after:%Y-%m-%d} 00:00:00"}))
        month_certs.append(_list_url("CertificateView.list", **{
            "_flt_1_issued_on": f"{before:%Y-%m-%d}", "_flt_2_issued_on": f"{after:%Y-%m-%d}"}))
    districts = stats.districts
    return {
        "year": year,
        "months": stats.months,
        "applicationsByMonth": stats.applications_by_month,
        "certificatesByMonth": stats.certificates_by_month,
        "monthLinks": {"applications": month_apps, "certificates": month_certs},
        "districts": [d.name for d in districts],
        "applicationsByDistrict": [d.applications for d in districts],
        "certificatesByDistrict": [d.certificates for d in districts],
        "fastTrackByDistrict": [d.fast_track_units for d in districts],
        "writeOffRate": [d.write_off_rate for d in districts],
        "districtLinks": {
            "applications": [_list_url("ApplicationView.list", _flt_0_bureau=d.bureau_id)
                             for d in districts],
            "certificates": [_list_url("ApplicationView.list", _flt_0_bureau=d.bureau_id,
                                       _flt_0_state="issued") for d in districts],
            "fastTrack": [_list_url("FastTrackGrantView.list", _flt_0_state="active")
                          for _d in districts],
            "writeOff": [_list_url("CertificateView.list", _flt_0_state="written_off")
                         for _d in districts],
        },
        "deadlines": [{"name": k, "value": v} for k, v in stats.deadlines.items()],
        "deadlineLink": _list_url("ApplicationView.list"),
    }


class StatisticsView(BaseView):
    route_base = "/statistics"
    default_view = "show"
    access = Access()  # every role, each within its own scope

    def _year(self) -> int:
        year = request.args.get("year", type=int) or clock.today().year
        return year if year in YEARS else clock.today().year

    def _scope_name(self) -> str:
        if bureau_scope() is None:
            return "全省"
        bureau = getattr(g.user, "bureau", None)
        return bureau.name if bureau else ""

    @expose("/")
    @has_access
    def show(self):
        year = self._year()
        stats = year_statistics(year)
        this_year = clock.today().year
        return self.render_template(
            "console/statistics.html", title="统计", stats=stats, year=year,
            years=list(range(this_year, this_year - 6, -1)), charts=chart_data(stats),
            scope_name=self._scope_name())

    @expose("/download")
    @has_access
    def download(self):
        year = self._year()
        stats = year_statistics(year)
        labels, rows = statistics_rows(stats)
        title = f"CCC免办{year}年度统计"
        content = render_statistics_xlsx(title, self._scope_name(),
                                         f"{clock.today():%Y-%m-%d}", stats, labels, rows)
        return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{title}_{clock.today():%Y%m%d}.xlsx")
