"""CCC免办 admin console: the application factory (``create_app``, ``set_up_database``).

The package is layered; a module imports only from its own layer and the layers below it,
never upwards (``a | b``: side by side, neither imports the other; ``a : b``: side by side):

=========================================  ==================================================
``web : cli : security : backup :``        wiring of the whole app: error pages and timers,
``headers : http_guards``                  CLI commands, login and roles, backups, guards
``views/ | api/``                          the doors: console screens and REST resources
``fab``                                    every Flask-AppBuilder adaptation; the doors' base
``reports/``                               official tables (PDF, .xlsx) and list exports
``commands/``                              use cases that are not workflow steps
``workflows/``                             state machines and their steps: wiring only
``services/ : schema : installation``      rules and queries, one module per area; the
                                           database's schema and the province it belongs to
``models``                                 tables and their metadata; plain refusals
``scope | transaction``                    row isolation; the one transaction boundary
``present | widgets``                      how values read; form fields
``enums``                                  enumerations
=========================================  ==================================================

Under them all the base — ``meta``, ``domain/``, ``clock``, ``policy``, ``security_model``,
``extensions``, ``enums``, ``present``, ``i18n`` — imports nothing of the domain above it. So
models ← services ← workflows ← commands ← reports ← views / API: a model never imports a
service, a service never a workflow, a workflow never a command, a report or a door; a rule
lives in its area's service, whichever door enforces it. ``.importlinter`` states these
contracts and ``tests/test_layers.py`` (``lint-imports`` in CI) enforces them on the real
import graph, imports inside functions included.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder

import config as config_module
from app import transaction  # noqa: F401  (SQLite connection set-up and write locks)
from app.extensions import csrf, db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

log = logging.getLogger(__name__)


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

    from app import i18n, services  # noqa: F401  (every area's rules and derived values)
    from app.security import password_policy

    i18n.install(app)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_policy)

    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True,
                     compare_type=True)

    from app import policy

    policy.profile(app.config["CCC_PROVINCE"])  # a bad profile file: refused before any change
    with app.app_context():
        from app.schema import schema_is_current

        if app.config.get("AUTO_MIGRATE"):
            set_up_database(app, migrate_first=True, roles=False)
        ready = schema_is_current()
        if not ready:
            log.warning("数据库结构不是最新版本：请先运行 flask --app run.py setup（迁移、参考数据、角色权限）。")
        else:
            from app.installation import check_province

            # a database of another province: refused before anything is served
            check_province(app.config["CCC_PROVINCE"])
        update_perms = bool(app.config.get("FAB_UPDATE_PERMS")) and ready
        if update_perms:
            from app.security import ensure_role_rows

            ensure_role_rows(db.session, app.config["AUTH_ROLE_PUBLIC"])

        appbuilder = AppBuilder(update_perms=update_perms)
        appbuilder.init_app(app, db.session)

        from app.api import register_apis
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
        appbuilder.post_init()

        from app.security import ensure_roles, install_login_throttle

        if update_perms:
            ensure_roles(appbuilder.sm)
        install_login_throttle(app, appbuilder.sm)

    from app.cli import register_cli
    from app.web import install_web

    install_web(app)
    register_cli(app)
    return app


def set_up_database(app: Flask, migrate_first: bool = True, roles: bool = True) -> None:
    """What a database needs before the console serves it, run once (``flask … setup``, or
    the first ``python run.py`` on the embedded default): the migrations, the reference data
    (CCC catalogue, lookup tags, State Council calendar) and the roles' permissions."""
    from app.schema import upgrade_schema
    from seeds.reference import sync_reference_data

    if migrate_first:
        upgrade_schema()
    sync_reference_data()
    if roles:
        from app.security import ensure_role_rows, ensure_roles

        ensure_role_rows(db.session, app.config["AUTH_ROLE_PUBLIC"])
        app.appbuilder.add_permissions(update_perms=True)
        ensure_roles(app.appbuilder.sm)
