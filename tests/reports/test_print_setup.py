"""Every official table's .xlsx prints as the paper form: A4, fit to the page width at 100 %
(text never under 9 pt), its header rows repeated, 「第N页 共M页」; 序号 are numbers, dates
are dates, phone numbers text that never wraps; the 附件 label above the title and 填报日期 at
the right of the header line. A list export prints landscape, several pages wide if need be.

The print itself goes through LibreOffice headless (as a clerk's spreadsheet program would
print it) where ``soffice`` is installed; the font size of the printed digits is measured in
the PDF with pdfplumber."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import statistics
import subprocess
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from app.enums import ExemptionClause
from app.reports import ReportData, print_setup, render_pdf, render_xlsx
from app.reports.engine import GROUP
from app.reports.exports import export_table
from app.reports.forms import FastTrackForm, ProductListRow, render_fast_track_form_xlsx
from app.reports.official import ACCOUNT_CHANGE_TABLE, ACCOUNT_HOLDERS_TABLE, FAST_TRACK_LIST
from app.reports.supervision import SUMMARY, blank_sheet, render_checklist_xlsx

BUREAU = "上海市黄浦区市场监督管理局"
PHONE = "13812345678"


def _change_rows(n=8):
    return [{"kind": "开通", "bureau": BUREAU, "before": "无", "after": "初审、复审",
             "holder": "张丽华", "position": "产品质量监督科科长", "phone": PHONE,
             "letter": "关于调整CCC免办系统账号的函（黄市监〔2026〕12号）",
             "contact": "李明 13900001111", "remarks": "因岗位调整开通初审、复审功能"}] * n


def _holder_rows(n=8):
    return [{"bureau": BUREAU, "holder": "王小明", "position": "认证监管科科员",
             "account": "hp_wangxm", "functions": "初审、复审、发证、监管", "phone": PHONE,
             "remarks": ""}] * n


def account_change_xlsx():
    return render_xlsx(ACCOUNT_CHANGE_TABLE, ReportData(
        header={"bureau": BUREAU, "filed_on": "2026年11月23日"}, rows=_change_rows()))


def holders_xlsx():
    rows = [{GROUP: "黄浦区（1个单位，8人）"}] + _holder_rows()
    return render_xlsx(ACCOUNT_HOLDERS_TABLE, ReportData(
        header={"bureau": "上海市市场监督管理局", "filer": "吴某", "department": "认证监管处",
                "filed_on": "2026年11月23日"}, rows=rows))


def fast_track_list_xlsx():
    # the longest names the 名单 prints: every fast-track clause by name
    clause_names_text = "；\n".join(c.label for c in ExemptionClause.fast_track_clauses())
    rows = [{"unit": "上海浦江精密仪器有限公司", "uscc": "91310101MA1FPX1234",
             "district": "黄浦区", "clauses": clause_names_text, "account": "ft_pujiang",
             "valid_from": dt.date(2026, 11, 23), "valid_to": dt.date(2028, 11, 22),
             "remarks": ""}] * 5
    return render_xlsx(FAST_TRACK_LIST, ReportData(
        header={"bureau": BUREAU, "as_of": "2026年11月23日"}, rows=rows))


def summary_xlsx():
    counts = dict.fromkeys(("drawn", "inspected", "failed", "correcting", "corrected", "cases",
                            "reported", "letters_sent", "letters_answered",
                            "letters_overdue"), 3)
    return render_xlsx(SUMMARY, ReportData(
        header={"bureau": "上海市市场监督管理局", "year": "2026", "as_of": "2026年11月23日"},
        rows=[dict(district="黄浦区", plan="已抽取", **counts)] * 4))


def application_form_xlsx():
    products = [ProductListRow("微型计算机（0901）", "科研测试", 3, "上海", "使用、销毁")] * 3
    return render_fast_track_form_xlsx(FastTrackForm(
        unit_name="上海浦江精密仪器有限公司", uscc="91310101MA1FPX1234",
        registered_address="上海市黄浦区中山南路100号", business_address="上海市黄浦区中山南路100号",
        business_categories=[], economic_nature=None, legal_representative="赵一",
        legal_representative_phone=PHONE, department_head="钱二", department_head_phone=PHONE,
        handler="孙三", handler_phone=PHONE, clauses=[], past_products=products,
        expected_products=products, applied_on=dt.date(2026, 11, 23)))


def checklist_xlsx():
    from app.domain.checklists import CHECKLISTS

    return render_checklist_xlsx(blank_sheet(next(iter(CHECKLISTS))))


def list_export_xlsx():
    labels = [f"字段名称{i}" for i in range(24)]
    rows = [[f"{BUREAU}第{j}条记录的第{i}项内容" for i in range(24)] for j in range(30)]
    content, _mime, _name = export_table("certificates", "CCC免办证明", labels, rows, "xlsx",
                                         "张三", BUREAU, 30)
    return content


#: name -> (bytes maker, landscape, the row repeated on every page or None)
OFFICIAL = {
    "附件1_account_change": (account_change_xlsx, True, "$4:$4"),
    "附件2_account_holders": (holders_xlsx, True, "$4:$4"),
    "fast_track_units": (fast_track_list_xlsx, True, "$3:$3"),
    "supervision_summary": (summary_xlsx, True, "$3:$3"),
    "fast_track_application": (application_form_xlsx, False, None),
    "checklist": (checklist_xlsx, False, "auto"),
}


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def _widths(ws) -> list[float]:
    return [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
            for i in range(1, ws.max_column + 1)]


@pytest.mark.parametrize("name", OFFICIAL)
def test_official_xlsx_page_setup(name):
    make, landscape, titles = OFFICIAL[name]
    ws = _sheet(make())
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    if titles == "auto":
        assert ws.print_title_rows
    elif titles:
        assert ws.print_title_rows == titles
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    # the columns fit the printable width at 100 %: fit-to-width never shrinks the text
    assert sum(_widths(ws)) <= print_setup.page_units(landscape) + 0.5, _widths(ws)
    assert ws.page_margins.left == print_setup.MARGIN_X


def test_annex_label_above_the_title_and_filing_date_at_the_right():
    for make, annex, title in ((account_change_xlsx, "附件1", ACCOUNT_CHANGE_TABLE.title),
                               (holders_xlsx, "附件2", ACCOUNT_HOLDERS_TABLE.title)):
        ws = _sheet(make())
        assert ws["A1"].value == annex and ws["A2"].value == title
        left = ws["A3"].value
        assert left.startswith("填报单位：") and "填报日期" not in left
        date_cell = next(c for c in ws[3] if c.value and str(c.value).startswith("填报日期"))
        assert date_cell.value == "填报日期：2026年11月23日"
        assert date_cell.alignment.horizontal == "right"
        assert date_cell.column > ws.max_column // 2  # at the right end of the line
    pdf = render_pdf(ACCOUNT_CHANGE_TABLE, ReportData(
        header={"bureau": BUREAU, "filed_on": "2026年11月23日"}, rows=_change_rows(2)))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        words = page.extract_words()
        annex = next(w for w in words if w["text"].startswith("附件1"))
        title = next(w for w in words if "账号调整需求信息报表" in w["text"])
        date = next(w for w in words if w["text"].startswith("填报日期"))
        assert annex["top"] < title["top"] and annex["x0"] < page.width / 4
        assert date["x1"] > page.width * 0.75
        text = page.extract_text()
        assert "第 1 页 共 1 页" in text
        assert PHONE in text  # eleven digits on one line of their cell


def test_cell_types_sequence_numbers_dates_phones():
    ws = _sheet(account_change_xlsx())
    header = 4
    assert ws.cell(row=header, column=1).value == "序号"
    seqs = [ws.cell(row=r, column=1).value for r in range(header + 1, header + 9)]
    assert seqs == list(range(1, 9))
    assert all(ws.cell(row=r, column=1).data_type == "n" for r in range(header + 1, header + 9))
    phone_col = next(c.column for c in ws[header] if c.value == "手机号")
    phone = ws.cell(row=header + 1, column=phone_col)
    assert phone.value == PHONE and phone.data_type == "s"
    assert not phone.alignment.wrap_text  # never broken across lines
    assert ws.column_dimensions[phone.column_letter].width >= print_setup.PHONE_WIDTH
    # Chinese text wraps inside its column rather than widening it
    bureau = ws.cell(row=header + 1, column=3)
    assert bureau.value == BUREAU and bureau.alignment.wrap_text
    assert ws.column_dimensions["C"].width < print_setup.display_width(BUREAU)

    ws = _sheet(holders_xlsx())
    # the city heading takes no 序号; the numbers count the people
    assert ws.cell(row=5, column=1).value is None
    assert [ws.cell(row=r, column=1).value for r in (6, 7)] == [1, 2]

    ws = _sheet(fast_track_list_xlsx())
    header = next(r for r in range(1, 6) if ws.cell(row=r, column=1).value == "序号")
    cols = {c.value: c.column for c in ws[header]}
    start = ws.cell(row=header + 1, column=cols["有效期起"])
    assert start.is_date and start.value.date() == dt.date(2026, 11, 23)
    assert start.number_format == "yyyy-mm-dd"

    ws = _sheet(summary_xlsx())
    assert ws.cell(row=4, column=3).value == 3 and ws.cell(row=4, column=3).data_type == "n"


def test_application_form_xlsx_phones_do_not_wrap_in_their_width():
    ws = _sheet(application_form_xlsx())
    cells = [c for row in ws.iter_rows() for c in row if c.value == PHONE]
    assert cells
    for _cell in cells:
        width = sum(ws.column_dimensions[letter].width for letter in "DE")
        assert width >= print_setup.PHONE_WIDTH


def test_list_export_prints_landscape_several_pages_wide():
    ws = _sheet(list_export_xlsx())
    widths = _widths(ws)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    pages = ws.page_setup.fitToWidth
    assert pages == print_setup.pages_wide(widths) and pages > 1
    # at 100 % each page holds at most a page width of columns: the scale stays ≥ ~90 %
    assert sum(widths) / pages <= print_setup.page_units(True)
    assert max(widths) <= print_setup.LIST_MAX_WIDTH
    assert ws.print_title_rows == "$3:$3" and ws.print_title_cols == "$A:$A"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.cell(row=4, column=1).value == 1  # 序号 as a number


def test_list_export_dates_are_dates():
    content, _m, _n = export_table("certificates", "CCC免办证明", ["证明编号", "签发日期", "提交时间"],
                                   [["NT001", "2026-11-23", "2026-11-23 09:30"],
                                    ["2026-02-30", "", "文字"]], "xlsx", "张三", BUREAU, 2)
    ws = _sheet(content)
    number, issued, submitted = (ws.cell(row=4, column=c) for c in (2, 3, 4))
    assert number.value == "NT001" and number.data_type == "s"
    assert issued.is_date and issued.value == dt.datetime(2026, 11, 23)
    assert issued.number_format == "yyyy-mm-dd"
    assert submitted.is_date and submitted.value == dt.datetime(2026, 11, 23, 9, 30)
    assert ws.cell(row=5, column=2).value == "2026-02-30"  # not a date: stays text


def test_fit_widths_shares_the_page():
    widths = print_setup.fit_widths([1, 2, 1], [6, 6, 6], [10, 80, 80], 60)
    assert widths[0] == 10 and sum(widths) == pytest.approx(60, abs=0.2)
    assert widths[1] > widths[2]
    assert print_setup.pages_wide([50, 50, 50]) == 2


# --------------------------------------------------------------------------- a real print

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _print_sizes(pdf_path: Path) -> tuple[int, float]:
    """(pages, median size of the printed digits) — digits print in any fallback font."""
    with pdfplumber.open(pdf_path) as pdf:
        sizes = [c["size"] for page in pdf.pages for c in page.chars if c["text"].isdigit()]
        return len(pdf.pages), statistics.median(sizes)


def test_official_tables_print_at_9pt_or_more_through_libreoffice(tmp_path):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: the print check needs it "
                    "(apt-get install libreoffice-calc-nogui)")
    files = {name: make() for name, (make, _l, _t) in OFFICIAL.items()}
    files["list_export"] = list_export_xlsx()
    for name, content in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(content)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path),
         *[str(tmp_path / f"{name}.xlsx") for name in files]],
        check=True, capture_output=True, timeout=300)
    for name in files:
        pages, size = _print_sizes(tmp_path / f"{name}.pdf")
        print(f"{name}: {pages} page(s), printed digits {size:.1f} pt (target ≥ 9 pt)")
        assert size >= 9.0, (name, size)
    pages, size = _print_sizes(tmp_path / "list_export.pdf")
    assert pages >= 2


# --------------------------------------------------------------------------- roll-up 所在部门


def test_rollup_department_defaults_from_the_users_account(app_ctx, bureaus, users, client_as):
    from app.extensions import db
    from tests import factories
    from tests.conftest import PROVINCE

    account = factories.account(bureaus[PROVINCE])
    account.department = "认证监管处"
    users["auditor"].reviewer_account_id = account.id
    db.session.commit()
    client = client_as("auditor")
    board = client.get("/annualboard/").get_data(as_text=True)
    assert 'name="department"' in board and 'value="认证监管处"' in board

    def header(query):
        response = client.get(f"/reports/annual_rollup/2026?format=xlsx{query}")
        assert response.status_code == 200
        return _sheet(response.data)["A3"].value

    assert "所在部门：认证监管处" in header("")
    assert "所在部门：质量处" in header("&department=质量处")  # still editable
    assert "认证监管处" not in header("&department=")  # cleared on purpose: blank on paper


def test_list_export_print_version_has_only_the_lists_columns(app_ctx, client_as):
    from app.views.applications import CertificateView

    client = client_as("admin")
    full = _sheet(client.get("/certificateview/export/?format=xlsx").data)
    narrow = _sheet(client.get("/certificateview/export/?format=xlsx&columns=list").data)
    assert narrow.max_column == len(CertificateView.list_columns) + 1  # and 序号
    assert narrow.max_column < full.max_column
    assert narrow.page_setup.orientation == "landscape"
    assert narrow.page_setup.fitToWidth == print_setup.pages_wide(_widths(narrow))
    listed = client.get("/certificateview/list/").get_data(as_text=True)
    assert "columns=list" in listed and "导出打印版Excel" in listed


def test_pdf_footer_counts_the_pages_it_really_has():
    data = ReportData(header={"bureau": "上海市市场监督管理局", "filer": "吴某",
                              "department": "认证监管处", "filed_on": "2026年11月23日"},
                      rows=_holder_rows(60))
    with pdfplumber.open(io.BytesIO(render_pdf(ACCOUNT_HOLDERS_TABLE, data))) as doc:
        total = len(doc.pages)
        assert total > 1
        for number, page in enumerate(doc.pages, start=1):
            assert page.extract_text().rstrip().endswith(f"第 {number} 页 共 {total} 页")


def test_pdf_footer_counts_pages_the_estimate_missed(monkeypatch):
    """Should the layout's page estimate be wrong (rows spill onto pages it did not plan),
    every footer still prints the real count."""
    from app.reports import engine

    monkeypatch.setattr(engine, "_row_height", lambda *a, **k: 1.0)  # all rows "fit" one page
    pdf = render_pdf(ACCOUNT_HOLDERS_TABLE, ReportData(header={}, rows=_holder_rows(60)))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        total = len(doc.pages)
        assert total > 1
        for number, page in enumerate(doc.pages, start=1):
            assert page.extract_text().rstrip().endswith(f"第 {number} 页 共 {total} 页")


def test_the_page_setup_works_for_a_write_only_workbook():
    """A streaming writer (openpyxl write-only) gets the same set-up as the normal one."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("列表")
    widths = [print_setup.LIST_MAX_WIDTH] * 8
    print_setup.apply_openpyxl(ws, print_setup.list_setup(widths, 3))
    for row in (["标题"], ["导出人"], [f"列{i}" for i in range(8)], list(range(8))):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    back = _sheet(buf.getvalue())
    assert back.page_setup.orientation == "landscape" and int(back.page_setup.paperSize) == 9
    assert back.page_setup.fitToWidth == print_setup.pages_wide(widths) == 2
    assert back.print_title_rows == "$3:$3" and back.print_title_cols == "$A:$A"
    assert back.oddFooter.center.text == "第 &P 页 共 &N 页"
