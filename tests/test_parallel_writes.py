"""Concurrent use corrupts nothing, on SQLite and PostgreSQL alike (issue 10).

Each test fires identical or competing requests from several threads at once (released
together by a barrier), as busy offices would, and then checks the data: every step has
exactly one winner, no record takes another district's values, numbers never collide, and a
save based on a stale read is refused instead of silently undoing another's."""
from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.enums import ApplicationState, CertificateRequestState, FastTrackState
from app.extensions import db
from app.models import (
    AccountChangeFiling,
    AnnualAccountReport,
    Application,
    CertificateRequest,
    Enterprise,
    UsageRecord,
)
from seeds.demo import DEMO_PASSWORD
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

PARALLEL = 20


def fire(requests):
    """Run the callables all at once; their results in order."""
    barrier = threading.Barrier(len(requests))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


@pytest.fixture()
def tokens(api_as):
    def headers_of(username):
        return api_as(username)[1]

    return headers_of


def test_parallel_puts_of_two_districts_keep_each_record_its_own(app, app_ctx, bureaus,
                                                                  tokens):
    huangpu_ent = factories.enterprise(bureaus[DISTRICT_A])
    pudong_ent = factories.enterprise(bureaus[DISTRICT_B])
    db.session.commit()
    ids = {"huangpu": huangpu_ent.id, "pudong": pudong_ent.id}
    homes = {"huangpu": bureaus[DISTRICT_A].id, "pudong": bureaus[DISTRICT_B].id}
    headers = {name: tokens(name) for name in ids}

    def put(name, round_no):
        def call():
            client = app.test_client()
            return client.put(f"/api/v1/enterprise/{ids[name]}", headers=headers[name], json={
                "name": f"{name}第{round_no}轮", "legal_representative": f"{name}代表{round_no}",
                "bureau_id": homes[name]}).status_code
        return call

    for round_no in range(PARALLEL):
        statuses = fire([put("huangpu", round_no), put("pudong", round_no)])
        assert statuses == [200, 200], statuses
        db.session.expire_all()
        for name, pk in ids.items():
            ent = db.session.get(Enterprise, pk)
            assert (ent.name, ent.legal_representative, ent.bureau_id) == (
                f"{name}第{round_no}轮", f"{name}代表{round_no}", homes[name])


def _submittable_application(bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    return app_


def test_twenty_identical_submissions_have_one_winner(app, app_ctx, bureaus, tokens):
    pk = _submittable_application(bureaus).id
    headers = tokens("huangpu")
    statuses = fire([lambda: app.test_client().post(
        f"/api/v1/application/{pk}/submit", headers=headers).status_code] * PARALLEL)
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses
    db.session.expire_all()
    assert db.session.get(Application, pk).state is ApplicationState.submitted


def test_twenty_identical_void_requests_leave_one_pending_request(app, app_ctx, bureaus,
                                                                   tokens):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    cert_id = cert.id
    headers = tokens("huangpu")
    statuses = fire([lambda: app.test_client().post(
        f"/api/v1/certificate/{cert_id}/void", headers=headers,
        json={"reason": "合同取消"}).status_code] * PARALLEL)
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses
    pending = db.session.scalar(select(func.count()).select_from(CertificateRequest).where(
        CertificateRequest.certificate_id == cert_id,
        CertificateRequest.state == CertificateRequestState.pending))
    assert pending == 1


def test_a_one_unit_product_takes_one_usage_record(app, app_ctx, bureaus, tokens):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1)
    app_.products[0].quantity = 1
    cert = factories.certificate(app_)
    db.session.commit()
    product_id = app_.products[0].id
    used_on = cert.issued_on.isoformat()
    headers = tokens("huangpu")
    statuses = fire([lambda: app.test_client().post(
        "/api/v1/usage_record/", headers=headers, json={
            "product_id": product_id, "kind": "use", "quantity": 1, "used_on": used_on,
            "using_unit": "测试单位"}).status_code] * PARALLEL)
    assert statuses.count(201) == 1, statuses
    assert all(s in (201, 409, 422) for s in statuses), statuses
    assert db.session.scalar(select(func.count()).select_from(UsageRecord).where(
        UsageRecord.product_id == product_id)) == 1


def test_a_write_off_is_reviewed_once(app, app_ctx, bureaus, tokens):
    """Approvals and returns of one 核销待审 certificate, in parallel: exactly one wins."""
    from app.commands.records import create_record
    from app.enums import CertificateState, UsageKind
    from app.models import Certificate, WriteOffReview

    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]), products=1)
    cert = factories.certificate(app_)
    product = app_.products[0]
    create_record(UsageRecord(product=product, kind=UsageKind.use, quantity=product.quantity,
                              used_on=cert.issued_on, using_unit="测试单位"))
    db.session.commit()
    cert_id = cert.id
    headers = tokens("huangpu")
    checks = {"complete": True, "consistent": True, "use_unchanged": True, "logical": True}
    approve = lambda: app.test_client().post(  # noqa: E731
        f"/api/v1/certificate/{cert_id}/approve_write_off", headers=headers,
        json=checks).status_code
    send_back = lambda: app.test_client().post(  # noqa: E731
        f"/api/v1/certificate/{cert_id}/return_write_off", headers=headers,
        json={**checks, "logical": False, "remarks": "补正"}).status_code
    statuses = fire([approve, send_back] * (PARALLEL // 2))
    assert statuses.count(200) == 1, statuses
    assert all(s in (200, 409) for s in statuses), statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WriteOffReview).where(
        WriteOffReview.certificate_id == cert_id)) == 1
    assert db.session.get(Certificate, cert_id).state in (CertificateState.written_off,
                                                          CertificateState.write_off_returned)


def test_twenty_activations_open_the_grant_once(app, app_ctx, bureaus, tokens):
    grant = factories.fast_track_application(bureaus[DISTRICT_A])
    officer = factories.district_officer_of(bureaus[DISTRICT_A])
    from app.workflows import run_step
    from app.workflows.fast_track import FastTrackWorkflow

    run_step(FastTrackWorkflow, grant.id, "submit", officer)
    run_step(FastTrackWorkflow, grant.id, "district_review", officer,
             factories.FAST_TRACK_DISTRICT_REVIEW)
    run_step(FastTrackWorkflow, grant.id, "decide", factories.user_named("reviewer"),
             {"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    run_step(FastTrackWorkflow, grant.id, "forward", factories.user_named("admin"))
    headers = tokens("admin")
    grant_id = grant.id
    statuses = fire([lambda n=n: app.test_client().post(
        f"/api/v1/fasttrack/{grant_id}/activate", headers=headers,
        json={"fast_track_account": f"BJTD-PAR-{n}"}).status_code for n in range(PARALLEL)])
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses
    db.session.expire_all()
    grant = db.session.get(type(grant), grant_id)
    assert grant.state is FastTrackState.active and grant.fast_track_account.startswith("BJTD-PAR-")


def test_twenty_issues_make_one_certificate(app, app_ctx, bureaus, tokens):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                 state=ApplicationState.second_reviewed)
    db.session.commit()
    pk = app_.id
    headers = tokens("huangpu")
    statuses = fire([lambda: app.test_client().post(
        f"/api/v1/application/{pk}/issue", headers=headers).status_code] * PARALLEL)
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses
    db.session.expire_all()
    assert db.session.get(Application, pk).certificate is not None


def test_parallel_filings_take_each_request_once(app, app_ctx, bureaus, tokens):
    bureau = bureaus[DISTRICT_A]
    a, b = factories._change_request(bureau), factories._change_request(bureau)
    db.session.commit()
    ids = [a.id, b.id]
    before = db.session.scalar(select(func.count()).select_from(AccountChangeFiling))
    headers = tokens("huangpu")
    statuses = fire([lambda: app.test_client().post(
        "/api/v1/account_change/file_together", headers=headers,
        json={"ids": ids}).status_code] * PARALLEL)
    assert sorted(statuses) == [201] + [409] * (PARALLEL - 1), statuses
    # no empty filing is left behind by the refused ones
    assert db.session.scalar(select(func.count()).select_from(AccountChangeFiling)) == before + 1


def test_parallel_creates_get_distinct_numbers(app, app_ctx, bureaus, tokens):
    ent_id = factories.enterprise(bureaus[DISTRICT_A]).id
    bureau_id = bureaus[DISTRICT_A].id
    db.session.commit()
    headers = tokens("huangpu")

    def create():
        response = app.test_client().post("/api/v1/application/", headers=headers, json={
            "enterprise_id": ent_id, "clause": "repair", "applicant_type": "repair_unit",
            "applicant_location": "上海市", "final_use_place": "上海市",
            "bureau_id": bureau_id, "contract_no": "HT-PAR",
            "reason": "维修所需零部件"})
        return response.status_code, (response.get_json() or {}).get("result", {}).get("number")

    results = fire([create] * PARALLEL)
    assert [status for status, _ in results] == [201] * PARALLEL, results
    numbers = [number for _, number in results]
    assert len(set(numbers)) == PARALLEL and all(re.fullmatch(r"A310101\d{11}", n)
                                                 for n in numbers)


def test_a_second_annual_report_answers_409_under_concurrency(app, app_ctx, bureaus, tokens):
    bureau = bureaus[DISTRICT_B]
    bureau_id = bureau.id
    # a year the bureau has no report of yet (tests.factories takes years from 2099 down)
    taken = set(db.session.scalars(select(AnnualAccountReport.year).where(
        AnnualAccountReport.bureau_id == bureau_id)))
    year = next(y for y in range(2096, 2000, -1) if y not in taken)
    headers = tokens("pudong")
    statuses = fire([lambda: app.test_client().post(
        "/api/v1/annual_report/", headers=headers, json={
            "bureau_id": bureau_id, "year": year, "filer_name": "填报人",
            "filer_department": "认证监管科"}).status_code] * PARALLEL)
    assert sorted(statuses) == [201] + [409] * (PARALLEL - 1), statuses
    assert db.session.scalar(select(func.count()).select_from(AnnualAccountReport).where(
        AnnualAccountReport.bureau_id == bureau.id, AnnualAccountReport.year == year)) == 1


# --- optimistic locking ---------------------------------------------------------------------

def test_a_stale_console_save_is_refused(app_ctx, client_as, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    console = client_as("huangpu")
    form = console.get(f"/enterpriseview/edit/{ent.id}").get_data(as_text=True)
    opened_version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', form).group(1)
    client, headers = api_as("huangpu")  # someone else saves first
    assert client.put(f"/api/v1/enterprise/{ent.id}", headers=headers,
                      json={"legal_representative": "李先到"}).status_code == 200
    page = console.post(f"/enterpriseview/edit/{ent.id}", data={
        "lock_version": opened_version, "name": "后到的名称", "uscc": ent.uscc,
        "registered_address": ent.registered_address,
        "business_address": ent.business_address, "bureau": str(bureaus[DISTRICT_A].id),
        "economic_nature": "private", "legal_representative": "王后到",
        "credit_standing": "good"})
    assert page.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in page.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Enterprise, ent.id)
    assert saved.legal_representative == "李先到" and saved.name != "后到的名称"


def test_a_stale_api_put_answers_412(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    first = client.get(f"/api/v1/enterprise/{ent.id}", headers=headers)
    etag = first.headers["ETag"]
    assert etag == f'"{ent.lock_version}"'
    ok = client.put(f"/api/v1/enterprise/{ent.id}", headers={**headers, "If-Match": etag},
                    json={"legal_representative": "先改"})
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = client.put(f"/api/v1/enterprise/{ent.id}", headers={**headers, "If-Match": etag},
                       json={"legal_representative": "后改"})
    assert stale.status_code == 412
    assert "该记录已被他人修改" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Enterprise, ent.id).legal_representative == "先改"
    # without If-Match a PUT is still accepted (DESIGN §5)
    assert client.put(f"/api/v1/enterprise/{ent.id}", headers=headers,
                      json={"legal_representative": "无条件"}).status_code == 200


# --- scope before state ---------------------------------------------------------------------

def test_links_to_another_districts_record_are_refused_before_its_state(app_ctx, api_as,
                                                                         bureaus):
    other_app = factories.application(factories.enterprise(bureaus[DISTRICT_B]),
                                      state=ApplicationState.issued)
    other_cert = factories.certificate(other_app)
    db.session.commit()
    client, headers = api_as("huangpu")
    product = client.post("/api/v1/product/", headers=headers, json={
        "application_id": other_app.id, "hs_code": "8471300000", "name": "笔记本电脑",
        "ccc_code": "0901", "model": "X1", "brand": "B", "manufacturer": "M", "quantity": 1,
        "unit": "台", "amount": "100", "currency": "USD"})
    assert product.status_code == 422
    assert product.get_json()["message"] == {"application_id": ["关联的记录不存在，或不在您的管辖范围内。"]}
    usage = client.post("/api/v1/usage_record/", headers=headers, json={
        "product_id": other_app.products[0].id, "kind": "use", "quantity": 1,
        "used_on": "2026-11-20", "using_unit": "某单位"})
    assert usage.status_code == 422
    assert usage.get_json()["message"] == {"product_id": ["关联的记录不存在，或不在您的管辖范围内。"]}
    assert other_cert.number not in str(usage.get_json())


# --- a busy database ------------------------------------------------------------------------

BUSY_TEXT = "系统繁忙，请稍后重试"


@contextlib.contextmanager
def short_busy_timeout_of(app):
    """Writers give up after 100 ms instead of 30 s (``DATABASE_BUSY_TIMEOUT_MS``): the
    connections made from now on wait that long."""
    before = app.config["DATABASE_BUSY_TIMEOUT_MS"]
    db.session.remove()
    app.config["DATABASE_BUSY_TIMEOUT_MS"] = 100
    db.engine.dispose()
    try:
        yield
    finally:
        db.session.remove()
        app.config["DATABASE_BUSY_TIMEOUT_MS"] = before
        db.engine.dispose()


@contextlib.contextmanager
def database_held(app, locked_rows):
    """Another writer holds the database past the busy timeout: SQLite's write lock
    (``BEGIN IMMEDIATE``); on PostgreSQL the rows ``locked_rows`` ((table, id), ...) FOR
    UPDATE."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        holder = sqlite3.connect(sa.engine.make_url(url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = sa.create_engine(sa.engine.make_url(url))
    try:
        with engine.connect() as holder:
            for table, pk in locked_rows:
                holder.exec_driver_sql(f"SELECT id FROM {table} WHERE id = {int(pk)} FOR UPDATE")
            yield
            holder.rollback()
    finally:
        engine.dispose()


def _assert_busy(response, *, page: bool):
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"].isdigit()
    if page:
        assert BUSY_TEXT in response.get_data(as_text=True)
    else:
        assert BUSY_TEXT in response.get_json()["message"]


def test_a_busy_database_answers_503_at_every_door(app, app_ctx, bureaus, client_as, api_as,
                                                   users):
    """A writer that holds the database longer than the busy timeout: a login, a console
    form save, an API PUT and a workflow step (console and API) each answer 503
    「系统繁忙，请稍后重试。」 with Retry-After — never a 500 — and nothing is changed."""
    ent = factories.enterprise(bureaus[DISTRICT_A])
    step_app = _submittable_application(bureaus)
    ent_id, user_id, name, app_id = ent.id, users["pudong"].id, ent.name, step_app.id
    console = client_as("huangpu")
    client, headers = api_as("huangpu")
    form = {"name": "繁忙时的名称", "uscc": ent.uscc,
            "registered_address": ent.registered_address,
            "business_address": ent.business_address, "bureau": str(bureaus[DISTRICT_A].id),
            "economic_nature": "private", "legal_representative": "王繁忙",
            "credit_standing": "good"}
    on_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    with short_busy_timeout_of(app), database_held(
            app, [("enterprise", ent_id), ("ab_user", user_id), ("application", app_id)]):
        login = app.test_client().post("/login/", data={
            "username": "pudong", "password": DEMO_PASSWORD})
        if on_sqlite:
            _assert_busy(login, page=True)
        else:  # PostgreSQL reads the password without waiting for the row lock; the login
            # count's update waits, gives up and is let go (Flask-AppBuilder's update_user)
            assert login.status_code == 302, login.status_code
        api_login = app.test_client().post("/api/v1/security/login", json={
            "username": "pudong", "password": DEMO_PASSWORD, "provider": "db"})
        if on_sqlite:
            _assert_busy(api_login, page=False)
        else:
            assert api_login.status_code == 200, api_login.status_code
        _assert_busy(console.post(f"/enterpriseview/edit/{ent_id}", data=form), page=True)
        _assert_busy(client.put(f"/api/v1/enterprise/{ent_id}", headers=headers,
                                json={"legal_representative": "李繁忙"}), page=False)
        # workflow steps, console and API
        _assert_busy(console.post(f"/applicationview/step/{app_id}/submit"), page=True)
        _assert_busy(client.post(f"/api/v1/application/{app_id}/submit", headers=headers),
                     page=False)
    db.session.expire_all()
    saved = db.session.get(Enterprise, ent_id)
    assert (saved.name, saved.legal_representative) == (name, "张伟")
    assert db.session.get(Application, app_id).state is ApplicationState.draft
    # the lock released, the same requests go through
    assert client.put(f"/api/v1/enterprise/{ent_id}", headers=headers,
                      json={"legal_representative": "李空闲"}).status_code == 200
