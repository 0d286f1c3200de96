"""The streaming table reader (``app.services.tables.read_rows``) and the customs import on it:
row by row, stopped at the limit, GB18030 and UTF-8 CSV, Excel dates, Chinese refusals."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from app import policy
from app.extensions import db
from app.models import CustomsUsage
from app.services import tables
from app.services.tables import TableError, parse_date, read_rows
from tests import factories
from tests.conftest import DISTRICT_A, has_chinese

HEADER = ["证明编号", "报关单号", "入境口岸", "调用日期", "数量"]
BIG_ROWS = 200_000


def _xlsx(rows, header=HEADER) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _data_rows(first: int, last: int, extra=lambda n: ""):
    """Sheet XML rows ``first``..``last`` of customs data (``extra(n)``: more cells)."""
    return "".join(f'<row r="{n}">{_cell(f"A{n}", "N31010126000001")}'
                   f'{_cell(f"B{n}", f"2201202610{n:08d}")}{_cell(f"C{n}", "洋山港")}'
                   f'{_cell(f"D{n}", "2026-11-20")}<c r="E{n}"><v>1</v></c>{extra(n)}</row>'
                   for n in range(first, last + 1))


def _workbook_with_sheet(rows_xml: str, dimension: str | None) -> bytes:
    """A real .xlsx whose first sheet is the header and ``rows_xml``, written as XML directly
    (openpyxl would take long to write big sheets cell by cell), with the ``<dimension>``
    given (None: none)."""
    template = _xlsx([["N31010126000001", "220120261000012345", "洋山港", "2026-11-20", 1]])
    header = '<row r="1">' + "".join(_cell(f"{c}1", h) for c, h in zip("ABCDE", HEADER)) \
        + "</row>"
    sheet_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 + (f'<dimension ref="{dimension}"/>' if dimension else "")
                 + "<sheetData>" + header + rows_xml + "</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(template) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = sheet_xml.encode() if item.filename == "xl/worksheets/sheet1.xml" \
                else src.read(item.filename)
            dst.writestr(item.filename, data)
    return out.getvalue()


@pytest.fixture(scope="session")
def big_workbook() -> bytes:
    """A real .xlsx of 200,000 data rows."""
    return _workbook_with_sheet(_data_rows(2, BIG_ROWS + 1), f"A1:E{BIG_ROWS + 1}")


@pytest.fixture()
def calamine_spy(monkeypatch):
    """The sheets handed to python-calamine, which parses a whole sheet at once."""
    handed = []
    original = tables._calamine_rows

    def spy(stream, sheet=None):
        handed.append(sheet)
        return original(stream, sheet)

    monkeypatch.setattr(tables, "_calamine_rows", spy)
    return handed


@pytest.mark.parametrize("dimension", [f"A1:E{BIG_ROWS + 1}", "A1:A1", None],
                         ids=["true-dimension", "lying-dimension", "no-dimension"])
def test_a_sheet_over_the_limit_is_never_parsed_whole(big_workbook, calamine_spy, dimension):
    """python-calamine parses a whole sheet before its first row: a sheet over the limit
    never reaches it, whatever its ``<dimension>`` says; it is read row by row up to the
    limit and refused there."""
    data = big_workbook if dimension == f"A1:E{BIG_ROWS + 1}" \
        else _workbook_with_sheet(_data_rows(2, 3 * policy.MAX_IMPORT_ROWS), dimension)
    seen = 0
    with pytest.raises(TableError) as refused:
        for _row in read_rows(io.BytesIO(data), "customs.xlsx", limit=policy.MAX_IMPORT_ROWS):
            seen += 1
    assert seen == policy.MAX_IMPORT_ROWS
    assert refused.value.row == policy.MAX_IMPORT_ROWS + 2
    assert calamine_spy == []


def test_a_stray_far_cell_does_not_make_a_giant_grid(calamine_spy):
    """A small file with one cell far out (column XFD of its last row: python-calamine would
    build a grid of 300 x 16,384 cells) is read row by row, and reads as the user sees it."""
    data = _workbook_with_sheet(
        _data_rows(2, 300, extra=lambda n: f'<c r="XFD{n}"><v>9</v></c>' if n == 300 else ""),
        "A1:XFD300")
    rows = list(read_rows(io.BytesIO(data), "customs.xlsx", limit=policy.MAX_IMPORT_ROWS))
    assert len(rows) == 299 and rows[-1]["报关单号"] == "220120261000000300"
    assert calamine_spy == []


def test_a_sheet_within_the_limit_is_read_by_calamine(calamine_spy):
    """The fast reader stays in use for what it can take: a sheet measured within the limit."""
    data = _workbook_with_sheet(_data_rows(2, 501), "A1:E501")
    rows = list(read_rows(io.BytesIO(data), "customs.xlsx", limit=policy.MAX_IMPORT_ROWS))
    assert len(rows) == 500 and rows[0]["入境口岸"] == "洋山港"
    assert calamine_spy == [None]
    # rows without their position (allowed, but not measured): read row by row, the same
    unnumbered = _workbook_with_sheet(_data_rows(2, 501).replace(' r="', ' x="'), None)
    assert [dict(r) for r in read_rows(io.BytesIO(unnumbered), "customs.xlsx",
                                       limit=policy.MAX_IMPORT_ROWS)] == [dict(r) for r in rows]
    assert calamine_spy == [None]


def test_a_workbook_over_the_limit_is_refused_after_reading_just_past_it(big_workbook,
                                                                         monkeypatch):
    read = {"rows": 0}
    original = tables._xlsx_rows

    def counting(stream, *args, **kwargs):
        for row in original(stream, *args, **kwargs):
            read["rows"] += 1
            yield row

    monkeypatch.setattr(tables, "_xlsx_rows", counting)
    seen = 0
    with pytest.raises(TableError) as refused:
        for _row in read_rows(io.BytesIO(big_workbook), "customs.xlsx",
                              limit=policy.MAX_IMPORT_ROWS):
            seen += 1
    assert seen == policy.MAX_IMPORT_ROWS
    assert f"一次最多导入{policy.MAX_IMPORT_ROWS}行" in refused.value.message
    assert refused.value.row == policy.MAX_IMPORT_ROWS + 2
    # the header, the rows within the limit and the one past it: not 200,000
    assert read["rows"] == policy.MAX_IMPORT_ROWS + 2


def test_the_console_refuses_a_200000_row_workbook_with_the_limit_and_saves_nothing(
        app_ctx, client_as, big_workbook):
    before = db.session.scalar(select(func.count()).select_from(CustomsUsage))
    page = client_as("admin").post("/customsusageview/import/", data={
        "file": (io.BytesIO(big_workbook), "customs.xlsx")}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert f"一次最多导入{policy.MAX_IMPORT_ROWS}行" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage)) == before


def test_every_row_within_the_limit_is_read():
    rows = [[f"N{n}", f"2201202610000{n:05d}", "洋山港", "2026-11-20", n] for n in range(1, 51)]
    read = list(read_rows(_xlsx(rows), "a.xlsx", limit=50))
    assert [r["数量"] for r in read] == [str(n) for n in range(1, 51)]
    assert [r.number for r in read] == list(range(2, 52))


@pytest.mark.parametrize("encoding,bom", [("gb18030", b""), ("utf-8", b""),
                                          ("utf-8", b"\xef\xbb\xbf")])
def test_csv_in_the_encodings_chinese_excel_writes(encoding, bom):
    text = ("证明编号,报关单号,入境口岸,调用日期,数量\r\n"
            "N31010126000001,220120261000012345,外高桥港区（㐀字）,2026/11/20,3\r\n"
            "N31010126000002,220120261000012346,\"上海浦东国际机场, 货运区\",2026-11-21,4\r\n")
    content = bom + text.encode(encoding)
    rows = list(read_rows(io.BytesIO(content), "海关.csv"))
    assert [r["入境口岸"] for r in rows] == ["外高桥港区（㐀字）", "上海浦东国际机场, 货运区"]
    assert list(rows[0]) == HEADER  # no BOM left on the first header
    assert [r.number for r in rows] == [2, 3]


def test_csv_that_is_neither_utf8_nor_gb18030_is_refused_in_chinese():
    content = "证明编号\r\n".encode() + b"\x81\x30\xff\xff\r\n"
    with pytest.raises(TableError) as refused:
        list(read_rows(io.BytesIO(content), "a.csv"))
    assert "编码" in refused.value.message


def test_values_are_text_as_the_user_sees_them():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["代码", "数量", "金额", "日期", "日期时间", "序列号日期", "空"])
    sheet.append(["0901", 10, 12.5, dt.date(2026, 11, 20), dt.datetime(2026, 11, 20, 9, 30),
                  46346, None])
    sheet["D2"].number_format = "yyyy-mm-dd"
    sheet.append([None] * 7)  # a blank row is skipped and not counted
    sheet.append(["0902", 11.0, None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    first, second = list(read_rows(buffer, "a.xlsx", limit=2))
    assert first == {"代码": "0901", "数量": "10", "金额": "12.5", "日期": "2026-11-20",
                     "日期时间": "2026-11-20 09:30:00", "序列号日期": "46346", "空": ""}
    assert second.number == 4 and second["数量"] == "11"
    # a serial number left in a plain number cell is a date by openpyxl's own conversion
    assert parse_date(first["序列号日期"]) == dt.date(2026, 11, 20)
    assert parse_date("2026年11月20日") == parse_date("20261120") == dt.date(2026, 11, 20)


def test_columns_are_renamed_and_required_ones_checked():
    columns = {"证明编号": "certificate_number", "数量": "quantity"}
    rows = list(read_rows(_xlsx([["N1", 3]], header=["证明编号", "数量"]), "a.xlsx",
                          columns=columns, required=["certificate_number", "quantity"]))
    assert rows == [{"certificate_number": "N1", "quantity": "3"}]
    with pytest.raises(TableError) as refused:
        list(read_rows(_xlsx([["N1"]], header=["证明编号"]), "a.xlsx", columns=columns,
                       required=["certificate_number", "quantity"]))
    assert refused.value.message == "文件缺少以下列：数量（请使用导入模板）。"


OLE2_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)


@pytest.mark.parametrize("content,filename,words", [
    (OLE2_XLS, "海关.xls", "旧版Excel"),
    (OLE2_XLS, "disguised.xlsx", "旧版Excel"),
    (b"PK\x03\x04 not really a zip", "a.xlsx", "不是有效的Excel"),
    (b"plain text", "a.xlsx", "不是有效的Excel"),
    (b"a,b\n1,2\n", "a.txt", "只能导入"),
    (b"", "a.csv", "表头"),
    ("证明编号,证明编号\n1,2\n".encode(), "a.csv", "重复"),
    (b"a,b\n1,\x00\n", "a.csv", "控制字符"),
])
def test_unreadable_files_are_refused_in_chinese(content, filename, words):
    with pytest.raises(TableError) as refused:
        list(read_rows(io.BytesIO(content), filename))
    assert words in refused.value.message and has_chinese(refused.value.message)


def test_the_console_import_reports_sheet_rows_and_refuses_xls(app_ctx, client_as, bureaus):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    rows = [[cert.number, "220120261000400001", "洋山港", cert.issued_on, 1],
            [None, None, None, None, None],  # blank row 3
            [cert.number, "2201", "洋山港", cert.issued_on, 1]]  # row 4 is wrong
    client = client_as("admin")
    html = client.post("/customsusageview/import/", data={
        "file": (_xlsx(rows), "customs.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "<td>4</td><td>报关单号</td>" in html
    page = client.post("/customsusageview/import/", data={
        "file": (io.BytesIO(OLE2_XLS), "customs.xls")}, content_type="multipart/form-data")
    assert page.status_code == 422 and "旧版Excel" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
        CustomsUsage.certificate_id == cert.id)) == 0


def test_the_api_import_takes_a_file_too(app_ctx, api_as, bureaus):
    cert = factories.certificate(factories.application(factories.enterprise(bureaus[DISTRICT_A])))
    db.session.commit()
    client, headers = api_as("admin")
    csv = ("证明编号,报关单号,入境口岸,调用日期,数量\r\n"
           f"{cert.number},220120261000500001,洋山港,{cert.issued_on:%Y-%m-%d},2\r\n")
    response = client.post("/api/v1/customs_usage/import", headers=headers, data={
        "file": (io.BytesIO(csv.encode("gb18030")), "customs.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1
    refused = client.post("/api/v1/customs_usage/import", headers=headers, data={
        "file": (io.BytesIO(OLE2_XLS), "customs.xls")}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "旧版Excel" in refused.get_json()["message"][0]["message"]
