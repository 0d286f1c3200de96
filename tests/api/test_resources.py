"""The REST API of DESIGN §5: JWT login, the stable field names of every resource, a CRUD
round-trip per resource, and 422 answers with Chinese messages that change nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.enums import ApplicationState
from app.extensions import db
from app.models import Application, Enterprise, Product, ReviewerAccount
from tests import factories
from tests.conftest import DISTRICT_A, has_chinese

# DESIGN §5: "each resource exposes at least these"
DESIGN_FIELDS = {
    "bureau": {"id", "name", "division_code", "level", "parent_id"},
    "enterprise": {"id", "name", "uscc", "bureau_id", "credit_standing"},
    "account": {"id", "bureau_id", "holder_name", "position", "section_chief_or_above",
                "account_name", "functions", "phone", "status"},
    "account_change": {"id", "bureau_id", "kind", "account_id", "functions_before",
                       "functions_after", "state"},
    "annual_report": {"id", "bureau_id", "year", "state", "lines"},
    "application": {"id", "number", "enterprise_id", "clause", "state", "submitted_at"},
    "product": {"id", "application_id", "hs_code", "name", "ccc_code", "quantity"},
    "certificate": {"id", "number", "application_id", "state", "change_count"},
    "customs_usage": {"id", "certificate_id", "declaration_no", "used_on", "quantity"},
    "fasttrack": {"id", "enterprise_id", "state", "valid_from", "valid_to"},
    "usage_record": {"id", "product_id", "kind", "quantity", "used_on"},
}


def test_jwt_login_and_wrong_password(app):
    client = app.test_client()
    ok = client.post("/api/v1/security/login",
                     json={"username": "admin", "password": "Demo@2026", "provider": "db"})
    assert ok.status_code == 200 and ok.get_json()["access_token"]
    client.environ_base["REMOTE_ADDR"] = "10.66.0.1"  # keep 127.0.0.1's failure count clean
    bad = client.post("/api/v1/security/login",
                      json={"username": "pwtest-nobody", "password": "wrong-pass1",
                            "provider": "db"})
    assert bad.status_code == 401
    assert bad.get_json()["message"] == "用户名或密码错误，或账号已停用。"


def test_api_requires_a_token_and_says_so_in_chinese(app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = client.get("/api/v1/enterprise/", headers=headers)
        assert response.status_code == 401
        assert "请先通过 /api/v1/security/login 获取令牌" in response.get_json()["message"]


def test_framework_answers_are_chinese_too(app_ctx, api_as, bureaus):
    client, headers = api_as("huangpu")
    listed = client.get("/api/v1/enterprise/", headers=headers).get_json()
    assert listed["list_title"] == "申请单位列表"
    missing = client.get("/api/v1/enterprise/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "记录不存在，或不在您的管辖范围内。"
    forbidden = client.delete(f"/api/v1/bureau/{bureaus[DISTRICT_A].id}", headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.get_json()["message"] == "您没有执行此操作的权限。"


def test_openapi_spec_lists_every_resource(api_as):
    client, headers = api_as("admin")
    spec = client.get("/api/v1/_openapi", headers=headers)
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    for resource in DESIGN_FIELDS:
        assert f"/api/v1/{resource}/" in paths, resource


@pytest.mark.parametrize("resource,fields", sorted(DESIGN_FIELDS.items()))
def test_resource_exposes_design_fields(app_ctx, api_as, bureaus, resource, fields):
    from app.api.resources import RESOURCES

    model = next(api.model for api in RESOURCES if api.resource_name == resource)
    factories.row_factories()[model](bureaus[DISTRICT_A])  # a row to show
    db.session.commit()
    client, headers = api_as("admin")
    listed = client.get(f"/api/v1/{resource}/", headers=headers)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    body = listed.get_json()
    assert fields <= set(body["list_columns"]) | {"lines"}
    assert body["ids"], "the resource should list the rows made above"
    item = client.get(f"/api/v1/{resource}/{body['ids'][0]}", headers=headers).get_json()
    assert fields <= set(item["result"]) | {"id"}


def test_enums_are_english_codes_and_functions_chinese_labels(app_ctx, api_as, bureaus):
    from app.enums import FunctionCode

    acc = factories.account(bureaus[DISTRICT_A], functions=(FunctionCode.second_review,
                                                            FunctionCode.supervision), chief=True)
    db.session.commit()
    client, headers = api_as("admin")
    item = client.get(f"/api/v1/account/{acc.id}", headers=headers).get_json()["result"]
    assert item["status"] == "active"
    assert item["functions"] == ["复审", "监管"]


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_enterprise_round_trip(app_ctx, api_as, bureaus):
    client, headers = api_as("admin")
    uscc = factories.uscc(DISTRICT_A)
    payload = {"name": "上海接口测试科技有限公司", "uscc": uscc, "bureau_id": bureaus[DISTRICT_A].id,
               "registered_address": "上海市黄浦区福州路1号", "business_address": "上海市黄浦区福州路1号",
               "economic_nature": "joint_venture", "legal_representative": "陈一",
               "business_categories": ["科研测试", "repair"]}
    created = client.post("/api/v1/enterprise/", json=payload, headers=headers)
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    shown = client.get(f"/api/v1/enterprise/{pk}", headers=headers).get_json()["result"]
    assert shown["uscc"] == uscc and shown["credit_standing"] == "good"
    assert shown["business_categories"] == ["科研测试", "维修"]
    changed = client.put(f"/api/v1/enterprise/{pk}", json={"credit_standing": "blacklisted"},
                         headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/api/v1/enterprise/{pk}", headers=headers).get_json()[
        "result"]["credit_standing"] == "blacklisted"
    assert client.delete(f"/api/v1/enterprise/{pk}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/enterprise/{pk}", headers=headers).status_code == 404


def test_enterprise_invalid_input_answers_422_in_chinese_and_saves_nothing(app_ctx, api_as,
                                                                            bureaus):
    client, headers = api_as("admin")
    before = _count(Enterprise)
    response = client.post("/api/v1/enterprise/", json={
        "name": "上海校验测试有限公司", "uscc": "91110000600037341M", "bureau_id": bureaus[DISTRICT_A].id,
        "registered_address": "x", "business_address": "y", "economic_nature": "国营",
        "legal_representative": "张三", "legal_representative_phone": "12345"}, headers=headers)
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert set(message) == {"uscc", "economic_nature", "legal_representative_phone"}
    assert all(has_chinese(m) for msgs in message.values() for m in msgs)
    db.session.expire_all()
    assert _count(Enterprise) == before


def test_duplicate_uscc_is_a_field_error(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("admin")
    response = client.post("/api/v1/enterprise/", json={
        "name": "重复代码公司", "uscc": ent.uscc, "bureau_id": bureaus[DISTRICT_A].id,
        "registered_address": "x", "business_address": "y", "economic_nature": "private",
        "legal_representative": "张三"}, headers=headers)
    assert response.status_code == 422
    assert "已存在" in response.get_json()["message"]["uscc"][0]


def test_application_round_trip_and_record_rules(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("admin")
    base = {"enterprise_id": ent.id, "clause": "research_test", "applicant_location": "上海市",
            "final_use_place": "上海市", "bureau_id": ent.bureau_id, "reason": "测试样品"}
    before = _count(Application)
    refused = client.post("/api/v1/application/", json=base, headers=headers)
    assert refused.status_code == 422
    assert set(refused.get_json()["message"]) == {"research_detail", "applicant_type",
                                                  "bill_of_lading_no"}
    db.session.expire_all()
    assert _count(Application) == before

    created = client.post("/api/v1/application/", json={
        **base, "research_detail": "ccc_testing", "applicant_type": "ccc_client",
        "contract_no": "HT-1", "submitted_at": "2026-11-20T10:00:00"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    result = created.get_json()["result"]
    assert result["number"].startswith("A" + DISTRICT_A)
    assert result["submitted_at"] == "2026-11-20T10:00:00+08:00"  # Beijing time, said so
    pk = created.get_json()["id"]
    # changing the clause away from clause 1 while keeping the detail is refused
    bad = client.put(f"/api/v1/application/{pk}", json={"clause": "display"}, headers=headers)
    assert bad.status_code == 422
    assert "research_detail" in bad.get_json()["message"]
    fine = client.put(f"/api/v1/application/{pk}", json={
        "clause": "display", "research_detail": None, "applicant_type": None}, headers=headers)
    assert fine.status_code == 200, fine.get_json()


def test_product_round_trip_and_catalogue_check(app_ctx, api_as, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=0)
    db.session.commit()
    client, headers = api_as("admin")
    payload = {"application_id": app_.id, "hs_code": "8415101000", "name": "窗式空调器",
               "ccc_code": "0703", "model": "W-1", "brand": "Daikin", "manufacturer": "Daikin",
               "quantity": 3, "unit": "台", "amount": "1620.00", "currency": "USD"}
    before = _count(Product)
    wrong = client.post("/api/v1/product/", json={**payload, "ccc_code": "0999", "quantity": 0},
                        headers=headers)
    assert wrong.status_code == 422
    assert set(wrong.get_json()["message"]) == {"ccc_code", "quantity"}
    db.session.expire_all()
    assert _count(Product) == before
    created = client.post("/api/v1/product/", json=payload, headers=headers)
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    assert client.put(f"/api/v1/product/{pk}", json={"quantity": 4},
                      headers=headers).status_code == 200
    assert client.delete(f"/api/v1/product/{pk}", headers=headers).status_code == 200


def test_account_round_trip(app_ctx, api_as, bureaus):
    client, headers = api_as("admin")
    created = client.post("/api/v1/account/", json={
        "bureau_id": bureaus[DISTRICT_A].id, "holder_name": "钱七", "department": "认证监管科",
        "position": "科员", "account_name": "api_acc_001", "functions": ["初审", "发证"],
        "phone": "13900001111"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    assert db.session.get(ReviewerAccount, pk).status.name == "active"
    assert client.put(f"/api/v1/account/{pk}", json={"functions": ["监管"]},
                      headers=headers).status_code == 200
    assert client.get(f"/api/v1/account/{pk}", headers=headers).get_json()[
        "result"]["functions"] == ["监管"]
    # accounts are closed, never deleted: the API offers no DELETE
    assert client.delete(f"/api/v1/account/{pk}", headers=headers).status_code in (403, 404, 405)


def test_certificate_usage_and_usage_record_round_trip(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    draft = factories.application(ent, products=1)
    # a certificate recorded by hand (loaded from the national system) needs an issued application
    app_ = factories.application(ent, state=ApplicationState.issued, products=1)
    db.session.commit()
    client, headers = api_as("admin")
    refused = client.post("/api/v1/certificate/", json={
        "number": "N-API-0000", "application_id": draft.id, "issued_on": "2026-11-20",
        "supervision_deadline": "2027-11-20"}, headers=headers)
    assert refused.status_code == 409 and "只能为已发证的申请补录证明" in refused.get_json()["message"]
    cert = client.post("/api/v1/certificate/", json={
        "number": "N-API-0001", "application_id": app_.id, "issued_on": "2026-11-20",
        "supervision_deadline": "2026-11-19"}, headers=headers)
    assert cert.status_code == 422
    assert "supervision_deadline" in cert.get_json()["message"]
    cert = client.post("/api/v1/certificate/", json={
        "number": "N-API-0001", "application_id": app_.id, "issued_on": "2026-11-20",
        "supervision_deadline": "2027-11-20"}, headers=headers)
    assert cert.status_code == 201, cert.get_json()
    assert cert.get_json()["result"]
    cert_id = cert.get_json()["id"]
    usage = client.post("/api/v1/customs_usage/", json={
        "certificate_id": cert_id, "declaration_no": "220120261000000777", "port": "洋山港",
        "used_on": "2026-11-21", "quantity": 2}, headers=headers)
    assert usage.status_code == 201, usage.get_json()
    record = client.post("/api/v1/usage_record/", json={
        "product_id": app_.products[0].id, "kind": "destroyed", "quantity": 1,
        "used_on": "2026-11-22", "using_unit": "上海测试单位"}, headers=headers)
    assert record.status_code == 201, record.get_json()
    assert record.get_json()["result"]["kind"] == "destroyed"


def test_bureau_round_trip(app_ctx, api_as, bureaus):
    client, headers = api_as("admin")
    created = client.post("/api/v1/bureau/", json={
        "name": "上海市接口测试区市场监督管理局", "short_name": "接口区", "division_code": "319901",
        "level": "county", "parent_id": bureaus["310000"].id}, headers=headers)
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    bad = client.put(f"/api/v1/bureau/{pk}", json={"division_code": "31990"}, headers=headers)
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/bureau/{pk}", headers=headers).status_code == 200


def test_the_openapi_spec_tells_the_truth(app, api_as):
    """Every refusal status documented with the one error body, integer ids, each workflow
    step its own path with its input schema, path parameters declared."""
    client, headers = api_as("pudong")
    spec = client.get("/api/v1/_openapi", headers=headers).get_json()
    paths = spec["paths"]
    submit = paths["/api/v1/application/{pk}/submit"]["post"]
    assert {"409", "412", "422", "404", "403"} <= set(submit["responses"])
    ret = paths["/api/v1/application/{pk}/return"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert ret["required"] == ["reason"] and ret["additionalProperties"] is False
    assert "/api/v1/application/{pk}/{name}" not in paths
    listing = paths["/api/v1/application/"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["properties"]
    assert listing["ids"]["items"] == {"type": "integer"}
    for path, operations in paths.items():
        if "{pk}" in path:
            for operation in operations.values():
                assert any(p["name"] == "pk" for p in operation["parameters"]), path
    # a door the record type does not have is not in the spec at all
    assert "delete" not in paths["/api/v1/account/{pk}"]


def test_the_openapi_spec_names_the_warning_of_the_steps_that_give_one(app, api_as):
    """A step that warns rather than refuses (``Step.caution``) answers ``warning`` — e.g. a
    void filed on a certificate with customs usage: the spec says so for those steps only."""
    from flask_appbuilder.api import BaseApi

    client, headers = api_as("pudong")
    paths = client.get("/api/v1/_openapi", headers=headers).get_json()["paths"]

    def answer(path):
        return paths[path]["post"]["responses"]["200"]["content"]["application/json"][
            "schema"]["properties"]

    void = answer("/api/v1/certificate/{pk}/void")
    assert void["warning"]["type"] == "string" and "海关调用" in void["warning"]["description"]
    assert {"id", "state", "message", "result"} <= set(void)
    assert "warning" in answer("/api/v1/account_change/{pk}/submit")
    assert "warning" not in answer("/api/v1/certificate/{pk}/approve_void")
    # every step of every resource: ``warning`` exactly where the step has a caution
    checked = 0
    for api in app.appbuilder.baseviews:
        if isinstance(api, BaseApi) and getattr(api, "workflow", None) is not None:
            for step in api.workflow.steps:
                props = answer(f"/api/v1/{api.resource_name}/{{pk}}/{step.name}")
                assert ("warning" in props) is (step.caution is not None), (api, step.name)
                checked += 1
    assert checked > 20
