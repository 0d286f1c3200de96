"""List exports (.xlsx and .csv): what a user sees in a list, with every detail column, for
the rows their filters and their scope select."""
from __future__ import annotations

import re

import pandas as pd

from app import clock
from app.reports import Column, HeaderField, ReportData, ReportDeclaration, render_xlsx
from app.reports.engine import MIMETYPES

XLSX_MIMETYPE = MIMETYPES["xlsx"]
CSV_MIMETYPE = "text/csv; charset=utf-8"

#: A spreadsheet takes a CSV cell starting with one of these for a formula (OWASP, "CSV
#: Injection"): = + - @, and tab or carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading single quote, as OWASP
    recommends, so it opens as the text it is; plain numbers such as ``-5`` stay numbers."""
    if text and text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def export_table(code: str, title: str, labels: list[str], rows: list[list[str]], fmt: str,
                 exported_by: str, bureau: str, total: int) -> tuple[bytes, str, str]:
    """(content, mimetype, download file name) for a list in ``fmt`` ('xlsx' or 'csv')."""
    stamp = clock.now()
    filename = f"{title}_{stamp:%Y%m%d%H%M}.{fmt}"
    if fmt == "csv":
        safe_rows = [[neutralise_formula(str(cell)) for cell in row] for row in rows]
        frame = pd.DataFrame(safe_rows, columns=[neutralise_formula(str(x)) for x in labels],
                             dtype=str)
        # UTF-8 with BOM: Excel on Chinese Windows opens it without garbling.
        text = frame.to_csv(index=False, lineterminator="\r\n")
        return ("\ufeff" + text).encode("utf-8"), CSV_MIMETYPE, filename
    if fmt != "xlsx":
        raise ValueError(fmt)
    keys = [f"c{i}" for i in range(len(labels))]
    declaration = ReportDeclaration(
        code=code, title=title,
        header_fields=(HeaderField("导出单位", "bureau"), HeaderField("导出人", "user"),
                       HeaderField("导出时间", "time"), HeaderField("记录数", "count")),
        columns=tuple(Column(key, label, 1.0, "left") for key, label in zip(keys, labels)),
        list_export=True)  # page set-up: app.reports.print_setup.list_setup
    note = f"{len(rows)}" if len(rows) == total else f"{total}（导出前{len(rows)}条）"
    data = ReportData(header={"bureau": bureau, "user": exported_by,
                              "time": f"{stamp:%Y-%m-%d %H:%M}", "count": note},
                      rows=[dict(zip(keys, row)) for row in rows])
    return render_xlsx(declaration, data), XLSX_MIMETYPE, filename
