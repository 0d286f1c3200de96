"""List exports stream every in-scope row (issue 15): read in batches, no cap below Excel's
sheet limit, nothing of another district; progress readable while the file is prepared;
beyond Excel's limit the .xlsx is refused with the way out (.csv)."""
from __future__ import annotations

import csv
import io
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Application, Product
from app.views.applications import ProductView
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


@pytest.fixture()
def small_batches(monkeypatch):
    monkeypatch.setattr(ProductView, "export_batch", 7)


def _models_in(bureau_id: int) -> Counter:
    """Product models of a bureau by the path (application's bureau), not the carried copy,
    counted (a model may repeat: imported products share theirs)."""
    return Counter(db.session.scalars(select(Product.model).join(Application)
                                      .where(Application.bureau_id == bureau_id)))


def _seed(bureaus):
    for code, apps in ((DISTRICT_A, 5), (DISTRICT_B, 4)):
        ent = factories.enterprise(bureaus[code])
        for _ in range(apps):
            factories.application(ent, products=4)
    db.session.commit()


def _model_column(header: list[str]) -> int:
    return header.index("型号规格")


def test_csv_export_writes_every_in_scope_row_and_none_outside(app_ctx, bureaus, client_as,
                                                               small_batches):
    _seed(bureaus)
    response = client_as("pudong").get("/productview/export/?format=csv")
    assert response.status_code == 200
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    col = _model_column(rows[0])
    exported = [r[col] for r in rows[1:]]
    # every row of the district once, and nothing else (another district's row would be extra)
    assert Counter(exported) == _models_in(bureaus[DISTRICT_B].id)


def test_xlsx_export_writes_every_in_scope_row_and_none_outside(app_ctx, bureaus, client_as,
                                                                small_batches):
    _seed(bureaus)
    response = client_as("huangpu").get("/productview/export/?format=xlsx&progress=" + "a" * 32)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = [str(v) for v in values[2]]
    col = _model_column(header)
    exported = [r[col] for r in values[3:]]
    in_scope = _models_in(bureaus[DISTRICT_A].id)
    assert len(exported) == sum(in_scope.values()) > 20  # more than the 7-record batches
    assert Counter(exported) == in_scope
    assert f"记录数：{sum(in_scope.values())}" in values[1][0]

    client = client_as("huangpu")
    state = client.get("/productview/export/progress/" + "a" * 32).get_json()
    assert state == {"done": sum(in_scope.values()), "total": sum(in_scope.values()), "finished": True,
                     "error": None}
    # another user holding the token reads nothing of this export (its counts stay the user's)
    other = client_as("pudong").get("/productview/export/progress/" + "a" * 32).get_json()
    assert other == {"done": 0, "total": 0, "finished": False, "error": None}


def test_the_export_follows_the_list_filters(app_ctx, bureaus, client_as):
    _seed(bureaus)
    target = db.session.scalar(select(Product).join(Application).where(
        Application.bureau_id == bureaus[DISTRICT_A].id).order_by(Product.id.desc()))
    response = client_as("huangpu").get(
        f"/productview/export/?format=csv&_flt_0_brand={target.brand}"
        f"&_flt_0_name={target.name}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    col = _model_column(rows[0])
    wanted = set(db.session.scalars(select(Product.model).join(Application).where(
        Application.bureau_id == bureaus[DISTRICT_A].id, Product.brand == target.brand,
        Product.name == target.name)))
    assert target.model in wanted
    assert set(r[col] for r in rows[1:]) == wanted


def test_over_excels_limit_the_xlsx_is_refused_and_csv_offered(app_ctx, bureaus, client_as,
                                                              monkeypatch):
    import app.reports.exports as exports

    _seed(bureaus)
    monkeypatch.setattr(exports, "XLSX_MAX_DATA_ROWS", 3)
    client = client_as("pudong")
    response = client.get("/productview/export/?format=xlsx", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "超过Excel单个工作表的上限" in page and "导出CSV" in page
    assert client.get("/productview/export/?format=csv").status_code == 200
