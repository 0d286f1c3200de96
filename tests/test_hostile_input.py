"""Hostile input at the live console and API: each answers a 4xx with a Chinese message (the
API's JSON ``message``, the console's error page or form) and changes nothing.

Most are answered once for every door by ``app.http_guards``; the rest by the door itself
(type-ahead lookups, the customs import). Items the lead's restructure of the core layers
covers are checked the same way.
"""
from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from typing import Any

import prison
import pytest
from sqlalchemy import func, select

from app import clock
from app.enums import AccountChangeKind
from app.extensions import db
from app.models import AccountChangeRequest
from app.services.audit import transaction_model
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B, has_chinese

OLE2_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
MB = 1024 * 1024


@pytest.fixture(scope="module")
def world(app):
    """Records of both demo districts that the hostile requests aim at."""

    with app.app_context():
        a, b = factories.bureau(DISTRICT_A), factories.bureau(DISTRICT_B)
        ent = factories.enterprise(a)
        changes = {}
        for key, bureau in (("a", a), ("b", b)):
            req = AccountChangeRequest(bureau=bureau, kind=AccountChangeKind.open,
                                       holder_name="新人", department="认证监管科", position="科员",
                                       phone="13900000000", staffing_changed_on=clock.today(),
                                       account_name=f"hostile_{key}_{ent.id}")
            db.session.add(req)
            changes[key] = req
        record = factories._usage_record(a)
        db.session.commit()
        from app.http_guards import integer_bound

        return {"enterprise": ent.id, "change_a": changes["a"].id, "change_b": changes["b"].id,
                "usage_record": record.id, "big": integer_bound() + 1}


def snapshot() -> dict[str, Any]:
    """Row counts of every table, and the audit trail's last transaction: any write shows."""
    db.session.rollback()
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    tx = transaction_model()
    counts["_last_transaction"] = db.session.scalar(select(func.max(tx.id)))
    return counts


@dataclasses.dataclass
class Case:
    id: str
    user: str
    door: str  # "console" or "api"
    method: str
    url: str  # may use {big}, {enterprise}, {change_a}, {change_b}, {usage_record}
    expected: int | tuple[int, ...]
    body: Callable[[dict], dict] | None = None  # extra keyword arguments of the request
    words: str | None = None  # a part of the Chinese message that must be there


def _json(raw: str) -> Callable[[dict], dict]:
    return lambda w: {"data": raw.encode("utf-8") if isinstance(raw, str) else raw,
                      "content_type": "application/json"}


def _q(value: dict) -> str:
    return "q=" + prison.dumps(value)


def _upload(content: bytes, name: str, **fields) -> Callable[[dict], dict]:
    return lambda w: {"data": {"file": (io.BytesIO(content), name), **fields},
                      "content_type": "multipart/form-data"}


CASES = [
    # type-ahead lookups of tables without text-search columns
    Case("lookup-ccc-category", "admin", "console", "GET", "/lookup/ccc_category", 404, words="按文字查找"),
    Case("lookup-calendar-year", "admin", "console", "GET", "/lookup/calendar_year", 404, words="按文字查找"),
    Case("lookup-calendar-day", "admin", "console", "GET", "/lookup/calendar_day?q=1", 404, words="按文字查找"),
    # the framework's list actions
    Case("action-unknown", "huangpu", "console", "POST", "/accountchangerequestview/action_post",
         400, lambda w: {"data": {"action": "drop_everything", "rowid": [str(w["change_a"])]}},
         words="未知的批量操作"),
    Case("action-other-district", "huangpu", "console", "POST",
         "/accountchangerequestview/action_post", 404,
         lambda w: {"data": {"action": "file_together",
                             "rowid": [str(w["change_a"]), str(w["change_b"])]}},
         words="不在您的管辖范围内"),
    Case("action-huge-id", "huangpu", "console", "POST", "/accountchangerequestview/action_post",
         404, lambda w: {"data": {"action": "file_together", "rowid": [str(w["big"])]}}),
    Case("action-no-rows", "huangpu", "console", "POST", "/accountchangerequestview/action_post",
         400, lambda w: {"data": {"action": "file_together"}}, words="勾选"),
    Case("action-single-unknown", "admin", "console", "GET", "/users/action/nope/1", 400),
    # ids beyond the database's integer range, in the path
    Case("console-show-big", "admin", "console", "GET", "/enterpriseview/show/{big}", 404),
    Case("console-edit-big", "admin", "console", "GET", "/enterpriseview/edit/{big}", 404),
    Case("console-delete-big", "admin", "console", "POST", "/enterpriseview/delete/{big}", 404),
    Case("console-step-big", "huangpu", "console", "POST", "/applicationview/step/{big}/submit", 404),
    Case("console-history-big", "admin", "console", "GET", "/history/enterprise/{big}", 404),
    Case("files-big", "admin", "console", "GET", "/files/{big}", 404),
    Case("files-big-api", "admin", "api", "GET", "/files/{big}", 404),
    Case("report-fasttrack-big", "admin", "console", "GET", "/reports/fasttrack/{big}?format=pdf", 404),
    Case("report-account-change-big", "admin", "api", "GET",
         "/reports/account_change/{big}?format=xlsx", 404),
    Case("report-annual-big", "admin", "console", "GET", "/reports/annual_report/{big}?format=pdf", 404),
    Case("report-rollup-big", "admin", "console", "GET", "/reports/annual_rollup/{big}?format=xlsx", 404),
    Case("api-get-big", "admin", "api", "GET", "/api/v1/enterprise/{big}", 404),
    Case("api-put-big", "admin", "api", "PUT", "/api/v1/enterprise/{big}", 404,
         lambda w: {"json": {"name": "hostile有限公司"}}),
    Case("api-delete-big", "admin", "api", "DELETE", "/api/v1/enterprise/{big}", 404),
    Case("api-step-big", "huangpu", "api", "POST", "/api/v1/application/{big}/submit", 404),
    Case("api-evidence-big", "huangpu", "api", "POST", "/api/v1/usage_record/{big}/evidence", 404,
         _upload(b"%PDF-1.4\n", "a.pdf")),
    # ... and in list filters
    Case("console-filter-big", "admin", "console", "GET", "/annualreportview/list/?_flt_0_year={big}",
         400, words="超出范围"),
    Case("console-filter-relation-big", "admin", "console", "GET",
         "/enterpriseview/list/?_flt_0_bureau={big}", 400, words="超出范围"),
    Case("api-filter-big", "admin", "api", "GET", "/api/v1/annual_report/?" + _q(
        {"filters": [{"col": "year", "opr": "eq", "value": "{big}"}]}), 400, words="超出范围"),
    Case("api-filter-fk-big", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"filters": [{"col": "bureau_id", "opr": "eq", "value": "{big}"}]}), 400, words="超出范围"),
    # JSON bodies the framework cannot be trusted to parse
    Case("json-lone-surrogate", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", 400,
         _json('{"name": "hostile\\ud800有限公司"}'), words="代理项"),
    Case("json-deep", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", 400,
         _json("[" * 100_000 + "]" * 100_000), words="嵌套"),
    Case("json-deep-dict", "huangpu", "api", "POST", "/api/v1/application/{big}/submit", (400, 404),
         _json('{"a":' * 50_000 + "1" + "}" * 50_000)),
    Case("json-not-json", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", 400,
         _json("{name: hostile"), words="不是有效的JSON"),
    Case("json-nul", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", 400,
         _json('{"name": "hostile\\u0000有限公司"}'), words="NUL"),
    Case("json-huge-number", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", 400,
         _json('{"bureau_id": 99999999999999999999999}'), words="超出范围"),
    # negative or impossible paging
    Case("api-page-negative", "admin", "api", "GET", "/api/v1/enterprise/?q=(page:-1,page_size:10)",
         400, words="页码"),
    Case("api-page-size-negative", "admin", "api", "GET",
         "/api/v1/enterprise/?q=(page:0,page_size:-1)", 400, words="页码"),
    Case("api-q-not-rison", "admin", "api", "GET", "/api/v1/enterprise/?q=(page:", 400, words="Rison"),
    # the framework's own list-query refusals, in Chinese, saying what is accepted
    Case("api-order-unknown", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"order_column": "nope"}), 400, words="不能按“nope”排序。可排序的列：id、name"),
    Case("api-order-direction-unknown", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"order_column": "name", "order_direction": "sideways"}), 400, words="'asc', 'desc'"),
    Case("api-filter-column-unknown", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"filters": [{"col": "nope", "opr": "ct", "value": "x"}]}), 400,
        words="不能按“nope”筛选。可筛选的列：name"),
    Case("api-filter-operation-unknown", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"filters": [{"col": "name", "opr": "zz", "value": "x"}]}), 400,
        words="不支持筛选方式“zz”。可用的筛选方式：ct"),
    Case("api-filter-without-operation", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"filters": [{"col": "name", "value": "x"}]}), 400, words="缺少 opr"),
    Case("api-columns-and-select-columns", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"columns": ["name"], "select_columns": ["name"]}), 400, words="只能用其一"),
    Case("api-page-size-text", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"page_size": "abc"}), 400, words="页码"),
    Case("api-info-keys-unknown", "admin", "api", "GET", "/api/v1/enterprise/_info?" + _q(
        {"keys": ["nope"]}), 400, words="不是允许的取值"),
    Case("api-login-missing-password", "admin", "api", "POST", "/api/v1/security/login", 400,
         lambda w: {"json": {"username": "admin"}}, words="必填"),
    Case("console-page-negative", "admin", "console", "GET",
         "/enterpriseview/list/?page_EnterpriseView=-1", 400, words="页码"),
    Case("console-page-size-negative", "admin", "console", "GET",
         "/enterpriseview/list/?psize_EnterpriseView=-1", 400, words="页码"),
    Case("console-page-not-a-number", "admin", "console", "GET",
         "/enterpriseview/list/?page_EnterpriseView=abc", 400, words="页码"),
    Case("console-page-huge", "admin", "console", "GET",
         "/enterpriseview/list/?page_EnterpriseView=99999999999999999999999", 400, words="页码"),
    # NUL bytes in what is searched for
    Case("console-filter-nul", "admin", "console", "GET", "/enterpriseview/list/?_flt_2_name=a%00b",
         400, words="NUL"),
    Case("console-lookup-nul", "admin", "console", "GET", "/lookup/enterprise?q=a%00b", 400, words="NUL"),
    Case("api-filter-nul", "admin", "api", "GET", "/api/v1/enterprise/?" + _q(
        {"filters": [{"col": "name", "opr": "ct", "value": "a\x00b"}]}), 400, words="NUL"),
    Case("console-form-nul", "huangpu", "console", "POST", "/enterpriseview/edit/{enterprise}", 400,
         lambda w: {"data": {"name": "hostile\x00有限公司"}}, words="NUL"),
    Case("console-path-nul", "admin", "console", "GET", "/enterpriseview/show/1%00", 404),
    # uploads over MAX_CONTENT_LENGTH (60 MB)
    Case("api-upload-61mb", "huangpu", "api", "POST", "/api/v1/usage_record/{usage_record}/evidence",
         413, _upload(b"%PDF-1.4\n" + bytes(61 * MB), "big.pdf"), words="过大"),
    Case("console-upload-61mb", "huangpu", "console", "POST", "/usagerecordview/upload/{usage_record}",
         413, _upload(b"%PDF-1.4\n" + bytes(61 * MB), "big.pdf"), words="过大"),
    # the customs import: old Excel, damaged files, rows that are not objects
    Case("console-import-xls", "admin", "console", "POST", "/customsusageview/import/", 422,
         _upload(OLE2_XLS, "海关数据.xls"), words="旧版Excel"),
    Case("console-import-xls-renamed", "admin", "console", "POST", "/customsusageview/import/", 422,
         _upload(OLE2_XLS, "海关数据.xlsx"), words="旧版Excel"),
    Case("console-import-damaged", "admin", "console", "POST", "/customsusageview/import/", 422,
         _upload(b"PK\x03\x04" + bytes(100), "海关数据.xlsx"), words="不是有效的Excel"),
    Case("api-import-xls", "admin", "api", "POST", "/api/v1/customs_usage/import", 422,
         _upload(OLE2_XLS, "海关数据.xls"), words="旧版Excel"),
    Case("api-import-not-objects", "admin", "api", "POST", "/api/v1/customs_usage/import", 422,
         lambda w: {"json": [1, "x", None]}, words="JSON对象"),
    Case("api-put-list-body", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", (400, 422),
         lambda w: {"json": [{"name": "hostile有限公司"}]}),
    Case("api-put-string-body", "huangpu", "api", "PUT", "/api/v1/enterprise/{enterprise}", (400, 422),
         lambda w: {"json": "hostile"}),
    Case("api-admin-missing-related", "admin", "api", "PUT", "/api/v1/enterprise/{enterprise}",
         (404, 422), lambda w: {"json": {"bureau_id": 999_999}}),
    Case("report-rollup-year-out-of-range", "admin", "console", "GET",
         "/reports/annual_rollup/99999?format=xlsx", (400, 404, 422)),
]


def _fire(case: Case, world, client_as, api_as):
    url = case.url.format(**world)
    kwargs = case.body(world) if case.body else {}
    if case.door == "api":
        client, headers = api_as(case.user)
        kwargs["headers"] = headers
    else:
        client = client_as(case.user)
    return client.open(url, method=case.method, **kwargs)


def _check(case: Case, response) -> None:
    expected = case.expected if isinstance(case.expected, tuple) else (case.expected,)
    assert response.status_code in expected, (response.status_code,
                                              response.get_data(as_text=True)[:300])
    if case.door == "api" and response.is_json:
        message = response.get_json().get("message")
        shown = json.dumps(message, ensure_ascii=False)
    else:
        shown = response.get_data(as_text=True)
    assert has_chinese(shown), shown[:300]
    if case.words:
        assert case.words in shown, shown[:500]
    assert "Traceback" not in shown and "Internal Server Error" not in shown


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_answers_4xx_in_chinese_and_changes_nothing(app, world, client_as, api_as,
                                                                 case):
    client_as(case.user), api_as(case.user)  # log in first: logins write the user's row
    with app.app_context():
        before = snapshot()
    response = _fire(case, world, client_as, api_as)
    _check(case, response)
    with app.app_context():
        assert snapshot() == before


def _rules(app, method: str):
    for rule in app.url_map.iter_rules():
        if rule.arguments and method in (rule.methods or ()) \
                and not rule.rule.startswith(("/static", "/appbuilder/")):
            yield rule


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_route_answers_5xx_for_ids_beyond_the_database(app, world, client_as, api_as, method):
    """Every route with a path argument, with each argument a number one past the integer
    range of the database under test: never a 5xx."""
    console, (api, headers) = client_as("admin"), api_as("admin")
    seen, failures = 0, []
    for rule in _rules(app, method):
        values = {name: (world["big"] if name not in ("name", "table", "provider", "filename",
                                                      "idp", "lang", "locale")
                         else "x") for name in rule.arguments}
        try:
            url = rule.build(values, append_unknown=False)[1] if hasattr(rule, "build") else None
        except Exception:  # noqa: BLE001 - a converter refusing the value: not reachable so
            continue
        if url is None:
            continue
        client, extra = (api, {"headers": headers}) if url.startswith("/api/") else (console, {})
        response = client.open(url, method=method, **extra)
        seen += 1
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert seen > 20
    assert not failures, failures
