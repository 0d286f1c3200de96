"""免办申请 (seeds 001, 002 §1, 004 §2.1–2.2): what a submission needs, the review deadlines
(issue within 5 working days of submission, return within 2; the submission day not
counted) and the number a new application gets."""
from __future__ import annotations

import datetime as dt

from app import meta, policy
from app.domain.errors import RecordInvalid
from app.domain.validators import check_fields, check_record
from app.enums import APPLICATION_IN_REVIEW, ApplicationState
from app.extensions import db
from app.models import Application, Enterprise, Product
from app.services import records
from app.services.calendar import Deadline, deadline_after
from app.services.numbering import next_application_number


def incompleteness(application: Application) -> str | None:
    """What the national system insists on before it accepts a submission, or None."""
    if not application.products:
        return "申请中没有产品，请先添加产品后再提交。"
    values = {attr: getattr(application, attr) for attr in (
        "clause", "research_detail", "applicant_type", "bill_of_lading_no", "contract_no",
        "invoice_no")}
    try:
        check_record(meta.record_rules_of(Application), values)
        for product in application.products:
            check_fields(meta.validators_of(Product), {
                "hs_code": product.hs_code, "ccc_code": product.ccc_code,
                "quantity": product.quantity, "amount": product.amount})
    except RecordInvalid as exc:
        return "申请信息不完整，不能提交：" + exc.message
    return None


@records.on_save(Application)
def number_new_application(application: Application) -> None:
    """A new application gets the next number of its accepting bureau, unless it came with
    the national system's own."""
    if not application.number:
        application.number = next_application_number(application.bureau or application.bureau_id)


def registered_division(enterprise) -> str:
    """Where a unit is registered, as the 申请表 writes it ("上海市黄浦区"): its district
    bureau's name without the bureau's own words."""
    bureau = getattr(enterprise, "bureau", None)
    if bureau is None:
        return ""
    name = bureau.name
    for suffix in ("市场监督管理局", "市场监管局"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@records.on_save(Application, updating=True)
def default_applicant_location(application: Application) -> None:
    """申请单位所在地 left blank is the unit's registered division."""
    if not (application.applicant_location or "").strip():
        enterprise = application.enterprise
        if enterprise is None and application.enterprise_id:
            enterprise = db.session.get(Enterprise, application.enterprise_id)
        application.applicant_location = registered_division(enterprise)


def _deadline(application: Application, working_days: int) -> Deadline | None:
    if application.submitted_at is None or application.state is ApplicationState.draft:
        return None
    decided = application.decided_at.date() if application.decided_at else None
    return deadline_after(application.submitted_at.date(), working_days,
                          done=application.state not in APPLICATION_IN_REVIEW,
                          finished_on=decided)


def approve_deadline(application: Application) -> Deadline | None:
    """Issue within 5 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().approve_within_working_days)


def return_deadline(application: Application) -> Deadline | None:
    """Return within 2 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().return_within_working_days)


@meta.derived(Application, "approve_due", "发证期限")
def approve_due(application: Application) -> dt.date | None:
    deadline = approve_deadline(application)
    return deadline.due if deadline else None


@meta.derived(Application, "return_due", "退回期限")
def return_due(application: Application) -> dt.date | None:
    deadline = return_deadline(application)
    return deadline.due if deadline else None


@meta.derived(Application, "deadline_status", "审核时限")
def deadline_status(application: Application) -> str:
    """What a reviewer reads in the list: due date, working days left, overdue."""
    deadline = approve_deadline(application)
    return deadline.status_text("办结") if deadline else ""
