"""Builders for realistic records with valid identifiers; each returns a flushed object."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AccountFunction,
    AccountStatus,
    Application,
    ApplicationState,
    Bureau,
    Certificate,
    CertificateState,
    CreditStanding,
    Currency,
    CustomsUsage,
    EconomicNature,
    Enterprise,
    ExemptionClause,
    FunctionCode,
    Product,
    ResearchDetail,
    ReviewerAccount,
)
from seeds import fake

_rng = random.Random(12345)
_seq = itertools.count(1)


def bureau(code: str) -> Bureau:
    return db.session.scalar(select(Bureau).where(Bureau.division_code == code))


def uscc(code: str = "310101") -> str:
    return fake.make_uscc(code, _rng)


def enterprise(bureau_obj: Bureau, **kw) -> Enterprise:
    n = next(_seq)
    ent = Enterprise(
        name=kw.pop("name", f"上海测试{n:05d}电子科技有限公司"),
        uscc=kw.pop("uscc", uscc(bureau_obj.division_code)),
        registered_address=f"上海市{bureau_obj.short_name}测试路{n}号",
        business_address=f"上海市{bureau_obj.short_name}测试路{n}号",
        bureau=bureau_obj, economic_nature=EconomicNature.private,
        legal_representative="张伟", legal_representative_phone="13812345678",
        credit_standing=kw.pop("credit_standing", CreditStanding.good),
        traceability_system=kw.pop("traceability_system", True), **kw)
    db.session.add(ent)
    db.session.flush()
    return ent


def application(ent: Enterprise, state: ApplicationState = ApplicationState.draft,
                products: int = 2, **kw) -> Application:
    n = next(_seq)
    app = Application(
        number=kw.pop("number", f"T{ent.bureau.division_code}{n:08d}"), enterprise=ent,
        bureau=kw.pop("bureau", ent.bureau),
        clause=kw.pop("clause", ExemptionClause.research_test),
        research_detail=kw.pop("research_detail", ResearchDetail.testing),
        applicant_type=kw.pop("applicant_type", None),
        applicant_location="上海市", final_use_place="上海市",
        bill_of_lading_no=kw.pop("bill_of_lading_no", f"MSCU{n:07d}"),
        reason="研发测试样品，测试后退运。", state=state, **kw)
    for i in range(products):
        name, hs, ccc, unit, price = fake.PRODUCTS[i % len(fake.PRODUCTS)]
        app.products.append(Product(hs_code=hs, name=name, ccc_code=ccc, model=f"M{n}-{i}",
                                    brand="Dell", manufacturer="Dell Inc.", quantity=10,
                                    unit=unit, amount=price * 10, currency=Currency.USD))
    db.session.add(app)
    db.session.flush()
    return app


def certificate(app: Application, state: CertificateState = CertificateState.valid,
                issued_on: dt.date | None = None) -> Certificate:
    issued_on = issued_on or dt.date.today()
    cert = Certificate(number=f"NT{next(_seq):010d}", application=app, issued_on=issued_on,
                       state=state, supervision_deadline=issued_on + dt.timedelta(days=365))
    app.state = ApplicationState.issued
    db.session.add(cert)
    db.session.flush()
    return cert


def customs_usage(cert: Certificate, quantity: int = 1, **kw) -> CustomsUsage:
    usage = CustomsUsage(certificate=cert, declaration_no=kw.pop(
        "declaration_no", fake.declaration_number(_rng, 2026)), port="洋山港",
        used_on=kw.pop("used_on", dt.date.today()), quantity=quantity, **kw)
    db.session.add(usage)
    db.session.flush()
    return usage


def account(bureau_obj: Bureau, functions=(FunctionCode.first_review,), chief: bool = False,
            **kw) -> ReviewerAccount:
    n = next(_seq)
    tags = {t.code: t for t in db.session.scalars(select(AccountFunction))}
    acc = ReviewerAccount(
        bureau=bureau_obj, holder_name=kw.pop("holder_name", f"测试{n}"),
        department="认证监管科", position=kw.pop("position", "科长" if chief else "科员"),
        section_chief_or_above=chief, account_name=kw.pop("account_name", f"t{n:06d}"),
        functions=[tags[f] for f in functions], phone="13912345678",
        status=kw.pop("status", AccountStatus.active), **kw)
    db.session.add(acc)
    db.session.flush()
    return acc


def amount(value: str) -> Decimal:
    return Decimal(value)
