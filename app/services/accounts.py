"""The reviewer-account registry (seed 003 §三, 附件1): its history of function changes, what
a change request must say, its reporting limits, and what an effective request does to it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app import clock, meta, policy
from app.domain.errors import RecordInvalid, RuleViolation
from app.domain.rules import second_review_refusal
from app.enums import AccountChangeKind, AccountChangeState, AccountStatus, FunctionCode
from app.extensions import db
from app.meta import Attention
from app.models import (
    AccountChangeFiling,
    AccountChangeRequest,
    AccountFunction,
    AccountFunctionChange,
    ReviewerAccount,
)
from app.present import functions_text
from app.scope import current_user, signature_of
from app.services import records
from app.services.calendar import Deadline, deadline_after

SESSION_REQUEST_KEY = "account_change_request"


@event.listens_for(Session, "before_flush")
def _record_function_changes(session, _flush_context, _instances) -> None:
    """Whatever door changed an account's functions or status (the registry screen, the API,
    an effective change request), the account keeps a dated line of it."""
    request = session.info.get(SESSION_REQUEST_KEY)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, ReviewerAccount):
            continue
        state = sa_inspect(obj)
        functions = state.attrs.functions.history
        status = state.attrs.status.history
        if obj in session.new:
            before_text, changed = "无", True
        else:
            changed = functions.has_changes() or status.has_changes()
            if not changed:
                continue
            before = list(functions.unchanged or []) + list(functions.deleted or [])
            before_text = functions_text(before) if functions.has_changes() \
                else functions_text(obj.functions)
        after_text = functions_text(obj.functions)
        if obj not in session.new and before_text == after_text and not status.has_changes():
            continue
        session.add(AccountFunctionChange(
            account=obj, changed_at=clock.now(), functions_before=before_text,
            functions_after=after_text, status_after=obj.status or AccountStatus.active,
            change_request=request if isinstance(request, AccountChangeRequest) else None,
            changed_by=signature_of(current_user())))


def tags(codes) -> list[AccountFunction]:
    wanted = [c if isinstance(c, FunctionCode) else c.code for c in codes]
    rows = {t.code: t for t in db.session.scalars(select(AccountFunction))}
    return [rows[c] for c in FunctionCode if c in wanted]


def codes_of(functions) -> set[FunctionCode]:
    return {f.code for f in functions or []}


def request_refusal(req: AccountChangeRequest) -> str | None:
    """Is the request complete and coherent for its kind? (the condition of submitting it).
    An adjustment whose 原账号功能 is left blank starts from what the registry says."""
    account = req.account
    before_tags = req.functions_before or (account.functions if account is not None else [])
    before, after = codes_of(before_tags), codes_of(req.functions_after)
    kind = req.kind
    if kind is AccountChangeKind.open:
        if not req.account_name:
            return "开通账号须填写申请开通的账号名称。"
        if not after:
            return "开通账号须选择账号功能。"
        if db.session.scalar(select(ReviewerAccount.id).where(
                ReviewerAccount.account_name == req.account_name)):
            return f"账号名称“{req.account_name}”已在账号登记中，不能重复开通。"
    else:
        if account is None:
            return f"{kind.label}须选择要调整的账号。"
        if account.bureau_id != req.bureau_id:
            return "只能调整本单位的账号。"
        if account.status is not AccountStatus.active:
            return f"账号“{account.account_name}”已注销，不能再{kind.label}。"
        if kind is AccountChangeKind.close and after:
            return "注销账号时“当前账号功能”应为空（无）。"
        # Seed 003 附件1's own rows mix both ways (初审 → 复审、监管 is 增加功能): the kind names
        # the direction that matters, so each needs at least one function in that direction.
        if kind is AccountChangeKind.add_functions and not (after - before):
            return "增加功能：调整后的功能应至少增加一项原来没有的功能。"
        if kind is AccountChangeKind.remove_functions and not (before - after and after):
            return "减少功能：应至少去掉一项原有功能，且调整后不能为空；全部去掉请选择“注销”。"
    return second_review_refusal(after, req.section_chief_or_above)


def fill_from_account(req: AccountChangeRequest) -> None:
    """An adjustment of an existing account starts from what the registry says it has."""
    account = req.account
    if account is not None and req.kind is not AccountChangeKind.open:
        if not req.functions_before:
            req.functions_before = list(account.functions)
        req.account_name = req.account_name or account.account_name


def apply_to_registry(req: AccountChangeRequest) -> ReviewerAccount:
    """Make an approved and forwarded request effective in the registry (same transaction
    as the state change; the account's function-change history records it)."""
    db.session.info[SESSION_REQUEST_KEY] = req
    try:
        today = clock.today()
        if req.kind is AccountChangeKind.open:
            if db.session.scalar(select(ReviewerAccount.id).where(
                    ReviewerAccount.account_name == req.account_name)):
                raise RuleViolation(f"账号名称“{req.account_name}”已在账号登记中，不能重复开通。")
            account = ReviewerAccount(
                bureau_id=req.bureau_id, holder_name=req.holder_name, department=req.department,
                position=req.position, section_chief_or_above=req.section_chief_or_above,
                account_name=req.account_name, functions=list(req.functions_after),
                phone=req.phone, status=AccountStatus.active, opened_on=today,
                remarks=req.remarks)
            db.session.add(account)
            req.account = account
        else:
            account = req.account
            if account.status is not AccountStatus.active:
                raise RuleViolation(f"账号“{account.account_name}”已注销，调整需求无法生效。")
            if codes_of(account.functions) != codes_of(req.functions_before):
                raise RuleViolation(
                    f"账号“{account.account_name}”的当前功能（{functions_text(account.functions)}）"
                    f"与需求中的原账号功能（{functions_text(req.functions_before)}）不一致，"
                    "请退回区局按最新情况重新填报。")
            if req.kind is AccountChangeKind.close:
                account.functions = []
                account.status = AccountStatus.closed
                account.closed_on = today
            else:
                account.functions = list(req.functions_after)
        db.session.flush()
        return account
    finally:
        db.session.info.pop(SESSION_REQUEST_KEY, None)


# --- reporting limits (seed 003 §三) -------------------------------------------------------

def report_due(req: AccountChangeRequest) -> dt.date:
    """The district reports within one week of the staffing change."""
    return req.staffing_changed_on + dt.timedelta(days=policy.profile().account_change_report_days)


def reported_late(req: AccountChangeRequest) -> bool:
    reported = req.submitted_at.date() if req.submitted_at else clock.today()
    return reported > report_due(req)


def forward_deadline(req: AccountChangeRequest) -> Deadline | None:
    """The province forwards within five working days of receiving it."""
    if req.submitted_at is None or req.state is AccountChangeState.returned:
        return None
    forwarded = req.forwarded_at.date() if req.forwarded_at else None
    return deadline_after(req.submitted_at.date(),
                          policy.profile().account_change_forward_working_days,
                          done=forwarded is not None, finished_on=forwarded)


@meta.derived(AccountChangeRequest, "report_status", "报送时限")
def report_status(req: AccountChangeRequest) -> str:
    """报送时限: one week after the staffing change (seed 003 §三)."""
    due = report_due(req)
    return Attention(f"逾期（应于{due:%m月%d日}前报送）") if reported_late(req) \
        else f"{due:%m月%d日}前"


@meta.derived(AccountChangeRequest, "forward_status", "报总局时限")
def forward_status(req: AccountChangeRequest) -> str:
    """报总局时限: five working days after the province received it."""
    deadline = forward_deadline(req)
    return deadline.status_text("报总局") if deadline else ""


def other_open_requests(req: AccountChangeRequest) -> list[AccountChangeRequest]:
    """Other requests on the same account (or, to open one, the same account name) not yet
    in force nor returned: a second one is usually a duplicate."""
    S = AccountChangeState
    condition = (AccountChangeRequest.account_id == req.account_id) if req.account_id \
        else (AccountChangeRequest.account_name == req.account_name) if req.account_name \
        else None
    if condition is None:
        return []
    return list(db.session.scalars(select(AccountChangeRequest).where(
        condition, AccountChangeRequest.id != req.id,
        AccountChangeRequest.state.in_([S.submitted, S.approved, S.forwarded]))
        .order_by(AccountChangeRequest.id)))


def second_request_caution(req: AccountChangeRequest) -> str | None:
    """Flagged when filed: another open request on the same account."""
    others = other_open_requests(req)
    if not others:
        return None
    name = req.account.account_name if req.account is not None else req.account_name
    listed = "、".join(f"#{o.id}{o.kind.label}（{o.state.label}）" for o in others)
    return (f"注意：账号“{name}”已有未办结的调整需求：{listed}。请核对是否重复报送；"
            "如为重复，请联系省局退回其中一项。")


def forward_filing_refusal(req: AccountChangeRequest, make_filing: bool) -> str | None:
    """报总局 goes with a 账号调整需求信息报表 (附件1): the request must be in one, or the
    province makes one for it at this step."""
    if req.filing_id is None and req.filing is None and not make_filing:
        return ("该调整需求尚未编入账号调整需求信息报表（附件1），不能报总局：请在列表中勾选"
                "需求“合并为一份报表”，或在报总局时勾选“同时生成报表”。")
    return None


def file_alone(req: AccountChangeRequest) -> AccountChangeFiling:
    """A 报表 of this one request (made by the province at the 报总局 step)."""
    today = clock.today()
    filing = AccountChangeFiling(bureau_id=req.bureau_id, filed_on=today,
                                 title=f"{clock.chinese_date(today)}账号调整需求")
    db.session.add(filing)
    req.filing = filing
    db.session.flush()
    return filing


# --- filing several requests as one 账号调整需求信息报表 ---------------------------------------

def filing_refusal(requests: list[AccountChangeRequest]) -> str | None:
    """Requests of one bureau, not yet in a filing, not already effective."""
    if not requests:
        return "请先勾选要合并的调整需求。"
    if len({r.bureau_id for r in requests}) != 1:
        return "只能合并同一单位的调整需求。"
    already = [r for r in requests if r.filing_id is not None]
    if already:
        return "以下需求已在其他报表中：" + "、".join(r.holder_name for r in already)
    closed = [r for r in requests if r.state is AccountChangeState.effective]
    if closed:
        return "已生效的需求不能再编入报表：" + "、".join(r.holder_name for r in closed)
    return None


# --- password changes (seed 003 §三 "做好登录账号和密码的妥善保管，定期更新密码") -------------

def password_due(account: ReviewerAccount, today: dt.date | None = None) -> dt.date | None:
    """The day by which an account in use should have its password changed again."""
    if account.password_changed_on is None:
        return None
    return account.password_changed_on + dt.timedelta(
        days=policy.profile().password_change_reminder_days)


@meta.derived(ReviewerAccount, "password_reminder", "密码更新提醒")
def password_reminder(account: ReviewerAccount, today: dt.date | None = None) -> str:
    if account.status is not AccountStatus.active:
        return ""
    today = today or clock.today()
    if account.password_changed_on is None:
        return "未登记修改密码日期"
    days = (today - account.password_changed_on).days
    if today > password_due(account):
        return f"已{days}天未更新密码，请提醒使用人更新"
    return ""


@records.on_save(ReviewerAccount, creating=True, updating=True)
def _password_date_not_in_future(account: ReviewerAccount) -> None:
    if account.password_changed_on is not None and account.password_changed_on > clock.today():
        raise RecordInvalid({"password_changed_on": [
            f"修改密码日期不能晚于今天（{clock.today():%Y-%m-%d}）。"]})
