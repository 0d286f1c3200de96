"""A CRUD round-trip per entity through the console screens, as the provincial admin:
add (form post), list, show, edit, and delete where deleting makes sense."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from app.enums import ApplicationState, FastTrackState, FunctionCode
from app.extensions import db
from app.models import (
    AccountFunction,
    Application,
    Bureau,
    BusinessCategory,
    CccCategory,
    Certificate,
    ClauseTag,
    CustomsUsage,
    Enterprise,
    FastTrackGrant,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
    UsageRecord,
)
from tests import factories
from tests.conftest import DISTRICT_A, form_errors

_n = itertools.count(1)


def _one(model_cls, /, **where):
    return db.session.scalar(select(model_cls).filter_by(**where))


def _round_trip(client, view, model, add_data, find, edit_data, check_edit, deletable=True):
    response = client.post(f"/{view}/add", data=add_data)
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    db.session.expire_all()
    item = find()
    assert item is not None, "the added record was not saved"
    pk = item.id

    listed = client.get(f"/{view}/list/")
    assert listed.status_code == 200
    shown = client.get(f"/{view}/show/{pk}")
    assert shown.status_code == 200

    if edit_data is not None:  # None: the record type has no edit door
        response = client.post(f"/{view}/edit/{pk}", data={**add_data, **edit_data})
        assert response.status_code == 302, form_errors(response.get_data(as_text=True))
        db.session.expire_all()
        check_edit(db.session.get(model, pk))

    if deletable is None:  # the caller checks deletion itself
        return pk
    if deletable:
        response = client.post(f"/{view}/delete/{pk}")
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(model, pk) is None
    else:
        assert client.post(f"/{view}/delete/{pk}").status_code in (302, 403, 404, 405)
        db.session.expire_all()
        assert db.session.get(model, pk) is not None, "this record type must never be deleted"
    return pk


def test_bureau(app_ctx, client_as, bureaus):
    n = next(_n)
    client = client_as("admin")
    data = {"name": f"上海市测试{n}区市场监督管理局", "short_name": f"测试{n}区", "level": "county",
            "division_code": f"3199{n:02d}", "parent": str(bureaus["310000"].id)}
    _round_trip(client, "bureauview", Bureau, data,
                lambda: _one(Bureau, division_code=data["division_code"]),
                {"short_name": "改名区"}, lambda b: b.short_name == "改名区" or pytest.fail())


def test_ccc_category(app_ctx, client_as):
    client = client_as("admin")
    data = {"code": "9999", "category_no": "演示", "category": "演示大类", "product_name": "演示产品",
            "source": "演示数据", "is_demo": "y"}
    # The catalogue's primary key is its code: round-trip by code.
    response = client.post("/ccccategoryview/add", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CccCategory, "9999").is_demo is True
    assert client.post("/ccccategoryview/edit/9999",
                       data={**data, "product_name": "演示产品二"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CccCategory, "9999").product_name == "演示产品二"
    assert client.post("/ccccategoryview/delete/9999").status_code == 302
    db.session.expire_all()
    assert db.session.get(CccCategory, "9999") is None


def _enterprise_form(bureau: Bureau, **overrides):
    cats = db.session.scalars(select(BusinessCategory)).all()
    data = {"name": f"上海往返测试{next(_n)}科技有限公司", "uscc": factories.uscc(bureau.division_code),
            "registered_address": "上海市黄浦区南京东路1号", "business_address": "上海市黄浦区南京东路1号",
            "bureau": str(bureau.id), "business_categories": [str(cats[0].id), str(cats[1].id)],
            "economic_nature": "private", "legal_representative": "李四",
            "legal_representative_phone": "021-64220000", "credit_standing": "good",
            "operates_in_province": "y", "traceability_system": "y"}
    data.update(overrides)
    return data


def test_enterprise(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data = _enterprise_form(bureaus[DISTRICT_A])
    pk = _round_trip(client, "enterpriseview", Enterprise, data,
                     lambda: _one(Enterprise, uscc=data["uscc"]),
                     {"legal_representative": "王五", "traceability_system": ""},
                     lambda e: (e.legal_representative == "王五"
                                and e.traceability_system is False) or pytest.fail())
    assert pk


def test_enterprise_categories_saved_as_relations(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data = _enterprise_form(bureaus[DISTRICT_A])
    assert client.post("/enterpriseview/add", data=data).status_code == 302
    ent = _one(Enterprise, uscc=data["uscc"])
    assert len(ent.business_categories) == 2
    page = client.get(f"/enterpriseview/show/{ent.id}").get_data(as_text=True)
    assert "、".join(str(c) for c in ent.business_categories) in page


def test_fast_track_grant_and_lines(app_ctx, client_as, bureaus):
    client = client_as("admin")
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    clause = _one(ClauseTag, code="research_test")
    data = {"enterprise": str(ent.id), "applied_on": "2026-11-02", "clauses": [str(clause.id)],
            "self_commitment": "y"}
    _round_trip(client, "fasttrackgrantview", FastTrackGrant, data,
                lambda: _one(FastTrackGrant, enterprise_id=ent.id),
                {"remarks": "补充材料已收到"},
                lambda g: g.remarks == "补充材料已收到" or pytest.fail())

    # an opened grant is suspended or revoked, never deleted
    grant = FastTrackGrant(enterprise=ent, state=FastTrackState.active, clauses=[clause])
    db.session.add(grant)
    db.session.commit()
    page = client.post(f"/fasttrackgrantview/delete/{grant.id}", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(FastTrackGrant, grant.id) is not None
    assert "只有草稿状态" in page.get_data(as_text=True)

    # its product list is changed through a 便捷通道变更, not edited in place
    line = {"grant": str(grant.id), "period": "expected", "ccc_category": "0901",
            "purpose": "科研测试", "annual_batches": "100", "entry_port": "重庆",
            "handling": "使用、销毁"}
    page = client.post("/fasttrackproductlineview/add", data=line, follow_redirects=True)
    assert "申请内容不能再修改" in page.get_data(as_text=True)
    assert _one(FastTrackProductLine, grant_id=grant.id) is None

    draft = FastTrackGrant(enterprise=ent, state=FastTrackState.draft, clauses=[clause])
    db.session.add(draft)
    db.session.commit()
    line["grant"] = str(draft.id)
    _round_trip(client, "fasttrackproductlineview", FastTrackProductLine, line,
                lambda: _one(FastTrackProductLine, grant_id=draft.id),
                {"annual_batches": "120"},
                lambda line: line.annual_batches == 120 or pytest.fail())


def test_reviewer_account_is_closed_not_deleted(app_ctx, client_as, bureaus):
    client = client_as("admin")
    fns = {f.code: f for f in db.session.scalars(select(AccountFunction))}
    name = f"rt{next(_n):05d}"
    data = {"bureau": str(bureaus[DISTRICT_A].id), "holder_name": "赵六", "department": "认证监管科",
            "position": "科长", "section_chief_or_above": "y", "account_name": name,
            "functions": [str(fns[FunctionCode.second_review].id),
                          str(fns[FunctionCode.supervision].id)],
            "phone": "13812345678", "status": "active", "opened_on": "2025-01-02"}
    _round_trip(client, "revieweraccountview", ReviewerAccount, data,
                lambda: _one(ReviewerAccount, account_name=name),
                {"status": "closed", "closed_on": "2026-11-20"},
                lambda a: (a.status.name == "closed") or pytest.fail(), deletable=False)


def _application_form(ent: Enterprise, **overrides):
    data = {"enterprise": str(ent.id), "clause": "research_test", "research_detail": "testing",
            "applicant_type": "research_institution", "applicant_location": "上海市黄浦区",
            "address_type": "registered",
            "final_use_place": "上海市黄浦区南京东路1号", "bureau": str(ent.bureau_id),
            "bill_of_lading_no": "MSCU7654321", "reason": "研发测试样品，测试后退运。"}
    data.update(overrides)
    return data


def test_application_product_certificate_usage(app_ctx, client_as, bureaus):
    client = client_as("admin")
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    data = _application_form(ent)
    app_pk = _round_trip(client, "applicationview", Application, data,
                         lambda: _one(Application, enterprise_id=ent.id),
                         {"contract_no": "HT2026-001"},
                         lambda a: a.contract_no == "HT2026-001" or pytest.fail(),
                         deletable=None)
    application = db.session.get(Application, app_pk)
    assert application.number.startswith("A" + bureaus[DISTRICT_A].division_code)

    product = {"application": str(app_pk), "hs_code": "8471301000", "name": "便携式计算机",
               "ccc_category": "0902", "model": "X1-2026", "brand": "Lenovo",
               "manufacturer": "Lenovo", "quantity": "5", "unit": "台", "weight_kg": "10.5",
               "amount": "7250.00", "currency": "USD"}
    _round_trip(client, "productview", Product, product,
                lambda: _one(Product, application_id=app_pk, model="X1-2026"),
                {"quantity": "6"}, lambda p: p.quantity == 6 or pytest.fail())
    # the application's show page lists its products (related view)
    page = client.get(f"/applicationview/show/{app_pk}").get_data(as_text=True)
    assert "产品" in page

    keep = factories.application(ent, products=1)
    issued = factories.application(ent, state=ApplicationState.issued, products=1)
    submitted = factories.application(ent, state=ApplicationState.submitted)
    db.session.commit()
    # a draft may be deleted (seed 004 §2.2); a submitted application may not
    page = client.post(f"/applicationview/delete/{submitted.id}", follow_redirects=True)
    assert "只有未提交的申请可以删除" in page.get_data(as_text=True)
    assert client.post(f"/applicationview/delete/{app_pk}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, app_pk) is None
    assert db.session.get(Application, submitted.id) is not None
    cert = {"number": f"NRT{next(_n):08d}", "application": str(keep.id),
            "issued_on": "2026-11-20", "supervision_deadline": "2027-11-20"}
    page = client.post("/certificateview/add", data=cert)  # keep is still a draft
    assert "只能为已发证的申请补录证明" in page.get_data(as_text=True)
    assert _one(Certificate, number=cert["number"]) is None
    cert["application"] = str(issued.id)
    cert_pk = _round_trip(client, "certificateview", Certificate, cert,
                          lambda: _one(Certificate, number=cert["number"]),
                          None, None, deletable=False)  # dates fixed once issued
    assert client.post(f"/certificateview/edit/{cert_pk}", data={
        **cert, "supervision_deadline": "2027-12-31"}).status_code in (302, 403, 404, 405)
    db.session.expire_all()
    assert db.session.get(Certificate, cert_pk).supervision_deadline == dt.date(2027, 11, 20)

    usage = {"certificate": str(cert_pk), "declaration_no": "220120261000099999",
             "port": "洋山港", "used_on": "2026-11-21", "quantity": "1"}
    response = client.post("/customsusageview/add", data=usage)
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    usage_pk = _one(CustomsUsage, declaration_no="220120261000099999").id
    assert client.get("/customsusageview/list/").status_code == 200
    assert client.get(f"/customsusageview/show/{usage_pk}").status_code == 200
    # customs data is kept as received: no door edits or deletes it
    client.post(f"/customsusageview/edit/{usage_pk}", data={**usage, "quantity": "2"})
    client.post(f"/customsusageview/delete/{usage_pk}")
    db.session.expire_all()
    assert db.session.get(CustomsUsage, usage_pk).quantity == 1

    record = {"product": str(issued.products[0].id), "kind": "use", "quantity": "1",
              "used_on": "2026-11-22", "using_unit": "上海测试单位"}
    _round_trip(client, "usagerecordview", UsageRecord, record,
                lambda: _one(UsageRecord, product_id=issued.products[0].id),
                {"using_unit": "上海另一单位"},
                lambda r: r.using_unit == "上海另一单位" or pytest.fail())
