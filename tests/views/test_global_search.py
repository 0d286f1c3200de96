"""The top-bar search (``/search/?q=``): records of every kind by name, USCC or number,
within the user's scope, grouped by kind."""
from __future__ import annotations

from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def _records(bureau_obj, name):
    ent = factories.enterprise(bureau_obj, name=name)
    cert = factories.certificate(factories.application(ent))
    usage = factories.customs_usage(cert)
    return ent, cert, usage


def test_finds_by_uscc_name_and_numbers_grouped_by_kind(app_ctx, client_as, bureaus):
    ent, cert, usage = _records(bureaus[DISTRICT_A], "上海顶部查找测试有限公司")
    db.session.commit()
    client = client_as("huangpu")
    html = client.get(f"/search/?q={ent.uscc}").get_data(as_text=True)
    assert "申请单位" in html and f'/enterpriseview/show/{ent.id}"' in html
    assert "免办申请" in html  # its applications, by the unit's USCC
    html = client.get(f"/search/?q={usage.declaration_no}").get_data(as_text=True)
    assert "海关调用记录" in html and f'/customsusageview/show/{usage.id}"' in html
    html = client.get(f"/search/?q={cert.number}").get_data(as_text=True)
    assert f'/certificateview/show/{cert.id}"' in html
    html = client.get("/search/?q=顶部查找测试").get_data(as_text=True)
    assert f'/enterpriseview/show/{ent.id}"' in html


def test_never_another_districts_records(app_ctx, client_as, bureaus):
    ent, cert, usage = _records(bureaus[DISTRICT_B], "浦东顶部查找隔离测试有限公司")
    db.session.commit()
    client = client_as("huangpu")
    for term in (ent.uscc, usage.declaration_no, cert.number, "顶部查找隔离测试"):
        html = client.get(f"/search/?q={term}").get_data(as_text=True)
        assert "没有找到" in html, term
        assert "console-search-results" not in html
        assert f"/enterpriseview/show/{ent.id}\"" not in html
    admin = client_as("admin").get(f"/search/?q={ent.uscc}").get_data(as_text=True)
    assert f'/enterpriseview/show/{ent.id}"' in admin


def test_short_or_empty_terms_and_the_top_bar_box(app_ctx, client_as):
    client = client_as("auditor")
    assert "请至少输入2个字符" in client.get("/search/?q=a").get_data(as_text=True)
    page = client.get("/search/")
    assert page.status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert 'action="/search/"' in home and 'name="q"' in home


def test_anonymous_is_sent_away(app):
    response = app.test_client().get("/search/?q=abc")
    assert response.status_code in (302, 401)
