"""免办申请 (seeds 001, 002 §1, 004 §2.1–2.2): what a submission needs, the review deadlines
(issue within 5 working days of submission, return within 2; the submission day not
counted) and the number a new application gets."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app import clock, meta, policy
from app.domain import dossier
from app.domain.errors import RecordInvalid
from app.domain.validators import check_fields, check_record
from app.domain.workdays import CalendarUnknown
from app.enums import APPLICATION_IN_REVIEW, ApplicationState, AttachmentKind, ReviewVerdict
from app.extensions import db
from app.models import (
    DUE_SORT_LAST_ASC,
    DUE_SORT_LAST_DESC,
    Application,
    ApplicationReview,
    Enterprise,
    EvidenceFile,
    Product,
)
from app.present import check_mark
from app.scope import signature_of
from app.services import records
from app.services.calendar import Deadline, deadline_after, deadline_memo, load_calendar
from app.services.evidence import copy_evidence
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
    missing = missing_materials(application)
    if missing:
        return "申请材料不全，不能提交：缺少" + "、".join(f"“{k.label}”" for k in missing) + "（必传）。"
    return None


# --- materials (seed 001 所需材料; seed 004 §2.1.3) -------------------------------------------


def reusable_attachment(application: Application, kind: AttachmentKind) -> EvidenceFile | None:
    """The latest file of ``kind`` on another application of the same enterprise that was
    submitted (any state but 未提交), which this application may reuse (seed 004 §2.1.3-1:
    the 营业执照 is fetched from earlier ones). A draft lends nothing: it can still be deleted
    or changed, and a dossier must not rest on it."""
    if kind not in dossier.REUSABLE or application.enterprise_id is None:
        return None
    return db.session.scalar(
        select(EvidenceFile).join(Application, EvidenceFile.application_id == Application.id)
        .where(Application.enterprise_id == application.enterprise_id,
               Application.id != application.id, Application.state != ApplicationState.draft,
               EvidenceFile.kind == kind)
        .order_by(EvidenceFile.uploaded_at.desc(), EvidenceFile.id.desc()).limit(1))


def keep_reused_materials(application: Application) -> list[EvidenceFile]:
    """On submission, each reusable material the application borrows becomes its own: a copy
    of the lender's file (its own stored file, same content and SHA-256), so what was
    submitted stays in the dossier whatever later happens to the lender's records. Called by
    the 提交 step, after the completeness check."""
    attached = {f.kind for f in application.attachments}
    kept = []
    for material in dossier.materials_for(application.clause, application.research_detail,
                                          application.applicant_type):
        if material.kind in attached:
            continue
        lent = reusable_attachment(application, material.kind)
        if lent is not None:
            kept.append(copy_evidence(lent, application))
    return kept


def materials_table(application: Application) -> list[dict]:
    """The application's material list as the form shows it: each kind with its 必传 mark, the
    files attached and, for a reusable kind not attached here, the earlier file it reuses."""
    by_kind: dict[AttachmentKind, list[EvidenceFile]] = {}
    for f in application.attachments:
        by_kind.setdefault(f.kind, []).append(f)
    rows = []
    for material in dossier.materials_for(application.clause, application.research_detail,
                                          application.applicant_type):
        files = by_kind.get(material.kind, [])
        reused = None if files else reusable_attachment(application, material.kind)
        rows.append({"kind": material.kind, "required": material.required, "files": files,
                     "reused": reused})
    return rows


def _missing(required: list[AttachmentKind], attached, reusable_elsewhere) -> list[AttachmentKind]:
    """The rule, once (one application or a batch): a 必传 kind is missing unless attached
    here or — a reusable kind — attached to a submitted application of the same unit."""
    return [kind for kind in required if kind not in attached
            and not (kind in dossier.REUSABLE and reusable_elsewhere(kind))]


def _required(application_or_row) -> list[AttachmentKind]:
    r = application_or_row
    return [m.kind for m in dossier.materials_for(r.clause, r.research_detail, r.applicant_type)
            if m.required]


def missing_materials(application: Application) -> list[AttachmentKind]:
    """The 必传 materials not attached (nor reusable from a submitted application)."""
    return _missing(_required(application), {f.kind for f in application.attachments},
                    lambda kind: reusable_attachment(application, kind) is not None)


@meta.derived(Application, "missing_materials", "缺少的必传材料")
def missing_materials_text(application: Application) -> str:
    return "、".join(k.label for k in missing_materials(application))


@meta.derived_batch(Application, "missing_materials",
                    reads=("id", "enterprise_id", "clause", "research_detail", "applicant_type"))
def missing_materials_texts(rows, memo: dict | None = None) -> list[str]:
    """``missing_materials_text`` of many applications at once (the list export): the kinds
    of their own files, and which submitted applications of their units hold a reusable
    kind (``reusable_attachment``'s rule), read in two queries for the whole batch instead
    of several per application; the rule is ``_missing``, as for one application.

    ``memo`` (kept by the export from batch to batch): a unit's holders are read once per
    export, not once per batch it appears in."""
    memo = {} if memo is None else memo
    ids = [r.id for r in rows]
    own: dict[int, set] = {}
    for start in range(0, len(ids), 500):
        for app_id, kind in db.session.execute(
                select(EvidenceFile.application_id, EvidenceFile.kind)
                .where(EvidenceFile.application_id.in_(ids[start:start + 500]))):
            own.setdefault(app_id, set()).add(kind)
    read_units: set[int] = memo.setdefault("reusable_units", set())
    holders: dict[tuple, set[int]] = memo.setdefault("reusable_holders", {})
    units = sorted({r.enterprise_id for r in rows if r.enterprise_id is not None} - read_units)
    for start in range(0, len(units), 500):
        for unit, kind, app_id in db.session.execute(
                select(Application.enterprise_id, EvidenceFile.kind, EvidenceFile.application_id)
                .join(Application, EvidenceFile.application_id == Application.id)
                .where(Application.enterprise_id.in_(units[start:start + 500]),
                       Application.state != ApplicationState.draft,
                       EvidenceFile.kind.in_(dossier.REUSABLE)).distinct()):
            held = holders.setdefault((unit, kind), set())
            if len(held) < 2:  # two holders answer for any application: one is not it
                held.add(app_id)
    read_units.update(units)
    lists: dict[tuple, list] = memo.setdefault("required_kinds", {})
    said: dict[tuple, str] = memo.setdefault("missing_texts", {})  # each list of kinds read once
    texts = []
    for r in rows:
        key = (r.clause, r.research_detail, r.applicant_type)
        if key not in lists:
            lists[key] = _required(r)

        def elsewhere(kind, r=r) -> bool:
            return r.enterprise_id is not None and bool(
                holders.get((r.enterprise_id, kind), set()) - {r.id})

        missing = tuple(_missing(lists[key], own.get(r.id, ()), elsewhere))
        text = said.get(missing)
        if text is None:
            text = said[missing] = "、".join(k.label for k in missing)
        texts.append(text)
    return texts


# --- the recorded review (seed 001 流程3; seed 002 §2) -----------------------------------------

REVIEW_STEPS = {"accept": "受理", "first_review": "初审", "second_review": "复审", "return": "退回"}


def review_results(values: dict) -> dict[str, tuple[bool | None, str | None]]:
    """A step's check inputs (``check_<code>``: passed/failed, ``remark_<code>``) by check."""
    results = {}
    for check in dossier.REVIEW_CHECKS:
        verdict = values.get(f"check_{check.code}")
        ok = None if verdict is None else verdict == ReviewVerdict.passed.name
        results[check.code] = (ok, values.get(f"remark_{check.code}"))
    return results


def refuse_review(values: dict, passing: bool) -> None:
    """A passing step needs every check ✓, a return at least one ✗; each ✗ says why."""
    errors = dossier.review_refusal(review_results(values), passing)
    if errors:
        raise RecordInvalid(errors)


def record_review(application: Application, step: str, actor, values: dict) -> ApplicationReview:
    """Keep the review of ``step`` (its checks, who, when) and show it on the application."""
    results = review_results(values)
    checks = [{"code": c.code, "label": c.label, "ok": results[c.code][0],
               "remark": results[c.code][1]} for c in dossier.REVIEW_CHECKS]
    review = ApplicationReview(
        application=application, step=step, passed=step != "return", checks=checks,
        reviewer_id=getattr(actor, "id", None), reviewer=signature_of(actor) or "系统",
        reviewer_account=getattr(getattr(actor, "reviewer_account", None), "account_name", None),
        reviewed_at=clock.now())
    db.session.add(review)
    application.review_summary = review_text(review)
    return review


def review_text(review: ApplicationReview) -> str:
    """One review as a line of text (the application's page and its history)."""
    checks = "；".join(f"{check_mark(c['ok'], '—')}{c['label']}" + (f"（{c['remark']}）" if c.get("remark") else "")
                      for c in review.checks)
    account = f"，账号{review.reviewer_account}" if review.reviewer_account else ""
    return (f"{REVIEW_STEPS.get(review.step, review.step)}（{review.reviewer}{account}，"
            f"{review.reviewed_at:%Y-%m-%d %H:%M}）：{checks}")


@meta.derived(Application, "review_record", "审核记录")
def review_record(application: Application) -> str:
    return "\n".join(review_text(r) for r in application.reviews)


def issue_refusal(application: Application) -> str | None:
    """发证 needs the 复审 of this round recorded with every check ✓ — also for an application
    loaded from the national system as 已复审: its review is not on record here, and an
    import must not stand in for 复审 and its separation of duties (loaded records are kept
    as loaded; the national system issues their certificates, recorded by the certificate
    import with an application loaded as 已发证)."""
    for review in reversed(application.reviews):
        if review.step == "second_review":
            failed = [c["label"] for c in review.checks if c.get("ok") is not True]
            if failed:
                return "复审记录中有未核对为符合的项目，不能发证：" + "、".join(failed) + "。"
            return None
        if review.step == "return":
            break
    return "没有本轮复审的核对记录（每项均符合），不能发证：请先完成复审。"


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


#: what ``_deadline`` reads of an application (the list export computes it from a plain row)
_DEADLINE_READS = ("submitted_at", "state", "decided_at")


def _deadline(application: Application, working_days: int, **given) -> Deadline | None:
    if application.submitted_at is None or application.state is ApplicationState.draft:
        return None
    decided = application.decided_at.date() if application.decided_at else None
    return deadline_after(application.submitted_at.date(), working_days,
                          done=application.state not in APPLICATION_IN_REVIEW,
                          finished_on=decided, **given)


def _deadlines(rows, working_days: int, memo: dict | None = None) -> list[Deadline | None]:
    """``_deadline`` of many plain rows (the list export's batch): the calendar and the
    due-date memo read once, each distinct (submitted, state, decided) worked out once —
    once per export when the export passes its ``memo`` (kept from batch to batch, shared by
    发证期限, 退回期限 and 审核时限)."""
    memo = {} if memo is None else memo
    given = memo.get("deadline_inputs")
    if given is None:
        given = memo["deadline_inputs"] = {"calendar": load_calendar(), "memo": deadline_memo()}
    seen: dict[tuple, Deadline | None] = memo.setdefault(("deadlines", working_days), {})
    keys = memo.get("deadline_keys")
    if keys is None or keys[0] is not rows:  # the batch's keys, worked out once per batch
        keys = memo["deadline_keys"] = (rows, [
            (r.submitted_at.date() if r.submitted_at else None, id(r.state),
             r.decided_at.date() if r.decided_at else None)  # a state by identity: fast
            for r in rows])
    found = []
    for r, key in zip(rows, keys[1], strict=True):
        deadline = seen.get(key, seen)
        if deadline is seen:
            deadline = seen[key] = _deadline(r, working_days, **given)
        found.append(deadline)
    return found


def approve_deadline(application: Application) -> Deadline | None:
    """Issue within 5 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().approve_within_working_days)


def return_deadline(application: Application) -> Deadline | None:
    """Return within 2 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().return_within_working_days)


@meta.derived_batch(Application, "approve_due", reads=_DEADLINE_READS)
def approve_dues(rows, memo: dict | None = None) -> list[dt.date | None]:
    days = policy.profile().approve_within_working_days
    return [d.due if d else None for d in _deadlines(rows, days, memo)]


@meta.derived_batch(Application, "return_due", reads=_DEADLINE_READS)
def return_dues(rows, memo: dict | None = None) -> list[dt.date | None]:
    days = policy.profile().return_within_working_days
    return [d.due if d else None for d in _deadlines(rows, days, memo)]


@meta.derived_batch(Application, "deadline_status", reads=_DEADLINE_READS)
def deadline_statuses(rows, memo: dict | None = None) -> list[str]:
    days = policy.profile().approve_within_working_days
    texts: dict[Deadline, str] = {} if memo is None else memo.setdefault("deadline_texts", {})
    found = []
    for d in _deadlines(rows, days, memo):
        if d is None:
            found.append("")
            continue
        if d not in texts:
            texts[d] = d.status_text("办结")
        found.append(texts[d])
    return found


@meta.derived(Application, "approve_due", "发证期限", reads=_DEADLINE_READS)
def approve_due(application: Application) -> dt.date | None:
    deadline = approve_deadline(application)
    return deadline.due if deadline else None


@meta.derived(Application, "return_due", "退回期限", reads=_DEADLINE_READS)
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


def due_sort_keys(state, approve_due_on: dt.date | None) -> tuple[dt.date, dt.date]:
    """审核时限's stored sort keys (``due_sort_asc``, ``due_sort_desc``): the due date of work
    in review, else a date after / before every due date (undated rows last either way)."""
    if state in APPLICATION_IN_REVIEW and approve_due_on is not None:
        return approve_due_on, approve_due_on
    return DUE_SORT_LAST_ASC, DUE_SORT_LAST_DESC


def keep_due_dates(application: Application) -> None:
    """Set the stored due date and its sort keys of ``application`` (the bulk import, which
    inserts without the ORM's flush, calls this as the flush listener does)."""
    application.approve_due_on = stored_approve_due(application)
    _keep_sort_keys(application)


def _keep_sort_keys(application: Application) -> None:
    asc, desc = due_sort_keys(application.state, application.approve_due_on)
    if application.due_sort_asc != asc:
        application.due_sort_asc = asc
    if application.due_sort_desc != desc:
        application.due_sort_desc = desc


@event.listens_for(Session, "before_flush")
def _keep_due_dates(session, _context, _instances) -> None:
    """A new or (re)submitted application gets its stored due date in the same flush, and
    every new or changed one its 审核时限 sort keys."""
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
        _keep_sort_keys(obj)


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
                                     Application.state, Application.approve_due_on,
                                     Application.due_sort_asc, Application.due_sort_desc)
                              .where(*where)).all()
    changes = []
    days = policy.profile().approve_within_working_days
    calendar = load_calendar()  # once, not once per row
    for app_id, submitted, state, stored, stored_asc, stored_desc in rows:
        due = None
        if state is not ApplicationState.draft:
            try:
                due = calendar.working_days_after(submitted.date(), days)
            except CalendarUnknown:
                due = None
        asc, desc = due_sort_keys(state, due)
        if (due, asc, desc) != (stored, stored_asc, stored_desc):
            changes.append({"b_id": app_id, "due": due, "asc": asc, "desc": desc})
    table = Application.__table__
    from sqlalchemy import bindparam

    stmt = update(table).where(table.c.id == bindparam("b_id")).values(
        approve_due_on=bindparam("due"), due_sort_asc=bindparam("asc"),
        due_sort_desc=bindparam("desc"))
    for start in range(0, len(changes), batch):
        db.session.connection().execute(stmt, changes[start:start + batch])
    return len(changes)


@meta.sorted_by(Application, "deadline_status")
def deadline_sort(descending: bool) -> list:
    """审核时限 sorts by the stored due date of the work still in review (its stored sort
    key of that direction, so a district's page is one range of
    ``ix_application_bureau_due_asc`` / ``_desc``); ties newest first."""
    if descending:
        return [Application.due_sort_desc.desc(), Application.id.desc()]
    return [Application.due_sort_asc.asc(), Application.id.desc()]


@meta.derived(Application, "deadline_status", "审核时限", reads=_DEADLINE_READS)
def deadline_status(application: Application) -> str:
    """What a reviewer reads in the list: due date, working days left, overdue."""
    deadline = approve_deadline(application)
    return deadline.status_text("办结") if deadline else ""
