"""Searches answer from indexes (issue 15): codes by their beginning or whole (B-tree
range), names anywhere from a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL), and
the plans show it."""
from __future__ import annotations

from sqlalchemy import select, text, update

from app.extensions import db
from app.models import Application, CustomsUsage, Enterprise
from app.services.search import contains, starts_with
from tests import factories
from tests.conftest import DISTRICT_A


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
