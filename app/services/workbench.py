"""The 工作台 (home page): what this user must do, soonest first.

Each line is one record waiting for the user's role, with its due date, the days left and a
link to the record. Due-soon colouring follows the profile's
``deadline_pressing_working_days`` (working days), overdue lines are red. The numbers on
the menu entries come from the same lines (``menu_counts``)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock, policy
from app.domain.workdays import CalendarUnknown
from app.enums import (
    APPLICATION_IN_REVIEW,
    CERTIFICATE_IN_FORCE,
    AccountChangeState,
    AnnualReportState,
    CertificateRequestState,
    FastTrackState,
    InspectionState,
    LetterState,
)
from app.extensions import db
from app.models import (
    AccountChangeRequest,
    AnnualAccountReport,
    Application,
    AssistanceLetter,
    Certificate,
    CertificateRequest,
    FastTrackGrant,
    Inspection,
)
from app.scope import bureau_scope, role_of, scope_clause
from app.security_model import Role
from app.services import accounts as account_rules
from app.services import applications as application_rules
from app.services.annual_reports import due_date as annual_due_date
from app.services.annual_reports import status_board
from app.services.calendar import load_calendar
from app.services.supervision import reply_due

#: Lines of one kind shown at most (the rest are reached through the list's link)
LINES_PER_KIND = 50
#: The yearly report shows on a district's 工作台 from this month on (seed 003 §四: 11月30日)
ANNUAL_REPORT_FROM_MONTH = 11


@dataclasses.dataclass
class Line:
    kind: str  # what kind of record: 免办申请, 账号使用人年报 ...
    menu: str | None  # the view whose menu entry counts it
    action: str  # what the user does next: 审核发证, 报送 ...
    record: str  # the record as people name it
    endpoint: str  # where the link goes (a view's endpoint)
    params: dict
    due: dt.date | None
    days_text: str = ""
    level: str = ""  # "" | "warning" (due soon) | "danger" (overdue)
    note: str = ""

    @property
    def sort_key(self):
        return (self.due or dt.date.max, self.kind, self.record)


@dataclasses.dataclass
class Workbench:
    today: dt.date
    role: Role | None
    lines: list[Line]
    notices: list = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            if line.menu:
                out[line.menu] = out.get(line.menu, 0) + 1
        return out


def days_left(due: dt.date | None, today: dt.date, working: bool = False) -> tuple[str, str]:
    """("剩3天" / "今天到期" / "已逾期2天", colour level) for a due date. ``working`` counts
    working days in the text; the colour always comes from working days left (policy)."""
    if due is None:
        return "", ""
    pressing = policy.profile().deadline_pressing_working_days
    if due < today:
        late = (today - due).days
        if working:
            try:
                late = load_calendar().working_days_between(due, today)
            except CalendarUnknown:
                working = False
        return f"已逾期{late}{'个工作日' if working else '天'}", "danger"
    if due == today:
        return "今天到期", "warning"
    try:
        left_working = load_calendar().working_days_between(today, due)
    except CalendarUnknown:
        left_working = None
    calendar_days = (due - today).days
    if working and left_working is not None:
        text = f"剩{left_working}个工作日"
    else:
        text = f"剩{calendar_days}天"
    soon = (left_working if left_working is not None else calendar_days) <= pressing
    return text, "warning" if soon else ""


def _line(kind, menu, action, record, endpoint, pk, due, today, working=False, note="",
          **params) -> Line:
    text, level = days_left(due, today, working)
    return Line(kind, menu, action, str(record), endpoint, {"pk": pk, **params} if pk else params,
                due, text, level, note)


#: Relations each kind of line reads (loaded with the rows: no query per line)
_LOADS = {
    "Application": ("enterprise",), "FastTrackGrant": ("enterprise",),
    "Inspection": ("enterprise", "plan"), "CertificateRequest": ("certificate",),
    "AccountChangeRequest": ("account",), "AnnualAccountReport": ("bureau",),
}


def _rows(model, scope, *conditions, order=None):
    stmt = select(model).where(scope_clause(model, scope), *conditions)
    loads = _LOADS.get(model.__name__, ())
    if loads:
        stmt = stmt.options(*(joinedload(getattr(model, name)) for name in loads))
    if order is not None:
        stmt = stmt.order_by(order)
    return db.session.scalars(stmt.limit(LINES_PER_KIND)).all()


# --- what each role does -----------------------------------------------------------------

_APPLICATION_NEXT = {
    "submitted": "受理", "accepted": "初审", "first_reviewed": "复审", "second_reviewed": "发证"}


def _applications(scope, today) -> list[Line]:
    lines = []
    for app in _rows(Application, scope, Application.state.in_(APPLICATION_IN_REVIEW),
                     order=Application.submitted_at):
        due = application_rules.approve_due(app)
        return_by = application_rules.return_due(app)
        note = f"如需退回，应于{return_by:%m月%d日}前退回" if return_by and return_by >= today else ""
        lines.append(_line("免办申请", "ApplicationView", _APPLICATION_NEXT[app.state.name],
                           f"{app.number} {app.enterprise.name}", "ApplicationView.show", app.id,
                           due, today, working=True, note=note))
    return lines


def _account_changes_to_file(scope, today) -> list[Line]:
    lines = []
    for req in _rows(AccountChangeRequest, scope, AccountChangeRequest.state.in_(
            [AccountChangeState.draft, AccountChangeState.returned]),
            order=AccountChangeRequest.staffing_changed_on):
        action = "修改后重新提交" if req.state is AccountChangeState.returned else "提交省局"
        lines.append(_line("账号调整需求", "AccountChangeRequestView", action, req,
                           "AccountChangeRequestView.show", req.id,
                           account_rules.report_due(req), today,
                           note="人员岗位调整后一周内报送"))
    return lines


def _account_changes_to_decide(scope, today) -> list[Line]:
    S = AccountChangeState
    actions = {S.submitted: "审核", S.approved: "报总局", S.forwarded: "登记生效"}
    lines = []
    for req in _rows(AccountChangeRequest, scope, AccountChangeRequest.state.in_(list(actions)),
                     order=AccountChangeRequest.submitted_at):
        deadline = account_rules.forward_deadline(req)
        due = deadline.due if deadline and req.state is not S.forwarded else None
        lines.append(_line("账号调整需求", "AccountChangeRequestView", actions[req.state], req,
                           "AccountChangeRequestView.show", req.id, due, today, working=True,
                           note="收到后5个工作日内报总局" if due else "待总局完成调整后登记"))
    return lines


def _annual_report_of_district(scope, today) -> list[Line]:
    """From 1 November the district's report for this year, until it is filed."""
    if today.month < ANNUAL_REPORT_FROM_MONTH or not scope:
        return []
    year = today.year
    due = annual_due_date(year)
    lines = []
    reports = {r.bureau_id: r for r in db.session.scalars(select(AnnualAccountReport).where(
        AnnualAccountReport.year == year, AnnualAccountReport.bureau_id.in_(sorted(scope))))}
    for row in status_board(year, scope):
        report = reports.get(row.bureau.id)
        if report is not None and report.state in (AnnualReportState.submitted,
                                                   AnnualReportState.confirmed):
            continue
        if report is None:
            lines.append(_line("账号使用人年报", "AnnualReportView", "新建并报送",
                               f"{row.bureau.name}{year}年度账号使用人信息汇总",
                               "AnnualReportView.add", None, due, today,
                               note=f"{clock.chinese_date(due)}前报送"))
        else:
            action = "修改后重新提交" if report.state is AnnualReportState.returned else "提交省局"
            lines.append(_line("账号使用人年报", "AnnualReportView", action, report,
                               "AnnualReportView.show", report.id, due, today,
                               note=f"{clock.chinese_date(due)}前报送"))
    return lines


def _annual_reports_for_province(today) -> list[Line]:
    lines = []
    for report in _rows(AnnualAccountReport, None,
                        AnnualAccountReport.state == AnnualReportState.submitted,
                        order=AnnualAccountReport.submitted_at):
        lines.append(_line("账号使用人年报", "AnnualReportView", "确认", report,
                           "AnnualReportView.show", report.id, None, today))
    if today.month >= ANNUAL_REPORT_FROM_MONTH:
        year = today.year
        missing = [row.bureau.short_name for row in status_board(year)
                   if row.report is None or row.report.state in (AnnualReportState.draft,
                                                                 AnnualReportState.returned)]
        if missing:
            lines.append(_line("账号使用人年报", None, "催报",
                               f"{year}年度尚未报送：{len(missing)}个单位",
                               "AnnualReportBoardView.board", None, annual_due_date(year), today,
                               note="、".join(missing[:20]) + ("等" if len(missing) > 20 else "")))
    return lines


def _certificate_requests(scope, today) -> list[Line]:
    lines = []
    for req in _rows(CertificateRequest, scope,
                     CertificateRequest.state == CertificateRequestState.pending,
                     order=CertificateRequest.requested_at):
        lines.append(_line("证明变更/作废/延期", "CertificateRequestView", f"审核{req.kind.label}",
                           f"{req.certificate.number}（{req.kind.label}）",
                           "CertificateView.show", req.certificate_id, None, today))
    return lines


def _certificates_due(scope, today) -> list[Line]:
    horizon = today + dt.timedelta(days=policy.profile().fast_track_expiry_warning_days)
    lines = []
    for cert in _rows(Certificate, scope, Certificate.state.in_(CERTIFICATE_IN_FORCE),
                      Certificate.supervision_deadline <= horizon,
                      order=Certificate.supervision_deadline):
        action = "核销" if cert.supervision_deadline < today else "跟进使用情况"
        lines.append(_line("免办证明", "CertificateView", action, cert.number,
                           "CertificateView.show", cert.id, cert.supervision_deadline, today,
                           note="监管期限"))
    return lines


def _grants(scope, today, role) -> list[Line]:
    horizon = today + dt.timedelta(days=policy.profile().fast_track_expiry_warning_days)
    lines = []
    for grant in _rows(FastTrackGrant, scope, FastTrackGrant.state == FastTrackState.active,
                       FastTrackGrant.valid_to <= horizon, order=FastTrackGrant.valid_to):
        lines.append(_line("便捷通道", "FastTrackGrantView",
                           "申请延用" if role is Role.district_officer else "跟进到期",
                           grant.enterprise.name, "FastTrackGrantView.show", grant.id,
                           grant.valid_to, today, note="有效期止"))
    waiting = {Role.district_officer: [FastTrackState.submitted],
               Role.province_reviewer: [FastTrackState.district_reviewed],
               Role.province_admin: [FastTrackState.approved, FastTrackState.forwarded]}
    actions = {FastTrackState.submitted: "区局初审",
               FastTrackState.district_reviewed: f"{policy.profile().province_bureau_short}审核",
               FastTrackState.approved: "报总局", FastTrackState.forwarded: "登记开通"}
    for grant in _rows(FastTrackGrant, scope, FastTrackGrant.state.in_(waiting.get(role, [])),
                       order=FastTrackGrant.id):
        lines.append(_line("便捷通道", "FastTrackGrantView", actions[grant.state],
                           grant.enterprise.name, "FastTrackGrantView.show", grant.id, None,
                           today))
    return lines


def _supervision(scope, today, role) -> list[Line]:
    S = InspectionState
    lines = []
    if role is Role.district_officer:
        for insp in _rows(Inspection, scope, Inspection.state == S.pending,
                          order=Inspection.id):
            year = insp.plan.year if insp.plan else today.year
            lines.append(_line("检查记录", "InspectionView", "现场检查", insp.enterprise.name,
                               "InspectionView.show", insp.id, dt.date(year, 12, 31), today,
                               note="年度计划内完成"))
        for insp in _rows(Inspection, scope, Inspection.state.in_([S.correcting, S.overdue]),
                          order=Inspection.correction_due):
            lines.append(_line("检查记录", "InspectionView", "复查整改", insp.enterprise.name,
                               "InspectionView.show", insp.id, insp.correction_due, today,
                               note="整改期限"))
    if role is Role.province_admin:
        for insp in _rows(Inspection, scope, Inspection.state == S.reported_city,
                          order=Inspection.id):
            lines.append(_line("检查记录", "InspectionView", "报总局", insp.enterprise.name,
                               "InspectionView.show", insp.id, None, today))
    if role in (Role.district_officer, Role.province_admin):
        for letter in _rows(AssistanceLetter, scope, AssistanceLetter.state.in_(
                [LetterState.sent, LetterState.received]), order=AssistanceLetter.sent_on):
            action = "答复来函" if letter.state is LetterState.received else "登记反馈"
            lines.append(_line("协查函", "AssistanceLetterView", action, letter,
                               "AssistanceLetterView.show", letter.id, reply_due(letter), today,
                               note="15日内反馈"))
    return lines


def workbench_for(user) -> Workbench:
    """The to-do lines of ``user``'s role within their scope, soonest first."""
    today = clock.today()
    role = role_of(user)
    scope = bureau_scope(user)
    lines: list[Line] = []
    if role is Role.district_officer:
        lines += _applications(scope, today)
        lines += _account_changes_to_file(scope, today)
        lines += _annual_report_of_district(scope, today)
        lines += _certificates_due(scope, today)
        lines += _grants(scope, today, role)
        lines += _supervision(scope, today, role)
    elif role is Role.province_reviewer:
        lines += _applications(scope, today)
        lines += _certificate_requests(scope, today)
        lines += _grants(scope, today, role)
    elif role is Role.province_admin:
        lines += _account_changes_to_decide(scope, today)
        lines += _annual_reports_for_province(today)
        lines += _grants(scope, today, role)
        lines += _supervision(scope, today, role)
    lines.sort(key=lambda line: line.sort_key)
    return Workbench(today, role, lines)
