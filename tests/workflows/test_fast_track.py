"""便捷通道: application → district check → provincial decision → 报总局 → opening, with the
province's validity, renewal (延用), changes, suspension/revocation bans to the day, expiry,
and district isolation (seeds 000, 003 §一–二, 002 §7, §11)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from app import clock
from app.commands.fast_track import ExpireGrants
from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.enums import (
    CreditStanding,
    DecisionState,
    ExemptionClause,
    FastTrackChangeKind,
    FastTrackChangeState,
    FastTrackState,
    ProductListPeriod,
)
from app.extensions import db
from app.meta import Attention
from app.models import ClauseTag, Enterprise, FastTrackChange, FastTrackGrant, FastTrackProductLine
from app.services.audit import record_history
from app.services.fast_track import days_left_text, eligibility, validity_end
from app.workflows import run_step
from app.workflows.fast_track import FastTrackChangeWorkflow, FastTrackWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def expire_due_grants():
    return ExpireGrants().execute()


W = FastTrackWorkflow
S = FastTrackState
REVIEW = factories.FAST_TRACK_DISTRICT_REVIEW


def application(district: str = DISTRICT_A, **kw):
    return factories.fast_track_application(factories.bureau(district), **kw)


def opened(valid_from: str = "2026-11-23", **kw):
    return factories.open_fast_track(application(**kw), valid_from=valid_from)


@pytest.fixture()
def today(monkeypatch):
    """Pin the console's "today" (Beijing date); returns a setter for later days."""
    current = {"day": dt.date(2026, 11, 23)}
    monkeypatch.setattr(clock, "today", lambda: current["day"])

    def _set(day: dt.date) -> dt.date:
        current["day"] = day
        return day

    return _set


# --- the walk ------------------------------------------------------------------------------

def test_walk_from_application_to_activation_shanghai_two_years(app_ctx, users, bureaus, today):
    grant = application()
    assert all(c.ok for c in eligibility(grant)), eligibility(grant)
    run_step(W, grant.id, "submit", users["huangpu"])
    db.session.refresh(grant)
    assert grant.state is S.submitted and grant.submitted_at is not None

    # the district check needs an on-site check record
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "district_review", users["huangpu"],
                 {**REVIEW, "onsite_check_record": ""})
    assert "onsite_check_record" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "district_review", users["huangpu"],
                 {**REVIEW, "onsite_checked_on": "2026/11/20"})
    assert exc.value.errors["onsite_checked_on"] == ["现场核查日期的格式应为YYYY-MM-DD（如2026-11-23）。"]
    with pytest.raises(AccessDenied):
        run_step(W, grant.id, "district_review", users["reviewer"], REVIEW)
    run_step(W, grant.id, "district_review", users["huangpu"], REVIEW)
    db.session.refresh(grant)
    assert grant.state is S.district_reviewed and grant.district_recommendation is True
    assert grant.onsite_checked_on == dt.date(2026, 11, 20)
    assert grant.district_reviewer == "黄经办人（huangpu）"  # name and login, as printed

    with pytest.raises(AccessDenied):  # the decision is the provincial reviewer's
        run_step(W, grant.id, "decide", users["huangpu"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    run_step(W, grant.id, "decide", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02", "opinion": "同意"})
    with pytest.raises(RuleViolation, match="不能登记开通"):  # not before 报总局
        run_step(W, grant.id, "activate", users["admin"], {"fast_track_account": "X"})
    run_step(W, grant.id, "forward", users["admin"])
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "activate", users["admin"], {"fast_track_account": " "})
    assert "fast_track_account" in exc.value.errors
    run_step(W, grant.id, "activate", users["admin"],
             {"fast_track_account": "SHBJTD0001", "valid_from": "2026-11-23"})
    db.session.refresh(grant)
    assert grant.state is S.active and grant.fast_track_account == "SHBJTD0001"
    assert (grant.valid_from, grant.valid_to) == (dt.date(2026, 11, 23), dt.date(2028, 11, 22))
    assert grant.days_left == "剩730天" and not isinstance(grant.days_left, Attention)
    assert grant.editing_refusal() is not None  # the application is frozen once submitted


def test_chongqing_grants_one_year(app_ctx, users, bureaus, today, monkeypatch):
    grant = application()
    run_step(W, grant.id, "submit", users["huangpu"])
    run_step(W, grant.id, "district_review", users["huangpu"], REVIEW)
    run_step(W, grant.id, "decide", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    run_step(W, grant.id, "forward", users["admin"])
    monkeypatch.setitem(app_ctx.config, "CCC_PROVINCE", "chongqing")
    run_step(W, grant.id, "activate", users["admin"],
             {"fast_track_account": "CQBJTD0001", "valid_from": "2026-11-23"})
    db.session.refresh(grant)
    assert grant.valid_to == dt.date(2027, 11, 22)


def test_chongqing_profile_refuses_a_unit_registered_elsewhere(app_ctx, bureaus, monkeypatch):
    grant = application()
    monkeypatch.setitem(app_ctx.config, "CCC_PROVINCE", "chongqing")
    failed = [c.text for c in eligibility(grant) if not c.ok]
    assert failed[0] == "注册地不在重庆市（所属区局不在本省市）"
    # ... and its Shanghai ports are outside 重庆海关关区 (seed 000 第五条(一))
    assert failed[1].startswith("产品清单中的入境口岸“洋山港”、“浦东机场”不在重庆海关关区")
    assert len(failed) == 2


def test_activation_from_a_start_date_already_over_is_refused(app_ctx, users, bureaus, today):
    grant = application()
    run_step(W, grant.id, "submit", users["huangpu"])
    run_step(W, grant.id, "district_review", users["huangpu"], REVIEW)
    run_step(W, grant.id, "decide", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    run_step(W, grant.id, "forward", users["admin"])
    with pytest.raises(RecordInvalid) as exc:  # 2024-11-22 + 2 years ends 2026-11-21
        run_step(W, grant.id, "activate", users["admin"],
                 {"fast_track_account": "A1", "valid_from": "2024-11-22"})
    assert "2026年11月21日届满" in exc.value.errors["valid_from"][0]
    # the last start date still in force: ends today
    run_step(W, grant.id, "activate", users["admin"],
             {"fast_track_account": "A1", "valid_from": "2024-11-24"})
    db.session.refresh(grant)
    assert grant.valid_to == dt.date(2026, 11, 23) and grant.state is S.active


@pytest.mark.parametrize("step, inputs, user", [
    ("district_review", {**REVIEW, "recommend": "not_recommend", "opinion": "追溯台账不全"},
     "huangpu"),
    ("decide", {"decision": "reject", "opinion": "业务不具有持续性"}, "reviewer"),
], ids=["district_does_not_recommend", "province_does_not_approve"])
def test_not_recommended_or_not_approved_is_rejected(app_ctx, users, bureaus, step, inputs, user):
    grant = application()
    run_step(W, grant.id, "submit", users["huangpu"])
    if step == "decide":
        run_step(W, grant.id, "district_review", users["huangpu"], REVIEW)
    run_step(W, grant.id, step, users[user], inputs)
    db.session.refresh(grant)
    assert grant.state is S.rejected
    with pytest.raises(RuleViolation, match="当前状态为“不予通过”"):
        run_step(W, grant.id, "forward", users["admin"])


# --- eligibility and completeness ----------------------------------------------------------

@pytest.mark.parametrize("kw, message", [
    ({"credit_standing": CreditStanding.serious_violation}, "信用状况为“列入严重违法失信名单”"),
    ({"operates_in_province": False}, "经营地不在上海市"),
    ({"traceability_system": False}, "未登记CCC免办产品追溯管理制度"),
    ({"batches": (6, 5)}, "预计年申报批次11批，少于12批，业务不具有持续性"),
], ids=["credit", "operating_place", "traceability", "volume"])
def test_each_eligibility_refusal(app_ctx, users, bureaus, kw, message):
    grant = application(**kw)
    failed = [c.text for c in eligibility(grant) if not c.ok]
    assert failed == [message]  # shown before submission, and only that one
    with pytest.raises(RuleViolation) as exc:
        run_step(W, grant.id, "submit", users["huangpu"])
    assert message in exc.value.message
    db.session.refresh(grant)
    assert grant.state is S.draft and grant.submitted_at is None


def test_twelve_expected_batches_are_enough(app_ctx, bureaus):
    grant = application(batches=(6, 6))
    assert all(c.ok for c in eligibility(grant))


@pytest.mark.parametrize("kw, message", [
    ({"attachment": False}, "基本情况说明"),
    ({"commitment": False}, "自我承诺"),
    ({"batches": ()}, "预计CCC免办产品清单"),
    ({"clauses": (ExemptionClause.other,)}, "第1至5项免办条款"),
], ids=["no_description", "no_commitment", "no_expected_list", "clause_6"])
def test_incomplete_application_is_refused(app_ctx, users, bureaus, kw, message):
    grant = application(**kw)
    with pytest.raises((RuleViolation, RecordInvalid), match=message):
        run_step(W, grant.id, "submit", users["huangpu"])


def test_one_open_application_per_unit(app_ctx, users, bureaus, today):
    first = application()
    run_step(W, first.id, "submit", users["huangpu"])
    second = application(ent=first.enterprise)
    with pytest.raises(RuleViolation, match="不能重复申请"):
        run_step(W, second.id, "submit", users["huangpu"])


# --- suspension, revocation and their bans, to the day -------------------------------------

@pytest.mark.parametrize("sanction, on, last_refused, first_allowed", [
    ("suspend", dt.date(2026, 11, 23), dt.date(2027, 5, 22), dt.date(2027, 5, 23)),
    ("suspend", dt.date(2026, 8, 31), dt.date(2027, 2, 27), dt.date(2027, 2, 28)),  # month end
    ("revoke", dt.date(2026, 11, 23), dt.date(2028, 11, 22), dt.date(2028, 11, 23)),
], ids=["suspend_6_months", "suspend_at_month_end", "revoke_2_years"])
def test_ban_after_sanction_to_the_day(app_ctx, users, bureaus, today, sanction, on,
                                       last_refused, first_allowed):
    today(on - dt.timedelta(days=30))
    grant = opened(valid_from=(on - dt.timedelta(days=30)).isoformat())
    today(on)
    with pytest.raises(RecordInvalid, match="原因"):  # one of the five reasons is required
        run_step(W, grant.id, sanction, users["admin"], {"reason": "不存在的原因"})
    run_step(W, grant.id, sanction, users["admin"],
             {"reason": "false_declaration", "remarks": "申请材料与实际不符"})
    db.session.refresh(grant)
    assert grant.state is (S.suspended if sanction == "suspend" else S.revoked)
    assert grant.sanctioned_on == on and grant.sanction_reason.name == "false_declaration"

    # a new application, even an incomplete one, is refused for the ban first
    new = application(ent=grant.enterprise, attachment=False)
    today(last_refused)
    with pytest.raises(RuleViolation) as exc:
        run_step(W, new.id, "submit", users["huangpu"])
    when = f"{first_allowed.year}年{first_allowed.month}月{first_allowed.day}日起方可重新申请"
    assert when in exc.value.message
    failed = [c.text for c in eligibility(new) if not c.ok]
    assert any(when in text for text in failed)

    today(first_allowed)
    with pytest.raises(RuleViolation, match="基本情况说明"):  # the ban is over: next check
        run_step(W, new.id, "submit", users["huangpu"])
    assert all(c.ok for c in eligibility(new))


def test_a_sanction_names_the_inspection_reported_to_samr(app_ctx, users, bureaus, today):
    """000 第十二条: 区局责令改正，逾期未改正的上报市局，市局报请总局暂停或者取消 — the grant's
    suspension names the inspection that went that way; one not yet reported is refused."""
    from app.enums import InspectionState

    grant = opened()
    inspection = factories.adhoc_inspection(grant.enterprise.bureau, ent=grant.enterprise)
    db.session.commit()
    assert inspection.checklist.name == "fast_track"
    with pytest.raises(RecordInvalid, match="尚未由市局报总局") as exc:
        run_step(W, grant.id, "suspend", users["admin"],
                 {"reason": "misuse", "inspection_id": str(inspection.id)})
    assert "inspection_id" in exc.value.errors
    other = factories.adhoc_inspection(factories.bureau(DISTRICT_A))
    db.session.commit()
    with pytest.raises(RecordInvalid, match="不是该便捷通道使用单位的检查记录"):
        run_step(W, grant.id, "suspend", users["admin"],
                 {"reason": "misuse", "inspection_id": other.id})
    inspection.state = InspectionState.reported_samr
    inspection.reported_samr_at = clock.now()
    db.session.commit()
    run_step(W, grant.id, "suspend", users["admin"],
             {"reason": "misuse", "inspection_id": inspection.id, "remarks": "逾期未改正"})
    db.session.refresh(grant)
    assert grant.state is S.suspended and grant.sanction_inspection_id == inspection.id


def test_suspended_unit_is_reopened_or_revoked(app_ctx, users, bureaus, today):
    grant = opened()
    run_step(W, grant.id, "suspend", users["admin"], {"reason": "misuse"})
    with pytest.raises(AccessDenied):
        run_step(W, grant.id, "reopen", users["huangpu"])
    run_step(W, grant.id, "reopen", users["admin"])
    db.session.refresh(grant)
    assert grant.state is S.active
    run_step(W, grant.id, "suspend", users["admin"], {"reason": "misuse"})
    run_step(W, grant.id, "revoke", users["admin"], {"reason": "no_longer_eligible"})
    db.session.refresh(grant)
    assert grant.state is S.revoked
    with pytest.raises(RuleViolation, match="当前状态为“已取消”"):
        run_step(W, grant.id, "reopen", users["admin"])


def test_ban_is_refused_with_409_at_the_api_and_the_console(app_ctx, users, bureaus, today,
                                                             api_as, client_as):
    grant = opened()
    run_step(W, grant.id, "revoke", users["admin"], {"reason": "false_declaration"})
    ent = grant.enterprise
    clause = db.session.scalar(select(ClauseTag).where(
        ClauseTag.code == ExemptionClause.research_test))
    count = db.session.query(FastTrackGrant).filter_by(enterprise_id=ent.id).count()

    client, headers = api_as("huangpu")
    response = client.post("/api/v1/fasttrack/", headers=headers, json={
        "enterprise_id": ent.id, "clauses": [clause.id], "self_commitment": True})
    assert response.status_code == 409
    assert "2028年11月23日起方可重新申请" in response.get_json()["message"]

    page = client_as("huangpu").post("/fasttrackgrantview/add", data={
        "enterprise": str(ent.id), "clauses": [str(clause.id)], "self_commitment": "y"})
    assert page.status_code == 409
    assert "2028年11月23日起方可重新申请" in page.get_data(as_text=True)
    assert db.session.query(FastTrackGrant).filter_by(enterprise_id=ent.id).count() == count

    # a draft filed before the revocation is refused at submission, at the API too
    draft = application(ent=ent)
    response = client.post(f"/api/v1/fasttrack/{draft.id}/submit", headers=headers, json={})
    assert response.status_code == 409
    assert "2028年11月23日起方可重新申请" in response.get_json()["message"]


# --- API ----------------------------------------------------------------------------------

def test_api_walk_with_forbidden_steps_answering_409(app_ctx, bureaus, api_as, today):
    grant = application()
    district, dh = api_as("huangpu")
    reviewer, rh = api_as("reviewer")
    admin, ah = api_as("admin")

    response = admin.post(f"/api/v1/fasttrack/{grant.id}/forward", headers=ah, json={})
    assert response.status_code == 409
    assert "当前状态为“草稿”，不能报总局" in response.get_json()["message"]
    # a decision is one of its choices, not whatever reads as "yes"
    district.post(f"/api/v1/fasttrack/{grant.id}/submit", headers=dh, json={})
    district.post(f"/api/v1/fasttrack/{grant.id}/district_review", headers=dh, json=REVIEW)
    vague = reviewer.post(f"/api/v1/fasttrack/{grant.id}/decide", headers=rh,
                          json={"decision": "yes"})
    assert vague.status_code == 422
    assert vague.get_json()["message"]["decision"] == ["审核结论应为：approve（通过）、reject（不予通过）。"]
    for client, headers, step, body in (
            (reviewer, rh, "decide", {"decision": "approve", "commerce_confirmed_on": "2020-01-02"}),
            (admin, ah, "forward", {}),
            (admin, ah, "activate", {"fast_track_account": "SHAPI01", "valid_from": "2026-11-23"})):
        response = client.post(f"/api/v1/fasttrack/{grant.id}/{step}", headers=headers, json=body)
        assert response.status_code == 200, (step, response.get_json())
    response = district.get(f"/api/v1/fasttrack/{grant.id}", headers=dh)
    result = response.get_json()["result"]
    assert (result["state"], result["valid_from"], result["valid_to"]) == (
        "active", "2026-11-23", "2028-11-22")
    assert result["days_left"] == "剩730天"
    assert all(check["ok"] for check in result["eligibility"])

    # a role that may not take a step: 403; a step too early: 409 with the reason
    response = district.post(f"/api/v1/fasttrack/{grant.id}/revoke", headers=dh,
                             json={"reason": "false_declaration"})
    assert response.status_code == 403
    response = district.post(f"/api/v1/fasttrack/{grant.id}/renew", headers=dh,
                             json={"reason": "继续科研测试"})
    assert response.status_code == 409
    assert "2028年8月24日起可以申请" in response.get_json()["message"]
    response = admin.post(f"/api/v1/fasttrack/{grant.id}/suspend", headers=ah, json={})
    assert response.status_code == 422


def test_an_application_filed_through_the_api_alone(app_ctx, bureaus, api_as, today):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/fasttrack/", headers=headers, json={
        "enterprise_id": ent.id, "clauses": ["research_test", "仅用于商业展示但不销售的产品"],
        "self_commitment": True})
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    line = {"grant_id": pk, "period": "expected", "ccc_code": "0901", "purpose": "科研测试",
            "annual_batches": 12, "entry_port": "浦东机场", "handling": "使用"}
    bad = client.post("/api/v1/fasttrack_line/", headers=headers,
                      json={**line, "ccc_code": "9999"})
    assert bad.status_code == 422 and "ccc_code" in bad.get_json()["message"]
    assert client.post("/api/v1/fasttrack_line/", headers=headers, json=line).status_code == 201

    response = client.post(f"/api/v1/fasttrack/{pk}/submit", headers=headers, json={})
    assert response.status_code == 409 and "基本情况说明" in response.get_json()["message"]
    upload = client.post(f"/api/v1/fasttrack/{pk}/attachment", headers=headers, data={
        "kind": "evidence", "file": (io.BytesIO(factories.PNG), "说明.png")})
    assert upload.status_code == 422 and "基本情况说明" in upload.get_json()["message"]["kind"][0]
    upload = client.post(f"/api/v1/fasttrack/{pk}/attachment", headers=headers, data={
        "kind": "basic_description", "file": (io.BytesIO(factories.PNG), "说明.png")})
    assert upload.status_code == 201
    response = client.post(f"/api/v1/fasttrack/{pk}/submit", headers=headers, json={})
    assert response.status_code == 200, response.get_json()

    shown = client.get(f"/api/v1/fasttrack/{pk}", headers=headers).get_json()["result"]
    assert shown["state"] == "submitted"
    assert [(a["kind"], a["name"]) for a in shown["attachments"]] == [("basic_description", "说明.png")]
    assert [(ln["period"], ln["annual_batches"]) for ln in shown["lines"]] == [("expected", 12)]
    # once submitted, the application's lists and attachments are frozen
    assert client.post("/api/v1/fasttrack_line/", headers=headers,
                       json=line).status_code == 409
    assert client.post(f"/api/v1/fasttrack/{pk}/attachment", headers=headers, data={
        "kind": "basic_description",
        "file": (io.BytesIO(factories.PNG), "再传.png")}).status_code == 409


# --- renewal -------------------------------------------------------------------------------

def test_renewal_window_and_extension_from_the_old_end_date(app_ctx, users, bureaus, today):
    grant = opened()
    assert grant.valid_to == dt.date(2028, 11, 22)
    today(dt.date(2028, 8, 23))  # 91 days before the end: too early
    with pytest.raises(RuleViolation, match="2028年8月24日起可以申请"):
        run_step(W, grant.id, "renew", users["huangpu"], {"reason": "继续开展科研测试"})
    today(dt.date(2028, 8, 24))  # 90 days before: the window opens
    run_step(W, grant.id, "renew", users["huangpu"], {"reason": "使用期内无违规，申请延用"})
    with pytest.raises(RuleViolation, match="已有待审核的延用申请"):
        run_step(W, grant.id, "renew", users["huangpu"], {"reason": "再次申请"})
    with pytest.raises(AccessDenied):
        run_step(W, grant.id, "decide_renewal", users["huangpu"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})

    today(dt.date(2028, 9, 30))  # approved later: still counted from the old end date
    run_step(W, grant.id, "decide_renewal", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    db.session.refresh(grant)
    renewal = grant.renewals[-1]
    assert renewal.state is DecisionState.approved and renewal.decided_by == "陈审核员（reviewer）"
    assert renewal.old_valid_to == dt.date(2028, 11, 22)
    assert grant.valid_to == renewal.new_valid_to == dt.date(2030, 11, 22)
    assert grant.state is S.active


def test_a_renewed_term_is_as_long_as_a_first_one_across_a_leap_day(app_ctx, users, bureaus,
                                                                    today):
    today(dt.date(2024, 3, 1))
    grant = opened(valid_from="2024-03-01")
    assert grant.valid_to == dt.date(2026, 2, 28)
    today(dt.date(2026, 1, 5))
    run_step(W, grant.id, "renew", users["huangpu"], {"reason": "继续开展科研测试"})
    run_step(W, grant.id, "decide_renewal", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    db.session.refresh(grant)
    # the new term runs 2026-03-01 .. 2028-02-29, as a grant opened on 2026-03-01 would
    assert grant.valid_to == validity_end(dt.date(2026, 3, 1)) == dt.date(2028, 2, 29)


def test_renewal_refused_after_expiry_and_pending_renewal_decided_after_it(
        app_ctx, users, bureaus, today):
    grant = opened()
    today(dt.date(2028, 11, 23))
    with pytest.raises(RuleViolation, match="已到期，不能延用"):
        run_step(W, grant.id, "renew", users["huangpu"], {"reason": "迟了"})

    today(dt.date(2026, 11, 23))
    second = opened()
    today(dt.date(2028, 11, 1))
    run_step(W, second.id, "renew", users["huangpu"], {"reason": "申请延用"})
    today(dt.date(2028, 11, 23))  # the end date passes while the renewal waits
    assert expire_due_grants() >= 1
    db.session.refresh(second)
    assert second.state is S.expired
    run_step(W, second.id, "decide_renewal", users["reviewer"], {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    db.session.refresh(second)
    assert second.state is S.active and second.valid_to == dt.date(2030, 11, 22)


def test_rejected_renewal_leaves_the_end_date(app_ctx, users, bureaus, today):
    grant = opened()
    today(dt.date(2028, 10, 1))
    run_step(W, grant.id, "renew", users["huangpu"], {"reason": "申请延用"})
    run_step(W, grant.id, "decide_renewal", users["reviewer"],
             {"decision": "reject", "remarks": "使用期内有违规"})
    db.session.refresh(grant)
    assert grant.renewals[-1].state is DecisionState.rejected
    assert grant.valid_to == dt.date(2028, 11, 22) and grant.state is S.active


# --- expiry --------------------------------------------------------------------------------

def test_days_left_are_coloured_from_the_sixtieth_day_before_expiry(app_ctx, users, bureaus):
    grant = opened()  # in force until 2028-11-22
    assert days_left_text(grant, dt.date(2028, 9, 22)) == "剩61天"
    assert not isinstance(days_left_text(grant, dt.date(2028, 9, 22)), Attention)
    on_edge = days_left_text(grant, dt.date(2028, 9, 23))
    assert on_edge == "剩60天" and on_edge.level == "warning"
    assert days_left_text(grant, dt.date(2028, 11, 23)) == "已于2028-11-22到期"


def test_expired_grants_turn_expired_on_their_own(app, app_ctx, users, bureaus, today,
                                                  client_as):
    grant = opened()
    client = client_as("huangpu")
    today(dt.date(2028, 11, 22))  # the last day in force
    client.get("/fasttrackgrantview/list/")
    db.session.refresh(grant)
    assert grant.state is S.active and grant.days_left == "剩0天"
    assert grant.days_left.level == "warning"  # within the 60-day reminder window: coloured
    today(dt.date(2028, 11, 23))  # the day after: the next page anyone opens shows it
    page = client.get(f"/fasttrackgrantview/show/{grant.id}").get_data(as_text=True)
    db.session.refresh(grant)
    assert grant.state is S.expired
    assert "已到期" in page and "已于2028-11-22到期" in page
    # the console did it, not huangpu, whose page view happened to run the sweep
    assert record_history(FastTrackGrant, grant.id)[-1].user == "系统"


# --- changes -------------------------------------------------------------------------------

def test_change_of_name_is_filed_approved_and_applied_with_history(app_ctx, users, bureaus,
                                                                   today):
    grant = opened()
    old_name = grant.enterprise.name
    change = FastTrackChange(grant=grant, kind=FastTrackChangeKind.unit_name,
                             description="工商变更登记", new_name="上海新名称科技有限公司")
    db.session.add(change)
    db.session.commit()
    with pytest.raises(AccessDenied):
        run_step(FastTrackChangeWorkflow, change.id, "approve", users["huangpu"])
    run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"],
             {"opinion": "已核对营业执照"})
    run_step(FastTrackChangeWorkflow, change.id, "approve", users["reviewer"], {"remarks": "同意"})
    db.session.refresh(change)
    db.session.refresh(grant.enterprise)
    assert change.state is FastTrackChangeState.approved and change.decided_by == "陈审核员（reviewer）"
    assert grant.enterprise.name == "上海新名称科技有限公司"
    last = record_history(Enterprise, grant.enterprise.id)[-1]
    assert ("单位名称", old_name, "上海新名称科技有限公司") in [
        (c.field, c.before, c.after) for c in last.changes]
    assert last.user.endswith("（reviewer）")  # applied by the approval, in its name

    # then 市局 reports it to 总局 to adjust the fast-track content (seed 000 第十条)
    with pytest.raises(AccessDenied):
        run_step(FastTrackChangeWorkflow, change.id, "forward", users["reviewer"])
    run_step(FastTrackChangeWorkflow, change.id, "forward", users["admin"])
    db.session.refresh(change)
    assert change.state is FastTrackChangeState.forwarded and change.forwarded_at is not None
    with pytest.raises(RuleViolation, match="当前状态为“已报总局调整”"):
        run_step(FastTrackChangeWorkflow, change.id, "forward", users["admin"])


def test_a_rejected_change_is_not_reported_to_samr(app_ctx, users, bureaus, today):
    grant = opened()
    change = FastTrackChange(grant=grant, kind=FastTrackChangeKind.other, description="其他")
    db.session.add(change)
    db.session.commit()
    with pytest.raises(RuleViolation, match="当前状态为“草稿”"):
        run_step(FastTrackChangeWorkflow, change.id, "forward", users["admin"])
    run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"], {"opinion": "同意"})
    run_step(FastTrackChangeWorkflow, change.id, "reject", users["reviewer"], {"remarks": "不同意"})
    with pytest.raises(RuleViolation, match="当前状态为“已驳回”"):
        run_step(FastTrackChangeWorkflow, change.id, "forward", users["admin"])


def test_product_list_adjustment_replaces_the_expected_list(app_ctx, users, bureaus, today):
    grant = opened(batches=(8, 4))
    change = FastTrackChange(grant=grant, kind=FastTrackChangeKind.product_list,
                             description="新增维修零部件")
    db.session.add(change)
    db.session.commit()
    with pytest.raises(RuleViolation, match="调整后的预计产品清单"):
        run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"], {"opinion": "同意"})
    change.lines.append(FastTrackProductLine(
        period=ProductListPeriod.expected, ccc_code="0901", purpose="维修", annual_batches=20,
        entry_port="浦东机场", handling="维修后退运"))
    db.session.commit()
    run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"], {"opinion": "同意"})
    run_step(FastTrackChangeWorkflow, change.id, "approve", users["reviewer"])
    db.session.refresh(grant)
    expected = [(ln.purpose, ln.annual_batches) for ln in grant.lines
                if ln.period is ProductListPeriod.expected]
    assert expected == [("维修", 20)]
    assert [ln.annual_batches for ln in grant.lines if ln.period is ProductListPeriod.past] == [10]


@pytest.mark.parametrize("kind, fields, missing", [
    (FastTrackChangeKind.address, {}, "变更后的注册地址或经营地址"),
    (FastTrackChangeKind.legal_representative, {}, "变更后法定代表人"),
])
def test_change_without_its_new_value_is_refused(app_ctx, users, bureaus, today, kind, fields,
                                                 missing):
    grant = opened()
    change = FastTrackChange(grant=grant, kind=kind, description="变更", **fields)
    db.session.add(change)
    db.session.commit()
    with pytest.raises(RuleViolation, match=missing):
        run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"], {"opinion": "同意"})
    db.session.refresh(change)
    assert change.state is FastTrackChangeState.draft


def test_changes_only_for_an_opened_grant(app_ctx, users, bureaus):
    grant = application()
    change = FastTrackChange(grant=grant, kind=FastTrackChangeKind.other, description="其他")
    db.session.add(change)
    db.session.commit()
    with pytest.raises(RuleViolation, match="只有已开通的便捷通道登记变更"):
        run_step(FastTrackChangeWorkflow, change.id, "submit", users["huangpu"], {"opinion": "同意"})


# --- isolation -----------------------------------------------------------------------------

def test_another_district_neither_sees_nor_moves_the_grant(app_ctx, users, bureaus, api_as,
                                                           client_as):
    grant = application()
    with pytest.raises(RecordNotFound):
        run_step(W, grant.id, "submit", users["pudong"])
    client, headers = api_as("pudong")
    assert client.get(f"/api/v1/fasttrack/{grant.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/fasttrack/{grant.id}/submit", headers=headers,
                       json={}).status_code == 404
    console = client_as("pudong")
    assert console.get(f"/fasttrackgrantview/show/{grant.id}").status_code == 404
    assert console.get(f"/reports/fasttrack/{grant.id}?format=pdf").status_code == 404
    # nor files a new application for a unit of another district
    page = console.post("/fasttrackgrantview/add", data={
        "enterprise": str(grant.enterprise_id), "self_commitment": "y"})
    assert page.status_code in (200, 404)
    assert db.session.query(FastTrackGrant).filter_by(
        enterprise_id=grant.enterprise_id).count() == 1
    own = application(district=DISTRICT_B)
    run_step(W, own.id, "submit", users["pudong"])
    db.session.refresh(own)
    assert own.state is S.submitted


def test_shanghai_approval_records_the_commerce_commission_confirmation(app_ctx, users, bureaus,
                                                                        monkeypatch):
    """Seed 003 §一–二: 市市场监管局会同市商务委确认 — an approval (and a renewal's) without
    the confirmation date is refused in Shanghai; a rejection needs none; other profiles
    need none."""
    grant = application()
    run_step(W, grant.id, "submit", users["huangpu"])
    run_step(W, grant.id, "district_review", users["huangpu"], REVIEW)
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "decide", users["reviewer"], {"decision": "approve"})
    assert "市商务委" in exc.value.errors["commerce_confirmed_on"][0]
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(RecordInvalid, match="不能晚于今天"):
        run_step(W, grant.id, "decide", users["reviewer"],
                 {"decision": "approve", "commerce_confirmed_on": tomorrow})
    run_step(W, grant.id, "decide", users["reviewer"],
             {"decision": "approve", "commerce_confirmed_on": clock.today().isoformat()})
    db.session.refresh(grant)
    assert grant.state is S.approved and grant.commerce_confirmed_on == clock.today()
    other = application()
    run_step(W, other.id, "submit", users["huangpu"])
    run_step(W, other.id, "district_review", users["huangpu"], REVIEW)
    monkeypatch.setitem(app_ctx.config, "CCC_PROVINCE", "chongqing")
    run_step(W, other.id, "decide", users["reviewer"], {"decision": "approve"})
    db.session.refresh(other)
    assert other.state is S.approved and other.commerce_confirmed_on is None


def test_shanghai_renewal_approval_needs_the_commerce_commission_date(app_ctx, users, bureaus,
                                                                      today):
    """Seed 003 §二: 延用 is decided with the commerce commission too — approved without the
    date of its confirmation it is refused, while the grant is active and after it expired
    with the renewal pending; nothing changes until the date is given."""
    grant = opened()
    today(dt.date(2028, 11, 1))
    run_step(W, grant.id, "renew", users["huangpu"], {"reason": "使用期内无违规，申请延用"})
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "decide_renewal", users["reviewer"], {"decision": "approve"})
    assert "市商务委" in exc.value.errors["commerce_confirmed_on"][0]
    today(dt.date(2028, 11, 23))  # the end date passes while the renewal waits
    assert expire_due_grants() >= 1
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, grant.id, "decide_renewal", users["reviewer"], {"decision": "approve"})
    assert "确认日期" in exc.value.errors["commerce_confirmed_on"][0]
    db.session.refresh(grant)
    renewal = grant.renewals[-1]
    assert grant.state is S.expired and grant.valid_to == dt.date(2028, 11, 22)
    assert renewal.state is DecisionState.pending and renewal.commerce_confirmed_on is None
    run_step(W, grant.id, "decide_renewal", users["reviewer"],
             {"decision": "approve", "commerce_confirmed_on": "2028-11-20"})
    db.session.refresh(grant)
    assert grant.state is S.active and grant.valid_to == dt.date(2030, 11, 22)
    assert grant.renewals[-1].commerce_confirmed_on == dt.date(2028, 11, 20)
