"""Extension singletons shared by the app factory, models and services."""
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Named constraints: Alembic can alter them on SQLite (batch mode), and integrity errors can
# be mapped to Chinese messages by constraint name (app.domain.integrity).
Model.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLA()
migrate = Migrate()
# Every state-changing POST of the console needs a CSRF token, not only those made through a
# Flask-WTF form (deletes, workflow steps). The REST API is exempt: it takes a JWT, not cookies.
csrf = CSRFProtect()
