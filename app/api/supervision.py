"""REST resources of 双随机 supervision (DESIGN §5): ``inspection_plan`` (steps ``draw`` with an
optional ``{"seed": "..."}`` and ``verify`` answering ``{"same": true|false}``; ``targets``),
``inspection`` (steps record / order_correction / recheck / report_city / report_samr /
open_case; its checklist points are ``inspection_answer``, its out-of-province rows
``inspection_remote_use``), ``assistance_letter`` (``reply_due`` derived)."""
from __future__ import annotations

from marshmallow import ValidationError, fields

from app.api.base import DomainModelApi, EvidenceDoor, evidence_list
from app.commands.checklists import open_for_recording
from app.fab import record_in_view
from app.models import (
    AssistanceLetter,
    Inspection,
    InspectionAnswer,
    InspectionPlan,
    RemoteUse,
)
from app.security_model import DISTRICT_OFFICERS, FILERS
from app.services import supervision  # (also installs the derived columns)
from app.workflows.supervision import (
    AssistanceLetterWorkflow,
    InspectionPlanWorkflow,
    InspectionWorkflow,
)


class UserIds(fields.Field):
    """Console users as a list of their ids (检查人员); who may inspect is checked by the
    inspection's rules (本局、监管账号、回避) when its result is recorded."""

    def _serialize(self, value, attr, obj, **kwargs):
        return [u.id for u in value or []]

    def _deserialize(self, value, attr, data, **kwargs):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import ConsoleUser

        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise ValidationError("应为检查人员的用户编号列表，如[3, 7]。")
        users = db.session.scalars(select(ConsoleUser).where(ConsoleUser.id.in_(value))).all()
        if len(users) != len(set(value)):
            raise ValidationError("检查人员不存在。")
        return sorted(users, key=lambda u: value.index(u.id))


def _targets(plan: InspectionPlan) -> list[dict]:
    return [{"seq": t.seq, "enterprise_id": t.enterprise_id, "kind": t.kind.name,
             "fast_track": t.fast_track, "reasons": t.reasons,
             "inspector_ids": [u.id for u in t.inspectors],
             "certificate_ids": [c.id for c in t.certificates],
             "inspection_id": t.inspection.id if t.inspection else None}
            for t in plan.targets]


class InspectionPlanApi(DomainModelApi):
    resource_name = "inspection_plan"
    model = InspectionPlan
    workflow = InspectionPlanWorkflow
    list_columns = ["id", "bureau_id", "year", "state", "ratio_percent", "batches_per_unit",
                    "seed", "drawn_at", "verified_same"]
    show_columns = ["id", "bureau_id", "year", "state", "provincial_plan", "ratio_percent",
                    "batches_per_unit", "period_start", "period_end", "published_at", "seed",
                    "drawn_at", "drawn_by", "targets", "draw_inputs", "verified_at",
                    "verified_by", "verified_same", "completed_at", "progress_text", "remarks"]
    add_columns = edit_columns = ["bureau_id", "year", "provincial_plan", "ratio_percent",
                                  "batches_per_unit", "period_start", "period_end", "remarks"]
    order_columns = ["id", "bureau_id", "year", "state"]
    search_columns = ["bureau_id", "year", "state"]
    api_fields = {"targets": fields.Function(_targets, dump_only=True),
                  "progress_text": fields.String(dump_only=True),
                  "draw_inputs": fields.Raw(dump_only=True)}

    def step_answer(self, name, item):
        return {"same": bool(item.verified_same)} if name == "verify" else {}


def _answers(inspection: Inspection) -> list[dict]:
    """Every point in the paper's order (laid out when the inspection is first opened: an
    ``id`` is null only where the reader could not lay them out, e.g. after the record)."""
    return [{"id": a.id, "point_code": a.point_code, "item": a.point.item,
             "content": a.point.content, "answer": a.answer.name if a.answer else None,
             "compliant": a.point.complies(a.answer.name) if a.answer else None,
             "description": a.description, "evidence": evidence_list(a.evidence)}
            for a in supervision.answers_of(inspection)]


def _remote_uses(inspection: Inspection) -> list[dict]:
    return [{"id": r.id, "certificate_id": r.certificate_id, "batch": r.batch_text,
             "place": r.place, "use_type": r.use_type.name,
             "write_off_status": r.write_off_status, "letter_id": r.letter_id}
            for r in inspection.remote_uses]


class InspectionApi(EvidenceDoor, DomainModelApi):
    resource_name = "inspection"
    model = Inspection
    workflow = InspectionWorkflow
    list_columns = ["id", "plan_id", "enterprise_id", "checklist", "state", "result",
                    "inspected_on", "correction_due"]
    show_columns = ["id", "plan_id", "target_id", "enterprise_id", "origin", "origin_remarks",
                    "checklist", "method", "inspected_on", "inspectors", "state", "result",
                    "answers", "remote_uses", "other_findings", "unit_opinion",
                    "unit_confirmed_on", "recorded_at", "recorded_by",
                    "correction_requirements", "correction_ordered_on", "correction_due",
                    "correction_status", "rechecked_on", "corrected_on", "recheck_record",
                    "sanction_reason", "reported_city_at", "proposed_measure",
                    "reported_samr_at", "escalation_opinion", "sanctioned_on", "case_no",
                    "case_opened_on", "evidence"]
    add_columns = ["enterprise_id", "origin", "origin_remarks", "checklist", "method",
                   "inspected_on", "inspectors", "other_findings", "unit_opinion",
                   "unit_confirmed_on"]
    edit_columns = ["origin_remarks", "method", "inspected_on", "inspectors", "other_findings",
                    "unit_opinion", "unit_confirmed_on"]
    order_columns = ["id", "plan_id", "enterprise_id", "state", "inspected_on", "correction_due"]
    search_columns = ["plan_id", "enterprise_id", "state", "result", "checklist"]
    api_fields = {"inspectors": UserIds(required=False),
                  "answers": fields.Function(_answers, dump_only=True),
                  "remote_uses": fields.Function(_remote_uses, dump_only=True),
                  "evidence": fields.Function(lambda i: evidence_list(i.evidence), dump_only=True),
                  "correction_status": fields.String(dump_only=True)}
    extra_roles = {"can_evidence": DISTRICT_OFFICERS}

    def get_headless(self, pk, **kwargs):
        """A pending inspection of a draw gets its checklist points (with their ids, to be
        answered through ``inspection_answer``) when first read."""
        item = record_in_view(self, pk)
        open_for_recording(item, self.appbuilder.sm.has_access("can_put", "InspectionAnswerApi"))
        return super().get_headless(pk, **kwargs)



class InspectionAnswerApi(EvidenceDoor, DomainModelApi):
    """The points of an inspection's checklist: answer 是/否 and describe, while pending."""

    resource_name = "inspection_answer"
    model = InspectionAnswer
    list_columns = ["id", "inspection_id", "point_code", "answer", "description"]
    show_columns = list_columns + ["compliance", "evidence"]
    edit_columns = ["answer", "description"]
    add_columns = ["answer", "description"]
    order_columns = ["id", "inspection_id", "point_code"]
    search_columns = ["inspection_id", "point_code", "answer"]
    api_fields = {"compliance": fields.String(dump_only=True),
                  "evidence": fields.Function(lambda a: evidence_list(a.evidence), dump_only=True)}
    extra_roles = {"can_evidence": DISTRICT_OFFICERS}



class RemoteUseApi(DomainModelApi):
    resource_name = "inspection_remote_use"
    model = RemoteUse
    list_columns = show_columns = ["id", "inspection_id", "certificate_id", "batch", "place",
                                   "use_type", "write_off_status", "letter_id"]
    add_columns = ["inspection_id", "certificate_id", "batch", "place", "use_type",
                   "write_off_status", "letter_id"]
    edit_columns = ["certificate_id", "batch", "place", "use_type", "write_off_status",
                    "letter_id"]
    order_columns = ["id", "inspection_id"]
    search_columns = ["inspection_id", "use_type", "letter_id"]


class AssistanceLetterApi(EvidenceDoor, DomainModelApi):
    resource_name = "assistance_letter"
    model = AssistanceLetter
    workflow = AssistanceLetterWorkflow
    list_columns = ["id", "bureau_id", "direction", "state", "doc_no", "counterpart",
                    "sent_on", "reply_due", "replied_on"]
    show_columns = ["id", "bureau_id", "direction", "state", "doc_no", "counterpart",
                    "inspection_id", "enterprise_id", "unit_name", "batches", "matters",
                    "sent_on", "reply_due", "reply_status", "replied_on", "reply_result",
                    "reply_summary", "signed_by", "evidence"]
    add_columns = ["bureau_id", "direction", "doc_no", "counterpart", "inspection_id",
                   "enterprise_id", "unit_name", "batches", "matters", "sent_on"]
    edit_columns = ["doc_no", "counterpart", "inspection_id", "enterprise_id", "unit_name",
                    "batches", "matters", "sent_on"]
    order_columns = ["id", "bureau_id", "state", "sent_on"]
    search_columns = ["bureau_id", "direction", "state", "sent_on"]
    api_fields = {"reply_due": fields.Date(dump_only=True),
                  "reply_status": fields.String(dump_only=True),
                  "evidence": fields.Function(lambda letter: evidence_list(letter.evidence),
                                              dump_only=True)}
    extra_roles = {"can_evidence": FILERS}



SUPERVISION_RESOURCES = [InspectionPlanApi, InspectionApi, InspectionAnswerApi, RemoteUseApi,
                         AssistanceLetterApi]
