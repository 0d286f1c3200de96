"""账号使用人信息汇总表 as a machine: 草稿 → 已提交 → 已确认, or 已退回 and resubmitted; the
snapshot can be refreshed while the report is a draft or returned. Rules:
``app.services.annual_reports``."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.enums import AnnualReportState
from app.models import AnnualAccountReport
from app.security_model import FILERS, PROVINCE_ADMINS
from app.services import annual_reports as svc
from app.workflows import Step, StepInput, Workflow, guard

S = AnnualReportState


class AnnualReportMachine(StateMachine):
    _ = States.from_enum(AnnualReportState, initial=S.draft, final=S.confirmed,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, cond=guard(svc.lines_missing)) \
        | _.returned.to(_.submitted, cond=guard(svc.lines_missing))
    confirm = _.submitted.to(_.confirmed)
    send_back = _.submitted.to(_.returned)
    refresh = _.draft.to.itself(internal=True) | _.returned.to.itself(internal=True)

    def on_submit(self, **_kwargs):
        self.model.submitted_at = clock.now()
        self.model.filed_on = clock.today()
        self.model.return_reason = None

    def on_confirm(self, **_kwargs):
        self.model.confirmed_at = clock.now()

    def on_send_back(self, reason=None, **_kwargs):
        self.model.return_reason = reason

    def on_refresh(self, **_kwargs):
        svc.snapshot_lines(self.model)


class AnnualReportWorkflow(Workflow):
    model = AnnualAccountReport
    machine = AnnualReportMachine
    steps = (
        Step("refresh", "重新生成明细", FILERS, style="default",
             confirm="按账号登记的当前情况重新生成明细？已填写的备注会保留。",
             done="已按账号登记重新生成明细。"),
        Step("submit", "提交省局", FILERS, confirm="确认提交本年度账号使用人信息汇总表？",
             done="汇总表已提交省局。"),
        Step("confirm", "确认", PROVINCE_ADMINS, style="success", done="汇总表已确认。"),
        Step("return", "退回", PROVINCE_ADMINS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea"),), done="汇总表已退回区局。"),
    )
