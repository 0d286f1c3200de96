"""Issue 12 item 5: a certificate keeps to its workflow — its dates are fixed once issued at
every door, a change only within validity (seed 002 §4) and only once (seed 004 §2.3)."""
from __future__ import annotations

import datetime as dt

import pytest

from app import clock
from app.domain.errors import RuleViolation
from app.enums import CertificateState
from app.extensions import db
from app.models import Certificate
from app.workflows import run_step
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A

W = CertificateWorkflow


@pytest.fixture()
def cert(app_ctx, bureaus):
    certificate = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1),
        issued_on=dt.date(2026, 3, 2))
    db.session.commit()
    return certificate


def _change(cert):
    product = cert.application.products[0]
    return {"reason": "品牌写错", "items": [{"product_id": product.id, "field": "brand",
                                          "after": "新品牌"}]}


def test_put_of_the_dates_is_refused_in_chinese(app_ctx, api_as, cert):
    client, headers = api_as("admin")
    for body in ({"supervision_deadline": "2028-01-31"}, {"issued_on": "2026-01-01"}):
        response = client.put(f"/api/v1/certificate/{cert.id}", json=body, headers=headers)
        assert response.status_code == 405, response.get_json()
        assert "监管期限只能经批准的延期申请变更" in response.get_json()["message"]
    db.session.expire_all()
    fresh = db.session.get(Certificate, cert.id)
    assert fresh.supervision_deadline == cert.supervision_deadline
    assert fresh.issued_on == dt.date(2026, 3, 2)
    # any other door that saves the record refuses too (SaveRecord: the record's refusal)
    from app.commands.records import SaveRecord

    def move(record):
        record.supervision_deadline = dt.date(2029, 1, 1)

    with pytest.raises(RuleViolation, match="监管期限只能经批准的延期申请变更"):
        SaveRecord(fresh, creating=False, apply=move, user=None).execute()


def test_console_edit_of_the_dates_is_refused(app_ctx, client_as, cert):
    client = client_as("admin")
    show = client.get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert f"/certificateview/edit/{cert.id}" not in show  # no edit door
    response = client.post(f"/certificateview/edit/{cert.id}", data={
        "issued_on": "2026-01-01", "supervision_deadline": "2028-01-31"})
    assert response.status_code in (302, 403, 404, 405)
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).supervision_deadline == cert.supervision_deadline


def test_change_on_the_deadline_allowed_and_one_day_after_refused(app_ctx, users, api_as, cert,
                                                                  monkeypatch):
    deadline = cert.supervision_deadline
    monkeypatch.setattr(clock, "today", lambda: deadline + dt.timedelta(days=1))
    with pytest.raises(RuleViolation, match="不在有效期内"):
        run_step(W, cert.id, "change", users["huangpu"], _change(cert))
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/certificate/{cert.id}/change", json=_change(cert),
                           headers=headers)
    assert response.status_code == 409 and "不在有效期内" in response.get_json()["message"]
    assert "change" not in {s.name for s in W.offered_steps(cert, users["huangpu"])}
    assert any(step.name == "change" and "不在有效期内" in why
               for step, why in W.blocked_steps(cert, users["huangpu"]))
    monkeypatch.setattr(clock, "today", lambda: deadline)
    run_step(W, cert.id, "change", users["huangpu"], _change(cert))
    run_step(W, cert.id, "approve_change", users["reviewer"])
    db.session.refresh(cert)
    assert cert.state is CertificateState.changed and cert.change_count == 1


def test_approval_after_the_deadline_is_refused(app_ctx, users, cert, monkeypatch):
    deadline = cert.supervision_deadline
    monkeypatch.setattr(clock, "today", lambda: deadline)
    run_step(W, cert.id, "change", users["huangpu"], _change(cert))
    monkeypatch.setattr(clock, "today", lambda: deadline + dt.timedelta(days=1))
    with pytest.raises(RuleViolation, match="不在有效期内"):
        run_step(W, cert.id, "approve_change", users["reviewer"])


@pytest.mark.parametrize("state", [CertificateState.changed, CertificateState.extended])
def test_no_change_offered_on_a_changed_or_extended_certificate(app_ctx, users, bureaus, state):
    other = factories.certificate(factories.application(
        factories.enterprise(bureaus[DISTRICT_A]), products=1), state=state)
    db.session.commit()
    assert "change" not in {s.name for s in W.offered_steps(other, users["huangpu"])}
    with pytest.raises(RuleViolation):
        run_step(W, other.id, "change", users["huangpu"], _change(other))


def test_change_of_subject_information(app_ctx, users, api_as, client_as, cert):
    """Seed 004 §2.3 修改证明主体信息: fields of the application, not of a product."""
    client, headers = api_as("huangpu")
    made = client.post(f"/api/v1/certificate/{cert.id}/change", headers=headers, json={
        "reason": "最终使用地变更", "items": [{"field": "final_use_place",
                                         "after": "上海市浦东新区张江路1号"}]})
    assert made.status_code == 200, made.get_json()
    item = made.get_json()["result"]["requests"][-1]["items"][0]
    assert item["product_id"] is None and item["field"] == "final_use_place"
    page = client_as("reviewer").get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert "批准变更" in page
    run_step(W, cert.id, "approve_change", users["reviewer"])
    db.session.refresh(cert)
    assert cert.application.final_use_place == "上海市浦东新区张江路1号"
    assert cert.state is CertificateState.changed


def test_console_change_form_shows_subject_information(app_ctx, client_as, cert):
    client = client_as("huangpu")
    page = client.get(f"/certificateview/step/{cert.id}/change").get_data(as_text=True)
    assert "主体信息" in page and "产品最终使用地" in page
    response = client.post(f"/certificateview/step/{cert.id}/change", data={
        "reason": "合同号更正", "s_contract_no": "HT-NEW-2026"})
    assert response.status_code == 302
    db.session.refresh(cert)
    item = cert.requests[-1].items[0]
    assert (item.field.name, item.after, item.product_id) == ("contract_no", "HT-NEW-2026", None)
