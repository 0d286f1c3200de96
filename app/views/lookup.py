"""Type-ahead lookups for relation fields (``RemoteSelectField``): ``/lookup/<table>?q=``.

Answers only users who may list that record type, and only with rows inside their scope
(the query goes through ``DomainInterface``)."""
from __future__ import annotations

from flask import abort, jsonify, request
from flask_appbuilder import BaseView, expose
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect

from app.fab import ScopedInterface
from app.services.search import text_search_clause, text_search_columns

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
        if not text_search_columns(model):
            # only records found by their text (``__search_text__``) have a type-ahead
            abort(404, description="该类记录没有按文字查找的功能。")
        datamodel = ScopedInterface(model)
        query = datamodel.session.query(model)
        query = datamodel.apply_all(query)  # scope applies here
        term = (request.args.get("q") or "").strip()
        if term:
            query = query.filter(text_search_clause(model, term))
        key = sa_inspect(model).primary_key[0]
        items = query.order_by(key.desc()).limit(LOOKUP_LIMIT).all()
        return jsonify(results=[{"id": getattr(item, key.key), "text": str(item)}
                                for item in items])
