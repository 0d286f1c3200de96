"""Customs usage and usage records: the void rule's other half, quantities that never exceed
what was imported, automatic write-off, and the all-or-nothing customs import."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from app.commands.customs_import import import_rows
from app.commands.records import create_record
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import CertificateState, UsageKind
from app.extensions import db
from app.models import Certificate, CustomsUsage, UsageRecord
from app.services.key_targets import key_targets
from app.workflows import run_step
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


@pytest.fixture()
def cert(app_ctx, bureaus):
    certificate = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=2))
    db.session.commit()
    return certificate


def usage(product, quantity, kind=UsageKind.use):
    return UsageRecord(product=product, kind=kind, quantity=quantity,
                       used_on=product.application.certificate.issued_on,
                       using_unit="上海测试研究院",
                       export_declaration_no="530120261000000001"
                       if kind is UsageKind.returned else None)


def written_off(cert):
    """Through the review, as the district officer (every check ✓)."""
    run_step(CertificateWorkflow, cert.id, "approve_write_off", _user("huangpu"),
             {"complete": True, "consistent": True, "use_unchanged": True, "logical": True})
    db.session.refresh(cert)
    return cert


def _user(name):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=name)


def test_write_off_when_every_product_is_accounted_for(app_ctx, cert):
    first, second = cert.application.products
    create_record(usage(first, 6))
    create_record(usage(first, 4, UsageKind.destroyed))
    db.session.commit()
    assert cert.state is CertificateState.valid  # the second product is still open
    create_record(usage(second, 10, UsageKind.returned))
    db.session.commit()
    db.session.refresh(cert)
    assert cert.state is CertificateState.write_off_pending  # the authority reviews it
    with pytest.raises(RuleViolation, match="核销待审"):
        create_record(usage(second, 1))
    db.session.rollback()


def test_usage_can_never_exceed_the_imported_quantity(app_ctx, cert):
    product = cert.application.products[0]
    create_record(usage(product, 7))
    db.session.commit()
    with pytest.raises(RecordInvalid) as exc:
        create_record(usage(product, 4))
    assert "本次最多3台" in exc.value.errors["quantity"][0]
    db.session.rollback()
    assert db.session.scalar(select(func.sum(UsageRecord.quantity)).where(
        UsageRecord.product_id == product.id)) == 7


def test_over_quantity_refused_at_the_console_and_api(app_ctx, client_as, api_as, cert):
    product = cert.application.products[0]
    page = client_as("huangpu").post("/usagerecordview/add", data={
        "product": str(product.id), "kind": "use", "quantity": "11",
        "used_on": cert.issued_on.isoformat(),
        "using_unit": "某单位"}, follow_redirects=True)
    assert "超过进口数量" in page.get_data(as_text=True)
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/usage_record/", headers=headers, json={
        "product_id": product.id, "kind": "use", "quantity": 11,
        "used_on": cert.issued_on.isoformat(),
        "using_unit": "某单位"})
    assert response.status_code == 422
    assert "超过进口数量" in response.get_json()["message"]["quantity"][0]
    assert db.session.scalar(select(func.count()).select_from(UsageRecord).where(
        UsageRecord.product_id == product.id)) == 0


def test_no_usage_on_a_voided_certificate(app_ctx, cert):
    cert.state = CertificateState.voided
    db.session.commit()
    with pytest.raises(RuleViolation, match="已作废"):
        create_record(CustomsUsage(certificate_id=cert.id,
                                          declaration_no="220120261000077777", port="洋山港",
                                          used_on=dt.date(2026, 11, 20), quantity=1))
    db.session.rollback()
    with pytest.raises(RuleViolation, match="已作废"):
        create_record(usage(cert.application.products[0], 1))
    db.session.rollback()


def test_records_of_a_written_off_certificate_stay_as_they_are(app_ctx, client_as, api_as,
                                                               cert):
    first, second = cert.application.products
    kept = create_record(usage(first, 10))
    create_record(usage(second, 10))
    db.session.commit()
    db.session.refresh(cert)
    assert written_off(cert).state is CertificateState.written_off
    client, headers = api_as("huangpu")
    deleted = client.delete(f"/api/v1/usage_record/{kept.id}", headers=headers)
    assert deleted.status_code == 409 and "保存期限至" in deleted.get_json()["message"]
    lowered = client.put(f"/api/v1/usage_record/{kept.id}", headers=headers, json={"quantity": 1})
    assert lowered.status_code == 409 and "留存备查" in lowered.get_json()["message"]
    page = client_as("huangpu").post(f"/usagerecordview/delete/{kept.id}", follow_redirects=True)
    assert "已核销" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UsageRecord, kept.id).quantity == 10
    assert db.session.get(type(cert), cert.id).state is CertificateState.written_off


def test_usage_records_of_a_certificate_in_force_can_still_be_corrected(app_ctx, api_as, cert):
    record = create_record(usage(cert.application.products[0], 3))
    db.session.commit()
    first, second = cert.application.products
    client, headers = api_as("huangpu")
    over = client.put(f"/api/v1/usage_record/{record.id}", headers=headers, json={"quantity": 11})
    assert over.status_code == 422 and "超过进口数量" in over.get_json()["message"]["quantity"][0]
    assert client.put(f"/api/v1/usage_record/{record.id}", headers=headers,
                      json={"quantity": 2}).status_code == 200
    db.session.expire_all()
    assert db.session.get(UsageRecord, record.id).quantity == 2
    assert client.delete(f"/api/v1/usage_record/{record.id}", headers=headers).status_code == 200
    assert db.session.query(UsageRecord).filter_by(id=record.id).count() == 0
    cert_id = cert.id
    db.session.expunge_all()  # SQLite may reuse the deleted row's id
    first, second = db.session.get(Certificate, cert_id).application.products
    # corrections count towards write-off too: the last units accounted for close it
    create_record(usage(second, 10))
    kept = create_record(usage(first, 9))
    db.session.commit()
    assert client.put(f"/api/v1/usage_record/{kept.id}", headers=headers,
                      json={"quantity": 10}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Certificate, cert_id).state is CertificateState.write_off_pending


def test_customs_records_cannot_be_edited_or_deleted_to_get_past_the_void_rule(
        app_ctx, client_as, api_as, cert, bureaus):
    used = factories.customs_usage(cert)
    voided = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])),
                                   state=CertificateState.voided)
    db.session.commit()
    client, headers = api_as("admin")  # even the provincial admin has no door to change it
    moved = client.put(f"/api/v1/customs_usage/{used.id}", headers=headers,
                       json={"certificate_id": voided.id})
    assert moved.status_code in (403, 405)
    assert client.delete(f"/api/v1/customs_usage/{used.id}", headers=headers).status_code in (
        403, 405)
    console = client_as("admin")
    console.post(f"/customsusageview/delete/{used.id}")
    console.post(f"/customsusageview/edit/{used.id}", data={"certificate": str(voided.id)})
    # and the record itself says why, should a door ever be opened
    assert "申请作废" in used.deletion_refusal() and "不能修改或删除" in used.editing_refusal()
    db.session.expire_all()
    kept = db.session.get(CustomsUsage, used.id)
    assert kept is not None and kept.certificate_id == cert.id
    assert not db.session.get(type(cert), voided.id).usages


def test_no_customs_usage_on_a_voided_certificate_at_any_door(app_ctx, client_as, api_as, cert):
    cert.state = CertificateState.voided
    db.session.commit()
    row = {"declaration_no": "220120261000077778", "port": "洋山港", "used_on": "2026-11-20",
           "quantity": 1}
    client, headers = api_as("admin")
    posted = client.post("/api/v1/customs_usage/", headers=headers,
                         json={**row, "certificate_id": cert.id})
    assert posted.status_code == 409 and "已作废" in posted.get_json()["message"]
    page = client_as("admin").post("/customsusageview/add", follow_redirects=True,
                                   data={**row, "certificate": str(cert.id)})
    assert "已作废" in page.get_data(as_text=True)
    imported = client.post("/api/v1/customs_usage/import", headers=headers,
                           json=[_rows(cert, declaration_no="220120261000077779")])
    assert "已作废" in str(imported.get_json())
    assert db.session.query(CustomsUsage).filter_by(certificate_id=cert.id).count() == 0


def _rows(cert, **overrides):
    row = {"certificate_number": cert.number, "declaration_no": "220120261000100001",
           "port": "洋山港", "used_on": cert.issued_on.isoformat(), "quantity": "2"}
    row.update(overrides)
    return row


def test_import_saves_all_rows(app_ctx, cert, bureaus):
    other = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    result = import_rows([_rows(cert), _rows(other, declaration_no="220120261000100002",
                                             used_on=f"{other.issued_on:%Y/%m/%d}")])
    assert result.ok and result.created == 2
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id.in_([cert.id, other.id]))) == 2


def test_import_with_one_bad_row_saves_nothing_and_says_where(app_ctx, cert):
    rows = [_rows(cert),
            _rows(cert, declaration_no="2201", quantity="-1"),
            _rows(cert, certificate_number="N-NOT-THERE", declaration_no="220120261000100003"),
            _rows(cert, used_on="上周五", declaration_no="220120261000100004"),
            _rows(cert)]  # repeats the first row's declaration
    result = import_rows(rows)
    assert not result.ok and result.created == 0
    found = {(e.row, e.field) for e in result.errors}
    assert {(3, "报关单号"), (3, "数量"), (4, "证明编号"), (5, "调用日期"), (6, "报关单号")} <= found
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id == cert.id)) == 0


def test_import_file_through_the_console(app, app_ctx, client_as, cert):
    frame = pd.DataFrame([{"证明编号": cert.number, "报关单号": "220120261000200001",
                           "入境口岸": "外高桥港区", "调用日期": cert.issued_on, "数量": 3}])
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    buffer.seek(0)
    page = client_as("admin").post("/customsusageview/import/", data={
        "file": (buffer, "customs.xlsx")}, content_type="multipart/form-data")
    assert "已导入1条海关调用记录" in page.get_data(as_text=True)
    csv = ("\ufeff证明编号,报关单号,入境口岸,调用日期,数量\n"
           f"{cert.number},2201,洋山港,2026-11-22,1\n").encode()
    page = client_as("admin").post("/customsusageview/import/", data={
        "file": (io.BytesIO(csv), "customs.csv")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "未导入" in html and "报关单号应为18位数字" in html
    # district officers do not load the customs exchange
    assert client_as("huangpu").get("/customsusageview/import/").status_code == 403


def test_import_cannot_reach_another_district(app_ctx, api_as, bureaus):
    other = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_B])))
    db.session.commit()
    user = app_ctx.appbuilder.sm.find_user(username="huangpu")
    result = import_rows([_rows(other, declaration_no="220120261000300001")], user)
    assert not result.ok and "不在您的管辖范围内" in result.errors[0].message
    client, headers = api_as("admin")
    response = client.post("/api/v1/customs_usage/import", headers=headers,
                           json=[_rows(other, declaration_no="220120261000300002")])
    assert response.status_code == 200 and response.get_json()["created"] == 1


def test_no_usage_record_is_a_key_target_from_the_day_after_the_anniversary(app_ctx, bureaus):
    cert = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1),
        issued_on=dt.date(2025, 11, 23))
    db.session.commit()

    def flagged(day):
        return any("未填写使用记录" in r for t in key_targets(today=day)
                   if t.certificate.id == cert.id for r in t.reasons)

    assert not flagged(dt.date(2026, 11, 22))
    assert not flagged(dt.date(2026, 11, 23))  # the anniversary: not yet 「超过12个月」
    assert flagged(dt.date(2026, 11, 24))


def test_key_targets(app_ctx, bureaus):
    old = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1),
        issued_on=dt.date(2024, 1, 10))
    big = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1)
    big.products[0].quantity = 5000
    big_cert = factories.certificate(big, issued_on=dt.date(2026, 10, 1))
    db.session.commit()
    found = {t.certificate.id: t.reasons for t in key_targets(today=dt.date(2026, 11, 23))}
    assert any("未填写使用记录" in r for r in found[old.id])
    assert any("单批次数量" in r for r in found[big_cert.id])
    create_record(usage(old.application.products[0], 1))
    db.session.commit()
    found = {t.certificate.id: t.reasons for t in key_targets(today=dt.date(2026, 11, 23))}
    assert old.id not in found


def test_customs_usage_dated_before_issue_is_refused_at_every_door(app_ctx, client_as, api_as,
                                                                  cert):
    """One rule, one path: the day before issue is refused by the API, the console form and
    the import alike; the day of issue is accepted."""
    day_before = (cert.issued_on - dt.timedelta(days=1)).isoformat()
    client, headers = api_as("admin")
    api = client.post("/api/v1/customs_usage/", headers=headers, json={
        "certificate_id": cert.id, "declaration_no": "220120261000088881", "port": "洋山港",
        "used_on": day_before, "quantity": 1})
    assert api.status_code == 422
    assert "早于证明签发日期" in api.get_json()["message"]["used_on"][0]
    page = client_as("admin").post("/customsusageview/add", data={
        "certificate": str(cert.id), "declaration_no": "220120261000088882", "port": "洋山港",
        "used_on": day_before, "quantity": "1"})
    assert "早于证明签发日期" in page.get_data(as_text=True)
    imported = import_rows([{"certificate_number": cert.number,
                             "declaration_no": "220120261000088883", "port": "洋山港",
                             "used_on": day_before, "quantity": 1}])
    assert not imported.ok and imported.errors[0].field == "调用日期"
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id == cert.id)) == 0
    same_day = client.post("/api/v1/customs_usage/", headers=headers, json={
        "certificate_id": cert.id, "declaration_no": "220120261000088884", "port": "洋山港",
        "used_on": cert.issued_on.isoformat(), "quantity": 1})
    assert same_day.status_code == 201


def test_customs_usage_dated_after_today_is_refused_at_every_door(app, app_ctx, client_as,
                                                                 api_as, cert):
    """A declaration is used when the goods come in, never ahead: tomorrow (Beijing) is
    refused by the API, the console form, the JSON import and the import of the customs
    file, under 调用日期; today is accepted."""
    from app import clock
    from app.commands.imports import run_import
    from app.services.imports.base import RowsRefused
    from app.services.imports.registry import KINDS
    from tests.imports.helpers import as_user, xlsx

    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    client, headers = api_as("admin")
    api = client.post("/api/v1/customs_usage/", headers=headers, json={
        "certificate_id": cert.id, "declaration_no": "220120261000099991", "port": "洋山港",
        "used_on": tomorrow, "quantity": 1})
    assert api.status_code == 422
    assert "不能晚于今天" in api.get_json()["message"]["used_on"][0]
    page = client_as("admin").post("/customsusageview/add", data={
        "certificate": str(cert.id), "declaration_no": "220120261000099992", "port": "洋山港",
        "used_on": tomorrow, "quantity": "1"})
    assert "不能晚于今天" in page.get_data(as_text=True)
    imported = import_rows([_rows(cert, declaration_no="220120261000099993", used_on=tomorrow)])
    assert not imported.ok and imported.errors[0].field == "调用日期"
    assert "不能晚于今天" in imported.errors[0].message
    sheet = [["证明编号", "报关单号", "入境口岸", "调用日期", "数量"],
             [cert.number, "220120261000099994", "洋山港", tomorrow, 1]]
    with as_user(app, _user("admin")), pytest.raises(RowsRefused) as refused:
        run_import(KINDS["customs_usage"](), xlsx(("海关调用记录", sheet)), "customs.xlsx")
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "调用日期")]
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id == cert.id)) == 0
    today = client.post("/api/v1/customs_usage/", headers=headers, json={
        "certificate_id": cert.id, "declaration_no": "220120261000099995", "port": "洋山港",
        "used_on": clock.today().isoformat(), "quantity": 1})
    assert today.status_code == 201, today.get_json()
