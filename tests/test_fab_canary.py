"""Canary of the Flask-AppBuilder adaptations (``app.fab``): an upgrade of FAB that removes or
reshapes a private method we rely on fails here first, no other module touches FAB's private
API, and the row scope still holds on the data interface every door uses."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import flask_appbuilder
import pytest
from flask import g

from app import fab
from app.models import Enterprise
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

OUR_CLASSES = (fab.ScopedInterface, fab.BlankChoiceLabels, fab.VersionedEdit,
               fab.ConsoleViewAdapter, fab.ApiAdapter, fab.DomainSchemaConverter)
APP = Path(fab.__file__).resolve().parent
_ABSENT = object()


def test_checked_against_the_installed_version():
    assert flask_appbuilder.__version__ == fab.FAB_VERSION_CHECKED, (
        "FAB was upgraded: read app/fab.py against the new version, then update "
        "FAB_VERSION_CHECKED")


@pytest.mark.parametrize("owner, name", [(owner, name) for owner, names in
                                          fab.PRIVATE_HOOKS.items() for name in names])
def test_every_private_hook_still_exists_with_the_same_parameters(owner, name):
    base = getattr(owner, name, _ABSENT)  # an attribute may be None until a view is set up
    assert base is not _ABSENT, f"{owner.__name__}.{name} is gone"
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


def test_the_unique_validator_still_reads_the_form_id():
    from flask_appbuilder.validators import Unique

    assert "form._id" in inspect.getsource(Unique.__call__), (
        "FAB's Unique validator no longer reads form._id: see ConsoleViewAdapter._edit")


PRIVATE_NAMES = {name for names in fab.PRIVATE_HOOKS.values() for name in names
                 if name.startswith("_")}


def test_only_app_fab_touches_the_private_hooks():
    """A private hook used elsewhere escapes the canary: it is adapted in ``app.fab`` and
    called from there (e.g. ``BlankChoiceLabels``, ``ConsoleViewAdapter.list_filters``)."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        if path == APP / "fab.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else \
                node.name if isinstance(node, ast.FunctionDef) else None
            if name in PRIVATE_NAMES:
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno} {name}")
    assert not found, "FAB's private API outside app/fab.py: " + ", ".join(found)


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
