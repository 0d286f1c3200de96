"""免办证明 after issue, as a machine: a change (once, only from 有效, while unused), a void
(without customs usage, or on evidence the goods never came in), an extension (on evidence or
an on-site check) — each a request the district files and a 复审 reviewer decides — and the
write-off once every product is accounted for. Rules: ``app.services.certificates``."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.enums import (
    CERTIFICATE_IN_FORCE,
    WRITE_OFF_CHECKS,
    CertificateRequestKind,
    CertificateRequestState,
    CertificateState,
    FunctionCode,
    UseFinding,
    WriteOffDecision,
)
from app.extensions import db
from app.models import Certificate, CertificateRequest, UsageRecord
from app.scope import signature_of
from app.security_model import DISTRICT_OFFICERS, FILERS, PROVINCE_REVIEWERS, Role
from app.services import certificates as svc
from app.services import write_off as wo
from app.services.records import after_save
from app.workflows import Step, StepInput, Workflow, guard

S = CertificateState
K = CertificateRequestKind

NO_PENDING = guard(svc.pending_refusal)
CHANGE_PENDING = guard(svc.nothing_pending(K.change), quiet=True)
VOID_PENDING = guard(svc.nothing_pending(K.void), quiet=True)
EXTENSION_PENDING = guard(svc.nothing_pending(K.extend), quiet=True)
UNUSED = guard(svc.usage_refusal)
IN_VALIDITY = guard(svc.validity_refusal)
NOT_CHANGED_BEFORE = guard(svc.changed_once_refusal)


def _decide(req: CertificateRequest, actor, state, remarks) -> None:
    req.state = state
    req.decided_at = clock.now()
    req.decided_by = signature_of(actor)
    req.decision_remarks = remarks


class CertificateMachine(StateMachine):
    _ = States.from_enum(CertificateState, initial=S.valid, final=[S.written_off, S.voided],
                         use_enum_instance=True)

    # A change only from 有效: never changed before (已变更) nor extended (seed 002 §4).
    # ... and only 「在有效期内尚未使用」 (seed 002 §4), once (seed 004 §2.3, ``change_count``).
    change = _.valid.to.itself(internal=True,
                               cond=[NO_PENDING, NOT_CHANGED_BEFORE, IN_VALIDITY, UNUSED])
    approve_change = _.valid.to(_.changed, cond=[CHANGE_PENDING, NOT_CHANGED_BEFORE,
                                                 IN_VALIDITY, UNUSED])
    reject_change = _.valid.to.itself(internal=True, cond=CHANGE_PENDING)

    void = _.valid.to.itself(internal=True, cond=NO_PENDING) \
        | _.changed.to.itself(internal=True, cond=NO_PENDING) \
        | _.extended.to.itself(internal=True, cond=NO_PENDING)
    approve_void = _.valid.to(_.voided, cond=[VOID_PENDING, guard(svc.void_refusal)],
                              validators="confirmed_not_imported") \
        | _.changed.to(_.voided, cond=[VOID_PENDING, guard(svc.void_refusal)],
                       validators="confirmed_not_imported") \
        | _.extended.to(_.voided, cond=[VOID_PENDING, guard(svc.void_refusal)],
                        validators="confirmed_not_imported")
    reject_void = _.valid.to.itself(internal=True, cond=VOID_PENDING) \
        | _.changed.to.itself(internal=True, cond=VOID_PENDING) \
        | _.extended.to.itself(internal=True, cond=VOID_PENDING)

    extend = _.valid.to.itself(internal=True, cond=NO_PENDING, validators="later_deadline") \
        | _.changed.to.itself(internal=True, cond=NO_PENDING, validators="later_deadline") \
        | _.extended.to.itself(internal=True, cond=NO_PENDING, validators="later_deadline")
    approve_extend = _.valid.to(_.extended, cond=[EXTENSION_PENDING, guard(
        svc.extension_evidence_refusal)]) \
        | _.changed.to(_.extended, cond=[EXTENSION_PENDING, guard(svc.extension_evidence_refusal)]) \
        | _.extended.to(_.extended, cond=[EXTENSION_PENDING,
                                          guard(svc.extension_evidence_refusal)])
    reject_extend = _.valid.to.itself(internal=True, cond=EXTENSION_PENDING) \
        | _.changed.to.itself(internal=True, cond=EXTENSION_PENDING) \
        | _.extended.to.itself(internal=True, cond=EXTENSION_PENDING)

    # automatic, once every product is accounted for (see ``_write_off_when_accounted``):
    # the write-off waits for the authority's review (seed 002 §13)
    write_off = _.valid.to(_.write_off_pending, cond=guard(svc.unaccounted_refusal)) \
        | _.changed.to(_.write_off_pending, cond=guard(svc.unaccounted_refusal)) \
        | _.extended.to(_.write_off_pending, cond=guard(svc.unaccounted_refusal))
    approve_write_off = _.write_off_pending.to(
        _.written_off, cond=[guard(svc.unaccounted_refusal), guard(wo.follow_up_refusal)],
        validators="all_checks_passed")
    return_write_off = _.write_off_pending.to(_.write_off_returned, validators="founded_return")
    resubmit_write_off = _.write_off_returned.to(
        _.write_off_pending, cond=guard(svc.unaccounted_refusal))

    # --- validators on the step's inputs ------------------------------------------------

    def confirmed_not_imported(self, confirm_not_imported=False, **_kwargs):
        svc.refuse_unconfirmed_void(self.model, bool(confirm_not_imported))

    def later_deadline(self, new_deadline=None, **_kwargs):
        svc.refuse_extension_request(self.model, new_deadline)

    def all_checks_passed(self, **kwargs):
        wo.refuse_incomplete_approval(kwargs)

    def founded_return(self, **kwargs):
        wo.refuse_unfounded_return(kwargs)

    # --- effects ----------------------------------------------------------------------

    def _new_request(self, kind, actor, reason, **fields) -> CertificateRequest:
        req = CertificateRequest(certificate=self.model, kind=kind, reason=reason,
                                 requested_at=clock.now(), requested_by=signature_of(actor),
                                 **fields)
        db.session.add(req)
        return req

    def on_change(self, actor=None, reason=None, items=None, **_kwargs):
        req = self._new_request(K.change, actor, reason)
        req.items = svc.build_change_items(self.model, items)

    def on_approve_change(self, actor=None, remarks=None, request_id=None, **_kwargs):
        req = svc.request_to_decide(self.model, K.change, request_id)
        svc.apply_change(req)
        self.model.change_count += 1
        _decide(req, actor, CertificateRequestState.approved, remarks)

    def on_reject_change(self, actor=None, remarks=None, request_id=None, **_kwargs):
        _decide(svc.request_to_decide(self.model, K.change, request_id), actor,
                CertificateRequestState.rejected, remarks)

    def on_void(self, actor=None, reason=None, not_imported=None, **_kwargs):
        self._new_request(K.void, actor, reason, not_imported=bool(not_imported))

    def on_approve_void(self, actor=None, remarks=None, request_id=None, **_kwargs):
        _decide(svc.request_to_decide(self.model, K.void, request_id), actor,
                CertificateRequestState.approved, remarks)

    def on_reject_void(self, actor=None, remarks=None, request_id=None, **_kwargs):
        _decide(svc.request_to_decide(self.model, K.void, request_id), actor,
                CertificateRequestState.rejected, remarks)

    def on_extend(self, actor=None, reason=None, new_deadline=None, onsite_check_record=None,
                  **_kwargs):
        self._new_request(K.extend, actor, reason, new_supervision_deadline=new_deadline,
                          onsite_check_record=onsite_check_record)

    def on_approve_extend(self, actor=None, remarks=None, request_id=None, use_finding=None,
                          **_kwargs):
        req = svc.request_to_decide(self.model, K.extend, request_id)
        req.use_finding = UseFinding[use_finding]
        self.model.supervision_deadline = req.new_supervision_deadline
        _decide(req, actor, CertificateRequestState.approved, remarks)

    def on_reject_extend(self, actor=None, remarks=None, request_id=None, **_kwargs):
        _decide(svc.request_to_decide(self.model, K.extend, request_id), actor,
                CertificateRequestState.rejected, remarks)

    def on_approve_write_off(self, actor=None, **kwargs):
        wo.record_review(self.model, actor, WriteOffDecision.approved, kwargs)

    def on_return_write_off(self, actor=None, **kwargs):
        wo.record_review(self.model, actor, WriteOffDecision.returned, kwargs)


#: a request is decided by a reviewer whose registry account holds 复审 — district or province
#: (seed 002 §4–6; seed 003): the duty is checked by ``app.services.duties``
DECIDERS = frozenset({Role.district_officer, Role.province_reviewer})
SECOND_REVIEW = FunctionCode.second_review
REMARKS = StepInput("remarks", "审核意见", kind="textarea", required=False)
REJECT_REMARKS = StepInput("remarks", "驳回理由", kind="textarea")
#: the request a decision is about, when the decider names it (see ``request_to_decide``)
REQUEST_ID = StepInput("request_id", "证明申请", kind="integer", required=False, shown=False,
                       help="给出时，只在待审核的正是这项申请时办理")
#: The write-off review (seed 002 §13) is the issuing authority's: its district officers, or
#: the province's reviewers
WRITE_OFF_REVIEWERS = DISTRICT_OFFICERS | PROVINCE_REVIEWERS
CHECK_INPUTS = tuple(StepInput(name, text, kind="bool", required=False)
                     for name, text in WRITE_OFF_CHECKS)


class CertificateWorkflow(Workflow):
    model = Certificate
    machine = CertificateMachine
    state_refusals = {"change": {
        S.changed: "免办证明仅允许变更一次，该证明已经变更过。",
        S.extended: "已延期的证明不能再变更：只有有效期内尚未使用的证明可以变更。",
        S.voided: "证明已作废，不能变更。",
        S.written_off: "证明已核销，不能变更。",
        S.write_off_pending: "证明核销待审，不能变更。",
        S.write_off_returned: "证明核销补正中，不能变更。",
    }}
    steps = (
        Step("change", "申请变更", FILERS, inputs=(
            StepInput("reason", "变更理由", kind="textarea"),
            StepInput("items", "变更内容", kind="items")),
             done="已登记变更申请，待复审人员审核。"),
        Step("approve_change", "批准变更", DECIDERS, duty=SECOND_REVIEW,
             style="success",
             inputs=(REMARKS, REQUEST_ID), done="变更已批准，证明信息已更新。"),
        Step("reject_change", "驳回变更", DECIDERS, duty=SECOND_REVIEW,
             style="warning",
             inputs=(REJECT_REMARKS, REQUEST_ID), done="变更申请已驳回。"),
        Step("void", "申请作废", FILERS, style="danger", inputs=(
            StepInput("reason", "作废理由", kind="textarea"),
            StepInput("not_imported", "有证据证明产品未实际进口", kind="bool", required=False,
                      help="证据材料（报关撤单、退运证明、照片等）在申请页面上传")),
             done="已登记作废申请，待复审人员审核。", caution=svc.void_usage_caution),
        Step("approve_void", "批准作废", DECIDERS, duty=SECOND_REVIEW,
             style="danger", inputs=(
            StepInput("confirm_not_imported", "已核对证据，确认产品未实际进口", kind="bool",
                      required=False, help="证明有海关调用记录时必须确认"), REMARKS, REQUEST_ID),
             done="证明已作废。"),
        Step("reject_void", "驳回作废", DECIDERS, duty=SECOND_REVIEW,
             style="warning",
             inputs=(REJECT_REMARKS, REQUEST_ID), done="作废申请已驳回。"),
        Step("extend", "申请延期", FILERS, inputs=(
            StepInput("reason", "延期理由", kind="textarea", help="无法在监管期内完成核销的特殊情况"),
            StepInput("new_deadline", "申请延期至", kind="date"),
            StepInput("onsite_check_record", "现场核查记录", kind="textarea", required=False,
                      help="无视频、照片等证明材料时须填写")),
             done="已登记延期申请，待复审人员审核。"),
        Step("approve_extend", "批准延期", DECIDERS, duty=SECOND_REVIEW,
             style="success", inputs=(
            StepInput("use_finding", "核查结论", kind="choice",
                      choices=tuple(UseFinding.choices())), REMARKS, REQUEST_ID),
             done="延期已批准，监管期限已更新。"),
        Step("reject_extend", "驳回延期", DECIDERS, duty=SECOND_REVIEW,
             style="warning",
             inputs=(REJECT_REMARKS, REQUEST_ID), done="延期申请已驳回。"),
        Step("approve_write_off", "核销通过", WRITE_OFF_REVIEWERS, style="success",
             inputs=(*CHECK_INPUTS, REMARKS),
             done="核销审核通过，证明已核销；档案自今日起保存至保存期限。"),
        Step("return_write_off", "退回补正", WRITE_OFF_REVIEWERS, style="warning",
             inputs=(*CHECK_INPUTS, StepInput("remarks", "退回原因", kind="textarea")),
             done="核销已退回补正，使用记录可修改后重新提交。"),
        Step("resubmit_write_off", "重新提交核销", FILERS, inputs=(),
             done="已重新提交核销，待审核。"),
    )


#: the step of the certificate that approves a pending request of each kind
APPROVE_STEPS = {K.change: "approve_change", K.void: "approve_void", K.extend: "approve_extend"}


@after_save(UsageRecord)
def _write_off_when_accounted(record: UsageRecord) -> None:
    """The automatic write-off: when a usage record accounts for the last quantity, the
    certificate is written off through the same machine, in the same transaction."""
    cert = svc.certificate_of(record)
    if cert is not None and cert.state in CERTIFICATE_IN_FORCE:
        machine = CertificateWorkflow.bind(cert)
        if "write_off" in {e.id for e in machine.enabled_events()}:
            machine.send("write_off")
