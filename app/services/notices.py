"""Notices on a bureau's 工作台: the province reminds districts that have not filed."""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.enums import AnnualReportState
from app.extensions import db
from app.models import AnnualAccountReport, WorkbenchNotice
from app.scope import bureau_scope, role_of
from app.security_model import Role
from app.services.annual_reports import due_date, status_board

ANNUAL_REPORT_SETTLES = "annual_report:{year}"


def _filed_bureaus(year: int) -> set[int]:
    return set(db.session.scalars(select(AnnualAccountReport.bureau_id).where(
        AnnualAccountReport.year == year,
        AnnualAccountReport.state.in_([AnnualReportState.submitted,
                                       AnnualReportState.confirmed]))))


def unfiled_bureaus(year: int):
    """The reporting bureaus whose report for ``year`` is not filed (none, draft, returned)."""
    filed = _filed_bureaus(year)
    return [row.bureau for row in status_board(year) if row.bureau.id not in filed]


def annual_report_reminders(year: int, bureau_ids: list[int] | None, sender: str
                            ) -> list[WorkbenchNotice]:
    """One notice to each bureau (of ``bureau_ids``, default all) that has not filed."""
    due = clock.chinese_date(due_date(year))
    notices = []
    for bureau in unfiled_bureaus(year):
        if bureau_ids is not None and bureau.id not in bureau_ids:
            continue
        notice = WorkbenchNotice(
            bureau_id=bureau.id, title="催报提醒",
            text=f"{bureau.name}{year}年度账号使用人信息汇总表尚未报送，请于{due}前报送省局。",
            settles=ANNUAL_REPORT_SETTLES.format(year=year), sender=sender, sent_at=clock.now())
        db.session.add(notice)
        notices.append(notice)
    db.session.flush()
    return notices


def _settled(notice: WorkbenchNotice, filed_by_year: dict[int, set[int]]) -> bool:
    kind, _, arg = (notice.settles or "").partition(":")
    if kind == "annual_report" and arg.isdigit():
        year = int(arg)
        if year not in filed_by_year:
            filed_by_year[year] = _filed_bureaus(year)
        return notice.bureau_id in filed_by_year[year]
    return False


def notices_for(user) -> list[WorkbenchNotice]:
    """The unsettled notices to the district officer's bureaus, newest first (one per
    matter: the latest reminder)."""
    if role_of(user) is not Role.district_officer:
        return []
    scope = bureau_scope(user)
    if not scope:
        return []
    rows = db.session.scalars(select(WorkbenchNotice).where(
        WorkbenchNotice.bureau_id.in_(sorted(scope)))
        .order_by(WorkbenchNotice.sent_at.desc(), WorkbenchNotice.id.desc()).limit(50)).all()
    filed: dict[int, set[int]] = {}
    seen, out = set(), []
    for notice in rows:
        key = (notice.bureau_id, notice.settles or f"#{notice.id}")
        if key in seen or _settled(notice, filed):
            continue
        seen.add(key)
        out.append(notice)
    return out
