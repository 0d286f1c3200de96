"""Supervision through the REST API and the report/file doors (DESIGN §5): a plan created, its
steps as POSTs (409 out of order, with the reason in Chinese), ``draw`` with a seed, ``verify``
answering ``{"same": true}``, the checklist answered and recorded, letters with ``reply_due``;
another district sees none of it, its reports or its files."""
from __future__ import annotations

import io

from app.extensions import db
from app.models import InspectionPlan
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B, has_chinese


def _huangpu_world():
    bureau = factories.bureau(DISTRICT_A)
    officers = [factories.supervisor(bureau) for _ in range(2)]
    unit = factories.fast_track_unit(bureau)
    db.session.commit()
    return bureau, officers, unit


def test_plan_draw_verify_over_the_api(app_ctx, api_as):
    bureau, officers, unit = _huangpu_world()
    client, headers = api_as("huangpu")
    year = factories.inspection_plan(bureau).year  # a free year (rolled back just below)
    db.session.rollback()
    bad = client.post("/api/v1/inspection_plan/", headers=headers, json={
        "bureau_id": bureau.id, "year": year, "ratio_percent": 0, "batches_per_unit": 2})
    assert bad.status_code == 422
    assert "抽查比例应大于0" in str(bad.get_json()["message"]["ratio_percent"])
    created = client.post("/api/v1/inspection_plan/", headers=headers, json={
        "bureau_id": bureau.id, "year": year, "ratio_percent": 12.5, "batches_per_unit": 2})
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    early = client.post(f"/api/v1/inspection_plan/{pk}/draw", headers=headers, json={})
    assert early.status_code == 409 and has_chinese(early.get_json()["message"])
    assert client.post(f"/api/v1/inspection_plan/{pk}/verify", headers=headers,
                       json={}).status_code == 409
    assert client.post(f"/api/v1/inspection_plan/{pk}/publish", headers=headers,
                       json={}).status_code == 200
    drawn = client.post(f"/api/v1/inspection_plan/{pk}/draw", headers=headers,
                        json={"seed": "api-seed-1"})
    assert drawn.status_code == 200, drawn.get_json()
    shown = client.get(f"/api/v1/inspection_plan/{pk}", headers=headers).get_json()["result"]
    assert shown["seed"] == "api-seed-1" and shown["state"] == "published"
    target = next(t for t in shown["targets"] if t["enterprise_id"] == unit.id)
    assert target["kind"] == "fast_track" and len(target["inspector_ids"]) == 2
    assert set(target["inspector_ids"]) <= {o.id for o in officers} | {
        u.id for u in db.session.get(InspectionPlan, pk).targets[0].inspectors}
    verified = client.post(f"/api/v1/inspection_plan/{pk}/verify", headers=headers, json={})
    assert verified.status_code == 200 and verified.get_json()["same"] is True
    again = client.post(f"/api/v1/inspection_plan/{pk}/draw", headers=headers, json={})
    assert again.status_code == 409 and "不能重抽" in again.get_json()["message"]
    unknown = client.post(f"/api/v1/inspection_plan/{pk}/draw", headers=headers,
                          json={"seed": "x", "size": 3})
    assert unknown.status_code == 422
    # the plan is frozen once published
    assert client.put(f"/api/v1/inspection_plan/{pk}", headers=headers,
                      json={"ratio_percent": 50}).status_code == 409

    # another district: not found, on every door
    other, other_headers = api_as("pudong")
    assert other.get(f"/api/v1/inspection_plan/{pk}", headers=other_headers).status_code == 404
    assert other.post(f"/api/v1/inspection_plan/{pk}/verify", headers=other_headers,
                      json={}).status_code == 404
    assert other.get(f"/reports/inspection_plan/{pk}?format=pdf",
                     headers=other_headers).status_code == 404
    inspection_id = target["inspection_id"]
    assert other.get(f"/api/v1/inspection/{inspection_id}",
                     headers=other_headers).status_code == 404
    assert other.get(f"/reports/inspection/{inspection_id}?format=pdf",
                     headers=other_headers).status_code == 404
    pdf = client.get(f"/reports/inspection_plan/{pk}?format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    xlsx = client.get(f"/reports/inspection_plan/{pk}?format=xlsx", headers=headers)
    assert xlsx.status_code == 200


def test_inspection_answered_and_recorded_over_the_api_with_evidence_kept_in_the_district(
        app_ctx, api_as):
    bureau, officers, unit = _huangpu_world()
    client, headers = api_as("huangpu")
    created = client.post("/api/v1/inspection/", headers=headers, json={
        "enterprise_id": unit.id, "origin": "complaint", "origin_remarks": "12315投诉转办",
        "checklist": "general", "method": "onsite", "inspected_on": "2026-01-05",
        "inspectors": [o.id for o in officers]})
    assert created.status_code == 422  # a fast-track unit is checked on 附件2
    assert "附件2" in str(created.get_json()["message"]["checklist"])
    created = client.post("/api/v1/inspection/", headers=headers, json={
        "enterprise_id": unit.id, "origin": "complaint", "origin_remarks": "12315投诉转办",
        "checklist": "fast_track", "method": "onsite", "inspected_on": "2026-01-05",
        "inspectors": [o.id for o in officers]})
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    shown = client.get(f"/api/v1/inspection/{pk}", headers=headers).get_json()["result"]
    assert shown["state"] == "pending" and shown["result"] is None
    assert [a["point_code"] for a in shown["answers"]][:2] == ["1-1", "1-2"]
    early = client.post(f"/api/v1/inspection/{pk}/order_correction", headers=headers,
                        json={"requirements": "整改"})
    assert early.status_code == 409 and "待检查" in early.get_json()["message"]
    incomplete = client.post(f"/api/v1/inspection/{pk}/record", headers=headers, json={})
    assert incomplete.status_code == 409 and "未填写检查结论" in str(incomplete.get_json())
    from app.domain.checklists import FAST_TRACK

    for a in shown["answers"]:
        answer = FAST_TRACK.point(a["point_code"]).compliant
        response = client.put(f"/api/v1/inspection_answer/{a['id']}", headers=headers,
                              json={"answer": answer, "description": "抽查3批，记录完整"})
        assert response.status_code == 200, response.get_json()
    first = shown["answers"][0]["id"]
    upload = client.post(f"/api/v1/inspection_answer/{first}/evidence", headers=headers,
                         data={"file": (io.BytesIO(factories.PNG), "信用截图.png")})
    assert upload.status_code == 201
    file_id = upload.get_json()["evidence"][0]["id"]
    recorded = client.post(f"/api/v1/inspection/{pk}/record", headers=headers, json={})
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["result"]["result"] == "pass"
    assert recorded.get_json()["state"] == "passed"
    late = client.put(f"/api/v1/inspection_answer/{first}", headers=headers,
                      json={"answer": "no"})
    assert late.status_code == 409
    assert client.post(f"/api/v1/inspection_answer/{first}/evidence", headers=headers,
                       data={"file": (io.BytesIO(factories.PNG), "x.png")}).status_code == 409
    assert client.get(f"/files/{file_id}", headers=headers).status_code == 200
    pdf = client.get(f"/reports/inspection/{pk}?format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    other, other_headers = api_as("pudong")
    assert other.get(f"/files/{file_id}", headers=other_headers).status_code == 404
    assert other.get(f"/api/v1/inspection_answer/{first}", headers=other_headers).status_code == 404
    assert other.put(f"/api/v1/inspection_answer/{first}", headers=other_headers,
                     json={"answer": "no"}).status_code == 404
    assert other.post(f"/api/v1/inspection/{pk}/open_case", headers=other_headers,
                      json={"case_no": "X"}).status_code == 404


def test_letters_over_the_api_with_reply_due_and_isolation(app_ctx, api_as):
    bureau = factories.bureau(DISTRICT_B)
    client, headers = api_as("pudong")
    created = client.post("/api/v1/assistance_letter/", headers=headers, json={
        "bureau_id": bureau.id, "direction": "outgoing", "counterpart": "苏州市市场监督管理局",
        "unit_name": "上海浦东某维修有限公司", "batches": "NT0001 便携式计算机 2台",
        "matters": "产品是否在苏州用于直接维修"})
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    assert client.post(f"/api/v1/assistance_letter/{pk}/record_reply", headers=headers, json={
        "replied_on": "2026-01-01", "result": "verified", "summary": "x"}).status_code == 409
    sent = client.post(f"/api/v1/assistance_letter/{pk}/send", headers=headers,
                       json={"doc_no": "浦市监协〔2026〕1号", "sent_on": "2026-03-01"})
    assert sent.status_code == 200, sent.get_json()
    shown = client.get(f"/api/v1/assistance_letter/{pk}", headers=headers).get_json()["result"]
    assert shown["sent_on"] == "2026-03-01" and shown["reply_due"] == "2026-03-16"
    assert shown["state"] == "sent"
    pdf = client.get(f"/reports/assistance_letter/{pk}?format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other, other_headers = api_as("huangpu")
    assert other.get(f"/api/v1/assistance_letter/{pk}", headers=other_headers).status_code == 404
    assert other.get(f"/reports/assistance_letter/{pk}?format=pdf",
                     headers=other_headers).status_code == 404
    into_other = other.post("/api/v1/assistance_letter/", headers=other_headers, json={
        "bureau_id": bureau.id, "direction": "outgoing", "counterpart": "x", "unit_name": "y",
        "batches": "z", "matters": "w"})
    assert into_other.status_code == 422 and "不在您的管辖范围内" in str(into_other.get_json())


def test_console_board_and_downloads(app_ctx, client_as):
    bureau, officers, unit = _huangpu_world()
    item = factories.adhoc_inspection(bureau, ent=unit, inspectors=officers)
    db.session.commit()
    console = client_as("huangpu")
    board = console.get("/supervisionboard/").get_data(as_text=True)
    assert "待检查" in board and unit.name in board and "浦东新区" not in board.split("年度进度")[1]
    for kind in ("general", "fast_track"):
        for fmt in ("pdf", "xlsx"):
            response = console.get(f"/reports/checklist/{kind}?format={fmt}")
            assert response.status_code == 200
    show = console.get(f"/inspectionview/show/{item.id}").get_data(as_text=True)
    assert "检查表（附件2）PDF" in show and "提交检查结论" in show
    assert client_as("pudong").get(f"/inspectionview/show/{item.id}").status_code == 404
    summary = client_as("auditor").get("/reports/supervision_summary/2026?format=xlsx")
    assert summary.status_code == 200
