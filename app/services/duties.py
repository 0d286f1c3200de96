"""Separation of duties (seed 002 §4–6; seed 003): a console user acts in the national
system through their own registry account (``ConsoleUser.reviewer_account``), and a step that
the national system reserves for an account function — 复审, and the approval of certificate
changes, voids and extensions — needs a user whose linked 在用 account holds it, at a district
or at the province (seed 003's tables show districts holding 复审). 初审 and 复审 of one
application are never the same person. Every refusal says who may act."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.domain.errors import AccessDenied
from app.enums import AccountStatus, BureauLevel, FunctionCode
from app.extensions import db
from app.models import (
    AccountFunction,
    Application,
    Bureau,
    ConsoleUser,
    ReviewerAccount,
    reviewer_account_function,
)

#: how many names a refusal lists
NAMES_SHOWN = 5


def _function(code) -> FunctionCode:
    if isinstance(code, FunctionCode):
        return code
    if code in FunctionCode.__members__:
        return FunctionCode[code]
    return FunctionCode.from_label(code)  # '复审'


def user_holds_function(user, code) -> bool:
    """Does ``user``'s linked national-system account, 在用, hold function ``code`` (a
    ``FunctionCode``, its code or its label such as '复审')?"""
    account = getattr(user, "reviewer_account", None)
    if account is None or account.status is not AccountStatus.active:
        return False
    return _function(code) in {f.code for f in account.functions}


def holders_of(code, bureau_id: int | None = None) -> list[ConsoleUser]:
    """Active console users whose 在用 account holds ``code``: of ``bureau_id`` and of the
    province (any bureau when None)."""
    query = (select(ConsoleUser).join(ConsoleUser.reviewer_account)
             .join(reviewer_account_function,
                   reviewer_account_function.c.reviewer_account_id == ReviewerAccount.id)
             .join(AccountFunction,
                   AccountFunction.id == reviewer_account_function.c.account_function_id)
             .join(Bureau, Bureau.id == ReviewerAccount.bureau_id)
             .where(ConsoleUser.active.is_(True), ReviewerAccount.status == AccountStatus.active,
                    AccountFunction.code == _function(code)))
    if bureau_id is not None:
        query = query.where(or_(ReviewerAccount.bureau_id == bureau_id,
                                Bureau.level == BureauLevel.province))
    return list(db.session.scalars(query.order_by(ConsoleUser.username)).unique())


def _names(users, but=None) -> str:
    names = [u.signature for u in users if but is None or u.id != but][:NAMES_SHOWN]
    return "、".join(names) if names else "（暂无：请省局为相应人员关联持有该功能的国家系统账号）"


def function_refusal(user, code, bureau_id: int | None = None) -> str | None:
    """Why ``user`` may not act for function ``code``, naming who may; None if they may."""
    if user is None or user_holds_function(user, code):
        return None
    function = _function(code)
    account = getattr(user, "reviewer_account", None)
    if account is None:
        why = "您的控制台用户未关联国家系统账号"
    elif account.status is not AccountStatus.active:
        why = f"您关联的国家系统账号{account.account_name}已注销"
    else:
        why = f"您关联的国家系统账号{account.account_name}没有“{function.label}”功能"
    return (f"须由国家系统账号持有“{function.label}”功能的人员办理（区局或省局），{why}。"
            f"可办理的人员：{_names(holders_of(function, bureau_id))}。")


def refuse_unless_holds(user, code, bureau_id: int | None = None) -> None:
    refusal = function_refusal(user, code, bureau_id)
    if refusal:
        raise AccessDenied(refusal)


def refuse_unless_second_reviewer(user, bureau_id: int | None = None) -> None:
    """复审 and the approval of certificate changes, voids and extensions (seed 002 §4–6)."""
    refuse_unless_holds(user, FunctionCode.second_review, bureau_id)


def first_reviewer_id(application: Application) -> int | None:
    """Who passed the 初审 of the application's current round of review."""
    for review in reversed(application.reviews):
        if review.step == "first_review":
            return review.reviewer_id
        if review.step == "return":
            return None
    return None


def same_reviewer_refusal(application: Application, user) -> str | None:
    """初审 and 复审 of one application are never the same person."""
    first = first_reviewer_id(application)
    if user is None or first is None or first != user.id:
        return None
    others = _names(holders_of(FunctionCode.second_review, application.bureau_id), but=user.id)
    return (f"初审与复审不能为同一人：本申请由您（{user.signature}）初审，复审须由其他持有"
            f"“复审”功能账号的人员办理。可办理的人员：{others}。")


def reviewer_account_name(user) -> str | None:
    account = getattr(user, "reviewer_account", None)
    return account.account_name if account is not None else None

