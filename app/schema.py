"""Schema management: Alembic migrations own the schema (no ``create_all`` on any start path)."""
from __future__ import annotations

from flask_migrate import upgrade

from app.extensions import db


AUDIT_APPEND_ONLY_MESSAGE = "审计记录只能追加，不能修改或删除。"


def install_append_only_triggers(op, tables: list[str], protect_updates: tuple[str, ...] = ()):
    """Make audit tables append-only in the database: deleting their rows (and updating the
    tables in ``protect_updates``) raises. Used by the migrations that add audit tables."""
    bind = op.get_bind()
    message = AUDIT_APPEND_ONLY_MESSAGE
    if bind.dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql""")
        for table in tables:
            op.execute(f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        for table in protect_updates:
            op.execute(f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" '
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    elif bind.dialect.name == "sqlite":
        for table in tables:
            op.execute(f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        for table in protect_updates:
            op.execute(f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" '
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


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
