"""Security headers (Flask-Talisman), log-out by POST with the CSRF token, and passwords that
contain the login name refused at every door that sets a password."""
from __future__ import annotations

import itertools
import re

import pytest

from app.extensions import db
from app.security_model import Role
from tests import factories
from tests.conftest import DISTRICT_A, PROVINCE, form_errors, has_chinese

_n = itertools.count(1)


def _csp(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in policy.split(";")) if part}


def _assert_common_headers(response):
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    csp = _csp(response)
    assert csp.get("frame-ancestors") == "'none'"
    assert csp.get("default-src") == "'self'" and csp.get("object-src") == "'none'"
    # nothing from another host: the console runs on an intranet
    assert not re.search(r"https?:|\*", response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    return csp


def test_console_pages_send_the_security_headers(client_as):
    response = client_as("huangpu").get("/enterpriseview/list/")
    assert response.status_code == 200
    csp = _assert_common_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the console page has no scripts?"
    # every script, inline or not, carries this response's nonce
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), [
        t for t in scripts if f'nonce="{nonce}"' not in t]
    assert not re.search(r"\son[a-z]+=\"", html), "inline event handlers are blocked by the CSP"
    assert "javascript:" not in html


def test_the_login_page_and_api_answers_send_them_too(app, api_as):
    _assert_common_headers(app.test_client().get("/login/"))
    client, headers = api_as("auditor")
    response = client.get("/api/v1/enterprise/", headers=headers)
    assert response.status_code == 200
    _assert_common_headers(response)


def test_no_https_redirect_on_the_intranet_by_default(app):
    response = app.test_client().get("/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert app.config["TALISMAN_CONFIG"]["force_https"] is False


def test_evidence_files_are_sandboxed(app_ctx, client_as, bureaus):
    grant = factories.fast_track_application(bureaus[DISTRICT_A])
    evidence = grant.attachments[0]
    response = client_as("huangpu").get(f"/files/{evidence.id}")
    assert response.status_code == 200
    csp = _csp(response)
    assert "sandbox" in csp and csp["default-src"] == "'none'"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


# --- log-out ---------------------------------------------------------------------------------

@pytest.fixture()
def signed_in_with_csrf(app, client_as):
    """An auditor's console session, then CSRF checks on as in production."""
    client = client_as("auditor")
    app.config["WTF_CSRF_ENABLED"] = True
    yield client
    app.config["WTF_CSRF_ENABLED"] = False


def _signed_in(client) -> bool:
    return client.get("/enterpriseview/list/").status_code == 200


def test_get_logout_does_not_end_the_session(signed_in_with_csrf):
    client = signed_in_with_csrf
    page = client.get("/logout/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "确定要退出登录吗" in html and 'method="POST"' in html
    assert _signed_in(client)


def test_logout_is_a_post_with_the_csrf_token(signed_in_with_csrf):
    client = signed_in_with_csrf
    refused = client.post("/logout/")
    assert refused.status_code == 400 and has_chinese(refused.get_data(as_text=True))
    assert _signed_in(client)
    page = client.get("/enterpriseview/list/").get_data(as_text=True)
    form = re.search(r'<form class="console-logout" method="POST" action="(/logout/)">\s*'
                     r'<input type="hidden" name="csrf_token" value="([^"]+)"', page)
    assert form, "the navbar's 退出 is not a POST form with the CSRF token"
    assert 'href="/logout/"' not in page
    done = client.post(form.group(1), data={"csrf_token": form.group(2)})
    assert done.status_code == 302
    assert not _signed_in(client)


# --- passwords that contain the login name ------------------------------------------------------

PASSWORD = "Secret2026"


def test_new_user_password_containing_the_login_is_refused(app_ctx, client_as, bureaus):
    client = client_as("admin")
    name = f"Zhangwei{next(_n)}"
    role = app_ctx.appbuilder.sm.find_role(Role.auditor.value)
    form = {"username": name, "first_name": "伟", "last_name": "张", "email": f"{name}@t.local",
            "bureau": str(bureaus[PROVINCE].id), "roles": [str(role.id)], "active": "y"}
    bad = name.lower() + "2026x"
    response = client.post("/users/add", data=dict(form, password=bad, conf_password=bad))
    assert "密码不能包含登录名" in response.get_data(as_text=True)
    assert app_ctx.appbuilder.sm.find_user(username=name) is None
    ok = client.post("/users/add", data=dict(form, password=PASSWORD, conf_password=PASSWORD))
    assert ok.status_code == 302
    assert app_ctx.appbuilder.sm.find_user(username=name) is not None


def _user(app, name):
    sm = app.appbuilder.sm
    user = sm.add_user(username=name, first_name="测", last_name="试", email=f"{name}@t.local",
                       role=sm.find_role(Role.district_officer.value), password=PASSWORD)
    user.bureau_id = factories.bureau(DISTRICT_A).id
    db.session.commit()
    return user


def _password_hash(app, user_id):
    db.session.rollback()
    return db.session.get(app.appbuilder.sm.user_model, user_id).password


def test_admin_reset_refuses_a_password_containing_the_login(app_ctx, client_as):
    user = _user(app_ctx, f"liqiang{next(_n)}")
    before = _password_hash(app_ctx, user.id)
    client = client_as("admin")
    bad = "Pw" + user.username.upper() + "9"
    response = client.post(f"/resetpassword/form?pk={user.id}",
                           data={"password": bad, "conf_password": bad})
    assert "密码不能包含登录名" in " ".join(form_errors(response.get_data(as_text=True))) \
        or "密码不能包含登录名" in response.get_data(as_text=True)
    assert _password_hash(app_ctx, user.id) == before
    good = client.post(f"/resetpassword/form?pk={user.id}",
                       data={"password": "Another2026", "conf_password": "Another2026"})
    assert good.status_code == 302
    assert _password_hash(app_ctx, user.id) != before


def test_own_reset_refuses_a_password_containing_the_login(app, app_ctx):
    user = _user(app_ctx, f"wangfang{next(_n)}")
    before = _password_hash(app_ctx, user.id)
    client = app.test_client()
    assert client.post("/login/", data={"username": user.username, "password": PASSWORD}
                       ).status_code == 302
    bad = user.username + "A1"
    response = client.post("/resetmypassword/form", data={"password": bad, "conf_password": bad})
    assert "密码不能包含登录名" in response.get_data(as_text=True)
    assert _password_hash(app_ctx, user.id) == before
