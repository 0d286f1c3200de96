"""线索 (seed 001 流程8): the on-site triggers besides the key-target rules — a failed random
check, an unreachable enterprise, a changed place of final use, complaints and leads — each
recorded with its source and date. A unit with a lead received in the draw's look-back window
is a key target of the draw (always included, marked 重点, the lead named as its reason)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock
from app.domain.errors import RecordInvalid
from app.extensions import db
from app.models import Certificate, Enterprise, SupervisionLead
from app.scope import bureau_scope, current_user, scope_clause, signature_of
from app.services import records


@records.on_save(SupervisionLead, creating=True, updating=True)
def _check_lead(lead: SupervisionLead) -> None:
    errors = {}
    if lead.received_on is not None and lead.received_on > clock.today():
        errors["received_on"] = [f"收到日期不能晚于今天（{clock.today():%Y-%m-%d}）。"]
    cert = lead.certificate or (db.session.get(Certificate, lead.certificate_id)
                                if lead.certificate_id else None)
    if cert is not None and lead.enterprise_id is not None \
            and cert.application.enterprise_id != lead.enterprise_id:
        errors["certificate_id"] = ["所选证明不属于该单位。"]
    if errors:
        raise RecordInvalid(errors)
    if lead.id is None and not lead.recorded_by:
        lead.recorded_by = signature_of(current_user())


def reason_text(lead: SupervisionLead) -> str:
    return f"线索：{lead.kind.label}（{lead.source}，{lead.received_on:%Y-%m-%d}）"


def leads_for_draw(bureau_id: int, start: dt.date, today: dt.date) -> list[SupervisionLead]:
    """Leads about the bureau's units received in the look-back window, oldest first."""
    return list(db.session.scalars(
        select(SupervisionLead).join(Enterprise, SupervisionLead.enterprise_id == Enterprise.id)
        .where(Enterprise.bureau_id == bureau_id, SupervisionLead.received_on >= start,
               SupervisionLead.received_on <= today)
        .order_by(SupervisionLead.received_on, SupervisionLead.id)))


def leads_in_scope(start: dt.date, today: dt.date, user="current") -> list[SupervisionLead]:
    """The leads the user may see, received from ``start`` to ``today``, newest first: the
    重点检查对象 board lists them beside the key-target certificates (the draw takes them too)."""
    return list(db.session.scalars(
        select(SupervisionLead)
        .where(scope_clause(SupervisionLead, bureau_scope(user)),
               SupervisionLead.received_on >= start, SupervisionLead.received_on <= today)
        .options(joinedload(SupervisionLead.enterprise).joinedload(Enterprise.bureau),
                 joinedload(SupervisionLead.certificate))
        .order_by(SupervisionLead.received_on.desc(), SupervisionLead.id.desc())))
