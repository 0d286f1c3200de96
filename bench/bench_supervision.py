"""Supervision benchmark (run by hand), against a throw-away SQLite database:

* a 双随机 draw over 10,000 candidate units of one district (target <= 1 s): the draw itself
  (frozen candidate lists -> 抽查名单, ``compute_draw``), the candidate gathering, and the whole
  随机抽取 step as the console runs it (gather, draw, write the targets and their inspections);
* a filled checklist PDF (附件2, target <= 1 s): render alone and the download request;
* the province summary for 16 districts (target <= 2 s): the grouped queries and the PDF/.xlsx
  download requests.

Prints each median beside its target.

    python bench/bench_supervision.py [--repeat 3] [--units 10000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn, repeat):
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def line(what: str, seconds: float, target: float, extra: str = "") -> None:
    verdict = "ok" if seconds <= target else "OVER"
    print(f"  {what:<58} {seconds:7.3f} s   target <= {target:g} s  {verdict}  {extra}")


def bulk_units(bureau, n: int, rng, today, fast_track: int = 0) -> None:
    """``n`` units, each with one certificate issued in the last months (core inserts)."""
    from sqlalchemy import insert

    from app.enums import (
        ApplicationState,
        CertificateState,
        CreditStanding,
        EconomicNature,
        ExemptionClause,
        FastTrackState,
    )
    from app.extensions import db
    from app.models import Application, Certificate, Enterprise, FastTrackGrant
    from seeds import fake

    seen: set[str] = set()
    ents = []
    while len(ents) < n:
        uscc = fake.make_uscc(bureau.division_code, rng)
        if uscc in seen:
            continue
        seen.add(uscc)
        i = len(ents)
        ents.append(dict(name=f"上海基准{bureau.division_code}{i:05d}有限公司", uscc=uscc,
                         registered_address="上海市测试路1号", business_address="上海市测试路1号",
                         bureau_id=bureau.id, economic_nature=EconomicNature.private,
                         legal_representative="张伟", credit_standing=CreditStanding.good,
                         operates_in_province=True, traceability_system=True))
    db.session.execute(insert(Enterprise), ents)
    ids = db.session.scalars(Enterprise.__table__.select().with_only_columns(
        Enterprise.id).where(Enterprise.bureau_id == bureau.id).order_by(Enterprise.id)).all()
    apps = [dict(number=f"B{bureau.division_code}{eid:08d}", enterprise_id=eid,
                 clause=ExemptionClause.display, applicant_location="上海", final_use_place="上海",
                 bureau_id=bureau.id, bill_of_lading_no=f"M{eid}", reason="基准",
                 state=ApplicationState.issued) for eid in ids]
    db.session.execute(insert(Application), apps)
    app_ids = db.session.execute(Application.__table__.select().with_only_columns(
        Application.id, Application.enterprise_id).where(Application.bureau_id == bureau.id)).all()
    certs = []
    for aid, _eid in app_ids:
        issued = today - dt.timedelta(days=rng.randint(1, 300))
        certs.append(dict(number=f"BN{aid:010d}", application_id=aid, issued_on=issued,
                          owner_bureau_id=bureau.id,
                          state=CertificateState.valid, change_count=0,
                          supervision_deadline=issued + dt.timedelta(days=365)))
    db.session.execute(insert(Certificate), certs)
    if fast_track:
        db.session.execute(insert(FastTrackGrant), [
            dict(enterprise_id=eid, state=FastTrackState.active, self_commitment=True,
                 fast_track_account=f"bj{eid}", valid_from=today - dt.timedelta(days=30),
                 valid_to=today + dt.timedelta(days=600)) for eid in ids[:fast_track]])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--units", type=int, default=10_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ccc_supervision_bench_"))
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))
    from app import clock, create_app
    from app.enums import BureauLevel
    from app.extensions import db
    from app.models import InspectionPlan
    from app.reports.supervision import inspection_sheet, render_checklist_pdf
    from app.scope import acting_as
    from app.services import supervision as rules
    from app.workflows import run_step
    from app.workflows.supervision import InspectionPlanWorkflow as P
    from seeds.demo import DEMO_PASSWORD, create_demo_users, load_bureaus
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "SECRET_KEY": secrets.token_hex(8), "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": str(workdir / "uploads")})
    rng = random.Random(13)
    today = clock.today()
    with app.app_context():
        bureaus = load_bureaus()
        db.session.commit()
        create_demo_users(app.appbuilder.sm, bureaus)
        districts = sorted((b for b in bureaus.values() if b.level is BureauLevel.county),
                           key=lambda b: b.division_code)
        big = districts[0]
        officers = [factories.supervisor(big) for _ in range(6)]
        bulk_units(big, args.units, rng, today, fast_track=50)

        print(f"双随机 draw over {args.units:,} candidate units (median of {args.repeat})")
        plans = []
        for i in range(args.repeat):
            plan = InspectionPlan(bureau=big, year=2090 + i, ratio_percent=10, batches_per_unit=2)
            db.session.add(plan)
            db.session.commit()
            run_step(P, plan.id, "publish", officers[0])
            plans.append(plan)
        gather_time, gathered = timed(lambda: rules._gather_units(plans[0], today), args.repeat)
        samples = []
        for plan in plans:
            start = time.perf_counter()
            run_step(P, plan.id, "draw", officers[0])
            samples.append(time.perf_counter() - start)
        step_time = statistics.median(samples)
        plan = db.session.get(InspectionPlan, plans[0].id)
        inputs = plan.draw_inputs
        compute_time, result = timed(lambda: rules.compute_draw(inputs), args.repeat)
        verify_time, same = timed(lambda: rules.verify_draw(plan), args.repeat)
        candidates = len(inputs["general"]) + len(inputs["fast_track"]) + len(inputs["key"])
        line(f"the draw: {candidates:,} candidates -> {len(result):,} units", compute_time, 1)
        line("gathering the candidate lists (queries, key targets)", gather_time, 1,
             f"({len(gathered[0]['general']):,} general)")
        line(f"whole 随机抽取 step (writes {len(result):,} targets + inspections)", step_time, 1)
        line(f"复核 of the stored draw (same={same})", verify_time, 1)

        # a filled checklist: 附件2, every point answered, out-of-province rows
        ent = factories.fast_track_unit(big, certificates=3)
        db.session.commit()
        item = factories.adhoc_inspection(big, ent=ent, inspectors=officers[:2],
                                          inspected_on=today, unit_opinion="无异议",
                                          unit_confirmed_on=today)
        from app.enums import Answer, RemoteUseType
        from app.models import RemoteUse

        for a in item.answers:
            a.answer = Answer[item.checklist.checklist.point(a.point_code).compliant]
            a.description = "抽查3批，入库、领用、使用、退运记录完整，与申报一致。" * 2
        for k in range(3):
            item.remote_uses.append(RemoteUse(batch=f"N2026{k:06d}", place="江苏省苏州市",
                                              use_type=RemoteUseType.repair,
                                              write_off_status="未核销"))
        db.session.commit()
        render_checklist_pdf(inspection_sheet(item))  # the font is loaded once per process
        pdf_time, pdf = timed(lambda: render_checklist_pdf(inspection_sheet(item)), args.repeat)
        inspection_id = item.id

        # the province: 16 districts, each with a drawn plan, inspections and letters
        year = today.year
        for bureau in districts[1:]:
            bulk_units(bureau, 60, rng, today, fast_track=5)
            team = [factories.supervisor(bureau) for _ in range(2)]
            plan = InspectionPlan(bureau=bureau, year=year, ratio_percent=20, batches_per_unit=2)
            db.session.add(plan)
            db.session.commit()
            run_step(P, plan.id, "publish", team[0])
            run_step(P, plan.id, "draw", team[0])
            for n in range(10):
                factories.letter(bureau, sent_on=today - dt.timedelta(days=n * 3),
                                 state=rules.LetterState.sent)
            db.session.commit()
        with acting_as(None):
            summary_time, rows = timed(lambda: rules.progress(None, year), args.repeat)

    client = app.test_client()
    client.post("/login/", data={"username": "auditor", "password": DEMO_PASSWORD})
    hp = app.test_client()
    hp.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})

    def get(c, url):
        response = c.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    http_pdf, _ = timed(lambda: get(hp, f"/reports/inspection/{inspection_id}?format=pdf"),
                        args.repeat)
    print(f"filled checklist (附件2, {len(pdf) // 1024} KiB)")
    line("render", pdf_time, 1)
    line("download request /reports/inspection/<id>?format=pdf", http_pdf, 1)
    sum_pdf, _ = timed(lambda: get(client, f"/reports/supervision_summary/{year}?format=pdf"),
                       args.repeat)
    sum_xlsx, _ = timed(lambda: get(client, f"/reports/supervision_summary/{year}?format=xlsx"),
                        args.repeat)
    print(f"province summary, {len(rows)} districts")
    line("grouped queries (progress of every district)", summary_time, 2)
    line("download request, PDF", sum_pdf, 2)
    line("download request, .xlsx", sum_xlsx, 2)


if __name__ == "__main__":
    main()
