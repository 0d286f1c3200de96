"""Evidence files: accepted by content type and size, stored outside the database, and
served only to users who may see the record they belong to."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from app import policy
from app.domain.errors import RecordInvalid
from app.enums import CertificateRequestKind
from app.extensions import db
from app.models import EvidenceFile
from app.services.evidence import evidence_path, store_evidence
from tests import factories
from tests.conftest import DISTRICT_A
from tests.workflows.test_certificate import PNG

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture()
def request_a(app_ctx, bureaus):
    req = factories.certificate_request(bureaus[DISTRICT_A], CertificateRequestKind.void)
    db.session.commit()
    return req


def test_stored_outside_the_database_with_its_fingerprint(app, app_ctx, request_a):
    evidence = store_evidence(io.BytesIO(PNG), "现场照片.png", request_a)
    db.session.commit()
    path = evidence_path(evidence)
    assert path.exists() and path.read_bytes() == PNG
    assert Path(app.config["UPLOAD_FOLDER"]) in path.parents
    assert evidence.content_type == "image/png" and evidence.size_bytes == len(PNG)
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize("content,name", [(EXE, "photo.jpg"), (b"just text", "说明.pdf")])
def test_type_decided_by_content_not_name(app_ctx, request_a, content, name):
    with pytest.raises(RecordInvalid) as exc:
        store_evidence(io.BytesIO(content), name, request_a)
    assert "只能上传图片" in exc.value.errors["file"][0]


def test_size_limit(app_ctx, request_a, monkeypatch):
    monkeypatch.setattr(policy, "MAX_UPLOAD_BYTES", 64)
    with pytest.raises(RecordInvalid, match="文件过大：单个文件不超过0MB"):
        store_evidence(io.BytesIO(PNG + b"\x00" * 100), "big.png", request_a)


def test_upload_through_the_console_and_download_rules(app_ctx, client_as, request_a):
    client = client_as("huangpu")
    show = client.get(f"/certificaterequestview/show/{request_a.id}").get_data(as_text=True)
    assert "上传证据材料" in show
    response = client.post(f"/certificaterequestview/upload/{request_a.id}", data={
        "file": (io.BytesIO(PDF), "退运证明.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    evidence = db.session.query(EvidenceFile).filter_by(
        certificate_request_id=request_a.id).one()
    download = client.get(f"/files/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client_as("auditor").get(f"/files/{evidence.id}").status_code == 200
    assert client_as("pudong").get(f"/files/{evidence.id}").status_code == 404
    assert app_ctx.test_client().get(f"/files/{evidence.id}").status_code == 302  # to login
    # the reviewer reads evidence but does not upload it
    assert client_as("reviewer").post(f"/certificaterequestview/upload/{request_a.id}", data={
        "file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data").status_code == 403


def test_api_upload_and_token_download(app_ctx, api_as, bureaus):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    client, headers = api_as("huangpu")
    none_pending = client.post(f"/api/v1/certificate/{cert.id}/evidence", headers=headers,
                               data={"file": (io.BytesIO(PNG), "a.png")},
                               content_type="multipart/form-data")
    assert none_pending.status_code == 409
    client.post(f"/api/v1/certificate/{cert.id}/void", headers=headers, json={"reason": "未进口"})
    uploaded = client.post(f"/api/v1/certificate/{cert.id}/evidence", headers=headers,
                           data={"file": (io.BytesIO(PNG), "a.png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    url = uploaded.get_json()["evidence"][0]["url"]
    assert client.get(url, headers=headers).data == PNG
    other, other_headers = api_as("pudong")
    assert other.get(url, headers=other_headers).status_code == 404


def test_the_record_decides_when_it_takes_files_at_every_door(app_ctx, client_as, api_as,
                                                              bureaus):
    """A usage record of a voided certificate takes no more evidence: console and API alike
    (the rule is the record's, ``evidence_refusal``)."""
    from app.enums import CertificateState, UsageKind
    from app.models import UsageRecord

    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                                       products=1))
    record = UsageRecord(product=cert.application.products[0], kind=UsageKind.use, quantity=1,
                         used_on=cert.issued_on, using_unit="上海测试研究院")
    db.session.add(record)
    cert.state = CertificateState.voided
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/usage_record/{record.id}/evidence", headers=headers,
                           data={"file": (io.BytesIO(PNG), "photo.png")})
    assert response.status_code == 409
    assert response.get_json()["message"] == "证明已作废，不能再上传证据材料。"
    console = client_as("huangpu")
    page = console.get(f"/usagerecordview/show/{record.id}").get_data(as_text=True)
    assert f"/usagerecordview/upload/{record.id}" not in page  # no form offered
    posted = console.post(f"/usagerecordview/upload/{record.id}", follow_redirects=True,
                          data={"file": (io.BytesIO(PNG), "photo.png")})
    assert "证明已作废，不能再上传证据材料。" in posted.get_data(as_text=True)
    assert db.session.query(EvidenceFile).filter_by(usage_record_id=record.id).count() == 0


@pytest.mark.parametrize("state,words", [("written_off", "已核销：其使用记录须留存备查")])
def test_a_usage_record_after_write_off_takes_no_evidence(app_ctx, client_as, api_as,
                                                          bureaus, state, words):
    """The records (and their evidence) are the proof of the write-off: frozen with it.
    (Under review, follow-up evidence is still taken: tests/workflows/test_write_off.py.)"""
    from app.enums import CertificateState, UsageKind
    from app.models import EvidenceFile, UsageRecord

    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                                       products=1))
    record = UsageRecord(product=cert.application.products[0], kind=UsageKind.use, quantity=1,
                         used_on=cert.issued_on, using_unit="上海测试研究院")
    db.session.add(record)
    db.session.commit()
    cert.state = CertificateState[state]
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/usage_record/{record.id}/evidence", headers=headers,
                           data={"file": (io.BytesIO(PNG), "photo.png")})
    assert response.status_code == 409
    assert words in response.get_json()["message"]
    console = client_as("huangpu")
    posted = console.post(f"/usagerecordview/upload/{record.id}", follow_redirects=True,
                          data={"file": (io.BytesIO(PNG), "photo.png")})
    assert words in posted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(EvidenceFile).filter_by(usage_record_id=record.id).count() == 0
