"""Forms that fill themselves (issue 14 item 3): the account's facts for a 账号调整需求, pickers
that find an application or a certificate by its unit's name or USCC."""
from __future__ import annotations

from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def test_account_facts_for_the_change_request_form(app_ctx, client_as, bureaus):
    account = factories.account(bureaus[DISTRICT_A])
    theirs = factories.account(bureaus[DISTRICT_B])
    db.session.commit()
    client = client_as("huangpu")
    facts = client.get(f"/accountchangerequestview/account_facts/{account.id}").get_json()
    assert facts["fields"]["holder_name"] == account.holder_name
    assert facts["fields"]["phone"] == account.phone
    assert facts["functions_before"] == [str(f.id) for f in account.functions]
    assert client.get(f"/accountchangerequestview/account_facts/{theirs.id}").status_code == 404
    assert client_as("auditor").get(
        f"/accountchangerequestview/account_facts/{account.id}").status_code in (302, 403)


def test_pickers_find_by_unit_name_and_uscc(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海挑选器名称测试有限公司")
    cert = factories.certificate(factories.application(ent))
    db.session.commit()
    client = client_as("huangpu")
    for table, wanted in (("application", cert.application.number), ("certificate", cert.number)):
        for term in ("挑选器名称测试", ent.uscc):
            results = client.get(f"/lookup/{table}?q={term}").get_json()["results"]
            assert wanted in [r["text"] for r in results], (table, term)


def test_applicant_location_defaults_to_the_registered_division(app_ctx, client_as, api_as,
                                                                 bureaus):
    from app.models import Application
    from tests.views.test_crud import _application_form

    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    data = _application_form(ent)
    data["applicant_location"] = ""
    client_as("huangpu").post("/applicationview/add", data=data)
    made = db.session.query(Application).filter_by(enterprise_id=ent.id).order_by(
        Application.id.desc()).first()
    assert made is not None and made.applicant_location == "上海市黄浦区"
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/application/", headers=headers, json={
        "enterprise_id": ent.id, "clause": "repair", "applicant_type": "repair_unit",
        "final_use_place": "上海市", "bureau_id": bureaus[DISTRICT_A].id,
        "invoice_no": "INV-LOC-1", "reason": "维修所需"})
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Application, response.get_json()["id"]).applicant_location \
        == "上海市黄浦区"
