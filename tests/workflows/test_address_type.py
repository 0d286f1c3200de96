"""Issue 12 item 8: 申请单位所在地 with its address type (seed 004 §2.1.1-3), a place of testing,
display or repair only for its clause (seed 002 §15)."""
from __future__ import annotations

from app.enums import AddressType
from app.extensions import db
from app.models import Application
from tests import factories
from tests.conftest import DISTRICT_A, form_errors


def _body(ent, bureau, **kw):
    return {"enterprise_id": ent.id, "clause": "research_test", "research_detail": "testing",
            "applicant_type": "research_institution", "applicant_location": "上海市黄浦区",
            "final_use_place": "上海市黄浦区", "bureau_id": bureau.id, "contract_no": "HT-1",
            "reason": "测试样品", **kw}


def test_address_type_defaults_to_registered_and_follows_the_clause(app_ctx, api_as, client_as,
                                                                      bureaus):
    bureau = bureaus[DISTRICT_A]
    ent = factories.enterprise(bureau)
    db.session.commit()
    client, headers = api_as("huangpu")
    made = client.post("/api/v1/application/", headers=headers, json=_body(ent, bureau))
    assert made.status_code == 201, made.get_json()
    assert db.session.get(Application, made.get_json()["id"]).address_type is AddressType.registered
    testing = client.post("/api/v1/application/", headers=headers,
                          json=_body(ent, bureau, address_type="testing"))
    assert testing.status_code == 201, testing.get_json()
    wrong = client.post("/api/v1/application/", headers=headers,
                        json=_body(ent, bureau, address_type="display"))
    assert wrong.status_code == 422 and "商品展示地" in str(wrong.get_json())
    page = client_as("huangpu").post("/applicationview/add", data={
        "enterprise": str(ent.id), "clause": "research_test", "research_detail": "testing",
        "applicant_type": "research_institution", "applicant_location": "上海市黄浦区",
        "address_type": "repair", "final_use_place": "上海市黄浦区", "bureau": str(bureau.id),
        "contract_no": "HT-2", "reason": "测试样品"})
    assert any("维修地" in e for e in form_errors(page.get_data(as_text=True)))
