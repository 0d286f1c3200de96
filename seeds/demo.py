"""The demo province of the active profile (``CCC_PROVINCE``): its bureaus, demo logins and a
working set of records.

The bureaus are the province's GB/T 2260 divisions (``seeds.divisions``); which districts are
demo districts, their officers' logins, streets, ports and phone area codes are in
``seeds/data/demo/<code>.toml``. Every state of every record type appears in both demo
districts, and reviewer accounts are held both at and below 科级, so every screen and
workflow has something to show. Dates are relative to the day the demo is created, so
deadlines and expiries look current. Nothing in one province's demo names another's places.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import tomllib
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app import clock, policy
from app.enums import (
    AccountChangeKind,
    AccountChangeState,
    AccountStatus,
    AnnualReportState,
    ApplicantType,
    ApplicationState,
    BureauLevel,
    BusinessCategoryCode,
    CertificateRequestState,
    CertificateState,
    CreditStanding,
    Currency,
    EconomicNature,
    ExemptionClause,
    FastTrackState,
    FunctionCode,
    ProductListPeriod,
    ResearchDetail,
    SanctionReason,
    UsageKind,
)
from app.extensions import db
from app.models import (
    AccountChangeRequest,
    AccountFunction,
    Application,
    Bureau,
    BusinessCategory,
    Certificate,
    ClauseTag,
    CustomsUsage,
    Enterprise,
    FastTrackGrant,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
    UsageRecord,
)
from app.security_model import Role
from seeds import fake
from seeds.divisions import Division, bureau_names, city_short_of, place_of, province_divisions
from seeds.reference import DATA_DIR

DEMO_PASSWORD = "Demo@2026"

#: 便捷通道 of each demo district: every state, plus grants expiring soon, renewals and changes
FAST_TRACK_PLANS = ("draft", "submitted", "district_reviewed", "approved", "forwarded",
                    "active", "rejected", "expired", "suspended", "revoked", "expiring",
                    "renewal_pending", "renewed", "changed")
DEMO_DIR = DATA_DIR / "demo"

#: The province-wide demo logins, the same in every profile: username, role, surname, given name
PROVINCE_USERS = [
    ("admin", Role.province_admin, "周", "管理员"),
    ("reviewer", Role.province_reviewer, "陈", "审核员"),
    ("auditor", Role.auditor, "吴", "审计员"),
]


@dataclasses.dataclass(frozen=True)
class DemoOfficer:
    """A 区局经办人 login on a county or city bureau; ``records``: a demo district, with every
    record type in every state."""

    login: str
    division_code: str
    surname: str
    records: bool
    #: login prefix of the district's demo inspectors (``<prefix>_jc1``…); default: the login
    inspector_prefix: str = ""

    @property
    def inspectors(self) -> str:
        return self.inspector_prefix or self.login


@dataclasses.dataclass(frozen=True)
class DemoPlan:
    """What the demo of one profile is made of (``seeds/data/demo/<code>.toml``)."""

    profile: policy.PolicyProfile
    officers: tuple[DemoOfficer, ...]
    ports: tuple[str, ...]
    declaration_prefix: str
    area_codes: dict[str, str]
    streets: dict[str, tuple[str, ...]]
    #: bureaus of other provinces the demo supervision writes to / hears from, with the place
    #: they stand for: ((place, bureau name), ...)
    partners: tuple[tuple[str, str], ...] = ()

    def officer_of(self, division_code: str) -> DemoOfficer | None:
        return next((o for o in self.officers if o.division_code == division_code), None)

    @property
    def districts(self) -> tuple[str, ...]:
        """Division codes of the demo districts (every record type in every state)."""
        return tuple(o.division_code for o in self.officers if o.records)

    def users(self) -> list[tuple[str, Role, str, str, str]]:
        """username, role, division code of the bureau, surname, given name."""
        province = self.profile.province_division_code
        return [(name, role, province, surname, given)
                for name, role, surname, given in PROVINCE_USERS] + \
            [(o.login, Role.district_officer, o.division_code, o.surname, "经办人")
             for o in self.officers]

    def area_code(self, division_code: str) -> str:
        best = max((p for p in self.area_codes if division_code.startswith(p)), key=len,
                   default=None)
        return self.area_codes[best] if best else "010"

    def streets_of(self, division_code: str) -> list[str]:
        return list(self.streets.get(division_code) or self.streets["default"])


def demo_plan(code: str | None = None) -> DemoPlan:
    """The demo of profile ``code`` (default: the active one). A province without a demo file
    still gets one: its first two districts, with logins ``district1`` and ``district2``."""
    profile = policy.profile(code)
    path = DEMO_DIR / f"{profile.code}.toml"
    if not path.exists():
        divisions = [d for d in province_divisions(profile.province_division_code)
                     if d.is_district][:2]
        return DemoPlan(profile, tuple(DemoOfficer(f"district{i}", d.code, "李", True)
                                       for i, d in enumerate(divisions, start=1)),
                        ports=profile.fast_track_entry_ports or ("（演示口岸）",),
                        declaration_prefix="0000", area_codes={}, streets={
                            "default": ("人民路", "解放路", "建设路", "中山路")})
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    try:
        return DemoPlan(
            profile, tuple(DemoOfficer(**o) for o in raw["officers"]), tuple(raw["ports"]),
            raw["declaration_prefix"], dict(raw["area_codes"]),
            {k: tuple(v) for k, v in raw["streets"].items()},
            tuple(tuple(pair) for pair in raw.get("partners", ())))
    except (KeyError, TypeError) as exc:
        raise policy.ProfileError(f"演示数据文件 {path.name} 有误：{exc}") from None


#: The Shanghai demo (the default profile), as tests and the README name it.
DEMO_DISTRICTS = demo_plan(policy.DEFAULT_PROFILE).districts
DEMO_USERS = demo_plan(policy.DEFAULT_PROFILE).users()


def load_bureaus() -> dict[str, Bureau]:
    """The provincial bureau and a bureau for every city and county of the profile's
    province (GB/T 2260, ``seeds.divisions``); bureaus already there are kept."""
    profile = policy.profile()
    bureaus: dict[str, Bureau] = {b.division_code: b for b in db.session.scalars(select(Bureau))}
    divisions = province_divisions(profile.province_division_code)
    names = bureau_names(divisions)
    for division in divisions:  # parents come before their children
        if division.code in bureaus:
            continue
        name, short = names[division.code]
        if division.level is BureauLevel.province:
            name = profile.province_bureau_name
        bureau = Bureau(name=name, short_name=short, level=division.level,
                        division_code=division.code,
                        parent=bureaus[division.parent_code] if division.parent_code else None)
        db.session.add(bureau)
        bureaus[division.code] = bureau
    db.session.flush()
    return bureaus


def create_demo_users(sm, bureaus: dict[str, Bureau]) -> None:
    for username, role, division, surname, given in demo_plan().users():
        if sm.find_user(username=username):
            continue
        user = sm.add_user(username=username, first_name=given, last_name=surname,
                           email=f"{username}@demo.ccc.local", role=sm.find_role(role.value),
                           password=DEMO_PASSWORD)
        if not user:
            raise RuntimeError(f"无法创建演示用户 {username}")
        user.bureau_id = bureaus[division].id
    db.session.commit()


#: The national-system account functions of the demo's reviewing logins (issue 12: 初审 and 复审
#: are never the same person, and 复审 needs an account holding it): district officers take
#: 受理 and 初审; the provincial reviewer takes 复审, 发证 and the certificate decisions.
DEMO_USER_FUNCTIONS = {
    Role.district_officer: (FunctionCode.first_review, FunctionCode.issue),
    Role.province_reviewer: (FunctionCode.second_review, FunctionCode.issue),
}


def link_demo_accounts(sm, bureaus: dict[str, Bureau],
                       roles: frozenset[Role] = frozenset(DEMO_USER_FUNCTIONS)) -> None:
    """Link each reviewing demo login (of ``roles``) to its own 在用 national-system account."""
    functions = {f.code: f for f in db.session.scalars(select(AccountFunction))}
    if not functions:
        return
    for n, (username, role, division, surname, given) in enumerate(demo_plan().users(), 1):
        codes = DEMO_USER_FUNCTIONS.get(role) if role in roles else None
        user = sm.find_user(username=username)
        if not codes or user is None or user.reviewer_account_id is not None:
            continue
        name = f"{division}dm{n:02d}"
        account = db.session.scalar(select(ReviewerAccount).where(
            ReviewerAccount.account_name == name)) or ReviewerAccount(
            bureau=bureaus[division], holder_name=f"{surname}{given}",
            department="认证监督管理处" if role is Role.province_reviewer else "认证监管科",
            position="处长" if role is Role.province_reviewer else "科员",
            section_chief_or_above=FunctionCode.second_review in codes, account_name=name,
            functions=[functions[c] for c in codes], phone=f"139{int(division) % 10**8:08d}",
            status=AccountStatus.active, opened_on=clock.today() - dt.timedelta(days=400))
        db.session.add(account)
        db.session.flush()
        user.reviewer_account_id = account.id
    db.session.commit()


class DemoBuilder:
    """Builds the demo records; one instance, one random stream, one 'today'."""

    def __init__(self, today: dt.date | None = None, seed: int = 2026):
        self.today = today or clock.today()
        self.rng = random.Random(seed)
        self.profile = policy.profile()
        self.plan = demo_plan()
        self.divisions: list[Division] = province_divisions(
            self.profile.province_division_code)
        self.functions = {f.code: f for f in db.session.scalars(select(AccountFunction))}
        self.categories = {c.code: c for c in db.session.scalars(select(BusinessCategory))}
        self.clauses = {c.code: c for c in db.session.scalars(select(ClauseTag))}
        self.names_used: set[str] = set()
        self.accounts_used: set[str] = set()
        #: the provincial reviewer, who takes the demo applications' 复审
        self.reviewer = None

    # --- enterprises -------------------------------------------------------------------

    def enterprise(self, bureau: Bureau, credit=CreditStanding.good,
                   traceability: bool = True) -> Enterprise:
        rng = self.rng
        name, cats = fake.enterprise_name(
            rng, city_short_of(bureau.division_code, self.divisions), self.names_used)
        ent = Enterprise(
            name=name, uscc=fake.make_uscc(bureau.division_code, rng),
            registered_address=self.address(bureau), business_address=self.address(bureau),
            bureau=bureau,
            business_categories=[self.categories[BusinessCategoryCode[c]] for c in cats],
            economic_nature=rng.choice(list(EconomicNature)),
            legal_representative=fake.person_name(rng),
            legal_representative_phone=fake.mobile(rng),
            department_head=fake.person_name(rng),
            department_head_phone=fake.landline(rng, self.plan.area_code(bureau.division_code)),
            handler=fake.person_name(rng), handler_phone=fake.mobile(rng),
            system_account=f"ent{rng.randint(10000, 99999)}", credit_standing=credit,
            operates_in_province=True, traceability_system=traceability)
        db.session.add(ent)
        return ent

    def place(self, bureau: Bureau) -> str:
        """江苏省南京市玄武区, 上海市黄浦区: where the bureau's addresses are."""
        return place_of(bureau.division_code, self.divisions)

    def address(self, bureau: Bureau) -> str:
        return fake.address(self.rng, self.place(bureau),
                            self.plan.streets_of(bureau.division_code))

    # --- fast track -------------------------------------------------------------------

    def fast_track_application(self, ent: Enterprise, created: dt.date) -> FastTrackGrant:
        """A draft 便捷通道 application with both product lists and its two attachments."""
        from app.enums import AttachmentKind
        from app.services.evidence import store_evidence

        rng = self.rng
        grant = FastTrackGrant(enterprise=ent, state=FastTrackState.draft, applied_on=created,
                               self_commitment=True,
                               clauses=[self.clauses[ExemptionClause.research_test],
                                        self.clauses[rng.choice(
                                            [ExemptionClause.repair, ExemptionClause.display,
                                             ExemptionClause.production_line])]])
        for period in ProductListPeriod:
            for product in rng.sample(fake.PRODUCTS, 2):
                grant.lines.append(FastTrackProductLine(
                    period=period, ccc_code=product[2], purpose=rng.choice(
                        ["科研测试", "维修", "商业展示", "生产线配套"]),
                    annual_batches=rng.randint(8, 60), entry_port=rng.choice(self.plan.ports),
                    handling=rng.choice(["使用、销毁", "使用、退运", "使用", "出口"])))
        db.session.add(grant)
        db.session.flush()
        for kind, title in ((AttachmentKind.basic_description, "基本情况说明"),
                            (AttachmentKind.subject_qualification, "主体资格证明")):
            store_evidence(io.BytesIO(demo_document(title, ent.name, created)), f"{title}.pdf",
                           grant, kind=kind)
        db.session.commit()
        return grant

    def fast_track(self, ent: Enterprise, plan: str, officer, reviewer, admin) -> FastTrackGrant:
        """A grant taken through the real workflow, each step on its own (past) day.

        ``plan`` is the state to reach, or one of: ``expiring`` (ends within the reminder
        window), ``renewal_pending``, ``renewed``, ``changed`` (an approved name change and a
        pending address change)."""
        from app.enums import FastTrackChangeKind
        from app.models import FastTrackChange
        from app.workflows import run_step
        from app.workflows.fast_track import FastTrackChangeWorkflow
        from app.workflows.fast_track import FastTrackWorkflow as W

        rng, today = self.rng, self.today
        years = self.profile.fast_track_validity_years
        warning = self.profile.fast_track_expiry_warning_days

        # the day the grant opens, chosen so that it ends where the plan needs it
        def starting_to_end(ends: dt.date) -> dt.date:
            return ends - relativedelta(years=years) + dt.timedelta(days=1)

        opens = {
            "expiring": starting_to_end(today + dt.timedelta(days=warning - 15)),
            "renewal_pending": starting_to_end(today + dt.timedelta(days=30)),
            "renewed": starting_to_end(today + dt.timedelta(days=10)),
            "expired": starting_to_end(today - dt.timedelta(days=rng.randint(5, 40))),
            "suspended": today - dt.timedelta(days=rng.randint(200, 300)),
            "revoked": today - dt.timedelta(days=rng.randint(300, 360)),
        }.get(plan, today - dt.timedelta(days=rng.randint(60, 200)))
        steps_needed = {"draft": 0, "submitted": 1, "district_reviewed": 2, "approved": 3,
                        "rejected": 2, "forwarded": 4}.get(plan, 5)
        # steps of an application still under way happen in the last weeks
        start = opens - dt.timedelta(days=40) if steps_needed == 5 \
            else today - dt.timedelta(days=8 * steps_needed + rng.randint(2, 6))

        def on(day: dt.date):
            return clock.as_of(fake.working_time(rng, day))

        with on(start):
            grant = self.fast_track_application(ent, start)
        day = start
        steps = [
            ("submit", officer, {}),
            ("district_review", officer, {
                "onsite_checked_on": (start + dt.timedelta(days=5)).isoformat(),
                "onsite_check_record": "现场核实追溯管理制度、台账及仓储情况，与申报一致。",
                "recommend": "not_recommend" if plan == "rejected" else "recommend",
                "opinion": "近两年申报批次不足，不予推荐。" if plan == "rejected"
                else "符合申请条件，同意推荐。"}),
            ("decide", reviewer, {"decision": "approve",
                                  "opinion": "经审核，同意开通CCC免办便捷通道。"}),
            ("forward", admin, {}),
            ("activate", admin, {"fast_track_account": f"bjtd{rng.randint(1000, 9999)}",
                                 "valid_from": opens.isoformat()}),
        ]
        for name, user, inputs in steps[:steps_needed]:
            day = min(day + dt.timedelta(days=rng.randint(3, 7)), today)
            if name == "activate":
                day = min(opens, today)
            if name == "decide" and self.plan.profile.fast_track_commerce_co_confirms:
                # confirmed with the commerce authority that day (上海: seed 003 §一)
                inputs = {**inputs, "commerce_confirmed_on": day.isoformat()}
            with on(day):
                run_step(W, grant.id, name, user, inputs)

        if plan == "renewed":  # a first request sent back for its materials, then approved
            with on(grant.valid_to - dt.timedelta(days=70)):
                run_step(W, grant.id, "renew", officer, {"reason": "申请延用。"})
            with on(grant.valid_to - dt.timedelta(days=66)):
                run_step(W, grant.id, "decide_renewal", reviewer, {
                    "decision": "reject", "remarks": "未说明使用期内免办产品后续管理情况，请补充后重新申请。"})
        if plan in ("renewal_pending", "renewed"):
            with on(grant.valid_to - dt.timedelta(days=45)):
                run_step(W, grant.id, "renew", officer, {
                    "reason": "使用期内按承诺使用和处理免办产品，无违规记录；区局初审同意延用。"})
            if plan == "renewed":
                with on(grant.valid_to - dt.timedelta(days=38)):
                    decided = {"decision": "approve", "remarks": "同意延用。"}
                    if self.plan.profile.fast_track_commerce_co_confirms:  # seed 003 §二
                        decided["commerce_confirmed_on"] = (
                            grant.valid_to - dt.timedelta(days=38)).isoformat()
                    run_step(W, grant.id, "decide_renewal", reviewer, decided)
        elif plan in ("suspended", "revoked"):
            reason = rng.choice(list(SanctionReason)).name
            with on(today - dt.timedelta(days=rng.randint(20, 100))):
                run_step(W, grant.id, "suspend" if plan == "suspended" else "revoke", admin,
                         {"reason": reason, "remarks": "监督检查发现问题，依《实施办法》第十二条处理。"})
        elif plan == "changed":
            new_name = ent.name.replace("有限公司", "（集团）有限公司")
            changes = (  # kind, fields, days ago, how far it goes
                (FastTrackChangeKind.unit_name, {"new_name": new_name}, 30, "forward"),
                (FastTrackChangeKind.other, {}, 20, "reject"),
                (FastTrackChangeKind.product_list, {}, 12, "approve"),
                (FastTrackChangeKind.address, {"new_business_address": self.address(
                    ent.bureau)}, 4, "submit"),
                (FastTrackChangeKind.legal_representative,
                 {"new_legal_representative": fake.person_name(rng)}, 1, None),
            )
            descriptions = {"unit_name": "工商变更登记，单位名称变更", "other": "仓储地点增加一处",
                            "product_list": "预计产品清单增加维修用零部件",
                            "address": "经营场所搬迁", "legal_representative": "法定代表人变更"}
            for kind, fields, ago, reach in changes:
                with on(today - dt.timedelta(days=ago)):
                    change = FastTrackChange(grant=grant, kind=kind,
                                             description=descriptions[kind.name], **fields)
                    if kind is FastTrackChangeKind.product_list:
                        product = rng.choice(fake.PRODUCTS)
                        change.lines.append(FastTrackProductLine(
                            period=ProductListPeriod.expected, ccc_code=product[2],
                            purpose="维修", annual_batches=rng.randint(12, 40),
                            entry_port=rng.choice(self.plan.ports), handling="维修后退运"))
                    db.session.add(change)
                    db.session.commit()
                    if reach is not None:
                        run_step(FastTrackChangeWorkflow, change.id, "submit", officer,
                                 {"opinion": "已核对变更登记材料。"})
                if reach in ("approve", "reject", "forward"):
                    with on(today - dt.timedelta(days=ago - 3)):
                        run_step(FastTrackChangeWorkflow, change.id,
                                 "reject" if reach == "reject" else "approve", reviewer, {
                                     "remarks": "未提供新增仓储地点的追溯管理材料，不予变更。"
                                     if reach == "reject" else "同意变更。"})
                if reach == "forward":  # 市局审核后报总局调整 (seed 000 第十条)
                    with on(today - dt.timedelta(days=ago - 5)):
                        run_step(FastTrackChangeWorkflow, change.id, "forward", admin)
        return grant

    def legacy_fast_track(self, ent: Enterprise) -> FastTrackGrant:
        """An open grant carried over from before the console (no district user filed it)."""
        rng, today = self.rng, self.today
        valid_from = today - dt.timedelta(days=rng.randint(30, 300))
        grant = FastTrackGrant(
            enterprise=ent, state=FastTrackState.active, applied_on=valid_from,
            self_commitment=True, clauses=[self.clauses[ExemptionClause.research_test]],
            valid_from=valid_from, fast_track_account=f"bjtd{rng.randint(1000, 9999)}",
            valid_to=valid_from + relativedelta(years=self.profile.fast_track_validity_years)
            - dt.timedelta(days=1),
            remarks=f"系统上线前开通，由{self.profile.province_bureau_name}据原有名单录入。")
        product = rng.choice(fake.PRODUCTS)
        grant.lines.append(FastTrackProductLine(
            period=ProductListPeriod.expected, ccc_code=product[2], purpose="科研测试",
            annual_batches=rng.randint(12, 40), entry_port=rng.choice(self.plan.ports),
            handling="使用"))
        db.session.add(grant)
        return grant

    # --- applications, certificates, usage ---------------------------------------------

    def application(self, ent: Enterprise, state: ApplicationState,
                    clause: ExemptionClause | None = None, officer=None,
                    complete: bool = True) -> Application:
        """An application in ``state`` with the full dossier of its clause (small PDFs made
        now) and, once reviewed, the recorded reviews its state implies (受理 and 初审 by the
        district ``officer``, 复审 by the provincial reviewer); ``complete=False`` leaves its
        last 必传 material out (a draft the submit refuses)."""
        rng, today = self.rng, self.today
        clause = clause or rng.choice(list(ExemptionClause))
        app = Application(
            enterprise=ent, bureau=ent.bureau, clause=clause,
            research_detail=rng.choice(list(ResearchDetail))
            if clause is ExemptionClause.research_test else None,
            applicant_type={ExemptionClause.research_test: ApplicantType.research_institution,
                            ExemptionClause.repair: rng.choice([
                                ApplicantType.repair_unit, ApplicantType.end_user,
                                ApplicantType.parts_purchaser]),
                            ExemptionClause.production_line: ApplicantType.using_factory,
                            ExemptionClause.display: ApplicantType.display_company,
                            ExemptionClause.export_parts: ApplicantType.using_factory,
                            }.get(clause),
            applicant_location=self.place(ent.bureau),
            final_use_place=ent.business_address,
            bill_of_lading_no=f"MSCU{rng.randint(1000000, 9999999)}",
            contract_no=f"HT{today.year}{rng.randint(100, 999)}" if rng.random() < 0.6 else None,
            invoice_no=f"INV-{rng.randint(10000, 99999)}" if rng.random() < 0.5 else None,
            reason="产品用于" + {ExemptionClause.research_test: "研发测试，测试完成后退运或销毁",
                             ExemptionClause.repair: "为最终用户维修更换，旧件回收",
                             ExemptionClause.production_line: "生产线配套，不对外销售",
                             ExemptionClause.display: "展会展示，展后退运",
                             ExemptionClause.export_parts: "组装整机后全数出口",
                             ExemptionClause.other: "特殊用途，按承诺管理"}[clause]
            + "；产品符合国内安全标准，承诺按申报用途使用。",
            state=state, number=f"A{ent.bureau.division_code}{rng.randint(10**9, 10**10 - 1)}")
        if state is not ApplicationState.draft:
            days_ago = rng.randint(1, 12) if state is not ApplicationState.issued \
                else rng.randint(40, 420)
            app.submitted_at = fake.working_time(rng, today - dt.timedelta(days=days_ago))
        if state is ApplicationState.returned:
            app.return_reason = "附件中进口合同未附产品明细，请补正后重新提交。"
            app.decided_at = app.submitted_at + dt.timedelta(days=1)
        for product in rng.sample(fake.PRODUCTS, rng.randint(1, 4)):
            name, hs, ccc, unit, price = product
            quantity = rng.choice([1, 2, 3, 5, 10, 20, 50])
            app.products.append(Product(
                hs_code=hs, name=name, ccc_code=ccc, model=fake.model_number(rng),
                brand=rng.choice(fake.BRANDS), manufacturer=rng.choice(fake.MANUFACTURERS),
                quantity=quantity, unit=unit, weight_kg=Decimal(rng.randint(2, 80)) * quantity,
                amount=price * quantity, currency=Currency.USD))
        db.session.add(app)
        self.dossier(app, complete)
        self.reviews(app, officer)
        return app

    def dossier(self, app: Application, complete: bool = True) -> None:
        """The application's 必传 materials as one-page PDFs (seed 001 所需材料)."""
        from app.domain.dossier import required_materials
        from app.services.evidence import store_evidence

        kinds = required_materials(app.clause, app.research_detail, app.applicant_type)
        if not complete:
            kinds = kinds[:-1]
        day = (app.submitted_at.date() if app.submitted_at else self.today)
        # the materials were uploaded before submission: store them as of a draft
        state, app.state = app.state, ApplicationState.draft
        for kind in kinds:
            data = demo_document(kind.label, app.enterprise.name, day)
            with clock.as_of(app.submitted_at or clock.now()):
                store_evidence(io.BytesIO(data), f"{kind.label}.pdf", app, kind=kind)
        app.state = state

    #: the reviews an application's state implies, in order
    REVIEWED = {ApplicationState.accepted: ("accept",),
                ApplicationState.first_reviewed: ("accept", "first_review"),
                ApplicationState.second_reviewed: ("accept", "first_review", "second_review"),
                ApplicationState.issued: ("accept", "first_review", "second_review"),
                ApplicationState.returned: ("return",)}

    def reviews(self, app: Application, officer=None) -> None:
        from app.domain.dossier import REVIEW_CHECKS
        from app.services.applications import record_review

        for n, step in enumerate(self.REVIEWED.get(app.state, ())):
            values = {f"check_{c.code}": "passed" for c in REVIEW_CHECKS}
            if step == "return":
                values.update(check_documents_match="failed",
                              remark_documents_match="进口合同未附产品明细")
            actor = self.reviewer if step == "second_review" else officer
            review = record_review(app, step, actor, values)
            review.reviewed_at = app.submitted_at + dt.timedelta(hours=2 + 3 * n)
            app.review_summary = None  # written again from the last one below
        if app.reviews:
            from app.services.applications import review_text

            app.review_summary = review_text(app.reviews[-1])

    def certificate(self, app: Application, state: CertificateState, officer=None,
                    reviewer=None, request_state: CertificateRequestState | None = None
                    ) -> Certificate:
        """A certificate brought to ``state`` through the real workflow (requests and their
        decisions, usage records and the automatic write-off); ``request_state`` leaves a
        change (pending) or void (rejected) request on a valid certificate."""
        from app.commands.records import create_record
        from app.workflows import run_step
        from app.workflows.certificate import CertificateWorkflow as W

        rng = self.rng
        issued = (app.submitted_at + dt.timedelta(days=rng.randint(1, 4))).date()
        app.decided_at = fake.working_time(rng, issued)
        cert = Certificate(
            application=app, number=f"N{app.bureau.division_code}{issued:%y}{rng.randint(10**6, 10**7 - 1)}",
            issued_on=issued, state=CertificateState.valid,
            supervision_deadline=issued + relativedelta(months=self.profile.supervision_months),
            change_count=0)
        db.session.add(cert)
        db.session.commit()
        product = app.products[0]
        # a change is filed while the certificate is in validity (seed 002 §4): soon after issue
        in_validity = clock.as_of(fake.working_time(
            rng, min(issued + dt.timedelta(days=3), self.today)))
        if state is CertificateState.changed:
            with in_validity:
                run_step(W, cert.id, "change", officer, {"reason": "企业来函：制造商名称变更", "items": [
                    {"product_id": product.id, "field": "manufacturer",
                     "after": product.manufacturer + "（更名）"}]})
                run_step(W, cert.id, "approve_change", reviewer, {"remarks": "材料齐全，同意变更"})
        elif state is CertificateState.voided:
            run_step(W, cert.id, "void", officer, {"reason": "贸易合同取消，货物未发运"})
            run_step(W, cert.id, "approve_void", reviewer, {"remarks": "无海关调用记录，同意作废"})
        elif state is CertificateState.extended:
            run_step(W, cert.id, "extend", officer, {
                "reason": "测试周期延长，无法在监管期内完成核销",
                "new_deadline": (cert.supervision_deadline + relativedelta(months=6)).isoformat(),
                "onsite_check_record": "现场核查：样品在实验室封存，未挪作他用。"})
            run_step(W, cert.id, "approve_extend", reviewer, {"use_finding": "unused"})
        accounted = state in (CertificateState.written_off, CertificateState.write_off_pending,
                              CertificateState.write_off_returned)
        used = state in (CertificateState.changed, CertificateState.extended) or accounted \
            or request_state is CertificateRequestState.rejected
        if used:
            create_record(CustomsUsage(
                certificate_id=cert.id, declaration_no=fake.declaration_number(
                    rng, issued.year, self.plan.declaration_prefix),
                port=rng.choice(self.plan.ports),
                used_on=min(issued + dt.timedelta(days=rng.randint(2, 20)), self.today),
                quantity=sum(p.quantity for p in app.products)))
            db.session.commit()
        if request_state is CertificateRequestState.pending:
            with clock.as_of(fake.working_time(rng, min(issued + dt.timedelta(days=3),
                                                        self.today))):
                run_step(W, cert.id, "change", officer, {"reason": "型号规格填写有误", "items": [
                    {"product_id": product.id, "field": "model", "after": product.model + "A"}]})
        elif request_state is CertificateRequestState.rejected:
            run_step(W, cert.id, "void", officer, {"reason": "企业申请作废"})
            run_step(W, cert.id, "reject_void", reviewer,
                     {"remarks": "已有海关调用记录，且无产品未实际进口的证据，不予作废"})
        for product in app.products:
            if accounted:
                self._usage(product, issued, full=True, record=create_record)
            elif used and rng.random() < 0.5:
                self._usage(product, issued, full=False, record=create_record)
        db.session.commit()
        # the write-off review (seed 002 §13): one written off, one returned for 补正, and one
        # left 核销待审
        checks = {"complete": True, "consistent": True, "use_unchanged": True, "logical": True}
        if state is CertificateState.written_off:
            run_step(W, cert.id, "approve_write_off", reviewer,
                     {**checks, "remarks": "使用记录与证明一致，证明材料齐全，同意核销"})
        elif state is CertificateState.write_off_returned:
            run_step(W, cert.id, "return_write_off", reviewer,
                     {**checks, "consistent": False,
                      "remarks": "使用单位与进口合同所列最终用户不一致，请补正说明"})
        return cert

    def leads(self, ents, officer, today: dt.date) -> None:
        """Two 线索 (seed 001 流程8) about the district's units, received within the look-back
        window: the draw takes their units as key targets."""
        from app.commands.records import create_record
        from app.enums import LeadKind
        from app.models import SupervisionLead
        from app.scope import acting_as

        for ent, kind, source, text, days in (
                (ents[5], LeadKind.complaint, "12315举报", "举报该单位将免办进口产品对外销售。", 40),
                (ents[6], LeadKind.unreachable, "电话回访", "按登记电话多次联系未果，登记地址无人办公。",
                 20)):
            with acting_as(officer):
                create_record(SupervisionLead(enterprise=ent, kind=kind, source=source,
                                              received_on=today - dt.timedelta(days=days),
                                              description=text))
        db.session.commit()

    def _usage(self, product: Product, issued: dt.date, full: bool, record) -> None:
        """使用/退运/销毁 records, each with its clause's follow-up evidence (seed 001)."""
        from app.services.evidence import store_evidence

        rng = self.rng
        remaining = product.quantity if full else max(1, product.quantity // 2)
        kinds = [UsageKind.use, UsageKind.returned, UsageKind.destroyed]
        export_parts = product.application.clause is ExemptionClause.export_parts
        while remaining > 0:
            qty = remaining if full and rng.random() < 0.5 else max(1, remaining // 2)
            qty = min(qty, remaining)
            day = min(issued + dt.timedelta(days=rng.randint(15, 200)), self.today)
            kind = rng.choice(kinds)
            needs_declaration = kind is UsageKind.returned or (
                kind is UsageKind.use and export_parts)
            saved = record(UsageRecord(
                product=product, kind=kind, quantity=qty, used_on=day,
                using_unit=product.application.enterprise.name,
                export_declaration_no=fake.declaration_number(
                    rng, day.year, self.plan.declaration_prefix) if needs_declaration else None,
                remarks="见台账及照片记录"))
            if kind is UsageKind.destroyed:
                store_evidence(io.BytesIO(DEMO_PHOTO), "销毁现场照片.png", saved)
            else:
                if kind is UsageKind.returned:
                    title = "出口报关单"
                elif export_parts:
                    title = "整机出口报关单"
                elif product.application.clause is ExemptionClause.production_line:
                    title = "生产线使用证明（附现场照片）"
                else:
                    title = "最终用户确认的使用记录"
                store_evidence(io.BytesIO(demo_document(title, product.application.enterprise.name,
                                                        day)), f"{title}.pdf", saved)
            remaining -= qty
            if not full:
                break

    # --- reviewer accounts and their governance -----------------------------------------

    def account(self, bureau: Bureau, holder: str, dept: str, position: str, chief: bool,
                codes: list[FunctionCode], status=AccountStatus.active) -> ReviewerAccount:
        rng = self.rng
        while True:
            name = f"{bureau.division_code}{rng.choice(['sh', 'jg', 'sc'])}{rng.randint(100, 999)}"
            if name not in self.accounts_used:
                self.accounts_used.add(name)
                break
        opened = self.today - dt.timedelta(days=rng.randint(200, 1500))
        acc = ReviewerAccount(
            bureau=bureau, holder_name=holder, department=dept, position=position,
            section_chief_or_above=chief, account_name=name,
            functions=[self.functions[c] for c in codes], phone=fake.mobile(rng),
            status=status, opened_on=opened,
            closed_on=self.today - dt.timedelta(days=rng.randint(10, 100))
            if status is AccountStatus.closed else None)
        db.session.add(acc)
        return acc

    def district_accounts(self, bureau: Bureau, demo: bool) -> list[ReviewerAccount]:
        rng = self.rng
        F = FunctionCode
        if demo:
            specs = [("认证监管科", "科长", True, [F.second_review, F.supervision]),
                     ("认证监管科", "副科长", True, [F.first_review, F.second_review, F.issue]),
                     ("认证监管科", "科员", False, [F.first_review, F.issue]),
                     ("认证监管科", "科员", False, [F.admin, F.supervision]),
                     ("质量发展科", "科员", False, [F.supervision])]
        else:
            specs = [("认证监管科", "科长", True, [F.second_review, F.issue]),
                     ("认证监管科", "科员", False, [F.first_review, F.supervision])]
        accounts = [self.account(bureau, fake.person_name(rng), dept, pos, chief, codes)
                    for dept, pos, chief, codes in specs]
        if demo:
            accounts.append(self.account(bureau, fake.person_name(rng), "认证监管科", "原科员",
                                         False, [F.first_review], status=AccountStatus.closed))
        return accounts

    # The governance records are walked through the real workflows (app.workflows), so the
    # registry, the function-change history and the audit trail agree with them.

    STEPS_TO = {
        AccountChangeState.draft: (),
        AccountChangeState.submitted: ("submit",),
        AccountChangeState.approved: ("submit", "approve"),
        AccountChangeState.returned: ("submit", "return"),
        AccountChangeState.forwarded: ("submit", "approve", "forward"),
        AccountChangeState.effective: ("submit", "approve", "forward", "apply"),
    }

    def change_requests(self, bureau: Bureau, accounts: list[ReviewerAccount], officer,
                        admin) -> None:
        from app.commands.accounts import FileTogether
        from app.services.accounts import tags
        from app.workflows import run_step
        from app.workflows.account_change import AccountChangeWorkflow

        rng, today = self.rng, self.today
        F = FunctionCode
        plan = [
            (AccountChangeState.draft, AccountChangeKind.open, 3),
            (AccountChangeState.submitted, AccountChangeKind.add_functions, 5),
            (AccountChangeState.approved, AccountChangeKind.remove_functions, 4),
            (AccountChangeState.returned, AccountChangeKind.open, 12),  # reported late
            (AccountChangeState.forwarded, AccountChangeKind.close, 6),
            (AccountChangeState.effective, AccountChangeKind.add_functions, 2),
        ]
        active = [a for a in accounts if a.status is AccountStatus.active]
        made = []
        for i, (state, kind, days_ago) in enumerate(plan):
            req = AccountChangeRequest(
                bureau=bureau, kind=kind, staffing_changed_on=today - dt.timedelta(days=days_ago),
                letter_ref=f"关于调整CCC免办系统账号的函（{bureau.short_name[:2]}市监〔{today.year}〕{rng.randint(10, 99)}号）",
                district_contact=f"{fake.person_name(rng)} "
                                 f"{fake.landline(rng, self.plan.area_code(bureau.division_code))}")
            if kind is AccountChangeKind.open:
                req.holder_name = fake.person_name(rng)
                req.department, req.position = "认证监管科", "科长"
                req.section_chief_or_above = True
                req.phone = fake.mobile(rng)
                req.account_name = f"{bureau.division_code}new{rng.randint(100, 999)}"
                req.functions_after = tags([F.second_review])
            else:
                acc = active[i % len(active)]
                req.account = acc
                req.holder_name, req.department = acc.holder_name, acc.department
                req.position, req.phone = "现" + acc.department + acc.position, acc.phone
                req.section_chief_or_above = acc.section_chief_or_above
                req.account_name = acc.account_name
                req.functions_before = list(acc.functions)
                codes = {f.code for f in acc.functions}
                if kind is AccountChangeKind.close:
                    req.functions_after = []
                elif kind is AccountChangeKind.add_functions:
                    extra = next(c for c in (F.supervision, F.issue, F.first_review, F.admin)
                                 if c not in codes)
                    req.functions_after = tags(codes | {extra})
                else:
                    req.functions_after = tags(sorted(codes, key=list(F).index)[:1])
            db.session.add(req)
            db.session.commit()
            for step in self.STEPS_TO[state]:
                actor = officer if step == "submit" else admin
                inputs = {"reason": "复审岗位账号使用人须为科级以上行政编人员，请核实职务。"} \
                    if step == "return" else {"make_filing": True} if step == "forward" else {}
                run_step(AccountChangeWorkflow, req.id, step, actor, inputs)
            made.append(req)
        FileTogether([made[1].id, made[2].id], officer).execute()

    def annual_reports(self, bureau: Bureau, states_by_year: dict[int, AnnualReportState],
                       officer, admin) -> None:
        from app.commands.annual_reports import create_report
        from app.workflows import run_step
        from app.workflows.annual_report import AnnualReportWorkflow

        rng = self.rng
        filer = fake.person_name(rng)
        steps = {AnnualReportState.draft: (), AnnualReportState.submitted: ("submit",),
                 AnnualReportState.returned: ("submit", "return"),
                 AnnualReportState.confirmed: ("submit", "confirm")}
        for year, state in states_by_year.items():
            report = create_report(bureau.id, year, filer, "认证监管科")
            db.session.commit()
            for step in steps[state]:
                actor = officer if step == "submit" else admin
                inputs = {"reason": "个别账号使用人职务填写不完整，请补充后重新报送。"} \
                    if step == "return" else {}
                run_step(AnnualReportWorkflow, report.id, step, actor, inputs)
            if report.submitted_at and year < self.today.year:
                # past years were filed on time, before 11月30日
                filed = self.profile.annual_report_due(year) - dt.timedelta(days=rng.randint(3, 20))
                report.filed_on = filed
                report.submitted_at = fake.working_time(rng, filed)
                if report.confirmed_at:
                    report.confirmed_at = report.submitted_at + dt.timedelta(days=3)
                db.session.commit()


def create_demo_data(sm, today: dt.date | None = None) -> None:
    """Create the whole demo province. Callers decide whether the database is empty."""
    bureaus = load_bureaus()
    create_demo_users(sm, bureaus)
    link_demo_accounts(sm, bureaus)
    builder = DemoBuilder(today=today)
    admin = sm.find_user(username="admin")
    rng = builder.rng
    today = builder.today
    layout = builder.plan
    province = bureaus[builder.profile.province_division_code]
    districts = [b for code, b in sorted(bureaus.items()) if b is not province]
    officers = {o.division_code: sm.find_user(username=o.login) for o in layout.officers}
    reviewer = sm.find_user(username="reviewer")
    builder.reviewer = reviewer

    builder.account(province, fake.person_name(rng), "认证监督管理处", "处长", True,
                    [FunctionCode.admin, FunctionCode.second_review])
    builder.account(province, fake.person_name(rng), "认证监督管理处", "一级主任科员", True,
                    [FunctionCode.admin])

    for bureau in districts:
        demo = bureau.division_code in layout.districts
        n_enterprises = 15 if demo else 1
        ents = [builder.enterprise(bureau) for _ in range(n_enterprises)]
        if demo:
            ents.append(builder.enterprise(bureau, credit=CreditStanding.serious_violation))
            ents.append(builder.enterprise(bureau, traceability=False))
        db.session.flush()
        accounts = builder.district_accounts(bureau, demo)
        db.session.flush()
        if demo:
            officer = officers[bureau.division_code]
            app_states = [s for s in ApplicationState if s is not ApplicationState.issued] * 2
            clauses = list(ExemptionClause)
            for i, state in enumerate(app_states):
                builder.application(ents[i % len(ents)], state, clause=clauses[i % len(clauses)],
                                    officer=officer, complete=i != 0)
            db.session.commit()
            for ent, plan in zip(ents, FAST_TRACK_PLANS):
                builder.fast_track(ent, plan, officer, reviewer, admin)
            # a unit that does not qualify: its draft shows the failed conditions
            builder.fast_track_application(ents[-2], today)
            with clock.as_of(fake.working_time(rng, today)):
                from app.commands.fast_track import ExpireGrants

                ExpireGrants().execute()
            cert_plan = [(s, None) for s in CertificateState] + [
                (CertificateState.valid, CertificateRequestState.pending),
                (CertificateState.valid, CertificateRequestState.rejected),
                (CertificateState.written_off, None)]
            for i, (cstate, request_state) in enumerate(cert_plan):
                app = builder.application(ents[(i + 3) % len(ents)], ApplicationState.issued,
                                          officer=officer)
                db.session.commit()
                builder.certificate(app, cstate, officer, reviewer, request_state)
            builder.change_requests(bureau, accounts, officer, admin)
            builder.leads(ents, officer, today)
            year = today.year
            states = [AnnualReportState.confirmed, AnnualReportState.returned,
                      AnnualReportState.submitted, AnnualReportState.draft]
            if bureau.division_code == layout.districts[-1]:
                states = [AnnualReportState.confirmed, AnnualReportState.submitted,
                          AnnualReportState.returned, AnnualReportState.draft]
            builder.annual_reports(bureau, {year - 3 + i: s for i, s in enumerate(states)},
                                   officer, admin)
            from seeds.demo_supervision import supervision

            supervision(builder, sm, bureau, officer, admin, DEMO_PASSWORD)
        else:
            builder.legacy_fast_track(ents[0])
            for state in (ApplicationState.submitted, ApplicationState.issued):
                app = builder.application(ents[0], state,
                                          officer=officers.get(bureau.division_code))
                if state is ApplicationState.issued:
                    db.session.commit()
                    builder.certificate(app, CertificateState.valid)
            builder.annual_reports(bureau, {today.year - 1: AnnualReportState.confirmed},
                                   officers.get(bureau.division_code, admin), admin)
    db.session.commit()


#: A 1×1 picture standing in for a destruction photo (demo data only).
DEMO_PHOTO = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
              b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
              b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def demo_document(title: str, unit: str, day: dt.date) -> bytes:
    """A one-page PDF standing in for an attachment a unit hands in (demo data only)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from app.reports.engine import PDF_FONT, ensure_font

    ensure_font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    page.setFont(PDF_FONT, 18)
    page.drawCentredString(width / 2, height - 90, title)
    page.setFont(PDF_FONT, 11)
    lines = [f"单位名称：{unit}", f"日期：{day.year}年{day.month}月{day.day}日", "",
             "（演示数据：此文件由演示数据生成，代替申请单位提交的材料。）"]
    for i, line in enumerate(lines):
        page.drawString(72, height - 140 - i * 22, line)
    page.showPage()
    page.save()
    return out.getvalue()


def database_is_empty() -> bool:
    return db.session.scalar(select(Bureau.id).limit(1)) is None
