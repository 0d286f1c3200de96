"""The landing page: what needs doing today, for the signed-in user's scope."""
from __future__ import annotations

from flask import g, redirect
from flask_appbuilder import IndexView, expose

from app.services.dashboard import dashboard_for


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template(self.index_template, board=dashboard_for(user))
