"""Inspection records: the checklist answered point by point, 合格/不合格 from the declaration,
two eligible inspectors who did not handle the unit, 责令改正 → 复查 to the day, 逾期未改正 →
上报市局 → 报总局 → the grant's suspension, 立案调查; assistance letters flagged on day 16."""
from __future__ import annotations

import datetime as dt

import pytest

from app import clock
from app.domain.errors import AccessDenied, RecordInvalid, RuleViolation
from app.enums import Answer, FastTrackState, InspectionState, LetterDirection
from app.extensions import db
from app.models import FastTrackGrant
from app.scope import acting_as
from app.services.supervision import letter_overdue, progress, reply_due
from app.workflows import run_step
from app.workflows.fast_track import FastTrackWorkflow
from app.workflows.supervision import AssistanceLetterWorkflow as L
from app.workflows.supervision import InspectionWorkflow as W
from tests import factories

DAY = dt.date(2026, 11, 23)


@pytest.fixture()
def today(monkeypatch):
    current = {"day": DAY}
    monkeypatch.setattr(clock, "today", lambda: current["day"])

    def _set(day: dt.date) -> dt.date:
        current["day"] = day
        return day

    return _set


def _world(fast_track: bool = False):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(3)]
    ent = factories.fast_track_unit(bureau) if fast_track else factories.issued_unit(bureau)
    db.session.commit()
    item = factories.adhoc_inspection(bureau, ent=ent, inspectors=officers[:2],
                                      inspected_on=DAY - dt.timedelta(days=1))
    db.session.commit()
    return bureau, officers, item


def _answer(item, finding_on: str | None = None):
    """Answer every point as compliant, except ``finding_on`` (a point code)."""
    checklist = item.checklist.checklist
    for a in item.answers:
        point = checklist.point(a.point_code)
        a.answer = Answer[point.finding if a.point_code == finding_on else point.compliant]
        if a.point_code == finding_on:
            a.description = "抽查批次NT0001的展品未按承诺退运，现场仍在展厅使用。"
    db.session.commit()


def test_the_checklist_is_complete_and_its_inspectors_eligible_before_a_result(app_ctx, today):
    bureau, officers, item = _world()
    assert [a.point_code for a in item.answers] == ["1-1", "1-2", "2-1", "2-2", "3-1", "3-2"]
    with pytest.raises(RuleViolation, match="6个检查点未填写检查结论"):
        run_step(W, item.id, "record", officers[0])
    _answer(item, finding_on="3-1")
    item.answers[4].description = None
    db.session.commit()
    with pytest.raises(RuleViolation, match="须填写现场检查情况描述"):
        run_step(W, item.id, "record", officers[0])
    _answer(item, finding_on="3-1")
    item.inspectors = [officers[0]]
    db.session.commit()
    with pytest.raises(RuleViolation, match="检查人员不少于2人"):
        run_step(W, item.id, "record", officers[0])
    # an officer who handled one of the unit's applications must stand aside (回避)
    with acting_as(officers[2]):
        factories.application(item.enterprise, products=1)
        db.session.commit()
    item.inspectors = [officers[0], officers[2]]
    db.session.commit()
    with pytest.raises(RuleViolation, match="应当回避") as exc:
        run_step(W, item.id, "record", officers[0])
    assert officers[2].signature in exc.value.message
    item.inspectors = [officers[0], officers[1]]
    db.session.commit()
    run_step(W, item.id, "record", officers[0])
    db.session.refresh(item)
    assert item.state is InspectionState.failed and item.result.name == "fail"


@pytest.mark.parametrize("finding, expected", [
    (None, InspectionState.passed),
    ("3-2", InspectionState.failed),   # "是否建立…台帐": 否 is the finding
    ("1-1", InspectionState.failed),   # "是否应报未报": 是 is the finding
])
def test_the_result_follows_each_points_compliant_answer(app_ctx, today, finding, expected):
    bureau, officers, item = _world()
    _answer(item, finding_on=finding)
    point = item.checklist.checklist.point("3-2")
    assert point.compliant == "yes" and item.checklist.checklist.point("1-1").compliant == "no"
    run_step(W, item.id, "record", officers[0])
    db.session.refresh(item)
    assert item.state is expected
    with pytest.raises(RuleViolation, match="不能再修改"):
        from app.commands.records import SaveRecord

        SaveRecord(item.answers[0], creating=False,
                   apply=lambda answer: setattr(answer, "description", "事后修改")).execute()


@pytest.mark.parametrize("corrected, on, expected", [
    ("no", 0, "refused"),                 # the deadline day itself: still within it
    ("no", 1, InspectionState.overdue),   # the day after: 逾期未改正
    ("yes", 0, InspectionState.corrected),  # corrected on the deadline day
    ("yes", 1, InspectionState.overdue),  # corrected a day late
])
def test_recheck_to_the_day(app_ctx, today, corrected, on, expected):
    bureau, officers, item = _world()
    _answer(item, finding_on="3-1")
    run_step(W, item.id, "record", officers[0])
    with pytest.raises(RuleViolation, match="当前状态为“不合格”"):
        run_step(W, item.id, "recheck", officers[0], {"rechecked_on": DAY, "corrected": "no",
                                                      "record": "x"})
    run_step(W, item.id, "order_correction", officers[0], {"requirements": "限期建立台帐并退运展品"})
    db.session.refresh(item)
    due = DAY + dt.timedelta(days=30)  # policy.correction_days
    assert item.correction_ordered_on == DAY and item.correction_due == due
    today(due + dt.timedelta(days=on))
    inputs = {"rechecked_on": due + dt.timedelta(days=on), "corrected": corrected,
              "record": "现场复查"}
    if corrected == "yes":
        inputs["corrected_on"] = due + dt.timedelta(days=on)
    if expected == "refused":
        with pytest.raises(RuleViolation, match="期限届满前不能认定逾期未改正"):
            run_step(W, item.id, "recheck", officers[0], inputs)
        db.session.refresh(item)
        assert item.state is InspectionState.correcting and item.rechecked_on is None
        return
    run_step(W, item.id, "recheck", officers[0], inputs)
    db.session.refresh(item)
    assert item.state is expected


def test_a_correction_deadline_in_the_past_is_refused(app_ctx, today):
    bureau, officers, item = _world()
    _answer(item, finding_on="1-2")
    run_step(W, item.id, "record", officers[0])
    with pytest.raises(RecordInvalid, match="整改期限不能早于今天"):
        run_step(W, item.id, "order_correction", officers[0],
                 {"requirements": "整改", "due": (DAY - dt.timedelta(days=1)).isoformat()})
    run_step(W, item.id, "order_correction", officers[0],
             {"requirements": "整改", "due": DAY.isoformat()})
    db.session.refresh(item)
    assert item.correction_due == DAY


def test_fast_track_unit_overdue_goes_to_city_then_samr_then_suspension(app_ctx, today, users):
    bureau, officers, item = _world(fast_track=True)
    assert item.checklist.name == "fast_track" and len(item.answers) == 10
    _answer(item, finding_on="1-2")  # 产品追溯体系是否完善: 否
    run_step(W, item.id, "record", officers[0])
    run_step(W, item.id, "order_correction", officers[0], {"requirements": "完善追溯制度"})
    today(DAY + dt.timedelta(days=31))
    run_step(W, item.id, "recheck", officers[0], {
        "rechecked_on": DAY + dt.timedelta(days=31), "corrected": "no", "record": "仍未建立"})
    with pytest.raises(AccessDenied):
        run_step(W, item.id, "report_samr", officers[0], {"measure": "suspend"})
    with pytest.raises(RuleViolation, match="当前状态为“逾期未改正”"):
        run_step(W, item.id, "report_samr", users["admin"], {"measure": "suspend"})
    run_step(W, item.id, "report_city", officers[0], {
        "reason": "no_longer_eligible", "opinion": "逾期未改正，建议暂停"})
    grant = db.session.query(FastTrackGrant).filter_by(enterprise_id=item.enterprise_id).one()
    with pytest.raises(RecordInvalid, match="尚未由市局报总局"):
        run_step(FastTrackWorkflow, grant.id, "suspend", users["admin"],
                 {"reason": "no_longer_eligible", "inspection_id": item.id})
    run_step(W, item.id, "report_samr", users["admin"], {"measure": "suspend",
                                                        "opinion": "同意报请暂停"})
    db.session.refresh(item)
    assert item.state is InspectionState.reported_samr and item.proposed_measure.name == "suspend"
    run_step(FastTrackWorkflow, grant.id, "suspend", users["admin"],
             {"reason": "no_longer_eligible", "inspection_id": item.id})
    db.session.refresh(grant)
    assert grant.state is FastTrackState.suspended and grant.sanction_inspection_id == item.id


def test_general_units_are_not_reported_to_the_city_but_a_case_may_be_opened(app_ctx, today):
    bureau, officers, item = _world()
    _answer(item, finding_on="2-2")
    run_step(W, item.id, "record", officers[0])
    with pytest.raises(RuleViolation, match="只有便捷通道使用单位"):
        run_step(W, item.id, "report_city", officers[0], {"reason": "misuse", "opinion": "x"})
    run_step(W, item.id, "open_case", officers[0], {"case_no": "沪市监案〔2026〕001号"})
    db.session.refresh(item)
    assert item.state is InspectionState.case_opened and item.case_opened_on == DAY
    _b, others, second = _world()
    _answer(second, finding_on="2-2")
    run_step(W, second.id, "record", others[0])
    with pytest.raises(RecordInvalid, match="已用于检查记录"):
        run_step(W, second.id, "open_case", others[0], {"case_no": "沪市监案〔2026〕001号"})


# --- assistance letters: 15 days ------------------------------------------------------------

def test_a_letter_is_due_on_day_15_and_flagged_on_day_16(app_ctx, today):
    bureau = factories.fresh_district()
    officer = factories.supervisor(bureau)
    letter = factories.letter(bureau)
    db.session.commit()
    with pytest.raises(RuleViolation, match="当前状态为“草稿”"):
        run_step(L, letter.id, "record_reply", officer,
                 {"replied_on": DAY, "result": "verified", "summary": "x"})
    with pytest.raises(RuleViolation, match="发出的协查函请使用“发函”"):
        run_step(L, letter.id, "register", officer)
    run_step(L, letter.id, "send", officer, {"doc_no": "测市监协〔2026〕1号"})
    db.session.refresh(letter)
    assert letter.sent_on == DAY and reply_due(letter) == DAY + dt.timedelta(days=15)
    assert letter.reply_due == DAY + dt.timedelta(days=15)
    today(DAY + dt.timedelta(days=15))
    assert not letter_overdue(letter) and "逾期" not in letter.reply_status
    assert progress([bureau.id], DAY.year)[bureau.id].letters_overdue == 0
    today(DAY + dt.timedelta(days=16))
    assert letter_overdue(letter) and letter.reply_status.startswith("逾期")
    assert getattr(letter.reply_status, "level", None) == "danger"
    counts = progress([bureau.id], DAY.year, today=DAY + dt.timedelta(days=16))[bureau.id]
    assert (counts.letters_sent, counts.letters_answered, counts.letters_overdue) == (1, 0, 1)
    with pytest.raises(RecordInvalid, match="反馈日期不能早于发函日期"):
        run_step(L, letter.id, "record_reply", officer, {
            "replied_on": DAY - dt.timedelta(days=1), "result": "verified", "summary": "x"})
    run_step(L, letter.id, "record_reply", officer, {
        "replied_on": DAY + dt.timedelta(days=16), "result": "problem",
        "summary": "产品在苏州维修点使用，与申报一致，但未及时核销"})
    db.session.refresh(letter)
    assert not letter_overdue(letter) and letter.reply_result.name == "problem"
    assert progress([bureau.id], DAY.year)[bureau.id].letters_answered == 1


def test_a_letter_from_elsewhere_is_registered_and_answered(app_ctx, today):
    bureau = factories.fresh_district()
    officer = factories.supervisor(bureau)
    letter = factories.letter(bureau, direction=LetterDirection.incoming, doc_no=None,
                              counterpart="杭州市市场监督管理局")
    db.session.commit()
    # only the incoming letter's own step, greyed with what it still lacks
    assert [s.name for s in L.offered_steps(letter, officer)] == []
    assert [(s.name, "发函日期" in why) for s, why in L.blocked_steps(letter, officer)] == [
        ("register", True)]
    with pytest.raises(RuleViolation, match="发函日期"):
        run_step(L, letter.id, "register", officer)
    letter.sent_on, letter.doc_no = DAY - dt.timedelta(days=3), "杭市监协〔2026〕9号"
    db.session.commit()
    run_step(L, letter.id, "register", officer)
    today(DAY + dt.timedelta(days=13))  # day 16 after their letter
    db.session.refresh(letter)
    assert letter_overdue(letter)
    run_step(L, letter.id, "answer", officer, {
        "replied_on": DAY + dt.timedelta(days=13), "result": "verified", "summary": "经核实无异常"})
    db.session.refresh(letter)
    assert letter.state.name == "replied" and letter.signed_by == officer.signature


def _reported_to_samr(today, users, measure="suspend"):
    """A fast-track unit's inspection taken 逾期未改正 → 上报市局 → 报总局."""
    bureau, officers, item = _world(fast_track=True)
    _answer(item, finding_on="1-2")
    run_step(W, item.id, "record", officers[0])
    run_step(W, item.id, "order_correction", officers[0], {"requirements": "完善追溯制度"})
    today(DAY + dt.timedelta(days=31))
    run_step(W, item.id, "recheck", officers[0], {
        "rechecked_on": DAY + dt.timedelta(days=31), "corrected": "no", "record": "仍未建立"})
    run_step(W, item.id, "report_city", officers[0], {"reason": "no_longer_eligible",
                                                      "opinion": "逾期未改正"})
    run_step(W, item.id, "report_samr", users["admin"], {"measure": measure})
    grant = db.session.query(FastTrackGrant).filter_by(enterprise_id=item.enterprise_id).one()
    return bureau, officers, item, grant


def test_the_sanction_naming_an_inspection_closes_it_the_same_day(app_ctx, today, users,
                                                                  api_as, client_as):
    """The grant's 暂停 closes the inspection as 已暂停便捷通道 on the sanction's day; a later
    取消 naming it too makes it 已取消便捷通道 on that day; the year's progress counts it."""
    bureau, officers, item, grant = _reported_to_samr(today, users)
    suspended_on = today(DAY + dt.timedelta(days=45))
    run_step(FastTrackWorkflow, grant.id, "suspend", users["admin"],
             {"reason": "no_longer_eligible", "inspection_id": item.id})
    db.session.refresh(item)
    db.session.refresh(grant)
    assert grant.sanctioned_on == suspended_on
    assert item.state is InspectionState.suspended and item.state.label == "已暂停便捷通道"
    assert item.sanctioned_on == suspended_on
    assert progress([bureau.id], DAY.year)[bureau.id].sanctioned == 1
    client, headers = api_as("admin")
    shown = client.get(f"/api/v1/inspection/{item.id}", headers=headers).get_json()["result"]
    assert shown["state"] == "suspended" and shown["sanctioned_on"] == suspended_on.isoformat()
    page = client_as("admin").get(f"/inspectionview/show/{item.id}").get_data(as_text=True)
    assert "已暂停便捷通道" in page and "暂停/取消便捷通道日期" in page
    # nobody can move it by hand: the close is the sanction's, not a step
    with pytest.raises(Exception, match="没有名为"):
        run_step(W, item.id, "close_by_sanction", users["admin"], {"measure": "revoke"})
    revoked_on = today(DAY + dt.timedelta(days=60))
    run_step(FastTrackWorkflow, grant.id, "revoke", users["admin"],
             {"reason": "no_longer_eligible", "inspection_id": item.id})
    db.session.refresh(item)
    assert item.state is InspectionState.revoked and item.state.label == "已取消便捷通道"
    assert item.sanctioned_on == revoked_on


def test_a_revocation_closes_the_inspection_and_a_failed_sanction_leaves_it(app_ctx, today, users):
    bureau, officers, item, grant = _reported_to_samr(today, users, measure="revoke")
    # a sanction refused (no reason given) changes nothing: the inspection stays 已报总局
    with pytest.raises(RecordInvalid):
        run_step(FastTrackWorkflow, grant.id, "revoke", users["admin"], {"inspection_id": item.id})
    db.session.refresh(item)
    assert item.state is InspectionState.reported_samr and item.sanctioned_on is None
    run_step(FastTrackWorkflow, grant.id, "revoke", users["admin"],
             {"reason": "misuse", "inspection_id": item.id})
    db.session.refresh(item)
    assert item.state is InspectionState.revoked and item.sanctioned_on == DAY + dt.timedelta(days=31)
