"""The owning bureau carried on far rows (issue 15) stays right through every write: a new
row gets it, a record moved to another district takes its dependants along, and a district's
list filtered on the carried column shows exactly what the path says it owns."""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.commands.records import SaveRecord
from app.enums import ApplicationState, CertificateRequestKind, UsageKind
from app.extensions import db
from app.models import (
    Application,
    Certificate,
    CertificateRequest,
    CustomsUsage,
    FastTrackGrant,
    Product,
    UsageRecord,
)
from app.scope import (
    acting_as,
    bureau_subtree,
    carried_models,
    check_carried_owners,
    owner_expression,
    scope_clause,
)
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

CARRIED = (Product, Certificate, CertificateRequest, CustomsUsage, UsageRecord, FastTrackGrant)


def _owners(model, ids) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(model.owner_bureau_id).where(model.id.in_(ids))))


def _visible_to(bureau_id: int, model) -> set[int]:
    return set(db.session.scalars(
        select(model.id).where(scope_clause(model, bureau_subtree(bureau_id)))))


def _issued_in(bureau_obj):
    app_ = factories.application(factories.enterprise(bureau_obj), products=2)
    cert = factories.certificate(app_)
    usage = factories.customs_usage(cert)
    record = UsageRecord(product=app_.products[0], kind=UsageKind.use, quantity=1,
                         used_on=clock.today(), using_unit="测试单位")
    request = CertificateRequest(certificate=cert, kind=CertificateRequestKind.void,
                                 reason="延期测试")
    db.session.add_all([record, request])
    db.session.flush()
    return app_, cert, usage, record, request


def test_every_carried_model_declares_its_column_and_path(app_ctx):
    assert set(carried_models()) == set(CARRIED)
    for model in CARRIED:
        assert owner_expression(model) is not None


def test_new_rows_carry_their_owner(app_ctx):
    huangpu = factories.bureau(DISTRICT_A)
    app_, cert, usage, record, request = _issued_in(huangpu)
    db.session.commit()
    assert _owners(Product, [p.id for p in app_.products]) == {huangpu.id}
    for model, row in ((Certificate, cert), (CustomsUsage, usage), (UsageRecord, record),
                       (CertificateRequest, request)):
        assert _owners(model, [row.id]) == {huangpu.id}, model.__name__
    assert check_carried_owners() == {}


def test_an_application_moved_between_districts_takes_its_rows_along(app_ctx, users):
    huangpu, pudong = factories.bureau(DISTRICT_A), factories.bureau(DISTRICT_B)
    app_, cert, usage, record, request = _issued_in(huangpu)
    db.session.commit()
    rows = {Product: [p.id for p in app_.products], Certificate: [cert.id],
            CustomsUsage: [usage.id], UsageRecord: [record.id], CertificateRequest: [request.id]}
    for model, ids in rows.items():
        assert set(ids) <= _visible_to(huangpu.id, model)
        assert not set(ids) & _visible_to(pudong.id, model)

    # the province corrects the accepting bureau (a data correction through the ORM)
    app_ = db.session.get(Application, app_.id)
    app_.bureau_id = pudong.id
    db.session.commit()

    for model, ids in rows.items():
        assert _owners(model, ids) == {pudong.id}, model.__name__
        assert set(ids) <= _visible_to(pudong.id, model), model.__name__
        assert not set(ids) & _visible_to(huangpu.id, model), model.__name__
    assert check_carried_owners() == {}


def test_a_draft_moved_by_the_console_write_path(app_ctx, users):
    huangpu, pudong = factories.bureau(DISTRICT_A), factories.bureau(DISTRICT_B)
    app_ = factories.application(factories.enterprise(huangpu), products=3,
                                 state=ApplicationState.draft)
    db.session.commit()
    product_ids = [p.id for p in app_.products]
    with acting_as(users["admin"]):
        SaveRecord(app_, creating=False,
                   apply=lambda item: setattr(item, "bureau_id", pudong.id)).execute()
    assert _owners(Product, product_ids) == {pudong.id}
    assert set(product_ids) <= _visible_to(pudong.id, Product)
    assert check_carried_owners() == {}


def test_a_product_moved_to_another_application_follows_it(app_ctx, users):
    huangpu, pudong = factories.bureau(DISTRICT_A), factories.bureau(DISTRICT_B)
    source = factories.application(factories.enterprise(huangpu), products=2)
    target = factories.application(factories.enterprise(pudong), products=1)
    db.session.commit()
    moved = source.products[0]
    record = UsageRecord(product=moved, kind=UsageKind.use, quantity=1,
                         used_on=clock.today(), using_unit="测试单位")
    db.session.add(record)
    db.session.commit()
    with acting_as(users["admin"]):
        SaveRecord(moved, creating=False,
                   apply=lambda item: setattr(item, "application_id", target.id)).execute()
    assert _owners(Product, [moved.id]) == {pudong.id}
    assert _owners(UsageRecord, [record.id]) == {pudong.id}
    assert _owners(Product, [source.products[-1].id]) == {huangpu.id}
    assert check_carried_owners() == {}


def test_a_grant_follows_its_enterprise_to_another_district(app_ctx, users):
    """The fast-track grant carries its unit's bureau (剩余有效天数 sorts from an index on it)."""
    huangpu, pudong = factories.bureau(DISTRICT_A), factories.bureau(DISTRICT_B)
    grant = factories.active_grant(huangpu)
    db.session.commit()
    assert _owners(FastTrackGrant, [grant.id]) == {huangpu.id}
    assert grant.id in _visible_to(huangpu.id, FastTrackGrant)
    ent = db.session.get(FastTrackGrant, grant.id).enterprise
    ent.bureau_id = pudong.id  # the unit moved its registration to another district
    db.session.commit()
    assert _owners(FastTrackGrant, [grant.id]) == {pudong.id}
    assert grant.id in _visible_to(pudong.id, FastTrackGrant)
    assert grant.id not in _visible_to(huangpu.id, FastTrackGrant)
    assert check_carried_owners() == {}


def test_a_district_list_uses_the_carried_column(app_ctx):
    """The district filter is one comparison on the carried column, no join chain."""
    huangpu = factories.bureau(DISTRICT_A)
    sql = str(select(Product.id).where(scope_clause(Product, bureau_subtree(huangpu.id)))
              .compile(compile_kwargs={"literal_binds": True}))
    assert "owner_bureau_id" in sql and "application" not in sql


def test_a_bulk_load_that_bypassed_the_orm_is_repaired(app_ctx):
    from sqlalchemy import update

    from app.scope import refresh_carried_owners

    huangpu = factories.bureau(DISTRICT_A)
    app_ = factories.application(factories.enterprise(huangpu), products=2)
    db.session.commit()
    ids = [p.id for p in app_.products]
    db.session.execute(update(Product).where(Product.id.in_(ids)).values(owner_bureau_id=None))
    db.session.commit()
    assert check_carried_owners().get("product") == 2
    assert refresh_carried_owners() == {"product": 2}
    db.session.commit()
    assert check_carried_owners() == {}
    assert _owners(Product, ids) == {huangpu.id}
