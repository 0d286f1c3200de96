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
