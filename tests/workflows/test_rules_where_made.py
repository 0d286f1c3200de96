"""Rules people trip on, caught where they are made (issue 14 item 5), at the console and
the API: customs quantity beyond the certificate, a void with customs usage, a second open
request on one account, 报总局 without a 报表, fast-track clauses 1 to 5 only."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from app.enums import AccountChangeKind, AccountChangeState, ExemptionClause, FunctionCode
from app.extensions import db
from app.models import AccountChangeRequest, CustomsUsage, FastTrackGrant
from app.services import accounts
from app.workflows import run_step
from app.workflows.account_change import AccountChangeWorkflow
from tests import factories
from tests.conftest import DISTRICT_A

_decl = iter(range(5_000_000, 6_000_000))


def declaration() -> str:
    return f"2201202619{next(_decl):08d}"


@pytest.fixture()
def cert(app_ctx, bureaus):
    c = factories.certificate(
        factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1))
    db.session.commit()
    return c  # one product of 10 units


def _usages(cert) -> int:
    return db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id == cert.id))


def _row(cert, quantity, decl=None):
    return {"证明编号": cert.number, "报关单号": decl or declaration(), "入境口岸": "洋山港",
            "调用日期": cert.issued_on.isoformat(), "数量": quantity}


# --- customs quantity --------------------------------------------------------------------

def test_customs_import_row_beyond_the_remaining_quantity_is_refused_by_row(
        app_ctx, client_as, api_as, cert):
    frame = pd.DataFrame([_row(cert, 4), _row(cert, 999)])
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    buffer.seek(0)
    page = client_as("admin").post("/customsusageview/import/", data={
        "file": (buffer, "customs.xlsx")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "<td>3</td><td>数量</td>" in html and "数量999超过免办证明" in html
    assert "剩余数量6" in html
    assert _usages(cert) == 0  # all or nothing
    client, headers = api_as("admin")
    rows = [{"certificate_number": cert.number, "declaration_no": declaration(), "port": "洋山港",
             "used_on": cert.issued_on.isoformat(), "quantity": q} for q in (6, 5)]
    response = client.post("/api/v1/customs_usage/import", headers=headers, json=rows)
    assert response.status_code == 422
    errors = response.get_json()["message"]
    assert errors[0]["row"] == 3 and errors[0]["field"] == "数量"
    assert "剩余数量4" in errors[0]["message"]
    assert _usages(cert) == 0


def test_single_customs_usage_beyond_the_certificate_is_refused(app_ctx, api_as, cert):
    client, headers = api_as("admin")
    body = {"certificate_id": cert.id, "port": "洋山港", "used_on": cert.issued_on.isoformat()}
    assert client.post("/api/v1/customs_usage/", headers=headers, json={
        **body, "declaration_no": declaration(), "quantity": 10}).status_code == 201
    refused = client.post("/api/v1/customs_usage/", headers=headers, json={
        **body, "declaration_no": declaration(), "quantity": 1})
    assert refused.status_code == 422
    assert "剩余数量0" in str(refused.get_json()["message"])
    assert _usages(cert) == 1


# --- void with customs usage ----------------------------------------------------------------

def test_void_with_customs_usage_warns_and_names_the_evidence(app_ctx, client_as, api_as,
                                                               cert):
    factories.customs_usage(cert)
    db.session.commit()
    client = client_as("huangpu")
    form = client.get(f"/certificateview/step/{cert.id}/void").get_data(as_text=True)
    assert "已有海关调用记录" in form and "退运证明" in form
    page = client.post(f"/certificateview/step/{cert.id}/void",
                       data={"reason": "合同取消"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "已登记作废申请" in html and "作废须有产品未实际进口的证据材料" in html


def test_void_warning_at_the_api(app_ctx, api_as, cert):
    factories.customs_usage(cert)
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/certificate/{cert.id}/void", headers=headers,
                           json={"reason": "合同取消"})
    assert response.status_code == 200
    assert "证据材料" in response.get_json()["warning"]


def test_void_without_usage_has_no_warning(app_ctx, api_as, cert):
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/certificate/{cert.id}/void", headers=headers,
                           json={"reason": "合同取消"})
    assert response.status_code == 200 and "warning" not in response.get_json()


# --- account change requests ----------------------------------------------------------------

def _request(bureau, account, kind=AccountChangeKind.add_functions):
    req = AccountChangeRequest(
        bureau=bureau, kind=kind, account=account, holder_name=account.holder_name,
        department="认证监管科", position="科长", section_chief_or_above=True,
        phone="13812345678", staffing_changed_on=account.opened_on or factories.clock.today(),
        functions_after=accounts.tags([FunctionCode.first_review, FunctionCode.supervision]))
    db.session.add(req)
    db.session.commit()
    return req


def test_second_open_request_on_one_account_is_flagged_when_filed(
        app_ctx, client_as, api_as, bureaus, users):
    account = factories.account(bureaus[DISTRICT_A])
    first = _request(bureaus[DISTRICT_A], account)
    second = _request(bureaus[DISTRICT_A], account)
    third = _request(bureaus[DISTRICT_A], account)
    run_step(AccountChangeWorkflow, first.id, "submit", users["huangpu"])
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/account_change/{second.id}/submit", headers=headers)
    assert response.status_code == 200
    assert f"#{first.id}" in response.get_json()["warning"]
    page = client_as("huangpu").post(f"/accountchangerequestview/step/{third.id}/submit",
                                     follow_redirects=True).get_data(as_text=True)
    assert "调整需求已提交省局" in page and "已有未办结的调整需求" in page


def test_forward_needs_a_filing_or_makes_one(app_ctx, client_as, api_as, bureaus, users):
    account = factories.account(bureaus[DISTRICT_A])
    req = _request(bureaus[DISTRICT_A], account)
    run_step(AccountChangeWorkflow, req.id, "submit", users["huangpu"])
    run_step(AccountChangeWorkflow, req.id, "approve", users["admin"])
    client, headers = api_as("admin")
    refused = client.post(f"/api/v1/account_change/{req.id}/forward", headers=headers)
    assert refused.status_code == 409 and "报表" in refused.get_json()["message"]
    page = client_as("admin").post(f"/accountchangerequestview/step/{req.id}/forward",
                                   data={}, follow_redirects=True).get_data(as_text=True)
    assert "尚未编入账号调整需求信息报表" in page
    db.session.expire_all()
    assert db.session.get(AccountChangeRequest, req.id).state is AccountChangeState.approved
    page = client_as("admin").post(f"/accountchangerequestview/step/{req.id}/forward",
                                   data={"make_filing": "y"}, follow_redirects=True)
    assert "已登记报送总局" in page.get_data(as_text=True)
    db.session.expire_all()
    done = db.session.get(AccountChangeRequest, req.id)
    assert done.state is AccountChangeState.forwarded and done.filing_id is not None


def test_forward_of_a_filed_request_needs_nothing_more(app_ctx, api_as, bureaus, users):
    from app.commands.accounts import FileTogether

    account = factories.account(bureaus[DISTRICT_A])
    req = _request(bureaus[DISTRICT_A], account)
    run_step(AccountChangeWorkflow, req.id, "submit", users["huangpu"])
    FileTogether([req.id], users["huangpu"]).execute()
    run_step(AccountChangeWorkflow, req.id, "approve", users["admin"])
    client, headers = api_as("admin")
    assert client.post(f"/api/v1/account_change/{req.id}/forward",
                       headers=headers).status_code == 200


# --- fast-track clauses ---------------------------------------------------------------------

def test_fast_track_offers_only_clauses_one_to_five(app_ctx, client_as, api_as, bureaus):
    form = client_as("huangpu").get("/fasttrackgrantview/add").get_data(as_text=True)
    assert ExemptionClause.research_test.label in form or "条款1" in form
    assert ExemptionClause.other.label not in form
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/fasttrack/", headers=headers, json={
        "enterprise_id": ent.id, "clauses": [ExemptionClause.other.label],
        "self_commitment": True})
    assert response.status_code == 422
    assert "第1至5项" in str(response.get_json()["message"])
    assert not db.session.scalar(select(func.count()).select_from(FastTrackGrant).where(
        FastTrackGrant.enterprise_id == ent.id))
