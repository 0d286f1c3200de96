"""Large synthetic volumes for benchmarks: enterprises, applications (~5 products each),
certificates for issued applications. Bulk inserts in batches, one transaction per batch."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import func, insert, select

from app import clock
from app.enums import (
    ApplicantType,
    ApplicationState,
    BureauLevel,
    CertificateState,
    CreditStanding,
    Currency,
    EconomicNature,
    ExemptionClause,
    ResearchDetail,
)
from app.extensions import db
from app.models import Application, Bureau, Certificate, Enterprise, Product
from seeds import fake

BATCH = 5000


def _batches(total: int, size: int = BATCH):
    start = 0
    while start < total:
        yield start, min(size, total - start)
        start += size


def generate(enterprises: int, applications: int, products_per_application: float = 5.0,
             seed: int = 7, progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Add synthetic records to the current database (its bureaus must exist)."""
    rng = random.Random(seed)
    districts = list(db.session.scalars(
        select(Bureau).where(Bureau.level == BureauLevel.county).order_by(Bureau.id)))
    if not districts:
        raise RuntimeError("没有区县级市场监管部门：请先初始化演示数据或导入部门。")
    from app import policy
    from seeds.demo import demo_plan
    from seeds.divisions import city_short_of, place_of, province_divisions

    divisions = province_divisions(policy.profile().province_division_code)
    streets = demo_plan().streets_of
    province_place = policy.profile().province_name
    now = clock.now()
    existing_usccs = set(db.session.scalars(select(Enterprise.uscc)))
    offset = db.session.scalar(select(func.count(Enterprise.id))) or 0

    ent_rows = []
    for i in range(enterprises):
        bureau = districts[i % len(districts)]
        while True:
            code = fake.make_uscc(bureau.division_code, rng)
            if code not in existing_usccs:
                existing_usccs.add(code)
                break
        ent_rows.append({
            "name": f"{city_short_of(bureau.division_code, divisions)}"
                    f"{rng.choice(fake._NAME_HEADS)}{offset + i + 1:05d}号科技有限公司",
            "uscc": code,
            "registered_address": fake.address(rng, place_of(bureau.division_code, divisions),
                                               streets(bureau.division_code)),
            "business_address": fake.address(rng, place_of(bureau.division_code, divisions),
                                             streets(bureau.division_code)),
            "bureau_id": bureau.id, "economic_nature": rng.choice(list(EconomicNature)),
            "legal_representative": fake.person_name(rng),
            "legal_representative_phone": fake.mobile(rng),
            "credit_standing": CreditStanding.good if rng.random() < 0.95
            else CreditStanding.serious_violation,
            "operates_in_province": True, "traceability_system": rng.random() < 0.7,
            "created_at": now, "updated_at": now})
    for start, size in _batches(len(ent_rows)):
        db.session.execute(insert(Enterprise), ent_rows[start:start + size])
        db.session.commit()
    progress(f"enterprises: {enterprises}")

    ent_ids = list(db.session.execute(select(Enterprise.id, Enterprise.bureau_id)))
    bureau_codes = {b.id: b.division_code for b in districts}
    states = list(ApplicationState)
    weights = [5, 8, 6, 6, 5, 60, 10]
    max_app_id = db.session.scalar(select(func.max(Application.id))) or 0
    max_cert = db.session.scalar(select(func.count(Certificate.id))) or 0
    totals = {"applications": 0, "products": 0, "certificates": 0}
    today = clock.today()
    for start, size in _batches(applications):
        app_rows, product_rows, cert_rows = [], [], []
        for j in range(size):
            n = start + j
            app_id = max_app_id + n + 1
            ent_id, bureau_id = ent_ids[rng.randrange(len(ent_ids))]
            clause = rng.choice(list(ExemptionClause))
            state = rng.choices(states, weights)[0]
            submitted = None if state is ApplicationState.draft else dt.datetime.combine(
                today - dt.timedelta(days=rng.randint(1, 700)),
                dt.time(rng.randint(8, 17), rng.randint(0, 59)))
            app_rows.append({
                "id": app_id, "number": f"S{bureau_codes[bureau_id]}{app_id:09d}",
                "enterprise_id": ent_id, "clause": clause,
                "research_detail": rng.choice(list(ResearchDetail))
                if clause is ExemptionClause.research_test else None,
                "applicant_type": ApplicantType.research_institution
                if clause is ExemptionClause.research_test else
                ApplicantType.repair_unit if clause is ExemptionClause.repair else None,
                "applicant_location": province_place, "final_use_place": province_place,
                "bureau_id": bureau_id, "bill_of_lading_no": f"MSCU{rng.randint(10**6, 10**7 - 1)}",
                "contract_no": None, "invoice_no": None,
                "reason": "研发测试用样品，测试后退运或销毁。", "state": state,
                "submitted_at": submitted, "decided_at": None, "return_reason": None,
                "created_at": now, "updated_at": now})
            count = max(1, int(rng.gauss(products_per_application, 1.2)))
            for _ in range(count):
                name, hs, ccc, unit, price = fake.PRODUCTS[rng.randrange(len(fake.PRODUCTS))]
                qty = rng.choice([1, 2, 5, 10, 20])
                product_rows.append({
                    "application_id": app_id, "owner_bureau_id": bureau_id, "hs_code": hs, "name": name, "ccc_code": ccc,
                    "model": fake.model_number(rng), "brand": rng.choice(fake.BRANDS),
                    "manufacturer": rng.choice(fake.MANUFACTURERS), "quantity": qty,
                    "unit": unit, "weight_kg": None, "amount": price * qty,
                    "currency": Currency.USD})
            if state is ApplicationState.issued:
                issued = submitted.date() + dt.timedelta(days=rng.randint(1, 5))
                max_cert += 1
                cert_rows.append({
                    "number": f"NS{bureau_codes[bureau_id]}{max_cert:09d}",
                    "application_id": app_id, "owner_bureau_id": bureau_id, "issued_on": issued,
                    "state": CertificateState.valid,
                    "supervision_deadline": issued + dt.timedelta(days=365),
                    "change_count": 0, "created_at": now, "updated_at": now})
        db.session.execute(insert(Application), app_rows)
        db.session.execute(insert(Product), product_rows)
        if cert_rows:
            db.session.execute(insert(Certificate), cert_rows)
        db.session.commit()
        totals["applications"] += len(app_rows)
        totals["products"] += len(product_rows)
        totals["certificates"] += len(cert_rows)
        progress(f"applications: {totals['applications']}/{applications}")
    if db.engine.dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequence past them.
        db.session.execute(db.text(
            "SELECT setval(pg_get_serial_sequence('application', 'id'), "
            "(SELECT MAX(id) FROM application))"))
        db.session.commit()
    return {"enterprises": enterprises, **totals}
