"""Bulk import in a real browser, as a district officer: from the 申请单位 list's 导入 button,
download the template, upload a file with a bad row (the row and column said on the page,
the error report downloadable), then a good file: preview with its counts, confirm, the
records are there and the batch is listed in 导入记录."""
from __future__ import annotations

import re
import secrets

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enterprise, ImportBatch
from app.services.imports.records import ENTERPRISE_SHEET
from seeds.demo import DEMO_PASSWORD
from tests import factories
from tests.browser.conftest import NEEDS_CHROMIUM
from tests.imports.helpers import xlsx
from tests.imports.test_doors import HEADERS, enterprise_row

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "/login" not in page.url, f"{username} could not log in"


def _upload(page, name: str, rows: list[list]) -> None:
    page.set_input_files("input[name=file]", files=[{
        "name": name, "mimeType": XLSX, "buffer": xlsx(("申请单位", rows)).getvalue()}])
    with page.expect_navigation():
        page.click("button:has-text('上传并预览')")


def test_district_officer_imports_enterprises(live_server, browser, demo_app, tmp_path):
    tag = secrets.token_hex(3)
    good = [factories.uscc("310101") for _ in range(2)]
    context = browser.new_context(viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, "huangpu")

    # the list's 导入 button opens the import page
    page.goto(f"{live_server}/enterpriseview/list/")
    with page.expect_navigation():
        page.click("a.btn:has-text('导入')")
    assert "/imports/enterprise/" in page.url
    assert "导入申请单位" in page.inner_text("body")

    # the template: an .xlsx with the Chinese headers and one example row
    with page.expect_download() as download_info:
        page.click("a:has-text('下载导入模板')")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "template.xlsx"
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in ENTERPRISE_SHEET.columns]
    assert sheet.max_row == 2

    # one bad row among good ones: nothing written, the row and column on the page
    _upload(page, f"有错误{tag}.xlsx", [HEADERS, enterprise_row(good[0], f"浏览器导入{tag}甲"),
                                        enterprise_row("123", f"浏览器导入{tag}乙")])
    errors = page.locator("#import-errors")
    assert "共1处错误" in errors.inner_text()
    table = page.inner_text("table")
    assert re.search(r"3\s+统一社会信用代码\s+.*18位", table), table
    with page.expect_download() as download_info:
        page.click("a:has-text('下载带错误说明的文件')")
    report = download_info.value
    assert report.suggested_filename.endswith("_错误说明.xlsx")
    path = tmp_path / "errors.xlsx"
    report.save_as(path)
    marked = openpyxl.load_workbook(path).worksheets[0]
    assert marked.cell(row=1, column=marked.max_column).value == "错误说明"
    assert "统一社会信用代码" in (marked.cell(row=3, column=marked.max_column).value or "")
    assert not (marked.cell(row=2, column=marked.max_column).value or "")
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enterprise)
                                 .where(Enterprise.uscc.in_(good))) == 0
        db.session.remove()

    # a good file: the preview counts, then the confirmation writes them
    page.goto(f"{live_server}/imports/enterprise/")
    filename = f"申请单位{tag}.xlsx"
    _upload(page, filename, [HEADERS, enterprise_row(good[0], f"浏览器导入{tag}甲"),
                             enterprise_row(good[1], f"浏览器导入{tag}乙")])
    assert "将新增2条，更新0条" in page.inner_text("#import-preview")
    assert f"浏览器导入{tag}乙" in page.inner_text("table")
    with page.expect_navigation():
        page.click("button:has-text('确认导入')")
    assert "导入完成：新增2条，更新0条" in page.inner_text("body")
    assert "/enterpriseview/list/" in page.url
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enterprise)
                                 .where(Enterprise.uscc.in_(good))) == 2
        batch = db.session.scalars(select(ImportBatch)
                                   .where(ImportBatch.file_name == filename)).one()
        assert (batch.created_count, batch.updated_count) == (2, 0)
        db.session.remove()

    # 导入记录 lists the batch
    page.goto(f"{live_server}/importbatchview/list/")
    body = page.inner_text("body")
    assert "导入记录" in body and filename in body
    row = page.locator("tr", has_text=filename)
    assert "申请单位" in row.inner_text() and "成功：新增2条，更新0条" in row.inner_text()
    context.close()
