"""审核时限 and 剩余有效天数 sort in SQL by stored due dates (issue 15): a district puts the
most urgent first, and the stored date follows every (re)submission."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, text, update

from app import clock
from app.commands.due_dates import RefreshDueDates
from app.enums import ApplicationState, FastTrackState
from app.extensions import db
from app.models import DUE_SORT_LAST_ASC, DUE_SORT_LAST_DESC, Application
from app.services.applications import approve_due, deadline_sort
from tests import factories
from tests.conftest import DISTRICT_A


def _submitted(ent, day: dt.date, state=ApplicationState.submitted):
    return factories.application(ent, products=1, state=state,
                                 submitted_at=dt.datetime.combine(day, dt.time(10, 0)))


def test_the_stored_due_date_follows_the_submission(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    app_ = _submitted(ent, dt.date(2026, 11, 2))
    db.session.commit()
    assert app_.approve_due_on == approve_due(app_) == dt.date(2026, 11, 9)
    app_.submitted_at = dt.datetime(2026, 11, 16, 9, 0)  # resubmitted
    db.session.commit()
    assert app_.approve_due_on == approve_due(app_)
    draft = factories.application(ent, products=1)
    db.session.commit()
    assert draft.approve_due_on is None


def test_refresh_fills_rows_loaded_without_it(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    app_ = _submitted(ent, dt.date(2026, 11, 2))
    db.session.commit()
    db.session.execute(update(Application).where(Application.id == app_.id)
                       .values(approve_due_on=None))
    db.session.commit()
    assert RefreshDueDates().execute() >= 1
    db.session.expire_all()
    assert db.session.get(Application, app_.id).approve_due_on == dt.date(2026, 11, 9)


def _numbers_in_order(html: str, numbers: list[str]) -> list[str]:
    found = sorted((html.index(n), n) for n in numbers if n in html)
    return [n for _pos, n in found]


def test_a_district_sorts_its_applications_most_urgent_first(app_ctx, bureaus, client_as):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    later = _submitted(ent, dt.date(2026, 11, 20))
    urgent = _submitted(ent, dt.date(2026, 11, 2))
    middle = _submitted(ent, dt.date(2026, 11, 10))
    done = _submitted(ent, dt.date(2026, 10, 1), state=ApplicationState.issued)
    db.session.commit()
    numbers = [a.number for a in (later, urgent, middle, done)]
    client = client_as("huangpu")
    flt = "_flt_0_enterprise=" + ent.name
    html = client.get(f"/applicationview/list/?_oc_ApplicationView=deadline_status"
                      f"&_od_ApplicationView=asc&{flt}&psize_ApplicationView=100").get_data(
        as_text=True)
    assert _numbers_in_order(html, numbers) == [urgent.number, middle.number, later.number,
                                                done.number]
    html = client.get(f"/applicationview/list/?_oc_ApplicationView=deadline_status"
                      f"&_od_ApplicationView=desc&{flt}&psize_ApplicationView=100").get_data(
        as_text=True)
    assert _numbers_in_order(html, numbers) == [later.number, middle.number, urgent.number,
                                                done.number]
    # the column header offers the sort
    assert re.search(r"_oc_ApplicationView=deadline_status", html)


def test_fast_track_grants_sort_by_days_left(app_ctx, bureaus, client_as):
    from app.models import FastTrackGrant

    soon = factories.active_grant(bureaus[DISTRICT_A], valid_to=clock.today()
                                  + dt.timedelta(days=10))
    far = factories.active_grant(bureaus[DISTRICT_A], valid_to=clock.today()
                                 + dt.timedelta(days=300))
    db.session.commit()
    assert soon.state is FastTrackState.active and far.state is FastTrackState.active
    client = client_as("admin")
    response = client.get("/fasttrackgrantview/list/?_oc_FastTrackGrantView=days_left"
                          "&_od_FastTrackGrantView=asc&psize_FastTrackGrantView=100")
    assert response.status_code == 200
    ids = list(db.session.scalars(select(FastTrackGrant.id).where(
        FastTrackGrant.id.in_([soon.id, far.id]))))
    assert len(ids) == 2
    html = response.get_data(as_text=True)
    names = [soon.enterprise.name, far.enterprise.name]
    assert _numbers_in_order(html, names) == names


def _plan(stmt) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_the_sort_keys_follow_the_state_and_the_refresh(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    app_ = _submitted(ent, dt.date(2026, 11, 2))
    draft = factories.application(ent, products=1)
    db.session.commit()
    due = dt.date(2026, 11, 9)
    assert (app_.due_sort_asc, app_.due_sort_desc) == (due, due)
    assert (draft.due_sort_asc, draft.due_sort_desc) == (DUE_SORT_LAST_ASC, DUE_SORT_LAST_DESC)
    app_.state = ApplicationState.issued  # out of review: last either way
    db.session.commit()
    assert (app_.due_sort_asc, app_.due_sort_desc) == (DUE_SORT_LAST_ASC, DUE_SORT_LAST_DESC)
    app_.state = ApplicationState.accepted
    db.session.commit()
    assert (app_.due_sort_asc, app_.due_sort_desc) == (due, due)
    # rows written around the ORM get their keys back from the refresh
    db.session.execute(update(Application).where(Application.id == app_.id)
                       .values(approve_due_on=None, due_sort_asc=DUE_SORT_LAST_ASC,
                               due_sort_desc=DUE_SORT_LAST_DESC))
    db.session.commit()
    assert RefreshDueDates().execute() >= 1
    db.session.expire_all()
    fresh = db.session.get(Application, app_.id)
    assert (fresh.approve_due_on, fresh.due_sort_asc, fresh.due_sort_desc) == (due, due, due)


@pytest.mark.parametrize("district", [True, False], ids=["district", "province"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_a_due_date_page_reads_one_index_range(app_ctx, bureaus, descending, district):
    stmt = select(Application.id)
    if district:
        stmt = stmt.where(Application.bureau_id == bureaus[DISTRICT_A].id)
    stmt = stmt.order_by(*deadline_sort(descending)).limit(20)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
    plan = _plan(stmt)
    index = "ix_application_" + ("bureau_" if district else "") + (
        "due_desc" if descending else "due_asc")
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_days_left_keys_follow_the_state_and_the_end_date(app_ctx, bureaus):
    from app.models import FastTrackGrant

    grant = factories.active_grant(bureaus[DISTRICT_A], valid_to=dt.date(2027, 3, 1))
    db.session.commit()
    assert (grant.valid_sort_asc, grant.valid_sort_desc) == (dt.date(2027, 3, 1),) * 2
    assert grant.owner_bureau_id == bureaus[DISTRICT_A].id
    grant.valid_to = dt.date(2028, 3, 1)  # renewed
    db.session.commit()
    assert (grant.valid_sort_asc, grant.valid_sort_desc) == (dt.date(2028, 3, 1),) * 2
    grant.state = FastTrackState.revoked  # shows no days left: last either way
    db.session.commit()
    db.session.expire_all()
    fresh = db.session.get(FastTrackGrant, grant.id)
    assert (fresh.valid_sort_asc, fresh.valid_sort_desc) == (DUE_SORT_LAST_ASC,
                                                             DUE_SORT_LAST_DESC)


def test_a_district_sorts_its_grants_by_days_left_both_ways(app_ctx, bureaus, client_as):
    today = clock.today()
    soon = factories.active_grant(bureaus[DISTRICT_A], valid_to=today + dt.timedelta(days=10))
    far = factories.active_grant(bureaus[DISTRICT_A], valid_to=today + dt.timedelta(days=300))
    draft = factories.active_grant(bureaus[DISTRICT_A], valid_to=today + dt.timedelta(days=5))
    draft.state = FastTrackState.draft  # no days left shown: last either way
    db.session.commit()
    names = {g: g.enterprise.name for g in (soon, far, draft)}
    client = client_as("huangpu")
    url = ("/fasttrackgrantview/list/?_oc_FastTrackGrantView=days_left"
           "&_od_FastTrackGrantView={}&psize_FastTrackGrantView=100")
    html = client.get(url.format("asc")).get_data(as_text=True)
    assert _numbers_in_order(html, list(names.values())) == [names[soon], names[far],
                                                             names[draft]]
    html = client.get(url.format("desc")).get_data(as_text=True)
    assert _numbers_in_order(html, list(names.values())) == [names[far], names[soon],
                                                             names[draft]]


@pytest.mark.parametrize("district", [True, False], ids=["district", "province"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_a_days_left_page_reads_one_index_range(app_ctx, bureaus, descending, district):
    """剩余有效天数 (fast-track list) as a district sees it: the carried owner and the stored
    key, one range of an index in the page's order (no sort step)."""
    from app.models import FastTrackGrant
    from app.scope import bureau_subtree, scope_clause
    from app.services.fast_track import days_left_sort

    stmt = select(FastTrackGrant.id)
    if district:
        stmt = stmt.where(scope_clause(FastTrackGrant,
                                       bureau_subtree(bureaus[DISTRICT_A].id)))
    stmt = stmt.order_by(*days_left_sort(descending)).limit(20)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
    plan = _plan(stmt)
    index = "ix_fast_track_grant_" + ("owner_" if district else "") + (
        "valid_desc" if descending else "valid_asc")
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
