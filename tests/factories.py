"""Builders for realistic records with valid identifiers; each returns a flushed object."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import random
from decimal import Decimal

from sqlalchemy import select

from app import clock
from app.enums import (
    AccountStatus,
    ApplicantType,
    ApplicationState,
    AttachmentKind,
    CertificateState,
    CreditStanding,
    Currency,
    EconomicNature,
    ExemptionClause,
    FastTrackState,
    FunctionCode,
    ProductListPeriod,
    ResearchDetail,
)
from app.extensions import db
from app.models import (
    AccountFunction,
    Application,
    Bureau,
    Certificate,
    ClauseTag,
    ConsoleUser,
    CustomsUsage,
    Enterprise,
    EvidenceFile,
    FastTrackGrant,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
)
from app.services.evidence import store_evidence
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


def attach_materials(app: Application, skip=()) -> list[EvidenceFile]:
    """The application's 必传 materials as file records, each with its (tiny) file under the
    upload folder, as the upload door stores them (a backup must find every file)."""
    import hashlib
    from pathlib import Path

    from flask import current_app

    from app.domain.dossier import required_materials

    files = []
    root = Path(current_app.config["UPLOAD_FOLDER"])
    for kind in required_materials(app.clause, app.research_detail, app.applicant_type):
        if kind in skip:
            continue
        n = next(_seq)
        stored = f"test/{n:08d}-{kind.name}.pdf"
        content = f"%PDF-1.4\n% {kind.name} {n}\n%%EOF\n".encode()
        (root / stored).parent.mkdir(parents=True, exist_ok=True)
        (root / stored).write_bytes(content)
        files.append(EvidenceFile(
            application=app, kind=kind, original_name=f"{kind.label}.pdf",
            stored_name=stored, content_type="application/pdf", size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(), uploaded_by="test"))
    db.session.add_all(files)
    db.session.flush()
    return files


#: A review whose every check is ✓ (``check_<code>``: passed), as a step's inputs.
def review_inputs(failed: dict[str, str] | None = None) -> dict:
    from app.domain.dossier import REVIEW_CHECKS

    values = {f"check_{c.code}": "passed" for c in REVIEW_CHECKS}
    for code, remark in (failed or {}).items():
        values[f"check_{code}"] = "failed"
        values[f"remark_{code}"] = remark
    return values


def record_review(app: Application, step: str, user=None) -> None:
    """A recorded review of ``step`` with every check ✓ (for records built in a state)."""
    from app.services.applications import record_review as record

    record(app, step, user, review_inputs())
    db.session.flush()


def application(ent: Enterprise, state: ApplicationState = ApplicationState.draft,
                products: int = 2, materials: bool = True, **kw) -> Application:
    n = next(_seq)
    app = Application(
        number=kw.pop("number", f"T{ent.bureau.division_code}{n:08d}"), enterprise=ent,
        bureau=kw.pop("bureau", ent.bureau),
        clause=kw.pop("clause", ExemptionClause.research_test),
        research_detail=kw.pop("research_detail", ResearchDetail.testing),
        applicant_type=kw.pop("applicant_type", ApplicantType.research_institution),
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
    if materials:
        attach_materials(app)
    if state is ApplicationState.second_reviewed:
        record_review(app, "second_review")
    return app


def certificate(app: Application, state: CertificateState = CertificateState.valid,
                issued_on: dt.date | None = None) -> Certificate:
    issued_on = issued_on or clock.today()
    cert = Certificate(number=f"NT{next(_seq):010d}", application=app, issued_on=issued_on,
                       state=state, supervision_deadline=issued_on + dt.timedelta(days=365))
    app.state = ApplicationState.issued
    db.session.add(cert)
    db.session.flush()
    return cert


def customs_usage(cert: Certificate, quantity: int = 1, **kw) -> CustomsUsage:
    usage = CustomsUsage(certificate=cert, declaration_no=kw.pop(
        "declaration_no", fake.declaration_number(_rng, 2026)), port="洋山港",
        used_on=kw.pop("used_on", clock.today()), quantity=quantity, **kw)
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


# --- fast track: an application that meets every condition, walked to opening ---------------

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
FAST_TRACK_DISTRICT_REVIEW = {
    "onsite_checked_on": "2026-11-20", "onsite_check_record": "追溯制度、台账与仓储核实无误",
    "recommend": "recommend", "opinion": "同意推荐"}


def fast_track_application(bureau_obj: Bureau, *, batches=(8, 4),
                           clauses=(ExemptionClause.research_test,), attachment=True,
                           commitment=True, ent: Enterprise | None = None,
                           ports=("洋山港", "浦东机场"), **enterprise_kw) -> FastTrackGrant:
    """A draft 便捷通道 application meeting every condition unless told otherwise: a unit in
    good standing, 10 batches in the past two years, ``batches`` expected, the 基本情况说明;
    ``ports``: the 入境口岸 of the past and of the expected lines."""
    ent = ent or enterprise(bureau_obj, **enterprise_kw)
    tags = db.session.scalars(select(ClauseTag).where(ClauseTag.code.in_(clauses))).all()
    grant = FastTrackGrant(enterprise=ent, state=FastTrackState.draft, clauses=tags,
                           self_commitment=commitment, applied_on=clock.today())
    grant.lines.append(FastTrackProductLine(
        period=ProductListPeriod.past, ccc_code="0901", purpose="科研测试", annual_batches=10,
        entry_port=ports[0], handling="使用后销毁"))
    for n in batches:
        grant.lines.append(FastTrackProductLine(
            period=ProductListPeriod.expected, ccc_code="0901", purpose="科研测试",
            annual_batches=n, entry_port=ports[1], handling="使用"))
    db.session.add(grant)
    db.session.flush()
    if attachment:
        store_evidence(io.BytesIO(PNG), "基本情况说明.png", grant,
                       kind=AttachmentKind.basic_description)
    db.session.commit()
    return grant


def user_named(username: str):
    return db.session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))


def district_officer_of(bureau_obj: Bureau):
    return db.session.scalar(select(ConsoleUser).where(ConsoleUser.bureau_id == bureau_obj.id)
                             .order_by(ConsoleUser.id))


def commerce_confirmation(on: str = "2020-01-02") -> dict:
    """The commerce co-confirmation date of an approval, where the province asks for one."""
    from app import policy

    return {"commerce_confirmed_on": on} if policy.profile().fast_track_commerce_co_confirms \
        else {}


def open_fast_track(grant: FastTrackGrant, valid_from: str = "2026-11-23",
                    account: str | None = None) -> FastTrackGrant:
    """Walk an application through every step to 已开通, each by the role that takes it."""
    from app.workflows import run_step
    from app.workflows.fast_track import FastTrackWorkflow

    officer = district_officer_of(grant.enterprise.bureau)
    run_step(FastTrackWorkflow, grant.id, "submit", officer)
    run_step(FastTrackWorkflow, grant.id, "district_review", officer, FAST_TRACK_DISTRICT_REVIEW)
    run_step(FastTrackWorkflow, grant.id, "decide", user_named("reviewer"),
             {"decision": "approve", "opinion": "同意", **commerce_confirmation()})
    run_step(FastTrackWorkflow, grant.id, "forward", user_named("admin"))
    run_step(FastTrackWorkflow, grant.id, "activate", user_named("admin"), {
        "fast_track_account": account or f"BJTD{grant.id:06d}", "valid_from": valid_from})
    db.session.refresh(grant)
    return grant


# --- one row of each scoped record type, owned by a given district ------------------------


def _grant(bureau_obj):
    from app.enums import FastTrackState
    from app.models import ClauseTag, FastTrackGrant

    clause = db.session.scalar(select(ClauseTag).limit(1))
    grant = FastTrackGrant(enterprise=enterprise(bureau_obj), state=FastTrackState.draft,
                           clauses=[clause])
    db.session.add(grant)
    db.session.flush()
    return grant


def _line(bureau_obj):
    from app.enums import ProductListPeriod
    from app.models import FastTrackProductLine

    line = FastTrackProductLine(grant=_grant(bureau_obj), period=ProductListPeriod.past,
                                ccc_code="0901", purpose="科研测试", annual_batches=12,
                                entry_port="洋山港", handling="使用")
    db.session.add(line)
    db.session.flush()
    return line


def active_grant(bureau_obj, valid_to: dt.date | None = None):
    """A grant in force (as after activation), for renewal/change/sanction tests."""
    from app.enums import FastTrackState

    grant = _grant(bureau_obj)
    grant.state = FastTrackState.active
    grant.valid_from = clock.today() - dt.timedelta(days=300)
    grant.valid_to = valid_to or clock.today() + dt.timedelta(days=60)
    db.session.flush()
    return grant


def _renewal(bureau_obj):
    from app.models import FastTrackRenewal

    grant = active_grant(bureau_obj)
    renewal = FastTrackRenewal(grant=grant, reason="继续开展科研测试", old_valid_to=grant.valid_to)
    db.session.add(renewal)
    db.session.flush()
    return renewal


def _fast_track_change(bureau_obj):
    from app.enums import FastTrackChangeKind
    from app.models import FastTrackChange

    change = FastTrackChange(grant=active_grant(bureau_obj), kind=FastTrackChangeKind.address,
                             description="经营地址搬迁", new_business_address="新地址1号")
    db.session.add(change)
    db.session.flush()
    return change


def _usage_record(bureau_obj):
    from app.enums import UsageKind
    from app.models import UsageRecord

    app_ = application(enterprise(bureau_obj), products=1)
    certificate(app_)
    record = UsageRecord(product=app_.products[0], kind=UsageKind.use, quantity=1,
                         used_on=clock.today(), using_unit="测试单位")
    db.session.add(record)
    db.session.flush()
    return record


def _change_request(bureau_obj):
    from app.enums import AccountChangeKind
    from app.models import AccountChangeRequest

    req = AccountChangeRequest(bureau=bureau_obj, kind=AccountChangeKind.open,
                               holder_name="新人", department="认证监管科", position="科员",
                               phone="13900000000", staffing_changed_on=clock.today(),
                               account_name=f"new{next(_seq):05d}")
    db.session.add(req)
    db.session.flush()
    return req


def _annual_report(bureau_obj):
    from app.models import AnnualAccountReport

    taken = set(db.session.scalars(select(AnnualAccountReport.year).where(
        AnnualAccountReport.bureau_id == bureau_obj.id)))
    year = next(y for y in range(2099, 2000, -1) if y not in taken)  # far from real years
    report = AnnualAccountReport(bureau=bureau_obj, year=year,
                                 filer_name="填报人", filer_department="认证监管科")
    db.session.add(report)
    db.session.flush()
    return report


def _catalogue_entry(_bureau):
    from app.models import CccCategory

    code = f"{9000 + next(_seq) % 999:04d}"
    entry = db.session.get(CccCategory, code) or CccCategory(
        code=code, category_no="演示", category="演示", product_name=f"演示产品{code}",
        source="测试", is_demo=True)
    db.session.add(entry)
    db.session.flush()
    return entry


def _function_change(bureau_obj):
    from app.models import AccountFunctionChange

    acc = account(bureau_obj)
    db.session.flush()
    return db.session.scalar(select(AccountFunctionChange).where(
        AccountFunctionChange.account_id == acc.id))


def _filing(bureau_obj):
    from app.models import AccountChangeFiling

    filing = AccountChangeFiling(bureau=bureau_obj, filed_on=clock.today(), title="测试报表")
    filing.requests.append(_change_request(bureau_obj))
    db.session.add(filing)
    db.session.flush()
    return filing


def _report_line(bureau_obj):
    from app.models import AnnualAccountReportLine

    report = _annual_report(bureau_obj)
    line = AnnualAccountReportLine(report=report, seq=1, bureau_name=bureau_obj.name,
                                   holder_name="快照人", department_position="认证监管科科员",
                                   account_name=f"snap{next(_seq):05d}", functions="初审",
                                   phone="13900000001")
    db.session.add(line)
    db.session.flush()
    return line


def _calendar_year(_bureau):
    from app.models import CalendarYear

    year = 2090 + next(_seq) % 10
    row = db.session.get(CalendarYear, year) or CalendarYear(year=year, complete=False,
                                                             source="测试")
    db.session.add(row)
    db.session.flush()
    return row


def _calendar_day(_bureau):
    from app.enums import CalendarDayKind
    from app.models import CalendarDay

    day = dt.date(2099, 1, 1) + dt.timedelta(days=next(_seq) % 300)
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day, kind=CalendarDayKind.holiday,
                                                          name="测试假日")
    db.session.add(row)
    db.session.flush()
    return row


def _import_batch(bureau_obj):
    from app.models import ImportBatch

    row = ImportBatch(kind="enterprise", title="申请单位", file_name=f"测试{next(_seq)}.xlsx",
                      created_count=1, updated_count=0, imported_by="测试", bureau=bureau_obj)
    db.session.add(row)
    db.session.flush()
    return row


def certificate_request(bureau_obj, kind=None):
    from app.enums import CertificateRequestKind
    from app.models import CertificateRequest

    cert = certificate(application(enterprise(bureau_obj), products=1))
    req = CertificateRequest(certificate=cert, kind=kind or CertificateRequestKind.void,
                             reason="测试申请")
    db.session.add(req)
    db.session.flush()
    return req


def _change_item(bureau_obj):
    from app.enums import CertificateRequestKind, ProductField
    from app.models import CertificateChangeItem

    req = certificate_request(bureau_obj, CertificateRequestKind.change)
    item = CertificateChangeItem(request=req, product=req.certificate.application.products[0],
                                 field=ProductField.brand, before="Dell", after="HP")
    db.session.add(item)
    db.session.flush()
    return item


def lead(bureau_obj: Bureau, ent: Enterprise | None = None, received_on: dt.date | None = None,
         **kw):
    """A 线索 about a unit of the bureau (seed 001 流程8)."""
    from app.enums import LeadKind
    from app.models import SupervisionLead

    item = SupervisionLead(enterprise=ent or enterprise(bureau_obj),
                           kind=kw.pop("kind", LeadKind.complaint),
                           source=kw.pop("source", "12315举报"),
                           received_on=received_on or clock.today(),
                           description=kw.pop("description", "举报该单位将免办产品对外销售"), **kw)
    db.session.add(item)
    db.session.flush()
    return item


def row_factories():
    """model -> builder(bureau) of one row owned by that bureau's district."""
    from app.models import (
        AccountChangeFiling,
        AccountChangeRequest,
        AccountFunctionChange,
        AnnualAccountReport,
        AnnualAccountReportLine,
        Application,
        Bureau,
        CalendarDay,
        CalendarYear,
        CccCategory,
        Certificate,
        CertificateChangeItem,
        CertificateRequest,
        CustomsUsage,
        Enterprise,
        FastTrackChange,
        FastTrackGrant,
        FastTrackProductLine,
        FastTrackRenewal,
        ImportBatch,
        Product,
        ReviewerAccount,
        SupervisionLead,
        UsageRecord,
    )

    return {
        CertificateRequest: certificate_request,
        CertificateChangeItem: _change_item,
        AccountFunctionChange: _function_change,
        AccountChangeFiling: _filing,
        AnnualAccountReportLine: _report_line,
        CalendarYear: _calendar_year,
        CalendarDay: _calendar_day,
        CccCategory: _catalogue_entry,
        Bureau: lambda b: b,
        Enterprise: enterprise,
        FastTrackGrant: _grant,
        FastTrackProductLine: _line,
        FastTrackRenewal: _renewal,
        FastTrackChange: _fast_track_change,
        ReviewerAccount: account,
        AccountChangeRequest: _change_request,
        AnnualAccountReport: _annual_report,
        Application: lambda b: application(enterprise(b)),
        Product: lambda b: application(enterprise(b), products=1).products[0],
        Certificate: lambda b: certificate(application(enterprise(b))),
        CustomsUsage: lambda b: customs_usage(certificate(application(enterprise(b)))),
        UsageRecord: _usage_record,
        SupervisionLead: lead,
        ImportBatch: _import_batch,
        **supervision_row_factories(),
    }


# --- 双随机 supervision -------------------------------------------------------------------------


def fresh_district(name: str | None = None) -> Bureau:
    """A bureau of its own (a made-up division code), so a draw's candidates are the test's
    records only. It is 地市级, so the province's 16 区县 (boards that list every district)
    stay as they are for the other tests sharing the database."""
    from app.enums import BureauLevel

    n = next(_seq)
    province = db.session.scalar(select(Bureau).where(Bureau.level == BureauLevel.province))
    code = f"31{(900 + n) % 10000:04d}"
    while db.session.scalar(select(Bureau.id).where(Bureau.division_code == code)):
        n = next(_seq)
        code = f"31{(900 + n) % 10000:04d}"
    short = name or f"测试{n}区"
    bureau_obj = Bureau(name=f"上海市{short}市场监督管理局{n}", short_name=short,
                        level=BureauLevel.prefecture, division_code=code, parent=province)
    db.session.add(bureau_obj)
    db.session.flush()
    return bureau_obj


def supervisor(bureau_obj: Bureau, functions=(FunctionCode.supervision,), **account_kw):
    """A district officer of ``bureau_obj`` linked to an 在用 national account holding 监管."""
    from flask import current_app

    from app.security_model import Role
    from seeds.demo import DEMO_PASSWORD

    sm = current_app.appbuilder.sm
    n = next(_seq)
    username = f"sup{n:05d}"
    acc = account(bureau_obj, functions=functions, **account_kw)
    db.session.commit()
    user = sm.add_user(username=username, first_name=f"检查员{n}", last_name="监",
                       email=f"{username}@test.local",
                       role=sm.find_role(Role.district_officer.value), password=DEMO_PASSWORD)
    user.bureau_id = bureau_obj.id
    user.reviewer_account_id = acc.id
    db.session.commit()
    return user


def issued_unit(bureau_obj: Bureau, certificates: int = 1, issued_on: dt.date | None = None,
                quantity: int = 10, **kw) -> Enterprise:
    """A unit with ``certificates`` certificates issued on ``issued_on`` (default: today)."""
    ent = enterprise(bureau_obj, **kw)
    for _ in range(certificates):
        app_ = application(ent, products=1)
        app_.products[0].quantity = quantity
        certificate(app_, issued_on=issued_on or clock.today())
    return ent


def fast_track_unit(bureau_obj: Bureau, certificates: int = 1) -> Enterprise:
    ent = issued_unit(bureau_obj, certificates=certificates)
    grant = _grant(bureau_obj)
    grant.enterprise = ent
    grant.state = FastTrackState.active
    grant.fast_track_account = f"BJTD{next(_seq):05d}"
    grant.valid_from = clock.today() - dt.timedelta(days=30)
    grant.valid_to = clock.today() + dt.timedelta(days=300)
    db.session.flush()
    return ent


def inspection_plan(bureau_obj: Bureau, year: int | None = None, ratio: str = "10",
                    batches: int = 2, **kw):
    from app.models import InspectionPlan

    taken = set(db.session.scalars(select(InspectionPlan.year).where(
        InspectionPlan.bureau_id == bureau_obj.id)))
    year = year or next(y for y in range(2099, 2000, -1) if y not in taken)
    plan = InspectionPlan(bureau=bureau_obj, year=year, ratio_percent=Decimal(ratio),
                          batches_per_unit=batches, **kw)
    db.session.add(plan)
    db.session.flush()
    return plan


def adhoc_inspection(bureau_obj: Bureau, ent: Enterprise | None = None, inspectors=(), **kw):
    """A pending inspection outside any plan (a complaint), laid out like the console does."""
    from app.enums import InspectionOrigin
    from app.models import Inspection
    from app.services.supervision import checklist_for, open_inspection

    ent = ent or enterprise(bureau_obj)
    item = Inspection(enterprise=ent, origin=kw.pop("origin", InspectionOrigin.complaint),
                      checklist=kw.pop("checklist", None) or checklist_for(ent.id),
                      inspectors=list(inspectors), **kw)
    open_inspection(item)
    db.session.add(item)
    db.session.flush()
    return item


def _inspection(bureau_obj):
    return adhoc_inspection(bureau_obj)


def _answer(bureau_obj):
    return adhoc_inspection(bureau_obj).answers[0]


def _remote_use(bureau_obj):
    from app.enums import RemoteUseType
    from app.models import RemoteUse

    item = adhoc_inspection(bureau_obj)
    row = RemoteUse(inspection=item, batch=f"NT{next(_seq):08d}", place="江苏省苏州市",
                    use_type=RemoteUseType.repair, write_off_status="未核销")
    db.session.add(row)
    db.session.flush()
    return row


def letter(bureau_obj: Bureau, **kw):
    from app.enums import LetterDirection
    from app.models import AssistanceLetter

    item = AssistanceLetter(
        bureau=bureau_obj, direction=kw.pop("direction", LetterDirection.outgoing),
        doc_no=kw.pop("doc_no", f"测市监协〔2026〕{next(_seq)}号"),
        counterpart=kw.pop("counterpart", "苏州市市场监督管理局"),
        unit_name=kw.pop("unit_name", "上海测试维修有限公司"), batches="NT0001 便携式计算机 2台",
        matters="产品实际使用地及用途是否与申报一致", **kw)
    db.session.add(item)
    db.session.flush()
    return item


def _target(bureau_obj):
    from app.enums import TargetKind
    from app.models import InspectionTarget

    plan = inspection_plan(bureau_obj)
    target = InspectionTarget(plan=plan, seq=1, enterprise=enterprise(bureau_obj),
                              kind=TargetKind.general)
    db.session.add(target)
    db.session.flush()
    return target


def supervision_row_factories():
    from app.models import (
        AssistanceLetter,
        Inspection,
        InspectionAnswer,
        InspectionPlan,
        InspectionTarget,
        RemoteUse,
    )

    return {InspectionPlan: inspection_plan, InspectionTarget: _target, Inspection: _inspection,
            InspectionAnswer: _answer, RemoteUse: _remote_use, AssistanceLetter: letter}
