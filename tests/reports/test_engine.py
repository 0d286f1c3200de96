"""Report engine: one declaration rendered to PDF and .xlsx, read back as a user would.

Pure tests: no Flask app or database. The PDF is read with pdfplumber (text, page size,
embedded font), the workbook with pandas and openpyxl (values as text, styling, print
setup). Speed is measured by bench/report_bench.py, not here.
"""
from __future__ import annotations

import io
import logging
import re

import openpyxl
import pandas as pd
import pdfplumber
import pytest

from app.reports import (
    MIMETYPES,
    Column,
    HeaderField,
    ReportData,
    ReportDeclaration,
    render,
    render_pdf,
    render_xlsx,
)

TITLE = "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表"
FOOTNOTE = "备注：当前账号功能填写：初审、复审、发证、监管、管理员。"

DECL = ReportDeclaration(
    code="ccc_account_users",
    title=TITLE,
    header_fields=(
        HeaderField("填报单位", "unit"),
        HeaderField("填报人", "filler"),
        HeaderField("所在部门", "dept"),
        HeaderField("填报日期", "date"),
    ),
    columns=(
        Column("bureau", "市场监管部门", 3.5),
        Column("name", "账号使用人\n姓  名", 1.8),
        Column("post", "所在部门及职务", 3.7),
        Column("account", "当前使用\n账号名称", 2.4),
        Column("roles", "当前使用\n账号功能", 2.1),
        Column("phone", "手机号", 2.1),
        Column("remark", "备注", 2.7, align="left"),
    ),
    footnotes=(FOOTNOTE,),
)
HEADERS = ["序号", "市场监管部门", "账号使用人\n姓  名", "所在部门及职务",
           "当前使用\n账号名称", "当前使用\n账号功能", "手机号", "备注"]
HEADER_VALUES = {
    "unit": "上海市黄浦区市场监管局",
    "filler": "王晓东",
    "dept": "认证认可监督管理科",
    "date": "2026年11月23日",
}
FIRST_ROW = {
    "bureau": "上海市黄浦区市场监督管理局",
    "name": "张丽华",
    "post": "产品质量监督科科长",
    "account": "hp_zhanglh",
    "roles": "初审、复审",
    "phone": "13812345678",
    "remark": None,
}


def _rows(count: int) -> list[dict[str, object]]:
    rows = [dict(FIRST_ROW)]
    for i in range(1, count):
        rows.append({
            "bureau": "上海市浦东新区市场监督管理局",
            "name": f"李{'明华强'[i % 3]}",
            "post": "执法稽查支队\n四级主任科员" if i % 7 == 0 else "综合科科员",
            "account": f"pd{i:04d}",
            "roles": "监管",
            "phone": f"139{i:08d}",
            "remark": "岗位调整" if i % 5 == 0 else "",
        })
    return rows


def _data(count: int = 3) -> ReportData:
    return ReportData(header=dict(HEADER_VALUES), rows=_rows(count))


def _squash(text: str) -> str:
    """Compare text without spaces and line breaks (cells wrap, headers have \\n)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdf_small():
    return render_pdf(DECL, _data(3))


@pytest.fixture(scope="module")
def pdf_long():
    return render_pdf(DECL, _data(300))


@pytest.fixture(scope="module")
def xlsx_small():
    return render_xlsx(DECL, _data(3))


# --------------------------------------------------------------------------- PDF


def _table_rows(page) -> list[list[str]]:
    """Cell texts of the page's bordered table(s), squashed."""
    return [[_squash(cell or "") for cell in row]
            for table in page.extract_tables() for row in table]


def test_pdf_content_and_page(pdf_small):
    with pdfplumber.open(io.BytesIO(pdf_small)) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        text = _squash(page.extract_text())
        rows = _table_rows(page)
        assert abs(page.width - 842) <= 2 and abs(page.height - 595) <= 2  # A4 landscape

    assert _squash(TITLE) in text
    for label, key in (("填报单位", "unit"), ("填报人", "filler"),
                       ("所在部门", "dept"), ("填报日期", "date")):
        assert f"{label}：{HEADER_VALUES[key]}" in text
    # Two-line header cells interleave in page text; compare them cell by cell.
    assert rows[0] == [_squash(h) for h in HEADERS]
    assert rows[1] == ["1", "上海市黄浦区市场监督管理局", "张丽华", "产品质量监督科科长",
                       "hp_zhanglh", "初审、复审", "13812345678", ""]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert _squash(FOOTNOTE) in text
    assert "第1页" in text


def test_pdf_embeds_cjk_font_subset(pdf_small):
    with pdfplumber.open(io.BytesIO(pdf_small)) as pdf:
        chars = pdf.pages[0].chars
    cjk = [c for c in chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert cjk
    # A subset prefix ("ABCDEF+Name") only appears on embedded fonts.
    assert all("+" in c["fontname"] for c in cjk), {c["fontname"] for c in cjk}
    digits = [c for c in chars if c["text"].isdigit()]
    assert digits and all("+" in c["fontname"] for c in digits)


def test_pdf_renders_without_font_warnings(caplog):
    with caplog.at_level(logging.WARNING):
        render_pdf(DECL, _data(5))
    problems = [r.getMessage() for r in caplog.records
                if r.name.startswith("xhtml2pdf") or "font" in r.getMessage().lower()]
    assert not problems


def test_pdf_long_table_repeats_header_on_every_page(pdf_long):
    with pdfplumber.open(io.BytesIO(pdf_long)) as pdf:
        texts = [_squash(p.extract_text()) for p in pdf.pages]
        tables = [_table_rows(p) for p in pdf.pages]
    assert len(texts) >= 3
    expected_header = [_squash(h) for h in HEADERS]
    for number, (text, rows) in enumerate(zip(texts, tables), start=1):
        assert rows[0] == expected_header, number
        assert f"第{number}页" in text
    # Every row exactly once, in order, across the pages.
    numbers = [row[0] for rows in tables for row in rows if row != expected_header]
    assert numbers == [str(i) for i in range(1, 301)]
    assert tables[-1][-1][6] == "13900000299"
    assert _squash(FOOTNOTE) in texts[-1]


def test_pdf_multiline_cell_and_escaping():
    data = _data(2)
    data.rows[1]["remark"] = "<b>第一行</b> & x\n第二行"
    with pdfplumber.open(io.BytesIO(render_pdf(DECL, data))) as pdf:
        text = _squash(pdf.pages[0].extract_text())
    assert "<b>第一行</b>&x" in text and "第二行" in text


def test_pdf_portrait_and_padding_rows():
    decl = ReportDeclaration(
        code="checklist",
        title="检查表",
        header_fields=(HeaderField("检查单位", "unit"),),
        columns=(Column("item", "检查项目", 3, align="left"), Column("result", "结果", 1)),
        footnotes=(),
        landscape=False,
        min_rows=12,
    )
    content = render_pdf(decl, ReportData(header={"unit": "黄浦区"}, rows=[{"item": "证照"}]))
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        assert abs(page.width - 595) <= 2 and abs(page.height - 842) <= 2
    assert "证照" in text and "12" in text.split()  # blank rows are numbered


# --------------------------------------------------------------------------- XLSX


def test_xlsx_values_read_back_as_text(xlsx_small):
    frame = pd.read_excel(io.BytesIO(xlsx_small), header=None, dtype=str)
    assert frame.iat[0, 0] == TITLE
    head = frame.iat[1, 0]
    assert head.startswith("填报单位：上海市黄浦区市场监管局")
    assert "填报日期：2026年11月23日" in head
    assert list(frame.iloc[2]) == HEADERS
    first = list(frame.iloc[3])
    assert first[:7] == ["1", "上海市黄浦区市场监督管理局", "张丽华", "产品质量监督科科长",
                         "hp_zhanglh", "初审、复审", "13812345678"]
    assert pd.isna(first[7])
    assert frame.iat[5, 0] == "3"
    assert frame.iat[len(frame) - 1, 0] == FOOTNOTE
    assert frame.iloc[len(frame) - 2].isna().all()  # blank row before the notes

    ws = openpyxl.load_workbook(io.BytesIO(xlsx_small)).active
    phone = ws.cell(row=4, column=7)
    assert phone.value == "13812345678" and phone.data_type == "s"


def test_xlsx_styling_and_print_setup(xlsx_small):
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_small)).active
    assert ws["A1"].font.b and ws["A1"].font.sz > 12
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    assert "A2:H2" in {str(r) for r in ws.merged_cells.ranges}
    for col in range(1, 9):
        cell = ws.cell(row=3, column=col)
        assert cell.font.b
        assert cell.alignment.wrap_text
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    data_cell = ws.cell(row=4, column=2)
    assert data_cell.border.top.style == "thin" and data_cell.alignment.wrap_text
    assert ws.cell(row=4, column=8).alignment.horizontal == "left"
    assert ws.column_dimensions["B"].width >= 2 * len("上海市黄浦区市场监督管理局")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"


def test_xlsx_keeps_formula_like_text_as_text():
    data = _data(1)
    data.rows[0]["remark"] = "=HYPERLINK(\"http://x\")"
    ws = openpyxl.load_workbook(io.BytesIO(render_xlsx(DECL, data))).active
    cell = ws.cell(row=4, column=8)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


# --------------------------------------------------------------------------- dispatch


def test_render_dispatch():
    content, mimetype, filename = render(DECL, _data(1), "xlsx")
    assert content[:2] == b"PK"
    assert mimetype == MIMETYPES["xlsx"] and filename == "ccc_account_users.xlsx"
    content, mimetype, filename = render(DECL, _data(1), "pdf")
    assert content.startswith(b"%PDF")
    assert mimetype == "application/pdf" and filename == "ccc_account_users.pdf"


def test_render_rejects_unknown_format():
    with pytest.raises(ValueError):
        render(DECL, _data(1), "doc")


def test_empty_report_without_sequence_column():
    decl = ReportDeclaration(
        code="empty",
        title="账号调整需求信息报表",
        header_fields=(HeaderField("填报单位", "unit"),),
        columns=(Column("way", "账号\n调整方式", 1), Column("note", "说明", 2)),
        footnotes=("备注：1．账号调整方式填写：开通、注销、增加功能、减少功能。\n2．其他说明。",),
        sequence_column=None,
    )
    data = ReportData(header={}, rows=[])
    with pdfplumber.open(io.BytesIO(render_pdf(decl, data))) as pdf:
        page = pdf.pages[0]
        assert _table_rows(page) == [["账号调整方式", "说明"]]
        text = _squash(page.extract_text())
    assert "填报单位：" in text and "2．其他说明。" in text
    frame = pd.read_excel(io.BytesIO(render_xlsx(decl, data)), header=None, dtype=str)
    assert list(frame.iloc[2]) == ["账号\n调整方式", "说明"]
    assert frame.iat[len(frame) - 1, 0].endswith("2．其他说明。")
