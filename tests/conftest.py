"""Test world: one database per run (SQLite by default, PostgreSQL when TEST_DATABASE_URL names
one), created from empty by the migrations, holding a small realistic province: the Shanghai
bureaus, users of every role, and a few records per demo district (黄浦区, 浦东新区).

Tests add the records they need through ``tests.factories`` and assert on those, so the same
database serves the whole run (and the live server of the browser tests).
"""
from __future__ import annotations

import os
import re
import secrets

import pytest
from flask.testing import FlaskClient

from seeds.demo import DEMO_PASSWORD

DISTRICT_A = "310101"  # 黄浦区
DISTRICT_B = "310115"  # 浦东新区
PROVINCE = "310000"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    path = tmp_path_factory.mktemp("db") / "test.db"
    return f"sqlite:///{path}"


_created_databases: list[str] = []


def fresh_database_url(tmp_path_factory, name: str) -> str:
    """A new, empty database of the kind under test: a SQLite file, or (when
    TEST_DATABASE_URL is PostgreSQL) a new database beside it, dropped at the end."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{tmp_path_factory.mktemp(name) / (name + '.db')}"
    import sqlalchemy as sa

    url = sa.engine.make_url(base)
    new_name = f"{url.database}_{name}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{new_name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{new_name}"'))
    admin.dispose()
    _created_databases.append(new_name)
    return url.set(database=new_name).render_as_string(hide_password=False)


def pytest_sessionfinish(session, exitstatus):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not _created_databases or not base.startswith("postgresql"):
        return
    import sqlalchemy as sa

    url = sa.engine.make_url(base)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in _created_databases:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def demo_app_for(tmp_path_factory):
    """``demo_app_for("jiangsu")`` -> a console on its own fresh database holding the full
    demo province of that profile, as ``python run.py`` creates it on first start (built
    once per profile and run)."""
    built = {}

    def _make(code: str):
        if code not in built:
            from app import create_app
            from seeds.demo import create_demo_data

            application = create_app({
                "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path_factory, f"demo_{code}"),
                "SECRET_KEY": secrets.token_hex(16), "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "UPLOAD_FOLDER": str(tmp_path_factory.mktemp(f"demo_uploads_{code}")),
                "CCC_PROVINCE": code, "RATELIMIT_ENABLED": False,
            })
            application.test_client_class = FreshContextClient
            with application.app_context():
                create_demo_data(application.appbuilder.sm)
            built[code] = application
        return built[code]

    return _make


@pytest.fixture(scope="session")
def demo_app(demo_app_for):
    """The Shanghai demo (the default profile)."""
    return demo_app_for("shanghai")


@pytest.fixture(scope="session")
def province_app(tmp_path_factory):
    """``province_app("jiangsu")`` -> a console of that profile on its own fresh database with
    the province's bureaus and the demo logins only; tests add the records they need."""
    built = {}

    def _make(code: str):
        if code not in built:
            from app import create_app
            from app.security_model import Role
            from seeds.demo import create_demo_users, link_demo_accounts, load_bureaus

            application = create_app({
                "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path_factory, f"prov_{code}"),
                "SECRET_KEY": secrets.token_hex(16), "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "UPLOAD_FOLDER": str(tmp_path_factory.mktemp(f"prov_uploads_{code}")),
                "CCC_PROVINCE": code, "RATELIMIT_ENABLED": False,
            })
            application.test_client_class = FreshContextClient
            with application.app_context():
                from app.extensions import db

                bureaus = load_bureaus()
                db.session.commit()
                create_demo_users(application.appbuilder.sm, bureaus)
                # the provincial reviewer holds 复审 (issue 12: 复审 needs the account)
                link_demo_accounts(application.appbuilder.sm, bureaus,
                                   frozenset({Role.province_reviewer}))
            built[code] = application
        return built[code]

    return _make


class FreshContextClient(FlaskClient):
    """Each request runs in its own application context, as in production: nothing a
    request leaves in ``flask.g`` (the signed-in user, caches) or in its database session
    leaks into the next request or into the test's own session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from app import create_app
    from app.security_model import Role
    from seeds.demo import create_demo_users, link_demo_accounts, load_bureaus

    uploads = tmp_path_factory.mktemp("uploads")
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": secrets.token_hex(16),
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(uploads),
        "CCC_PROVINCE": "shanghai",
    })
    application.test_client_class = FreshContextClient
    with application.app_context():
        from app.extensions import db

        bureaus = load_bureaus()
        db.session.commit()
        create_demo_users(application.appbuilder.sm, bureaus)
        # the provincial reviewer holds 复审 (issue 12: 复审 needs the account)
        link_demo_accounts(application.appbuilder.sm, bureaus,
                           frozenset({Role.province_reviewer}))
    return application


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app
        from app.extensions import db

        db.session.rollback()
        db.session.remove()


@pytest.fixture()
def db(app_ctx):
    from app.extensions import db as _db

    return _db


@pytest.fixture()
def bureaus(app_ctx):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Bureau

    return {b.division_code: b for b in db.session.scalars(select(Bureau))}


def login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/login/", data={"username": username, "password": password},
                       follow_redirects=False)


@pytest.fixture()
def users(app_ctx):
    """The demo console users by login: admin, reviewer, auditor, huangpu, pudong."""
    sm = app_ctx.appbuilder.sm
    return {name: sm.find_user(username=name)
            for name in ("admin", "reviewer", "auditor", "huangpu", "pudong")}


@pytest.fixture()
def client_as(app):
    """``client_as("huangpu")`` -> a test client with a console session of that user."""
    clients = []

    def _make(username: str):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, f"login as {username} failed"
        clients.append(client)
        return client

    yield _make


_tokens: dict[str, str] = {}


@pytest.fixture()
def api_as(app):
    """``api_as("pudong")`` -> (client, headers) with a JWT bearer for that user."""

    def _make(username: str):
        client = app.test_client()
        if username not in _tokens:
            response = client.post("/api/v1/security/login", json={
                "username": username, "password": DEMO_PASSWORD, "provider": "db"})
            assert response.status_code == 200, response.get_data(as_text=True)
            _tokens[username] = response.get_json()["access_token"]
        return client, {"Authorization": f"Bearer {_tokens[username]}"}

    return _make


HAN = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(text: str) -> bool:
    return bool(HAN.search(text or ""))


def form_errors(html: str) -> list[str]:
    """Messages a console form shows next to its fields and in its alert boxes."""
    import html as html_lib

    found = re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', html, re.S)
    cleaned = [html_lib.unescape(re.sub(r"<[^>]+>", " ", f)).strip() for f in found]
    return [re.sub(r"\s+", " ", c) for c in cleaned if c]
