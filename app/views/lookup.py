"""Type-ahead lookups for relation fields (``RemoteSelectField``): ``/lookup/<table>?q=``.

Answers only users who may list that record type, and only with rows inside their scope
(the query goes through ``DomainInterface``)."""
from __future__ import annotations

from flask import abort, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_login import current_user

from app.fab import ScopedInterface
from app.services.search import text_search_clause

LOOKUP_LIMIT = 20


class LookupView(BaseView):
    route_base = "/lookup"
    #: table name -> (model, permission view name), filled by register_views
    sources: dict[str, tuple[type, str]] = {}

    @expose("/<table>")
    def lookup(self, table: str):
        if not current_user.is_authenticated:
            abort(401)
        source = self.sources.get(table)
        if source is None:
            abort(404)
        model, view_name = source
        if not self.appbuilder.sm.has_access("can_list", view_name):
            abort(403)
        datamodel = ScopedInterface(model)
        query = datamodel.session.query(model)
        query = datamodel.apply_all(query)  # scope applies here
        term = (request.args.get("q") or "").strip()
        if term:
            query = query.filter(text_search_clause(model, term))
        items = query.order_by(model.id.desc()).limit(LOOKUP_LIMIT).all()
        return jsonify(results=[{"id": item.id, "text": str(item)} for item in items])
