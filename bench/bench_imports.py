"""Bulk-import benchmark (run by hand, not by the tests).

Builds a national-system export of 10,000 applications with 50,000 products (two sheets of
one .xlsx), then times the import's preview and its write as the district officer of 黄浦区
(scope applied to every row) and prints the time and peak memory next to the targets
(≤ 20 s, ≤ 300 MB).

    nice -n 19 python bench/bench_imports.py                  # SQLite in a temporary folder
    nice -n 19 python bench/bench_imports.py --database-url postgresql://postgres@127.0.0.1:5432/ccc_bench
    nice -n 19 python bench/bench_imports.py --applications 2000   # a quick look

A PostgreSQL URL must name an existing, empty database (it is filled, not dropped).
Peak memory is the process's resident set (``ru_maxrss``): the figure printed for each step
is the peak reached during that step, the app and its data included.
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_SECONDS = 20.0
TARGET_MB = 300.0


def rss_mb() -> float:
    """Current resident set size (from /proc), in MB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(applications: int, products_each: int, usccs: list[str]) -> bytes:
    import openpyxl

    from app.services.imports.applications import APPLICATION_SHEET, PRODUCT_SHEET

    book = openpyxl.Workbook(write_only=True)
    apps = book.create_sheet(APPLICATION_SHEET.title)
    apps.append([c.header for c in APPLICATION_SHEET.columns])
    products = book.create_sheet(PRODUCT_SHEET.title)
    products.append([c.header for c in PRODUCT_SHEET.columns])
    for n in range(applications):
        number = f"B310101{n:08d}"
        apps.append([number, usccs[n % len(usccs)], "直接为最终用户维修目的所需的零部件/产品", "",
                     "最终用户", "上海市黄浦区", "上海市黄浦区", "黄浦区", f"MSKU{n:07d}", "", "",
                     "维修所需备件，仅用于本单位设备维修。", "2026-03-16 09:30:00", "已提交"])
        for i in range(products_each):
            products.append([number, "8471500000", f"服务器电源{i}", "0901", f"PSU-{n}-{i}",
                             "ACME", "ACME Corp.", 5, "台", "", "100.00", "美元"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--products-each", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ccc_bench_imports_"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))

    from sqlalchemy import func, select

    from app import create_app
    from app.commands.imports import preview_import, run_import
    from app.enums import EconomicNature
    from app.extensions import db
    from app.models import Application, Enterprise, Product
    from app.scope import acting_as
    from app.services.imports.registry import KINDS
    from seeds import fake
    from seeds.demo import create_demo_users, load_bureaus
    from seeds.reference import sync_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                      "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(workdir / "uploads")})
    print(f"database: {url.split('@')[-1]}")
    with app.app_context():
        bureaus = load_bureaus()
        sync_reference_data()
        db.session.commit()
        create_demo_users(app.appbuilder.sm, bureaus)
        import random

        rng = random.Random(7)
        huangpu = bureaus["310101"]
        usccs = []
        for n in range(200):
            code = fake.make_uscc("310101", rng)
            usccs.append(code)
            db.session.add(Enterprise(
                name=f"上海基准{n:04d}科技有限公司", uscc=code, registered_address="上海市黄浦区",
                business_address="上海市黄浦区", bureau=huangpu,
                economic_nature=EconomicNature.private, legal_representative="张伟"))
        db.session.commit()
        start = time.perf_counter()
        data = build_file(args.applications, args.products_each, usccs)
        print(f"file: {args.applications} applications, "
              f"{args.applications * args.products_each} products, {len(data) / 1e6:.1f} MB "
              f"(built in {time.perf_counter() - start:.1f} s)")
        results = []
        for step, run in (("preview", preview_import), ("write", run_import)):
            db.session.expire_all()
            db.session.remove()
            before = rss_mb()
            officer = app.appbuilder.sm.find_user(username="huangpu")
            with app.test_request_context("/"), acting_as(officer):
                start = time.perf_counter()
                plan = run(KINDS["application"](), io.BytesIO(data), "national_export.xlsx")
                seconds = time.perf_counter() - start
            results.append((step, seconds, peak_mb(), before,
                            (plan.created, plan.updated, dict(plan.details))))
            del plan
            import gc

            gc.collect()
        written = db.session.scalar(select(func.count()).select_from(Application))
        products = db.session.scalar(select(func.count()).select_from(Product))
    print(f"{'step':<8} {'seconds':>8} {'target':>7} {'peak MB':>8} {'target':>7}  "
          f"{'RSS before':>10}  result")
    for step, seconds, peak, before, (created, updated, details) in results:
        print(f"{step:<8} {seconds:8.1f} {TARGET_SECONDS:7.0f} {peak:8.0f} {TARGET_MB:7.0f}  "
              f"{before:10.0f}  created {created}, updated {updated}, {details}")
    print(f"in the database: {written} applications, {products} products")


if __name__ == "__main__":
    main()
