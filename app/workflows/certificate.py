"""免办证明 lifecycle: change (once, while valid and unused), void (without customs usage, or
on evidence the goods were not imported), extension (on evidence or an on-site check), and
write-off when every product is accounted for. Requests are recorded by the district;
approvals need a 复审-capable reviewer (省级审核员)."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.domain.errors import RecordInvalid, RuleViolation
from app.extensions import db
from app.models import (
    Certificate,
    CertificateRequest,
    CertificateRequestKind,
    CertificateRequestState,
    CertificateState,
    UseFinding,
)
from app.scope import signature_of
from app.security_model import FILERS, PROVINCE_REVIEWERS
from app.services import certificates as svc
from app.workflows import Step, StepInput, Workflow

S = CertificateState
K = CertificateRequestKind


def _pending(cert: Certificate, kind: K) -> CertificateRequest:
    req = svc.pending_request(cert, kind)
    if req is None:
        raise RuleViolation(f"该证明没有待审核的{kind.label}申请。")
    return req


def _decide(req: CertificateRequest, actor, state, remarks) -> None:
    req.state = state
    req.decided_at = clock.now()
    req.decided_by = signature_of(actor)
    req.decision_remarks = remarks


class CertificateMachine(StateMachine):
    _ = States.from_enum(CertificateState, initial=S.valid, final=[S.written_off, S.voided],
                         use_enum_instance=True)

    # requests stay in the certificate's state until a reviewer decides them
    change = _.valid.to.itself(internal=True, validators="may_change") \
        | _.changed.to.itself(internal=True, validators="may_change") \
        | _.extended.to.itself(internal=True, validators="may_change")
    approve_change = _.valid.to(_.changed, validators="may_approve_change")
    reject_change = _.valid.to.itself(internal=True)

    void = _.valid.to.itself(internal=True, validators="may_request") \
        | _.changed.to.itself(internal=True, validators="may_request") \
        | _.extended.to.itself(internal=True, validators="may_request")
    approve_void = _.valid.to(_.voided, validators="may_void") \
        | _.changed.to(_.voided, validators="may_void") \
        | _.extended.to(_.voided, validators="may_void")
    reject_void = _.valid.to.itself(internal=True) | _.changed.to.itself(internal=True) \
        | _.extended.to.itself(internal=True)

    extend = _.valid.to.itself(internal=True, validators="may_request_extension") \
        | _.changed.to.itself(internal=True, validators="may_request_extension") \
        | _.extended.to.itself(internal=True, validators="may_request_extension")
    approve_extend = _.valid.to(_.extended, validators="may_extend") \
        | _.changed.to(_.extended, validators="may_extend") \
        | _.extended.to(_.extended, validators="may_extend")
    reject_extend = _.valid.to.itself(internal=True) | _.changed.to.itself(internal=True) \
        | _.extended.to.itself(internal=True)

    # automatic, when every product is accounted for (app.services.certificates)
    write_off = _.valid.to(_.written_off) | _.changed.to(_.written_off) \
        | _.extended.to(_.written_off)

    # --- validators (raise with the reason) -------------------------------------------

    def may_change(self, **_kwargs):
        svc.refuse_if_pending(self.model)
        svc.refuse_change(self.model)

    def may_approve_change(self, **_kwargs):
        _pending(self.model, K.change)
        svc.refuse_change(self.model)  # customs usage may have arrived since the request

    def may_request(self, **_kwargs):
        svc.refuse_if_pending(self.model)

    def may_void(self, confirm_not_imported=None, **_kwargs):
        req = _pending(self.model, K.void)
        svc.refuse_void(self.model, req, bool(confirm_not_imported))

    def may_request_extension(self, new_deadline=None, **_kwargs):
        svc.refuse_if_pending(self.model)
        svc.refuse_extension_request(self.model, new_deadline)

    def may_extend(self, use_finding=None, **_kwargs):
        req = _pending(self.model, K.extend)
        svc.refuse_extension(req)
        if use_finding not in UseFinding.__members__:
            raise RecordInvalid({"use_finding": ["请选择核查结论：产品未使用，或产品用途未变化。"]})

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

    def on_approve_change(self, actor=None, remarks=None, **_kwargs):
        req = _pending(self.model, K.change)
        svc.apply_change(req)
        self.model.change_count = 1
        _decide(req, actor, CertificateRequestState.approved, remarks)

    def on_reject_change(self, actor=None, remarks=None, **_kwargs):
        _decide(_pending(self.model, K.change), actor, CertificateRequestState.rejected, remarks)

    def on_void(self, actor=None, reason=None, not_imported=None, **_kwargs):
        self._new_request(K.void, actor, reason, not_imported=bool(not_imported))

    def on_approve_void(self, actor=None, remarks=None, **_kwargs):
        _decide(_pending(self.model, K.void), actor, CertificateRequestState.approved, remarks)

    def on_reject_void(self, actor=None, remarks=None, **_kwargs):
        _decide(_pending(self.model, K.void), actor, CertificateRequestState.rejected, remarks)

    def on_extend(self, actor=None, reason=None, new_deadline=None, onsite_check_record=None,
                  **_kwargs):
        self._new_request(K.extend, actor, reason, new_supervision_deadline=new_deadline,
                          onsite_check_record=onsite_check_record)

    def on_approve_extend(self, actor=None, remarks=None, use_finding=None, **_kwargs):
        req = _pending(self.model, K.extend)
        req.use_finding = UseFinding[use_finding]
        self.model.supervision_deadline = req.new_supervision_deadline
        _decide(req, actor, CertificateRequestState.approved, remarks)

    def on_reject_extend(self, actor=None, remarks=None, **_kwargs):
        _decide(_pending(self.model, K.extend), actor, CertificateRequestState.rejected, remarks)


REMARKS = StepInput("remarks", "审核意见", kind="textarea", required=False)
REJECT_REMARKS = StepInput("remarks", "驳回理由", kind="textarea")


class CertificateWorkflow(Workflow):
    model = Certificate
    machine = CertificateMachine
    steps = (
        Step("change", "申请变更", FILERS, inputs=(
            StepInput("reason", "变更理由", kind="textarea"),
            StepInput("items", "变更内容", kind="items"))),
        Step("approve_change", "批准变更", PROVINCE_REVIEWERS, style="success", inputs=(REMARKS,)),
        Step("reject_change", "驳回变更", PROVINCE_REVIEWERS, style="warning", inputs=(REJECT_REMARKS,)),
        Step("void", "申请作废", FILERS, style="danger", inputs=(
            StepInput("reason", "作废理由", kind="textarea"),
            StepInput("not_imported", "有证据证明产品未实际进口", kind="bool", required=False,
                      help="证据材料（报关撤单、退运证明、照片等）在申请页面上传"))),
        Step("approve_void", "批准作废", PROVINCE_REVIEWERS, style="danger", inputs=(
            StepInput("confirm_not_imported", "已核对证据，确认产品未实际进口", kind="bool",
                      required=False, help="证明有海关调用记录时必须确认"), REMARKS)),
        Step("reject_void", "驳回作废", PROVINCE_REVIEWERS, style="warning", inputs=(REJECT_REMARKS,)),
        Step("extend", "申请延期", FILERS, inputs=(
            StepInput("reason", "延期理由", kind="textarea", help="无法在监管期内完成核销的特殊情况"),
            StepInput("new_deadline", "申请延期至", kind="date"),
            StepInput("onsite_check_record", "现场核查记录", kind="textarea", required=False,
                      help="无视频、照片等证明材料时须填写"))),
        Step("approve_extend", "批准延期", PROVINCE_REVIEWERS, style="success", inputs=(
            StepInput("use_finding", "核查结论", kind="choice",
                      choices=tuple(UseFinding.choices())), REMARKS)),
        Step("reject_extend", "驳回延期", PROVINCE_REVIEWERS, style="warning", inputs=(REJECT_REMARKS,)),
    )

    @classmethod
    def allowed_steps(cls, item, user):
        """Approve/reject steps only show while a request of that kind is pending."""
        steps = super().allowed_steps(item, user)
        pending = {req.kind.name for req in item.requests
                   if req.state is CertificateRequestState.pending}
        return [s for s in steps if "_" not in s.name or s.name.split("_", 1)[1] in pending]


def write_off(cert: Certificate) -> None:
    """The automatic transition, through the same machine as every other."""
    CertificateWorkflow.bind(cert).send("write_off")
