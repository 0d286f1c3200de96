"""Official application forms (one fixed layout each), rendered as A4 PDF and .xlsx.

Unlike the table reports of :mod:`app.reports.engine`, a form is a fixed grid of
label/value cells. The first one is seed 000 附件2, "CCC免办便捷通道申请表"
(渝市监发〔2022〕43号): a cover page (title, 单位名称, 申请日期, 填表须知) and the form
table itself.

Notes
-----
* The PDF reuses the engine's embedded CJK font (WenQuanYi Micro Hei) and its way of
  calling xhtml2pdf (no resource access, ``status.err`` checked).
* Checkboxes print as ``TICKED`` / ``UNTICKED``. The form asks for ☑/☐, but
  WenQuanYi Micro Hei has neither (U+2611, U+2610), so they would vanish from the
  PDF; ■ (U+25A0) and □ (U+25A1) are in the font, and □ is the paper form's own box.
  The .xlsx uses the same marks so both outputs read alike.
* One <table> holds the whole form; long product lists let it split over pages
  (xhtml2pdf lays a long table out in quadratic time, fine for a few hundred rows).
* The page footer reads 「第 N 页 共 M 页」, like the engine.
* The .xlsx has the cover page too (附件2, title, 单位名称, 申请日期, 填表须知), then a page
  break and the form; its page set-up comes from ``app.reports.print_setup``.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from app.clock import chinese_date
from app.enums import BusinessCategoryCode, EconomicNature, ExemptionClause
from app.reports import print_setup
from app.reports.engine import (
    CSS_FONT,
    MIMETYPES,
    cell_html,
    cell_text,
    ensure_font,
    html_to_pdf,
    xlsx_line_count,
)

__all__ = [
    "BUSINESS_CATEGORIES",
    "CLAUSES",
    "COVER_NOTES",
    "ECONOMIC_NATURES",
    "FORM_TITLE",
    "FastTrackForm",
    "ProductListRow",
    "SELF_COMMITMENT_TEXT",
    "TICKED",
    "UNTICKED",
    "render_fast_track_form",
    "render_fast_track_form_pdf",
    "render_fast_track_form_xlsx",
]

# --------------------------------------------------------------------------- form content

FORM_TITLE = "CCC免办便捷通道申请表"
ANNEX = "附件2"
FILE_STEM = "fast_track_application"

#: Checkbox marks. ☑/☐ are missing from the embedded font; see the module notes.
TICKED = "■"
UNTICKED = "□"

# The boxes of the form, in its order: the labels declared beside the model.
BUSINESS_CATEGORIES = tuple(c.label for c in BusinessCategoryCode)
ECONOMIC_NATURES = tuple(n.label for n in EconomicNature)
CLAUSES = tuple(c.label for c in ExemptionClause.fast_track_clauses())
SELF_COMMITMENT_TEXT = (
    "本单位保证遵守国家相关法律法规和《强制性产品认证管理规定》、"
    "《市场监管总局关于明确免予办理强制性产品认证工作要求的通知》要求，"
    "对提供申请资料的真实、合法性负责，对CCC免办产品的可靠性、安全性负责，"
    "严格按照CCC免办申请用途使用进口产品，严格执行后续核销要求，诚实守信，规范管理，"
    "愿意接受并配合市场监管部门的监督检查。"
)
#: Printed under the commitment, ticked when the unit has signed it (not on the paper form).
SELF_COMMITMENT_SIGNED = "本单位已确认上述承诺"
COVER_NOTES = (
    "1. 用黑色或蓝黑色钢笔填写或打印填写，文字工整、清楚。",
    "2. 本申请表一式三份，一份自留存档；两份至区县市场监管局，并随附以下材料：",
    "（一）法人或其他组织主体资格证明材料复印件（能够在线查询的无需提供）；",
    "（二）基本情况说明（包括：CCC免办申请单位基本概况、CCC免办产品追溯制度制定及实施情况、"
    "2年内CCC免办产品申请、使用和后续管理情况）；",
    "上述申请材料均需加盖公章。",
)

PRODUCT_HEADERS = (
    "产品小类及其代码",
    "用途",
    "批次（年均）",
    "入境口岸",
    "产品入关后的处理方式（如：使用、出口、退运、销毁等）",
)
PAST_TITLE = "过去两年CCC免办产品清单（可参照下表另附EXCEL清单）"
EXPECTED_TITLE = "预计CCC免办产品清单（可参照下表另附EXCEL清单）"
PAST_TOTAL = "合计年申报批次"
EXPECTED_TOTAL = "预计年申报批次合计"
PHONE_LABEL = "电话/手机"
STAMP = "盖章"
BLANK_DATE = "    年   月   日"


@dataclass
class ProductListRow:
    """One row of a CCC免办 product list."""

    category: str  # 产品小类及其代码, e.g. "微型计算机（0901）"
    purpose: str
    batches: int  # 批次（年均）
    port: str  # 入境口岸
    handling: str  # 产品入关后的处理方式


@dataclass
class FastTrackForm:
    """The values of one CCC免办便捷通道申请表."""

    unit_name: str
    uscc: str  # 统一社会信用代码
    registered_address: str
    business_address: str
    business_categories: list[str]  # ticked labels of BUSINESS_CATEGORIES
    economic_nature: str | None  # one of ECONOMIC_NATURES
    legal_representative: str
    legal_representative_phone: str
    department_head: str
    department_head_phone: str
    handler: str
    handler_phone: str
    clauses: list[str]  # ticked labels of CLAUSES
    past_products: list[ProductListRow] = field(default_factory=list)
    expected_products: list[ProductListRow] = field(default_factory=list)
    self_commitment: bool = False
    applied_on: dt.date | None = None
    district_opinion: str | None = None
    district_opinion_date: dt.date | None = None
    remarks: str | None = None


def _check(form: FastTrackForm) -> None:
    """Unknown checkbox labels would silently print as unticked; refuse them."""
    for name, ticked, allowed in (
        ("business_categories", form.business_categories, BUSINESS_CATEGORIES),
        ("clauses", form.clauses, CLAUSES),
    ):
        unknown = [label for label in ticked if label not in allowed]
        if unknown:
            raise ValueError(f"FastTrackForm.{name}: unknown label(s) {unknown!r}")
    if form.economic_nature is not None and form.economic_nature not in ECONOMIC_NATURES:
        raise ValueError(f"FastTrackForm.economic_nature: unknown {form.economic_nature!r}")


def _box(label: str, ticked: bool) -> str:
    return f"{TICKED if ticked else UNTICKED}{label}"


def _box_html(mark: str) -> str:
    """A ``_box`` text as markup, the box glyph enlarged."""
    return f'<span class="box">{_h(mark[0])}</span>{_h(mark[1:])}'


def _category_marks(form: FastTrackForm) -> list[str]:
    return [_box(c, c in form.business_categories) for c in BUSINESS_CATEGORIES]


def _nature_marks(form: FastTrackForm) -> list[str]:
    return [_box(n, n == form.economic_nature) for n in ECONOMIC_NATURES]


def _clause_marks(form: FastTrackForm) -> list[str]:
    return [_box(c, c in form.clauses) for c in CLAUSES]


def _product_cells(rows: list[ProductListRow]) -> list[list[str]]:
    """Cell texts of a product list; an empty list prints one empty row."""
    if not rows:
        return [[""] * 5]
    return [[cell_text(r.category), cell_text(r.purpose), cell_text(r.batches), cell_text(r.port),
             cell_text(r.handling)] for r in rows]


def _total(rows: list[ProductListRow]) -> int:
    return sum(int(r.batches or 0) for r in rows)


# --------------------------------------------------------------------------- PDF

# Points; A4 portrait is 595.28 x 841.89.
_MARGIN_X = 46.0
_MARGIN_TOP = 40.0
_MARGIN_BOTTOM = 50.0  # the footer frame lives inside this
_FRAME_W = 595.28 - 2 * _MARGIN_X
_CELL_SIZE = 10.5  # 五号
_LEADING = 1.3
_BOX_SIZE = 12.5  # the font's box glyphs are small; print them bigger than the text
#: Column widths of the form grid, shared by the label/value rows and the product
#: lists (产品小类 | 用途 | 批次 | 入境口岸 | 处理方式). The first fits ten characters
#: ("区县市场监管部门意见") on one line.
_COLS = (116.0, 86.0, 74.0, 76.0)
_COLS = _COLS + (_FRAME_W - sum(_COLS),)
_GAP = "\u00a0\u00a0\u00a0"  # between checkboxes on one line


def _td(content: str, cls: str = "", span: int = 1, col: int | None = None) -> str:
    """A cell; single-column cells carry their column's width (xhtml2pdf sizes columns
    from unspanned cells; spanned ones must not declare a width)."""
    attrs = f' class="{cls}"' if cls else ""
    if span > 1:
        attrs += f' colspan="{span}"'
    elif col is not None:
        attrs += f' style="width:{_COLS[col]:.2f}pt"'
    return f"<td{attrs}>{content or '&#160;'}</td>"


def _h(value: object) -> str:
    """Escaped cell markup for a value (newlines kept as lines)."""
    return cell_html(cell_text(value))


def _nb(text: str) -> str:
    """Spaces that must survive HTML whitespace collapsing."""
    return text.replace(" ", "\u00a0")


def _pdf_row_label_value(label: str, value_html: str) -> str:
    return f"<tr>{_td(_h(label), 'label', col=0)}{_td(value_html, 'value', span=4)}</tr>"


def _pdf_contact_row(label: str, name: str, phone: str) -> str:
    return ("<tr>" + _td(_h(label), "label", col=0) + _td(_h(name), "value", col=1)
            + _td(_h(PHONE_LABEL), "label", col=2) + _td(_h(phone), "value", span=2)
            + "</tr>")


def _pdf_product_rows(title: str, rows: list[ProductListRow], total_label: str) -> str:
    out = [f"<tr>{_td(_h(title), 'section', span=5)}</tr>"]
    out.append("<tr>" + "".join(_td(_h(h), "label", col=i)
                                for i, h in enumerate(PRODUCT_HEADERS)) + "</tr>")
    aligns = ("left", "center", "center", "center", "left")
    for cells in _product_cells(rows):
        out.append("<tr>" + "".join(_td(_h(t), a, col=i)
                                    for i, (t, a) in enumerate(zip(cells, aligns))) + "</tr>")
    out.append(_pdf_row_label_value(total_label, _h(_total(rows))))
    return "".join(out)


def _signature_block(lines: list[str]) -> str:
    return "".join(f'<div class="sign">{_h(_nb(line))}</div>' for line in lines)


def _pdf_html(form: FastTrackForm) -> str:
    signed = _box_html(_box(SELF_COMMITMENT_SIGNED, form.self_commitment))
    rows = [
        _pdf_row_label_value("单位名称", _h(form.unit_name)),
        _pdf_row_label_value("统一社会信用代码", _h(form.uscc)),
        _pdf_row_label_value("注册地址", _h(form.registered_address)),
        _pdf_row_label_value("经营地址", _h(form.business_address)),
        _pdf_row_label_value("主要经营范围",
                             _GAP.join(_box_html(m) for m in _category_marks(form))),
        _pdf_row_label_value("单位经济性质",
                             _GAP.join(_box_html(m) for m in _nature_marks(form))),
        _pdf_contact_row("法定代表人", form.legal_representative,
                         form.legal_representative_phone),
        _pdf_contact_row("CCC免办部门负责人", form.department_head, form.department_head_phone),
        _pdf_contact_row("CCC免办经办人", form.handler, form.handler_phone),
        _pdf_row_label_value("申请免办条款", "".join(
            f'<div class="line">{_box_html(m)}</div>' for m in _clause_marks(form))),
        _pdf_product_rows(PAST_TITLE, form.past_products, PAST_TOTAL),
        _pdf_product_rows(EXPECTED_TITLE, form.expected_products, EXPECTED_TOTAL),
        _pdf_row_label_value(
            "自我承诺",
            f'<div class="para">{_h(SELF_COMMITMENT_TEXT)}</div>'
            f'<div class="line">{signed}</div>'
            + _signature_block([STAMP, BLANK_DATE])),
        _pdf_row_label_value(
            "区县市场监管部门意见",
            f'<div class="para">{_h(form.district_opinion) or "&#160;"}</div>'
            + _signature_block([STAMP, chinese_date(form.district_opinion_date, BLANK_DATE)])),
        _pdf_row_label_value("备注", _h(form.remarks)),
    ]
    notes = "".join(f'<div class="note">{_h(n)}</div>' for n in COVER_NOTES)
    cover = (
        f'<p class="annex">{_h(ANNEX)}</p>'
        f'<p class="cover-title">{_h(FORM_TITLE)}</p>'
        '<table class="cover-fields">'
        f'<tr><td class="cover-label">单位名称：</td>'
        f'<td class="cover-value">{_h(form.unit_name) or "&#160;"}</td></tr>'
        f'<tr><td class="cover-label">申请日期：</td>'
        f'<td class="cover-value">{_h(_nb(chinese_date(form.applied_on, BLANK_DATE)))}</td></tr>'
        "</table>"
        f'<p class="notes-title">填表须知</p>{notes}'
    )
    css = f"""
@page {{
  size: a4 portrait;
  margin: {_MARGIN_TOP}pt {_MARGIN_X}pt {_MARGIN_BOTTOM}pt {_MARGIN_X}pt;
  @frame footer {{
    -pdf-frame-content: page-footer;
    left: {_MARGIN_X}pt; width: {_FRAME_W}pt;
    bottom: 16pt; height: 20pt;
  }}
}}
html, body, p, div, table, td {{ font-family: {CSS_FONT}; }}
body {{ font-size: {_CELL_SIZE}pt; line-height: {_LEADING}; }}
p, div {{ -pdf-word-wrap: CJK; }}
p.annex {{ font-size: 14pt; margin: 0; }}
p.cover-title {{ font-size: 26pt; text-align: center; margin: 130pt 0 90pt 0;
                 line-height: 1.3; }}
table.cover-fields {{ width: 330pt; margin-left: 70pt; }}
td.cover-label {{ width: 80pt; font-size: 14pt; padding: 10pt 0 2pt 0;
                  vertical-align: bottom; }}
td.cover-value {{ width: 250pt; font-size: 14pt; padding: 10pt 4pt 2pt 4pt;
                  border-bottom: 0.8pt solid #000; vertical-align: bottom;
                  -pdf-word-wrap: CJK; line-height: 1.3; }}
p.notes-title {{ font-size: 14pt; text-align: center; margin: 140pt 0 8pt 0; }}
div.note {{ font-size: 11pt; line-height: 1.6; margin: 0; }}
h1 {{ font-size: 18pt; text-align: center; font-weight: bold;
      margin: 0 0 10pt 0; line-height: 1.3; -pdf-word-wrap: CJK; }}
table.form {{ width: {_FRAME_W:.2f}pt; }}
table.form td {{ border: 0.6pt solid #000; padding: 3pt 4pt 1pt 4pt;
                 vertical-align: middle; -pdf-word-wrap: CJK; word-break: break-all;
                 font-size: {_CELL_SIZE}pt; line-height: {_LEADING}; }}
td.label {{ text-align: center; background-color: #e8e8e8; }}
td.section {{ text-align: center; background-color: #e8e8e8; }}
td.value, td.left {{ text-align: left; }}
td.center {{ text-align: center; }}
div.line {{ margin: 0; }}
div.para {{ margin: 0 0 4pt 0; text-indent: 21pt; }}
span.box {{ font-size: {_BOX_SIZE}pt; }}
div.sign {{ text-align: right; margin: 0 24pt 0 0; }}
#page-footer {{ text-align: center; font-size: 9pt; }}
"""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"/>'
        f"<style>{css}</style></head><body>"
        f'<div id="page-footer">{print_setup.PDF_FOOTER_HTML}</div>'
        f"{cover}<pdf:nextpage/>"
        f"<h1>{_h(FORM_TITLE)}</h1>"
        f'<table class="form">{"".join(rows)}</table>'
        "</body></html>"
    )


def render_fast_track_form_pdf(form: FastTrackForm) -> bytes:
    """The form as an A4 portrait PDF: cover page, then the form table."""
    _check(form)
    ensure_font()  # the layout may measure text with the font's metrics
    return html_to_pdf(_pdf_html(form), FILE_STEM)


# --------------------------------------------------------------------------- XLSX

_SHEET = "便捷通道申请表"
_XLSX_FONT = "宋体"
#: Column widths (characters) of A..E, the same grid as the PDF.
#: They add up to the printable width of A4 portrait, so the form prints at 100 % (10.5 pt).
_XLSX_WIDTHS = (20.0, 13.0, 10.0, 11.0, 30.0)
_LINE_HEIGHT = 14.5  # points per line of 10.5pt text


def _xlsx_height(texts_and_widths: list[tuple[str, float]]) -> float:
    lines = max(xlsx_line_count(t, w) for t, w in texts_and_widths)
    return max(20.0, _LINE_HEIGHT * lines + 6)


def render_fast_track_form_xlsx(form: FastTrackForm) -> bytes:
    """The form as one sheet laid out like the paper form table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.pagebreak import Break

    _check(form)
    wb = Workbook()
    ws = wb.active
    ws.title = _SHEET

    thin = Side(style="thin", color="000000")
    none = Side(style=None)
    font = Font(name=_XLSX_FONT, size=10.5)
    bold = Font(name=_XLSX_FONT, size=10.5, bold=True)
    grey = PatternFill("solid", fgColor="E8E8E8")
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    wrap_center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    top_left = Alignment(horizontal="left", vertical="top", wrap_text=True)
    bottom_right = Alignment(horizontal="right", vertical="bottom", wrap_text=True)
    widths = _XLSX_WIDTHS
    value_w = sum(widths[1:])

    def put(row: int, col: int, value: object, *, span: int = 1, label: bool = False,
            align: Alignment | None = None, border: Border | None = None):
        """Write a value (text stays text: "=..." is not a formula) into a bordered,
        possibly merged cell."""
        if isinstance(value, str):
            value = cell_text(value) or None
        cell = ws.cell(row=row, column=col, value=value)
        if cell.data_type == "f":
            cell.data_type = "s"
        cell.font = bold if label else font
        cell.alignment = align or (wrap_center if label else wrap_left)
        if label:
            cell.fill = grey
        if span > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row,
                           end_column=col + span - 1)
        for c in range(col, col + span):
            ws.cell(row=row, column=c).border = border or Border(
                left=thin, right=thin, top=thin, bottom=thin)
        return cell

    def label_value(row: int, label: str, value: object, align: Alignment | None = None):
        put(row, 1, label, label=True)
        put(row, 2, value, span=4, align=align)
        text = "" if value is None else str(value)
        ws.row_dimensions[row].height = _xlsx_height([(label, widths[0]), (text, value_w)])

    # The cover page, as the PDF's: 附件2, the title, 单位名称 and 申请日期, 填表须知.
    def cover_line(row: int, value: str, size: float, height: float, horizontal: str,
                   underline: bool = False, first: int = 1, last: int = 5):
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = ws.cell(row=row, column=first, value=cell_text(value) or None)
        cell.font = Font(name=_XLSX_FONT, size=size)
        cell.alignment = Alignment(horizontal=horizontal, vertical="bottom", wrap_text=True)
        if underline:
            for c in range(first, last + 1):
                ws.cell(row=row, column=c).border = Border(bottom=thin)
        ws.row_dimensions[row].height = height

    cover_line(1, ANNEX, 14, 24, "left")
    cover_line(2, "", 12, 150, "left")
    cover_line(3, FORM_TITLE, 26, 40, "center")
    cover_line(4, "", 12, 90, "left")
    for row, label, value in ((5, "单位名称：", form.unit_name),
                              (6, "申请日期：", chinese_date(form.applied_on, BLANK_DATE))):
        cell = ws.cell(row=row, column=1, value=label)
        cell.font = Font(name=_XLSX_FONT, size=14)
        cell.alignment = Alignment(horizontal="right", vertical="bottom")
        cover_line(row, value, 14, 30, "left", underline=True, first=2, last=4)
    cover_line(7, "", 12, 140, "left")
    cover_line(8, "填表须知", 14, 24, "center")
    row = 9
    for note in COVER_NOTES:
        cover_line(row, note, 11, max(18.0, 17.6 * xlsx_line_count(note, sum(widths)) + 2),
                   "left")
        row += 1
    ws.row_breaks.append(Break(id=row - 1))
    top = row

    # Title and 申请日期 of the form itself.
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=5)
    title = ws.cell(row=top, column=1, value=FORM_TITLE)
    title.font = Font(name=_XLSX_FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[top].height = 32
    ws.merge_cells(start_row=top + 1, start_column=1, end_row=top + 1, end_column=5)
    head = ws.cell(row=top + 1, column=1,
                   value=f"申请日期：{chinese_date(form.applied_on, BLANK_DATE)}")
    head.font = font
    head.alignment = Alignment(horizontal="right", vertical="center")
    ws.row_dimensions[top + 1].height = 20

    row = top + 2
    for label, value in (("单位名称", form.unit_name), ("统一社会信用代码", form.uscc),
                         ("注册地址", form.registered_address),
                         ("经营地址", form.business_address)):
        label_value(row, label, value)
        row += 1
    label_value(row, "主要经营范围", "  ".join(_category_marks(form)))
    row += 1
    label_value(row, "单位经济性质", "  ".join(_nature_marks(form)))
    row += 1
    for label, name, phone in (
        ("法定代表人", form.legal_representative, form.legal_representative_phone),
        ("CCC免办部门负责人", form.department_head, form.department_head_phone),
        ("CCC免办经办人", form.handler, form.handler_phone),
    ):
        put(row, 1, label, label=True)
        put(row, 2, name)
        put(row, 3, PHONE_LABEL, label=True)
        put(row, 4, phone, span=2)
        ws.row_dimensions[row].height = _xlsx_height(
            [(label, widths[0]), (cell_text(name), widths[1]), (cell_text(phone), widths[3] + widths[4])])
        row += 1
    label_value(row, "申请免办条款", "\n".join(_clause_marks(form)))
    row += 1

    product_aligns = (wrap_left, wrap_center, wrap_center, wrap_center, wrap_left)
    for section, products, total_label in (
        (PAST_TITLE, form.past_products, PAST_TOTAL),
        (EXPECTED_TITLE, form.expected_products, EXPECTED_TOTAL),
    ):
        put(row, 1, section, span=5, label=True)
        ws.row_dimensions[row].height = 22
        row += 1
        for col, header in enumerate(PRODUCT_HEADERS, start=1):
            put(row, col, header, label=True)
        ws.row_dimensions[row].height = _xlsx_height(list(zip(PRODUCT_HEADERS, widths)))
        row += 1
        for source, cells in zip(products or [None], _product_cells(products)):
            for col, text in enumerate(cells, start=1):
                # 批次 is a number; everything else stays text.
                value = source.batches if (col == 3 and source is not None) else text
                put(row, col, value, align=product_aligns[col - 1])
            ws.row_dimensions[row].height = _xlsx_height(list(zip(cells, widths)))
            row += 1
        label_value(row, total_label, _total(products))
        row += 1

    # 自我承诺 and 区县意见: a text row and a right-aligned 盖章/date row under one label.
    open_bottom = Border(left=thin, right=thin, top=thin, bottom=none)
    open_top = Border(left=thin, right=thin, top=none, bottom=thin)
    for label, text, sign in (
        ("自我承诺",
         f"{SELF_COMMITMENT_TEXT}\n{_box(SELF_COMMITMENT_SIGNED, form.self_commitment)}",
         f"{STAMP}\n{BLANK_DATE}"),
        ("区县市场监管部门意见", cell_text(form.district_opinion),
         f"{STAMP}\n{chinese_date(form.district_opinion_date, BLANK_DATE)}"),
    ):
        put(row, 1, label, label=True)
        put(row + 1, 1, None, label=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=1)
        put(row, 2, text, span=4, align=top_left, border=open_bottom)
        put(row + 1, 2, sign, span=4, align=bottom_right, border=open_top)
        ws.row_dimensions[row].height = max(40.0, _xlsx_height([(text, value_w)]))
        ws.row_dimensions[row + 1].height = 2 * _LINE_HEIGHT + 8
        row += 2
    label_value(row, "备注", form.remarks)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height, 30.0)

    for letter, width in zip("ABCDE", widths):
        ws.column_dimensions[letter].width = width

    print_setup.apply_openpyxl(ws, print_setup.PageSetup(landscape=False, fit_width=1))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- dispatch


def render_fast_track_form(form: FastTrackForm, fmt: str) -> tuple[bytes, str, str]:
    """Render in ``fmt`` ("pdf" or "xlsx"): (content, mimetype, download filename)."""
    renderers = {"pdf": render_fast_track_form_pdf, "xlsx": render_fast_track_form_xlsx}
    if fmt not in renderers:
        raise ValueError(f"unsupported form format {fmt!r}; use 'pdf' or 'xlsx'")
    return renderers[fmt](form), MIMETYPES[fmt], f"{FILE_STEM}.{fmt}"
