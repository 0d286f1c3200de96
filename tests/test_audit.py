"""Audit trail: who changed what, when, before and after — append-only, admin only."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import BusinessCategory, Enterprise
from app.services import audit
from tests import factories
from tests.conftest import DISTRICT_A
from tests.views.test_crud import _enterprise_form


def _add_enterprise_through_console(client, bureau):
    data = _enterprise_form(bureau)
    assert client.post("/enterpriseview/add", data=data).status_code == 302
    return data, db.session.scalar(select(Enterprise).where(Enterprise.uscc == data["uscc"]))


def test_edit_shows_before_and_after_in_history(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data, ent = _add_enterprise_through_console(client, bureaus[DISTRICT_A])
    cats = db.session.scalars(select(BusinessCategory).order_by(BusinessCategory.id)).all()
    edited = {**data, "legal_representative": "王改名", "business_categories": [str(cats[5].id)]}
    assert client.post(f"/enterpriseview/edit/{ent.id}", data=edited).status_code == 302

    entries = audit.record_history(Enterprise, ent.id)
    assert [e.operation for e in entries] == ["新增", "修改"]
    changes = {c.field: (c.before, c.after) for c in entries[-1].changes}
    assert changes["法定代表人"] == ("李四", "王改名")
    assert changes["主要经营范围"][1] == "其他"
    assert entries[-1].user == "周管理员（admin）"

    page = client.get(f"/history/enterprise/{ent.id}").get_data(as_text=True)
    assert "王改名" in page and "李四" in page and "法定代表人" in page
    show = client.get(f"/enterpriseview/show/{ent.id}").get_data(as_text=True)
    assert f"/history/enterprise/{ent.id}" in show  # the 历史 button on the record


def test_api_changes_are_attributed_to_the_token_user(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    assert client.put(f"/api/v1/enterprise/{ent.id}", json={"handler": "接口经办"},
                      headers=headers).status_code == 200
    last = audit.record_history(Enterprise, ent.id)[-1]
    assert last.user == "黄经办人（huangpu）"
    assert ("CCC免办经办人", "", "接口经办") in [(c.field, c.before, c.after)
                                                for c in last.changes]


def test_deletion_is_recorded(app_ctx, client_as, bureaus):
    client = client_as("admin")
    _data, ent = _add_enterprise_through_console(client, bureaus[DISTRICT_A])
    pk = ent.id
    assert client.post(f"/enterpriseview/delete/{pk}").status_code == 302
    assert [e.operation for e in audit.record_history(Enterprise, pk)] == ["新增", "删除"]


def test_audit_log_lists_and_filters_by_record_type(app_ctx, client_as, bureaus):
    client = client_as("admin")
    _add_enterprise_through_console(client, bureaus[DISTRICT_A])
    page = client.get("/auditlog/list/?_flt_0_changes=Enterprise")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "申请单位" in html and "周管理员（admin）" in html
    tx_id = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    detail = client.get(f"/auditlog/show/{tx_id}")
    assert detail.status_code == 200 and "新增" in detail.get_data(as_text=True)


def test_audit_log_time_filter_takes_beijing_time(app_ctx, client_as, bureaus):
    """The trail stores UTC; a user types Beijing time (8 hours ahead) into the filter."""
    client = client_as("admin")
    _add_enterprise_through_console(client, bureaus[DISTRICT_A])
    tx_id = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    now = clock.now()

    def listed(**filters) -> bool:
        query = "&".join(f"{k}={v:%Y-%m-%d %H:%M:%S}" for k, v in filters.items())
        page = client.get(f"/auditlog/list/?{query}").get_data(as_text=True)
        return f"/auditlog/show/{tx_id}\"" in page

    assert listed(_flt_0_issued_at=now - dt.timedelta(minutes=2))
    assert not listed(_flt_0_issued_at=now + dt.timedelta(hours=1))
    assert listed(_flt_1_issued_at=now + dt.timedelta(minutes=2))
    assert not listed(_flt_1_issued_at=now - dt.timedelta(hours=1))


@pytest.mark.parametrize("username", ["reviewer", "auditor", "huangpu"])
def test_only_the_provincial_admin_reads_the_trail(app_ctx, client_as, bureaus, username):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client = client_as(username)
    assert client.get("/auditlog/list/").status_code == 403
    assert client.get(f"/history/enterprise/{ent.id}").status_code == 403


def test_the_trail_has_no_door_to_edit_or_delete(app_ctx, client_as):
    client = client_as("admin")
    tx_id = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    for method, url in [("post", f"/auditlog/delete/{tx_id}"), ("get", f"/auditlog/edit/{tx_id}"),
                        ("post", f"/auditlog/edit/{tx_id}"), ("get", "/auditlog/add"),
                        ("post", "/history/enterprise/1")]:
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)


def test_every_history_table_refuses_deletes_after_all_migrations(app_ctx, bureaus):
    from app.schema import missing_append_only_triggers

    factories.application(factories.enterprise(bureaus[DISTRICT_A]))  # rows to delete
    db.session.commit()
    with db.engine.connect() as connection:
        assert missing_append_only_triggers(connection) == []
    tables = [t for t in sa.inspect(db.engine).get_table_names()
              if t.endswith("_version") and t != "alembic_version"]
    assert {"application_version", "fast_track_grant_version", "evidence_file_version",
            "account_change_request_version", "enterprise_version"} <= set(tables)
    filled = [t for t in tables
              if db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"'))]  # row triggers
    assert {"application_version", "product_version", "enterprise_version"} <= set(filled)
    for table in filled:
        with pytest.raises(sa.exc.DBAPIError) as exc:
            db.session.execute(sa.text(f'DELETE FROM "{table}"'))
            db.session.flush()
        db.session.rollback()
        assert "审计记录只能追加" in str(exc.value), table


def test_the_database_refuses_to_delete_audit_rows(app_ctx, bureaus):
    factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    for statement in ("DELETE FROM enterprise_version", 'DELETE FROM "transaction"',
                      'UPDATE "transaction" SET remote_addr = \'forged\''):
        with pytest.raises(sa.exc.DBAPIError) as exc:
            db.session.execute(sa.text(statement))
            db.session.flush()
        db.session.rollback()
        assert "审计记录只能追加" in str(exc.value)


def _audit_row(html: str, tx_id: int) -> str:
    """The list row of transaction ``tx_id`` (from its 详情 link to the row's end)."""
    start = html.index(f"/auditlog/show/{tx_id}\"")
    return html[start:html.index("</tr>", start)]


def _submittable_request(bureau, holder: str = "新人"):
    from app.models import AccountChangeRequest, AccountFunction

    request = factories.row_factories()[AccountChangeRequest](bureau)
    request.holder_name = holder
    request.functions_after = db.session.scalars(select(AccountFunction).limit(1)).all()
    db.session.commit()
    return request


def test_audit_log_row_names_action_record_and_source_address(app_ctx, client_as, bureaus):
    """Each row says what was done (新增, or the workflow step that moved the record's state)
    to which record (its label, linking to its 历史), and from which address."""
    request = _submittable_request(bureaus[DISTRICT_A], "审计甲")
    client = client_as("huangpu")
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    assert client.post(f"/accountchangerequestview/step/{request.id}/submit").status_code == 302
    submitted = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    admin = client_as("admin")
    _data, ent = _add_enterprise_through_console(admin, bureaus[DISTRICT_A])
    created = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))

    html = admin.get("/auditlog/list/").get_data(as_text=True)
    assert "<th>操作</th>" in html and "<th>记录</th>" in html
    row = _audit_row(html, submitted)
    assert "提交省局" in row and "修改" not in row  # the step, named from the state it moved
    assert f'href="/history/account_change_request/{request.id}"' in row
    assert request.account_name in row and "10.20.30.40" in row
    row = _audit_row(html, created)
    assert "新增" in row and f'href="/history/enterprise/{ent.id}"' in row and ent.name in row


def test_audit_log_names_a_deleted_record_and_a_plain_edit(app_ctx, client_as, bureaus):
    client = client_as("admin")
    data, ent = _add_enterprise_through_console(client, bureaus[DISTRICT_A])
    assert client.post(f"/enterpriseview/edit/{ent.id}",
                       data={**data, "handler": "改名经办"}).status_code == 302
    edited = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    pk, name = ent.id, ent.name
    assert client.post(f"/enterpriseview/delete/{pk}").status_code == 302
    deleted = db.session.scalar(select(sa.func.max(audit.transaction_model().id)))
    html = client.get("/auditlog/list/").get_data(as_text=True)
    assert "修改" in _audit_row(html, edited)
    row = _audit_row(html, deleted)
    assert "删除" in row and name in row  # named as its last version stored it
    assert f'href="/history/enterprise/{pk}"' in row


def test_audit_log_page_costs_the_same_queries_for_5_or_50_rows(app_ctx, client_as, bureaus):
    """The action and records of a page come from a few batched queries, not one per row."""
    from tests.views.test_query_count import counting_queries

    client = client_as("admin")
    for _ in range(50):  # 50 transactions, each a workflow step on its own record
        request = _submittable_request(bureaus[DISTRICT_A])
        assert client.post(f"/accountchangerequestview/step/{request.id}/submit"
                           ).status_code == 302
    url = "/auditlog/list/?psize_AuditLogView="
    client.get(url + "5")
    counts = {}
    for size in (5, 50):
        with counting_queries() as statements:
            html = client.get(url + str(size)).get_data(as_text=True)
        counts[size] = len(statements)
        assert html.count("提交省局") >= size // 2  # each request: 新增, then 提交省局
    assert counts[5] == counts[50], counts
