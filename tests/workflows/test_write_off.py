"""Issue 12 item 6: usage dates within the certificate's life at every door, per-clause
follow-up evidence, the write-off review (核销待审 → 已核销 only by review, or back for 补正)
and the 24-month 保存期限 (seed 001 流程6–7, seed 002 §13)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta

from app import clock
from app.commands.records import DeleteRecord, create_record
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import CertificateState, ExemptionClause, UsageKind, WriteOffDecision
from app.extensions import db
from app.models import Certificate, UsageRecord
from app.services.evidence import store_evidence
from app.workflows import run_step
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, form_errors

W = CertificateWorkflow
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
ALL_CHECKS = {"complete": True, "consistent": True, "use_unchanged": True, "logical": True}
ISSUED = dt.date(2026, 3, 2)


@pytest.fixture()
def cert(app_ctx, bureaus):
    certificate = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1),
        issued_on=ISSUED)
    db.session.commit()
    return certificate


def _record(cert, quantity, kind=UsageKind.use, **kw):
    product = cert.application.products[0]
    return UsageRecord(product=product, kind=kind, quantity=quantity,
                       used_on=kw.pop("used_on", ISSUED), using_unit="上海测试研究院", **kw)


def _account_for_everything(cert, kind=UsageKind.use, **kw):
    record = create_record(_record(cert, cert.application.products[0].quantity, kind, **kw))
    db.session.commit()
    db.session.refresh(cert)
    return record


# --- usage dates ------------------------------------------------------------------------

def test_usage_dated_the_day_before_issue_refused_at_every_door(app_ctx, client_as, api_as,
                                                                 cert):
    product = cert.application.products[0]
    day_before = (ISSUED - dt.timedelta(days=1)).isoformat()
    with pytest.raises(RecordInvalid) as exc:
        create_record(_record(cert, 1, used_on=ISSUED - dt.timedelta(days=1)))
    assert "早于证明签发日期（2026-03-02）" in exc.value.errors["used_on"][0]
    db.session.rollback()
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/usage_record/", headers=headers, json={
        "product_id": product.id, "kind": "use", "quantity": 1, "used_on": day_before,
        "using_unit": "某单位"})
    assert response.status_code == 422
    assert "早于证明签发日期" in response.get_json()["message"]["used_on"][0]
    page = client_as("huangpu").post("/usagerecordview/add", data={
        "product": str(product.id), "kind": "use", "quantity": "1", "used_on": day_before,
        "using_unit": "某单位"})
    assert any("早于证明签发日期" in e for e in form_errors(page.get_data(as_text=True)))
    assert db.session.query(UsageRecord).filter_by(product_id=product.id).count() == 0
    # the issue day itself is fine
    ok = client.post("/api/v1/usage_record/", headers=headers, json={
        "product_id": product.id, "kind": "use", "quantity": 1, "used_on": ISSUED.isoformat(),
        "using_unit": "某单位"})
    assert ok.status_code == 201, ok.get_json()


def test_usage_dated_tomorrow_refused_and_correction_too(app_ctx, api_as, cert):
    client, headers = api_as("huangpu")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/usage_record/", headers=headers, json={
        "product_id": cert.application.products[0].id, "kind": "use", "quantity": 1,
        "used_on": tomorrow, "using_unit": "某单位"})
    assert response.status_code == 422 and "不能晚于今天" in response.get_json()["message"][
        "used_on"][0]
    record = create_record(_record(cert, 1))
    db.session.commit()
    moved = client.put(f"/api/v1/usage_record/{record.id}", headers=headers,
                       json={"used_on": "2026-03-01"})
    assert moved.status_code == 422 and "早于证明签发日期" in moved.get_json()["message"][
        "used_on"][0]


def test_return_needs_the_export_declaration_number(app_ctx, cert):
    with pytest.raises(RecordInvalid) as exc:
        create_record(_record(cert, 1, UsageKind.returned))
    assert "出口报关单" in exc.value.errors["export_declaration_no"][0]
    db.session.rollback()
    create_record(_record(cert, 1, UsageKind.returned, export_declaration_no="530120261000000001"))


# --- the review -----------------------------------------------------------------------

def test_accounted_for_waits_for_review_and_only_the_review_writes_off(app_ctx, users, api_as,
                                                                       client_as, cert):
    _account_for_everything(cert)
    assert cert.state is CertificateState.write_off_pending
    assert cert.retention_until is None
    offered = {s.name for s in W.offered_steps(cert, users["huangpu"])}
    assert {"approve_write_off", "return_write_off"} <= offered
    assert "write_off" not in {s.name for s in W.steps}  # no door moves it but the review
    client, headers = api_as("huangpu")
    assert client.post(f"/api/v1/certificate/{cert.id}/write_off",
                       headers=headers).status_code in (404, 405)
    # every check must be ✓ to write off
    partial = client.post(f"/api/v1/certificate/{cert.id}/approve_write_off", headers=headers,
                          json={**ALL_CHECKS, "logical": False})
    assert partial.status_code == 422 and "相关材料之间逻辑关系合理" in str(partial.get_json())
    # the auditor and the other district cannot review it
    auditor, ah = api_as("auditor")
    assert auditor.post(f"/api/v1/certificate/{cert.id}/approve_write_off", headers=ah,
                        json=ALL_CHECKS).status_code == 403
    pudong, ph = api_as("pudong")
    assert pudong.post(f"/api/v1/certificate/{cert.id}/approve_write_off", headers=ph,
                       json=ALL_CHECKS).status_code == 404
    show = client_as("huangpu").get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert "核销通过" in show and "退回补正" in show and "核销待审" in show
    done = client.post(f"/api/v1/certificate/{cert.id}/approve_write_off", headers=headers,
                       json={**ALL_CHECKS, "remarks": "资料齐全"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["state"] == "written_off"
    db.session.expire_all()
    fresh = db.session.get(Certificate, cert.id)
    assert fresh.written_off_on == clock.today()
    assert fresh.retention_until == clock.today() + relativedelta(months=24)
    review = fresh.write_off_reviews[-1]
    assert review.decision is WriteOffDecision.approved and review.logical
    shown = client.get(f"/api/v1/certificate/{cert.id}", headers=headers).get_json()["result"]
    assert shown["retention_until"] == fresh.retention_until.isoformat()
    assert shown["write_off_reviews"][0]["decision"] == "approved"
    page = client_as("huangpu").get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert "保存期限" in page and f"{fresh.retention_until:%Y-%m-%d}" in page


def test_returned_for_correction_then_resubmitted(app_ctx, users, cert):
    record = _account_for_everything(cert)
    # under review the records wait
    with pytest.raises(RuleViolation, match="核销待审"):
        def lower(r):
            r.quantity = 1
        from app.commands.records import SaveRecord
        SaveRecord(record, creating=False, apply=lower).execute()
    db.session.rollback()
    with pytest.raises(RecordInvalid, match="退回原因"):
        run_step(W, cert.id, "return_write_off", users["huangpu"], {})
    with pytest.raises(RecordInvalid, match="至少有一项"):
        run_step(W, cert.id, "return_write_off", users["huangpu"],
                 {**ALL_CHECKS, "remarks": "看起来都对"})
    run_step(W, cert.id, "return_write_off", users["huangpu"],
             {**ALL_CHECKS, "consistent": False, "remarks": "使用单位与合同不符"})
    db.session.refresh(cert)
    assert cert.state is CertificateState.write_off_returned
    review = cert.write_off_reviews[-1]
    assert review.decision is WriteOffDecision.returned and not review.consistent
    # corrected during 补正, then resubmitted by the district
    record = db.session.get(UsageRecord, record.id)
    record.using_unit = "合同所列单位"
    from app.commands.records import SaveRecord
    SaveRecord(record, creating=False).execute()
    assert "approve_write_off" not in {s.name for s in W.offered_steps(cert, users["huangpu"])}
    run_step(W, cert.id, "resubmit_write_off", users["huangpu"])
    db.session.refresh(cert)
    assert cert.state is CertificateState.write_off_pending
    run_step(W, cert.id, "approve_write_off", users["reviewer"], ALL_CHECKS)
    db.session.refresh(cert)
    assert cert.state is CertificateState.written_off and len(cert.write_off_reviews) == 2


def test_resubmission_needs_everything_accounted_for(app_ctx, users, cert):
    record = _account_for_everything(cert)
    run_step(W, cert.id, "return_write_off", users["huangpu"],
             {"complete": False, "remarks": "数量有误"})
    DeleteRecord(db.session.get(UsageRecord, record.id)).execute()
    with pytest.raises(RuleViolation, match="尚未全部核销"):
        run_step(W, cert.id, "resubmit_write_off", users["huangpu"])


@pytest.mark.parametrize("clause,kind,extra,missing", [
    (ExemptionClause.research_test, UsageKind.destroyed, {}, "销毁处理证明材料"),
    (ExemptionClause.research_test, UsageKind.returned,
     {"export_declaration_no": "530120261000000001"}, "《出口报关单》文件"),
    (ExemptionClause.repair, UsageKind.use, {}, "最终用户确认"),
    (ExemptionClause.production_line, UsageKind.use, {}, "被使用的文字证明材料及照片、视频等佐证材料"),
    (ExemptionClause.export_parts, UsageKind.use,
     {"export_declaration_no": "530120261000000002"}, "整机出口的《出口报关单》文件"),
])
def test_follow_up_evidence_per_clause(app_ctx, users, bureaus, clause, kind, extra, missing):
    from app.enums import ApplicantType

    kw = {"clause": clause}
    if clause is not ExemptionClause.research_test:
        kw["research_detail"] = None
        kw["applicant_type"] = ApplicantType.end_user if clause is ExemptionClause.repair \
            else None
    cert = factories.certificate(factories.application(
        factories.enterprise(bureaus[DISTRICT_A]), products=1, **kw), issued_on=ISSUED)
    db.session.commit()
    record = _account_for_everything(cert, kind, **extra)
    assert cert.state is CertificateState.write_off_pending
    assert missing in cert.follow_up_status
    step = {s.name: why for s, why in W.blocked_steps(cert, users["huangpu"])}
    assert missing in step["approve_write_off"]
    with pytest.raises(RuleViolation, match=missing):
        run_step(W, cert.id, "approve_write_off", users["huangpu"], ALL_CHECKS)
    store_evidence(io.BytesIO(PNG), "proof.png", db.session.get(UsageRecord, record.id))
    db.session.commit()
    run_step(W, cert.id, "approve_write_off", users["huangpu"], ALL_CHECKS)
    db.session.refresh(cert)
    assert cert.state is CertificateState.written_off


@pytest.mark.parametrize("clause", [ExemptionClause.research_test, ExemptionClause.display])
def test_use_under_clauses_1_and_4_needs_no_follow_up_file(app_ctx, users, bureaus, clause):
    """Seed 001 asks proof of 销毁 and 退运 under 条款1 and 条款4, nothing of a 使用 record:
    the edge next to 条款2 and 条款3, whose 使用 needs its proof."""
    from app.enums import ApplicantType

    kw = {"clause": clause}
    if clause is ExemptionClause.display:
        kw.update(research_detail=None, applicant_type=ApplicantType.display_company)
    cert = factories.certificate(factories.application(
        factories.enterprise(bureaus[DISTRICT_A]), products=1, **kw), issued_on=ISSUED)
    db.session.commit()
    _account_for_everything(cert, UsageKind.use)
    assert cert.state is CertificateState.write_off_pending
    assert cert.follow_up_status == "齐全"
    run_step(W, cert.id, "approve_write_off", users["huangpu"], ALL_CHECKS)
    db.session.refresh(cert)
    assert cert.state is CertificateState.written_off


def test_export_parts_use_needs_the_finished_goods_declaration(app_ctx, bureaus):
    cert = factories.certificate(factories.application(
        factories.enterprise(bureaus[DISTRICT_A]), products=1,
        clause=ExemptionClause.export_parts, research_detail=None, applicant_type=None),
        issued_on=ISSUED)
    db.session.commit()
    with pytest.raises(RecordInvalid) as exc:
        create_record(_record(cert, 1))
    assert "整机出口" in exc.value.errors["export_declaration_no"][0]
    db.session.rollback()


# --- 保存期限 ---------------------------------------------------------------------------

def test_records_kept_until_the_retention_date(app_ctx, users, client_as, cert, monkeypatch):
    record = _account_for_everything(cert)
    run_step(W, cert.id, "approve_write_off", users["huangpu"], ALL_CHECKS)
    db.session.refresh(cert)
    until = cert.retention_until
    monkeypatch.setattr(clock, "today", lambda: until)
    with pytest.raises(RuleViolation, match=f"保存期限至{until:%Y-%m-%d}"):
        DeleteRecord(db.session.get(UsageRecord, record.id)).execute()
    db.session.rollback()
    page = client_as("huangpu").post(f"/usagerecordview/delete/{record.id}",
                                     follow_redirects=True)
    assert "保存期限至" in page.get_data(as_text=True)
    assert db.session.get(UsageRecord, record.id) is not None
    monkeypatch.setattr(clock, "today", lambda: until + dt.timedelta(days=1))
    DeleteRecord(db.session.get(UsageRecord, record.id)).execute()
    db.session.expire_all()
    assert db.session.get(UsageRecord, record.id) is None
