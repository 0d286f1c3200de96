"""Gaps a review of issue 13 found untested: the 抽查名单 of a real draw read back from its PDF and
.xlsx (the six columns of the issue in order, one row per drawn unit, the seed and the 复核 verdict
printed); evidence files of letters, inspections and checklist points kept in their district on
every door (file URL, API) while the province admin reads them; the province board and summary
listing every one of Shanghai's 16 districts, those without a plan too."""
from __future__ import annotations

import io
import re

import pdfplumber
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.enums import BureauLevel
from app.extensions import db
from app.models import AssistanceLetter, Bureau, Enterprise, Inspection, InspectionPlan
from app.workflows import run_step
from app.workflows.supervision import InspectionPlanWorkflow as P
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

COLUMNS = ["序号", "单位名称", "统一社会信用代码", "类别", "抽取批次", "检查人员"]
SHANGHAI_DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
                      "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _drawn_plan(seed: str = "名单种子-2026"):
    """A real draw: 12 general units (⌈12 × 10%⌉ = 2 drawn), a fast-track unit and a key target
    (a single batch of large quantity), four officers holding 监管; then 复核."""
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(4)]
    for _ in range(12):
        factories.issued_unit(bureau, certificates=2)
    factories.fast_track_unit(bureau)
    factories.issued_unit(bureau, quantity=5000)
    plan = factories.inspection_plan(bureau, ratio="10", batches=2)
    db.session.commit()
    run_step(P, plan.id, "publish", officers[0])
    run_step(P, plan.id, "draw", officers[0], {"seed": seed})
    run_step(P, plan.id, "verify", officers[1])
    db.session.refresh(plan)
    assert plan.verified_same is True
    return plan


def _expected_rows(plan: InspectionPlan) -> list[list[str]]:
    return [[str(t.seq), t.enterprise.name, t.enterprise.uscc,
             t.kind.label + ("（便捷通道）" if t.kind.name == "key" and t.fast_track else ""),
             "\n".join(c.number for c in t.certificates),
             "、".join(u.get_full_name() for u in t.inspectors)]
            for t in sorted(plan.targets, key=lambda t: t.seq)]


def test_target_list_xlsx_and_pdf_carry_the_draw(app_ctx, client_as):
    plan = _drawn_plan()
    expected = _expected_rows(plan)
    assert len(expected) == 1 + 1 + 2
    assert {row[3] for row in expected} == {"重点", "便捷通道", "一般"}
    console = client_as("admin")

    response = console.get(f"/reports/inspection_plan/{plan.id}?format=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    cells = [[("" if c.value is None else str(c.value)) for c in row] for row in ws.iter_rows()]
    head = next(i for i, row in enumerate(cells) if row[:1] == ["序号"])
    assert cells[head][:6] == COLUMNS and not any(cells[head][6:])
    body = [row[:6] for row in cells[head + 1:head + 1 + len(expected)]]
    assert body == expected
    whole = "\n".join("".join(row) for row in cells)
    assert f"随机种子：{plan.seed}" in whole
    assert "结果与本名单一致" in whole and plan.verified_by in whole

    response = console.get(f"/reports/inspection_plan/{plan.id}?format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(response.data)) as doc:
        text = squeeze("".join(p.extract_text() or "" for p in doc.pages))
    at = text.index("序号")
    positions = [text.index(col, at) for col in COLUMNS]
    assert positions == sorted(positions), "the six columns, in the issue's order"
    usccs = [text.index(row[2], at) for row in expected]
    assert usccs == sorted(usccs), "one row per drawn unit, in 名单 order"
    for row in expected:
        for number in row[4].split("\n"):
            assert number in text
    assert squeeze(f"随机种子：{plan.seed}") in text
    assert "结果与本名单一致" in text


def test_target_list_says_when_not_yet_verified(app_ctx):
    from app.reports.supervision import target_list_data

    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(2)]
    factories.issued_unit(bureau)
    plan = factories.inspection_plan(bureau)
    db.session.commit()
    run_step(P, plan.id, "publish", officers[0])
    run_step(P, plan.id, "draw", officers[0], {"seed": "未复核的种子"})
    db.session.refresh(plan)
    decl, _data = target_list_data(plan, {})
    assert decl.footnotes[-1] == "3．随机种子：未复核的种子；复核：尚未复核。"


def _upload(client, headers, resource: str, pk: int, name: str) -> int:
    response = client.post(f"/api/v1/{resource}/{pk}/evidence", headers=headers,
                           data={"file": (io.BytesIO(factories.PNG), name)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["evidence"][-1]["id"]


def test_supervision_evidence_stays_in_its_district(app_ctx, api_as, client_as):
    """Files of a letter, of an inspection and of one of its checklist points: the other
    district's officer gets 404 on the file URL (session and token) and on the owning record;
    the province admin reads them all."""
    bureau = factories.bureau(DISTRICT_A)
    officers = [factories.supervisor(bureau) for _ in range(2)]
    unit = factories.issued_unit(bureau)
    db.session.commit()
    inspection = factories.adhoc_inspection(bureau, ent=unit, inspectors=officers)
    db.session.commit()
    client, headers = api_as("huangpu")
    letter = client.post("/api/v1/assistance_letter/", headers=headers, json={
        "bureau_id": bureau.id, "direction": "outgoing", "counterpart": "江苏省苏州市市场监督管理局",
        "unit_name": unit.name, "batches": "NT0001", "matters": "核实使用地"})
    assert letter.status_code == 201, letter.get_json()
    letter_id = letter.get_json()["id"]
    point_id = inspection.answers[0].id
    files = {
        ("assistance_letter", letter_id): _upload(client, headers, "assistance_letter", letter_id,
                                                   "来函扫描件.png"),
        ("inspection", inspection.id): _upload(client, headers, "inspection", inspection.id,
                                               "签章检查表.png"),
        ("inspection_answer", point_id): _upload(client, headers, "inspection_answer", point_id,
                                                 "现场照片.png"),
    }
    assert db.session.get(Bureau, bureau.id).division_code == DISTRICT_A
    other, other_headers = api_as("pudong")
    other_console = client_as("pudong")
    admin, admin_headers = api_as("admin")
    admin_console = client_as("admin")
    auditor, auditor_headers = api_as("auditor")
    for (resource, pk), file_id in files.items():
        assert client.get(f"/files/{file_id}", headers=headers).status_code == 200
        assert other.get(f"/files/{file_id}", headers=other_headers).status_code in (403, 404)
        assert other_console.get(f"/files/{file_id}").status_code in (403, 404)
        assert other.get(f"/api/v1/{resource}/{pk}", headers=other_headers).status_code == 404
        assert other.post(f"/api/v1/{resource}/{pk}/evidence", headers=other_headers,
                          data={"file": (io.BytesIO(factories.PNG), "x.png")}).status_code \
            in (403, 404)
        got = admin.get(f"/files/{file_id}", headers=admin_headers)
        assert got.status_code == 200 and got.data == factories.PNG
        assert admin_console.get(f"/files/{file_id}").status_code == 200
        shown = admin.get(f"/api/v1/{resource}/{pk}", headers=admin_headers)
        assert shown.status_code == 200
        assert file_id in [f["id"] for f in shown.get_json()["result"]["evidence"]]
        assert auditor.get(f"/files/{file_id}", headers=auditor_headers).status_code == 200
    # the other district's own letter list does not name the file's record either
    listed = other.get("/api/v1/assistance_letter/", headers=other_headers).get_json()
    assert letter_id not in listed["ids"]
    assert factories.bureau(DISTRICT_B).id != bureau.id


def test_province_board_and_summary_list_all_16_districts(app_ctx, client_as):
    year = clock.today().year
    districts = db.session.scalars(select(Bureau).where(
        Bureau.level == BureauLevel.county, Bureau.division_code.like("3101%"))).all()
    assert sorted(b.short_name for b in districts) == sorted(SHANGHAI_DISTRICTS)
    planned = set(db.session.scalars(select(InspectionPlan.bureau_id).where(
        InspectionPlan.year == year)))
    unplanned = [b for b in districts if b.id not in planned]
    # a district may have no plan yet still have ad-hoc inspections or letters (other tests'
    # records): only one with none of the three must show all zeros
    busy = planned | set(db.session.scalars(
        select(Enterprise.bureau_id).join(Inspection, Inspection.enterprise_id == Enterprise.id)))
    busy |= set(db.session.scalars(select(AssistanceLetter.bureau_id)))
    idle = [b for b in districts if b.id not in busy]

    admin = client_as("admin")
    board = admin.get(f"/supervisionboard/?year={year}").get_data(as_text=True)
    progress = board.split(f"{year}年度进度")[1]
    rows = re.findall(r"<tr[^>]*><td>(?:<strong>)?([^<]+)(?:</strong>)?</td><td>([^<]*)</td>",
                      progress)
    shown = dict(rows)
    for name in SHANGHAI_DISTRICTS:
        assert name in shown, name
    for b in unplanned:
        assert shown[b.short_name] == "未制定"

    response = admin.get(f"/reports/supervision_summary/{year}?format=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    by_name = {str(r[0]): r for r in ws.iter_rows(values_only=True) if r and r[0]}
    for name in SHANGHAI_DISTRICTS:
        assert name in by_name, name
    for b in unplanned:
        assert by_name[b.short_name][1] == "未制定"
    assert idle, "every district has supervision records: the zero rows are not checked"
    for b in idle:
        assert all(v in (0, None) for v in by_name[b.short_name][2:])
    assert "合计" in by_name
    # a district officer's summary is their own district only
    own = client_as("huangpu").get(f"/reports/supervision_summary/{year}?format=xlsx")
    names = {str(r[0]) for r in load_workbook(io.BytesIO(own.data)).active
             .iter_rows(values_only=True) if r and r[0]}
    assert "黄浦区" in names and "浦东新区" not in names
