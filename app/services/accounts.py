"""The reviewer-account registry: its history of function changes, and what an effective
change request does to it (seed 003 §三)."""
from __future__ import annotations

from sqlalchemy import event, inspect as sa_inspect, select
from sqlalchemy.orm import Session

from app import clock
from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import (
    AccountChangeKind,
    AccountChangeRequest,
    AccountFunction,
    AccountFunctionChange,
    AccountStatus,
    FunctionCode,
    ReviewerAccount,
    functions_text,
    second_review_refusal,
)
from app.scope import current_user, signature_of

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


def check_request(req: AccountChangeRequest) -> None:
    """Is the request complete and coherent for its kind? (checked when it is submitted)"""
    before, after = codes_of(req.functions_before), codes_of(req.functions_after)
    kind = req.kind
    if kind is AccountChangeKind.open:
        if not req.account_name:
            raise RuleViolation("开通账号须填写申请开通的账号名称。")
        if not after:
            raise RuleViolation("开通账号须选择账号功能。")
        if db.session.scalar(select(ReviewerAccount.id).where(
                ReviewerAccount.account_name == req.account_name)):
            raise RuleViolation(f"账号名称“{req.account_name}”已在账号登记中，不能重复开通。")
    else:
        account = req.account
        if account is None:
            raise RuleViolation(f"{kind.label}须选择要调整的账号。")
        if account.bureau_id != req.bureau_id:
            raise RuleViolation("只能调整本单位的账号。")
        if account.status is not AccountStatus.active:
            raise RuleViolation(f"账号“{account.account_name}”已注销，不能再{kind.label}。")
        if kind is AccountChangeKind.close and after:
            raise RuleViolation("注销账号时“当前账号功能”应为空（无）。")
        # Seed 003 附件1's own rows mix both ways (初审 → 复审、监管 is 增加功能): the kind names
        # the direction that matters, so each needs at least one function in that direction.
        if kind is AccountChangeKind.add_functions and not (after - before):
            raise RuleViolation("增加功能：调整后的功能应至少增加一项原来没有的功能。")
        if kind is AccountChangeKind.remove_functions and not (before - after and after):
            raise RuleViolation("减少功能：应至少去掉一项原有功能，且调整后不能为空；全部去掉请选择“注销”。")
    refusal = second_review_refusal(after, req.section_chief_or_above)
    if refusal:
        raise RuleViolation(refusal)


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
