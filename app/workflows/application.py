"""免办申请 review as a machine (seed 002 §1, seed 004 §2.1–2.2): 未提交 → 已提交 → 已受理 →
已初审 → 已复审 → 已发证, or 退回 with a reason (the applicant corrects and resubmits).
Rules and deadlines: ``app.services.applications``."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.enums import ApplicationState
from app.models import Application
from app.security_model import FILERS, Role
from app.services import applications as svc
from app.services.certificates import issue_certificate
from app.workflows import Step, StepInput, Workflow, guard

S = ApplicationState
REVIEWERS = frozenset({Role.district_officer, Role.province_reviewer})
COMPLETE = guard(svc.incompleteness)


class ApplicationMachine(StateMachine):
    _ = States.from_enum(ApplicationState, initial=S.draft, final=S.issued,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, cond=COMPLETE) | _.returned.to(_.submitted, cond=COMPLETE)
    accept = _.submitted.to(_.accepted)
    first_review = _.accepted.to(_.first_reviewed)
    second_review = _.first_reviewed.to(_.second_reviewed)
    issue = _.second_reviewed.to(_.issued)
    send_back = _.submitted.to(_.returned) | _.accepted.to(_.returned) \
        | _.first_reviewed.to(_.returned) | _.second_reviewed.to(_.returned)

    def on_submit(self, source, **_kwargs):
        app = self.model
        # A first submission loaded from the national system keeps its original time.
        if not (source.value is S.draft and app.submitted_at is not None
                and app.submitted_at <= clock.now()):
            app.submitted_at = clock.now()
        app.return_reason = None
        app.accepted_at = app.first_reviewed_at = app.second_reviewed_at = None
        app.decided_at = None

    def on_accept(self, **_kwargs):
        self.model.accepted_at = clock.now()

    def on_first_review(self, **_kwargs):
        self.model.first_reviewed_at = clock.now()

    def on_second_review(self, **_kwargs):
        self.model.second_reviewed_at = clock.now()

    def on_issue(self, **_kwargs):
        self.model.decided_at = clock.now()
        issue_certificate(self.model)

    def on_send_back(self, reason=None, **_kwargs):
        self.model.return_reason = reason
        self.model.decided_at = clock.now()


class ApplicationWorkflow(Workflow):
    model = Application
    machine = ApplicationMachine
    steps = (
        Step("submit", "提交", FILERS, confirm="提交后申请信息不能再修改，确认提交？",
             done="申请已提交，审核期限开始计算。"),
        Step("accept", "受理", REVIEWERS, done="申请已受理。"),
        Step("first_review", "初审通过", REVIEWERS, done="初审已通过。"),
        Step("second_review", "复审通过", REVIEWERS, done="复审已通过。"),
        Step("issue", "发证", REVIEWERS, style="success",
             confirm="发证后将生成免办证明，确认发证？", done="已发证，免办证明已生成。"),
        Step("return", "退回", REVIEWERS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea",
                               help="将告知申请人的不符合要求之处"),),
             done="申请已退回，退回原因已记录。"),
    )
