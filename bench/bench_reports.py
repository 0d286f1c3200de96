"""Official-table benchmark (run by hand): the province-wide roll-up of the 账号使用人信息汇总表
(seed 003 附件2) for 16 districts x 40 accounts = 640 lines, as PDF and as .xlsx; the
CCC免办便捷通道申请表 (seed 000 附件2) with a typical and a long product list; the
便捷通道使用单位名单 with 480 units.

Prints the median of repeated renders, both of the report engine alone and of the whole
download request (/reports/annual_rollup/<year>) against a throw-away database.
Targets: PDF <= 5 s, .xlsx <= 1 s.

    python bench/bench_reports.py [--repeat 3] [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ACCOUNTS_PER_DISTRICT = 40
YEAR = 2030


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", help="folder to write the rendered files to")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ccc_report_bench_"))
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))
    import random

    from app import create_app
    from app.commands.annual_reports import create_report
    from app.enums import BureauLevel, FunctionCode
    from app.extensions import db
    from app.models import ReviewerAccount
    from app.reports import render_pdf, render_xlsx
    from app.reports.official import ACCOUNT_HOLDERS_TABLE, annual_rollup_data
    from app.services.accounts import tags
    from app.services.annual_reports import rollup_reports
    from app.workflows import run_step
    from app.workflows.annual_report import AnnualReportWorkflow
    from seeds import fake
    from seeds.demo import DEMO_PASSWORD, create_demo_users, load_bureaus

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "SECRET_KEY": secrets.token_hex(8), "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": str(workdir / "uploads")})
    rng = random.Random(5)
    functions = list(FunctionCode)
    with app.app_context():
        bureaus = load_bureaus()
        db.session.commit()
        create_demo_users(app.appbuilder.sm, bureaus)
        admin = app.appbuilder.sm.find_user(username="admin")
        districts = [b for b in bureaus.values() if b.level is BureauLevel.county]
        for bureau in districts:
            for i in range(ACCOUNTS_PER_DISTRICT):
                chief = rng.random() < 0.4
                codes = rng.sample(functions, rng.randint(1, 3))
                if not chief and FunctionCode.second_review in codes:
                    codes.remove(FunctionCode.second_review)
                db.session.add(ReviewerAccount(
                    bureau=bureau, holder_name=fake.person_name(rng),
                    department=rng.choice(["认证监管科", "质量发展科", "市场监管所"]),
                    position="科长" if chief else "科员", section_chief_or_above=chief,
                    account_name=f"{bureau.division_code}b{i:03d}", functions=tags(codes or
                                                                                  [FunctionCode.supervision]),
                    phone=fake.mobile(rng)))
            db.session.commit()
            report = create_report(bureau.id, YEAR, fake.person_name(rng), "认证监管科")
            db.session.commit()
            run_step(AnnualReportWorkflow, report.id, "submit", admin)
        reports = rollup_reports(YEAR)
        data = annual_rollup_data("上海市市场监督管理局", "周管理员", "认证监督管理处", reports)
        lines = len(data.rows)
        pdf_time, pdf = timed(lambda: render_pdf(ACCOUNT_HOLDERS_TABLE, data), args.repeat)
        xlsx_time, xlsx = timed(lambda: render_xlsx(ACCOUNT_HOLDERS_TABLE, data), args.repeat)

    client = app.test_client()
    client.post("/login/", data={"username": "auditor", "password": DEMO_PASSWORD})

    def download(fmt):
        response = client.get(f"/reports/annual_rollup/{YEAR}?format={fmt}")
        assert response.status_code == 200, response.status_code
        return response.data

    http_pdf, _ = timed(lambda: download("pdf"), args.repeat)
    http_xlsx, _ = timed(lambda: download("xlsx"), args.repeat)

    print(f"province-wide roll-up, {len(districts)} districts x {ACCOUNTS_PER_DISTRICT} accounts "
          f"= {lines} lines (median of {args.repeat})")
    print(f"  PDF   render {pdf_time:6.2f} s   download request {http_pdf:6.2f} s   "
          f"({len(pdf) // 1024} KiB)   target <= 5 s")
    print(f"  .xlsx render {xlsx_time:6.2f} s   download request {http_xlsx:6.2f} s   "
          f"({len(xlsx) // 1024} KiB)   target <= 1 s")
    fast_track_figures(args.repeat)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "rollup.pdf").write_bytes(pdf)
        (out / "rollup.xlsx").write_bytes(xlsx)
        print(f"  written to {out}")


def fast_track_figures(repeat: int) -> None:
    import datetime as dt
    import random

    from app.enums import BusinessCategoryCode, EconomicNature, ExemptionClause
    from app.reports import render_pdf, render_xlsx
    from app.reports.engine import ReportData
    from app.reports.forms import FastTrackForm, ProductListRow, render_fast_track_form
    from app.reports.official import FAST_TRACK_LIST
    from seeds import fake
    from seeds.demo import demo_plan

    rng = random.Random(7)
    ports = demo_plan("shanghai").ports

    def rows(n):
        return [ProductListRow(f"{p[1]}（{p[2]}）", "科研测试", rng.randint(5, 60),
                               rng.choice(ports), "使用、销毁")
                for p in (rng.choice(fake.PRODUCTS) for _ in range(n))]

    def form(expected):
        return FastTrackForm(
            unit_name="上海浦江精密仪器有限公司", uscc="91310101MA1FL1NL8D",
            registered_address="上海市黄浦区中山南路1088号", business_address="上海市黄浦区中山南路1088号",
            business_categories=[BusinessCategoryCode.research_testing.label],
            economic_nature=EconomicNature.private.label, legal_representative="陈建国",
            legal_representative_phone="13812345678", department_head="刘晓敏",
            department_head_phone="021-64220000", handler="王磊", handler_phone="13987654321",
            clauses=[ExemptionClause.research_test.label], past_products=rows(2),
            expected_products=rows(expected), self_commitment=True,
            applied_on=dt.date(2026, 11, 23))

    print(f"CCC免办便捷通道申请表 (median of {repeat})")
    for expected in (2, 40):
        for fmt in ("pdf", "xlsx"):
            seconds, (content, _m, _n) = timed(
                lambda: render_fast_track_form(form(expected), fmt), repeat)  # noqa: B023
            print(f"  {fmt:5} 2 past + {expected:2} expected lines  {seconds:6.2f} s  "
                  f"({len(content) // 1024} KiB)")
    units = [{"unit": f"上海测试{i:04d}科技有限公司", "uscc": "91310101MA1FL1NL8D",
              "district": "黄浦区", "clauses": "条款1、条款3", "account": f"bjtd{i:04d}",
              "valid_from": "2026-01-01", "valid_to": "2027-12-31", "remarks": ""}
             for i in range(480)]
    data = ReportData(header={"bureau": "上海市市场监督管理局", "as_of": "2026年11月23日"}, rows=units)
    pdf_time, pdf = timed(lambda: render_pdf(FAST_TRACK_LIST, data), repeat)
    xlsx_time, xlsx = timed(lambda: render_xlsx(FAST_TRACK_LIST, data), repeat)
    print(f"便捷通道使用单位名单, {len(units)} units: PDF {pdf_time:6.2f} s ({len(pdf) // 1024} KiB), "
          f".xlsx {xlsx_time:6.2f} s ({len(xlsx) // 1024} KiB)")


if __name__ == "__main__":
    main()
