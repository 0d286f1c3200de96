"""REST API under /api/v1/ (DESIGN §5), with Flask-AppBuilder's JWT login and OpenAPI spec.

A door, in the same layer as the console screens (see ``app``): a resource may import
``app.fab`` (its base, ``ApiAdapter`` / ``DomainDoor``, shared with the screens), reports,
commands, workflows, services, models and the base — and nothing imports a resource but the
application factory. Resources declare columns; steps go through ``app.workflows.run_step``,
writes through ``app.commands``, and every ``DomainError`` is answered once
(``app.fab.ApiAdapter.domain_error_response``: ``app.domain.errors.payload``). Rules never
live here: they are the services'.
"""
from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.api.imports import ImportsApi
from app.api.resources import RESOURCES
from app.api.swagger import ApiDocsView
from app.fab import OpenApi


def register_apis(appbuilder: AppBuilder) -> None:
    for api in RESOURCES:
        appbuilder.add_api(api)
    appbuilder.add_api(ImportsApi)  # POST /api/v1/<resource>/import for every import kind
    # The OpenAPI spec at /api/v1/_openapi, and its Swagger UI at /swagger/v1 drawn from the
    # app's own static files (app.api.swagger).
    appbuilder.add_api(OpenApi)
    appbuilder.add_view_no_menu(ApiDocsView)
