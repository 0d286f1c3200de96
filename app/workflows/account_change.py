"""账号调整需求 as a machine (seed 003 §三, 附件1): the district reports a staffing change; the
province reviews it, forwards it to 总局 and records when it takes effect — which changes the
account registry in the same transaction. Rules and limits: ``app.services.accounts``."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.domain.errors import RuleViolation
from app.enums import AccountChangeState
from app.models import AccountChangeRequest
from app.security_model import FILERS, PROVINCE_ADMINS
from app.services import accounts
from app.workflows import Step, StepInput, Workflow, guard

S = AccountChangeState
COMPLETE = guard(accounts.request_refusal)


class AccountChangeMachine(StateMachine):
    _ = States.from_enum(AccountChangeState, initial=S.draft, final=S.effective,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, cond=COMPLETE) | _.returned.to(_.submitted, cond=COMPLETE)
    approve = _.submitted.to(_.approved)
    send_back = _.submitted.to(_.returned) | _.approved.to(_.returned)
    forward = _.approved.to(_.forwarded)
    apply = _.forwarded.to(_.effective)

    def on_submit(self, **_kwargs):
        accounts.fill_from_account(self.model)
        self.model.submitted_at = clock.now()
        self.model.return_reason = None

    def on_approve(self, **_kwargs):
        self.model.approved_at = clock.now()

    def on_send_back(self, reason=None, **_kwargs):
        self.model.return_reason = reason

    def on_forward(self, make_filing=False, **_kwargs):
        refusal = accounts.forward_filing_refusal(self.model, bool(make_filing))
        if refusal:
            raise RuleViolation(refusal)
        if self.model.filing_id is None and self.model.filing is None:
            accounts.file_alone(self.model)
        self.model.forwarded_at = clock.now()

    def on_apply(self, **_kwargs):
        accounts.apply_to_registry(self.model)
        self.model.effective_at = clock.now()


class AccountChangeWorkflow(Workflow):
    model = AccountChangeRequest
    machine = AccountChangeMachine
    steps = (
        Step("submit", "提交省局", FILERS, confirm="确认提交该账号调整需求？",
             done="调整需求已提交省局。", caution=accounts.second_request_caution),
        Step("approve", "审核通过", PROVINCE_ADMINS, done="调整需求已审核通过。"),
        Step("return", "退回", PROVINCE_ADMINS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea"),), done="调整需求已退回区局。"),
        Step("forward", "报总局", PROVINCE_ADMINS, inputs=(
            StepInput("make_filing", "同时生成报表", kind="bool", required=False,
                      help="需求尚未编入账号调整需求信息报表（附件1）时，勾选则为本需求单独生成一份报表"),),
             confirm="确认已将该需求报送市场监管总局认证监管司？", done="已登记报送总局。"),
        Step("apply", "登记生效", PROVINCE_ADMINS, style="success",
             confirm="确认总局已完成调整？生效后账号登记将随之更新。",
             done="调整已生效，账号登记已更新。"),
    )
