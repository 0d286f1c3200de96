"""Account security: throttled logins (console and API), password policy, cookie flags, CSRF."""
from __future__ import annotations

import itertools
import re

import pytest

from app import policy
from app.extensions import db
from app.security_model import Role
from tests import factories
from tests.conftest import DISTRICT_A, has_chinese

_n = itertools.count(1)
PASSWORD = "Secret2026"


def client_at(app, address: str | None = None):
    """A test client calling from its own address, so that deliberate failures here never
    throttle the rest of the suite (which logs in from 127.0.0.1)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or f"10.77.{next(_n) % 250}.{next(_n) % 250}"
    return client


def make_user(app, role=Role.district_officer, division=DISTRICT_A):
    sm = app.appbuilder.sm
    name = f"sec{next(_n)}_{role.name}"
    with app.app_context():
        user = sm.add_user(username=name, first_name="测", last_name="试",
                           email=f"{name}@test.local", role=sm.find_role(role.value),
                           password=PASSWORD)
        user.bureau_id = factories.bureau(division).id
        db.session.commit()
    return name


def test_console_login_throttled_after_failures_for_one_user(app):
    name = make_user(app)
    client = client_at(app)
    for _ in range(policy.LOGIN_MAX_FAILURES_PER_USER):
        response = client.post("/login/", data={"username": name, "password": "wrong-pass-1"})
        assert response.status_code == 302
    blocked = client.post("/login/", data={"username": name, "password": PASSWORD})
    assert blocked.status_code == 429
    assert has_chinese(blocked.get_data(as_text=True))
    # another user from the same address is not affected
    other = make_user(app)
    assert client.post("/login/", data={"username": other, "password": PASSWORD}
                       ).status_code == 302


def test_successful_logins_do_not_count(app):
    name = make_user(app)
    for _ in range(policy.LOGIN_MAX_FAILURES_PER_USER + 2):
        client = app.test_client()
        assert client.post("/login/", data={"username": name, "password": PASSWORD}
                           ).status_code == 302
        assert client.get("/enterpriseview/list/").status_code == 200


def test_api_login_throttled_after_failures(app):
    name = make_user(app)
    client = client_at(app)
    for _ in range(policy.LOGIN_MAX_FAILURES_PER_USER):
        response = client.post("/api/v1/security/login", json={
            "username": name, "password": "wrong-pass-1", "provider": "db"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/security/login", json={
        "username": name, "password": PASSWORD, "provider": "db"})
    assert blocked.status_code == 429
    assert has_chinese(blocked.get_json()["message"])


def test_login_throttled_per_address_across_user_names(app):
    client = client_at(app, "10.200.0.9")
    env = {"REMOTE_ADDR": "10.200.0.9"}
    for i in range(policy.LOGIN_MAX_FAILURES_PER_ADDRESS):
        response = client.post("/api/v1/security/login", environ_base=env, json={
            "username": f"nobody{i}", "password": "x1x1x1x1", "provider": "db"})
        assert response.status_code == 401
    blocked = client.post("/login/", environ_base=env,
                          data={"username": "admin", "password": "Demo@2026"})
    assert blocked.status_code == 429


@pytest.mark.parametrize("password,ok", [("abc12345", True), ("Demo@2026", True),
                                         ("abcdefgh", False), ("12345678", False),
                                         ("ab12", False)])
def test_password_policy_on_user_creation(app_ctx, client_as, bureaus, password, ok):
    client = client_as("admin")
    name = f"pw{next(_n)}"
    role = app_ctx.appbuilder.sm.find_role(Role.auditor.value)
    response = client.post("/users/add", data={
        "username": name, "first_name": "密", "last_name": "码", "email": f"{name}@t.local",
        "bureau": str(bureaus["310000"].id), "roles": [str(role.id)], "active": "y",
        "password": password, "conf_password": password})
    created = app_ctx.appbuilder.sm.find_user(username=name) is not None
    assert created is ok
    if not ok:
        assert "密码至少8位，且须同时包含字母和数字" in response.get_data(as_text=True)


def test_district_officer_must_belong_to_a_district(app_ctx, client_as, bureaus):
    client = client_as("admin")
    name = f"wrongbureau{next(_n)}"
    role = app_ctx.appbuilder.sm.find_role(Role.district_officer.value)
    response = client.post("/users/add", data={
        "username": name, "first_name": "区", "last_name": "局", "email": f"{name}@t.local",
        "bureau": str(bureaus["310000"].id), "roles": [str(role.id)], "active": "y",
        "password": PASSWORD, "conf_password": PASSWORD})
    assert "区局经办人应属于区县级或地市级市场监管部门" in response.get_data(as_text=True)
    assert app_ctx.appbuilder.sm.find_user(username=name) is None


def test_user_management_is_for_the_provincial_admin_only(app, client_as):
    for username in ("reviewer", "auditor", "huangpu"):
        client = client_as(username)
        assert client.get("/users/list/").status_code == 403
        assert client.get("/users/add").status_code == 403
    assert client_as("admin").get("/users/list/").status_code == 200


def test_session_cookie_flags(app):
    response = app.test_client().post("/login/", data={"username": "auditor",
                                                       "password": "Demo@2026"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=Lax", cookie)
    assert app.config["SESSION_COOKIE_SECURE"] is False  # set CCC_SECURE_COOKIES=1 behind HTTPS


def test_debug_is_off(app):
    assert app.debug is False


def test_state_changing_posts_need_the_csrf_token(app, app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    ent_id = ent.id
    client = client_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(f"/enterpriseview/delete/{ent.id}")
        assert refused.status_code == 400
        page = client.get(f"/enterpriseview/edit/{ent.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        accepted = client.post(f"/enterpriseview/delete/{ent.id}", data={"csrf_token": token})
        assert accepted.status_code == 302
        # the REST API takes a JWT instead and is not subject to the cookie CSRF check
        token_response = app.test_client().post("/api/v1/security/login", json={
            "username": "admin", "password": "Demo@2026", "provider": "db"})
        assert token_response.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    from app.models import Enterprise

    assert db.session.get(Enterprise, ent_id) is None


def test_delete_is_never_a_plain_link(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    assert client_as("admin").get(f"/enterpriseview/delete/{ent.id}").status_code == 405


@pytest.mark.parametrize("username", ["admin", "reviewer", "auditor", "huangpu", "pudong"])
def test_each_demo_role_logs_in_through_console_and_api(app, username):
    console = app.test_client()
    assert console.post("/login/", data={"username": username, "password": "Demo@2026"}
                        ).status_code == 302
    assert console.get("/").status_code == 200
    api = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": "Demo@2026", "provider": "db"})
    assert api.status_code == 200 and api.get_json()["access_token"]


def test_api_login_without_a_provider_is_the_password_login(app):
    """The spec leaves ``provider`` optional: leaving it out means the password login, never a
    500 (found by the API fuzz), and a wrong password still answers 401 in Chinese."""
    client = app.test_client()
    good = client.post("/api/v1/security/login", json={"username": "huangpu",
                                                       "password": "Demo@2026"})
    assert good.status_code == 200 and good.get_json()["access_token"]
    wrong = client.post("/api/v1/security/login", json={"username": "\U000f52c1z\u00a0",
                                                        "password": "x", "refresh": True})
    assert wrong.status_code == 401 and has_chinese(wrong.get_json()["message"])
    assert client.post("/api/v1/security/login", json=["huangpu"]).status_code == 400


def test_failures_at_console_and_api_add_up(app):
    name = make_user(app)
    client = client_at(app)
    half = policy.LOGIN_MAX_FAILURES_PER_USER // 2
    for _ in range(half):
        client.post("/login/", data={"username": name, "password": "wrong-pass-1"})
    for _ in range(policy.LOGIN_MAX_FAILURES_PER_USER - half):
        client.post("/api/v1/security/login", json={"username": name, "password": "wrong-pass-1",
                                                    "provider": "db"})
    assert client.post("/api/v1/security/login", json={
        "username": name, "password": PASSWORD, "provider": "db"}).status_code == 429


def test_records_name_the_actor_by_name_and_login_within_the_column():
    from app.models import ACTOR_NAME_LENGTH, ConsoleUser

    officer = ConsoleUser(username="huangpu2", first_name="经办人", last_name="黄")
    assert officer.signature == "黄经办人（huangpu2）"
    long_name = ConsoleUser(username="lname", first_name="名" * 40, last_name="姓" * 30)
    assert long_name.signature == "lname"  # the login alone fits the 审核人 column
    edge = ConsoleUser(username="e", first_name="名" * (ACTOR_NAME_LENGTH - 4), last_name="姓")
    assert edge.signature == "姓" + "名" * (ACTOR_NAME_LENGTH - 4) + "（e）"
    assert len(edge.signature) == ACTOR_NAME_LENGTH


def test_the_frameworks_unscoped_file_download_is_not_a_door(app, client_as):
    """FAB's ``/<view>/download/<filename>`` would serve UPLOAD_FOLDER without a scope check;
    evidence goes through ``/files/<id>`` only."""
    from app.views.base import DomainModelView

    domain_views = [v for v in app.appbuilder.baseviews if isinstance(v, DomainModelView)]
    assert len(domain_views) > 15
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "/download/<" in rule.rule}
    assert not {f"{v.endpoint}.download" for v in domain_views} & endpoints
    assert not [v for v in domain_views if "can_download" in v.base_permissions]


def test_good_api_logins_never_count_as_failures(app):
    """The API's JWT login signs in no session user: its successes must not be taken for
    failures, neither per user name nor per address."""
    name = make_user(app)
    client = client_at(app)
    for _ in range(10):
        response = client.post("/api/v1/security/login", json={
            "username": name, "password": PASSWORD, "provider": "db"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["access_token"]


def test_good_logins_from_one_address_never_lock_it(app):
    address = "10.201.0.7"
    client = client_at(app, address)
    names = [make_user(app) for _ in range(3)]
    for i in range(policy.LOGIN_MAX_FAILURES_PER_ADDRESS + 2):
        response = client.post("/api/v1/security/login", json={
            "username": names[i % 3], "password": PASSWORD, "provider": "db"})
        assert response.status_code == 200
    console = client_at(app, address)
    assert console.post("/login/", data={"username": names[0], "password": PASSWORD}
                        ).status_code == 302
    # failures still count after all those successes
    for _ in range(policy.LOGIN_MAX_FAILURES_PER_USER):
        assert client.post("/api/v1/security/login", json={
            "username": names[1], "password": "wrong-pass-1", "provider": "db"}
        ).status_code == 401
    assert client.post("/api/v1/security/login", json={
        "username": names[1], "password": PASSWORD, "provider": "db"}).status_code == 429


def test_a_stale_user_save_is_refused(app, app_ctx, client_as):
    """Two administrators edit one user: the save based on the older form is refused with
    「该记录已被他人修改，请刷新后重试。」 (409) and undoes nothing. The user's own logins in
    the meantime do not make a form stale."""
    from app.models import ConsoleUser

    name = make_user(app)
    user = db.session.query(ConsoleUser).filter_by(username=name).one()
    user_id, version = user.id, user.lock_version
    form = {"username": name, "last_name": "试", "email": f"{name}@test.local",
            "bureau": str(user.bureau_id), "roles": [str(r.id) for r in user.roles],
            "active": "y"}
    first, second = client_as("admin"), client_as("admin")

    def opened_version(client) -> str:
        page = client.get(f"/users/edit/{user_id}").get_data(as_text=True)
        return re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)

    opened = opened_version(first)
    assert opened == str(version)
    assert client_at(app).post("/login/", data={"username": name, "password": PASSWORD}) \
        .status_code == 302  # a login writes the user's login count, not an edit
    assert second.post(f"/users/edit/{user_id}", data=dict(
        form, first_name="先到", lock_version=opened_version(second))).status_code == 302
    stale = first.post(f"/users/edit/{user_id}", data=dict(
        form, first_name="后到", lock_version=opened))
    assert stale.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in stale.get_data(as_text=True)
    assert "后到" in stale.get_data(as_text=True)  # the form as typed
    db.session.expire_all()
    saved = db.session.get(ConsoleUser, user_id)
    assert saved.first_name == "先到" and saved.lock_version == version + 1
    assert saved.login_count == 1
    # refreshed, the same administrator saves
    assert first.post(f"/users/edit/{user_id}", data=dict(
        form, first_name="后到", lock_version=opened_version(first))).status_code == 302
    db.session.expire_all()
    assert db.session.get(ConsoleUser, user_id).first_name == "后到"
