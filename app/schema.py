"""Schema management: Alembic migrations own the schema (no ``create_all`` on any start path)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db

AUDIT_APPEND_ONLY_MESSAGE = "审计记录只能追加，不能修改或删除。"


def _trigger_sql(dialect: str, table: str, event: str) -> str:
    name = f"{table}_no_{event.lower()}"
    if dialect == "postgresql":
        return (f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    return (f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE {event} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY_MESSAGE}'); END")


def _create_trigger_function(execute) -> None:
    execute(f"""
        CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{AUDIT_APPEND_ONLY_MESSAGE}'; END; $$ LANGUAGE plpgsql""")


#: Tables whose rows may not even be updated (version rows are rewritten by SQLAlchemy-Continuum
#: while their own transaction is still open, so only deletion is refused for them).
UPDATE_PROTECTED = ("transaction",)


def missing_append_only_triggers(connection) -> list[tuple[str, str]]:
    """(table, event) pairs of the audit trail that lack their trigger."""
    inspector = sa.inspect(connection)
    tables = [t for t in inspector.get_table_names() if t == "transaction" or (
        t.endswith("_version") and {"transaction_id", "operation_type"}
        <= {c["name"] for c in inspector.get_columns(t)})]  # not alembic_version
    wanted = [(t, "DELETE") for t in tables] + [(t, "UPDATE") for t in UPDATE_PROTECTED
                                                  if t in tables]
    if connection.dialect.name == "postgresql":
        have = set(connection.execute(sa.text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
    elif connection.dialect.name == "sqlite":
        have = set(connection.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    else:
        return []
    return [(t, e) for t, e in wanted if f"{t}_no_{e.lower()}" not in have]


def ensure_append_only_triggers(connection) -> int:
    """Re-create any audit trigger a migration lost. SQLite alters a table by rebuilding it,
    which drops its triggers; this runs after every ``upgrade`` (migrations/env.py) so no
    rebuilt version table is left deletable. Returns how many were created."""
    missing = missing_append_only_triggers(connection)
    if missing and connection.dialect.name == "postgresql":
        _create_trigger_function(lambda sql: connection.execute(sa.text(sql)))
    for table, event in missing:
        connection.execute(sa.text(_trigger_sql(connection.dialect.name, table, event)))
    return len(missing)


def schema_is_current() -> bool:
    """Is the database at the newest migration? (Nothing is served from an older schema.)"""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(script.get_heads())


def upgrade_schema() -> None:
    """Apply every pending migration; the first start on an empty database creates it all."""
    upgrade()
    db.session.remove()


def autogenerate(message: str) -> None:
    """Write a new migration from the difference between the models and the database at
    DATABASE_URL (bring it to head first). Usage: ``python -m app.schema "add inspections"``."""
    from flask_migrate import migrate

    from app import create_app

    app = create_app({"AUTO_MIGRATE": False, "FAB_UPDATE_PERMS": False})
    with app.app_context():
        upgrade()
        migrate(message=message)


if __name__ == "__main__":
    import sys

    autogenerate(" ".join(sys.argv[1:]) or "schema change")
