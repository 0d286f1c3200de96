"""免办证明 after issue: one change while unused, void only without customs usage (or on
evidence), extension on evidence, approvals by a 复审-capable reviewer (seed 002 §4–6)."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.enums import CertificateRequestKind, CertificateRequestState, CertificateState, UseFinding
from app.extensions import db
from app.services.evidence import store_evidence
from app.workflows import run_step
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A

W = CertificateWorkflow
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture()
def cert(app_ctx, bureaus):
    certificate = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=2))
    db.session.commit()
    return certificate


def _items(cert, **changes):
    product = cert.application.products[0]
    return [{"product_id": product.id, "field": field, "after": after}
            for field, after in changes.items()]


def test_change_is_approved_once_and_applied(app_ctx, users, cert):
    product = cert.application.products[0]
    run_step(W, cert.id, "change", users["huangpu"], {
        "reason": "制造商名称写错", "items": _items(cert, manufacturer="戴尔（中国）有限公司",
                                              quantity="8", brand=product.brand)})
    db.session.refresh(cert)
    req = cert.requests[-1]
    assert req.kind is CertificateRequestKind.change and req.state is CertificateRequestState.pending
    # an unchanged field is not listed as a change
    assert {(i.field.name, i.before, i.after) for i in req.items} == {
        ("manufacturer", "Dell Inc.", "戴尔（中国）有限公司"), ("quantity", "10", "8")}
    with pytest.raises(AccessDenied):
        run_step(W, cert.id, "approve_change", users["huangpu"])  # not 复审-capable
    run_step(W, cert.id, "approve_change", users["reviewer"], {"remarks": "同意"})
    db.session.refresh(cert)
    db.session.refresh(product)
    assert cert.state is CertificateState.changed and cert.change_count == 1
    assert product.manufacturer == "戴尔（中国）有限公司" and product.quantity == 8
    assert cert.requests[-1].state is CertificateRequestState.approved
    # the second change is refused
    with pytest.raises(RuleViolation, match="仅允许变更一次"):
        run_step(W, cert.id, "change", users["huangpu"], {
            "reason": "再改", "items": _items(cert, brand="HP")})


def test_change_refused_after_customs_usage_naming_the_declaration(app_ctx, users, cert):
    factories.customs_usage(cert, declaration_no="220120261000055555")
    db.session.commit()
    with pytest.raises(RuleViolation) as exc:
        run_step(W, cert.id, "change", users["huangpu"], {
            "reason": "改型号", "items": _items(cert, model="X-2")})
    assert "220120261000055555" in exc.value.message


def test_usage_arriving_before_approval_stops_the_change(app_ctx, users, cert):
    run_step(W, cert.id, "change", users["huangpu"], {
        "reason": "改型号", "items": _items(cert, model="X-2")})
    factories.customs_usage(cert, declaration_no="220120261000066666")
    db.session.commit()
    with pytest.raises(RuleViolation, match="220120261000066666"):
        run_step(W, cert.id, "approve_change", users["reviewer"])
    db.session.refresh(cert)
    assert cert.state is CertificateState.valid and cert.change_count == 0


def test_change_request_inputs_are_checked(app_ctx, users, cert):
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, cert.id, "change", users["huangpu"], {"reason": "x", "items": []})
    assert "items" in exc.value.errors
    with pytest.raises(RecordInvalid, match="数量必须大于0"):
        run_step(W, cert.id, "change", users["huangpu"], {
            "reason": "x", "items": _items(cert, quantity="0")})
    with pytest.raises(RecordInvalid, match="可变更的项目"):
        run_step(W, cert.id, "change", users["huangpu"], {
            "reason": "x", "items": _items(cert, hs_code="8471309000")})


def test_void_without_usage(app_ctx, users, cert):
    run_step(W, cert.id, "void", users["huangpu"], {"reason": "合同取消，货物未发运"})
    run_step(W, cert.id, "approve_void", users["reviewer"])
    db.session.refresh(cert)
    assert cert.state is CertificateState.voided


def test_void_with_usage_refused_naming_declarations(app_ctx, users, cert):
    factories.customs_usage(cert, declaration_no="220120261000011111")
    factories.customs_usage(cert, declaration_no="220120261000022222")
    db.session.commit()
    run_step(W, cert.id, "void", users["huangpu"], {"reason": "申请作废"})
    with pytest.raises(RuleViolation) as exc:
        run_step(W, cert.id, "approve_void", users["reviewer"])
    assert "220120261000011111、220120261000022222" in exc.value.message
    db.session.refresh(cert)
    assert cert.state is CertificateState.valid


def test_void_with_usage_on_evidence_confirmed_by_the_reviewer(app_ctx, users, cert):
    factories.customs_usage(cert, declaration_no="220120261000033333")
    db.session.commit()
    run_step(W, cert.id, "void", users["huangpu"], {"reason": "报关后退运，未实际进口",
                                                    "not_imported": True})
    req = cert.requests[-1]
    # evidence claimed but not attached: refused
    with pytest.raises(RuleViolation, match="未提供产品未实际进口的证据"):
        run_step(W, cert.id, "approve_void", users["reviewer"], {"confirm_not_imported": True})
    store_evidence(io.BytesIO(PNG), "退运证明.png", req, users["huangpu"])
    db.session.commit()
    # attached, but the reviewer has not confirmed it
    with pytest.raises(RuleViolation, match="审核人须确认"):
        run_step(W, cert.id, "approve_void", users["reviewer"], {})
    run_step(W, cert.id, "approve_void", users["reviewer"], {"confirm_not_imported": True})
    db.session.refresh(cert)
    assert cert.state is CertificateState.voided


def test_extension_needs_evidence_or_an_onsite_check(app_ctx, users, cert):
    new_deadline = (cert.supervision_deadline + dt.timedelta(days=180)).isoformat()
    with pytest.raises(RecordInvalid, match="应晚于现监管期限"):
        run_step(W, cert.id, "extend", users["huangpu"], {
            "reason": "检测周期延长", "new_deadline": cert.supervision_deadline.isoformat()})
    run_step(W, cert.id, "extend", users["huangpu"], {"reason": "检测周期延长",
                                                      "new_deadline": new_deadline})
    with pytest.raises(RuleViolation, match="证明材料（视频、照片等）或现场核查记录"):
        run_step(W, cert.id, "approve_extend", users["reviewer"], {"use_finding": "unused"})
    store_evidence(io.BytesIO(PNG), "样品照片.png", cert.requests[-1], users["huangpu"])
    db.session.commit()
    with pytest.raises(RecordInvalid, match="请选择核查结论"):
        run_step(W, cert.id, "approve_extend", users["reviewer"], {})
    run_step(W, cert.id, "approve_extend", users["reviewer"], {"use_finding": "unused"})
    db.session.refresh(cert)
    assert cert.state is CertificateState.extended
    assert cert.supervision_deadline.isoformat() == new_deadline
    assert cert.requests[-1].use_finding is UseFinding.unused


def test_extension_on_an_onsite_check_record(app_ctx, users, cert):
    run_step(W, cert.id, "extend", users["huangpu"], {
        "reason": "展会延期", "new_deadline": "2031-01-31",
        "onsite_check_record": "2026年11月20日现场核查：展品封存于仓库，未使用。"})
    run_step(W, cert.id, "approve_extend", users["reviewer"], {"use_finding": "use_unchanged"})
    db.session.refresh(cert)
    assert cert.supervision_deadline == dt.date(2031, 1, 31)


def test_one_pending_request_at_a_time_and_rejection(app_ctx, users, cert):
    run_step(W, cert.id, "void", users["huangpu"], {"reason": "作废"})
    with pytest.raises(RuleViolation, match="已有待审核的作废申请"):
        run_step(W, cert.id, "extend", users["huangpu"], {"reason": "x",
                                                          "new_deadline": "2031-01-01"})
    with pytest.raises(RecordInvalid):
        run_step(W, cert.id, "reject_void", users["reviewer"], {})  # a reason is required
    run_step(W, cert.id, "reject_void", users["reviewer"], {"remarks": "理由不充分"})
    db.session.refresh(cert)
    assert cert.state is CertificateState.valid
    assert cert.requests[-1].state is CertificateRequestState.rejected
    with pytest.raises(RuleViolation, match="没有待审核的作废申请"):
        run_step(W, cert.id, "approve_void", users["reviewer"])


def test_roles_and_districts(app_ctx, users, cert):
    with pytest.raises(AccessDenied):
        run_step(W, cert.id, "void", users["reviewer"], {"reason": "x"})
    with pytest.raises(RecordNotFound):
        run_step(W, cert.id, "void", users["pudong"], {"reason": "x"})
    with pytest.raises(AccessDenied):
        run_step(W, cert.id, "void", users["auditor"], {"reason": "x"})


def test_api_steps(app_ctx, api_as, cert):
    district, dh = api_as("huangpu")
    reviewer, rh = api_as("reviewer")
    created = district.post(f"/api/v1/certificate/{cert.id}/change", headers=dh, json={
        "reason": "改品牌", "items": _items(cert, brand="HP")})
    assert created.status_code == 200, created.get_json()
    requests = created.get_json()["result"]["requests"]
    assert requests[-1]["kind"] == "change" and requests[-1]["items"][0]["after"] == "HP"
    assert district.post(f"/api/v1/certificate/{cert.id}/approve_change",
                         headers=dh).status_code == 403
    approved = reviewer.post(f"/api/v1/certificate/{cert.id}/approve_change", headers=rh)
    assert approved.status_code == 200 and approved.get_json()["state"] == "changed"
    again = district.post(f"/api/v1/certificate/{cert.id}/change", headers=dh, json={
        "reason": "再改", "items": _items(cert, brand="Dell")})
    assert again.status_code == 409 and "仅允许变更一次" in again.get_json()["message"]


def test_console_change_form(app_ctx, client_as, cert):
    product = cert.application.products[0]
    client = client_as("huangpu")
    page = client.get(f"/certificateview/step/{cert.id}/change").get_data(as_text=True)
    assert "仅允许变更一次" in page and product.manufacturer in page
    response = client.post(f"/certificateview/step/{cert.id}/change", data={
        "reason": "制造商更名", f"p{product.id}_manufacturer": "Dell Technologies Inc."})
    assert response.status_code == 302
    db.session.refresh(cert)
    item = cert.requests[-1].items[0]
    assert (item.field.name, item.after) == ("manufacturer", "Dell Technologies Inc.")
    show = client_as("reviewer").get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert "批准变更" in show and "驳回变更" in show and "批准作废" not in show
