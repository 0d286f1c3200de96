"""The expiry sweep is safe in every worker at once (issue 15): several processes' timers
firing together expire each grant exactly once, and none fails or waits on another's rows
(FOR UPDATE SKIP LOCKED on PostgreSQL; serial write transactions on SQLite)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy_continuum import version_class

from app import clock
from app.commands.fast_track import ExpireGrants
from app.enums import FastTrackState
from app.extensions import db
from app.models import FastTrackGrant
from tests import factories
from tests.conftest import DISTRICT_A
from tests.test_parallel_writes import fire

SWEEPERS = 6


def test_parallel_sweeps_expire_each_grant_once(app, app_ctx, bureaus):
    yesterday = clock.today() - dt.timedelta(days=1)
    grants = [factories.active_grant(bureaus[DISTRICT_A], valid_to=yesterday)
              for _ in range(5)]
    db.session.commit()
    ids = [g.id for g in grants]

    def sweep():
        with app.app_context():
            try:
                return ExpireGrants().execute()
            finally:
                db.session.remove()

    expired = fire([sweep] * SWEEPERS)
    # every grant of this test expired, by one sweep or another, once
    db.session.expire_all()
    states = set(db.session.scalars(select(FastTrackGrant.state).where(
        FastTrackGrant.id.in_(ids))))
    assert states == {FastTrackState.expired}
    assert sum(expired) >= len(ids)  # other tests' overdue grants may be swept too
    versions = version_class(FastTrackGrant)
    for grant_id in ids:
        to_expired = db.session.scalar(select(func.count()).select_from(versions).where(
            versions.id == grant_id, versions.state == FastTrackState.expired))
        assert to_expired == 1, grant_id
