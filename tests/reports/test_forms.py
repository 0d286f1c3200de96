"""CCC免办便捷通道申请表 (seed 000 附件2): one filled form rendered to PDF and .xlsx and
read back field by field, as a user would.

Pure tests: no Flask app or database. The PDF is read with pdfplumber (page text, the
form table's cells, fonts, page size), the workbook with openpyxl and pandas. Every
render goes through ``_quietly``, which fails on xhtml2pdf or font warnings (a glyph
the embedded font lacks is dropped from the PDF with only a warning).
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re

import openpyxl
import pandas as pd
import pdfplumber
import pytest

from app.reports.engine import MIMETYPES, PDF_FONT, ensure_font
from app.reports.forms import (
    BUSINESS_CATEGORIES,
    CLAUSES,
    COVER_NOTES,
    ECONOMIC_NATURES,
    SELF_COMMITMENT_TEXT,
    TICKED,
    UNTICKED,
    FastTrackForm,
    ProductListRow,
    render_fast_track_form,
    render_fast_track_form_pdf,
    render_fast_track_form_xlsx,
)

UNIT = "上海浦江精密仪器有限公司"
USCC = "91310101MA1FL1NL8D"
REGISTERED = "上海市黄浦区中山南路1088号12楼1203室"
BUSINESS = "上海市徐汇区漕河泾开发区宜山路1388号3号楼"
CATEGORIES = ["生产加工", "科研测试"]
NATURE = "民营"
CONTACTS = (  # label, name, phone
    ("法定代表人", "陈建国", "13812345678"),
    ("CCC免办部门负责人", "刘晓敏", "021-64220000"),
    ("CCC免办经办人", "王磊", "13987654321"),
)
TICKED_CLAUSES = [CLAUSES[0], CLAUSES[2]]
PAST = [
    ProductListRow("微型计算机（0901）", "科研测试", 100, "重庆", "使用、销毁"),
    ProductListRow("便携式计算机（0902）", "生产线配套", 12, "上海洋山港", "使用、退运"),
]
EXPECTED = [
    ProductListRow("微型计算机（0901）", "科研测试", 80, "上海", "使用"),
    ProductListRow("服务器（0905）", "研发测试", 6, "上海浦东机场", "使用、出口"),
    ProductListRow("电源适配器（0907）", "产线配套", 30, "上海外高桥", "使用、销毁"),
]
OPINION = "经现场核查，该单位CCC免办产品追溯制度健全，近两年申报记录完整，同意推荐开通CCC免办便捷通道。"
REMARKS = "随附EXCEL清单一份；联系人变更时另行报备。"
PRODUCT_HEADERS = ["产品小类及其代码", "用途", "批次（年均）", "入境口岸",
                   "产品入关后的处理方式（如：使用、出口、退运、销毁等）"]


def _form(**changes) -> FastTrackForm:
    values = dict(
        unit_name=UNIT, uscc=USCC, registered_address=REGISTERED, business_address=BUSINESS,
        business_categories=list(CATEGORIES), economic_nature=NATURE,
        legal_representative=CONTACTS[0][1], legal_representative_phone=CONTACTS[0][2],
        department_head=CONTACTS[1][1], department_head_phone=CONTACTS[1][2],
        handler=CONTACTS[2][1], handler_phone=CONTACTS[2][2],
        clauses=list(TICKED_CLAUSES), past_products=list(PAST),
        expected_products=list(EXPECTED), self_commitment=True,
        applied_on=dt.date(2026, 11, 23), district_opinion=OPINION,
        district_opinion_date=dt.date(2026, 12, 1), remarks=REMARKS,
    )
    values.update(changes)
    return FastTrackForm(**values)


def _empty_form() -> FastTrackForm:
    return _form(past_products=[], expected_products=[], applied_on=None,
                 district_opinion=None, district_opinion_date=None, remarks=None,
                 business_categories=[], economic_nature=None, clauses=[],
                 self_commitment=False)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _problems(render, form) -> tuple[bytes, list[str]]:
    """Render, returning the content and the xhtml2pdf/font warnings logged meanwhile
    (the engine tests' rule, usable from module-scoped fixtures)."""
    root = logging.getLogger()
    handler, level = _Collect(), root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        content = render(form)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    return content, [r.getMessage() for r in handler.records
                     if r.name.startswith("xhtml2pdf") or "font" in r.getMessage().lower()]


def _quietly(render, form) -> bytes:
    content, problems = _problems(render, form)
    assert not problems
    return content


def _norm(text: str) -> str:
    """Whitespace runs (line breaks included) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def _squash(text: str) -> str:
    """No whitespace at all: for values that wrap over lines."""
    return re.sub(r"\s+", "", text)


def _marks(labels, ticked) -> list[str]:
    return [f"{TICKED if label in ticked else UNTICKED}{label}" for label in labels]


@pytest.fixture(scope="module")
def pdf_bytes():
    return _quietly(render_fast_track_form_pdf, _form())


@pytest.fixture(scope="module")
def pdf_pages(pdf_bytes):
    """Per page: (width, height, normalised text, squashed text, table rows, chars)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            text = page.extract_text()
            rows = [[_squash(cell) if cell is not None else None for cell in row]
                    for table in page.extract_tables() for row in table]
            pages.append((page.width, page.height, _norm(text), _squash(text), rows,
                          list(page.chars)))
    return pages


@pytest.fixture(scope="module")
def form_text(pdf_pages):
    """The form pages' text (page 2 on), normalised and squashed."""
    return (" ".join(p[2] for p in pdf_pages[1:]), "".join(p[3] for p in pdf_pages[1:]))


@pytest.fixture(scope="module")
def form_rows(pdf_pages):
    """The form table's rows, the cells of spans (None) dropped."""
    return [[c for c in row if c is not None] for p in pdf_pages[1:] for row in p[4]]


@pytest.fixture(scope="module")
def xlsx_bytes():
    return _quietly(render_fast_track_form_xlsx, _form())


@pytest.fixture(scope="module")
def sheet(xlsx_bytes):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes))["便捷通道申请表"]


def _xlsx_rows(ws) -> list[list[object]]:
    """Non-empty cell values of each row (merged spans leave None)."""
    return [[c.value for c in row if c.value is not None] for row in ws.iter_rows()]


def _find(rows, first) -> list[object]:
    matches = [row for row in rows if row and row[0] == first]
    assert len(matches) == 1, (first, matches)
    return matches[0]


# --------------------------------------------------------------------------- font


def test_checkbox_marks_are_in_the_embedded_font():
    # ☑/☐ are not in WenQuanYi Micro Hei, so the form prints ■/□; whatever the marks
    # are, the font must draw them or they vanish from the PDF.
    from reportlab.pdfbase import pdfmetrics

    ensure_font()
    glyphs = pdfmetrics.getFont(PDF_FONT).face.charToGlyph
    for mark in (TICKED, UNTICKED):
        assert ord(mark) in glyphs, mark


def test_warning_check_catches_a_missing_glyph():
    """The rule every render here is held to does fire on a dropped character."""
    _, problems = _problems(render_fast_track_form_pdf, _form(remarks="☑"))
    assert problems


# --------------------------------------------------------------------------- PDF


def test_pdf_pages_are_a4_portrait_with_embedded_font(pdf_pages):
    assert len(pdf_pages) >= 2
    for number, (width, height, _text, squashed, _, chars) in enumerate(pdf_pages, start=1):
        assert abs(width - 595) <= 2 and abs(height - 842) <= 2
        assert f"第{number}页" in squashed
        cjk = [c for c in chars if "\u4e00" <= c["text"] <= "\u9fff"]
        assert cjk
        # A subset prefix ("ABCDEF+Name") only appears on embedded fonts.
        assert all("+" in c["fontname"] for c in cjk), {c["fontname"] for c in cjk}
        digits = [c for c in chars if c["text"].isdigit()]
        assert all("+" in c["fontname"] for c in digits)


def test_pdf_cover_page(pdf_pages):
    _, _, text, squashed, _, _ = pdf_pages[0]
    assert text.startswith("附件2 ")
    assert "CCC免办便捷通道申请表" in text
    assert f"单位名称：{UNIT}" in squashed
    assert "申请日期：2026年11月23日" in squashed
    assert "填表须知" in text
    assert "1. 用黑色或蓝黑色钢笔填写或打印填写，文字工整、清楚。" in text
    assert "一份自留存档；两份至区县市场监管局" in squashed
    assert "（一）法人或其他组织主体资格证明材料复印件（能够在线查询的无需提供）；" in squashed
    assert ("2年内CCC免办产品申请、使用和后续管理情况）；" in squashed)
    assert "上述申请材料均需加盖公章。" in text
    # The form itself starts on the next page.
    assert "统一社会信用代码" not in squashed


def test_pdf_unit_fields(form_text, form_rows):
    text, _ = form_text
    assert text.startswith("CCC免办便捷通道申请表 ")
    for label, value in (("单位名称", UNIT), ("统一社会信用代码", USCC),
                         ("注册地址", REGISTERED), ("经营地址", BUSINESS)):
        assert f"{label} {value}" in text
        assert _find(form_rows, label) == [label, value]


def test_pdf_checkbox_rows(form_text, form_rows):
    text, squashed = form_text
    categories = _marks(BUSINESS_CATEGORIES, CATEGORIES)
    assert categories[:4] == ["■生产加工", "■科研测试", "□维修", "□维修代理"]
    assert "主要经营范围 " + " ".join(categories) in text
    assert _find(form_rows, "主要经营范围") == ["主要经营范围", "".join(categories)]

    natures = _marks(ECONOMIC_NATURES, [NATURE])
    assert natures[1] == f"{TICKED}民营" and natures[0] == f"{UNTICKED}国有"
    assert "单位经济性质 " + " ".join(natures) in text
    assert _find(form_rows, "单位经济性质") == ["单位经济性质", "".join(natures)]

    clauses = _marks(CLAUSES, TICKED_CLAUSES)
    assert [c[0] for c in clauses] == [TICKED, UNTICKED, TICKED, UNTICKED, UNTICKED]
    for clause in clauses:  # one per line
        assert clause in text
    assert _find(form_rows, "申请免办条款") == ["申请免办条款", "".join(clauses)]


def test_pdf_contacts(form_text, form_rows):
    text, _ = form_text
    for label, name, phone in CONTACTS:
        assert f"{label} {name} 电话/手机 {phone}" in text
        assert _find(form_rows, label) == [label, name, "电话/手机", phone]


def test_pdf_product_lists_and_totals(form_text, form_rows):
    text, squashed = form_text
    assert "过去两年CCC免办产品清单（可参照下表另附EXCEL清单）" in text
    assert "预计CCC免办产品清单（可参照下表另附EXCEL清单）" in text
    headers = [r for r in form_rows if r and r[0] == "产品小类及其代码"]
    assert headers == [PRODUCT_HEADERS, PRODUCT_HEADERS]
    table_rows = [tuple(r) for r in form_rows if len(r) == 5 and r != PRODUCT_HEADERS]
    expected = [(p.category, p.purpose, str(p.batches), p.port, p.handling)
                for p in PAST + EXPECTED]
    assert table_rows == expected  # both lists, in order, nothing else
    for row in expected:
        assert " ".join(row) in text
    assert "合计年申报批次 112" in text
    assert "预计年申报批次合计 116" in text
    assert _find(form_rows, "合计年申报批次") == ["合计年申报批次", "112"]
    assert _find(form_rows, "预计年申报批次合计") == ["预计年申报批次合计", "116"]
    # Order on the form: past list, its total, expected list, its total.
    order = [squashed.index(s) for s in ("过去两年CCC免办产品清单", "合计年申报批次112",
                                         "预计CCC免办产品清单", "预计年申报批次合计116")]
    assert order == sorted(order)


def test_pdf_commitment_opinion_remarks(form_text, form_rows):
    _, squashed = form_text
    # The vertically centred label lands amid the paragraph's lines in page text.
    assert _squash(SELF_COMMITMENT_TEXT) in squashed.replace("自我承诺", "")
    commitment = _find(form_rows, "自我承诺")[1]
    assert commitment.startswith(_squash(SELF_COMMITMENT_TEXT))
    assert f"{TICKED}本单位已确认上述承诺" in commitment
    assert commitment.endswith("盖章年月日")  # the stamp date is left to write by hand

    opinion = _find(form_rows, "区县市场监管部门意见")[1]
    assert opinion == _squash(OPINION) + "盖章2026年12月1日"
    assert _find(form_rows, "备注") == ["备注", REMARKS]
    assert squashed.index("自我承诺") < squashed.index("区县市场监管部门意见") \
        < squashed.index("备注")


def test_pdf_escapes_markup_in_values():
    form = _form(unit_name="<b>浦江</b> & 仪器", remarks="<pdf:nextpage/>备注 & <i>x</i>")
    content = _quietly(render_fast_track_form_pdf, form)
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) == 2
        cover = _squash(pdf.pages[0].extract_text())
        body = _squash(pdf.pages[1].extract_text())
    assert "单位名称：<b>浦江</b>&仪器" in cover
    assert "<pdf:nextpage/>备注&<i>x</i>" in body


def test_pdf_long_product_lists_span_pages():
    many = [ProductListRow(f"微型计算机（09{i:02d}）", "科研测试", i + 1, "上海", "使用、销毁")
            for i in range(40)]
    content = _quietly(render_fast_track_form_pdf, _form(expected_products=many))
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) >= 3
        texts = [_norm(p.extract_text()) for p in pdf.pages]
    joined = " ".join(texts[1:])
    for row in many:
        assert f"{row.category} 科研测试 {row.batches} 上海 使用、销毁" in joined
    assert f"预计年申报批次合计 {sum(range(1, 41))}" in joined
    assert "备注 " + REMARKS in texts[-1]
    for number, text in enumerate(texts, start=1):
        assert text.endswith(f"第 {number} 页 共 {len(texts)} 页")


def test_pdf_empty_lists_and_missing_dates():
    content = _quietly(render_fast_track_form_pdf, _empty_form())
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) == 2
        cover = _norm(pdf.pages[0].extract_text())
        page = pdf.pages[1]
        text = _norm(page.extract_text())
        rows = [[_squash(c) if c is not None else None for c in row]
                for t in page.extract_tables() for row in t]
    assert re.search(r"申请日期： 年 月 日", cover)
    assert "2026" not in cover
    for label in ("主要经营范围", "单位经济性质", "申请免办条款"):
        assert TICKED not in next(r for r in rows if r[0] == label)[1]
    # Each list: header, one empty row, total 0.
    for header_at in [i for i, r in enumerate(rows) if r[0] == "产品小类及其代码"]:
        assert rows[header_at + 1] == ["", "", "", "", ""]
        assert rows[header_at + 2][:2] in (["合计年申报批次", "0"], ["预计年申报批次合计", "0"])
    assert f"{UNTICKED}本单位已确认上述承诺" in text
    assert re.search(r"区县市场监管部门意见 盖章 年 月 日 备注$", text.removesuffix(" 第 2 页 共 2 页"))


def test_unknown_checkbox_label_is_refused():
    with pytest.raises(ValueError):
        render_fast_track_form_pdf(_form(business_categories=["批发"]))
    with pytest.raises(ValueError):
        render_fast_track_form_xlsx(_form(economic_nature="外资"))
    with pytest.raises(ValueError):
        render_fast_track_form_xlsx(_form(clauses=["仅用于商业展示"]))


# --------------------------------------------------------------------------- XLSX


def _form_top(rows) -> int:
    """Index of the form's own title row (after the cover page)."""
    return [i for i, r in enumerate(rows) if r == ["CCC免办便捷通道申请表"]][-1]


def test_xlsx_has_the_cover_page_and_its_notes(sheet):
    rows = _xlsx_rows(sheet)
    top = _form_top(rows)
    cover = rows[:top]
    assert cover[0] == ["附件2"] and ["CCC免办便捷通道申请表"] in cover
    assert ["单位名称：", UNIT] in cover and ["申请日期：", "2026年11月23日"] in cover
    assert ["填表须知"] in cover
    for note in COVER_NOTES:
        assert [note] in cover
    # the form starts on a new page, the footer counts pages
    assert [b.id for b in sheet.row_breaks.brk] == [top]
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_xlsx_fields(sheet):
    rows = _xlsx_rows(sheet)
    top = _form_top(rows)
    assert rows[top + 1] == ["申请日期：2026年11月23日"]
    for label, value in (("单位名称", UNIT), ("统一社会信用代码", USCC),
                         ("注册地址", REGISTERED), ("经营地址", BUSINESS)):
        assert _find(rows, label) == [label, value]
    assert _find(rows, "主要经营范围") == [
        "主要经营范围", "  ".join(_marks(BUSINESS_CATEGORIES, CATEGORIES))]
    assert _find(rows, "单位经济性质") == [
        "单位经济性质", "  ".join(_marks(ECONOMIC_NATURES, [NATURE]))]
    assert _find(rows, "申请免办条款") == [
        "申请免办条款", "\n".join(_marks(CLAUSES, TICKED_CLAUSES))]
    for label, name, phone in CONTACTS:
        assert _find(rows, label) == [label, name, "电话/手机", phone]

    headers = [i for i, r in enumerate(rows) if r == PRODUCT_HEADERS]
    assert len(headers) == 2
    assert rows[headers[0] - 1] == ["过去两年CCC免办产品清单（可参照下表另附EXCEL清单）"]
    assert rows[headers[1] - 1] == ["预计CCC免办产品清单（可参照下表另附EXCEL清单）"]
    past = rows[headers[0] + 1:headers[0] + 1 + len(PAST)]
    expected = rows[headers[1] + 1:headers[1] + 1 + len(EXPECTED)]
    assert past == [[p.category, p.purpose, p.batches, p.port, p.handling] for p in PAST]
    assert expected == [[p.category, p.purpose, p.batches, p.port, p.handling]
                        for p in EXPECTED]
    assert rows[headers[0] + 1 + len(PAST)] == ["合计年申报批次", 112]
    assert rows[headers[1] + 1 + len(EXPECTED)] == ["预计年申报批次合计", 116]

    commitment = _find(rows, "自我承诺")
    assert commitment[1].startswith(SELF_COMMITMENT_TEXT)
    assert commitment[1].endswith(f"{TICKED}本单位已确认上述承诺")
    at = rows.index(commitment)
    assert rows[at + 1][0].startswith("盖章")
    opinion = _find(rows, "区县市场监管部门意见")
    assert opinion[1] == OPINION
    assert rows[rows.index(opinion) + 1] == ["盖章\n2026年12月1日"]
    assert _find(rows, "备注") == ["备注", REMARKS]


def test_xlsx_text_stays_text(xlsx_bytes, sheet):
    frame = pd.read_excel(io.BytesIO(xlsx_bytes), header=None, dtype=str)
    values = set(frame.stack())
    assert {USCC, "13812345678", "021-64220000", "13987654321"} <= values
    by_value = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    for value in (USCC, "13812345678", "021-64220000", "13987654321"):
        assert by_value[value].data_type == "s", value


def test_xlsx_styling_and_print_setup(sheet):
    merged = {str(r) for r in sheet.merged_cells.ranges}
    top = _form_top(_xlsx_rows(sheet)) + 1
    assert f"A{top}:E{top}" in merged and f"A{top + 1}:E{top + 1}" in merged
    assert sheet[f"A{top}"].font.b and sheet[f"A{top}"].font.sz > 12
    unit_row = next(r for r in sheet.iter_rows() if r[0].value == "单位名称")[0].row
    assert f"B{unit_row}:E{unit_row}" in merged
    label = sheet.cell(row=unit_row, column=1)
    assert label.fill.fgColor.rgb.endswith("E8E8E8")
    assert label.border.left.style == "thin"

    header_row = next(r for r in sheet.iter_rows() if r[0].value == "产品小类及其代码")[0].row
    for col in range(1, 6):
        cell = sheet.cell(row=header_row, column=col)
        assert cell.font.b and cell.alignment.wrap_text, col
        assert cell.border.top.style == "thin" and cell.border.bottom.style == "thin"
    data_cell = sheet.cell(row=header_row + 1, column=5)
    assert data_cell.value == PAST[0].handling
    for side in ("left", "right", "top", "bottom"):
        assert getattr(data_cell.border, side).style == "thin", side
    assert data_cell.alignment.wrap_text

    assert sheet.column_dimensions["A"].width >= 2 * len("产品小类及其代码")
    assert sheet.column_dimensions["E"].width >= 30
    assert sheet.page_setup.orientation == "portrait"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1


def test_xlsx_empty_lists_and_missing_dates():
    content = _quietly(render_fast_track_form_xlsx, _empty_form())
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = _xlsx_rows(ws)
    date_row = rows[_form_top(rows) + 1]
    assert date_row[0].startswith("申请日期：") and "年" in date_row[0]
    assert not re.search(r"\d", date_row[0])
    headers = [i for i, r in enumerate(rows) if r == PRODUCT_HEADERS]
    for at, total in zip(headers, ("合计年申报批次", "预计年申报批次合计")):
        assert rows[at + 1] == []  # one empty row
        assert rows[at + 2] == [total, 0]
    assert _find(rows, "备注") == ["备注"]
    assert TICKED not in _find(rows, "主要经营范围")[1]


def test_xlsx_formula_like_text_stays_text():
    content = _quietly(render_fast_track_form_xlsx, _form(remarks='=HYPERLINK("http://x")'))
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    cell = next(c for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert cell.data_type == "s"


# --------------------------------------------------------------------------- dispatch


def test_render_dispatch():
    content, mimetype, filename = render_fast_track_form(_form(), "pdf")
    assert content.startswith(b"%PDF")
    assert mimetype == MIMETYPES["pdf"] and filename == "fast_track_application.pdf"
    content, mimetype, filename = render_fast_track_form(_form(), "xlsx")
    assert content[:2] == b"PK"
    assert mimetype == MIMETYPES["xlsx"] and filename == "fast_track_application.xlsx"


def test_render_rejects_unknown_format():
    with pytest.raises(ValueError):
        render_fast_track_form(_form(), "doc")
