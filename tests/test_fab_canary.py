"""Canary of the Flask-AppBuilder adaptations (``app.fab``): an upgrade of FAB that removes or
reshapes a private method we rely on fails here first, and the row scope still holds on the
data interface every door uses."""
from __future__ import annotations

import inspect

import flask_appbuilder
import pytest
from flask import g

from app import fab
from app.models import Enterprise
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

OUR_CLASSES = (fab.ScopedInterface, fab.ConsoleViewAdapter, fab.ApiAdapter,
               fab.DomainSchemaConverter)


def test_checked_against_the_installed_version():
    assert flask_appbuilder.__version__ == fab.FAB_VERSION_CHECKED, (
        "FAB was upgraded: read app/fab.py against the new version, then update "
        "FAB_VERSION_CHECKED")


@pytest.mark.parametrize("owner, name", [(owner, name) for owner, names in
                                          fab.PRIVATE_HOOKS.items() for name in names])
def test_every_private_hook_still_exists_with_the_same_parameters(owner, name):
    base = getattr(owner, name, None)
    assert base is not None, f"{owner.__name__}.{name} is gone"
    for ours in OUR_CLASSES:
        mine = ours.__dict__.get(name)
        if mine is None or not callable(base):
            continue
        theirs = [p.name for p in inspect.signature(base).parameters.values()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        own = [p.name for p in inspect.signature(mine).parameters.values()
               if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert own[:len(theirs)] == theirs or own == theirs[:len(own)], (
            f"{ours.__name__}.{name}{own} no longer matches {owner.__name__}.{name}{theirs}")


def test_scope_holds_for_list_count_and_get(app_ctx, bureaus):
    from sqlalchemy import func, select

    from app.extensions import db

    mine = factories.enterprise(bureaus[DISTRICT_A])
    other = factories.enterprise(bureaus[DISTRICT_B])
    db.session.commit()
    in_district = db.session.scalar(select(func.count()).select_from(Enterprise).where(
        Enterprise.bureau_id == bureaus[DISTRICT_A].id))
    interface = fab.ScopedInterface(Enterprise)
    with app_ctx.test_request_context("/"):
        g.user = app_ctx.appbuilder.sm.find_user(username="huangpu")
        count, items = interface.query(page_size=500)
        ids = {item.id for item in items}
        assert mine.id in ids and other.id not in ids
        assert count == in_district
        assert interface.get(mine.id) is not None
        assert interface.get(other.id) is None
    with app_ctx.test_request_context("/"):
        g.user = app_ctx.appbuilder.sm.find_user(username="auditor")
        assert interface.get(other.id) is not None
