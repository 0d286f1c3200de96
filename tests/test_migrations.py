"""The schema comes from the Alembic migrations alone, and they match the models."""
from __future__ import annotations

import secrets

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_appbuilder.models.sqla import Model
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import MIGRATIONS_DIR, create_app
from app.extensions import db
from app.schema import include_in_comparison
from tests.conftest import fresh_database_url


def _head() -> str:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_test_database_is_at_head_and_matches_the_models(app_ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_in_comparison})
        assert context.get_current_revision() == _head()
        diff = compare_metadata(context, Model.metadata)
    assert diff == [], diff


def test_upgrade_from_empty_downgrade_and_upgrade_again(tmp_path_factory):
    url = fresh_database_url(tmp_path_factory, "migrations")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": False,
                      "FAB_UPDATE_PERMS": False, "SECRET_KEY": secrets.token_hex(8),
                      "TESTING": True})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"enterprise", "application", "product", "certificate", "customs_usage",
                "reviewer_account", "ab_user", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        db.session.remove()
        db.engine.dispose()
