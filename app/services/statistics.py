"""统计: the year's figures of the user's scope — applications and certificates per month and
district, review deadlines met, fast-track units per district, write-off rate — for the
统计 page's charts and its .xlsx download. Every query is filtered by the user's scope."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from app import clock
from app.enums import APPLICATION_IN_REVIEW, ApplicationState, CertificateState, FastTrackState
from app.extensions import db
from app.models import Application, Bureau, Certificate, Enterprise, FastTrackGrant
from app.scope import bureau_scope, scope_clause
from app.services.applications import approve_deadline
from app.services.bureau_tree import in_tree_order, row_name, subtotal_name, with_subtotals

#: The four outcomes of the 发证期限 (approve within N working days of submission).
DEADLINE_OUTCOMES = ("按期办结", "逾期办结", "办理中（未超期）", "办理中（已超期）")


@dataclass
class DistrictFigures:
    bureau_id: int  # 0: a 小计 or 合计 row
    name: str
    applications: int = 0
    certificates: int = 0
    fast_track_units: int = 0
    written_off: int = 0
    write_off_due: int = 0  # certificates past their 监管期限 or written off (not voided)
    subtotal: bool = False  # a city's 小计 row (a province of cities)

    def add(self, other: DistrictFigures) -> DistrictFigures:
        self.applications += other.applications
        self.certificates += other.certificates
        self.fast_track_units += other.fast_track_units
        self.written_off += other.written_off
        self.write_off_due += other.write_off_due
        return self

    @property
    def write_off_rate(self) -> float | None:
        return round(100.0 * self.written_off / self.write_off_due, 1) if self.write_off_due \
            else None


@dataclass
class YearStatistics:
    year: int
    months: list[str]                       # "1月" .. "12月"
    applications_by_month: list[int]
    certificates_by_month: list[int]
    deadlines: dict[str, int]               # DEADLINE_OUTCOMES -> count
    #: one row per bureau with figures, in tree order (the charts)
    districts: list[DistrictFigures] = field(default_factory=list)
    #: the table: the bureaus' rows and, in a province of cities, each city's 小计 row
    rows: list[DistrictFigures] = field(default_factory=list)

    @property
    def totals(self) -> DistrictFigures:
        total = DistrictFigures(0, "合计")
        for d in self.districts:
            total.add(d)
        return total

    @property
    def deadline_rate(self) -> float | None:
        done = self.deadlines["按期办结"] + self.deadlines["逾期办结"]
        return round(100.0 * self.deadlines["按期办结"] / done, 1) if done else None


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


def year_statistics(year: int, user="current") -> YearStatistics:
    scope = bureau_scope(user)
    start, end = _year_bounds(year)
    today = clock.today()

    bureaus = {b.id: b for b in in_tree_order(db.session.scalars(
        select(Bureau).where(scope_clause(Bureau, scope))))}
    districts = {b.id: DistrictFigures(b.id, row_name(b)) for b in bureaus.values()}

    applications = db.session.scalars(
        select(Application).where(scope_clause(Application, scope),
                                  Application.submitted_at >= start,
                                  Application.submitted_at < end,
                                  Application.state != ApplicationState.draft)).all()
    by_month = Counter(a.submitted_at.month for a in applications)
    deadlines = dict.fromkeys(DEADLINE_OUTCOMES, 0)
    for a in applications:
        if a.bureau_id in districts:
            districts[a.bureau_id].applications += 1
        if a.state is ApplicationState.returned:
            continue  # a returned application is not judged against the 发证期限
        deadline = approve_deadline(a)
        if deadline is None or deadline.due is None:
            continue
        if a.state in APPLICATION_IN_REVIEW:
            deadlines["办理中（已超期）" if deadline.late else "办理中（未超期）"] += 1
        else:
            deadlines["逾期办结" if deadline.late else "按期办结"] += 1

    certificates = db.session.execute(
        select(Certificate.issued_on, Certificate.state, Certificate.supervision_deadline,
               Application.bureau_id).join(Certificate.application)
        .where(scope_clause(Certificate, scope), Certificate.issued_on >= start.date(),
               Certificate.issued_on < end.date())).all()
    cert_by_month = Counter(c.issued_on.month for c in certificates)
    for c in certificates:
        figures = districts.get(c.bureau_id)
        if figures is None:
            continue
        figures.certificates += 1
        if c.state is CertificateState.written_off:
            figures.written_off += 1
            figures.write_off_due += 1
        elif c.state is not CertificateState.voided and c.supervision_deadline < today:
            figures.write_off_due += 1

    for bureau_id, in db.session.execute(
            select(Enterprise.bureau_id).select_from(FastTrackGrant)
            .join(FastTrackGrant.enterprise)
            .where(FastTrackGrant.state == FastTrackState.active,
                   scope_clause(FastTrackGrant, scope))):
        if bureau_id in districts:
            districts[bureau_id].fast_track_units += 1

    shown = [d for d in districts.values()
             if d.applications or d.certificates or d.fast_track_units]

    def subtotal(city: Bureau, members: list[DistrictFigures]) -> DistrictFigures:
        row = DistrictFigures(0, subtotal_name(city), subtotal=True)
        for member in members:
            row.add(member)
        return row

    return YearStatistics(
        year=year, months=[f"{m}月" for m in range(1, 13)],
        applications_by_month=[by_month.get(m, 0) for m in range(1, 13)],
        certificates_by_month=[cert_by_month.get(m, 0) for m in range(1, 13)],
        deadlines=deadlines, districts=shown,
        rows=with_subtotals(shown, lambda d: bureaus[d.bureau_id], subtotal))


def statistics_rows(stats: YearStatistics) -> tuple[list[str], list[list[object]]]:
    """The .xlsx download: one line per district (in a province of cities, each city's
    bureaus and its 小计 line) and a 合计 line."""
    labels = ["区局", "免办申请（件）", "免办证明（份）", "便捷通道单位（家）",
              "已核销（份）", "应核销（份）", "核销率（%）"]
    rows: list[list[object]] = []
    for d in [*stats.rows, stats.totals]:
        rate = d.write_off_rate
        rows.append([d.name, d.applications, d.certificates, d.fast_track_units,
                     d.written_off, d.write_off_due, "" if rate is None else rate])
    return labels, rows
