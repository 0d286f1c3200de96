"""Supervision at the console doors: the plan form refuses a bad ratio at the field, a step out of
order is refused with its reason, a draw from the page, the 复核 verdict on the page, the user
form links only an account of the user's own bureau."""
from __future__ import annotations

from app.extensions import db
from app.models import ConsoleUser, InspectionPlan
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B, form_errors


def test_plan_form_and_steps_at_the_console(app_ctx, client_as):
    bureau = factories.bureau(DISTRICT_A)
    for _ in range(2):
        factories.supervisor(bureau)
    factories.fast_track_unit(bureau)
    db.session.commit()
    year = factories.inspection_plan(bureau).year - 1  # a year no other test uses
    db.session.rollback()
    console = client_as("huangpu")
    form = {"bureau": str(bureau.id), "year": str(year), "ratio_percent": "0",
            "batches_per_unit": "2"}
    page = console.post("/inspectionplanview/add", data=form)
    assert page.status_code == 200
    assert any("抽查比例应大于0" in e for e in form_errors(page.get_data(as_text=True)))
    assert db.session.query(InspectionPlan).filter_by(bureau_id=bureau.id, year=year).count() == 0
    form["ratio_percent"] = "10"
    assert console.post("/inspectionplanview/add", data=form).status_code == 302
    plan = db.session.query(InspectionPlan).filter_by(bureau_id=bureau.id, year=year).one()
    refused = console.post(f"/inspectionplanview/step/{plan.id}/draw", data={"seed": "x"},
                           follow_redirects=True).get_data(as_text=True)
    assert "当前状态为“草稿”，不能随机抽取" in refused
    console.post(f"/inspectionplanview/step/{plan.id}/publish")
    drawn = console.post(f"/inspectionplanview/step/{plan.id}/draw", data={"seed": "控制台种子"},
                         follow_redirects=True).get_data(as_text=True)
    assert "已随机抽取" in drawn, form_errors(drawn)
    console.post(f"/inspectionplanview/step/{plan.id}/verify")
    shown = console.get(f"/inspectionplanview/show/{plan.id}").get_data(as_text=True)
    assert "控制台种子" in shown and "一致：按保存的候选名单和种子重新抽取" in shown
    assert "抽查名单PDF" in shown and "随机抽取</button>" not in shown
    # another district neither sees nor moves it
    other = client_as("pudong")
    assert other.get(f"/inspectionplanview/show/{plan.id}").status_code == 404
    assert other.post(f"/inspectionplanview/step/{plan.id}/complete").status_code == 404
    assert other.get(f"/reports/inspection_plan/{plan.id}?format=xlsx").status_code == 404


def test_user_is_linked_only_to_an_account_of_their_own_bureau(app_ctx, client_as):
    own = factories.account(factories.bureau(DISTRICT_A))
    foreign = factories.account(factories.bureau(DISTRICT_B))
    db.session.commit()
    user = db.session.query(ConsoleUser).filter_by(username="huangpu").one()
    admin = client_as("admin")
    form = {"username": "huangpu", "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "bureau": str(user.bureau_id), "roles": [str(r.id) for r in user.roles],
            "active": "y", "reviewer_account": str(foreign.id)}
    page = admin.post(f"/users/edit/{user.id}", data=form)
    assert "只能关联本部门的国家系统账号" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ConsoleUser, user.id).reviewer_account_id is None
    form["reviewer_account"] = str(own.id)
    assert admin.post(f"/users/edit/{user.id}", data=form).status_code == 302
    db.session.expire_all()
    linked = db.session.get(ConsoleUser, user.id)
    assert linked.reviewer_account_id == own.id
    linked.reviewer_account_id = None  # leave the shared demo user as it was
    db.session.commit()
