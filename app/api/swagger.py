"""``/swagger/v1``: the API's Swagger UI, drawn by the app's own copy of swagger-ui-dist
(``app/static/vendor/swagger-ui``, licence shipped) from the spec at ``/api/v1/_openapi`` —
no request leaves the machine (no CDN, no online validator badge)."""
from __future__ import annotations

from flask_appbuilder.api.manager import SwaggerView

from app.security_model import ALL_ROLES, Access

#: The vendored Swagger UI (see app/static/vendor/README.md).
SWAGGER_UI_VERSION = "5.35.0"


class ApiDocsView(SwaggerView):
    """FAB's Swagger page (``/swagger/<version>``) with the app's template and assets; every
    signed-in role reads the API docs, as every role reads the spec."""

    route_base = "/swagger"
    default_view = "show"
    access = Access(read=frozenset())
    extra_permission_roles = {"can_show": ALL_ROLES}

    def render_template(self, template, **kwargs):
        return super().render_template("swagger.html", title="接口文档（OpenAPI）",
                                       swagger_ui_version=SWAGGER_UI_VERSION, **kwargs)
