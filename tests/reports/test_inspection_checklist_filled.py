"""A filled checklist of an inspection made by a draw, as downloaded: Part 一 counts the unit's
batches since 2019-04-01 and those written off (核销) from the records, and each point's tick
(是/否) as answered stands on its own row — in the PDF's 检查结论 column and the .xlsx cells."""
from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
from openpyxl import load_workbook
from sqlalchemy import select

from app import policy
from app.commands.checklists import LayOutChecklist
from app.enums import Answer, CertificateState
from app.extensions import db
from app.models import Application, Certificate, Inspection, InspectionPlan
from app.reports.supervision import _MARGIN_X, PART_ONE_COLS, PART_TWO_COLS
from app.workflows import run_step
from app.workflows.supervision import InspectionPlanWorkflow as P
from tests import factories

MARKS = {"yes": "■是□否", "no": "□是■否"}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _filled_inspection():
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(3)]
    unit = factories.issued_unit(bureau, certificates=3)
    certs = db.session.scalars(select(Certificate).join(Application).where(
        Application.enterprise_id == unit.id).order_by(Certificate.id)).all()
    for cert in certs[:2]:
        cert.state = CertificateState.written_off
    since = policy.CHECKLIST_COUNT_SINCE
    for day, state in ((since, CertificateState.written_off),  # counted: the first day
                       (since - dt.timedelta(days=1), CertificateState.written_off)):  # not
        factories.certificate(factories.application(unit, products=1), state=state,
                              issued_on=day)
    plan = factories.inspection_plan(bureau, ratio="100")
    db.session.commit()
    run_step(P, plan.id, "publish", officers[0])
    run_step(P, plan.id, "draw", officers[0])
    db.session.expire_all()
    item = db.session.get(InspectionPlan, plan.id).targets[0].inspection
    assert item.enterprise_id == unit.id and item.answers == []
    LayOutChecklist(item.id, user=officers[1]).execute()
    db.session.expire_all()
    item = db.session.get(Inspection, item.id)
    # a mix of 是 and 否 in the paper's order, described where it is a finding
    expected = []
    for n, a in enumerate(item.answers):
        a.answer = Answer.yes if n % 3 != 1 else Answer.no
        a.description = f"第{n + 1}点情况" if not a.point.complies(a.answer.name) else None
        expected.append(a.answer.name)
    item.inspected_on = dt.date(2026, 11, 20)
    db.session.commit()
    return bureau, item, expected


def test_filled_checklist_counts_batches_and_write_offs_and_ticks_each_point(app_ctx,
                                                                            api_as):
    bureau, item, expected = _filled_inspection()
    assert len(expected) == len(item.checklist.checklist.points) and set(expected) == {"yes", "no"}
    client, headers = api_as(item.inspectors[0].username)

    xlsx = client.get(f"/reports/inspection/{item.id}?format=xlsx", headers=headers)
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    cells = {(r, c): ws.cell(row=r, column=c).value for r in range(1, ws.max_row + 1)
             for c in range(1, 7)}
    where = {v: k for k, v in cells.items() if isinstance(v, str)}
    r, c = where["申报免办证明批次数"]
    assert str(cells[(r, c + 1)]).startswith("4批")  # 3 in the window + the one of 2019-04-01
    r, c = where["免办证明批次核销数量"]
    assert str(cells[(r, c + 1)]).startswith("3批")  # 2 + the one of 2019-04-01
    for point, answer in zip(item.checklist.checklist.points, expected):
        row = next(r for (r, c), v in cells.items() if c == 3 and v == point.content)
        assert _squeeze(cells[(row, 6)]) == MARKS[answer], point.code

    pdf = client.get(f"/reports/inspection/{item.id}?format=pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    x0 = _MARGIN_X + sum(PART_TWO_COLS[:5])
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        whole = _squeeze("".join(p.extract_text() or "" for p in doc.pages))
        column = "".join(_squeeze(p.crop((x0, 0, x0 + PART_TWO_COLS[5], p.height)).extract_text())
                         for p in doc.pages)
    assert item.enterprise.name[:8] in whole
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:  # part 一: labels 1st/3rd, values 2nd/4th
        page = doc.pages[0]
        labels = _squeeze(page.crop((_MARGIN_X, 0, _MARGIN_X + PART_ONE_COLS[0], 400))
                          .extract_text())
        left = _MARGIN_X + sum(PART_ONE_COLS[:2])
        labels += _squeeze(page.crop((left, 0, left + PART_ONE_COLS[2], 400)).extract_text())
        left = _MARGIN_X + PART_ONE_COLS[0]
        batches = _squeeze(page.crop((left, 0, left + PART_ONE_COLS[1], 400)).extract_text())
        left = _MARGIN_X + sum(PART_ONE_COLS[:3])
        written_off = _squeeze(page.crop((left, 0, left + sum(PART_ONE_COLS[3:]), 400))
                               .extract_text())
    assert "申报免办证明批次数" in labels and "免办证明批次核销数量" in labels
    assert re.findall(r"(\d+)批", batches) == ["4"]
    assert re.findall(r"(\d+)批", written_off) == ["3"]
    assert re.findall(r"[■□]是[■□]否", column) == [MARKS[a] for a in expected]
