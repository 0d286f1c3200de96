"""Configuration from the environment (DESIGN §5): DATABASE_URL, SECRET_KEY, CCC_PROVINCE, PORT.

Without DATABASE_URL the console uses an embedded SQLite file under ``instance/``; without
SECRET_KEY it generates one, keeps it in ``instance/secret_key`` and warns (demo use only).
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CCC_INSTANCE_DIR", BASE_DIR / "instance"))

log = logging.getLogger(__name__)


def _normalise_db_url(url: str) -> str:
    # Plain postgresql:// URLs use the psycopg (3) driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _normalise_db_url(url)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'ccc.db'}"


def secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    log.warning("SECRET_KEY 未设置：使用 %s 中自动生成的密钥，仅适用于演示环境。", path)
    return path.read_text().strip()


class Config:
    APP_NAME = "CCC免办管理控制台"
    APP_THEME = ""
    APP_ICON = ""

    # SQLALCHEMY_DATABASE_URI and SECRET_KEY are filled by app.create_app from the environment
    # (database_url(), secret_key()) unless a caller passes them.
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # How long a write waits for another writer's lock (SQLite busy timeout, PostgreSQL
    # lock_timeout) before the console answers 「系统繁忙，请稍后重试。」 (503, app.transaction).
    DATABASE_BUSY_TIMEOUT_MS = int(os.environ.get("CCC_BUSY_TIMEOUT_MS", "30000"))

    CCC_PROVINCE = os.environ.get("CCC_PROVINCE", "shanghai")
    # The embedded default sets itself up at start (migrations, reference data, roles); a
    # production database is set up once, by ``flask --app run.py setup``, before the
    # workers start — never by every worker at boot.
    AUTO_MIGRATE = os.environ.get("CCC_AUTO_MIGRATE",
                                  "0" if os.environ.get("DATABASE_URL") else "1") != "0"
    FAB_UPDATE_PERMS = AUTO_MIGRATE
    # Evidence files are stored outside the database, under this folder.
    UPLOAD_FOLDER = str(Path(os.environ.get("CCC_UPLOAD_DIR", INSTANCE_DIR / "uploads")))

    # Flask-AppBuilder
    AUTH_TYPE = AUTH_DB
    AUTH_USER_REGISTRATION = False
    AUTH_ROLE_ADMIN = "省级管理员"
    AUTH_ROLE_PUBLIC = "公开"
    FAB_CREATE_DB = False              # the schema belongs to Alembic migrations
    # app.api registers the spec (/api/v1/_openapi) and its own Swagger UI page (/swagger/v1,
    # app.api.swagger: vendored assets, every role), so FAB's are not registered
    FAB_API_SWAGGER_UI = False
    FAB_ADD_SECURITY_API = False      # user admin is a console screen; JWT login stays
    # Permissions are generated from code (app.security.ensure_roles): no screens to edit them.
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.ConsoleSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "console_layout.html"

    # Chinese first: the console speaks Simplified Chinese by default.
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_FOLDER = "translations"
    LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}}

    # Passwords: at least 8 characters with letters and digits (app.security.password_policy)
    FAB_PASSWORD_COMPLEXITY_ENABLED = True   # the validator is set by app.create_app

    # Failed-login throttling (app.security.install_login_throttle). One process keeps its
    # counts in memory; several workers (gunicorn -w 4) should share them, e.g. in Redis.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False

    # Session and CSRF
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("CCC_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # Security headers (app.headers, Flask-Talisman). The console runs on an intranet over
    # plain http unless CCC_SECURE_COOKIES=1 says an HTTPS proxy is in front: only then are
    # HTTPS and HSTS enforced.
    TALISMAN_ENABLED = True
    TALISMAN_CONFIG = {
        "force_https": SESSION_COOKIE_SECURE,
        "strict_transport_security": SESSION_COOKIE_SECURE,
        "session_cookie_secure": SESSION_COOKIE_SECURE,
        "session_cookie_samesite": SESSION_COOKIE_SAMESITE,
        "frame_options": "DENY",
        "referrer_policy": "same-origin",
        "content_security_policy": {
            "default-src": "'self'",
            # the app's own files, and inline blocks carrying the page's nonce
            "script-src": "'self'",
            # Flask-AppBuilder's templates and widgets set style="..." attributes
            "style-src": "'self' 'unsafe-inline'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "connect-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        "content_security_policy_nonce_in": ["script-src"],
    }

    # JWT for the REST API
    JWT_ACCESS_TOKEN_EXPIRES = 8 * 3600

    MAX_CONTENT_LENGTH = 60 * 1024 * 1024


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
