"""双随机 supervision flows (wiring only; the rules are in ``app.services.supervision``):

* 检查计划: 草稿 → 发布 → (随机抽取, 复核) → 完成
* 检查记录: 待检查 → 合格 / 不合格 → 责令改正 → 复查 → 已整改 / 逾期未改正; for a fast-track
  unit 上报市局 → 报总局 → 已暂停便捷通道 / 已取消便捷通道 (moved by the grant's 暂停/取消 that
  names the inspection, in the sanction's transaction: :func:`close_by_sanction`); any unit
  立案调查. Once its result is recorded, an inspection with 外省市使用情况 rows not yet in a
  letter offers 起草协查函 (see ``rules.draft_letters``: one draft letter per place of use).
* 协查函: 草稿 → 发函 → 登记反馈; 收到的来函 → 答复
"""
from __future__ import annotations

from statemachine import StateMachine
from statemachine.states import States

from app import clock, policy
from app.domain.errors import RecordInvalid
from app.enums import (
    InspectionState,
    LetterState,
    PlanState,
    ReplyResult,
    SanctionMeasure,
    SanctionReason,
)
from app.models import AssistanceLetter, Inspection, InspectionPlan
from app.policy import local
from app.scope import signature_of
from app.security_model import (
    DISTRICT_OFFICERS,
    FILERS,
    PROVINCE_ADMINS,
    PROVINCE_REVIEWERS,
)
from app.services import supervision as rules
from app.workflows import Step, StepInput, Workflow, guard

# --- 检查计划 ---------------------------------------------------------------------------------

NOT_DRAWN = guard(rules.draw_refusal, quiet=True)
DRAWN = guard(rules.not_drawn_refusal, quiet=True)


class InspectionPlanMachine(StateMachine):
    _ = States.from_enum(PlanState, initial=PlanState.draft,
                         use_enum_instance=True)

    # a plan is drawn once; once drawn it is re-checked and completed
    publish = _.draft.to(_.published)
    draw = _.published.to.itself(internal=True,
                                 cond=[NOT_DRAWN, guard(rules.candidates_refusal)])
    verify = _.published.to.itself(internal=True, cond=DRAWN) \
        | _.completed.to.itself(internal=True, cond=DRAWN)
    complete = _.published.to(_.completed, cond=[DRAWN, guard(rules.completion_refusal)])

    def on_publish(self, **_kwargs):
        self.model.published_at = clock.now()

    def on_draw(self, actor=None, seed=None, **_kwargs):
        rules.run_draw(self.model, actor, seed=seed)

    def on_verify(self, actor=None, **_kwargs):
        plan = self.model
        plan.verified_same = rules.verify_draw(plan)
        plan.verified_at = clock.now()
        plan.verified_by = signature_of(actor)

    def on_complete(self, **_kwargs):
        self.model.completed_at = clock.now()


class InspectionPlanWorkflow(Workflow):
    model = InspectionPlan
    machine = InspectionPlanMachine
    steps = (
        Step("publish", "发布计划", FILERS, confirm="发布后计划内容不能再修改，确认发布？",
             done="检查计划已发布。"),
        Step("draw", "随机抽取", FILERS, style="success", inputs=(
            StepInput("seed", "随机种子", required=False,
                      help="留空由系统在抽取时生成（推荐）；种子与候选名单一并保存并打印在抽查名单上"),),
             done="已随机抽取检查对象、抽查批次和检查人员。"),
        Step("verify", "复核", FILERS | PROVINCE_REVIEWERS, style="default",
             confirm="按保存的候选名单和种子重新计算抽取结果，并与名单比对？",
             done="已按保存的依据复核抽取结果。"),
        Step("complete", "完成计划", FILERS, confirm="名单中的单位均已检查，确认完成本年度计划？",
             done="检查计划已完成。"),
    )


# --- 检查记录 ---------------------------------------------------------------------------------

S = InspectionState
COMPLETE = guard(rules.record_incompleteness)
FAST_TRACK_UNIT = guard(rules.escalation_refusal, quiet=True)
#: offered only while some 外省市使用情况 row is in no letter yet
LETTER_ROWS = guard(rules.letter_rows_refusal, quiet=True)


def _letters_from(state):
    return state.to.itself(internal=True, cond=LETTER_ROWS)


class InspectionMachine(StateMachine):
    # no state is final: a concluded inspection (合格, 已整改, 已立案, closed by a sanction) may
    # still have its out-of-province rows sent out as 协查函
    _ = States.from_enum(InspectionState, initial=S.pending, use_enum_instance=True)

    record = _.pending.to(_.passed, cond=[COMPLETE, "compliant"]) \
        | _.pending.to(_.failed, cond=COMPLETE, unless="compliant")
    order_correction = _.failed.to(_.correcting, validators="valid_deadline")
    recheck = _.correcting.to(_.corrected, cond="corrected_in_time", validators="valid_recheck") \
        | _.correcting.to(_.overdue, unless="corrected_in_time", validators="valid_recheck")
    report_city = _.failed.to(_.reported_city, cond=FAST_TRACK_UNIT) \
        | _.overdue.to(_.reported_city, cond=FAST_TRACK_UNIT)
    report_samr = _.reported_city.to(_.reported_samr)
    open_case = _.failed.to(_.case_opened, validators="has_case_no") \
        | _.correcting.to(_.case_opened, validators="has_case_no") \
        | _.overdue.to(_.case_opened, validators="has_case_no") \
        | _.reported_city.to(_.case_opened, validators="has_case_no") \
        | _.reported_samr.to(_.case_opened, validators="has_case_no")
    # the grant's 暂停/取消 naming this inspection closes it (not a step: close_by_sanction)
    close_by_sanction = _.reported_samr.to(_.suspended, cond="suspending") \
        | _.reported_samr.to(_.revoked, unless="suspending") \
        | _.suspended.to(_.revoked, unless="suspending")
    draft_letters = _letters_from(_.passed) | _letters_from(_.failed) \
        | _letters_from(_.correcting) | _letters_from(_.corrected) \
        | _letters_from(_.overdue) | _letters_from(_.reported_city) \
        | _letters_from(_.reported_samr) | _letters_from(_.case_opened) \
        | _letters_from(_.suspended) | _letters_from(_.revoked)

    # --- conditions and validators ----------------------------------------------------

    def suspending(self, measure=None, **_kwargs) -> bool:
        return measure == "suspend"

    def compliant(self, **_kwargs) -> bool:
        return rules.inspection_outcome(self.model).name == "pass"

    def valid_deadline(self, due=None, **_kwargs):
        if due is not None and due < clock.today():
            raise RecordInvalid({"due": ["整改期限不能早于今天。"]})

    def valid_recheck(self, rechecked_on=None, corrected=None, corrected_on=None, **_kwargs):
        rules.recheck_outcome(self.model, rechecked_on, corrected, corrected_on)

    def corrected_in_time(self, rechecked_on=None, corrected=None, corrected_on=None, **_kwargs):
        return rules.recheck_outcome(self.model, rechecked_on, corrected,
                                     corrected_on) is S.corrected

    def has_case_no(self, case_no=None, **_kwargs):
        from sqlalchemy import select

        from app.extensions import db

        taken = db.session.scalar(select(Inspection.id).where(
            Inspection.case_no == case_no, Inspection.id != self.model.id))
        if taken:
            raise RecordInvalid({"case_no": [f"立案编号{case_no}已用于检查记录#{taken}。"]})

    # --- effects ----------------------------------------------------------------------

    def on_record(self, actor=None, **_kwargs):
        item = self.model
        item.result = rules.inspection_outcome(item)
        item.recorded_at = clock.now()
        item.recorded_by = signature_of(actor)

    def on_order_correction(self, requirements=None, due=None, **_kwargs):
        item = self.model
        item.correction_ordered_on = clock.today()
        item.correction_due = due or rules.default_correction_due(item.correction_ordered_on)
        item.correction_requirements = requirements

    def on_recheck(self, rechecked_on=None, corrected=None, corrected_on=None, record=None,
                   **_kwargs):
        item = self.model
        item.rechecked_on = rechecked_on
        item.corrected_on = corrected_on if corrected == "yes" else None
        item.recheck_record = record

    def on_report_city(self, actor=None, reason=None, opinion=None, **_kwargs):
        item = self.model
        item.sanction_reason = SanctionReason[reason]
        item.escalation_opinion = opinion
        item.reported_city_at = clock.now()
        item.reported_city_by = signature_of(actor)

    def on_report_samr(self, actor=None, measure=None, opinion=None, **_kwargs):
        item = self.model
        item.proposed_measure = SanctionMeasure[measure]
        if opinion:
            item.escalation_opinion = "\n".join(filter(None, [item.escalation_opinion,
                                                              f"{policy.profile().province_bureau_short}意见：{opinion}"]))
        item.reported_samr_at = clock.now()
        item.reported_samr_by = signature_of(actor)

    def on_open_case(self, case_no=None, opened_on=None, **_kwargs):
        self.model.case_no = case_no
        self.model.case_opened_on = opened_on or clock.today()

    def on_close_by_sanction(self, on=None, **_kwargs):
        self.model.sanctioned_on = on or clock.today()

    def on_draft_letters(self, actor=None, **_kwargs):
        rules.draft_letters(self.model)


YES_NO = (("yes", "是"), ("no", "否"))


class InspectionWorkflow(Workflow):
    model = Inspection
    machine = InspectionMachine
    steps = (
        Step("record", "提交检查结论", DISTRICT_OFFICERS,
             confirm="提交后检查表不能再修改；全部检查点符合要求为合格，否则为不合格。确认提交？",
             done="检查结论已提交。"),
        Step("order_correction", "责令改正", DISTRICT_OFFICERS, style="warning", inputs=(
            StepInput("requirements", "整改要求", kind="textarea"),
            StepInput("due", "整改期限", kind="date", required=False,
                      help="留空按政策默认期限（自今天起算）")), done="已责令改正。"),
        Step("recheck", "复查", DISTRICT_OFFICERS, inputs=(
            StepInput("rechecked_on", "复查日期", kind="date"),
            StepInput("corrected", "是否已整改", kind="choice", choices=YES_NO),
            StepInput("corrected_on", "整改完成日期", kind="date", required=False,
                      help="已整改的填写；在整改期限当日或之前完成为按期整改"),
            StepInput("record", "复查记录", kind="textarea")), done="复查结果已登记。"),
        Step("report_city", local("上报{province_bureau_short}"), DISTRICT_OFFICERS,
             style="danger", inputs=(
            StepInput("reason", "情形（《实施办法》第十二条）", kind="choice",
                      choices=tuple(SanctionReason.choices())),
            StepInput("opinion", "区局意见", kind="textarea")),
             done=local("已上报{province_bureau_short}。")),
        Step("report_samr", "报总局", PROVINCE_ADMINS, style="danger", inputs=(
            StepInput("measure", "报请措施", kind="choice",
                      choices=tuple(SanctionMeasure.choices())),
            StepInput("opinion", local("{province_bureau_short}意见"), kind="textarea",
                      required=False)),
             done="已登记报总局。"),
        Step("open_case", "立案调查", DISTRICT_OFFICERS, style="danger", inputs=(
            StepInput("case_no", "立案编号"),
            StepInput("opened_on", "立案日期", kind="date", required=False)),
             done="已登记立案调查。"),
        Step("draft_letters", "起草协查函", DISTRICT_OFFICERS, style="default",
             confirm="按外省市使用情况中尚未发函的批次，每个使用地起草一份协查函（草稿），确认？",
             done="已起草协查函，请在下方“协查函”中核对内容后发函。"),
    )
    state_refusals = {"draft_letters": {
        S.pending: "请先提交检查结论：外省市使用情况随检查表提交后不再修改，方可据此起草协查函。"}}


def close_by_sanction(inspection: Inspection, measure: str, on) -> None:
    """The grant's 暂停 (``measure`` "suspend") or 取消 ("revoke") names ``inspection`` as its
    source: the inspection, 已报总局 (or 已暂停便捷通道, when the suspension becomes a
    revocation), is closed as 已暂停便捷通道 / 已取消便捷通道 on the sanction's day — in the
    caller's transaction. An inspection closed otherwise meanwhile (立案调查) keeps its state."""
    machine = InspectionWorkflow.bind(inspection)
    if "close_by_sanction" in {e.id for e in machine.enabled_events(measure=measure)}:
        machine.send("close_by_sanction", measure=measure, on=on)


# --- 协查函 -----------------------------------------------------------------------------------

L = LetterState
OUTGOING = guard(rules.not_outgoing, quiet=True)
INCOMING = guard(rules.not_incoming, quiet=True)
REPLY_INPUTS = (
    StepInput("replied_on", "反馈日期", kind="date"),
    StepInput("result", "协查结果", kind="choice", choices=tuple(ReplyResult.choices())),
    StepInput("summary", "反馈内容", kind="textarea"),
)


class AssistanceLetterMachine(StateMachine):
    _ = States.from_enum(LetterState, initial=L.draft, final=[L.replied],
                         use_enum_instance=True)

    # a draft letter is either sent (ours) or registered (theirs): only its own step exists
    send_letter = _.draft.to(_.sent, cond=OUTGOING, validators="sent_not_later")
    register = _.draft.to(_.received, cond=[INCOMING, guard(rules.incoming_incompleteness)])
    record_reply = _.sent.to(_.replied, validators="valid_reply")
    answer = _.received.to(_.replied, validators="valid_reply")

    def sent_not_later(self, sent_on=None, **_kwargs):
        if sent_on is not None and sent_on > clock.today():
            raise RecordInvalid({"sent_on": ["发函日期不能晚于今天。"]})

    def valid_reply(self, replied_on=None, **_kwargs):
        letter = self.model
        if replied_on > clock.today():
            raise RecordInvalid({"replied_on": ["反馈日期不能晚于今天。"]})
        if letter.sent_on and replied_on < letter.sent_on:
            raise RecordInvalid({"replied_on": ["反馈日期不能早于发函日期。"]})

    def on_send_letter(self, actor=None, doc_no=None, sent_on=None, **_kwargs):
        letter = self.model
        letter.doc_no = doc_no
        letter.sent_on = sent_on or clock.today()
        letter.signed_by = signature_of(actor)

    def _reply(self, replied_on, result, summary):
        self.model.replied_on = replied_on
        self.model.reply_result = ReplyResult[result]
        self.model.reply_summary = summary

    def on_record_reply(self, replied_on=None, result=None, summary=None, **_kwargs):
        self._reply(replied_on, result, summary)

    def on_answer(self, actor=None, replied_on=None, result=None, summary=None, **_kwargs):
        self._reply(replied_on, result, summary)
        self.model.signed_by = signature_of(actor)


class AssistanceLetterWorkflow(Workflow):
    model = AssistanceLetter
    machine = AssistanceLetterMachine
    steps = (
        Step("send", "发函", FILERS, event="send_letter", style="success", inputs=(
            StepInput("doc_no", "文号", help="如：黄市监协〔2026〕3号"),
            StepInput("sent_on", "发函日期", kind="date", required=False, help="留空为今天")),
             done="协查函已发出，反馈期限开始计算。"),
        Step("register", "登记来函", FILERS, style="success",
             confirm="确认来函文号、来函单位和发函日期无误并登记？反馈期限自发函日期起算。",
             done="来函已登记。"),
        Step("record_reply", "登记反馈", FILERS, inputs=REPLY_INPUTS, done="反馈已登记。"),
        Step("answer", "答复来函", FILERS, inputs=REPLY_INPUTS, done="已答复来函。"),
    )
