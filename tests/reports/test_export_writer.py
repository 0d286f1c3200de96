"""The .xlsx list writer's lean rows (issue 15): each cell reads back as the cell-by-cell
openpyxl writing made it — dates as dated numbers with their format, text as text (a
formula typed by a user too), 序号 a number, long text wrapped, spaces kept."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl

from app.reports.exports import write_xlsx

ROW = ["S310115000019", " lead space", "", "=SUM(A1)", "#N/A", "2026-02-30", "2026-01-02 10:00",
       "2026-01-09", "-5", "长" * 80, "=长" * 40, None, 12]


def _sheet():
    buf = io.BytesIO()
    write_xlsx(buf, "免办申请", [f"列{i}" for i in range(len(ROW))], [ROW, ROW], header="h")
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active


def test_lean_rows_read_back_as_openpyxl_cells():
    ws = _sheet()
    cells = list(ws.iter_rows(min_row=4, max_row=4))[0]
    assert cells[0].value == 1 and cells[0].data_type == "n"
    values = [c.value for c in cells[1:]]
    assert values[0] == "S310115000019"
    assert values[1] == " lead space"
    assert values[2] is None
    assert values[3] == "=SUM(A1)" and cells[4].data_type == "s"
    assert values[4] == "#N/A" and cells[5].data_type == "e"
    assert values[5] == "2026-02-30"  # not a date: stays text
    assert values[6] == dt.datetime(2026, 1, 2, 10, 0)
    assert cells[7].number_format == "yyyy-mm-dd hh:mm"
    assert values[7] == dt.datetime(2026, 1, 9) and cells[8].number_format == "yyyy-mm-dd"
    assert values[8] == "-5"
    assert values[9] == "长" * 80 and cells[10].alignment.wrap_text
    assert values[10] == "=长" * 40 and cells[11].data_type == "s"
    assert values[11] is None
    assert values[12] == "12"
    assert [c.value for c in list(ws.iter_rows(min_row=5, max_row=5))[0]][0] == 2


def test_rows_written_as_text_are_escaped_cleaned_and_replace_the_marker():
    """The data rows are XML text streamed into the saved workbook in place of a marker row:
    XML's own characters escaped, carriage returns and forbidden control characters dealt
    with as ``cell_text`` does, the marker gone, the print set-up after the rows kept."""
    import zipfile

    row = ["a&b<c>", "x\r\ny", "bad\x01char", "]]>", "tab\there", "2026-01-09"]
    buf = io.BytesIO()
    count = write_xlsx(buf, "免办申请", [f"列{i}" for i in range(len(row))], [row] * 3, header="h")
    assert count == 3
    sheet = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/worksheets/sheet1.xml")
    assert b"ccc-data-rows-" not in sheet and b"<pageSetup" in sheet
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.max_row == 3 + 3
    for r in (4, 5, 6):
        values = [c.value for c in ws[r]]
        assert values[0] == r - 3
        assert values[1:6] == ["a&b<c>", "x\ny", "badchar", "]]>", "tab\there"]
        assert values[6] == dt.datetime(2026, 1, 9) and ws.cell(r, 7).number_format == "yyyy-mm-dd"
