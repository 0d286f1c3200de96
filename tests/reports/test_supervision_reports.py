"""The supervision outputs against the seed: both checklists (附件1, 附件2) word for word — every
检查项目 / 检查内容 / 检查要点 read back from the PDF (column by column) and from the .xlsx cells,
compared with the text of seed 002 itself (kept in tests/data) — filled from the records; the
抽查名单, the 协查函 and the province summary."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from app.domain.checklists import CHECKLISTS, FAST_TRACK
from app.enums import Answer, RemoteUseType
from app.extensions import db
from app.models import RemoteUse
from app.reports.supervision import (
    _MARGIN_X,
    PART_ONE_COLS,
    PART_TWO_COLS,
    SUMMARY,
    blank_sheet,
    inspection_sheet,
    letter_text,
    render_checklist_pdf,
    render_checklist_xlsx,
    render_letter,
    summary_data,
)
from app.services.supervision import progress
from tests import factories

SEED = (Path(__file__).resolve().parent.parent / "data" / "seed_002_guideline.txt").read_text(
    encoding="utf-8")
ANNEXES = {"general": (" 附件1\n", "附件2\n\n便捷"), "fast_track": ("附件2\n\n便捷", None)}


def seed_points(code: str) -> list[tuple[str, str, str, str]]:
    """(序号, 检查项目, 检查内容, 检查要点) of each row of the seed's part 二, as printed."""
    start, end = ANNEXES[code]
    section = SEED[SEED.index(start):SEED.index(end) if end else len(SEED)]
    head = "检查结论\n（是否符合要求）"
    body = section[section.index(head) + len(head):section.index("其他检查\n发现的情况")]
    cells = [c.replace("[bookmark: _GoBack]", "").strip() for c in body.split("\n\t")][1:]
    rows, item_no, item = [], "", ""
    for i in range(0, len(cells) - 5, 6):
        no, it, content, key_points, _description, boxes = cells[i:i + 6]
        assert boxes == "□是  □否"
        item_no, item = (no, it) if no else (item_no, item)
        rows.append((item_no, item, content, key_points))
    return rows


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("code", ["general", "fast_track"])
def test_the_declaration_is_the_seed_word_for_word(code):
    declared = [(str(p.item_no), p.item, p.content, p.key_points) for p in CHECKLISTS[code].points]
    assert declared == seed_points(code)
    assert len(declared) == {"general": 6, "fast_track": 10}[code]


def _column_text(pdf_bytes: bytes, col: int) -> str:
    x0 = _MARGIN_X + sum(PART_TWO_COLS[:col]) + 1
    x1 = x0 + PART_TWO_COLS[col] - 2
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return "".join(squeeze(page.crop((x0, 0, x1, page.height)).extract_text() or "")
                       for page in pdf.pages)


@pytest.mark.parametrize("code", ["general", "fast_track"])
def test_blank_checklist_pdf_reads_back_point_by_point(code):
    checklist = CHECKLISTS[code]
    pdf = render_checklist_pdf(blank_sheet(code))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        whole = squeeze("".join(p.extract_text() or "" for p in doc.pages))
        fonts = {c["fontname"] for p in doc.pages for c in p.chars if re.match(r"[\u4e00-\u9fff]", c["text"])}
    assert whole.startswith(checklist.annex) and squeeze(checklist.title) in whole
    assert all("+" in f for f in fonts)  # the CJK font is embedded (as a subset)
    items, contents, key_points = (_column_text(pdf, 1), _column_text(pdf, 2), _column_text(pdf, 3))
    position = {"content": 0, "key": 0}
    for _item_no, item, content, points in seed_points(code):
        assert squeeze(item) in items
        found = contents.find(squeeze(content), position["content"])
        assert found >= 0, content  # in the seed's order
        position["content"] = found
        found = key_points.find(squeeze(points), position["key"])
        assert found >= 0, points
        position["key"] = found
    assert whole.count("□是□否") == len(checklist.points)
    labels = _columns_text(pdf, 0, 2)
    assert squeeze(checklist.confirmation_label) in labels
    assert squeeze("其他检查\n发现的情况") in labels


def _columns_text(pdf_bytes: bytes, first: int, last: int) -> str:
    x0 = _MARGIN_X + sum(PART_TWO_COLS[:first]) + 1
    x1 = _MARGIN_X + sum(PART_TWO_COLS[:last]) - 1
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return "".join(squeeze(page.crop((x0, 0, x1, page.height)).extract_text() or "")
                       for page in pdf.pages)


@pytest.mark.parametrize("code", ["general", "fast_track"])
def test_blank_checklist_xlsx_cells_are_the_seed_text(code):
    checklist = CHECKLISTS[code]
    ws = load_workbook(io.BytesIO(render_checklist_xlsx(blank_sheet(code)))).active
    assert ws["A1"].value == checklist.annex and ws["A2"].value == checklist.title
    rows = [tuple(ws.cell(row=r, column=c).value for c in range(1, 7))
            for r in range(1, ws.max_row + 1)]
    header = next(i for i, row in enumerate(rows) if row[0] == "序号")
    points = rows[header + 1:header + 1 + len(checklist.points)]
    expected = seed_points(code)
    item_no = item = None
    for row, (no, it, content, key_points) in zip(points, expected):
        item_no, item = (row[0], row[1]) if row[0] is not None else (item_no, item)
        assert (str(item_no), item, row[2], row[3]) == (no, it, content, key_points)
        assert row[5] == "□是  □否"


def test_filled_checklist_from_the_records(app_ctx):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(2)]
    unit = factories.fast_track_unit(bureau, certificates=3)
    older = factories.application(unit, products=1)
    factories.certificate(older, issued_on=dt.date(2019, 3, 31))  # before the national system
    db.session.commit()
    item = factories.adhoc_inspection(bureau, ent=unit, inspectors=officers,
                                      inspected_on=dt.date(2026, 11, 20),
                                      unit_opinion="对检查结果无异议", unit_confirmed_on=dt.date(2026, 11, 20))
    for a in item.answers:
        point = FAST_TRACK.point(a.point_code)
        a.answer = Answer[point.finding if a.point_code == "4-1" else point.compliant]
        a.description = "展品未退运" if a.point_code == "4-1" else None
    item.remote_uses.append(RemoteUse(batch="NT20260001", place="江苏省苏州市",
                                      use_type=RemoteUseType.repair, write_off_status="未核销"))
    db.session.commit()
    sheet = inspection_sheet(item)
    assert sheet.facts.certificates_since == 3  # the 2019-03-31 batch is not counted
    assert sheet.facts.account.startswith("BJTD")
    pdf = render_checklist_pdf(sheet)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        whole = squeeze("".join(p.extract_text() or "" for p in doc.pages))
    x0 = _MARGIN_X + PART_ONE_COLS[0] + 1  # part 一, the first value column
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        values = squeeze(doc.pages[0].crop((x0, 0, x0 + PART_ONE_COLS[1] - 2, 400)).extract_text())
    assert squeeze(unit.name) in values and unit.uscc in values
    assert "3批" in whole and whole.count("■是□否") + whole.count("□是■否") == 10
    assert "展品未退运" in whole and "江苏省苏州市" in whole and "直接维修" in whole
    assert "2026年11月20日" in whole and officers[0].get_full_name() in whole
    ws = load_workbook(io.BytesIO(render_checklist_xlsx(sheet))).active
    values = [ws.cell(row=r, column=c).value for r in range(1, ws.max_row + 1) for c in range(1, 7)]
    assert unit.name in values and "□是  ■否" in values and "■是  □否" in values


def test_letter_pdf_is_an_official_letter(app_ctx):
    bureau = factories.bureau("310101")
    letter = factories.letter(bureau, doc_no="黄市监协〔2026〕7号")
    letter.sent_on = dt.date(2026, 11, 23)
    db.session.commit()
    pdf, _mime = render_letter(letter_text(letter, 15), "pdf")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        whole = squeeze("".join(p.extract_text() or "" for p in doc.pages))
    for part in (bureau.name, "黄市监协〔2026〕7号", "关于协助核查CCC免办产品使用情况的函",
                 "苏州市市场监督管理局：", "15日内", "2026年11月23日", letter.matters):
        assert squeeze(part) in whole, part
    assert whole.rindex(squeeze(bureau.name)) > whole.index("特此函告")  # 落款 after the body


def test_province_summary_lists_every_district_and_a_total(app_ctx):
    rows = list(progress(None, 2026).values())
    assert len(rows) >= 16
    data = summary_data("上海市市场监督管理局", 2026, rows, dt.date(2026, 11, 23))
    assert data.rows[-1]["district"] == "合计"
    assert data.rows[-1]["drawn"] == sum(p.drawn for p in rows)
    # the 合计 row is the board's 小计 rule (one home): every count, and the plans as N个
    from app.services.supervision import PROGRESS_COUNTS, progress_subtotal

    total = progress_subtotal("合计", rows)
    assert {k: data.rows[-1][k] for k in PROGRESS_COUNTS} == \
        {k: getattr(total, k) for k in PROGRESS_COUNTS}
    assert data.rows[-1]["plan"] == total.plan_state == f"{sum(p.planned for p in rows)}个"
    from app.reports import render_xlsx

    ws = load_workbook(io.BytesIO(render_xlsx(SUMMARY, data))).active
    assert ws["A1"].value == SUMMARY.title
    assert [c.value for c in ws[3]][:3] == ["区局", "年度计划", "计划检查\n（家）"]
