"""Alembic environment: the target is Flask-AppBuilder's declarative metadata, which holds both
the framework's security tables (ab_*) and every domain table of app.models."""
from __future__ import annotations

from alembic import context
from flask import current_app
from flask_appbuilder.models.sqla import Model

import app.models  # noqa: F401  (registers the domain tables on Model.metadata)
from app.schema import ensure_append_only_triggers, ensure_search_indexes, include_in_comparison

config = context.config
target_metadata = Model.metadata


def _engine():
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline() -> None:
    context.configure(url=str(_engine().url), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("include_object", include_in_comparison)
    with _engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it; with foreign keys enforced, dropping the
            # old copy would fail while other tables refer to it. Checked again afterwards.
            # (PRAGMA foreign_keys is ignored inside a transaction: set it on the driver's
            # connection, outside the one SQLAlchemy begins.)
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        ensure_append_only_triggers(connection)  # SQLite table rebuilds drop them
        ensure_search_indexes(connection)  # trigram search, made outside the models
        connection.commit()
        if sqlite:
            driver = connection.connection.driver_connection
            problems = driver.execute("PRAGMA foreign_key_check").fetchall()
            driver.execute("PRAGMA foreign_keys=ON")
            if problems:
                raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
