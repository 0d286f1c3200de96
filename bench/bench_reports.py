"""Official-table benchmark (run by hand): the province-wide roll-up of the 账号使用人信息汇总表
(seed 003 附件2) for 16 districts x 40 accounts = 640 lines, as PDF and as .xlsx.

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
    from app.extensions import db
    from app.models import BureauLevel, FunctionCode, ReviewerAccount
    from app.reports import render_pdf, render_xlsx
    from app.reports.official import ACCOUNT_HOLDERS_TABLE, annual_rollup_data
    from app.services.accounts import tags
    from app.workflows import run_step
    from app.workflows.annual_report import AnnualReportWorkflow, create_report, rollup_reports
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
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "rollup.pdf").write_bytes(pdf)
        (out / "rollup.xlsx").write_bytes(xlsx)
        print(f"  written to {out}")


if __name__ == "__main__":
    main()
