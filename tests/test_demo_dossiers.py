"""The demo after issue 12: applications with the full dossier of every clause, the reviews
their states imply, reviewing logins linked to their national-system accounts — and the demo
still walks from a draft to a certificate with the duties kept apart."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.domain.errors import AccessDenied
from app.enums import ApplicationState, ExemptionClause, FunctionCode
from app.extensions import db
from app.models import Application, Bureau, ConsoleUser
from app.scope import acting_as
from app.services.applications import missing_materials
from app.services.duties import user_holds_function
from app.services.evidence import store_evidence
from app.workflows import run_step
from app.workflows.application import ApplicationWorkflow
from seeds.demo import DEMO_DISTRICTS, demo_document
from tests import factories

REVIEWED = {ApplicationState.accepted: 1, ApplicationState.first_reviewed: 2,
            ApplicationState.second_reviewed: 3, ApplicationState.issued: 3,
            ApplicationState.returned: 1}


@pytest.fixture()
def demo(demo_app):
    with demo_app.app_context():
        yield demo_app
        db.session.remove()


def _user(name):
    return db.session.scalar(select(ConsoleUser).where(ConsoleUser.username == name))


def _district_apps(code):
    return db.session.scalars(select(Application).join(Bureau).where(
        Bureau.division_code == code).order_by(Application.id)).all()


def test_demo_dossiers_per_clause_and_reviews_per_state(demo):
    for code in DEMO_DISTRICTS:
        apps = _district_apps(code)
        assert {a.clause for a in apps} == set(ExemptionClause)
        incomplete = [a for a in apps if missing_materials(a)]
        assert len(incomplete) == 1 and incomplete[0].state is ApplicationState.draft
        for app_ in apps:
            assert len(app_.reviews) == REVIEWED.get(app_.state, 0), (app_.number, app_.state)
            if app_.state is ApplicationState.returned:
                assert any(c["ok"] is False for c in app_.reviews[-1].checks)
            if app_.state is ApplicationState.issued:
                steps = {r.step: r for r in app_.reviews}
                assert steps["first_review"].reviewer_id != steps["second_review"].reviewer_id


def test_demo_logins_hold_their_duties(demo):
    officer, reviewer = _user("huangpu"), _user("reviewer")
    assert user_holds_function(officer, FunctionCode.first_review)
    assert not user_holds_function(officer, "复审")
    assert user_holds_function(reviewer, "复审")
    # a district holds 复审 too: the district's first inspector (its 科长's account)
    assert user_holds_function(_user("hp_jc1"), FunctionCode.second_review)


def test_the_demo_walks_from_the_incomplete_draft_to_a_certificate(demo):
    officer, reviewer = _user("huangpu"), _user("reviewer")
    draft = next(a for a in _district_apps(DEMO_DISTRICTS[0]) if missing_materials(a))
    for kind in missing_materials(draft):
        with acting_as(officer):
            store_evidence(io.BytesIO(demo_document(kind.label, draft.enterprise.name,
                                                    draft.created_at.date())),
                           f"{kind.label}.pdf", draft, officer, kind=kind)
    db.session.commit()
    W, checks = ApplicationWorkflow, factories.review_inputs()
    run_step(W, draft.id, "submit", officer)
    run_step(W, draft.id, "accept", officer, checks)
    run_step(W, draft.id, "first_review", officer, checks)
    with pytest.raises(AccessDenied):
        run_step(W, draft.id, "second_review", officer, checks)
    run_step(W, draft.id, "second_review", reviewer, checks)
    run_step(W, draft.id, "issue", reviewer)
    db.session.expire_all()
    assert db.session.get(Application, draft.id).certificate is not None
