"""Searches answer from indexes (issue 15): codes by their beginning or whole (B-tree
range), names anywhere from a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL), and
the plans show it."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import Application, CustomsUsage, Enterprise
from app.services.search import contains, starts_with
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def _plan(stmt) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_a_name_is_found_anywhere_in_it_and_kept_up_to_date(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海检索三字以上中间词测试有限公司")
    db.session.commit()
    found = db.session.scalars(select(Enterprise.id).where(
        contains(Enterprise, "name", "中间词测试"))).all()
    assert found == [ent.id]
    db.session.execute(update(Enterprise).where(Enterprise.id == ent.id)
                       .values(name="上海改名以后的另一家公司"))
    db.session.commit()
    assert not db.session.scalars(select(Enterprise.id).where(
        contains(Enterprise, "name", "中间词测试"))).all()
    assert db.session.scalars(select(Enterprise.id).where(
        contains(Enterprise, "name", "改名以后"))).all() == [ent.id]
    # two characters: matched too (by a scan of the names)
    assert ent.id in db.session.scalars(select(Enterprise.id).where(
        contains(Enterprise, "name", "改名"))).all()
    # LIKE wildcards typed by a user are text
    assert not db.session.scalars(select(Enterprise.id).where(
        contains(Enterprise, "name", "上海%公司"))).all()


def test_name_search_reads_the_trigram_index(app_ctx):
    plan = _plan(select(Enterprise.id).where(contains(Enterprise, "name", "华信电子")))
    if db.engine.dialect.name == "sqlite":
        assert "VIRTUAL TABLE" in plan, plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = _plan(select(Enterprise.id).where(contains(Enterprise, "name", "华信电子")))
        assert "ix_enterprise_name_trgm" in plan, plan


def test_code_prefix_reads_the_btree(app_ctx):
    for model, column, index in ((Application, Application.number, "number"),
                                 (CustomsUsage, CustomsUsage.declaration_no, "declaration_no")):
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = _plan(select(model.id).where(starts_with(column, "S3101")))
        assert index in plan and "SCAN application\n" not in plan, plan


def test_list_filters_default_to_indexed_matches(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A], name="上海默认筛选检索测试有限公司")
    wanted = factories.application(ent, number="T-IDX-0001", products=1)
    other = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                  number="T-IDY-0002", products=1)
    db.session.commit()
    client = client_as("admin")
    html = client.get("/applicationview/list/?_flt_0_number=T-IDX").get_data(as_text=True)
    assert wanted.number in html and other.number not in html
    html = client.get("/applicationview/list/?_flt_1_number=T-IDX-0001").get_data(as_text=True)
    assert wanted.number in html and other.number not in html
    html = client.get("/enterpriseview/list/?_flt_0_name=默认筛选检索").get_data(as_text=True)
    assert ent.name in html
    html = client.get(f"/enterpriseview/list/?_flt_0_uscc={ent.uscc[:-2]}").get_data(as_text=True)
    assert ent.name in html


def _product_ids_listed(client, value: str) -> set[int]:
    import re

    html = client.get(f"/productview/list/?_flt_0_application={value}"
                      "&psize_ProductView=100").get_data(as_text=True)
    return {int(pk) for pk in re.findall(r"/productview/show/(\d+)", html)}


@pytest.mark.parametrize("many", [False, True], ids=["few-matches", "most-of-the-district"])
def test_a_district_number_prefix_lists_its_own_matching_products(app_ctx, bureaus, client_as,
                                                                  monkeypatch, many):
    """申请编号 typed by a district officer: the products of the matching applications of the
    district, none of another district's (same prefix), whether few applications match
    (read from the (bureau, number) range) or most of the district does (the district's own
    products walked in list order)."""
    from app.fab import FilterRelatedText
    from app.models import Product

    if many:
        monkeypatch.setattr(FilterRelatedText, "MANY_MATCHES", 1)
    tag = f"Q{DISTRICT_A}{7 if many else 6}"  # a prefix of this test's own
    own = factories.enterprise(bureaus[DISTRICT_A])
    other = factories.enterprise(bureaus[DISTRICT_B])
    hit = [factories.application(own, number=f"{tag}7{i:04d}") for i in range(3)]
    miss = factories.application(own, number=f"{tag}8{0:04d}")
    # another district's application whose number shares the prefix (a data-entry accident)
    foreign = factories.application(other, number=f"{tag}7{9:04d}",
                                    bureau=bureaus[DISTRICT_B])
    db.session.commit()
    wanted = {p.id for a in hit for p in a.products}
    listed = _product_ids_listed(client_as("huangpu"), f"{tag}7")
    assert listed == wanted
    assert not listed & {p.id for p in miss.products + foreign.products}
    assert db.session.scalar(select(Product.owner_bureau_id).where(
        Product.id.in_(wanted)).distinct()) == bureaus[DISTRICT_A].id
    # the province sees the foreign one too
    admin_listed = _product_ids_listed(client_as("admin"), f"{tag}7")
    assert admin_listed == wanted | {p.id for p in foreign.products}


def test_a_district_number_prefix_reads_the_bureau_number_index(app_ctx, bureaus):
    """The district's share of the applications, by number prefix: one range of
    ix_application_bureau_number (SQLite; PostgreSQL may prefer the bureau's bitmap)."""
    bureau_id = bureaus[DISTRICT_A].id
    stmt = select(Application.id).where(Application.bureau_id == bureau_id,
                                        starts_with(Application.number, "S310101"))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    plan = _plan(stmt)
    if db.engine.dialect.name == "postgresql":
        # on a test-sized table PostgreSQL picks freely among the bureau's equal-cost
        # indexes; what matters is that the district is read from an index, not scanned
        assert "Index" in plan and "Seq Scan" not in plan, plan
        return
    assert "ix_application_bureau_number" in plan, plan


def test_the_index_is_declared_in_the_model_and_made_by_the_migration(app_ctx):
    from sqlalchemy import inspect as sa_inspect

    declared = {ix.name: [c.name for c in ix.columns] for ix in Application.__table__.indexes}
    assert declared["ix_application_bureau_number"] == ["bureau_id", "number"]
    made = {ix["name"]: ix["column_names"]
            for ix in sa_inspect(db.engine).get_indexes("application")}
    assert made["ix_application_bureau_number"] == ["bureau_id", "number"]
    product = {ix["name"]: ix["column_names"]
               for ix in sa_inspect(db.engine).get_indexes("product")}
    assert product["ix_product_owner_bureau"] == ["owner_bureau_id", "id", "application_id"]
