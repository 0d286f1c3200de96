"""The list export's fast path (plain rows in batches, ``app.views.export_fast``) writes the
same cells as the old path (each record loaded and read through ``get_values``), for every
exported list of the demo, as the province admin and as a district officer (scope kept),
with every detail column and with the list's columns only."""
from __future__ import annotations

import csv
import io

import pytest

from app.views.base import DomainModelView
from app.views.export_fast import FastExport
from seeds.demo import DEMO_PASSWORD


def _exported_views(app):
    views = []
    for view in app.appbuilder.baseviews:
        if isinstance(view, DomainModelView) and not view.__class__.__name__.endswith("Api"):
            views.append(view)
    return views


def _login(app, username):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 302)
    return client


def _csv(client, view, monkeypatch, fast: bool, extra: str = ""):
    monkeypatch.setattr(type(view), "export_fast", fast)
    monkeypatch.setattr(type(view), "export_batch", 7)  # several batches even on the demo
    response = client.get(f"/{view.route_base.strip('/')}/export/?format=csv{extra}")
    data = response.get_data(as_text=True)
    return response.status_code, list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))


@pytest.mark.parametrize("username", ["admin", "huangpu"])
def test_fast_export_cells_equal_the_old_path_for_every_exported_list(demo_app, monkeypatch,
                                                                      username):
    # the browser tests' live server turns CSRF on for this shared demo console (as in
    # production); these requests are the test client's own
    monkeypatch.setitem(demo_app.config, "WTF_CSRF_ENABLED", False)
    client = _login(demo_app, username)
    compared = fast_used = 0
    for view in _exported_views(demo_app):
        for extra in ("", "&columns=list"):
            old_status, old = _csv(client, view, monkeypatch, False, extra)
            new_status, new = _csv(client, view, monkeypatch, True, extra)
            assert new_status == old_status, view
            if old_status != 200:
                continue  # not this user's list: refused the same way
            assert new[0] == old[0], view
            assert len(new) == len(old), view
            for i, (a, b) in enumerate(zip(new, old, strict=True)):
                assert a == b, (type(view).__name__, extra, i, a, b)
            compared += 1
        with demo_app.test_request_context():
            if FastExport.plan(view.datamodel, view.list_columns) is not None:
                fast_used += 1
    assert compared >= 10
    assert fast_used >= 10


def test_application_export_reads_no_record_for_its_computed_columns(demo_app):
    from app.views.applications import ApplicationView

    view = next(v for v in _exported_views(demo_app) if isinstance(v, ApplicationView))
    fast = FastExport(view.datamodel, ["number", "enterprise", "bureau", "state",
                                       "submitted_at", "approve_due", "return_due",
                                       "deadline_status", "certificate", "missing_materials",
                                       "review_summary"])
    assert fast.fallback == []
