"""List pages issue a constant number of SQL queries whatever the page size (no N+1), for
every list screen in the menu and every list resource of the API."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from flask_appbuilder import ModelView
from sqlalchemy import event, select

from app import clock
from app.api.resources import RESOURCES
from app.enums import (
    AccountChangeState,
    FastTrackChangeKind,
    FastTrackState,
    FunctionCode,
    ProductListPeriod,
    UsageKind,
)
from app.extensions import db
from app.models import (
    AccountChangeRequest,
    ClauseTag,
    FastTrackChange,
    FastTrackGrant,
    FastTrackProductLine,
    FastTrackRenewal,
    UsageRecord,
)
from app.views import MENU
from tests import factories
from tests.conftest import DISTRICT_B

ROWS = 60


@pytest.fixture(scope="module")
def many_rows(app):
    """At least ROWS records of every listed type, with their relations filled in."""
    with app.app_context():
        bureau = factories.bureau(DISTRICT_B)
        clauses = db.session.scalars(select(ClauseTag)).all()
        for _ in range(ROWS):
            ent = factories.enterprise(bureau)
            app_ = factories.application(ent, products=2)
            cert = factories.certificate(factories.application(ent, products=1))
            factories.customs_usage(cert)
            db.session.add(UsageRecord(product=app_.products[0], kind=UsageKind.use, quantity=1,
                                       used_on=clock.today(), using_unit=ent.name))
            factories.account(bureau, functions=(FunctionCode.first_review,
                                                 FunctionCode.supervision))
            grant = FastTrackGrant(enterprise=ent, state=FastTrackState.active,
                                   clauses=clauses[:2], valid_from=dt.date(2026, 1, 1),
                                   valid_to=dt.date(2027, 12, 31))
            grant.renewals.append(FastTrackRenewal(reason="延用", old_valid_to=grant.valid_to))
            grant.changes.append(FastTrackChange(kind=FastTrackChangeKind.address,
                                                 description="搬迁", new_business_address="新址"))
            grant.lines.append(FastTrackProductLine(
                period=ProductListPeriod.past, ccc_code="0901", purpose="科研测试",
                annual_batches=10, entry_port="洋山港", handling="使用"))
            db.session.add(grant)
            # a submitted request: its 报总局时限 reads the working calendar, on every page size
            request = factories.row_factories()[AccountChangeRequest](bureau)
            request.state, request.submitted_at = AccountChangeState.submitted, clock.now()
        db.session.commit()


@contextlib.contextmanager
def counting_queries():
    statements: list[str] = []
    engine = db.engine

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


LIST_VIEWS = [view for view, name, *_ in MENU if name is not None and issubclass(view, ModelView)]


@pytest.mark.parametrize("view", LIST_VIEWS, ids=lambda v: v.__name__)
def test_console_list_query_count_is_constant(app_ctx, client_as, many_rows, view):
    client = client_as("admin")
    base = getattr(view, "route_base", None) or f"/{view.__name__.lower()}"
    url = f"{base}/list/?psize_{view.__name__}="
    client.get(url + "5")  # warm-up: caches and the session's first queries
    counts = {}
    for size in (5, 50):
        with counting_queries() as statements:
            response = client.get(url + str(size))
        assert response.status_code == 200
        counts[size] = len(statements)
    assert counts[5] == counts[50], counts
    assert counts[50] <= 15, counts


@pytest.mark.parametrize("api", RESOURCES, ids=lambda a: a.resource_name)
def test_api_list_query_count_is_constant(app_ctx, api_as, many_rows, api):
    client, headers = api_as("admin")
    # newest first, as the console lists them: the rows made above, whatever other tests left
    url = f"/api/v1/{api.resource_name}/?q=(order_column:id,order_direction:desc,page_size:{{}})"
    client.get(url.format(5), headers=headers)
    counts = {}
    for size in (5, 50):
        with counting_queries() as statements:
            response = client.get(url.format(size), headers=headers)
        assert response.status_code == 200
        counts[size] = len(statements)
    assert counts[5] == counts[50], counts
