"""免办申请 (seeds 001, 002 §1, 004 §2.1–2.2): what a submission needs, the review deadlines
(issue within 5 working days of submission, return within 2; the submission day not
counted) and the number a new application gets."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app import meta, policy
from app.domain.errors import RecordInvalid
from app.domain.validators import check_fields, check_record
from app.domain.workdays import CalendarUnknown
from app.enums import APPLICATION_IN_REVIEW, ApplicationState
from app.models import Application, Product
from app.services import records
from app.services.calendar import Deadline, deadline_after, load_calendar
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


def stored_approve_due(application: Application) -> dt.date | None:
    """The 办结 due date kept on the row (``approve_due_on``): 5 working days after the
    submission date, whatever the state (the 审核时限 sort reads it for work in review)."""
    if application.submitted_at is None or application.state is ApplicationState.draft:
        return None
    deadline = deadline_after(application.submitted_at.date(),
                              policy.profile().approve_within_working_days, done=True)
    return deadline.due if deadline else None


@event.listens_for(Session, "before_flush")
def _keep_due_dates(session, _context, _instances) -> None:
    """A new or (re)submitted application gets its stored due date in the same flush."""
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Application):
            continue
        state = sa_inspect(obj)
        if obj in session.new or state.attrs.submitted_at.history.has_changes() \
                or state.attrs.state.history.has_changes() or obj.approve_due_on is None:
            with session.no_autoflush:
                due = stored_approve_due(obj)
            if obj.approve_due_on != due:
                obj.approve_due_on = due


def refresh_due_dates(only_open: bool = True, batch: int = 2000) -> int:
    """Recompute stored due dates (after the working calendar changed, or for rows loaded
    in bulk without them): applications in review, or all submitted ones. Returns how many
    changed; the caller commits."""
    from sqlalchemy import or_, select, update

    from app.extensions import db

    where = [Application.submitted_at.is_not(None)]
    if only_open:
        where.append(or_(Application.state.in_(APPLICATION_IN_REVIEW),
                         Application.approve_due_on.is_(None)))
    rows = db.session.execute(select(Application.id, Application.submitted_at,
                                     Application.state, Application.approve_due_on)
                              .where(*where)).all()
    changes = []
    days = policy.profile().approve_within_working_days
    calendar = load_calendar()  # once, not once per row
    for app_id, submitted, state, stored in rows:
        due = None
        if state is not ApplicationState.draft:
            try:
                due = calendar.working_days_after(submitted.date(), days)
            except CalendarUnknown:
                due = None
        if due != stored:
            changes.append({"b_id": app_id, "due": due})
    table = Application.__table__
    from sqlalchemy import bindparam

    stmt = update(table).where(table.c.id == bindparam("b_id")).values(
        approve_due_on=bindparam("due"))
    for start in range(0, len(changes), batch):
        db.session.connection().execute(stmt, changes[start:start + batch])
    return len(changes)


@meta.sorted_by(Application, "deadline_status")
def deadline_sort():
    """审核时限 sorts by the stored due date of the work still in review."""
    from sqlalchemy import case

    return case((Application.state.in_(APPLICATION_IN_REVIEW), Application.approve_due_on),
                else_=None)


@meta.derived(Application, "deadline_status", "审核时限")
def deadline_status(application: Application) -> str:
    """What a reviewer reads in the list: due date, working days left, overdue."""
    deadline = approve_deadline(application)
    return deadline.status_text("办结") if deadline else ""
