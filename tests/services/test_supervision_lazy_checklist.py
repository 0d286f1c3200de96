"""The draw writes its 抽查名单 and inspections in bulk and lays no checklist out: the points of
an inspection are stored when it is first opened for recording (the console's show or edit
page, the API resource) — once, whoever opens it first, even two officers at the same moment
— and every reader sees every point in the paper's order before that. The draw's rows keep
their audit trail: each is created by the draw's own audit transaction."""
from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy_continuum import version_class, versioning_manager

from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import (
    Inspection,
    InspectionAnswer,
    InspectionPlan,
    InspectionTarget,
    inspection_inspector,
    inspection_target_certificate,
    inspection_target_inspector,
)
from app.reports.supervision import inspection_sheet
from app.services.supervision import answers_of, inspection_outcome, record_refusal
from app.workflows import run_step
from app.workflows.supervision import InspectionPlanWorkflow as P
from app.workflows.supervision import InspectionWorkflow as W
from tests import factories


def _drawn_plan():
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(3)]
    for _ in range(4):
        factories.issued_unit(bureau, certificates=2)
    factories.fast_track_unit(bureau, certificates=1)
    plan = factories.inspection_plan(bureau, ratio="50")
    db.session.commit()
    run_step(P, plan.id, "publish", officers[0])
    run_step(P, plan.id, "draw", officers[0])
    db.session.expire_all()
    return db.session.get(InspectionPlan, plan.id), officers


def _stored(inspection_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    return list(db.session.execute(
        select(InspectionAnswer.seq, InspectionAnswer.point_code)
        .where(InspectionAnswer.inspection_id == inspection_id).order_by(InspectionAnswer.seq)))


def _paper(inspection: Inspection) -> list[tuple[int, str]]:
    return [(n, p.code) for n, p in enumerate(inspection.checklist.checklist.points, start=1)]


def test_a_draw_stores_no_answers_yet_every_point_is_shown_in_order(app_ctx):
    plan, officers = _drawn_plan()
    inspections = [t.inspection for t in plan.targets]
    assert len(inspections) == 3 and {i.checklist.name for i in inspections} == {
        "general", "fast_track"}
    ids = [i.id for i in inspections]
    assert db.session.scalar(select(func.count(InspectionAnswer.id)).where(
        InspectionAnswer.inspection_id.in_(ids))) == 0
    for item in inspections:
        shown = answers_of(item)
        assert [(a.seq, a.point_code) for a in shown] == _paper(item)
        assert all(a.id is None and a.answer is None for a in shown)
        assert [a.item for a in shown][0].startswith("1. ")  # the point's words are there
        # the readers: the filled sheet shows empty boxes, the record step lists every point
        sheet = inspection_sheet(item)
        assert set(sheet.answers) == {code for _n, code in _paper(item)}
        assert record_refusal(item)["answers"][0].startswith(f"检查表还有{len(shown)}个检查点")
        assert inspection_outcome(item).name == "fail"  # nothing answered complies yet
        with pytest.raises(RuleViolation, match="未填写检查结论"):
            run_step(W, item.id, "record", officers[0])
    assert db.session.scalar(select(func.count(InspectionAnswer.id)).where(
        InspectionAnswer.inspection_id.in_(ids))) == 0


def test_the_draws_rows_are_in_the_audit_trail_of_the_draw(app_ctx):
    plan, officers = _drawn_plan()
    plan_v = version_class(InspectionPlan)
    draw_tx = db.session.scalar(select(plan_v.transaction_id).where(
        plan_v.id == plan.id, plan_v.drawn_at.is_not(None)).order_by(plan_v.transaction_id))
    tx = versioning_manager.transaction_cls
    assert db.session.get(tx, draw_tx).user_id == officers[0].id
    targets = plan.targets
    target_ids = [t.id for t in targets]
    inspection_ids = [t.inspection.id for t in targets]
    for model, ids in ((InspectionTarget, target_ids), (Inspection, inspection_ids)):
        versions = db.session.execute(select(version_class(model)).where(
            version_class(model).id.in_(ids))).scalars().all()
        assert sorted(v.id for v in versions) == sorted(ids)
        assert {(v.transaction_id, v.operation_type) for v in versions} == {(draw_tx, 0)}
    first = db.session.scalar(select(version_class(Inspection)).where(
        version_class(Inspection).id == inspection_ids[0]))
    assert (first.plan_id, first.state.name, first.enterprise_id) == (
        plan.id, "pending", targets[0].enterprise_id)
    links = {
        inspection_target_certificate: sum(len(t.certificates) for t in targets),
        inspection_target_inspector: 2 * len(targets),
        inspection_inspector: 2 * len(targets),
    }
    for table, count in links.items():
        versions = table.metadata.tables[f"{table.name}_version"]
        key = versions.c[list(table.columns)[0].name]
        rows = db.session.execute(select(versions).where(
            key.in_(target_ids if key.name == "target_id" else inspection_ids))).all()
        assert len(rows) == count == db.session.scalar(
            select(func.count()).select_from(table).where(
                table.c[key.name].in_(target_ids if key.name == "target_id"
                                      else inspection_ids)))
        assert {(r.transaction_id, r.operation_type) for r in rows} == {(draw_tx, 0)}
    # the audit log lists what the draw's transaction changed
    changes = next(p.model_class for p in versioning_manager.plugins
                   if getattr(p, "model_class", None))
    assert {"InspectionPlan", "InspectionTarget", "Inspection"} <= set(db.session.scalars(
        select(changes.entity_name).where(changes.transaction_id == draw_tx)))
    # the inspection's relations read back as the draw made them
    for target in targets:
        assert [u.id for u in target.inspection.inspectors] == [u.id for u in target.inspectors]


def test_first_opening_lays_the_checklist_out_once(app_ctx, client_as, api_as):
    plan, officers = _drawn_plan()
    item = plan.targets[0].inspection
    pk = item.id
    client = client_as(officers[1].username)
    assert client.get(f"/inspectionview/show/{pk}").status_code == 200
    first = _stored(pk)
    assert first == _paper(item)
    ids = db.session.scalars(select(InspectionAnswer.id).where(
        InspectionAnswer.inspection_id == pk).order_by(InspectionAnswer.seq)).all()
    # opened again (show, edit, the API): nothing more is stored, the same rows are read
    assert client.get(f"/inspectionview/show/{pk}").status_code == 200
    assert client.get(f"/inspectionview/edit/{pk}").status_code == 200
    api, headers = api_as(officers[2].username)
    shown = api.get(f"/api/v1/inspection/{pk}", headers=headers).get_json()["result"]
    assert [a["id"] for a in shown["answers"]] == ids
    assert [a["point_code"] for a in shown["answers"]] == [c for _n, c in _paper(item)]
    assert _stored(pk) == first
    # the page lists the points to answer, in order
    page = client.get(f"/inspectionview/show/{pk}").get_data(as_text=True)
    positions = [page.find(p.content) for p in item.checklist.checklist.points]
    assert -1 not in positions and positions == sorted(positions)
    # the layout is in the audit trail, by the officer who opened it
    answer_v = version_class(InspectionAnswer)
    tx = versioning_manager.transaction_cls
    users = set(db.session.scalars(select(tx.user_id).join(
        answer_v, answer_v.transaction_id == tx.id).where(answer_v.inspection_id == pk)))
    assert users == {officers[1].id}


def test_a_read_only_reader_stores_nothing(app_ctx, client_as, api_as):
    """The auditor (read-only, province-wide) sees every point of a drawn inspection, unsaved:
    reading is not recording, and the audit trail does not name a reader as the one who laid
    the checklist out."""
    plan, _officers = _drawn_plan()
    item = plan.targets[0].inspection
    pk = item.id
    auditor = client_as("auditor")
    page = auditor.get(f"/inspectionview/show/{pk}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    positions = [text.find(p.content) for p in item.checklist.checklist.points]
    assert -1 not in positions and positions == sorted(positions)
    sheet = auditor.get(f"/reports/inspection/{pk}?format=xlsx")
    assert sheet.status_code == 200
    cells = " ".join(str(v) for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(
        values_only=True) for v in row if v is not None)
    assert all(p.content[:20] in cells for p in item.checklist.checklist.points)
    api, headers = api_as("auditor")
    shown = api.get(f"/api/v1/inspection/{pk}", headers=headers).get_json()["result"]
    assert [a["point_code"] for a in shown["answers"]] == [c for _n, c in _paper(item)]
    assert all(a["id"] is None for a in shown["answers"])
    assert _stored(pk) == []


def test_the_api_lays_out_a_checklist_opened_there_first(app_ctx, api_as):
    plan, officers = _drawn_plan()
    item = plan.targets[-1].inspection
    api, headers = api_as(officers[0].username)
    shown = api.get(f"/api/v1/inspection/{item.id}", headers=headers).get_json()["result"]
    assert all(a["id"] is not None for a in shown["answers"])
    assert _stored(item.id) == _paper(item)
    other, other_headers = api_as("pudong")
    assert other.get(f"/api/v1/inspection/{item.id}", headers=other_headers).status_code == 404


def test_two_officers_opening_at_once_lay_out_one_answer_per_point(app, app_ctx, client_as):
    plan, officers = _drawn_plan()
    pks = [t.inspection.id for t in plan.targets]
    clients = [client_as(officers[1].username), client_as(officers[2].username)]
    for pk in pks:
        barrier = threading.Barrier(len(clients))

        def open_page(client, pk=pk, barrier=barrier):
            barrier.wait()
            return client.get(f"/inspectionview/show/{pk}").status_code

        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            statuses = list(pool.map(open_page, clients))
        assert statuses == [200, 200]
        item = db.session.get(Inspection, pk)
        assert _stored(pk) == _paper(item)  # each point once, in the paper's order
