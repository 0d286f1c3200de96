"""Records that link (issue 14 item 4): application ↔ certificate, certificate ↔ its pending
request (decided from the request's page too), request ↔ its 报表, the certificate list's
申请单位."""
from __future__ import annotations

from app.enums import CertificateRequestKind, CertificateRequestState, CertificateState
from app.extensions import db
from app.models import Certificate, CertificateRequest
from tests import factories
from tests.conftest import DISTRICT_A


def test_application_and_certificate_link_both_ways(app_ctx, client_as, bureaus):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    client = client_as("huangpu")
    page = client.get(f"/applicationview/show/{cert.application_id}").get_data(as_text=True)
    assert f'href="/certificateview/show/{cert.id}"' in page
    page = client.get(f"/certificateview/show/{cert.id}").get_data(as_text=True)
    assert f'href="/applicationview/show/{cert.application_id}"' in page


def test_certificate_list_shows_the_unit(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海证明列表单位测试有限公司")
    cert = factories.certificate(factories.application(ent))
    db.session.commit()
    page = client_as("huangpu").get(
        f"/certificateview/list/?_flt_0_number={cert.number}").get_data(as_text=True)
    assert "申请单位" in page and ent.name in page


def test_pending_request_is_shown_and_decided_from_its_own_page(app_ctx, client_as, bureaus):
    req = factories.certificate_request(bureaus[DISTRICT_A], kind=CertificateRequestKind.void)
    db.session.commit()
    cert_page = client_as("huangpu").get(
        f"/certificateview/show/{req.certificate_id}").get_data(as_text=True)
    assert f'href="/certificaterequestview/show/{req.id}"' in cert_page
    assert "待审核的作废申请" in cert_page
    assert f"/certificateview/step/{req.certificate_id}/void" not in cert_page  # no second one
    reviewer = client_as("reviewer")
    page = reviewer.get(f"/certificaterequestview/show/{req.id}").get_data(as_text=True)
    approve = f"/certificateview/step/{req.certificate_id}/approve_void"
    assert approve in page and "/reject_void" in page
    reviewer.post(approve, data={"remarks": "同意"})
    db.session.expire_all()
    assert db.session.get(CertificateRequest, req.id).state is CertificateRequestState.approved
    assert db.session.get(Certificate, req.certificate_id).state is CertificateState.voided
