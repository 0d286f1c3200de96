"""The one search box of the top bar: ``/search/?q=`` answers the matching records of every
kind the user may list, within their scope, grouped by kind (DESIGN §5)."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_appbuilder import BaseView, expose
from flask_login import current_user

from app import models
from app.fab import ScopedInterface
from app.services.search import (
    GLOBAL_SEARCH,
    GLOBAL_SEARCH_LIMIT,
    GLOBAL_SEARCH_MIN_LENGTH,
    columns_clause,
)


class SearchView(BaseView):
    route_base = "/search"
    default_view = "search"
    #: model name -> the list view (its name) whose permission and show page a group uses;
    #: filled by register_views from the menu
    views: dict[str, str] = {}

    @expose("/")
    def search(self):
        if not current_user.is_authenticated:
            abort(401)
        term = (request.args.get("q") or "").strip()[:100]
        groups = []
        if len(term) >= GLOBAL_SEARCH_MIN_LENGTH:
            for title, model_name, paths in GLOBAL_SEARCH:
                view_name = self.views.get(model_name)
                if view_name is None or not self.appbuilder.sm.has_access("can_list", view_name):
                    continue
                model = getattr(models, model_name)
                datamodel = ScopedInterface(model)
                query = datamodel.apply_all(datamodel.session.query(model))  # the scope
                items = (query.filter(columns_clause(model, paths, term))
                         .order_by(model.id.desc()).limit(GLOBAL_SEARCH_LIMIT + 1).all())
                if items:
                    groups.append({
                        "title": title, "more": len(items) > GLOBAL_SEARCH_LIMIT,
                        "list_url": url_for(f"{view_name}.list"),
                        "rows": [(str(item), url_for(f"{view_name}.show", pk=item.id),
                                  _detail(item)) for item in items[:GLOBAL_SEARCH_LIMIT]]})
        return self.render_template("console/search.html", title="查找", term=term,
                                    groups=groups, too_short=0 < len(term) <
                                    GLOBAL_SEARCH_MIN_LENGTH,
                                    min_length=GLOBAL_SEARCH_MIN_LENGTH)


def _detail(item) -> str:
    """A second line that tells the records apart (unit, USCC, state)."""
    parts = []
    enterprise = getattr(item, "enterprise", None)
    if enterprise is None and getattr(item, "application", None) is not None:
        enterprise = item.application.enterprise
    if enterprise is None and getattr(item, "certificate", None) is not None:
        enterprise = item.certificate.application.enterprise
        parts.append(f"免办证明 {item.certificate.number}")
    if enterprise is not None:
        parts.insert(0, f"{enterprise.name}（{enterprise.uscc}）")
    elif getattr(item, "uscc", None):
        parts.append(item.uscc)
    bureau = getattr(item, "bureau", None)
    if bureau is not None and hasattr(bureau, "short_name"):
        parts.append(bureau.short_name)
    state = getattr(item, "state", None) or getattr(item, "status", None)
    if state is not None and hasattr(state, "label"):
        parts.append(state.label)
    return " · ".join(parts)
