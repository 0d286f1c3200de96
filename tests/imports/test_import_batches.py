"""导入记录 (``/importbatchview/``): each import leaves a batch (who, when, file, counts),
read-only, scoped at the list and the show doors as every record."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from app.extensions import db
from app.models import ImportBatch
from tests import factories
from tests.imports.helpers import xlsx
from tests.imports.test_doors import HEADERS, enterprise_row


def _import_enterprise(client, filename: str) -> None:
    page = client.post("/imports/enterprise/", data={
        "file": (xlsx(("申请单位", [HEADERS, enterprise_row(factories.uscc("310101"))])),
                 filename)})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    token = html.split("/imports/enterprise/confirm/")[1].split('"')[0].split("?")[0]
    done = client.post(f"/imports/enterprise/confirm/{token}", follow_redirects=True)
    assert "导入完成：新增1条" in done.get_data(as_text=True)


def test_a_batch_appears_after_an_import_and_is_scoped(app_ctx, client_as, users):
    huangpu = client_as("huangpu")
    filename = f"黄浦单位{secrets.token_hex(4)}.xlsx"
    assert filename not in huangpu.get("/importbatchview/list/").get_data(as_text=True)
    _import_enterprise(huangpu, filename)
    batch = db.session.scalars(select(ImportBatch).where(ImportBatch.file_name == filename)).one()
    assert batch.bureau_id == users["huangpu"].bureau_id
    assert (batch.kind, batch.created_count, batch.updated_count) == ("enterprise", 1, 0)

    listing = huangpu.get("/importbatchview/list/")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert filename in html and "导入记录" in html
    for label in ("导入内容", "文件名", "导入人", "导入时间", "新增条数", "更新条数", "结果"):
        assert label in html
    assert "成功：新增1条，更新0条" in html
    show = huangpu.get(f"/importbatchview/show/{batch.id}")
    assert show.status_code == 200 and filename in show.get_data(as_text=True)

    # another district: not in its list, and its show door answers 404
    pudong = client_as("pudong")
    assert filename not in pudong.get("/importbatchview/list/").get_data(as_text=True)
    assert pudong.get(f"/importbatchview/show/{batch.id}").status_code == 404

    # the province sees every district's batches
    admin = client_as("admin")
    assert filename in admin.get("/importbatchview/list/").get_data(as_text=True)
    assert admin.get(f"/importbatchview/show/{batch.id}").status_code == 200


def test_batches_are_read_only(app_ctx, client_as):
    admin = client_as("admin")
    batch_id = db.session.scalar(select(ImportBatch.id).limit(1))
    assert admin.get("/importbatchview/add").status_code in (403, 404, 405)
    if batch_id is not None:
        assert admin.get(f"/importbatchview/edit/{batch_id}").status_code in (403, 404, 405)
        assert admin.post(f"/importbatchview/delete/{batch_id}").status_code in (403, 404, 405)
    menu = admin.get("/importbatchview/list/").get_data(as_text=True)
    assert "/importbatchview/add" not in menu
