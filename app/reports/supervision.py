"""Supervision outputs (seed 002): the two on-site checklists (附件1 / 附件2, blank or filled),
the 抽查名单 of a draw, the 协查函 and the yearly supervision summary — each as A4 PDF (the
engine's embedded CJK font) and .xlsx.

The checklists are fixed forms (like ``app.reports.forms``): part 一 a grid of label/value
cells, part 二 the table of points with 序号 and 检查项目 spanning their points, then 其他检查
发现的情况 and the unit's confirmation. Every 检查项目 / 检查内容 / 检查要点 comes from the one
declaration in ``app.domain.checklists``. The 抽查名单 and the summary are engine tables.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io

from app import policy
from app.clock import chinese_date
from app.domain.checklists import (
    ANSWER_BOXES,
    BUSINESS_CATEGORY_LINE,
    COUNT_SINCE_NOTE,
    DATE_LINE,
    OTHER_FINDINGS_LABEL,
    OTHER_FINDINGS_TEXT,
    PART_TWO_HEADERS,
    PART_TWO_TITLE,
    STAMP_LINE,
    Checklist,
)
from app.enums import BusinessCategoryCode, ExemptionClause
from app.reports import print_setup
from app.reports.engine import (
    CSS_FONT,
    MIMETYPES,
    Column,
    HeaderField,
    ReportData,
    ReportDeclaration,
    cell_html,
    cell_text,
    ensure_font,
    html_to_pdf,
    xlsx_line_count,
)
from app.services.supervision import PROGRESS_COUNTS, progress_subtotal

TICKED, UNTICKED = "■", "□"  # ☑/☐ are not in the embedded font (see app.reports.forms)
CLAUSE_LABELS = tuple(c.label for c in ExemptionClause.fast_track_clauses())
CATEGORY_LABELS = tuple(c.label for c in BusinessCategoryCode)


@dataclasses.dataclass
class ChecklistSheet:
    """What one printed checklist shows; ``facts`` is None for the blank form."""

    checklist: Checklist
    inspected_on: dt.date | None = None
    inspectors: str = ""
    facts: object | None = None  # app.services.supervision.UnitFacts
    answers: dict[str, tuple[str | None, str]] = dataclasses.field(default_factory=dict)
    other_findings: str = ""
    unit_opinion: str = ""
    confirmed_on: dt.date | None = None
    method: str = ""


def answer_marks(answer: str | None) -> str:
    if answer is None:
        return ANSWER_BOXES
    return (f"{TICKED if answer == 'yes' else UNTICKED}是  "
            f"{TICKED if answer == 'no' else UNTICKED}否")


def _boxes(labels, ticked) -> list[str]:
    return [f"{TICKED if label in ticked else UNTICKED}{label}" for label in labels]


def category_line(sheet: ChecklistSheet) -> str:
    if sheet.facts is None:
        return BUSINESS_CATEGORY_LINE
    return "   ".join(_boxes(CATEGORY_LABELS, sheet.facts.business_categories))


def clause_lines(sheet: ChecklistSheet) -> list[str]:
    ticked = sheet.facts.clauses if sheet.facts is not None else []
    marks = _boxes(CLAUSE_LABELS, ticked)
    return [m + ("；" if i < len(marks) - 1 else "。") for i, m in enumerate(marks)]


def _count(value) -> str:
    return COUNT_SINCE_NOTE if value is None else f"{value}批\n{COUNT_SINCE_NOTE}"


def part_one_rows(sheet: ChecklistSheet) -> list[list[tuple[str, int, bool]]]:
    """Rows of (text, colspan, is_label) on a 6-column grid, as on the paper."""
    f = sheet.facts
    g = (lambda name: getattr(f, name)) if f is not None else (lambda name: "")
    c = sheet.checklist
    return [
        [("单位名称", 1, True), (g("name"), 1, False), ("法定代表人", 1, True),
         (g("legal_representative"), 1, False), ("电话", 1, True),
         (g("legal_representative_phone"), 1, False)],
        [("社会统一信用代码", 1, True), (g("uscc"), 1, False), (c.account_label, 1, True),
         (g("account"), 3, False)],
        [("单位登记住所", 1, True), (g("registered_address"), 1, False), ("部门负责人", 1, True),
         (g("department_head"), 1, False), ("电话", 1, True), (g("department_head_phone"), 1, False)],
        [("单位经营地地址", 1, True), (g("business_address"), 1, False), ("具体经办人", 1, True),
         (g("handler"), 1, False), ("电话", 1, True), (g("handler_phone"), 1, False)],
        [("单位经营类别", 1, True), (category_line(sheet), 5, False)],
        [("涉及申请免办条款", 1, True), ("\n".join(clause_lines(sheet)), 5, False)],
        [("申报免办证明批次数", 1, True),
         (_count(f.certificates_since if f is not None else None), 1, False),
         ("免办证明批次核销数量", 1, True),
         (_count(f.written_off_since if f is not None else None), 3, False)],
    ]


def header_line(sheet: ChecklistSheet) -> tuple[str, str]:
    when = chinese_date(sheet.inspected_on) if sheet.inspected_on else ""
    if sheet.method and when:
        when = f"{when}（{sheet.method}）"
    return f"检查时间：{when}", f"检查人员：{sheet.inspectors}"


# --------------------------------------------------------------------------- checklist PDF

_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 40.0, 36.0, 46.0
_FRAME_W = 595.28 - 2 * _MARGIN_X
#: part 一 grid: label | value | label | value | label | value
PART_ONE_COLS = (88.0, 132.0, 78.0, 88.0, 34.0)
PART_ONE_COLS = PART_ONE_COLS + (_FRAME_W - sum(PART_ONE_COLS),)
#: part 二 grid: 序号 | 检查项目 | 检查内容 | 检查要点 | 情况描述 | 检查结论
PART_TWO_COLS = (26.0, 78.0, 92.0, 160.0, 95.0)
PART_TWO_COLS = PART_TWO_COLS + (_FRAME_W - sum(PART_TWO_COLS),)


def _h(value) -> str:
    return cell_html(cell_text(value)) or "&#160;"


def _cells(row, widths) -> str:
    out, col = [], 0
    for text, span, is_label in row:
        cls = "label" if is_label else "value"
        if span > 1:
            out.append(f'<td class="{cls}" colspan="{span}">{_h(text)}</td>')
        else:
            out.append(f'<td class="{cls}" style="width:{widths[col]:.1f}pt">{_h(text)}</td>')
        col += span
    return "<tr>" + "".join(out) + "</tr>"


def _checklist_html(sheet: ChecklistSheet) -> str:
    c = sheet.checklist
    when, who = header_line(sheet)
    one = [f'<tr><td class="section" colspan="6">{_h(c.part_one_title)}</td></tr>']
    one += [_cells(row, PART_ONE_COLS) for row in part_one_rows(sheet)]
    two = [f'<tr><td class="section" colspan="6">{_h(PART_TWO_TITLE)}</td></tr>',
           "<tr>" + "".join(f'<td class="label" style="width:{w:.1f}pt">{_h(t)}</td>'
                            for t, w in zip(PART_TWO_HEADERS, PART_TWO_COLS)) + "</tr>"]
    for item_no, item, points in c.items():
        for i, point in enumerate(points):
            answer, description = sheet.answers.get(point.code, (None, ""))
            lead = (f'<td class="center" rowspan="{len(points)}">{item_no}</td>'
                    f'<td class="value" rowspan="{len(points)}">{_h(item)}</td>') if i == 0 else ""
            two.append(f"<tr>{lead}<td class=\"value\">{_h(point.content)}</td>"
                       f"<td class=\"value\">{_h(point.key_points)}</td>"
                       f"<td class=\"value\">{_h(description)}</td>"
                       f"<td class=\"center\">{_h(answer_marks(answer))}</td></tr>")
    findings = OTHER_FINDINGS_TEXT + ("\n" + sheet.other_findings if sheet.other_findings else "")
    two.append(f'<tr><td class="label" colspan="2">{_h(OTHER_FINDINGS_LABEL)}</td>'
               f'<td class="value" colspan="4">{_h(findings)}</td></tr>')
    date_text = chinese_date(sheet.confirmed_on) if sheet.confirmed_on else DATE_LINE
    two.append(f'<tr><td class="label" colspan="2">{_h(c.confirmation_label)}</td>'
               f'<td class="value" colspan="4"><div class="para">{_h(sheet.unit_opinion)}</div>'
               f'<div class="sign">{_h(STAMP_LINE)}</div><div class="sign">{_h(date_text)}</div>'
               "</td></tr>")
    css = f"""
@page {{ size: a4 portrait; margin: {_MARGIN_TOP}pt {_MARGIN_X}pt {_MARGIN_BOTTOM}pt {_MARGIN_X}pt;
  @frame footer {{ -pdf-frame-content: page-footer; left: {_MARGIN_X}pt; width: {_FRAME_W}pt;
                   bottom: 14pt; height: 20pt; }} }}
html, body, p, div, table, td {{ font-family: {CSS_FONT}; }}
body {{ font-size: 9pt; line-height: 1.3; }}
p, div {{ -pdf-word-wrap: CJK; }}
p.annex {{ font-size: 12pt; margin: 0; }}
h1 {{ font-size: 16pt; text-align: center; margin: 4pt 0 6pt 0; }}
table.head {{ width: {_FRAME_W:.1f}pt; margin: 0 0 4pt 0; }}
table.head td {{ font-size: 10pt; padding: 0; }}
table.form {{ width: {_FRAME_W:.1f}pt; }}
table.form td {{ border: 0.6pt solid #000; padding: 2pt 3pt 1pt 3pt; vertical-align: middle;
                 -pdf-word-wrap: CJK; word-break: break-all; font-size: 9pt; line-height: 1.3; }}
td.label {{ text-align: center; background-color: #eeeeee; }}
td.section {{ text-align: left; font-size: 10pt; }}
td.value {{ text-align: left; }}
td.center {{ text-align: center; }}
div.para {{ margin: 0 0 18pt 0; }}
div.sign {{ text-align: right; margin: 0 30pt 0 0; }}
#page-footer {{ text-align: center; font-size: 9pt; }}
"""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/>'
            f"<style>{css}</style></head><body>"
            f'<div id="page-footer">{print_setup.PDF_FOOTER_HTML}</div>'
            f'<p class="annex">{_h(c.annex)}</p><h1>{_h(c.title)}</h1>'
            f'<table class="head"><tr><td>{_h(when)}</td><td style="text-align:right">'
            f'{_h(who)}</td></tr></table>'
            f'<table class="form">{"".join(one)}</table>'
            f'<table class="form">{"".join(two)}</table></body></html>')


def render_checklist_pdf(sheet: ChecklistSheet) -> bytes:
    ensure_font()
    return html_to_pdf(_checklist_html(sheet), f"checklist_{sheet.checklist.code}")


# --------------------------------------------------------------------------- checklist XLSX

_XLSX_FONT = "宋体"
#: A..F, the part 二 grid (part 一 reuses it)
#: They add up to the printable width of A4 portrait: the checklist prints at 100 %.
XLSX_WIDTHS = (9.0, 12.0, 15.0, 24.0, 14.0, 10.0)


def _sheet_tools(ws):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=_XLSX_FONT, size=10.5)  # prints at ≥ 9 pt (tests/reports/test_print_setup.py)
    grey = PatternFill("solid", fgColor="EEEEEE")

    def put(row, col, value, span=1, label=False, align="left", rows=1):
        text = cell_text(value) if isinstance(value, str) else value
        cell = ws.cell(row=row, column=col, value=text if text != "" else None)
        if cell.data_type == "f":
            cell.data_type = "s"
        cell.font = font
        cell.alignment = Alignment(horizontal="center" if label else align, vertical="center",
                                   wrap_text=True)
        if label:
            cell.fill = grey
        if span > 1 or rows > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1,
                           end_column=col + span - 1)
        for r in range(row, row + rows):
            for c in range(col, col + span):
                ws.cell(row=r, column=c).border = box
        return cell

    return put, font


def _height(texts_widths) -> float:
    lines = max((xlsx_line_count(cell_text(t), w) for t, w in texts_widths), default=1)
    return max(18.0, 14.5 * lines + 4)


def render_checklist_xlsx(sheet: ChecklistSheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    c = sheet.checklist
    wb = Workbook()
    ws = wb.active
    ws.title = c.annex
    put, font = _sheet_tools(ws)
    ws.cell(row=1, column=1, value=c.annex).font = Font(name=_XLSX_FONT, size=12)
    ws.merge_cells("A2:F2")
    title = ws.cell(row=2, column=1, value=c.title)
    title.font = Font(name=_XLSX_FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[2].height = 30
    when, who = header_line(sheet)
    ws.merge_cells("A3:C3")
    ws.merge_cells("D3:F3")
    ws.cell(row=3, column=1, value=when).font = font
    cell = ws.cell(row=3, column=4, value=who)
    cell.font = font
    cell.alignment = Alignment(horizontal="right")
    row = 4
    put(row, 1, c.part_one_title, span=6)
    row += 1
    for cells in part_one_rows(sheet):
        col, sizes = 1, []
        for text, span, is_label in cells:
            put(row, col, text, span=span, label=is_label)
            sizes.append((text, sum(XLSX_WIDTHS[col - 1:col - 1 + span])))
            col += span
        ws.row_dimensions[row].height = _height(sizes)
        row += 1
    put(row, 1, PART_TWO_TITLE, span=6)
    row += 1
    part_two_header = row
    for col, text in enumerate(PART_TWO_HEADERS, start=1):
        put(row, col, text, label=True)
    ws.row_dimensions[row].height = _height(zip(PART_TWO_HEADERS, XLSX_WIDTHS))
    row += 1
    for item_no, item, points in c.items():
        put(row, 1, item_no, align="center", rows=len(points))
        put(row, 2, item, rows=len(points))
        for point in points:
            answer, description = sheet.answers.get(point.code, (None, ""))
            texts = [point.content, point.key_points, description, answer_marks(answer)]
            for col, text in enumerate(texts, start=3):
                put(row, col, text, align="center" if col == 6 else "left")
            ws.row_dimensions[row].height = _height(zip(texts, XLSX_WIDTHS[2:]))
            row += 1
    findings = OTHER_FINDINGS_TEXT + ("\n" + sheet.other_findings if sheet.other_findings else "")
    put(row, 1, OTHER_FINDINGS_LABEL, span=2, label=True)
    put(row, 3, findings, span=4)
    ws.row_dimensions[row].height = max(40.0, _height([(findings, sum(XLSX_WIDTHS[2:]))]))
    row += 1
    date_text = chinese_date(sheet.confirmed_on) if sheet.confirmed_on else DATE_LINE
    confirmation = "\n".join(filter(None, [sheet.unit_opinion, "", STAMP_LINE, date_text]))
    put(row, 1, c.confirmation_label, span=2, label=True)
    put(row, 3, confirmation, span=4)
    ws.row_dimensions[row].height = max(70.0, _height([(confirmation, sum(XLSX_WIDTHS[2:]))]))
    for i, width in enumerate(XLSX_WIDTHS):
        ws.column_dimensions["ABCDEF"[i]].width = width
    print_setup.apply_openpyxl(
        ws, print_setup.official_setup(False, part_two_header, part_two_header))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_checklist(sheet: ChecklistSheet, fmt: str) -> tuple[bytes, str]:
    renderers = {"pdf": render_checklist_pdf, "xlsx": render_checklist_xlsx}
    if fmt not in renderers:
        raise ValueError(f"unsupported format {fmt!r}")
    return renderers[fmt](sheet), MIMETYPES[fmt]


# --------------------------------------------------------------------------- 抽查名单

TARGET_LIST = ReportDeclaration(
    code="inspection_targets",
    title="CCC免办双随机抽查名单",
    header_fields=(HeaderField("区局", "bureau"), HeaderField("年度", "year"),
                   HeaderField("抽取时间", "drawn_at"), HeaderField("随机种子", "seed")),
    columns=(
        Column("unit", "单位名称", 2.6, "left"),
        Column("uscc", "统一社会信用代码", 1.9),
        Column("kind", "类别", 1.0),
        Column("batches", "抽取批次", 2.2, "left"),
        Column("inspectors", "检查人员", 1.6),
    ),
    footnotes=(
        "注：1．类别：一般（按比例随机抽取）、便捷通道（全覆盖）、重点（重点检查对象，全部列入）。",
        "2．抽取方法：以“随机种子|统一社会信用代码”的SHA-256值（十六进制）由小到大排序抽取单位；"
        "批次以“种子|统一社会信用代码|证明编号”、检查人员以“种子|统一社会信用代码|登录名”同法排序取前若干名；"
        "经办过该单位申请的人员回避。候选名单、回避名单与种子均已保存，可随时复核。",
    ),
)


def verification_line(plan) -> str:
    """The seed and the 复核 verdict, printed under the 名单 (公平可复核)."""
    if plan.verified_at is None:
        verdict = "尚未复核"
    else:
        same = "结果与本名单一致" if plan.verified_same else "结果与本名单不一致，请核查"
        verdict = (f"{plan.verified_at:%Y-%m-%d %H:%M}由{plan.verified_by or ''}按保存的候选名单和种子"
                   f"重新抽取复核，{same}")
    return f"3．随机种子：{plan.seed or ''}；复核：{verdict}。"


def target_list_data(plan, users_by_login: dict[str, str]) -> tuple[ReportDeclaration, ReportData]:
    rows = []
    for t in plan.targets:
        kind = t.kind.label + ("（便捷通道）" if t.kind.name == "key" and t.fast_track else "")
        rows.append({"unit": t.enterprise.name, "uscc": t.enterprise.uscc, "kind": kind,
                     "batches": "\n".join(c.number for c in t.certificates) or "（无获证批次）",
                     "inspectors": "、".join(u.get_full_name() for u in t.inspectors)})
    decl = dataclasses.replace(TARGET_LIST, title=f"{plan.year}年度CCC免办双随机抽查名单",
                               footnotes=(*TARGET_LIST.footnotes, verification_line(plan)))
    return decl, ReportData(header={
        "bureau": plan.bureau.name, "year": str(plan.year),
        "drawn_at": plan.drawn_at.strftime("%Y-%m-%d %H:%M") if plan.drawn_at else "",
        "seed": plan.seed or ""}, rows=rows)


# --------------------------------------------------------------------------- summary

SUMMARY = ReportDeclaration(
    code="supervision_summary",
    title="CCC免办双随机监督检查年度汇总表",
    header_fields=(HeaderField("填报单位", "bureau"), HeaderField("年度", "year"),
                   HeaderField("截至日期", "as_of", right=True)),
    columns=(
        Column("district", "区局", 1.2),
        Column("plan", "年度计划", 0.9),
        Column("drawn", "计划检查\n（家）", 0.8, kind="number"),
        Column("inspected", "已检查\n（家）", 0.8, kind="number"),
        Column("failed", "不合格\n（家）", 0.8, kind="number"),
        Column("correcting", "整改中\n（家）", 0.8, kind="number"),
        Column("corrected", "已整改\n（家）", 0.8, kind="number"),
        Column("cases", "已立案\n（件）", 0.8, kind="number"),
        Column("reported", "上报市局\n（家）", 0.8, kind="number"),
        Column("sanctioned", "暂停/取消\n便捷通道（家）", 0.9, kind="number"),
        Column("letters_sent", "发出协查函\n（件）", 0.9, kind="number"),
        Column("letters_answered", "已反馈\n（件）", 0.8, kind="number"),
        Column("letters_overdue", "逾期未反馈\n（件）", 0.9, kind="number"),
    ),
    footnotes=("注：计划检查为抽查名单所列单位数；已检查、不合格等按检查时间计入年度；"
               "协查函按发函日期计入年度，发函后15日内未反馈的为逾期。",),
    sequence_column=None,
)

def summary_declaration() -> ReportDeclaration:
    """:data:`SUMMARY` in the active province's words and numbers: the column of units
    reported to the provincial bureau (上报市局, 上报省局) and the letters' reply period."""
    profile = policy.profile()
    columns = tuple(
        dataclasses.replace(c, header=f"上报{profile.province_bureau_short}\n（家）")
        if c.key == "reported" else c for c in SUMMARY.columns)
    footnotes = ("注：计划检查为抽查名单所列单位数；已检查、不合格等按检查时间计入年度；"
                 f"协查函按发函日期计入年度，发函后{profile.assistance_reply_days}日内未反馈的为逾期。",)
    return dataclasses.replace(SUMMARY, columns=columns, footnotes=footnotes)


def summary_data(bureau_name: str, year: int, progress: list, as_of: dt.date) -> ReportData:
    """One row per bureau (and, in a province of cities, each city's 小计 row after its
    bureaus), then the 合计 of the bureaus' rows — added up by the one rule of the board's
    小计 rows (``services.supervision.progress_subtotal``)."""
    bureaus = [p for p in progress if not getattr(p, "subtotal", False)]
    if len(bureaus) > 1:
        progress = [*progress, progress_subtotal("合计", bureaus)]
    rows = [dict({"district": p.bureau, "plan": p.plan_state},
                 **{k: getattr(p, k) for k in PROGRESS_COUNTS}) for p in progress]
    return ReportData(header={"bureau": bureau_name, "year": str(year),
                              "as_of": chinese_date(as_of)}, rows=rows)


# --------------------------------------------------------------------------- 协查函


@dataclasses.dataclass
class LetterText:
    sender: str
    doc_no: str
    title: str
    addressee: str
    paragraphs: list[str]
    signed_on: dt.date | None


def letter_text(letter, reply_days: int) -> LetterText:
    """An outgoing letter asks; an incoming one is answered with a 复函 carrying the result."""
    sender = letter.bureau.name
    if letter.direction.name == "outgoing":
        unit = letter.unit_name + (f"（统一社会信用代码：{letter.enterprise.uscc}）"
                                   if letter.enterprise else "")
        paragraphs = [
            "根据《长三角CCC免办联动机制工作指引》第16条（监督检查联动）有关规定，我局在开展CCC免办"
            f"双随机监督检查中发现，{unit}的下列CCC免办产品实际使用地在你局辖区：",
            letter.batches,
            f"请协助调查核实以下事项：{letter.matters}",
            f"请于收函后{reply_days}日内将调查核实结果反馈我局。",
            "特此函告。",
        ]
        if letter.signed_by:
            paragraphs.append(f"联系人：{letter.signed_by}")
        return LetterText(sender, letter.doc_no or "", "关于协助核查CCC免办产品使用情况的函",
                          letter.counterpart, paragraphs, letter.sent_on)
    result = letter.reply_result.label if letter.reply_result else "（待核查）"
    paragraphs = [
        f"你局《{letter.doc_no or '协查函'}》收悉。经我局调查核实，现将有关情况函复如下：",
        f"涉及单位：{letter.unit_name}；涉及批次：{letter.batches}",
        f"协查事项：{letter.matters}",
        f"核查结果：{result}。{letter.reply_summary or ''}",
        "特此函复。",
    ]
    return LetterText(sender, "", f"关于{letter.doc_no or '协查函'}的复函", letter.counterpart,
                      paragraphs, letter.replied_on)


def _letter_html(text: LetterText) -> str:
    body = "".join(f'<p class="body">{_h(p)}</p>' for p in text.paragraphs)
    css = f"""
@page {{ size: a4 portrait; margin: 60pt 72pt 60pt 72pt; }}
html, body, p, div {{ font-family: {CSS_FONT}; }}
body {{ font-size: 14pt; line-height: 1.6; }}
p {{ -pdf-word-wrap: CJK; margin: 0; }}
p.sender {{ font-size: 24pt; text-align: center; color: #c00000; margin: 0 0 8pt 0; }}
p.docno {{ text-align: center; font-size: 14pt; margin: 0 0 4pt 0; }}
hr {{ color: #c00000; }}
p.title {{ font-size: 20pt; text-align: center; margin: 18pt 0 18pt 0; }}
p.addressee {{ margin: 0 0 6pt 0; }}
p.body {{ text-indent: 28pt; margin: 0 0 4pt 0; }}
p.sign {{ text-align: right; margin: 0; }}
"""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/>'
            f"<style>{css}</style></head><body>"
            f'<p class="sender">{_h(text.sender)}</p>'
            f'<p class="docno">{_h(text.doc_no)}</p><hr/>'
            f'<p class="title">{_h(text.title)}</p>'
            f'<p class="addressee">{_h(text.addressee)}：</p>{body}'
            '<p class="sign">&#160;</p><p class="sign">&#160;</p>'
            f'<p class="sign">{_h(text.sender)}</p>'
            f'<p class="sign">{_h(chinese_date(text.signed_on, DATE_LINE))}</p>'
            "</body></html>")


def render_letter(text: LetterText, fmt: str) -> tuple[bytes, str]:
    if fmt == "pdf":
        ensure_font()
        return html_to_pdf(_letter_html(text), "assistance_letter"), MIMETYPES["pdf"]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        ws = wb.active
        ws.title = "协查函"
        lines = [text.sender, text.doc_no, text.title, f"{text.addressee}：", *text.paragraphs,
                 "", text.sender, chinese_date(text.signed_on, DATE_LINE)]
        ws.column_dimensions["A"].width = 80
        print_setup.apply_openpyxl(ws, print_setup.PageSetup(landscape=False))
        for i, line in enumerate(lines, start=1):
            cell = ws.cell(row=i, column=1, value=cell_text(line) or None)
            cell.font = Font(name=_XLSX_FONT, size=12)
            align = "center" if i <= 3 else ("right" if i >= len(lines) - 1 else "left")
            cell.alignment = Alignment(horizontal=align, wrap_text=True, vertical="top")
            ws.row_dimensions[i].height = max(18.0, 16.0 * xlsx_line_count(cell_text(line), 80))
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), MIMETYPES["xlsx"]
    raise ValueError(f"unsupported format {fmt!r}")


# --------------------------------------------------------------------------- from the records


def blank_sheet(code: str) -> ChecklistSheet:
    from app.domain.checklists import CHECKLISTS

    return ChecklistSheet(checklist=CHECKLISTS[code])


def remote_use_lines(inspection) -> list[str]:
    return [f"{i}. 批次：{r.batch_text}；具体省市：{r.place}；使用类型：{r.use_type.label}；"
            f"核销情况：{r.write_off_status or '—'}"
            for i, r in enumerate(inspection.remote_uses, start=1)]


def inspection_sheet(inspection) -> ChecklistSheet:
    """The filled checklist of one inspection: part 一 from the records, part 二 as answered."""
    from app.services.supervision import answers_of, unit_facts

    findings = remote_use_lines(inspection)
    if inspection.other_findings:
        findings.append(inspection.other_findings)
    return ChecklistSheet(
        checklist=inspection.checklist.checklist, inspected_on=inspection.inspected_on,
        inspectors="、".join(u.get_full_name() for u in inspection.inspectors),
        facts=unit_facts(inspection.enterprise, inspection.checklist),
        answers={a.point_code: (a.answer.name if a.answer else None, a.description or "")
                 for a in answers_of(inspection)},
        other_findings="\n".join(findings), unit_opinion=inspection.unit_opinion or "",
        confirmed_on=inspection.unit_confirmed_on, method=inspection.method.label)
