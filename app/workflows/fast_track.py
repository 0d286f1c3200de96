"""The fast track (便捷通道) as a machine: application, district check and recommendation,
provincial decision, report to 总局, opening, renewal (延用), suspension and revocation, expiry
— and the changes an open unit reports. Rules: ``app.services.fast_track``."""
from __future__ import annotations

import datetime as dt

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.domain.errors import RecordInvalid
from app.enums import DecisionState, FastTrackChangeState, FastTrackState, SanctionReason
from app.extensions import db
from app.models import FastTrackChange, FastTrackGrant, FastTrackRenewal, Inspection
from app.policy import local
from app.scope import signature_of
from app.security_model import DISTRICT_OFFICERS, FILERS, PROVINCE_ADMINS, PROVINCE_REVIEWERS
from app.services import fast_track as svc
from app.services import supervision
from app.transaction import lock
from app.workflows import Step, StepInput, Workflow, guard
from app.workflows.supervision import close_by_sanction

S = FastTrackState
RENEWAL_PENDING = guard(svc.no_pending_renewal, quiet=True)


class FastTrackMachine(StateMachine):
    _ = States.from_enum(FastTrackState, initial=S.draft, final=[S.rejected, S.revoked],
                         use_enum_instance=True)

    # the ban is checked first, before any other condition (seed 000 第十二条)
    submit = _.draft.to(_.submitted, validators="lock_unit", cond=[
        guard(svc.ban_refusal), guard(svc.second_open_grant_refusal),
        guard(svc.incompleteness), guard(svc.ineligibility)])
    district_review = _.submitted.to(_.district_reviewed, cond="recommended") \
        | _.submitted.to(_.rejected, unless="recommended")
    decide = _.district_reviewed.to(_.approved, cond="approved_by_province",
                                    validators="commerce_co_confirmed") \
        | _.district_reviewed.to(_.rejected, unless="approved_by_province")
    forward = _.approved.to(_.forwarded)
    activate = _.forwarded.to(_.active, validators="validity_not_over")
    renew = _.active.to.itself(internal=True, cond=guard(svc.renewal_refusal))
    decide_renewal = _.active.to.itself(internal=True, cond=RENEWAL_PENDING,
                                        validators="commerce_co_confirmed") \
        | _.expired.to(_.active, cond=[RENEWAL_PENDING, "approved_by_province"],
                       validators="commerce_co_confirmed") \
        | _.expired.to.itself(internal=True, cond=RENEWAL_PENDING,
                              unless="approved_by_province")
    # a sanction names the inspection that found it, reported to 市局 and by 市局 to 总局
    suspend = _.active.to(_.suspended, validators="source_reported")
    revoke = _.active.to(_.revoked, validators="source_reported") \
        | _.suspended.to(_.revoked, validators="source_reported")
    expire = _.active.to(_.expired, cond=guard(svc.not_yet_expired))  # automatic
    reopen = _.suspended.to(_.active)  # the province lifts a suspension (整改完成)

    # --- conditions on the step's inputs ------------------------------------------------

    def recommended(self, recommend=None, **_kwargs) -> bool:
        return recommend == "recommend"

    def approved_by_province(self, decision=None, **_kwargs) -> bool:
        return decision == "approve"

    def commerce_co_confirmed(self, decision=None, commerce_confirmed_on=None, **_kwargs):
        refusal = svc.commerce_confirmation_refusal(decision, commerce_confirmed_on)
        if refusal:
            raise RecordInvalid({"commerce_confirmed_on": [refusal]})

    def lock_unit(self, **_kwargs):
        svc.lock_unit(self.model)

    def source_reported(self, inspection_id=None, **_kwargs):
        """Seed 000 第十二条: the finding was reported to 市局 and by 市局 to 总局."""
        refusal = supervision.sanction_source_refusal(self.model, inspection_id)
        if refusal:
            raise RecordInvalid({"inspection_id": [refusal]})

    def validity_not_over(self, valid_from=None, **_kwargs):
        refusal = svc.validity_over_refusal(valid_from)
        if refusal:
            raise RecordInvalid({"valid_from": [refusal]})

    # --- effects ----------------------------------------------------------------------

    def on_submit(self, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.applied_on = self.model.applied_on or clock.today()

    def on_district_review(self, actor=None, recommend=None, opinion=None,
                           onsite_checked_on=None, onsite_check_record=None, **_kwargs):
        grant = self.model
        grant.district_recommendation = recommend == "recommend"
        grant.district_opinion = opinion
        grant.onsite_checked_on = onsite_checked_on
        grant.onsite_check_record = onsite_check_record
        grant.district_reviewed_at = clock.now()
        grant.district_reviewer = signature_of(actor)

    def on_decide(self, actor=None, opinion=None, decision=None, commerce_confirmed_on=None,
                  **_kwargs):
        self.model.provincial_opinion = opinion
        if decision == "approve":  # given only where the profile asks for it (COMMERCE)
            self.model.commerce_confirmed_on = commerce_confirmed_on
        self.model.decided_at = clock.now()
        self.model.decided_by = signature_of(actor)

    def on_forward(self, **_kwargs):
        self.model.forwarded_at = clock.now()

    def on_activate(self, fast_track_account=None, valid_from=None, **_kwargs):
        grant = self.model
        grant.fast_track_account = fast_track_account.strip()
        grant.valid_from = valid_from or clock.today()
        grant.valid_to = svc.validity_end(grant.valid_from)
        grant.activated_at = clock.now()

    def on_renew(self, actor=None, reason=None, **_kwargs):
        db.session.add(FastTrackRenewal(grant=self.model, reason=reason,
                                        requested_by=signature_of(actor),
                                        old_valid_to=self.model.valid_to))

    def on_decide_renewal(self, actor=None, decision=None, remarks=None,
                          commerce_confirmed_on=None, **_kwargs):
        grant = self.model
        renewal = svc.pending_renewal(grant)
        if decision == "approve":
            renewal.commerce_confirmed_on = commerce_confirmed_on
        renewal.decided_at = clock.now()
        renewal.decided_by = signature_of(actor)
        renewal.decision_remarks = remarks
        if decision == "approve":
            renewal.new_valid_to = svc.renewed_validity_end(renewal.old_valid_to)
            grant.valid_to = renewal.new_valid_to
            renewal.state = DecisionState.approved
        else:
            renewal.state = DecisionState.rejected

    def _sanction(self, measure, reason, remarks, inspection_id):
        """The sanction, and the inspection it names closed by it (same transaction)."""
        grant = self.model
        grant.sanction_reason = SanctionReason[reason]
        grant.sanctioned_on = clock.today()
        grant.sanction_remarks = remarks
        grant.sanction_inspection_id = int(inspection_id) if inspection_id else None
        if grant.sanction_inspection_id is not None:
            # read afresh under the lock: the guard may have loaded it before someone else's
            # step (立案调查) changed it
            inspection = lock(Inspection, grant.sanction_inspection_id)
            close_by_sanction(inspection, measure, grant.sanctioned_on)

    def on_suspend(self, reason=None, remarks=None, inspection_id=None, **_kwargs):
        self._sanction("suspend", reason, remarks, inspection_id)

    def on_revoke(self, reason=None, remarks=None, inspection_id=None, **_kwargs):
        self._sanction("revoke", reason, remarks, inspection_id)


SANCTION_INPUTS = (
    StepInput("reason", "原因", kind="choice", choices=tuple(SanctionReason.choices()),
              help="《实施办法》第十二条所列五种情形之一"),
    StepInput("inspection_id", "依据的检查记录编号", kind="integer", required=False,
              help=local("区局检查发现、已上报{province_bureau_short}并报总局的检查记录；"
                         "系统上线前的情形可留空并在情况说明中写明")),
    StepInput("remarks", "情况说明", kind="textarea", required=False),
)
DECISION = StepInput("decision", "审核结论", kind="choice",
                     choices=(("approve", "通过"), ("reject", "不予通过")))
#: Asked only in a province whose fast-track decisions are co-confirmed with the commerce
#: authority (the profile's ``fast_track_commerce_co_confirms``: 上海, seed 003 §一、§二)
COMMERCE = StepInput(
    "commerce_confirmed_on", "会同商务主管部门确认日期", kind="date", required=False,
    help=local(lambda p: f"{p.province_bureau_short}会同{p.fast_track_commerce_authority}确认"
                         f"（{p.fast_track_commerce_basis}），审核通过时必填"),
    applies=svc.commerce_co_confirms)


class FastTrackWorkflow(Workflow):
    model = FastTrackGrant
    machine = FastTrackMachine
    steps = (
        Step("submit", "提交区局初审", FILERS,
             confirm="提交前系统将核查申请条件；提交后申请内容不能再修改，确认提交？",
             done="已提交区局初审。"),
        Step("district_review", "区局初审", DISTRICT_OFFICERS, inputs=(
            StepInput("onsite_checked_on", "现场核查日期", kind="date",
                      help="区局初审须现场核实"),
            StepInput("onsite_check_record", "现场核查记录", kind="textarea",
                      help="追溯管理制度、台账、仓储及使用情况的核实结果"),
            StepInput("recommend", "推荐意见", kind="choice",
                      choices=(("recommend", "推荐"), ("not_recommend", "不推荐"))),
            StepInput("opinion", "区县市场监管部门意见", kind="textarea", required=False)),
             done="区局初审意见已登记。"),
        Step("decide", local("{province_bureau_short}审核"), PROVINCE_REVIEWERS, inputs=(
            DECISION, COMMERCE, StepInput("opinion", "审核意见", kind="textarea", required=False)),
             done=local("{province_bureau_short}审核结论已登记。")),
        Step("forward", "报总局", PROVINCE_ADMINS,
             confirm="确认已报请市场监管总局开通便捷通道使用权限？", done="已登记报总局。"),
        Step("activate", "登记开通", PROVINCE_ADMINS, style="success", inputs=(
            StepInput("fast_track_account", "便捷通道账号", help="总局给予的指定账号"),
            StepInput("valid_from", "有效期起", kind="date", required=False,
                      help="留空为今天；有效期按本省政策自动计算")),
             done="便捷通道已开通。"),
        Step("renew", "申请延用", DISTRICT_OFFICERS, inputs=(
            StepInput("reason", "延用说明", kind="textarea",
                      help="使用期内免办产品申请和后续管理情况，区局初审意见"),),
             done=local("延用申请已提交，待{province_bureau_short}审核。")),
        Step("decide_renewal", "审核延用", PROVINCE_REVIEWERS, inputs=(
            DECISION, COMMERCE, StepInput("remarks", "审核意见", kind="textarea",
                                          required=False)),
             done="延用审核结论已登记。"),
        Step("suspend", "暂停便捷通道资格", PROVINCE_ADMINS, style="warning",
             inputs=SANCTION_INPUTS, done="便捷通道已暂停使用。"),
        Step("revoke", "取消便捷通道资格", PROVINCE_ADMINS, style="danger",
             inputs=SANCTION_INPUTS, done="便捷通道资格已取消。"),
        Step("reopen", "恢复使用", PROVINCE_ADMINS,
             confirm="确认该单位已整改完毕，恢复便捷通道使用权限？", done="便捷通道已恢复使用。"),
    )


def expire_due_grants(today: dt.date | None = None) -> int:
    """Active grants past their end date become 已到期 — on their own, through the machine.
    The caller provides the transaction (``app.commands.fast_track.ExpireGrants``)."""
    due = svc.grants_due_to_expire(today)
    for grant in due:
        FastTrackWorkflow.fire(grant, "expire")
    return len(due)


# --- changes an open unit reports (seed 000 第十条) ------------------------------------------

C = FastTrackChangeState


class FastTrackChangeMachine(StateMachine):
    _ = States.from_enum(FastTrackChangeState, initial=C.draft, final=[C.forwarded, C.rejected],
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, cond=guard(svc.change_incompleteness))
    approve = _.submitted.to(_.approved)
    reject = _.submitted.to(_.rejected)
    forward = _.approved.to(_.forwarded)  # seed 000 第十条: 市局审核后报总局调整

    def on_submit(self, opinion=None, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.district_opinion = opinion

    def _decide(self, actor, remarks):
        self.model.decided_at = clock.now()
        self.model.decided_by = signature_of(actor)
        self.model.decision_remarks = remarks

    def on_approve(self, actor=None, remarks=None, **_kwargs):
        svc.apply_change(self.model)
        self._decide(actor, remarks)

    def on_reject(self, actor=None, remarks=None, **_kwargs):
        self._decide(actor, remarks)

    def on_forward(self, **_kwargs):
        self.model.forwarded_at = clock.now()


class FastTrackChangeWorkflow(Workflow):
    model = FastTrackChange
    machine = FastTrackChangeMachine
    steps = (
        Step("submit", local("初审后报{province_bureau_short}"), DISTRICT_OFFICERS, inputs=(
            StepInput("opinion", "区局初审意见", kind="textarea"),),
             done=local("变更事项已报{province_bureau_short}。")),
        Step("approve", "批准变更", PROVINCE_REVIEWERS, style="success", inputs=(
            StepInput("remarks", "审核意见", kind="textarea", required=False),),
             done="变更已批准并生效。"),
        Step("reject", "驳回变更", PROVINCE_REVIEWERS, style="warning", inputs=(
            StepInput("remarks", "驳回理由", kind="textarea"),), done="变更已驳回。"),
        Step("forward", "报总局调整", PROVINCE_ADMINS,
             confirm="确认已书面报请市场监管总局调整该单位便捷通道的相应内容？",
             done="已登记报总局调整。"),
    )
