"""The 统计 page's .xlsx: the figures per district (with 合计), per month, and the review
deadlines, as numbers (not text), printed A4 landscape at 100 % (``print_setup``)."""
from __future__ import annotations

import io

from app.reports import print_setup
from app.reports.engine import MIMETYPES

XLSX_MIMETYPE = MIMETYPES["xlsx"]


def render_statistics_xlsx(title: str, scope_name: str, as_of: str, stats, district_labels,
                           district_rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "统计"
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name="宋体", size=10.5)
    bold = Font(name="宋体", size=10.5, bold=True)
    grey = PatternFill("solid", fgColor="E8E8E8")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ncols = len(district_labels)

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    cell = ws.cell(row=1, column=1, value=title)
    cell.font, cell.alignment = Font(name="宋体", size=16, bold=True), center
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.cell(row=2, column=1, value=f"统计范围：{scope_name}    统计日期：{as_of}").font = font

    def table(top: int, labels, rows) -> int:
        for c, label in enumerate(labels, start=1):
            cell = ws.cell(row=top, column=c, value=label)
            cell.font, cell.fill, cell.border, cell.alignment = bold, grey, box, center
        ws.row_dimensions[top].height = 32
        for r, values in enumerate(rows, start=top + 1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=None if value == "" else value)
                cell.font, cell.border, cell.alignment = font, box, center
        return top + len(rows) + 2

    row = table(4, district_labels, district_rows)
    row = table(row, ["月份", "免办申请（件）", "免办证明（份）"],
                [[m, a, c] for m, a, c in zip(stats.months, stats.applications_by_month,
                                              stats.certificates_by_month)])
    rate = stats.deadline_rate
    table(row, ["发证期限", "件数"],
          [[k, v] for k, v in stats.deadlines.items()]
          + [["按期办结率（%）", "" if rate is None else rate]])

    widths = [16.0] + [14.0] * (ncols - 1)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    print_setup.apply_openpyxl(ws, print_setup.PageSetup(landscape=True))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
