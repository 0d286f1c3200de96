"""CCC免办 admin console: the application factory."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as config_module
from app.extensions import csrf, db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

log = logging.getLogger(__name__)


@event.listens_for(Engine, "connect")
def _sqlite_enforce_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite checks foreign keys only when asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_app(overrides: dict[str, Any] | None = None,
               config_object: str = "config.Config") -> Flask:
    """Build the console. ``overrides`` win over ``config.Config`` and the environment."""
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    app.config.from_object(config_object)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key()

    from app import i18n
    from app.security import password_policy
    from app.services import accounts  # noqa: F401  (registers the account-history listener)

    i18n.install(app)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_policy)

    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True,
                     compare_type=True)

    from app import policy

    policy.profile(app.config["CCC_PROVINCE"])  # a bad profile file: refused before any change
    with app.app_context():
        if app.config.get("AUTO_MIGRATE", True):
            from app.schema import upgrade_schema

            upgrade_schema()
        from app.installation import check_province

        # an unknown or bad profile, or a database of another province: refused before serving
        check_province(app.config["CCC_PROVINCE"])
        if app.config.get("AUTO_MIGRATE", True):
            from seeds.reference import sync_reference_data

            sync_reference_data()
        if app.config.get("FAB_UPDATE_PERMS", True):
            from app.security import ensure_role_rows

            ensure_role_rows(db.session, app.config["AUTH_ROLE_PUBLIC"])

        appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", True))
        appbuilder.init_app(app, db.session)

        from app.views import register_views
        from app.api import register_apis

        register_views(appbuilder)
        register_apis(appbuilder)
        appbuilder.post_init()

        from app.security import ensure_roles, install_login_throttle

        if app.config.get("FAB_UPDATE_PERMS", True):
            ensure_roles(appbuilder.sm)
        install_login_throttle(app, appbuilder.sm)

    from app.cli import register_cli
    from app.web import install_web

    install_web(app)
    register_cli(app)
    return app
