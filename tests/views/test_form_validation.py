"""Bad input on a console form: a Chinese message at the field, and nothing saved."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, Enterprise, Product
from tests import factories
from tests.conftest import DISTRICT_A, form_errors, has_chinese
from tests.views.test_crud import _application_form, _enterprise_form


def _count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_invalid_uscc_is_refused_at_the_field(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data = _enterprise_form(bureaus[DISTRICT_A], uscc="91110000600037341M")
    before = _count(Enterprise)
    page = client.post("/enterpriseview/add", data=data)
    assert page.status_code == 200  # the form comes back, filled in, with the message
    html = page.get_data(as_text=True)
    assert "统一社会信用代码校验码不正确" in " ".join(form_errors(html))
    assert data["name"] in html  # what the user typed is kept
    assert _count(Enterprise) == before


def test_real_uscc_accepted_by_the_form(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data = _enterprise_form(bureaus[DISTRICT_A], uscc="91110000600037341L")
    response = client.post("/enterpriseview/add", data=data)
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == "91110000600037341L"))


def test_duplicate_uscc_refused_with_chinese_message(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client = client_as("admin")
    page = client.post("/enterpriseview/add",
                       data=_enterprise_form(bureaus[DISTRICT_A], uscc=ent.uscc))
    errors = form_errors(page.get_data(as_text=True))
    assert errors and all(has_chinese(e) for e in errors), errors


def test_bad_phone_refused(app_ctx, client_as, bureaus):
    client = client_as("admin")
    page = client.post("/enterpriseview/add", data=_enterprise_form(
        bureaus[DISTRICT_A], handler_phone="1381234"))
    assert any("电话号码格式不正确" in e for e in form_errors(page.get_data(as_text=True)))


def test_application_record_rules_show_at_their_fields(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client = client_as("admin")
    before = _count(Application)
    page = client.post("/applicationview/add", data=_application_form(
        ent, research_detail="", applicant_type="", bill_of_lading_no=""))
    errors = " ".join(form_errors(page.get_data(as_text=True)))
    assert "必须选择二级明细条款" in errors
    assert "必须选择申请人类型" in errors
    assert "提运单号、进口合同号、发票号至少填写一项" in errors
    assert _count(Application) == before


def test_edit_form_rules_see_the_whole_record(app_ctx, client_as, bureaus):
    """An edit that clears the only shipping reference is refused even though the rule's
    other fields are left untouched."""
    ent = factories.enterprise(bureaus[DISTRICT_A])
    app_ = factories.application(ent)
    db.session.commit()
    client = client_as("admin")
    page = client.post(f"/applicationview/edit/{app_.id}", data=_application_form(
        ent, bill_of_lading_no="", contract_no="", invoice_no=""))
    assert "至少填写一项" in " ".join(form_errors(page.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(Application, app_.id).bill_of_lading_no


def test_product_quantity_hs_and_catalogue_checked(app_ctx, client_as, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=0)
    db.session.commit()
    client = client_as("admin")
    before = _count(Product)
    page = client.post("/productview/add", data={
        "application": str(app_.id), "hs_code": "84713010", "name": "便携式计算机",
        "ccc_category": "0902", "model": "X", "brand": "B", "manufacturer": "M",
        "quantity": "0", "unit": "台", "amount": "-1", "currency": "USD"})
    errors = " ".join(form_errors(page.get_data(as_text=True)))
    assert "HS编码应为10位数字" in errors
    assert errors.count("数值必须大于0") == 2
    assert _count(Product) == before
