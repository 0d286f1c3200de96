"""账号使用人信息汇总表 (seed 003 §四, 附件2): every district reports the holders of all its
system accounts by 11月30日 each year; the province confirms or returns the report.

A report's lines are a snapshot of the district's accounts taken when it is created (and, on
request, refreshed while it is a draft or returned): later account changes never rewrite a
submitted report."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from app import clock, meta, policy
from app.domain.errors import RuleViolation
from app.domain.integrity import CONFLICT_MESSAGES
from app.enums import AccountStatus, AnnualReportState, BureauLevel
from app.extensions import db
from app.meta import Attention
from app.models import (
    AnnualAccountReport,
    AnnualAccountReportLine,
    Bureau,
    ReviewerAccount,
)
from app.present import functions_text
from app.services import records
from app.services.bureau_tree import city_of, in_tree_order, tree_key

S = AnnualReportState
DUPLICATE = CONFLICT_MESSAGES["uq_annual_account_report_bureau_year"]


def snapshot_lines(report: AnnualAccountReport) -> None:
    """Replace the report's lines with the district's accounts in use right now, keeping the
    remarks already typed for an account."""
    remarks = {line.account_id: line.remarks for line in report.lines if line.account_id}
    bureau = report.bureau or db.session.get(Bureau, report.bureau_id)
    accounts = db.session.scalars(
        select(ReviewerAccount).where(ReviewerAccount.bureau_id == bureau.id,
                                      ReviewerAccount.status == AccountStatus.active)
        .order_by(ReviewerAccount.id)).all()
    report.lines.clear()
    db.session.flush()
    for seq, acc in enumerate(accounts, start=1):
        report.lines.append(AnnualAccountReportLine(
            seq=seq, account_id=acc.id, bureau_name=bureau.name, holder_name=acc.holder_name,
            department_position=acc.department_position, account_name=acc.account_name,
            functions=functions_text(acc.functions), phone=acc.phone,
            remarks=remarks.get(acc.id)))


def refuse_duplicate(bureau_id: int, year: int) -> None:
    """One report per district and year (409; the unique key settles a race the same way)."""
    if db.session.scalar(select(AnnualAccountReport.id).where(
            AnnualAccountReport.bureau_id == bureau_id, AnnualAccountReport.year == year)):
        raise RuleViolation(DUPLICATE)


@records.on_save(AnnualAccountReport)
def open_report(report: AnnualAccountReport) -> None:
    """A new report for one district-year, with its snapshot saved in the same transaction."""
    refuse_duplicate(report.bureau.id if report.bureau else report.bureau_id, report.year)
    snapshot_lines(report)


def lines_missing(report: AnnualAccountReport) -> str | None:
    """An empty table is only right for a district that really has no account in use."""
    if not report.lines and db.session.scalar(select(ReviewerAccount.id).where(
            ReviewerAccount.bureau_id == report.bureau_id,
            ReviewerAccount.status == AccountStatus.active).limit(1)):
        return "汇总表没有账号使用人，但本单位有在用账号：请先“重新生成明细”。"
    return None


def due_date(year: int) -> dt.date:
    return policy.profile().annual_report_due(year)


def is_late(report: AnnualAccountReport | None, year: int, today: dt.date | None = None) -> bool:
    """Filed after 11月30日, or still not filed (or returned) once it has passed."""
    today = today or clock.today()
    due = due_date(year)
    if report is not None and report.submitted_at is not None \
            and report.state in (S.submitted, S.confirmed):
        return report.submitted_at.date() > due
    return today > due


@meta.derived(AnnualAccountReport, "due_status", "报送时限")
def due_status(report: AnnualAccountReport) -> str:
    """Due 11月30日 of its year (seed 003 §四)."""
    due_text = clock.chinese_date(due_date(report.year))
    return Attention(f"逾期（应于{due_text}前报送）") if is_late(report, report.year) \
        else f"{due_text}前"


@dataclasses.dataclass
class BoardRow:
    bureau: Bureau
    report: AnnualAccountReport | None
    status: str
    late: bool
    city: Bureau | None = None  # the 地市级 bureau whose group the row is in


def status_board(year: int, scope: frozenset[int] | None = None) -> list[BoardRow]:
    """Every reporting bureau (each city and county bureau) within ``scope`` (None: the
    whole province) with where its report for ``year`` stands, grouped by city."""
    query = select(Bureau).where(Bureau.level != BureauLevel.province)
    if scope is not None:
        query = query.where(Bureau.id.in_(sorted(scope)))
    bureaus = in_tree_order(db.session.scalars(query))
    reports = {r.bureau_id: r for r in db.session.scalars(
        select(AnnualAccountReport).where(AnnualAccountReport.year == year))}
    rows = []
    for bureau in bureaus:
        report = reports.get(bureau.id)
        status = report.state.label if report else "未填报"
        rows.append(BoardRow(bureau, report, status, is_late(report, year), city_of(bureau)))
    return rows


def rollup_reports(year: int, scope: frozenset[int] | None = None
                   ) -> list[AnnualAccountReport]:
    """The reports a roll-up is made of — submitted or confirmed ones within ``scope`` (None:
    the province; a city officer's: the city and its counties) — grouped by city, the city
    bureau's own report before its counties'."""
    query = select(AnnualAccountReport).join(Bureau).where(
        AnnualAccountReport.year == year,
        AnnualAccountReport.state.in_([S.submitted, S.confirmed]))
    if scope is not None:
        query = query.where(AnnualAccountReport.bureau_id.in_(sorted(scope)))
    return sorted(db.session.scalars(query), key=lambda r: tree_key(r.bureau))
