"""The landing page, the 工作台: what the signed-in user must do, soonest first."""
from __future__ import annotations

import time

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.services.workbench import Workbench, workbench_for

#: Menu numbers are recomputed at most this often per user (and whenever 工作台 opens), so
#: every other page keeps its handful of queries
MENU_COUNT_SECONDS = 120
_menu_cache: dict[int, tuple[float, dict[str, int]]] = {}


def _remember_counts(user_id: int, bench: Workbench) -> dict[str, int]:
    from app.views import MENU

    names = {view.__name__: name for view, name, *_ in MENU if name}
    counts: dict[str, int] = {}
    for view_name, n in bench.counts().items():
        if view_name in names:
            counts[names[view_name]] = counts.get(names[view_name], 0) + n
    _menu_cache[user_id] = (time.monotonic(), counts)
    return counts


def menu_counts() -> dict[str, int]:
    """{menu entry name: records waiting for this user} for the numbers in the menu."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = _menu_cache.get(user.id)
    if cached is not None and time.monotonic() - cached[0] < MENU_COUNT_SECONDS:
        return cached[1]
    return _remember_counts(user.id, workbench_for(user))


def link_of(line) -> str:
    return url_for(line.endpoint, **line.params)


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        bench = workbench_for(user)
        _remember_counts(user.id, bench)
        from app.services.notices import notices_for

        return self.render_template(self.index_template, bench=bench, link_of=link_of,
                                    notices=notices_for(user))
