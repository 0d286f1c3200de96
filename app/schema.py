"""Schema management: Alembic migrations own the schema (no ``create_all`` on any start path)."""
from __future__ import annotations

from flask_migrate import upgrade

from app.extensions import db


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
