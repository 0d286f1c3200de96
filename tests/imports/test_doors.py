"""The import doors: ``POST /api/v1/<resource>/import`` (DESIGN §5) and the console's
upload → preview → confirm, with the error report and the 导入 buttons."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enterprise, ImportBatch
from app.services.imports.records import ENTERPRISE_SHEET
from tests import factories
from tests.imports.helpers import csv_bytes, xlsx

HEADERS = [c.header for c in ENTERPRISE_SHEET.columns]


def enterprise_row(uscc, name="上海导入测试有限公司", bureau="黄浦区"):
    return [name, uscc, "上海市黄浦区测试路1号", "上海市黄浦区测试路1号", bureau, "民营", "张三",
            "13812345678", "", "", "", "", "", "良好"]


def _count_uscc(*codes):
    return db.session.scalar(select(func.count()).select_from(Enterprise)
                             .where(Enterprise.uscc.in_(codes)))


def test_api_import_answers_counts_or_errors_by_row(app_ctx, api_as):
    good, other = factories.uscc("310101"), factories.uscc("310101")
    client, headers = api_as("huangpu")
    answer = client.post("/api/v1/enterprise/import", headers=headers, data={
        "file": (xlsx(("申请单位", [HEADERS, enterprise_row(good)])), "单位.xlsx")})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"created": 1, "updated": 0}
    answer = client.post("/api/v1/enterprise/import", headers=headers, data={
        "file": (xlsx(("申请单位", [HEADERS, enterprise_row(good, name="改名后的公司"),
                                    enterprise_row(other), enterprise_row("91310101XXXX")])),
                 "单位.xlsx")})
    assert answer.status_code == 422
    errors = answer.get_json()["message"]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "统一社会信用代码")]
    assert "18位" in errors[0]["message"]
    assert _count_uscc(other) == 0
    db.session.expire_all()
    assert db.session.scalar(select(Enterprise.name).where(Enterprise.uscc == good)) \
        == "上海导入测试有限公司"


def test_api_district_officer_refused_another_district_and_reference_tables(app_ctx, api_as):
    code = factories.uscc("310115")
    client, headers = api_as("huangpu")
    answer = client.post("/api/v1/enterprise/import", headers=headers, data={
        "file": (csv_bytes([HEADERS, enterprise_row(code, bureau="浦东新区")], "gb18030"),
                 "单位.csv")})
    assert answer.status_code == 422
    (error,) = answer.get_json()["message"]
    assert (error["row"], error["field"]) == (2, "所属区局")
    assert "不在您的管辖范围内" in error["message"]
    answer = client.post("/api/v1/calendar_day/import", headers=headers, data={
        "file": (csv_bytes([["日期", "类型", "名称"]]), "a.csv")})
    assert answer.status_code == 403
    assert client.post("/api/v1/nothing/import", headers=headers, data={
        "file": (csv_bytes([["a"]]), "a.csv")}).status_code in (403, 404)


def test_console_upload_preview_confirm(app_ctx, client_as):
    code = factories.uscc("310101")
    client = client_as("huangpu")
    listing = client.get("/enterpriseview/list/").get_data(as_text=True)
    assert "/imports/enterprise/" in listing
    template = client.get("/imports/enterprise/template/")
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS and sheet.max_row == 2
    batches = db.session.scalar(select(func.count()).select_from(ImportBatch))
    page = client.post("/imports/enterprise/", data={
        "file": (xlsx(("申请单位", [HEADERS, enterprise_row(code)])), "单位.xlsx")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "将新增1条，更新0条" in html
    assert _count_uscc(code) == 0
    token = html.split("/imports/enterprise/confirm/")[1].split('"')[0].split("?")[0]
    done = client.post(f"/imports/enterprise/confirm/{token}", follow_redirects=True)
    assert "导入完成：新增1条，更新0条" in done.get_data(as_text=True)
    assert _count_uscc(code) == 1
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == batches + 1
    # another user cannot confirm this user's upload
    assert client_as("pudong").post(f"/imports/enterprise/confirm/{token}").status_code == 422


def test_console_errors_are_shown_and_downloadable(app_ctx, client_as):
    client = client_as("huangpu")
    page = client.post("/imports/enterprise/", data={
        "file": (xlsx(("申请单位", [HEADERS, enterprise_row(factories.uscc("310101")),
                                    enterprise_row("123")])), "单位.xlsx")})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "未导入：共1处错误" in html and "统一社会信用代码应为18位" in html
    link = html.split("/imports/enterprise/errors/")[1].split('"')[0]
    report = client.get(f"/imports/enterprise/errors/{link}")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).worksheets[0]
    assert sheet.cell(1, len(HEADERS) + 1).value == "错误说明"
    assert sheet.cell(2, len(HEADERS) + 1).value in (None, "")
    assert "统一社会信用代码应为18位" in sheet.cell(3, len(HEADERS) + 1).value


def test_import_buttons_follow_the_roles(app_ctx, client_as):
    assert "/imports/calendar_day/" in client_as("admin").get(
        "/calendardayview/list/").get_data(as_text=True)
    assert "/imports/calendar_day/" not in client_as("huangpu").get(
        "/calendardayview/list/").get_data(as_text=True)
    assert client_as("huangpu").get("/imports/calendar_day/").status_code == 403
    assert client_as("auditor").get("/imports/enterprise/").status_code in (302, 403)
