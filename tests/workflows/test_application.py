"""免办申请 review: the walk to a certificate, returns and resubmission, every refusal, and
the 5 / 2 working-day deadlines on real calendar edges (seed 002 §1)."""
from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from app import clock
from app.domain.errors import AccessDenied, RecordNotFound, RuleViolation
from app.enums import ApplicationState, CertificateState
from app.extensions import db
from app.models import Application
from app.workflows import run_step
from app.workflows.application import ApplicationWorkflow
from tests import factories
from tests.conftest import DISTRICT_A

W = ApplicationWorkflow
REVIEW = ("submit", "accept", "first_review", "second_review")


#: 复审 by another person than the 初审's, whose account holds 复审 (the demo reviewer)
WHO = {"second_review": "reviewer"}
CHECKED = ("accept", "first_review", "second_review")


def walk(app_, users, steps, who="huangpu"):
    for step in steps:
        run_step(W, app_.id, step, users[WHO.get(step, who)],
                 factories.review_inputs() if step in CHECKED else None)
    db.session.refresh(app_)
    return app_


def test_review_to_issue_creates_the_certificate(app_ctx, users, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    walk(app_, users, REVIEW + ("issue",))
    assert app_.state is ApplicationState.issued
    assert app_.accepted_at and app_.first_reviewed_at and app_.second_reviewed_at
    cert = app_.certificate
    assert cert is not None and cert.state is CertificateState.valid
    assert cert.issued_on == clock.today()
    assert cert.supervision_deadline == clock.today() + relativedelta(months=12)
    assert cert.number.startswith("N" + DISTRICT_A)


def test_return_with_reason_then_correct_and_resubmit(app_ctx, users, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    walk(app_, users, ("submit", "accept"))
    run_step(W, app_.id, "return", users["reviewer"], {
        "reason": "进口合同未附产品明细",
        **factories.review_inputs({"documents_match": "进口合同未附产品明细"})})
    db.session.refresh(app_)
    assert app_.state is ApplicationState.returned and app_.return_reason == "进口合同未附产品明细"
    assert app_.editing_refusal() is None  # the applicant may correct it now
    first_submission = app_.submitted_at
    walk(app_, users, ("submit",))
    assert app_.state is ApplicationState.submitted and app_.return_reason is None
    assert app_.submitted_at >= first_submission and app_.accepted_at is None


def test_refusals(app_ctx, users, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    with pytest.raises(AccessDenied):
        run_step(W, app_.id, "submit", users["auditor"])
    with pytest.raises(RuleViolation, match="当前状态为“未提交”，不能发证"):
        run_step(W, app_.id, "issue", users["huangpu"])
    with pytest.raises(RecordNotFound):
        run_step(W, app_.id, "submit", users["pudong"])
    walk(app_, users, ("submit",))
    with pytest.raises(RuleViolation, match="不能初审通过"):
        run_step(W, app_.id, "first_review", users["huangpu"],
                 factories.review_inputs())  # not accepted yet
    assert app_.editing_refusal() and "不能再修改" in app_.editing_refusal()


def test_submit_needs_products(app_ctx, users, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=0)
    db.session.commit()
    with pytest.raises(RuleViolation, match="没有产品"):
        run_step(W, app_.id, "submit", users["huangpu"])


@pytest.mark.parametrize("submitted,approve_due,return_due", [
    (dt.datetime(2026, 9, 30, 16, 30), dt.date(2026, 10, 13), dt.date(2026, 10, 9)),
    (dt.datetime(2026, 2, 13, 11, 0), dt.date(2026, 2, 27), dt.date(2026, 2, 24)),
    (dt.datetime(2026, 10, 10, 9, 0), dt.date(2026, 10, 16), dt.date(2026, 10, 13)),
    (dt.datetime(2026, 11, 20, 23, 30), dt.date(2026, 11, 27), dt.date(2026, 11, 24)),
])
def test_due_dates_on_the_application_and_its_api(app_ctx, api_as, bureaus, submitted,
                                                  approve_due, return_due):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                 state=ApplicationState.submitted, submitted_at=submitted)
    db.session.commit()
    assert (app_.approve_due, app_.return_due) == (approve_due, return_due)
    client, headers = api_as("huangpu")
    item = client.get(f"/api/v1/application/{app_.id}", headers=headers).get_json()["result"]
    assert item["approve_due"] == approve_due.isoformat()
    assert item["return_due"] == return_due.isoformat()


def test_overdue_and_unknown_year_are_said_not_guessed(app_ctx, bureaus, monkeypatch):
    overdue = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                    state=ApplicationState.accepted,
                                    submitted_at=dt.datetime(2026, 11, 2, 10, 0))
    db.session.commit()
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 20))
    assert overdue.approve_due == dt.date(2026, 11, 9)
    assert overdue.deadline_status == "已逾期9个工作日（应于11月09日前办结）"
    late_year = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                      state=ApplicationState.submitted,
                                      submitted_at=dt.datetime(2026, 12, 29, 10, 0))
    db.session.commit()
    assert late_year.approve_due is None  # needs 2027, which is not recorded
    assert "2027年的法定节假日安排尚未录入" in late_year.deadline_status


def test_open_work_past_its_due_date_is_overdue_even_when_today_is_past_the_calendar(
        app_ctx, bureaus, monkeypatch):
    """2027 is not in the calendar yet: an application due 2026-12-29 and still open on
    2027-01-05 is overdue (by its date), not "on time", and never counted as Monday–Friday."""
    open_app = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                     state=ApplicationState.accepted,
                                     submitted_at=dt.datetime(2026, 12, 22, 10, 0))
    issued_late = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                        state=ApplicationState.issued,
                                        submitted_at=dt.datetime(2026, 12, 22, 10, 0),
                                        decided_at=dt.datetime(2026, 12, 30, 9, 0))
    issued_on_time = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                           state=ApplicationState.issued,
                                           submitted_at=dt.datetime(2026, 12, 22, 10, 0),
                                           decided_at=dt.datetime(2026, 12, 29, 17, 0))
    db.session.commit()
    monkeypatch.setattr(clock, "today", lambda: dt.date(2027, 1, 5))
    assert open_app.approve_due == dt.date(2026, 12, 29)
    status = open_app.deadline_status
    assert status == "已逾期（应于12月29日前办结）" and status.level == "danger"
    assert issued_late.deadline_status == "超期办结（应于12月29日前）"
    assert issued_on_time.deadline_status == "已按时办结（12月29日前）"


def test_overdue_stands_out_in_the_list_and_reads_plain_in_exports(
        app_ctx, client_as, api_as, bureaus, monkeypatch):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    overdue = factories.application(ent, state=ApplicationState.accepted,
                                    submitted_at=dt.datetime(2026, 11, 2, 10, 0))
    due_soon = factories.application(ent, state=ApplicationState.submitted,
                                     submitted_at=dt.datetime(2026, 11, 12, 10, 0))
    relaxed = factories.application(ent, state=ApplicationState.submitted,
                                    submitted_at=dt.datetime(2026, 11, 19, 10, 0))
    db.session.commit()
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 18))
    assert due_soon.deadline_status == "11月19日前，剩1个工作日"
    client = client_as("huangpu")
    html = client.get("/applicationview/list/?psize_ApplicationView=100").get_data(as_text=True)
    assert '<span class="text-danger attention">已逾期7个工作日（应于11月09日前办结）</span>' in html
    assert '<span class="text-warning attention">11月19日前，剩1个工作日</span>' in html
    assert "11月26日前，剩6个工作日</span>" not in html and "11月26日前，剩6个工作日" in html
    csv = client.get("/applicationview/export/?format=csv").get_data(as_text=True)
    assert "已逾期7个工作日（应于11月09日前办结）" in csv and "attention" not in csv
    client, headers = api_as("huangpu")
    item = client.get(f"/api/v1/application/{overdue.id}", headers=headers).get_json()["result"]
    assert item["deadline_status"] == "已逾期7个工作日（应于11月09日前办结）"
    assert relaxed.deadline_status == "11月26日前，剩6个工作日"  # no colour: not yet pressing


def test_a_record_loaded_from_the_national_system_keeps_its_submission_time(
        app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    created = client.post("/api/v1/application/", headers=headers, json={
        "enterprise_id": ent.id, "clause": "display", "applicant_location": "上海",
        "final_use_place": "上海", "bureau_id": ent.bureau_id, "reason": "展会",
        "invoice_no": "INV-9", "submitted_at": "2026-09-30T16:30:00"})
    pk = created.get_json()["id"]
    client.post("/api/v1/product/", headers=headers, json={
        "application_id": pk, "hs_code": "8471301000", "name": "便携式计算机", "ccc_code": "0902",
        "model": "L-1", "brand": "Lenovo", "manufacturer": "Lenovo", "quantity": 1,
        "unit": "台", "amount": "900.00", "currency": "USD"})
    factories.attach_materials(db.session.get(Application, pk))
    db.session.commit()
    response = client.post(f"/api/v1/application/{pk}/submit", headers=headers)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["result"]
    assert result["submitted_at"] == "2026-09-30T16:30:00+08:00"
    assert result["approve_due"] == "2026-10-13"


def test_api_walk_and_refusal(app_ctx, api_as, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    client, headers = api_as("huangpu")
    refused = client.post(f"/api/v1/application/{app_.id}/issue", headers=headers)
    assert refused.status_code == 409 and "不能发证" in refused.get_json()["message"]
    reviewer, reviewer_headers = api_as("reviewer")
    for step in REVIEW + ("issue",):
        who, auth = (reviewer, reviewer_headers) if step in WHO else (client, headers)
        response = who.post(f"/api/v1/application/{app_.id}/{step}", headers=auth,
                            json=factories.review_inputs() if step in CHECKED else None)
        assert response.status_code == 200, (step, response.get_json())
    assert response.get_json()["state"] == "issued"
    db.session.expire_all()
    assert db.session.get(Application, app_.id).certificate is not None
