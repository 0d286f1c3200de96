"""Issue 12 item 7: 线索 (seed 001 流程8) recorded with source and date at every door, and
feeding the draw: a unit with a lead in the look-back window is always drawn, marked 重点."""
from __future__ import annotations

import datetime as dt

from app import clock
from app.enums import LeadKind, TargetKind
from app.extensions import db
from app.models import SupervisionLead
from app.workflows import run_step
from app.workflows.supervision import InspectionPlanWorkflow as P
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B, form_errors


def test_lead_feeds_the_draw_as_a_key_target(app_ctx):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(3)]
    generals = [factories.issued_unit(bureau) for _ in range(20)]
    flagged = generals[7]
    factories.lead(bureau, ent=flagged, kind=LeadKind.unreachable, source="电话回访",
                   received_on=clock.today() - dt.timedelta(days=10))
    # a unit with no certificate in the window, known only by its lead, is drawn too
    quiet = factories.enterprise(bureau)
    factories.lead(bureau, ent=quiet, kind=LeadKind.changed_final_use, source="海关通报")
    plan = factories.inspection_plan(bureau, ratio="5", batches=1)
    db.session.commit()
    run_step(P, plan.id, "publish", officers[0])
    run_step(P, plan.id, "draw", officers[0], {"seed": "线索"})
    db.session.refresh(plan)
    by_unit = {t.enterprise_id: t for t in plan.targets}
    assert by_unit[flagged.id].kind is TargetKind.key
    assert "企业无法正常联系（电话回访" in by_unit[flagged.id].reasons
    assert by_unit[quiet.id].kind is TargetKind.key
    assert "变更产品最终使用地" in by_unit[quiet.id].reasons


def test_old_lead_outside_the_window_does_not_count(app_ctx):
    from app.services.leads import leads_for_draw
    from app.services.supervision import lookback_start

    bureau = factories.fresh_district()
    start = lookback_start(clock.today())
    inside = factories.lead(bureau, received_on=start)
    outside = factories.lead(bureau, received_on=start - dt.timedelta(days=1))
    db.session.commit()
    found = {lead.id for lead in leads_for_draw(bureau.id, start, clock.today())}
    assert inside.id in found and outside.id not in found


def test_lead_at_every_door(app_ctx, client_as, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    other_cert = factories.certificate(factories.application(
        factories.enterprise(bureaus[DISTRICT_A]), products=1))
    db.session.commit()
    client, headers = api_as("huangpu")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    refused = client.post("/api/v1/supervision_lead/", headers=headers, json={
        "enterprise_id": ent.id, "kind": "complaint", "source": "12315", "received_on": tomorrow,
        "description": "举报"})
    assert refused.status_code == 422 and "不能晚于今天" in str(refused.get_json())
    wrong = client.post("/api/v1/supervision_lead/", headers=headers, json={
        "enterprise_id": ent.id, "certificate_id": other_cert.id, "kind": "complaint",
        "source": "12315", "received_on": clock.today().isoformat(), "description": "举报"})
    assert wrong.status_code == 422 and "不属于该单位" in str(wrong.get_json())
    made = client.post("/api/v1/supervision_lead/", headers=headers, json={
        "enterprise_id": ent.id, "kind": "failed_random_check", "source": "系统随机抽查",
        "received_on": clock.today().isoformat(), "description": "抽查判定不合格"})
    assert made.status_code == 201, made.get_json()
    lead = db.session.get(SupervisionLead, made.get_json()["id"])
    assert lead.recorded_by
    page = client_as("huangpu").post("/supervisionleadview/add", data={
        "enterprise": str(ent.id), "kind": "complaint", "source": "信访",
        "received_on": tomorrow, "description": "举报"})
    assert any("不能晚于今天" in e for e in form_errors(page.get_data(as_text=True)))
    response = client_as("huangpu").post("/supervisionleadview/add", data={
        "enterprise": str(ent.id), "kind": "complaint", "source": "信访",
        "received_on": clock.today().isoformat(), "description": "举报"})
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))


def test_leads_in_the_window_are_on_the_key_target_board_within_the_district(app_ctx, client_as,
                                                                             bureaus):
    """The board says who to look at first: the certificates by the rules, and the units with
    a lead in the draw's look-back window (from its first day), never another district's."""
    from app.services.supervision import lookback_start

    start = lookback_start(clock.today())
    ours = factories.lead(bureaus[DISTRICT_A], source="12315举报（看板）", received_on=start)
    old = factories.lead(bureaus[DISTRICT_A], source="过期来源（看板）",
                         received_on=start - dt.timedelta(days=1))
    theirs = factories.lead(bureaus[DISTRICT_B], source="浦东来源（看板）")
    db.session.commit()
    page = client_as("huangpu").get("/keytargets/").get_data(as_text=True)
    assert ours.source in page and f"/supervisionleadview/show/{ours.id}" in page
    assert old.source not in page and theirs.source not in page
    province = client_as("admin").get("/keytargets/").get_data(as_text=True)
    assert ours.source in province and theirs.source in province
