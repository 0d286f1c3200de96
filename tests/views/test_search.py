"""List filters on relations to large tables search by text, not by a select box of every
record; the lookup behind type-ahead selects answers JSON."""
from __future__ import annotations

from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A


def test_application_list_filtered_by_enterprise_name(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海独一无二检索测试有限公司")
    other = factories.enterprise(bureaus[DISTRICT_A])
    wanted = factories.application(ent)
    unwanted = factories.application(other)
    db.session.commit()
    page = client_as("admin").get("/applicationview/list/?_flt_0_enterprise=独一无二检索")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert wanted.number in html and unwanted.number not in html


def test_product_list_filtered_by_application_number_prefix(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    factories.application(ent, number="T-PREFIX-0001", products=1)
    factories.application(ent, number="T-OTHER-0002", products=1)
    db.session.commit()
    html = client_as("admin").get("/productview/list/?_flt_0_application=T-PREFIX").get_data(
        as_text=True)
    assert "T-PREFIX-0001" in html and "T-OTHER-0002" not in html


def test_search_form_renders_no_select_of_all_enterprises(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海不应出现在下拉框的公司")
    factories.application(ent)
    db.session.commit()
    html = client_as("admin").get("/applicationview/list/").get_data(as_text=True)
    # the enterprise appears in the list rows, but not as an <option> of a filter select
    assert f">{ent.name}</option>" not in html


def test_lookup_answers_matching_records(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海查找接口测试有限公司")
    db.session.commit()
    response = client_as("admin").get("/lookup/enterprise?q=查找接口")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert {"id": ent.id, "text": ent.name} in results


def test_lookup_unknown_table_and_anonymous(app, client_as):
    assert client_as("admin").get("/lookup/ab_user").status_code == 404
    assert app.test_client().get("/lookup/enterprise").status_code in (302, 401)
