"""账号调整需求 (seed 003 §三, 附件1): the district reports a staffing change within one week;
the province reviews it, forwards it to 总局 within five working days, and records when it
takes effect — which changes the account registry in the same transaction."""
from __future__ import annotations

import datetime as dt

from statemachine import StateMachine
from statemachine.states import States

from app import clock, policy
from app.models import AccountChangeRequest, AccountChangeState
from app.security_model import FILERS, PROVINCE_ADMINS
from app.services import accounts
from app.services.calendar import Deadline, deadline_after
from app.workflows import Step, StepInput, Workflow

S = AccountChangeState


class AccountChangeMachine(StateMachine):
    _ = States.from_enum(AccountChangeState, initial=S.draft, final=S.effective,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, validators="complete_request") \
        | _.returned.to(_.submitted, validators="complete_request")
    approve = _.submitted.to(_.approved)
    send_back = _.submitted.to(_.returned) | _.approved.to(_.returned)
    forward = _.approved.to(_.forwarded)
    apply = _.forwarded.to(_.effective)

    def complete_request(self, **_kwargs):
        accounts.fill_from_account(self.model)
        accounts.check_request(self.model)

    def on_submit(self, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.return_reason = None

    def on_approve(self, **_kwargs):
        self.model.approved_at = clock.now()

    def on_send_back(self, reason=None, **_kwargs):
        self.model.return_reason = reason

    def on_forward(self, **_kwargs):
        self.model.forwarded_at = clock.now()

    def on_apply(self, **_kwargs):
        accounts.apply_to_registry(self.model)
        self.model.effective_at = clock.now()


class AccountChangeWorkflow(Workflow):
    model = AccountChangeRequest
    machine = AccountChangeMachine
    steps = (
        Step("submit", "提交省局", FILERS, confirm="确认提交该账号调整需求？"),
        Step("approve", "审核通过", PROVINCE_ADMINS),
        Step("return", "退回", PROVINCE_ADMINS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea"),)),
        Step("forward", "已报总局", PROVINCE_ADMINS,
             confirm="确认已将该需求报送市场监管总局认证监管司？"),
        Step("apply", "已生效", PROVINCE_ADMINS, style="success",
             confirm="确认总局已完成调整？生效后账号登记将随之更新。"),
    )


def report_due(req: AccountChangeRequest) -> dt.date:
    """The district reports within one week of the staffing change."""
    return req.staffing_changed_on + dt.timedelta(days=policy.profile().account_change_report_days)


def reported_late(req: AccountChangeRequest) -> bool:
    reported = req.submitted_at.date() if req.submitted_at else clock.today()
    return reported > report_due(req)


def forward_deadline(req: AccountChangeRequest) -> Deadline | None:
    """The province forwards within five working days of receiving it."""
    if req.submitted_at is None or req.state is S.returned:
        return None
    forwarded = req.forwarded_at.date() if req.forwarded_at else None
    return deadline_after(req.submitted_at.date(),
                          policy.profile().account_change_forward_working_days,
                          done=forwarded is not None, finished_on=forwarded)
