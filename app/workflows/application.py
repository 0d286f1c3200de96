"""免办申请 review as a machine (seed 002 §1, seed 004 §2.1–2.2): 未提交 → 已提交 → 已受理 →
已初审 → 已复审 → 已发证, or 退回 with a reason (the applicant corrects and resubmits).
提交 keeps a copy of an earlier 营业执照 the dossier reuses (``keep_reused_materials``).

受理, 初审 and 复审 record their checks (seed 001 流程3: in the catalogue, applicant identity,
materials complete, content) each ✓/✗ with a remark — passing needs every check ✓, 退回 at
least one ✗ — and 发证 needs the 复审's checks all ✓. 复审 needs a 复审-holding registry
account and is never taken by the 初审's reviewer (``app.services.duties``).
Rules and deadlines: ``app.services.applications``."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock
from app.domain.dossier import REVIEW_CHECKS
from app.enums import ApplicationState, FunctionCode, ReviewVerdict
from app.models import Application
from app.security_model import FILERS, Role
from app.services import applications as svc
from app.services import duties
from app.services.certificates import issue_certificate
from app.workflows import Step, StepInput, Workflow, guard

S = ApplicationState
REVIEWERS = frozenset({Role.district_officer, Role.province_reviewer})
COMPLETE = guard(svc.incompleteness)
NOT_THE_FIRST_REVIEWER = guard(duties.same_reviewer_refusal, actor=True)
REVIEWED_ALL_PASSED = guard(svc.issue_refusal)


def _checks(values: dict) -> dict:
    return {k: v for k, v in values.items() if k.startswith(("check_", "remark_"))}


class ApplicationMachine(StateMachine):
    _ = States.from_enum(ApplicationState, initial=S.draft, final=S.issued,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, cond=COMPLETE) | _.returned.to(_.submitted, cond=COMPLETE)
    accept = _.submitted.to(_.accepted, validators="all_passed")
    first_review = _.accepted.to(_.first_reviewed, validators="all_passed")
    second_review = _.first_reviewed.to(_.second_reviewed, cond=NOT_THE_FIRST_REVIEWER,
                                        validators="all_passed")
    issue = _.second_reviewed.to(_.issued, cond=REVIEWED_ALL_PASSED)
    send_back = _.submitted.to(_.returned, validators="one_failed") \
        | _.accepted.to(_.returned, validators="one_failed") \
        | _.first_reviewed.to(_.returned, validators="one_failed") \
        | _.second_reviewed.to(_.returned, validators="one_failed")

    # --- validators on the step's inputs ------------------------------------------------

    def all_passed(self, **kwargs):
        svc.refuse_review(_checks(kwargs), passing=True)

    def one_failed(self, **kwargs):
        svc.refuse_review(_checks(kwargs), passing=False)

    # --- effects ----------------------------------------------------------------------

    def on_submit(self, source, **_kwargs):
        app = self.model
        # A first submission loaded from the national system keeps its original time.
        if not (source.value is S.draft and app.submitted_at is not None
                and app.submitted_at <= clock.now()):
            app.submitted_at = clock.now()
        app.return_reason = None
        app.accepted_at = app.first_reviewed_at = app.second_reviewed_at = None
        app.decided_at = None
        # an earlier 营业执照 the dossier reuses is kept with it from now on
        svc.keep_reused_materials(app)

    def on_accept(self, actor=None, **kwargs):
        self.model.accepted_at = clock.now()
        svc.record_review(self.model, "accept", actor, _checks(kwargs))

    def on_first_review(self, actor=None, **kwargs):
        self.model.first_reviewed_at = clock.now()
        svc.record_review(self.model, "first_review", actor, _checks(kwargs))

    def on_second_review(self, actor=None, **kwargs):
        self.model.second_reviewed_at = clock.now()
        svc.record_review(self.model, "second_review", actor, _checks(kwargs))

    def on_issue(self, **_kwargs):
        self.model.decided_at = clock.now()
        issue_certificate(self.model)

    def on_send_back(self, actor=None, reason=None, **kwargs):
        self.model.return_reason = reason
        self.model.decided_at = clock.now()
        svc.record_review(self.model, "return", actor, _checks(kwargs))


VERDICTS = tuple(ReviewVerdict.choices())


def review_inputs(required: bool) -> tuple[StepInput, ...]:
    """The checks of a review, one ✓/✗ and one remark each: one schema for the console form
    and the API (``check_<code>``: passed | failed, ``remark_<code>``)."""
    inputs = []
    for check in REVIEW_CHECKS:
        inputs.append(StepInput(f"check_{check.code}", f"核对：{check.label}", kind="choice",
                                required=required, choices=VERDICTS, help=check.help))
        inputs.append(StepInput(f"remark_{check.code}", f"{check.label}——备注", required=False,
                                help="不符合时必须写明原因"))
    return tuple(inputs)


PASSING_REVIEW = review_inputs(required=True)


class ApplicationWorkflow(Workflow):
    model = Application
    machine = ApplicationMachine
    steps = (
        Step("submit", "提交", FILERS, confirm="提交后申请信息不能再修改，确认提交？",
             done="申请已提交，审核期限开始计算。"),
        Step("accept", "受理", REVIEWERS, inputs=PASSING_REVIEW, done="申请已受理，核对结果已记录。"),
        Step("first_review", "初审通过", REVIEWERS, inputs=PASSING_REVIEW,
             done="初审已通过，核对结果已记录。"),
        Step("second_review", "复审通过", REVIEWERS, inputs=PASSING_REVIEW,
             duty=FunctionCode.second_review, done="复审已通过，核对结果已记录。"),
        Step("issue", "发证", REVIEWERS, style="success",
             confirm="发证后将生成免办证明，确认发证？", done="已发证，免办证明已生成。"),
        Step("return", "退回", REVIEWERS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea",
                               help="将告知申请人的不符合要求之处"),) + review_inputs(required=False),
             done="申请已退回，退回原因及核对结果已记录。"),
    )
