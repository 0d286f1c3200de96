"""Schema management: Alembic migrations own the schema (no ``create_all`` on any start path)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from app.extensions import db
from app.services.search import PG_TRIGRAM_COLUMNS, SQLITE_TRIGRAM_TABLES

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


# --- search indexes (issue 15) -----------------------------------------------------------
#
# Trigram indexes for text found anywhere in a name or a number. They are not part of the
# models' metadata (each database has its own kind), so like the audit triggers they are
# made after every ``upgrade`` by :func:`ensure_search_indexes`, which a SQLite table
# rebuild cannot then leave without them.

def search_index_names() -> set[str]:
    """Names of the search tables and indexes (kept out of the model/migration comparison)."""
    names = {f"ix_{t}_{c}_trgm" for t, c in PG_TRIGRAM_COLUMNS}
    for fts in SQLITE_TRIGRAM_TABLES.values():
        names |= {fts} | {f"{fts}_{part}" for part in ("data", "idx", "content", "docsize",
                                                          "config")}
    return names


def _sqlite_trigram(connection, table: str, column: str, fts: str) -> int:
    have = set(connection.execute(sa.text(
        "SELECT name FROM sqlite_master WHERE name LIKE :p"), {"p": fts + "%"}).scalars())
    made = 0
    if fts not in have:
        connection.execute(sa.text(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
            f"content_rowid='id', tokenize='trigram')"))
        connection.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
        made += 1
    triggers = {
        f"{fts}_ai": f"AFTER INSERT ON {table} BEGIN INSERT INTO {fts}(rowid, {column}) "
                     f"VALUES (new.id, new.{column}); END",
        f"{fts}_ad": f"AFTER DELETE ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, {column}) "
                     f"VALUES ('delete', old.id, old.{column}); END",
        f"{fts}_au": f"AFTER UPDATE OF {column} ON {table} BEGIN "
                     f"INSERT INTO {fts}({fts}, rowid, {column}) "
                     f"VALUES ('delete', old.id, old.{column}); "
                     f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
    }
    missing = [name for name in triggers if name not in have]
    for name in missing:
        connection.execute(sa.text(f"CREATE TRIGGER {name} {triggers[name]}"))
    if missing and fts in have:  # the table was rebuilt: its trigram copy may lag behind
        connection.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
    return made + len(missing)


def ensure_search_indexes(connection) -> int:
    """Create any missing trigram index (pg_trgm on PostgreSQL, FTS5 on SQLite)."""
    dialect = connection.dialect.name
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    made = 0
    if dialect == "postgresql":
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for table, column in PG_TRIGRAM_COLUMNS:
            if table in tables:
                connection.execute(sa.text(
                    f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table} "
                    f"USING gin ({column} gin_trgm_ops)"))
                made += 1
    elif dialect == "sqlite":
        for (table, column), fts in SQLITE_TRIGRAM_TABLES.items():
            if table in tables:
                made += _sqlite_trigram(connection, table, column, fts)
    return made


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: the search indexes are made outside the models."""
    return not (reflected and name in search_index_names())


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
