"""The fast track (便捷通道): application, district check and recommendation, provincial
decision, report to 总局, opening with a validity from the province's policy profile,
renewal (延用), suspension and revocation with their bans, expiry — and the changes an open
unit reports (seeds 000, 003 §一–二, 002 §7, §11)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from statemachine import StateMachine
from statemachine.states import States

from app import clock, policy
from app.domain.errors import RecordInvalid, RuleViolation
from app.extensions import db
from app.meta import Attention
from app.models import (
    AttachmentKind,
    BureauLevel,
    CreditStanding,
    DecisionState,
    Enterprise,
    ExemptionClause,
    FastTrackChange,
    FastTrackChangeKind,
    FastTrackChangeState,
    FastTrackGrant,
    FastTrackProductLine,
    FastTrackRenewal,
    FastTrackState,
    ProductListPeriod,
    SanctionReason,
)
from app.scope import signature_of
from app.security_model import DISTRICT_OFFICERS, FILERS, PROVINCE_ADMINS, PROVINCE_REVIEWERS
from app.workflows import Step, StepInput, Workflow

S = FastTrackState
OPEN_STATES = (S.draft, S.submitted, S.district_reviewed, S.approved, S.forwarded, S.active)


# --- bans (seed 000 第十二条) ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Ban:
    until: dt.date  # the first day a new application is accepted again
    because: str


def ban_for(enterprise_id: int, today: dt.date | None = None) -> Ban | None:
    """A suspended unit may not apply again for 6 months, a revoked one for 2 years."""
    today = today or clock.today()
    profile = policy.profile()
    bans = []
    for grant in db.session.scalars(select(FastTrackGrant).where(
            FastTrackGrant.enterprise_id == enterprise_id,
            FastTrackGrant.state.in_([S.suspended, S.revoked]),
            FastTrackGrant.sanctioned_on.is_not(None))):
        months = profile.ban_months_after_revocation if grant.state is S.revoked \
            else profile.ban_months_after_suspension
        until = grant.sanctioned_on + relativedelta(months=months)
        if today < until:
            verb = "被取消" if grant.state is S.revoked else "被暂停"
            bans.append(Ban(until, f"该单位的便捷通道于{clock.chinese_date(grant.sanctioned_on)}{verb}"
                                   f"使用权限，{months}个月内不得再次申请"))
    return max(bans, key=lambda b: b.until) if bans else None


def refuse_if_banned(enterprise_id: int) -> None:
    """The first check of a new application, before any other (409 with the date)."""
    ban = ban_for(enterprise_id)
    if ban is not None:
        raise RuleViolation(f"{ban.because}，{clock.chinese_date(ban.until)}起方可重新申请。")


def refuse_second_open_grant(grant: FastTrackGrant) -> None:
    others = db.session.scalars(select(FastTrackGrant).where(
        FastTrackGrant.enterprise_id == grant.enterprise_id,
        FastTrackGrant.id != (grant.id or 0), FastTrackGrant.state.in_(OPEN_STATES))).all()
    if others:
        raise RuleViolation(f"该单位已有{others[0].state.label}的便捷通道（#{others[0].id}），"
                            "不能重复申请；到期前请办理延用。")


# --- eligibility (seed 000 第五条, seed 002 §7) -------------------------------------------

@dataclasses.dataclass(frozen=True)
class Check:
    ok: bool
    text: str


def _province_prefix() -> str:
    return policy.profile().province_division_code[:2]


def eligibility(grant: FastTrackGrant) -> list[Check]:
    """Every condition, with what the officer needs to know about it."""
    profile = policy.profile()
    ent: Enterprise | None = grant.enterprise or (
        db.session.get(Enterprise, grant.enterprise_id) if grant.enterprise_id else None)
    if ent is None:
        return [Check(False, "请选择申请单位")]
    checks = []
    registered = ent.bureau is not None and ent.bureau.division_code.startswith(
        _province_prefix()) and ent.bureau.level is not BureauLevel.province
    checks.append(Check(registered, f"注册地在{profile.province_name}" if registered
                        else f"注册地不在{profile.province_name}（所属区局不在本省市）"))
    checks.append(Check(bool(ent.operates_in_province),
                        f"经营地在{profile.province_name}" if ent.operates_in_province
                        else f"经营地不在{profile.province_name}"))
    if profile.has_entry_port_condition:  # seed 000 第五条(一): imports of the customs district
        checks.append(entry_port_check(grant, profile))
    good = ent.credit_standing is CreditStanding.good
    checks.append(Check(good, "信用记录良好" if good
                        else f"信用状况为“{ent.credit_standing.label}”"))
    checks.append(Check(bool(ent.traceability_system), "已建立CCC免办产品追溯管理制度"
                        if ent.traceability_system else "未登记CCC免办产品追溯管理制度"))
    expected = grant.batches_total(ProductListPeriod.expected)
    minimum = profile.fast_track_min_yearly_batches
    checks.append(Check(expected >= minimum, f"预计年申报批次{expected}批（不少于{minimum}批）"
                        if expected >= minimum else
                        f"预计年申报批次{expected}批，少于{minimum}批，业务不具有持续性"))
    ban = ban_for(ent.id)
    checks.append(Check(ban is None, "不在禁止申请期内" if ban is None
                        else f"{ban.because}，{clock.chinese_date(ban.until)}起方可重新申请"))
    return checks


def entry_port_check(grant: FastTrackGrant, profile: policy.PolicyProfile) -> Check:
    """Every 入境口岸 of both product lists is a port of the profile's customs district."""
    district = profile.fast_track_customs_district
    outside = sorted({(line.entry_port or "").strip() for line in grant.lines
                      if not profile.entry_port_inside(line.entry_port)})
    if not outside:
        return Check(True, f"产品清单所列入境口岸均在{district}")
    named = "、".join(f"“{port}”" if port else "（未填写）" for port in outside)
    return Check(False, f"产品清单中的入境口岸{named}不在{district}"
                        f"（{district}的口岸：{'、'.join(profile.fast_track_entry_ports)}）")


def refuse_if_incomplete(grant: FastTrackGrant) -> None:
    clauses = {c.code for c in grant.clauses}
    if not clauses:
        raise RecordInvalid({"clauses": ["请选择申请免办条款。"]})
    if ExemptionClause.other in clauses:
        raise RecordInvalid({"clauses": ["便捷通道只适用于第1至5项免办条款。"]})
    if not grant.self_commitment:
        raise RuleViolation("申请单位尚未签署自我承诺。")
    if not any(line.period is ProductListPeriod.expected for line in grant.lines):
        raise RuleViolation("请填写预计CCC免办产品清单。")
    if not any(a.kind is AttachmentKind.basic_description for a in grant.attachments):
        raise RuleViolation("请上传“基本情况说明”（单位概况、追溯制度制定及执行情况、2年内免办产品申请使用和后续管理情况）。")


def refuse_if_ineligible(grant: FastTrackGrant) -> None:
    failed = [c.text for c in eligibility(grant) if not c.ok]
    if failed:
        raise RuleViolation("不符合便捷通道申请条件：" + "；".join(failed) + "。")


# --- validity -----------------------------------------------------------------------------

def validity_end(valid_from: dt.date) -> dt.date:
    """1 year in Chongqing, 2 in Shanghai (the province's policy profile)."""
    return valid_from + relativedelta(years=policy.profile().fast_track_validity_years) \
        - dt.timedelta(days=1)


def renewal_window_opens(grant: FastTrackGrant) -> dt.date:
    return grant.valid_to - dt.timedelta(days=policy.profile().fast_track_renewal_window_days)


def days_left_text(grant: FastTrackGrant, today: dt.date | None = None) -> str:
    if grant.valid_to is None or grant.state not in (S.active, S.expired, S.suspended):
        return ""
    today = today or clock.today()
    left = (grant.valid_to - today).days
    if left < 0:
        return f"已于{grant.valid_to:%Y-%m-%d}到期"
    if left <= policy.profile().fast_track_expiry_warning_days:
        return Attention(f"剩{left}天", "warning")
    return f"剩{left}天"


def pending_renewal(grant: FastTrackGrant) -> FastTrackRenewal | None:
    return next((r for r in grant.renewals if r.state is DecisionState.pending), None)


class FastTrackMachine(StateMachine):
    _ = States.from_enum(FastTrackState, initial=S.draft, final=[S.rejected, S.revoked],
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, validators="may_submit")
    district_review = _.submitted.to(_.district_reviewed, cond="recommended",
                                     validators="has_onsite_check") \
        | _.submitted.to(_.rejected, unless="recommended", validators="has_onsite_check")
    decide = _.district_reviewed.to(_.approved, cond="approved_by_province") \
        | _.district_reviewed.to(_.rejected, unless="approved_by_province")
    forward = _.approved.to(_.forwarded)
    activate = _.forwarded.to(_.active, validators=["has_account", "validity_not_over"])
    renew = _.active.to.itself(internal=True, validators="may_renew")
    decide_renewal = _.active.to.itself(internal=True, validators="renewal_pending") \
        | _.expired.to(_.active, cond="approved_by_province", validators="renewal_pending") \
        | _.expired.to.itself(internal=True, unless="approved_by_province",
                              validators="renewal_pending")
    suspend = _.active.to(_.suspended, validators="has_sanction_reason")
    revoke = _.active.to(_.revoked, validators="has_sanction_reason") \
        | _.suspended.to(_.revoked, validators="has_sanction_reason")
    expire = _.active.to(_.expired)
    reopen = _.suspended.to(_.active)  # the province lifts a suspension (整改完成)

    # --- conditions and validators ----------------------------------------------------

    def recommended(self, recommend=None, **_kwargs) -> bool:
        return recommend == "recommend"

    def approved_by_province(self, decision=None, **_kwargs) -> bool:
        return decision == "approve"

    def may_submit(self, **_kwargs):
        grant = self.model
        refuse_if_banned(grant.enterprise_id)  # first, before any other check
        refuse_second_open_grant(grant)
        refuse_if_incomplete(grant)
        refuse_if_ineligible(grant)

    def has_onsite_check(self, onsite_checked_on=None, onsite_check_record=None, **_kwargs):
        if not onsite_checked_on or not (onsite_check_record or "").strip():
            raise RecordInvalid({"onsite_check_record": ["区局初审须现场核实，请填写现场核查日期和记录。"]})

    def has_account(self, fast_track_account=None, **_kwargs):
        if not (fast_track_account or "").strip():
            raise RecordInvalid({"fast_track_account": ["请填写总局开通的便捷通道账号。"]})

    def validity_not_over(self, valid_from=None, **_kwargs):
        if valid_from and validity_end(valid_from) < clock.today():
            ended = clock.chinese_date(validity_end(valid_from))
            raise RecordInvalid({"valid_from": [
                f"按本省政策有效期{policy.profile().fast_track_validity_years}年，"
                f"自{clock.chinese_date(valid_from)}起算已于{ended}届满，请核对有效期起。"]})

    def may_renew(self, **_kwargs):
        grant = self.model
        if pending_renewal(grant):
            raise RuleViolation("已有待审核的延用申请。")
        opens = renewal_window_opens(grant)
        today = clock.today()
        if today < opens:
            window = policy.profile().fast_track_renewal_window_days
            raise RuleViolation(f"延用申请在有效期届满前{window}天内办理，{clock.chinese_date(opens)}"
                                f"起可以申请（有效期至{clock.chinese_date(grant.valid_to)}）。")
        if today > grant.valid_to:
            raise RuleViolation("便捷通道已到期，不能延用，请重新申请。")

    def renewal_pending(self, **_kwargs):
        if pending_renewal(self.model) is None:
            raise RuleViolation("没有待审核的延用申请。")

    def has_sanction_reason(self, reason=None, **_kwargs):
        if reason not in SanctionReason.__members__:
            raise RecordInvalid({"reason": ["请选择暂停或取消的原因（《实施办法》第十二条所列五种情形之一）。"]})

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

    def on_decide(self, actor=None, opinion=None, **_kwargs):
        self.model.provincial_opinion = opinion
        self.model.decided_at = clock.now()
        self.model.decided_by = signature_of(actor)

    def on_forward(self, **_kwargs):
        self.model.forwarded_at = clock.now()

    def on_activate(self, fast_track_account=None, valid_from=None, **_kwargs):
        grant = self.model
        grant.fast_track_account = fast_track_account.strip()
        grant.valid_from = valid_from or clock.today()
        grant.valid_to = validity_end(grant.valid_from)
        grant.activated_at = clock.now()

    def on_renew(self, actor=None, reason=None, **_kwargs):
        db.session.add(FastTrackRenewal(grant=self.model, reason=reason,
                                        requested_by=signature_of(actor),
                                        old_valid_to=self.model.valid_to))

    def on_decide_renewal(self, actor=None, decision=None, remarks=None, **_kwargs):
        grant = self.model
        renewal = pending_renewal(grant)
        renewal.decided_at = clock.now()
        renewal.decided_by = signature_of(actor)
        renewal.decision_remarks = remarks
        if decision == "approve":
            # a new term that starts the day after the old end date, not on the day of approval
            renewal.new_valid_to = validity_end(renewal.old_valid_to + dt.timedelta(days=1))
            grant.valid_to = renewal.new_valid_to
            renewal.state = DecisionState.approved
        else:
            renewal.state = DecisionState.rejected

    def _sanction(self, reason, remarks):
        self.model.sanction_reason = SanctionReason[reason]
        self.model.sanctioned_on = clock.today()
        self.model.sanction_remarks = remarks

    def on_suspend(self, reason=None, remarks=None, **_kwargs):
        self._sanction(reason, remarks)

    def on_revoke(self, reason=None, remarks=None, **_kwargs):
        self._sanction(reason, remarks)


SANCTION_INPUTS = (
    StepInput("reason", "原因", kind="choice", choices=tuple(SanctionReason.choices())),
    StepInput("remarks", "情况说明", kind="textarea", required=False),
)
DECISION = StepInput("decision", "审核结论", kind="choice",
                     choices=(("approve", "通过"), ("reject", "不予通过")))


class FastTrackWorkflow(Workflow):
    model = FastTrackGrant
    machine = FastTrackMachine
    steps = (
        Step("submit", "提交区局初审", FILERS,
             confirm="提交前系统将核查申请条件；提交后申请内容不能再修改，确认提交？"),
        Step("district_review", "区局初审", DISTRICT_OFFICERS, inputs=(
            StepInput("onsite_checked_on", "现场核查日期", kind="date"),
            StepInput("onsite_check_record", "现场核查记录", kind="textarea",
                      help="追溯管理制度、台账、仓储及使用情况的核实结果"),
            StepInput("recommend", "推荐意见", kind="choice",
                      choices=(("recommend", "推荐"), ("not_recommend", "不推荐"))),
            StepInput("opinion", "区县市场监管部门意见", kind="textarea", required=False))),
        Step("decide", "市局审核", PROVINCE_REVIEWERS, inputs=(
            DECISION, StepInput("opinion", "审核意见", kind="textarea", required=False))),
        Step("forward", "报总局", PROVINCE_ADMINS, confirm="确认已报请市场监管总局开通便捷通道使用权限？"),
        Step("activate", "已开通", PROVINCE_ADMINS, style="success", inputs=(
            StepInput("fast_track_account", "便捷通道账号", help="总局给予的指定账号"),
            StepInput("valid_from", "有效期起", kind="date", required=False,
                      help="留空为今天；有效期按本省政策自动计算"))),
        Step("renew", "申请延用", DISTRICT_OFFICERS, inputs=(
            StepInput("reason", "延用说明", kind="textarea",
                      help="使用期内免办产品申请和后续管理情况，区局初审意见"),)),
        Step("decide_renewal", "审核延用", PROVINCE_REVIEWERS, inputs=(
            DECISION, StepInput("remarks", "审核意见", kind="textarea", required=False))),
        Step("suspend", "暂停", PROVINCE_ADMINS, style="warning", inputs=SANCTION_INPUTS),
        Step("revoke", "取消", PROVINCE_ADMINS, style="danger", inputs=SANCTION_INPUTS),
        Step("reopen", "恢复使用", PROVINCE_ADMINS, confirm="确认该单位已整改完毕，恢复便捷通道使用权限？"),
    )


def expire_due_grants(today: dt.date | None = None) -> int:
    """Active grants past their end date become 已到期 — on their own, through the machine
    (called on a timer by the web app and by ``flask expire-fasttrack``)."""
    today = today or clock.today()
    due = db.session.scalars(select(FastTrackGrant).where(
        FastTrackGrant.state == S.active, FastTrackGrant.valid_to < today)).all()
    for grant in due:
        FastTrackWorkflow.bind(grant).send("expire")
    if due:
        db.session.commit()
    return len(due)


# --- changes an open unit reports (seed 000 第十条) ------------------------------------------

C = FastTrackChangeState


def apply_change(change: FastTrackChange) -> None:
    ent = change.grant.enterprise
    if change.kind is FastTrackChangeKind.unit_name:
        ent.name = change.new_name
    elif change.kind is FastTrackChangeKind.address:
        ent.registered_address = change.new_registered_address or ent.registered_address
        ent.business_address = change.new_business_address or ent.business_address
    elif change.kind is FastTrackChangeKind.legal_representative:
        ent.legal_representative = change.new_legal_representative
    elif change.kind is FastTrackChangeKind.product_list:
        grant = change.grant
        for line in [l for l in grant.lines if l.period is ProductListPeriod.expected]:
            grant.lines.remove(line)
        for line in change.lines:
            grant.lines.append(FastTrackProductLine(
                period=ProductListPeriod.expected, ccc_code=line.ccc_code, purpose=line.purpose,
                annual_batches=line.annual_batches, entry_port=line.entry_port,
                handling=line.handling))


def refuse_incomplete_change(change: FastTrackChange) -> None:
    if change.grant.state not in (S.active, S.suspended):
        raise RuleViolation(f"便捷通道{change.grant.state.label}，只有已开通的便捷通道登记变更。")
    needed = {
        FastTrackChangeKind.unit_name: ("new_name", "变更后单位名称"),
        FastTrackChangeKind.legal_representative: ("new_legal_representative", "变更后法定代表人"),
    }.get(change.kind)
    if needed and not getattr(change, needed[0]):
        raise RecordInvalid({needed[0]: [f"请填写{needed[1]}。"]})
    if change.kind is FastTrackChangeKind.address and not (
            change.new_registered_address or change.new_business_address):
        raise RecordInvalid({"new_registered_address": ["请填写变更后的注册地址或经营地址。"]})
    if change.kind is FastTrackChangeKind.product_list and not change.lines:
        raise RuleViolation("产品清单调整须填写调整后的预计产品清单。")


class FastTrackChangeMachine(StateMachine):
    _ = States.from_enum(FastTrackChangeState, initial=C.draft, final=[C.approved, C.rejected],
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, validators="complete")
    approve = _.submitted.to(_.approved)
    reject = _.submitted.to(_.rejected)

    def complete(self, **_kwargs):
        refuse_incomplete_change(self.model)

    def on_submit(self, opinion=None, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.district_opinion = opinion

    def _decide(self, actor, remarks):
        self.model.decided_at = clock.now()
        self.model.decided_by = signature_of(actor)
        self.model.decision_remarks = remarks

    def on_approve(self, actor=None, remarks=None, **_kwargs):
        apply_change(self.model)
        self._decide(actor, remarks)

    def on_reject(self, actor=None, remarks=None, **_kwargs):
        self._decide(actor, remarks)


class FastTrackChangeWorkflow(Workflow):
    model = FastTrackChange
    machine = FastTrackChangeMachine
    steps = (
        Step("submit", "初审后报市局", DISTRICT_OFFICERS, inputs=(
            StepInput("opinion", "区局初审意见", kind="textarea"),)),
        Step("approve", "批准变更", PROVINCE_REVIEWERS, style="success", inputs=(
            StepInput("remarks", "审核意见", kind="textarea", required=False),)),
        Step("reject", "驳回", PROVINCE_REVIEWERS, style="warning", inputs=(
            StepInput("remarks", "驳回理由", kind="textarea"),)),
    )
