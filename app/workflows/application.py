"""免办申请 review (seed 002 §1, seed 004 §2.1–2.2): 未提交 → 已提交 → 已受理 → 已初审 →
已复审 → 已发证, or 退回 with a reason (the applicant corrects and resubmits). Issue within
5 working days of submission; return within 2 (the submission day not counted)."""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock, meta, policy
from app.domain.errors import RecordInvalid, RuleViolation
from app.domain.validators import check_fields, check_record
from app.models import APPLICATION_IN_REVIEW, Application, ApplicationState
from app.security_model import FILERS, Role
from app.services.calendar import Deadline, deadline_after
from app.services.certificates import issue_certificate
from app.workflows import Step, StepInput, Workflow

S = ApplicationState
REVIEWERS = frozenset({Role.district_officer, Role.province_reviewer})


def check_complete(application: Application) -> None:
    """What the national system insists on before it accepts a submission."""
    if not application.products:
        raise RuleViolation("申请中没有产品，请先添加产品后再提交。")
    values = {attr: getattr(application, attr) for attr in (
        "clause", "research_detail", "applicant_type", "bill_of_lading_no", "contract_no",
        "invoice_no")}
    try:
        check_record(meta.record_rules_of(Application), values)
        from app.models import Product

        for product in application.products:
            check_fields(meta.validators_of(Product), {
                "hs_code": product.hs_code, "ccc_code": product.ccc_code,
                "quantity": product.quantity, "amount": product.amount})
    except RecordInvalid as exc:
        raise RuleViolation("申请信息不完整，不能提交：" + exc.message) from None


class ApplicationMachine(StateMachine):
    _ = States.from_enum(ApplicationState, initial=S.draft, final=S.issued,
                         use_enum_instance=True)

    submit = _.draft.to(_.submitted, validators="complete") \
        | _.returned.to(_.submitted, validators="complete")
    accept = _.submitted.to(_.accepted)
    first_review = _.accepted.to(_.first_reviewed)
    second_review = _.first_reviewed.to(_.second_reviewed)
    issue = _.second_reviewed.to(_.issued)
    send_back = _.submitted.to(_.returned) | _.accepted.to(_.returned) \
        | _.first_reviewed.to(_.returned) | _.second_reviewed.to(_.returned)

    def complete(self, **_kwargs):
        check_complete(self.model)

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
        Step("submit", "提交", FILERS, confirm="提交后申请信息不能再修改，确认提交？"),
        Step("accept", "受理", REVIEWERS),
        Step("first_review", "初审通过", REVIEWERS),
        Step("second_review", "复审通过", REVIEWERS),
        Step("issue", "发证", REVIEWERS, style="success",
             confirm="发证后将生成免办证明，确认发证？"),
        Step("return", "退回", REVIEWERS, event="send_back", style="warning",
             inputs=(StepInput("reason", "退回原因", kind="textarea",
                               help="将告知申请人的不符合要求之处"),)),
    )


def _deadline(application: Application, working_days: int) -> Deadline | None:
    if application.submitted_at is None or application.state is S.draft:
        return None
    decided = application.decided_at.date() if application.decided_at else None
    return deadline_after(application.submitted_at.date(), working_days,
                          done=application.state not in APPLICATION_IN_REVIEW, finished_on=decided)


def approve_deadline(application: Application) -> Deadline | None:
    """Issue within 5 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().approve_within_working_days)


def return_deadline(application: Application) -> Deadline | None:
    """Return within 2 working days of submission (seed 002 §1)."""
    return _deadline(application, policy.profile().return_within_working_days)
