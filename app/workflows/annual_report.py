"""账号使用人信息汇总表 (seed 003 §四, 附件2): every district reports the holders of all its
system accounts by 11月30日 each year; the province confirms or returns the report.

The report's lines are a snapshot of the district's accounts taken when it is created (and,
on request, refreshed while it is still a draft or returned) — later account changes never
rewrite a submitted report."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from statemachine import StateMachine
from statemachine.states import States

from app import clock, policy
from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import (
    AccountStatus,
    AnnualAccountReport,
    AnnualAccountReportLine,
    AnnualReportState,
    Bureau,
    BureauLevel,
    ReviewerAccount,
    functions_text,
)
from app.security_model import FILERS, PROVINCE_ADMINS
from app.services.bureau_tree import city_of, in_tree_order, tree_key
from app.workflows import Step, StepInput, Workflow

S = AnnualReportState


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
    """One report per district and year (409 when a second is attempted)."""
    if db.session.scalar(select(AnnualAccountReport.id).where(
            AnnualAccountReport.bureau_id == bureau_id, AnnualAccountReport.year == year)):
        raise RuleViolation(f"该单位{year}年度的账号使用人信息汇总表已经存在，不能重复创建；请在原表上修改。")


def create_report(bureau_id: int, year: int, filer_name: str, filer_department: str,
                  ) -> AnnualAccountReport:
    """A new report for one district-year, with its snapshot. A second one is refused (409)."""
    refuse_duplicate(bureau_id, year)
    report = AnnualAccountReport(bureau_id=bureau_id, year=year, filer_name=filer_name,
                                 filer_department=filer_department, state=S.draft)
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise RuleViolation(
            f"该单位{year}年度的账号使用人信息汇总表已经存在，不能重复创建；请在原表上修改。") from None
    snapshot_lines(report)
    return report


class AnnualReportMachine(StateMachine):
    _ = States.from_enum(AnnualReportState, initial=S.draft, final=S.confirmed,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, validators="has_lines") \
        | _.returned.to(_.submitted, validators="has_lines")
    confirm = _.submitted.to(_.confirmed)
    send_back = _.submitted.to(_.returned)
    refresh = _.draft.to.itself(internal=True) | _.returned.to.itself(internal=True)

    def has_lines(self, **_kwargs):
        """An empty table is only right for a district that really has no account in use."""
        if not self.model.lines and db.session.scalar(select(ReviewerAccount.id).where(
                ReviewerAccount.bureau_id == self.model.bureau_id,
                ReviewerAccount.status == AccountStatus.active).limit(1)):
            raise RuleViolation("汇总表没有账号使用人，但本单位有在用账号：请先“重新生成明细”。")

    def on_submit(self, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.filed_on = clock.today()
        self.model.return_reason = None

    def on_confirm(self, **_kwargs):
        self.model.confirmed_at = clock.now()

    def on_send_back(self, reason=None, **_kwargs):
        self.model.return_reason = reason

    def on_refresh(self, **_kwargs):
        snapshot_lines(self.model)


class AnnualReportWorkflow(Workflow):
    model = AnnualAccountReport
    machine = AnnualReportMachine
    steps = (
        Step("refresh", "重新生成明细", FILERS, style="default",
             confirm="按账号登记的当前情况重新生成明细？已填写的备注会保留。"),
        Step("submit", "提交省局", FILERS, confirm="确认提交本年度账号使用人信息汇总表？"),
        Step("confirm", "确认", PROVINCE_ADMINS, style="success"),
        Step("return", "退回", PROVINCE_ADMINS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea"),)),
    )


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
