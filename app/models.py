"""Domain model of the CCC免办 console (DESIGN §2).

Every column declares its Chinese label, help text and field validators in ``info`` (see
``app.meta``); every enumeration is a ``LabeledEnum`` (English code stored and served by the
API, Chinese label shown). Screens, forms, the API, exports and reports read them from here.
Integrity lives in the database too: foreign keys, NOT NULL, unique keys and check constraints.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy import (
    Enum as SAEnum,
)
from sqlalchemy import (
    inspect as sa_inspect,
)
from sqlalchemy.orm import Mapped, configure_mappers, declared_attr, mapped_column, relationship
from sqlalchemy_continuum import make_versioned
from sqlalchemy_continuum.plugins import (
    FlaskPlugin,
    PropertyModTrackerPlugin,
    TransactionChangesPlugin,
)

from app import clock, policy, present
from app.domain import dossier, rules
from app.domain import validators as v
from app.enums import (
    AccountChangeKind,
    AccountChangeState,
    AccountStatus,
    AddressType,
    AnnualReportState,
    Answer,
    ApplicantType,
    ApplicationState,
    AttachmentKind,
    BureauLevel,
    BusinessCategoryCode,
    CalendarDayKind,
    CertificateRequestKind,
    CertificateRequestState,
    CertificateState,
    ChecklistKind,
    CreditStanding,
    Currency,
    DecisionState,
    EconomicNature,
    ExemptionClause,
    FastTrackChangeKind,
    FastTrackChangeState,
    FastTrackState,
    FunctionCode,
    InspectionMethod,
    InspectionOrigin,
    InspectionResult,
    InspectionState,
    LeadKind,
    LetterDirection,
    LetterState,
    PlanState,
    ProductField,
    ProductListPeriod,
    RemoteUseType,
    ReplyResult,
    ResearchDetail,
    SanctionMeasure,
    SanctionReason,
    TargetKind,
    UsageKind,
    UseFinding,
    WriteOffDecision,
)
from app.meta import LabeledEnum, enum_label, label
from app.policy import local
from app.security_model import (
    ADMIN_ONLY,
    DISTRICT_EDITS_ONLY,
    DISTRICT_WRITES,
    DISTRICT_WRITES_NO_DELETE,
    READ_ALL,
    READ_ONLY,
    Access,
)


def _audit_user_id():
    from app.scope import current_user

    user = current_user()
    return getattr(user, "id", None)


# Audit trail (SQLAlchemy-Continuum): every model with ``__versioned__`` gets a version table
# holding each insert, update and delete with the transaction (who, when, from where). The
# 'subquery' strategy never rewrites an older version row, so the trail is append-only.
make_versioned(
    user_cls="ConsoleUser",
    plugins=[FlaskPlugin(current_user_id_factory=_audit_user_id), PropertyModTrackerPlugin(),
             TransactionChangesPlugin()],
    options={"strategy": "subquery"},
)

#: Width of the columns that name who acted (``*_by``, ``district_reviewer``).
ACTOR_NAME_LENGTH = 64

# =========================================================================================
# Column helpers
# =========================================================================================


def enum_column(enum_cls: type[LabeledEnum], text: str, *, nullable: bool = False,
                default: LabeledEnum | None = None, help: str | None = None, index: bool = False):
    """An enum column stored as its English code, with a CHECK constraint in the database."""
    return mapped_column(
        SAEnum(enum_cls, native_enum=False, create_constraint=True, validate_strings=True,
               length=max(len(c) for c in enum_cls.codes()) + 4,
               name=enum_cls.__name__.lower()),
        nullable=nullable, default=default, index=index, info=enum_label(text, help=help))


# =========================================================================================
# The carried owner bureau (issue 15): big lists filter on one indexed column
# =========================================================================================

#: Excluded from the audit trail: a copy kept by ``app.scope`` on every flush, not an edit.
CARRIED_VERSIONED = {"exclude": ["updated_at", "lock_version", "owner_bureau_id"]}


def owner_bureau_column():
    """``owner_bureau_id``: the owning bureau's id copied onto a row that reaches it through
    other rows (``__scope_column__``); kept right by ``app.scope`` after every flush."""
    return mapped_column(ForeignKey("bureau.id"), nullable=True,
                         info=label("所属市场监督管理局"))



class Audited:
    """Domain rows whose every change is kept in the audit trail, and which are saved with
    an optimistic lock: ``lock_version`` goes up with every save, and a save based on an
    older version (a console form opened before someone else saved, an API ``If-Match``) is
    refused instead of silently undoing the other save (``app.services.records``)."""

    __versioned__ = {"exclude": ["updated_at", "lock_version"]}

    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1", info=label("版本号"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.lock_version}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, server_default=func.now(), default=clock.now,
        info=label("创建时间"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, server_default=func.now(), default=clock.now,
        onupdate=clock.now, info=label("更新时间"))


class EnumTagMixin:
    """A row of a small lookup table that mirrors one ``LabeledEnum`` member, so that
    multi-valued choices (several functions, categories, clauses) are real many-to-many
    relations with foreign keys. Rows are synchronised from the enum (seeds.reference)."""

    enum_cls: type[LabeledEnum]
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    def __str__(self) -> str:
        return self.code.label

    __repr__ = __str__

    @property
    def label(self) -> str:
        return self.code.label


# =========================================================================================
# Organisation: bureaus and console users
# =========================================================================================


def _commerce_help(profile) -> str:
    if not profile.fast_track_commerce_co_confirms:
        return f"{profile.province_name}便捷通道审核不会同商务主管部门确认"
    return (f"{profile.province_bureau_short}会同{profile.fast_track_commerce_authority}确认"
            f"（{profile.fast_track_commerce_basis}）")


#: The help text of a commerce co-confirmation date (only a province with co-confirmation
#: asks for it: the profile's ``fast_track_commerce_co_confirms``)
COMMERCE_HELP = local(_commerce_help)


class Bureau(Audited, TimestampMixin, Model):
    __tablename__ = "bureau"
    __label__ = "市场监管部门"
    __access__ = READ_ALL
    __scope_path__ = ("id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False,
                                      info=label("部门名称", help=local("如：{example_bureau_name}")))
    short_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                            info=label("简称", help=local("如：{example_bureau_short_name}")))
    level: Mapped[BureauLevel] = enum_column(BureauLevel, "层级")
    division_code: Mapped[str] = mapped_column(
        String(6), unique=True, nullable=False,
        info=label("行政区划代码", help=local("6位GB/T 2260行政区划代码，如{example_bureau_short_name}"
                                  "{example_division_code}"),
                   validators=[v.division_code]))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bureau.id"), index=True,
                                                     info=label("上级部门"))
    parent: Mapped[Optional["Bureau"]] = relationship(
        remote_side=[id], back_populates="children", info=label("上级部门"))
    children: Mapped[list["Bureau"]] = relationship(back_populates="parent",
                                                    info=label("下级部门"))

    __table_args__ = (
        CheckConstraint("length(division_code) = 6", name="division_code_length"),
    )

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


class ConsoleUser(User):
    """A console login (Flask-AppBuilder user) attached to the bureau it works for.

    Saved with an optimistic lock like the audited records: ``lock_version`` goes up when
    what an administrator edits changes (name, e-mail, bureau, roles, account, active...),
    and a user form opened before another save is refused (``app.security``). A login's
    own bookkeeping (last login, login counts) and a password change leave it alone, so
    they never make an open form stale (``bump_user_version``)."""

    __tablename__ = "ab_user"
    __label__ = "控制台用户"

    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1", info=label("版本号"))
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}

    bureau_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("bureau.id", name="fk_ab_user_bureau_id_bureau"), nullable=True,
        info=label("所属部门"))
    bureau: Mapped[Optional[Bureau]] = relationship(info=label("所属部门"))
    reviewer_account_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("reviewer_account.id", name="fk_ab_user_reviewer_account_id_reviewer_account"),
        nullable=True, unique=True,
        info=label("国家系统账号", help="本人在国家CCC免办系统中使用的账号（须为本部门的账号）"))
    reviewer_account: Mapped[Optional["ReviewerAccount"]] = relationship(
        foreign_keys=[reviewer_account_id], info=label("国家系统账号"))

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space."""
        return f"{self.last_name}{self.first_name}"

    @property
    def signature(self) -> str:
        """How a record names who acted (审核人, 登记人, 上传人): 姓名（登录名）, readable on a
        printed page and still unambiguous; the login alone if that would not fit the column."""
        text = f"{self.get_full_name()}（{self.username}）"
        return text if len(text) <= ACTOR_NAME_LENGTH else self.username


#: What a login or a password change writes on a user: not an edit an open user form could
#: undo, so it leaves ``lock_version`` alone.
USER_BOOKKEEPING = frozenset({"last_login", "login_count", "fail_login_count", "password",
                              "changed_on", "changed_by_fk", "lock_version"})


@event.listens_for(ConsoleUser, "before_update")
def bump_user_version(_mapper, _connection, user: ConsoleUser) -> None:
    """A user's version goes up when an edited attribute changed (the UPDATE also checks the
    version it read, so a save between another's read and write is refused)."""
    state = sa_inspect(user)
    if any(attr.history.has_changes() for attr in state.attrs
           if attr.key not in USER_BOOKKEEPING):
        user.lock_version = state.committed_state.get("lock_version", user.lock_version) + 1


# =========================================================================================
# Reference data: CCC catalogue and lookup tables
# =========================================================================================


class CccCategory(Audited, TimestampMixin, Model):
    """A product sub-category of the CCC catalogue (强制性产品认证目录描述与界定表)."""

    __tablename__ = "ccc_category"
    __label__ = "CCC目录产品小类"
    __access__ = READ_ALL

    code: Mapped[str] = mapped_column(String(4), primary_key=True,
                                      info=label("小类代码", validators=[v.ccc_code_format]))
    category_no: Mapped[str] = mapped_column(String(8), nullable=False, info=label("大类序号"))
    category: Mapped[str] = mapped_column(String(100), nullable=False, info=label("产品大类"))
    product_name: Mapped[str] = mapped_column(String(200), nullable=False, info=label("产品名称"))
    self_declaration: Mapped[Optional[str]] = mapped_column(String(100),
                                                            info=label("自我声明评价方式"))
    example_hs_codes: Mapped[Optional[str]] = mapped_column(String(200),
                                                            info=label("HS编码示例"))
    scope_notes: Mapped[Optional[str]] = mapped_column(
        Text, info=label("产品描述与界定", help="描述与界定表中的适用范围说明"))
    source: Mapped[str] = mapped_column(String(100), nullable=False, info=label("来源"))
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                          info=label("演示数据", help="演示用条目，应以官方目录替换"))

    __table_args__ = (CheckConstraint("length(code) = 4", name="code_length"),)

    def __str__(self) -> str:
        return f"{self.product_name}（{self.code}）"

    __repr__ = __str__


class AccountFunction(Audited, EnumTagMixin, Model):
    __tablename__ = "account_function"
    __label__ = "账号功能"
    enum_cls = FunctionCode
    code: Mapped[FunctionCode] = enum_column(FunctionCode, "功能")
    __table_args__ = (UniqueConstraint("code", name="uq_account_function_code"),)


class BusinessCategory(Audited, EnumTagMixin, Model):
    __tablename__ = "business_category"
    __label__ = "主要经营范围"
    enum_cls = BusinessCategoryCode
    code: Mapped[BusinessCategoryCode] = enum_column(BusinessCategoryCode, "经营类别")
    __table_args__ = (UniqueConstraint("code", name="uq_business_category_code"),)


class ClauseTag(Audited, EnumTagMixin, Model):
    __tablename__ = "clause_tag"
    __label__ = "免办条款"
    enum_cls = ExemptionClause
    code: Mapped[ExemptionClause] = enum_column(ExemptionClause, "免办条款")
    __table_args__ = (UniqueConstraint("code", name="uq_clause_tag_code"),)


def _association(name: str, left: str, right: str) -> Table:
    return Table(
        name, Model.metadata,
        Column(f"{left}_id", Integer, ForeignKey(f"{left}.id", ondelete="CASCADE"),
               primary_key=True),
        Column(f"{right}_id", Integer, ForeignKey(f"{right}.id", ondelete="RESTRICT"),
               primary_key=True),
    )


enterprise_business_category = _association(
    "enterprise_business_category", "enterprise", "business_category")
fast_track_clause = _association("fast_track_clause", "fast_track_grant", "clause_tag")
reviewer_account_function = _association(
    "reviewer_account_function", "reviewer_account", "account_function")
account_change_function_before = Table(
    "account_change_function_before", Model.metadata,
    Column("request_id", Integer, ForeignKey("account_change_request.id", ondelete="CASCADE"),
           primary_key=True),
    Column("function_id", Integer, ForeignKey("account_function.id", ondelete="RESTRICT"),
           primary_key=True),
)
account_change_function_after = Table(
    "account_change_function_after", Model.metadata,
    Column("request_id", Integer, ForeignKey("account_change_request.id", ondelete="CASCADE"),
           primary_key=True),
    Column("function_id", Integer, ForeignKey("account_function.id", ondelete="RESTRICT"),
           primary_key=True),
)


# =========================================================================================
# Working-day calendar (State Council holiday schedule)
# =========================================================================================


class CalendarYear(Audited, TimestampMixin, Model):
    """A year whose holiday schedule is known. Deadlines are only computed in known years."""

    __tablename__ = "calendar_year"
    __label__ = "工作日历年度"
    __access__ = READ_ALL

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                      info=label("年度"))
    complete: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("已录入完整", help="该年全部法定节假日和调休上班日录入完毕后勾选；未勾选的年度不参与期限计算"))
    source: Mapped[str] = mapped_column(
        String(200), nullable=False,
        info=label("依据", help="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))

    __table_args__ = (CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),)

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(Audited, TimestampMixin, Model):
    """An exception to "Monday–Friday work, weekends off": a holiday or an adjusted workday."""

    __tablename__ = "calendar_day"
    __label__ = "节假日与调休"
    __access__ = READ_ALL

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True, info=label("日期"))
    kind: Mapped[CalendarDayKind] = enum_column(CalendarDayKind, "类型")
    name: Mapped[str] = mapped_column(String(50), nullable=False,
                                      info=label("名称", help="如：国庆节、春节"))

    @property
    def is_workday(self) -> bool:
        return self.kind.is_workday

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.name}（{self.kind.label}）"


# =========================================================================================
# Enterprises and the fast track (便捷通道)
# =========================================================================================


class Enterprise(Audited, TimestampMixin, Model):
    """申请单位 (seed 000 申请表; seed 002 检查表 part 一)."""

    __tablename__ = "enterprise"
    __label__ = "申请单位"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("name", "^uscc")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True,
                                      info=label("单位名称", help="与营业执照上的名称一致"))
    uscc: Mapped[str] = mapped_column(
        String(18), unique=True, nullable=False,
        info=label("统一社会信用代码", help="18位，GB 32100-2015，系统会校验末位校验码",
                   validators=[v.uscc]))
    registered_address: Mapped[str] = mapped_column(String(300), nullable=False,
                                                    info=label("注册地址"))
    business_address: Mapped[str] = mapped_column(String(300), nullable=False,
                                                  info=label("经营地址"))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("所属区局"))
    bureau: Mapped[Bureau] = relationship(info=label("所属区局",
                                                     help="注册地所在区市场监管局"))
    business_categories: Mapped[list[BusinessCategory]] = relationship(
        secondary=enterprise_business_category, order_by=BusinessCategory.id,
        info=label("主要经营范围", help="可多选"))
    economic_nature: Mapped[EconomicNature] = enum_column(EconomicNature, "单位经济性质")
    legal_representative: Mapped[str] = mapped_column(String(50), nullable=False,
                                                      info=label("法定代表人"))
    legal_representative_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("法定代表人电话/手机", validators=[v.phone]))
    department_head: Mapped[Optional[str]] = mapped_column(String(50),
                                                           info=label("CCC免办部门负责人"))
    department_head_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("部门负责人电话/手机", validators=[v.phone]))
    handler: Mapped[Optional[str]] = mapped_column(String(50), info=label("CCC免办经办人"))
    handler_phone: Mapped[Optional[str]] = mapped_column(
        String(30), info=label("经办人电话/手机", validators=[v.phone]))
    system_account: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("CCC免办系统账号", help="企业在国家CCC免办系统中的登录账号"))
    credit_standing: Mapped[CreditStanding] = enum_column(
        CreditStanding, "信用状况", default=CreditStanding.good,
        help="国家企业信用信息公示系统 / 信用中国 的查询结果")
    operates_in_province: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True,
        info=label("经营地在本市", help="注册地及经营地均在本省（市）"))
    traceability_system: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("已建立追溯管理制度", help="CCC免办产品入库、领用、使用、归还、退运或报废等管理要求"))

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


#: A stored sort key of a row with no date to sort by: after (ascending) / before
#: (descending) every real date, so such rows come last either way and a page is one index
#: range (审核时限 of applications, 剩余有效天数 of fast-track grants).
DUE_SORT_LAST_ASC = dt.date(9999, 12, 31)
DUE_SORT_LAST_DESC = dt.date(1, 1, 1)


class FastTrackGrant(Audited, TimestampMixin, Model):
    """A fast-track (便捷通道) application and, once opened, the grant itself (seeds 000, 003)."""

    __tablename__ = "fast_track_grant"
    __label__ = "便捷通道"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("enterprise", "bureau_id")
    __search_text__ = ("enterprise.name", "^enterprise.uscc")
    __str_loads__ = ("enterprise",)  # relations __str__ reads: loaded with lists that show it
    # the district's list filters on the carried owner and sorts 剩余有效天数 by a stored key:
    # one range of ix_fast_track_grant_owner_valid_asc / _desc (issue 15)
    __scope_column__ = "owner_bureau_id"
    __versioned__ = {"exclude": ["updated_at", "lock_version", "owner_bureau_id",
                                 "valid_sort_asc", "valid_sort_desc"]}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("申请单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("申请单位"))
    state: Mapped[FastTrackState] = enum_column(FastTrackState, "状态",
                                                default=FastTrackState.draft, index=True)
    applied_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("申请日期"))
    clauses: Mapped[list[ClauseTag]] = relationship(
        secondary=fast_track_clause, order_by=ClauseTag.id,
        info=label("申请免办条款", help="可多选，限条款1至5"))
    self_commitment: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, info=label("已签署自我承诺"))
    district_recommendation: Mapped[Optional[bool]] = mapped_column(
        Boolean, info=label("区局推荐意见", help="是：推荐；否：不推荐"))
    district_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("区县市场监管部门意见"))
    onsite_checked_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("现场核查日期"))
    onsite_check_record: Mapped[Optional[str]] = mapped_column(Text, info=label("现场核查记录"))
    provincial_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label(local("{province_bureau_short}审核意见")))
    fast_track_account: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("便捷通道账号", help="总局开通后给予的指定账号"))
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("有效期起"))
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date, index=True, info=label("有效期止"))
    #: 剩余有效天数's sort keys, kept on every flush (``app.services.fast_track``): the end
    #: date of a grant that shows days left (active, expired, suspended), else a date after
    #: (ascending) / before (descending) every end date, so those come last either way.
    valid_sort_asc: Mapped[dt.date] = mapped_column(
        Date, nullable=False, default=DUE_SORT_LAST_ASC,
        server_default=DUE_SORT_LAST_ASC.isoformat(),
        info=label("剩余有效天数排序（升序）", help="由系统维护"))
    valid_sort_desc: Mapped[dt.date] = mapped_column(
        Date, nullable=False, default=DUE_SORT_LAST_DESC,
        server_default=DUE_SORT_LAST_DESC.isoformat(),
        info=label("剩余有效天数排序（降序）", help="由系统维护"))
    sanction_reason: Mapped[Optional[SanctionReason]] = enum_column(
        SanctionReason, "暂停/取消原因", nullable=True)
    sanctioned_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("暂停/取消日期"))
    sanction_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("暂停/取消说明"))
    sanction_inspection_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection.id", name="fk_fast_track_grant_sanction_inspection_id_inspection"),
        index=True, info=label("暂停/取消依据的检查记录", help=local("区局检查发现问题、上报{province_bureau_short}并报总局的检查记录")))
    sanction_inspection: Mapped[Optional["Inspection"]] = relationship(
        foreign_keys=[sanction_inspection_id], info=label("暂停/取消依据的检查记录"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    district_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(
        DateTime, info=label("区局初审时间"))
    district_reviewer: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("区局经办人"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label(local("{province_bureau_short}审核时间")))
    decided_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label(local("{province_bureau_short}审核人")))
    commerce_confirmed_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("会同商务主管部门确认日期",
                         help=COMMERCE_HELP))
    forwarded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("报总局时间"))
    activated_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("开通时间"))
    lines: Mapped[list["FastTrackProductLine"]] = relationship(
        back_populates="grant", cascade="all, delete-orphan",
        order_by="FastTrackProductLine.id", info=label("产品清单"))
    renewals: Mapped[list["FastTrackRenewal"]] = relationship(
        back_populates="grant", order_by="FastTrackRenewal.id", info=label("延用记录"))
    changes: Mapped[list["FastTrackChange"]] = relationship(
        back_populates="grant", order_by="FastTrackChange.id", info=label("变更事项"))
    attachments: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="fast_track_grant", order_by="EvidenceFile.id", info=label("申请材料"))

    __record_rules__ = (
        v.date_order("valid_from", "valid_to", "有效期止不能早于有效期起。"),
        rules.fast_track_clauses_only,
    )

    def __str__(self) -> str:
        return f"{self.enterprise.name if self.enterprise else ''}便捷通道#{self.id}"

    __repr__ = __str__

    def batches_total(self, period: ProductListPeriod) -> int:
        return sum(line.annual_batches for line in self.lines if line.period is period)

    def deletion_refusal(self) -> str | None:
        if self.state is not FastTrackState.draft:
            return "只有草稿状态的便捷通道申请可以删除；已开通的便捷通道应办理暂停或取消。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, FastTrackState.draft):
            return (f"便捷通道{self.state.label}，申请内容不能再修改；开通后的变化请登记“便捷通道变更”。")
        return None

    #: What the 申请表 asks to attach (seed 000 附件2).
    evidence_kinds = (AttachmentKind.basic_description, AttachmentKind.subject_qualification)

    def evidence_refusal(self) -> str | None:
        """The 申请表's attachments go with the application, before it is submitted."""
        if self.state is not FastTrackState.draft:
            return "只能在提交前上传申请材料。"
        return None

    __extra_labels__ = {"bureau_name": "所属区局"}

    @property
    def bureau_name(self) -> str:
        return self.enterprise.bureau.short_name if self.enterprise else ""


class FastTrackProductLine(Audited, Model):
    """One row of the 申请表's product lists: past two years or expected."""

    __tablename__ = "fast_track_product_line"
    __label__ = "便捷通道产品清单"
    __access__ = DISTRICT_WRITES
    __scope_paths__ = (("grant", "enterprise", "bureau_id"),
                       ("change", "grant", "enterprise", "bureau_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_grant.id", ondelete="CASCADE"), index=True,
        info=label("便捷通道"))
    grant: Mapped[Optional[FastTrackGrant]] = relationship(back_populates="lines",
                                                           info=label("便捷通道"))
    change_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_change.id", ondelete="CASCADE"), index=True,
        info=label("产品清单调整", help="调整后的预计清单，批准后替换原预计清单"))
    change: Mapped[Optional["FastTrackChange"]] = relationship(back_populates="lines",
                                                               info=label("产品清单调整"))
    period: Mapped[ProductListPeriod] = enum_column(ProductListPeriod, "清单")
    ccc_code: Mapped[str] = mapped_column(
        ForeignKey("ccc_category.code"), nullable=False,
        info=label("产品小类代码", validators=[v.ccc_code_format, v.ccc_code_in_catalogue]))
    ccc_category: Mapped[CccCategory] = relationship(info=label("产品小类及其代码"))
    purpose: Mapped[str] = mapped_column(String(100), nullable=False, info=label("用途"))
    annual_batches: Mapped[int] = mapped_column(Integer, nullable=False,
                                                info=label("批次（年均）", validators=[v.positive]))
    entry_port: Mapped[str] = mapped_column(String(50), nullable=False, info=label("入境口岸"))
    handling: Mapped[str] = mapped_column(
        String(100), nullable=False,
        info=label("产品入关后的处理方式", help="如：使用、出口、退运、销毁等"))

    __table_args__ = (
        CheckConstraint("annual_batches > 0", name="annual_batches_positive"),
        CheckConstraint("(grant_id IS NULL) <> (change_id IS NULL)", name="one_owner"),
    )
    __record_rules__ = (rules.line_has_one_owner,)

    def __str__(self) -> str:
        return f"{self.ccc_category}"

    __refusal_loads__ = ("grant", "change")  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        owner = self.grant or self.change
        return owner.editing_refusal() if owner is not None else None

    deletion_refusal = editing_refusal


class FastTrackRenewal(Audited, TimestampMixin, Model):
    """A 延用 request of an active grant (seed 003 §二): filed by the district within the
    window before expiry; approved, it extends the grant from its old end date."""

    __tablename__ = "fast_track_renewal"
    __label__ = "便捷通道延用"
    __access__ = READ_ONLY
    __scope_path__ = ("grant", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fast_track_grant.id"), nullable=False,
                                          index=True, info=label("便捷通道"))
    grant: Mapped[FastTrackGrant] = relationship(back_populates="renewals",
                                                 info=label("便捷通道"))
    state: Mapped[DecisionState] = enum_column(DecisionState, "审核状态",
                                               default=DecisionState.pending)
    reason: Mapped[str] = mapped_column(
        Text, nullable=False,
        info=label("延用说明", help="使用期内CCC免办产品申请和后续管理情况，区局初审意见"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                      info=label("申请时间"))
    requested_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("登记人"))
    old_valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("原有效期止"))
    new_valid_to: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("延用至"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    commerce_confirmed_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("会同商务主管部门确认日期",
                         help=COMMERCE_HELP))

    def __str__(self) -> str:
        return f"{self.grant}延用申请"


class FastTrackChange(Audited, TimestampMixin, Model):
    """A change a fast-track unit reports (seed 000 第十条): filed by the district, approved
    by the province, then applied to the grant or the enterprise (the audit trail keeps the
    values before and after)."""

    __tablename__ = "fast_track_change"
    __label__ = "便捷通道变更"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("grant", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("fast_track_grant.id"), nullable=False,
                                          index=True, info=label("便捷通道"))
    grant: Mapped[FastTrackGrant] = relationship(back_populates="changes",
                                                 info=label("便捷通道"))
    kind: Mapped[FastTrackChangeKind] = enum_column(FastTrackChangeKind, "变更事项")
    state: Mapped[FastTrackChangeState] = enum_column(
        FastTrackChangeState, "状态", default=FastTrackChangeState.draft)
    description: Mapped[str] = mapped_column(Text, nullable=False, info=label("变更说明"))
    new_name: Mapped[Optional[str]] = mapped_column(String(200), info=label("变更后单位名称"))
    new_registered_address: Mapped[Optional[str]] = mapped_column(
        String(300), info=label("变更后注册地址"))
    new_business_address: Mapped[Optional[str]] = mapped_column(
        String(300), info=label("变更后经营地址"))
    new_legal_representative: Mapped[Optional[str]] = mapped_column(
        String(50), info=label("变更后法定代表人"))
    district_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("区局初审意见"))
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label(local("报{province_bureau_short}时间")))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    forwarded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                info=label("报总局调整时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    lines: Mapped[list["FastTrackProductLine"]] = relationship(
        back_populates="change", cascade="all, delete-orphan",
        order_by="FastTrackProductLine.id", info=label("调整后预计产品清单"))

    def __str__(self) -> str:
        return f"{self.kind.label}#{self.id}"

    def editing_refusal(self) -> str | None:
        if self.state not in (None, FastTrackChangeState.draft):
            return f"变更事项{self.state.label}，不能再修改。"
        return None

    def deletion_refusal(self) -> str | None:
        return self.editing_refusal()


# =========================================================================================
# Reviewer accounts and their governance (seed 003)
# =========================================================================================


class ReviewerAccount(Audited, TimestampMixin, Model):
    """A national-system account held by a member of bureau staff (seed 003 附件2)."""

    __tablename__ = "reviewer_account"
    __label__ = "系统账号"
    __access__ = Access(doors=frozenset({"add", "edit"}))  # closed (已注销), never deleted
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("account_name", "holder_name")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("市场监管部门"))
    bureau: Mapped[Bureau] = relationship(info=label("市场监管部门"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department: Mapped[str] = mapped_column(String(100), nullable=False,
                                            info=label("所在部门", help="如：认证监管科"))
    position: Mapped[str] = mapped_column(String(50), nullable=False,
                                          info=label("职务", help="如：科长、科员"))
    section_chief_or_above: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("科级以上行政编", help=local("复审岗位账号使用人应为科级以上行政编人员（{account_rules_basis}）")))
    account_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False,
                                              info=label("账号名称"))
    functions: Mapped[list[AccountFunction]] = relationship(
        secondary=reviewer_account_function, order_by=AccountFunction.id,
        info=label("账号功能", help="初审、复审、发证、监管、管理员，可多选"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False,
                                       info=label("手机号", validators=[v.mobile_phone]))
    status: Mapped[AccountStatus] = enum_column(AccountStatus, "状态",
                                                default=AccountStatus.active)
    opened_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("开通日期"))
    closed_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("注销日期"))
    password_changed_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("最近修改密码日期",
                         help=local("定期更新密码（{account_rules_basis}）；超过本省规定天数未更新的列入提醒")))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    function_changes: Mapped[list["AccountFunctionChange"]] = relationship(
        back_populates="account", order_by="(AccountFunctionChange.changed_at, AccountFunctionChange.id)",
        info=label("功能变更记录"))

    __record_rules__ = (v.date_order("opened_on", "closed_on", "注销日期不能早于开通日期。"),
                        rules.second_review_needs_section_chief)
    __extra_labels__ = {"functions_text": "账号功能", "department_position": "所在部门及职务"}

    def __str__(self) -> str:
        return f"{self.account_name}（{self.holder_name}）"

    __repr__ = __str__

    @property
    def functions_text(self) -> str:
        return present.functions_text(self.functions)

    @property
    def department_position(self) -> str:
        return f"{self.department}{self.position}"


class AccountFunctionChange(Model):
    """One change of an account's functions, with its date (seed 003 §三: the registry keeps
    how an account's functions changed over time). Written for every door that changes them."""

    __tablename__ = "account_function_change"
    __label__ = "账号功能变更记录"
    __access__ = READ_ONLY
    __scope_path__ = ("account", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("reviewer_account.id"), nullable=False,
                                            index=True, info=label("账号"))
    account: Mapped["ReviewerAccount"] = relationship(back_populates="function_changes",
                                                      info=label("账号"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                    info=label("变更时间"))
    functions_before: Mapped[str] = mapped_column(String(100), nullable=False,
                                                  info=label("原账号功能"))
    functions_after: Mapped[str] = mapped_column(String(100), nullable=False,
                                                 info=label("变更后账号功能"))
    status_after: Mapped[AccountStatus] = enum_column(AccountStatus, "变更后状态")
    change_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("account_change_request.id"), info=label("依据的调整需求"))
    change_request: Mapped[Optional["AccountChangeRequest"]] = relationship(
        info=label("依据的调整需求"))
    changed_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("操作人"))


class AccountChangeFiling(Audited, TimestampMixin, Model):
    """One 账号调整需求信息报表 (seed 003 附件1): several change requests of one district
    reported together, stamped and sent to the province as one table."""

    __tablename__ = "account_change_filing"
    __label__ = "账号调整需求报表"
    __access__ = DISTRICT_EDITS_ONLY
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("填报单位"))
    bureau: Mapped[Bureau] = relationship(info=label("填报单位"))
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False, default=clock.today,
                                              info=label("填报日期"))
    title: Mapped[Optional[str]] = mapped_column(String(200), info=label("报表说明"))
    requests: Mapped[list["AccountChangeRequest"]] = relationship(
        back_populates="filing", order_by="AccountChangeRequest.id", info=label("调整需求"))

    def __str__(self) -> str:
        district = self.bureau.short_name if self.bureau else ""
        return f"{district}{clock.chinese_date(self.filed_on)}账号调整需求报表"


class AccountChangeRequest(Audited, TimestampMixin, Model):
    """账号调整需求 (seed 003 附件1): one requested change of one account."""

    __tablename__ = "account_change_request"
    __label__ = "账号调整需求"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("地方市场监管部门"))
    bureau: Mapped[Bureau] = relationship(info=label("地方市场监管部门"))
    kind: Mapped[AccountChangeKind] = enum_column(
        AccountChangeKind, "账号调整方式", help="开通、注销、增加功能、减少功能")
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviewer_account.id"),
                                                      index=True, info=label("账号"))
    account: Mapped[Optional[ReviewerAccount]] = relationship(info=label("账号"))
    account_name: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("账号名称", help="开通时填写申请开通的账号名称"))
    functions_before: Mapped[list[AccountFunction]] = relationship(
        secondary=account_change_function_before, order_by=AccountFunction.id,
        info=label("原账号功能"))
    functions_after: Mapped[list[AccountFunction]] = relationship(
        secondary=account_change_function_after, order_by=AccountFunction.id,
        info=label("当前账号功能", help="调整后的账号功能"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department: Mapped[str] = mapped_column(String(100), nullable=False, info=label("所在部门"))
    position: Mapped[str] = mapped_column(String(50), nullable=False,
                                          info=label("职务", help="如：现XX科科长、原XX科科员"))
    section_chief_or_above: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                         info=label("科级以上行政编"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False,
                                       info=label("手机号", validators=[v.mobile_phone]))
    letter_ref: Mapped[Optional[str]] = mapped_column(String(200), info=label("来函标题及文号"))
    district_contact: Mapped[Optional[str]] = mapped_column(
        String(100), info=label("区局联系人", help="姓名及电话"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    staffing_changed_on: Mapped[dt.date] = mapped_column(
        Date, nullable=False, info=label("人员岗位调整日期", help="应在调整后一周内报送"))
    state: Mapped[AccountChangeState] = enum_column(
        AccountChangeState, "状态", default=AccountChangeState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    forwarded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("报总局时间"))
    effective_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("生效时间"))
    filing_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("account_change_filing.id"), index=True, info=label("所属报表"))
    filing: Mapped[Optional[AccountChangeFiling]] = relationship(back_populates="requests",
                                                                 info=label("所属报表"))

    def __str__(self) -> str:
        return f"{self.kind.label}：{self.holder_name}"

    __record_rules__ = (rules.second_review_needs_section_chief,)
    def deletion_refusal(self) -> str | None:
        if self.state is not AccountChangeState.draft:
            return "只有草稿状态的账号调整需求可以删除。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, AccountChangeState.draft, AccountChangeState.returned):
            return f"账号调整需求{self.state.label}，不能再修改；如需更正请由省局退回。"
        return None


class AnnualAccountReport(Audited, TimestampMixin, Model):
    """账号使用人信息汇总 (seed 003 附件2): one district's filing for one year."""

    __tablename__ = "annual_account_report"
    __label__ = "账号使用人信息汇总"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("填报单位"))
    bureau: Mapped[Bureau] = relationship(info=label("填报单位"))
    year: Mapped[int] = mapped_column(Integer, nullable=False, info=label("年度"))
    filer_name: Mapped[str] = mapped_column(String(50), nullable=False, info=label("填报人"))
    filer_department: Mapped[str] = mapped_column(String(100), nullable=False,
                                                  info=label("所在部门"))
    filed_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("填报日期"))
    state: Mapped[AnnualReportState] = enum_column(
        AnnualReportState, "状态", default=AnnualReportState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("提交时间"))
    confirmed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("确认时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    lines: Mapped[list["AnnualAccountReportLine"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="AnnualAccountReportLine.seq", info=label("账号使用人"))

    __table_args__ = (
        UniqueConstraint("bureau_id", "year", name="uq_annual_account_report_bureau_year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
    )
    def __str__(self) -> str:
        return f"{self.bureau.short_name if self.bureau else ''}{self.year}年度账号使用人信息汇总"

    def deletion_refusal(self) -> str | None:
        if self.state is not AnnualReportState.draft:
            return "只有草稿状态的汇总表可以删除。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, AnnualReportState.draft, AnnualReportState.returned):
            return f"汇总表{self.state.label}，不能再修改；如需更正请由省局退回。"
        return None


class AnnualAccountReportLine(Audited, Model):
    """A snapshot of one account taken when the report was created (not a live link)."""

    __tablename__ = "annual_account_report_line"
    __label__ = "账号使用人"
    __access__ = DISTRICT_EDITS_ONLY  # lines come from the snapshot; remarks are typed
    __scope_path__ = ("report", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("annual_account_report.id", ondelete="CASCADE"), nullable=False, index=True)
    report: Mapped[AnnualAccountReport] = relationship(back_populates="lines",
                                                       info=label("汇总表"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("序号"))
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviewer_account.id"),
                                                      info=label("账号"))
    bureau_name: Mapped[str] = mapped_column(String(100), nullable=False,
                                             info=label("市场监管部门"))
    holder_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                             info=label("账号使用人姓名"))
    department_position: Mapped[str] = mapped_column(String(150), nullable=False,
                                                      info=label("所在部门及职务"))
    account_name: Mapped[str] = mapped_column(String(64), nullable=False,
                                              info=label("当前使用账号名称"))
    functions: Mapped[str] = mapped_column(String(100), nullable=False,
                                           info=label("当前使用账号功能"))
    phone: Mapped[str] = mapped_column(String(11), nullable=False, info=label("手机号"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))

    __table_args__ = (UniqueConstraint("report_id", "seq", name="uq_annual_line_seq"),)

    __refusal_loads__ = ("report",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        return self.report.editing_refusal() if self.report else None


# =========================================================================================
# Exemption applications, products, certificates (seeds 001, 004)
# =========================================================================================


#: 审核时限's sort keys of an application not in review (no due date): last either way


class Application(Audited, TimestampMixin, Model):
    """免办申请 as loaded from (or mirrored for) the national system."""

    #: ``approve_due_on`` is kept by ``app.services.applications`` from the submission date
    #: and the working calendar: not an edit of the record, so not in its audit trail.
    __versioned__ = {"exclude": ["updated_at", "lock_version", "approve_due_on",
                                 "due_sort_asc", "due_sort_desc"]}

    __tablename__ = "application"
    __label__ = "免办申请"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)  # the accepting bureau handles and supervises it
    # pickers and filters find an application by its number, or its unit's name or USCC
    __search_text__ = ("^number", "enterprise.name", "^enterprise.uscc")
    __str_loads__ = ("enterprise",)  # lists showing an application show its unit too

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False,
                                        info=label("申请编号", help="留空则由系统生成"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("申请单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("申请单位"))
    clause: Mapped[ExemptionClause] = enum_column(ExemptionClause, "免办条款")
    research_detail: Mapped[Optional[ResearchDetail]] = enum_column(
        ResearchDetail, "二级明细条款", nullable=True, help="条款1必选：科研 / 测试 / CCC认证检测")
    applicant_type: Mapped[Optional[ApplicantType]] = enum_column(
        ApplicantType, "申请人类型", nullable=True, help="条款1、条款2必选")
    applicant_location: Mapped[str] = mapped_column(
        String(200), nullable=False, info=label("申请单位所在地", help="默认为企业注册地所在行政区划"))
    address_type: Mapped[AddressType] = enum_column(
        AddressType, "地址类型", default=AddressType.registered,
        help="必选：注册地址、经营地址，或检测地／商品展示地／维修地（条款1、4、2可向其所在地申请）")
    final_use_place: Mapped[str] = mapped_column(String(200), nullable=False,
                                                 info=label("产品最终使用地"))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("受理市场监督管理局"))
    bureau: Mapped[Bureau] = relationship(info=label("受理市场监督管理局"))
    bill_of_lading_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("提运单号"))
    contract_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("进口合同号"))
    invoice_no: Mapped[Optional[str]] = mapped_column(String(50), info=label("发票号"))
    reason: Mapped[str] = mapped_column(
        Text, nullable=False,
        info=label("产品特点、原因理由及安全保证", help="希望免予办理认证的产品特点，原因、理由，安全保证"))
    state: Mapped[ApplicationState] = enum_column(ApplicationState, "状态",
                                                  default=ApplicationState.draft, index=True)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(
        DateTime, index=True, info=label("提交时间", help="从国家系统载入时可填写原提交时间"))
    approve_due_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("办结期限", help="提交后第5个工作日，由系统按工作日历计算"))
    #: 审核时限's sort keys, kept with ``approve_due_on`` (issue 15): the due date while the
    #: application is in review, else a date after (ascending) / before (descending) every due
    #: date, so either direction reads one index range with the undated rows last.
    due_sort_asc: Mapped[dt.date] = mapped_column(
        Date, nullable=False, default=DUE_SORT_LAST_ASC, server_default=DUE_SORT_LAST_ASC.isoformat(),
        info=label("审核时限排序（升序）", help="由系统维护"))
    due_sort_desc: Mapped[dt.date] = mapped_column(
        Date, nullable=False, default=DUE_SORT_LAST_DESC,
        server_default=DUE_SORT_LAST_DESC.isoformat(),
        info=label("审核时限排序（降序）", help="由系统维护"))
    accepted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("受理时间"))
    first_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                     info=label("初审时间"))
    second_reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                      info=label("复审时间"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("办结时间"))
    return_reason: Mapped[Optional[str]] = mapped_column(Text, info=label("退回原因"))
    products: Mapped[list["Product"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Product.id",
        info=label("产品"))
    certificate: Mapped[Optional["Certificate"]] = relationship(
        back_populates="application", uselist=False, info=label("免办证明"))
    attachments: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="application", order_by="EvidenceFile.id",
        cascade="all, delete-orphan", info=label("申请材料"))
    reviews: Mapped[list["ApplicationReview"]] = relationship(
        back_populates="application", order_by="ApplicationReview.id",
        cascade="all, delete-orphan", info=label("审核记录"))
    review_summary: Mapped[Optional[str]] = mapped_column(
        Text, info=label("最近一次审核核对", help="受理、初审、复审、退回时逐项核对的结果（历史中可查每一次）"))

    __record_rules__ = (
        rules.research_detail_matches_clause,
        rules.has_applicant_type,
        dossier.applicant_matches_clause,
        rules.address_type_matches_clause,
        v.at_least_one(("bill_of_lading_no", "contract_no", "invoice_no"),
                       "提运单号、进口合同号、发票号至少填写一项。"),
    )

    __table_args__ = (
        CheckConstraint(
            "bill_of_lading_no IS NOT NULL OR contract_no IS NOT NULL OR invoice_no IS NOT NULL",
            name="shipping_reference"),
        CheckConstraint("clause = 'research_test' OR research_detail IS NULL",
                        name="detail_only_for_clause1"),
        CheckConstraint("clause <> 'research_test' OR research_detail IS NOT NULL",
                        name="clause1_needs_detail"),
        Index("ix_application_bureau_state", "bureau_id", "state"),
        # a district's 申请编号 prefix (the related search scoped first): one index range
        Index("ix_application_bureau_number", "bureau_id", "number"),
    )

    def __str__(self) -> str:
        return self.number

    def deletion_refusal(self) -> str | None:
        if self.state is not ApplicationState.draft:
            return "只有未提交的申请可以删除（国家系统同样规定已提交的申请不能删除）。"
        return None

    def editing_refusal(self) -> str | None:
        if self.state not in (None, ApplicationState.draft, ApplicationState.returned):
            return f"申请{self.state.label}，信息不能再修改（退回后可修改并重新提交）。"
        return None

    #: the relation of an uploaded material (``app.services.evidence``)
    evidence_owner = "application"

    @property
    def evidence_kinds(self) -> tuple[AttachmentKind, ...]:
        """The materials of this application's clause (seed 001; ``app.domain.dossier``)."""
        return tuple(m.kind for m in dossier.materials_for(
            self.clause, self.research_detail, self.applicant_type))

    def evidence_refusal(self) -> str | None:
        """Materials go with the application while it can still be changed."""
        if self.state not in (None, ApplicationState.draft, ApplicationState.returned):
            return f"申请{self.state.label}，不能再上传申请材料（退回后可补正）。"
        return None



class Product(Audited, Model):
    """A product of an application (seed 004 §2.1.2)."""

    __tablename__ = "product"
    __label__ = "产品"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("application", "bureau_id")
    __search_text__ = ("name", "model", "^hs_code")
    __scope_column__ = "owner_bureau_id"
    __versioned__ = CARRIED_VERSIONED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("免办申请"))
    application: Mapped[Application] = relationship(back_populates="products",
                                                    info=label("免办申请"))
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False, index=True,
                                         info=label("HS编码", help="10位海关商品编码",
                                                    validators=[v.hs_code]))
    name: Mapped[str] = mapped_column(String(200), nullable=False, info=label("产品名称"))
    ccc_code: Mapped[str] = mapped_column(
        ForeignKey("ccc_category.code"), nullable=False, index=True,
        info=label("CCC产品小类代码", help="须为CCC目录中的4位小类代码，如0901",
                   validators=[v.ccc_code_format, v.ccc_code_in_catalogue]))
    ccc_category: Mapped[CccCategory] = relationship(info=label("CCC产品小类"))
    model: Mapped[str] = mapped_column(String(200), nullable=False, info=label("型号规格"))
    brand: Mapped[str] = mapped_column(String(100), nullable=False, info=label("商标/品牌"))
    manufacturer: Mapped[str] = mapped_column(String(200), nullable=False, info=label("制造商"))
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))
    unit: Mapped[str] = mapped_column(String(10), nullable=False, default="台",
                                      info=label("单位", help="台、件、套、个等"))
    weight_kg: Mapped[Optional[Decimal]] = mapped_column(
        Numeric(14, 3), info=label("重量（千克）", validators=[v.positive]))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False,
                                            info=label("金额", validators=[v.positive]))
    currency: Mapped[Currency] = enum_column(Currency, "币种", default=Currency.USD)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
        CheckConstraint("length(hs_code) = 10", name="hs_code_length"),
    )

    def __str__(self) -> str:
        return f"{self.name}（{self.model}）"

    __refusal_loads__ = ("application",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        if self.application is not None:
            refusal = self.application.editing_refusal()
            if refusal:
                return refusal + "已发证产品的变更请通过“申请变更”办理。"
        return None

    def deletion_refusal(self) -> str | None:
        return self.editing_refusal()


class ApplicationReview(Model):
    """One recorded review of an application (受理, 初审, 复审 or 退回): each check of seed
    001 流程3 ✓/✗ with its remark, who reviewed and when. Written by the review workflow
    only, never changed (the next round of review adds its own)."""

    __tablename__ = "application_review"
    __label__ = "审核记录"
    __access__ = READ_ONLY
    __scope_path__ = ("application", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("免办申请"))
    application: Mapped[Application] = relationship(back_populates="reviews",
                                                    info=label("免办申请"))
    step: Mapped[str] = mapped_column(String(20), nullable=False, info=label("审核环节"))
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False, info=label("结论为通过"))
    checks: Mapped[list] = mapped_column(
        JSON, nullable=False, info=label("核对结果", help="[{code, label, ok, remark}]"))
    reviewer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", name="fk_application_review_reviewer_id_ab_user"),
        index=True, info=label("审核人账号"))
    reviewer: Mapped[str] = mapped_column(String(ACTOR_NAME_LENGTH), nullable=False,
                                          info=label("审核人"))
    reviewer_account: Mapped[Optional[str]] = mapped_column(
        String(64), info=label("国家系统账号", help="审核人在国家CCC免办系统中的账号"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                     info=label("审核时间"))

    def __str__(self) -> str:
        return f"{self.application.number if self.application else ''}审核#{self.id}"


#: Seed 002 §4–6: once issued, a certificate changes only through its workflow's steps.
CERTIFICATE_IS_FIXED = (
    "免办证明签发后，签发日期和监管期限不能直接修改：监管期限只能经批准的延期申请变更，"
    "产品信息请通过“申请变更”办理（补录国家系统的证明时，在新增时填写这两个日期）。")


class Certificate(Audited, TimestampMixin, Model):
    """免予办理强制性产品认证证明."""

    __tablename__ = "certificate"
    __label__ = "免办证明"
    # issued by the review workflow, or loaded (with its dates) by the province; after that
    # only its workflow moves it: no edit door, and an edit refused says why
    __access__ = Access(doors=frozenset({"add"}))
    __edit_refusal__ = CERTIFICATE_IS_FIXED
    __scope_path__ = ("application", "bureau_id")
    __search_text__ = ("^number", "application.enterprise.name", "^application.enterprise.uscc")
    __scope_column__ = "owner_bureau_id"
    __versioned__ = CARRIED_VERSIONED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False,
                                        info=label("证明编号"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False,
                                                unique=True, info=label("免办申请"))
    application: Mapped[Application] = relationship(back_populates="certificate",
                                                    info=label("免办申请"))
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True,
                                               info=label("签发日期"))
    state: Mapped[CertificateState] = enum_column(CertificateState, "状态",
                                                  default=CertificateState.valid, index=True)
    supervision_deadline: Mapped[dt.date] = mapped_column(
        Date, nullable=False, info=label("监管期限", help="应在此日期前完成核销"))
    change_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                              info=label("变更次数", help="证明仅允许变更一次"))
    written_off_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("核销日期", help="核销审核通过之日；档案自此保存24个月（办事指南流程7）"))
    write_off_reviews: Mapped[list["WriteOffReview"]] = relationship(
        back_populates="certificate", order_by="WriteOffReview.id", info=label("核销审核记录"))
    usages: Mapped[list["CustomsUsage"]] = relationship(
        back_populates="certificate", order_by="CustomsUsage.used_on",
        info=label("海关调用记录"))
    requests: Mapped[list["CertificateRequest"]] = relationship(
        back_populates="certificate", order_by="CertificateRequest.id",
        info=label("变更/作废/延期申请"))

    __record_rules__ = (
        v.date_order("issued_on", "supervision_deadline", "监管期限不能早于签发日期。"),
        rules.written_off_date_matches_state,
    )
    __table_args__ = (
        CheckConstraint("change_count >= 0 AND change_count <= 1", name="change_once"),
        CheckConstraint("supervision_deadline >= issued_on", name="deadline_after_issue"),
    )

    def __str__(self) -> str:
        return self.number

    __text_column__ = "number"  # what ``__str__`` is (meta.text_column_of: the list export)
    __refusal_loads__ = ("application",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        """Certificates come from the 签发 step. One recorded by hand (e.g. loaded from the
        national system) must belong to an application already 已发证."""
        app = self.application
        if self.id is None and app is not None and app.state is not ApplicationState.issued:
            return (f"免办证明由申请的“签发”步骤生成：申请{app.number}当前为{app.state.label}，"
                    "只能为已发证的申请补录证明。")
        if self.id is not None:
            return CERTIFICATE_IS_FIXED
        return None



class CertificateRequest(Audited, TimestampMixin, Model):
    """A request to change, void or extend a certificate, and the reviewer's decision
    (seed 002 §4–6, seed 004 §2.3)."""

    __tablename__ = "certificate_request"
    __label__ = "证明变更/作废/延期申请"
    __access__ = READ_ONLY  # filed and decided by the certificate's workflow steps
    __scope_path__ = ("certificate", "application", "bureau_id")
    __str_loads__ = ("certificate",)
    __scope_column__ = "owner_bureau_id"
    __versioned__ = CARRIED_VERSIONED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False,
                                                index=True, info=label("免办证明"))
    certificate: Mapped[Certificate] = relationship(back_populates="requests",
                                                    info=label("免办证明"))
    kind: Mapped[CertificateRequestKind] = enum_column(CertificateRequestKind, "申请类型")
    state: Mapped[CertificateRequestState] = enum_column(
        CertificateRequestState, "审核状态", default=CertificateRequestState.pending)
    reason: Mapped[str] = mapped_column(Text, nullable=False, info=label("申请理由"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                      info=label("申请时间"))
    requested_by: Mapped[Optional[str]] = mapped_column(
        String(ACTOR_NAME_LENGTH), info=label("登记人"))
    not_imported: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False,
        info=label("有产品未实际进口的证据", help="作废：已上传证明产品未实际进口的证据材料"))
    new_supervision_deadline: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("申请延期至"))
    onsite_check_record: Mapped[Optional[str]] = mapped_column(
        Text, info=label("现场核查记录", help="延期：无视频、照片等材料时，须有现场核查记录"))
    use_finding: Mapped[Optional[UseFinding]] = enum_column(UseFinding, "核查结论", nullable=True)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("审核人"))
    decision_remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    items: Mapped[list["CertificateChangeItem"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="CertificateChangeItem.id", info=label("变更内容"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="certificate_request", order_by="EvidenceFile.id",
        info=label("证据材料"))

    def __str__(self) -> str:
        return f"{self.certificate.number if self.certificate else ''}{self.kind.label}申请"

    def evidence_refusal(self) -> str | None:
        """Evidence is what the reviewer decides on: it goes with a request still pending."""
        if self.state is not CertificateRequestState.pending:
            return "只能为待审核的申请上传证据材料。"
        return None


class CertificateChangeItem(Audited, Model):
    """One changed product field of a change request, with its value before and after."""

    __tablename__ = "certificate_change_item"
    __label__ = "变更内容"
    __access__ = READ_ONLY
    __scope_path__ = ("request", "certificate", "application", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_request.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("变更申请"))
    request: Mapped[CertificateRequest] = relationship(back_populates="items",
                                                       info=label("变更申请"))
    product_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("product.id"), info=label("产品", help="主体信息的变更不属于某个产品"))
    product: Mapped[Optional["Product"]] = relationship(info=label("产品"))
    field: Mapped[ProductField] = enum_column(ProductField, "变更项目")
    before: Mapped[Optional[str]] = mapped_column(String(200), info=label("变更前"))
    after: Mapped[str] = mapped_column(String(200), nullable=False, info=label("变更后"))

    __table_args__ = (UniqueConstraint("request_id", "product_id", "field",
                                       name="uq_change_item_field"),)


class WriteOffReview(Audited, Model):
    """The authority's review of a certificate's write-off records (seed 002 §13): each check
    ✓/✗, the decision and who took it. Written by the certificate's write-off steps only."""

    __tablename__ = "write_off_review"
    __label__ = "核销审核记录"
    __access__ = READ_ONLY
    __scope_path__ = ("certificate", "application", "bureau_id")
    __str_loads__ = ("certificate",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False,
                                                index=True, info=label("免办证明"))
    certificate: Mapped[Certificate] = relationship(back_populates="write_off_reviews",
                                                    info=label("免办证明"))
    decision: Mapped[WriteOffDecision] = enum_column(WriteOffDecision, "审核结论")
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                           info=label("资料完整"))
    consistent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             info=label("凭证产品信息与免办证明一致"))
    use_unchanged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                info=label("产品使用用途未变化"))
    logical: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                          info=label("相关材料之间逻辑关系合理"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("审核意见"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                    info=label("审核时间"))
    decided_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                      info=label("审核人"))

    def __str__(self) -> str:
        marks = "，".join(f"{text}{present.check_mark(getattr(self, name))}"
                         for name, text in (("complete", "资料完整"), ("consistent", "信息一致"),
                                            ("use_unchanged", "用途未变"),
                                            ("logical", "逻辑合理")))
        when = f"{self.decided_at:%Y-%m-%d}" if self.decided_at else ""
        text = f"{when} {self.decision.label if self.decision else ''}（{marks}）"
        if self.decided_by:
            text += f" 审核人：{self.decided_by}"
        if self.remarks:
            text += f" 意见：{self.remarks}"
        return text


class SupervisionLead(Audited, TimestampMixin, Model):
    """线索: an on-site trigger recorded with its source and date (seed 001 流程8: a failed
    random check, an unreachable enterprise, a changed place of final use, complaints and
    leads). Leads in the look-back window make the unit a key target of the draw."""

    __tablename__ = "supervision_lead"
    __label__ = "线索"
    __access__ = DISTRICT_WRITES_NO_DELETE
    __scope_path__ = ("enterprise", "bureau_id")
    __search_text__ = ("source", "description")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("涉及单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("涉及单位"))
    certificate_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certificate.id"), index=True, info=label("涉及证明", help="可不填"))
    certificate: Mapped[Optional[Certificate]] = relationship(info=label("涉及证明"))
    kind: Mapped[LeadKind] = enum_column(LeadKind, "线索类型")
    source: Mapped[str] = mapped_column(
        String(200), nullable=False,
        info=label("来源", help="如：系统随机抽查、12315举报、海关通报、电话回访"))
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True,
                                                 info=label("收到日期"))
    description: Mapped[str] = mapped_column(Text, nullable=False, info=label("线索内容"))
    recorded_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("登记人"))

    def __str__(self) -> str:
        when = f"{self.received_on:%Y-%m-%d}" if self.received_on else ""
        return f"{self.kind.label if self.kind else ''}（{self.source}，{when}）"


class EvidenceFile(Audited, Model):
    """An uploaded evidence file (photo, video, PDF), stored outside the database; served only
    to users who may see the record it belongs to."""

    __tablename__ = "evidence_file"
    __label__ = "证据材料"
    __scope_paths__ = (("application", "bureau_id"),
                       ("certificate_request", "certificate", "application", "bureau_id"),
                       ("usage_record", "product", "application", "bureau_id"),
                       ("fast_track_grant", "enterprise", "bureau_id"),
                       ("inspection", "enterprise", "bureau_id"),
                       ("inspection_answer", "inspection", "enterprise", "bureau_id"),
                       ("assistance_letter", "bureau_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certificate_request.id"), index=True, info=label("所属申请"))
    certificate_request: Mapped[Optional[CertificateRequest]] = relationship(
        back_populates="evidence", info=label("所属申请"))
    usage_record_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("usage_record.id"), index=True, info=label("所属使用记录"))
    usage_record: Mapped[Optional["UsageRecord"]] = relationship(
        back_populates="evidence", info=label("所属使用记录"))
    fast_track_grant_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("fast_track_grant.id"), index=True, info=label("所属便捷通道申请"))
    fast_track_grant: Mapped[Optional[FastTrackGrant]] = relationship(
        back_populates="attachments", info=label("所属便捷通道申请"))
    inspection_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection.id"), index=True, info=label("所属检查记录"))
    inspection: Mapped[Optional["Inspection"]] = relationship(
        back_populates="evidence", info=label("所属检查记录"))
    inspection_answer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection_answer.id"), index=True, info=label("所属检查点"))
    inspection_answer: Mapped[Optional["InspectionAnswer"]] = relationship(
        back_populates="evidence", info=label("所属检查点"))
    assistance_letter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("assistance_letter.id"), index=True, info=label("所属协查函"))
    assistance_letter: Mapped[Optional["AssistanceLetter"]] = relationship(
        back_populates="evidence", info=label("所属协查函"))
    application_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("application.id"), index=True, info=label("所属免办申请"))
    application: Mapped[Optional[Application]] = relationship(
        back_populates="attachments", info=label("所属免办申请"))
    kind: Mapped[AttachmentKind] = enum_column(AttachmentKind, "材料类型",
                                               default=AttachmentKind.evidence)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False, info=label("文件名"))
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True,
                                             info=label("存储名"))
    content_type: Mapped[str] = mapped_column(String(100), nullable=False, info=label("文件类型"))
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, info=label("大小（字节）"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, info=label("SHA-256"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                     info=label("上传时间"))
    uploaded_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH), info=label("上传人"))

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN certificate_request_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN usage_record_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN fast_track_grant_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN inspection_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN inspection_answer_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN assistance_letter_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN application_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    @property
    def owner(self):
        return self.certificate_request or self.usage_record or self.fast_track_grant \
            or self.inspection or self.inspection_answer or self.assistance_letter \
            or self.application

    def __str__(self) -> str:
        return self.original_name


class CustomsUsage(Audited, TimestampMixin, Model):
    """海关调用记录: a customs declaration that used a certificate (customs data exchange)."""

    __tablename__ = "customs_usage"
    __label__ = "海关调用记录"
    __access__ = Access(doors=frozenset({"add"}))  # customs data is kept as received
    __scope_path__ = ("certificate", "application", "bureau_id")
    __scope_column__ = "owner_bureau_id"
    __versioned__ = CARRIED_VERSIONED
    __search_text__ = ("^declaration_no",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), nullable=False,
                                                index=True, info=label("免办证明"))
    certificate: Mapped[Certificate] = relationship(back_populates="usages",
                                                    info=label("免办证明"))
    declaration_no: Mapped[str] = mapped_column(
        String(18), nullable=False, index=True, info=label("报关单号", help="18位海关报关单编号",
                                               validators=[v.declaration_no]))
    port: Mapped[str] = mapped_column(String(50), nullable=False, info=label("入境口岸"))
    used_on: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("调用日期"))
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))

    __table_args__ = (
        UniqueConstraint("certificate_id", "declaration_no",
                         name="uq_customs_usage_certificate_declaration"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    def __str__(self) -> str:
        return self.declaration_no

    def editing_refusal(self) -> str | None:
        return CUSTOMS_RECORD_IS_FIXED if self.id is not None else None

    def deletion_refusal(self) -> str | None:
        return CUSTOMS_RECORD_IS_FIXED


CUSTOMS_RECORD_IS_FIXED = (
    "海关调用记录来自海关数据，保存后不能修改或删除：作废和核销都以它核对实际进口。"
    "货物确未进口的，请通过免办证明的“申请作废”并附未进口的证明材料办理。")


class UsageRecord(Audited, TimestampMixin, Model):
    """使用 / 退运 / 销毁 record of a product (seed 004 §2.6)."""

    __tablename__ = "usage_record"
    __label__ = "使用记录"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("product", "application", "bureau_id")
    __scope_column__ = "owner_bureau_id"
    __versioned__ = CARRIED_VERSIONED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_bureau_id: Mapped[Optional[int]] = owner_bureau_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), nullable=False,
                                            index=True, info=label("产品"))
    product: Mapped[Product] = relationship(info=label("产品"))
    kind: Mapped[UsageKind] = enum_column(UsageKind, "处理方式")
    quantity: Mapped[int] = mapped_column(Integer, nullable=False,
                                          info=label("数量", validators=[v.positive]))
    used_on: Mapped[dt.date] = mapped_column(Date, nullable=False, info=label("日期"))
    using_unit: Mapped[str] = mapped_column(String(200), nullable=False,
                                            info=label("使用单位", help="产品使用单位或退运、销毁执行单位"))
    export_declaration_no: Mapped[Optional[str]] = mapped_column(
        String(18), info=label("出口报关单号",
                               help="退运的《出口报关单》；条款5为整机（成品）出口的《出口报关单》",
                               validators=[v.declaration_no]))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("说明"))
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="usage_record", order_by=EvidenceFile.id, info=label("证据材料"))

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    def __str__(self) -> str:
        return f"{self.kind.label}{self.quantity}"

    def _certificates(self) -> list[Certificate]:
        state = sa_inspect(self)
        earlier = [state.session.get(Product, pid) for pid in state.attrs.product_id.history.deleted
                   if pid is not None and state.session is not None]
        return [product.application.certificate for product in [self.product, *earlier]
                if product is not None and product.application is not None
                and product.application.certificate is not None]

    __refusal_loads__ = ("product.application.certificate",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        """Records of a written-off certificate are the proof of its write-off: kept as they
        are (seed 001 流程7 keeps them 24 months after write-off); records under write-off
        review wait for the review (returned for 补正, they may be corrected)."""
        for cert in self._certificates():
            if cert.state is CertificateState.written_off:
                return f"免办证明{cert.number}已核销：其使用记录须留存备查，不能再登记、修改或删除。"
            if cert.state is CertificateState.write_off_pending:
                return (f"免办证明{cert.number}核销待审：使用记录正在审核，不能修改；"
                        "审核退回补正后方可修改。")
        return None

    def deletion_refusal(self) -> str | None:
        """Removal only after the 保存期限 (24 months from write-off, seed 001 流程7)."""
        for cert in self._certificates():
            if cert.state is CertificateState.written_off:
                until = cert.retention_until
                if until is None or clock.today() <= until:
                    return (f"免办证明{cert.number}已核销：其使用记录须留存备查，保存期限至"
                            f"{until:%Y-%m-%d}（自核销之日起计），此前不能删除。" if until else
                            f"免办证明{cert.number}已核销：其使用记录须留存备查，不能删除。")
                return None
        return self.editing_refusal()

    def evidence_refusal(self) -> str | None:
        """Follow-up evidence is still welcome while the write-off is reviewed (the review
        waits for it); once written off, the records and their evidence are kept as they are."""
        cert = self.product.application.certificate if self.product is not None else None
        if cert is not None and cert.state is CertificateState.voided:
            return "证明已作废，不能再上传证据材料。"
        if cert is not None and cert.state is CertificateState.written_off:
            return self.editing_refusal()
        return None


class NumberSequence(Model):
    """The last number given for a prefix (申请编号, 证明编号): see ``app.services.numbering``."""

    __tablename__ = "number_sequence"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


# ==================================================================================


# Yearly plan and its draw
# =========================================================================================

inspection_target_certificate = Table(
    "inspection_target_certificate", Model.metadata,
    Column("target_id", Integer, ForeignKey("inspection_target.id", ondelete="CASCADE"),
           primary_key=True),
    Column("certificate_id", Integer, ForeignKey("certificate.id", ondelete="RESTRICT"),
           primary_key=True),
)
inspection_target_inspector = Table(
    "inspection_target_inspector", Model.metadata,
    Column("target_id", Integer, ForeignKey("inspection_target.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), primary_key=True),
)
inspection_inspector = Table(
    "inspection_inspector", Model.metadata,
    Column("inspection_id", Integer, ForeignKey("inspection.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), primary_key=True),
)




class InspectionPlan(Audited, TimestampMixin, Model):
    """年度双随机检查计划 of one district bureau (seed 002 §9, §16)."""

    __tablename__ = "inspection_plan"
    __label__ = "检查计划"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)
    __str_loads__ = ("bureau",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("区局"))
    bureau: Mapped[Bureau] = relationship(info=label("区局"))
    year: Mapped[int] = mapped_column(Integer, nullable=False, info=label("年度"))
    provincial_plan: Mapped[Optional[str]] = mapped_column(
        String(200), info=label("依据的省级年度计划", help="省局年度双随机CCC免办监督检查计划的标题及文号"))
    ratio_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False,
        default=lambda: Decimal(policy.profile().supervision_ratio_percent),
        info=label("一般单位现场检查比例（百分数）", help=local("区局根据区域实际制定（本省默认{supervision_ratio_percent}）；如填10即抽取一般单位的百分之十；按比例抽取时向上取整，有候选单位时至少抽取1家"),
                   validators=[v.percent_ratio]))
    batches_per_unit: Mapped[int] = mapped_column(
        Integer, nullable=False, default=lambda: policy.profile().supervision_batches_per_unit,
        info=label("每家抽查批次数", help=local("每家单位随机抽取核查的免办证明批次数（本省默认{supervision_batches_per_unit}）"),
                   validators=[v.positive]))
    period_start: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查期间起"))
    period_end: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查期间止"))
    state: Mapped[PlanState] = enum_column(PlanState, "状态", default=PlanState.draft, index=True)
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("发布时间"))
    seed: Mapped[Optional[str]] = mapped_column(String(64), info=label("随机种子"))
    drawn_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("抽取时间"))
    drawn_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                    info=label("抽取人"))
    draw_inputs: Mapped[Optional[dict]] = mapped_column(
        JSON, info=label("抽取依据", help="抽取时冻结的候选名单、回避名单、参数和种子"))
    draw_result: Mapped[Optional[list]] = mapped_column(JSON, info=label("抽取结果"))
    verified_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("复核时间"))
    verified_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("复核人"))
    verified_same: Mapped[Optional[bool]] = mapped_column(
        Boolean, info=label("复核结果一致", help="按保存的抽取依据重新计算，结果与名单一致"))
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("完成时间"))
    remarks: Mapped[Optional[str]] = mapped_column(Text, info=label("备注"))
    targets: Mapped[list["InspectionTarget"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="InspectionTarget.seq",
        info=label("抽查名单"))

    __table_args__ = (
        UniqueConstraint("bureau_id", "year", name="uq_inspection_plan_bureau_year"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        CheckConstraint("ratio_percent > 0 AND ratio_percent <= 100", name="ratio_range"),
        CheckConstraint("batches_per_unit > 0", name="batches_positive"),
    )
    __record_rules__ = (
        v.date_order("period_start", "period_end", "检查期间止不能早于检查期间起。"),
    )

    def __str__(self) -> str:
        district = self.bureau.short_name if self.bureau else ""
        return f"{district}{self.year}年度双随机检查计划"

    __repr__ = __str__

    def editing_refusal(self) -> str | None:
        if self.state not in (None, PlanState.draft):
            return f"检查计划{self.state.label}，不能再修改（抽取依据和名单须保持不变，以便复核）。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not PlanState.draft:
            return "只有草稿状态的检查计划可以删除。"
        return None


class InspectionTarget(Audited, Model):
    """One row of the 抽查名单: a drawn unit, its batches and its two inspectors."""

    __tablename__ = "inspection_target"
    __label__ = "抽查对象"
    __access__ = READ_ONLY  # made by the draw
    __scope_path__ = ("plan", "bureau_id")
    __str_loads__ = ("enterprise",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"),
                                         nullable=False, index=True, info=label("检查计划"))
    plan: Mapped[InspectionPlan] = relationship(back_populates="targets", info=label("检查计划"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("序号"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("单位名称"))
    enterprise: Mapped[Enterprise] = relationship(info=label("单位名称"))
    kind: Mapped[TargetKind] = enum_column(TargetKind, "类别")
    fast_track: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             info=label("便捷通道使用单位"))
    reasons: Mapped[Optional[str]] = mapped_column(Text, info=label("列为重点的原因"))
    certificates: Mapped[list[Certificate]] = relationship(
        secondary=inspection_target_certificate, order_by=Certificate.number,
        info=label("抽取批次"))
    inspectors: Mapped[list[ConsoleUser]] = relationship(
        secondary=inspection_target_inspector, order_by=ConsoleUser.username,
        info=label("检查人员"))
    inspection: Mapped[Optional["Inspection"]] = relationship(
        back_populates="target", uselist=False, info=label("检查记录"))

    __table_args__ = (UniqueConstraint("plan_id", "enterprise_id", name="uq_target_plan_unit"),
                      UniqueConstraint("plan_id", "seq", name="uq_target_plan_seq"))

    def __str__(self) -> str:
        return f"{self.seq}. {self.enterprise.name if self.enterprise else ''}"

    def editing_refusal(self) -> str | None:
        return "抽查名单由“随机抽取”生成，不能修改。"

    deletion_refusal = editing_refusal


# =========================================================================================
# Inspection record and its checklist
# =========================================================================================


class Inspection(Audited, TimestampMixin, Model):
    """检查记录 of one unit on the checklist of its kind (seed 002 附件1/附件2)."""

    __tablename__ = "inspection"
    __label__ = "检查记录"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("enterprise", "bureau_id")
    __search_text__ = ("enterprise.name", "^enterprise.uscc")
    __str_loads__ = ("enterprise",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inspection_plan.id"), index=True,
                                                   info=label("检查计划", help="计划外检查（如投诉举报）留空"))
    plan: Mapped[Optional[InspectionPlan]] = relationship(info=label("检查计划"))
    target_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection_target.id"), unique=True, info=label("抽查对象"))
    target: Mapped[Optional[InspectionTarget]] = relationship(back_populates="inspection",
                                                              info=label("抽查对象"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), nullable=False,
                                               index=True, info=label("被检查单位"))
    enterprise: Mapped[Enterprise] = relationship(info=label("被检查单位"))
    origin: Mapped[InspectionOrigin] = enum_column(InspectionOrigin, "检查来源",
                                                   default=InspectionOrigin.plan)
    origin_remarks: Mapped[Optional[str]] = mapped_column(
        Text, info=label("来源说明", help="投诉举报、线索的编号和内容摘要"))
    checklist: Mapped[ChecklistKind] = enum_column(
        ChecklistKind, "检查表", help="便捷通道使用单位用附件2，其他单位用附件1")
    method: Mapped[InspectionMethod] = enum_column(InspectionMethod, "检查方式",
                                                   default=InspectionMethod.onsite)
    inspected_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("检查时间"))
    inspectors: Mapped[list[ConsoleUser]] = relationship(
        secondary=inspection_inspector, order_by=ConsoleUser.username,
        info=label("检查人员", help="本局持有“监管”功能账号的人员，不少于两人，且未经办过该单位的申请"))
    state: Mapped[InspectionState] = enum_column(InspectionState, "状态",
                                                 default=InspectionState.pending, index=True)
    result: Mapped[Optional["InspectionResult"]] = enum_column(
        InspectionResult, "检查结论", nullable=True)
    other_findings: Mapped[Optional[str]] = mapped_column(
        Text, info=label("其他检查发现的情况", help="外省（市）使用情况请在“外省市使用情况”中逐条登记"))
    unit_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("单位确认意见"))
    unit_confirmed_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("单位确认日期", help="签章的纸质检查表扫描后作为证据材料上传"))
    recorded_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, info=label("登记时间"))
    recorded_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("登记人"))
    correction_requirements: Mapped[Optional[str]] = mapped_column(Text, info=label("整改要求"))
    correction_ordered_on: Mapped[Optional[dt.date]] = mapped_column(Date,
                                                                     info=label("责令改正日期"))
    correction_due: Mapped[Optional[dt.date]] = mapped_column(Date, index=True,
                                                              info=label("整改期限"))
    rechecked_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("复查日期"))
    corrected_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("整改完成日期"))
    recheck_record: Mapped[Optional[str]] = mapped_column(Text, info=label("复查记录"))
    sanction_reason: Mapped[Optional[SanctionReason]] = enum_column(
        SanctionReason, "上报情形（第十二条）", nullable=True)
    reported_city_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                    info=label(local("上报{province_bureau_short}时间")))
    reported_city_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                            info=label("上报人"))
    proposed_measure: Mapped[Optional[SanctionMeasure]] = enum_column(
        SanctionMeasure, "报请措施", nullable=True)
    reported_samr_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime,
                                                                    info=label("报总局时间"))
    reported_samr_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                            info=label("报总局经办人"))
    escalation_opinion: Mapped[Optional[str]] = mapped_column(Text, info=label("上报意见"))
    case_no: Mapped[Optional[str]] = mapped_column(String(64), unique=True,
                                                   info=label("立案编号"))
    case_opened_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("立案日期"))
    sanctioned_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, info=label("暂停/取消便捷通道日期",
                         help="依据本检查记录暂停或取消该单位便捷通道的日期"))
    answers: Mapped[list["InspectionAnswer"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan",
        order_by="InspectionAnswer.seq", info=label("检查情况记录"))
    remote_uses: Mapped[list["RemoteUse"]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="RemoteUse.id",
        info=label("外省市使用情况"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="inspection", order_by="EvidenceFile.id", info=label("证据材料"))

    __record_rules__ = (
        v.date_order("correction_ordered_on", "correction_due", "整改期限不能早于责令改正日期。"),
    )

    def __str__(self) -> str:
        unit = self.enterprise.name if self.enterprise else ""
        return f"{unit}检查记录#{self.id}"

    __repr__ = __str__

    def editing_refusal(self) -> str | None:
        if self.state not in (None, InspectionState.pending):
            return f"检查记录{self.state.label}，检查内容不能再修改；后续处理请使用办理步骤。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not InspectionState.pending:
            return "只有待检查的检查记录可以删除。"
        if self.target_id is not None:
            return "抽查名单中的检查记录不能删除。"
        return None

    def evidence_refusal(self) -> str | None:
        return None  # the signed paper, photos, later correction evidence: always welcome

    evidence_owner = "inspection"


class InspectionAnswer(Audited, Model):
    """One point of part 二: 现场检查情况描述, 检查结论 是/否 and its evidence."""

    __tablename__ = "inspection_answer"
    __label__ = "检查情况记录"
    __access__ = DISTRICT_EDITS_ONLY  # laid out from the checklist; answered
    __scope_path__ = ("inspection", "enterprise", "bureau_id")
    __str_loads__ = ("inspection",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("检查记录"))
    inspection: Mapped[Inspection] = relationship(back_populates="answers",
                                                  info=label("检查记录"))
    seq: Mapped[int] = mapped_column(Integer, nullable=False, info=label("顺序"))
    point_code: Mapped[str] = mapped_column(String(8), nullable=False, info=label("检查点"))
    answer: Mapped[Optional[Answer]] = enum_column(Answer, "检查结论", nullable=True,
                                                   help="“是”或“否”，按检查内容的问法回答")
    description: Mapped[Optional[str]] = mapped_column(
        Text, info=label("现场检查情况描述", help="不符合情况的记录，随附相关证据材料"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="inspection_answer", order_by="EvidenceFile.id", info=label("证据材料"))

    __table_args__ = (UniqueConstraint("inspection_id", "point_code", name="uq_answer_point"),)
    __extra_labels__ = {"item": "检查项目", "content": "检查内容", "key_points": "检查要点",
                        "compliance": "是否符合要求"}

    @property
    def point(self):
        return self.inspection.checklist.checklist.point(self.point_code)

    @property
    def item(self) -> str:
        return f"{self.point.item_no}. {self.point.item}"

    @property
    def content(self) -> str:
        return self.point.content

    @property
    def key_points(self) -> str:
        return self.point.key_points

    @property
    def compliance(self) -> str:
        return present.compliance_text(
            self.point.complies(self.answer.name if self.answer else None))

    def __str__(self) -> str:
        return f"{self.point_code} {self.point.content}" if self.inspection else self.point_code

    __refusal_loads__ = ("inspection",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        return self.inspection.editing_refusal() if self.inspection else None

    def deletion_refusal(self) -> str | None:
        return "检查表的检查点不能删除。"

    def evidence_refusal(self) -> str | None:
        return self.editing_refusal()

    evidence_owner = "inspection_answer"


class RemoteUse(Audited, Model):
    """其他检查发现的情况: a batch used in another province (seed 002 附件, §16)."""

    __tablename__ = "inspection_remote_use"
    __label__ = "外省市使用情况"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("inspection", "enterprise", "bureau_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True,
        info=label("检查记录"))
    inspection: Mapped[Inspection] = relationship(back_populates="remote_uses",
                                                  info=label("检查记录"))
    certificate_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certificate.id"), index=True, info=label("免办证明", help="涉及的批次"))
    certificate: Mapped[Optional[Certificate]] = relationship(info=label("免办证明"))
    batch: Mapped[Optional[str]] = mapped_column(
        String(200), info=label("涉及批次", help="未在本系统登记的批次，填写证明编号或报关单号"))
    place: Mapped[str] = mapped_column(String(100), nullable=False,
                                       info=label("具体省市", help="如：江苏省苏州市"))
    use_type: Mapped[RemoteUseType] = enum_column(RemoteUseType, "使用类型")
    write_off_status: Mapped[Optional[str]] = mapped_column(String(200), info=label("核销情况"))
    letter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("assistance_letter.id"), index=True, info=label("协查函"))
    letter: Mapped[Optional["AssistanceLetter"]] = relationship(back_populates="remote_uses",
                                                                info=label("协查函"))

    __record_rules__ = (
        v.at_least_one(("batch", "certificate", "certificate_id"), "请选择免办证明或填写涉及批次。"),
    )

    def __str__(self) -> str:
        return f"{self.batch_text}（{self.place}，{self.use_type.label if self.use_type else ''}）"

    @property
    def batch_text(self) -> str:
        return self.certificate.number if self.certificate else (self.batch or "")

    __refusal_loads__ = ("inspection",)  # what the refusals read (list icons)

    def editing_refusal(self) -> str | None:
        return self.inspection.editing_refusal() if self.inspection else None

    deletion_refusal = editing_refusal


# =========================================================================================
# Assistance letters (协查函, seed 002 §16)
# =========================================================================================


class AssistanceLetter(Audited, TimestampMixin, Model):
    """A 协查函 sent to the bureau of the place of use, or received from another region."""

    __tablename__ = "assistance_letter"
    __label__ = "协查函"
    __access__ = DISTRICT_WRITES
    __scope_path__ = ("bureau_id",)
    __search_text__ = ("doc_no", "unit_name")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("本局", help="发函或收函的区局"))
    bureau: Mapped[Bureau] = relationship(info=label("本局"))
    direction: Mapped[LetterDirection] = enum_column(LetterDirection, "收发",
                                                     default=LetterDirection.outgoing)
    state: Mapped[LetterState] = enum_column(LetterState, "状态", default=LetterState.draft,
                                             index=True)
    doc_no: Mapped[Optional[str]] = mapped_column(
        String(100), info=label("文号", help="如：黄市监协〔2026〕3号"))
    counterpart: Mapped[str] = mapped_column(
        String(200), nullable=False,
        info=label("对方市场监管部门", help="发函：主送的实际使用地市场监管部门；收函：来函单位"))
    inspection_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("inspection.id"), index=True, info=label("来源检查记录"))
    inspection: Mapped[Optional[Inspection]] = relationship(info=label("来源检查记录"))
    enterprise_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("enterprise.id"), index=True, info=label("涉及单位（本辖区）"))
    enterprise: Mapped[Optional[Enterprise]] = relationship(info=label("涉及单位（本辖区）"))
    unit_name: Mapped[str] = mapped_column(String(200), nullable=False,
                                           info=label("涉及单位名称"))
    batches: Mapped[str] = mapped_column(Text, nullable=False,
                                         info=label("涉及批次", help="免办证明编号、产品、数量"))
    matters: Mapped[str] = mapped_column(
        Text, nullable=False, info=label("请求协查事项", help="需核实的内容，如产品实际使用地、用途、核销情况"))
    sent_on: Mapped[Optional[dt.date]] = mapped_column(
        Date, index=True, info=label("发函日期", help="收函：对方的发函日期；反馈期限自此起算15日"))
    replied_on: Mapped[Optional[dt.date]] = mapped_column(Date, info=label("反馈日期"))
    reply_result: Mapped[Optional[ReplyResult]] = enum_column(ReplyResult, "协查结果",
                                                              nullable=True)
    reply_summary: Mapped[Optional[str]] = mapped_column(Text, info=label("反馈内容"))
    signed_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                     info=label("经办人"))
    remote_uses: Mapped[list[RemoteUse]] = relationship(back_populates="letter",
                                                        info=label("涉及的外省市使用情况"))
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="assistance_letter", order_by="EvidenceFile.id",
        info=label("来函及反馈材料"))

    __record_rules__ = (v.date_order("sent_on", "replied_on", "反馈日期不能早于发函日期。"),)

    def __str__(self) -> str:
        return self.doc_no or f"协查函#{self.id}"

    def editing_refusal(self) -> str | None:
        if self.state not in (None, LetterState.draft):
            return f"协查函{self.state.label}，不能再修改；反馈请使用办理步骤登记。"
        return None

    def deletion_refusal(self) -> str | None:
        if self.state is not LetterState.draft:
            return "已发出或已登记的协查函不能删除。"
        return None

    def evidence_refusal(self) -> str | None:
        return None  # the scanned letter and the reply

    evidence_owner = "assistance_letter"


# =========================================================================================
# Installation: the province profile a database was created with (issue 17)
# =========================================================================================


class Installation(Model):
    """One row: the policy profile (``CCC_PROVINCE``) this database was created with. A start
    with another profile is refused (``app.installation``) so provinces never mix. Not
    audited and never edited: it is written once, when the first start finds the database
    empty."""

    __tablename__ = "installation"
    __label__ = "安装信息"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(32), nullable=False,
                                               info=label("省份政策配置"))
    province_name: Mapped[str] = mapped_column(String(50), nullable=False,
                                               info=label("省份名称"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                     default=clock.now, info=label("记录时间"))

    __table_args__ = (CheckConstraint("id = 1", name="installation_single_row"),)


class ImportBatch(Audited, TimestampMixin, Model):
    """One bulk import (who and when: the audit trail's transaction; the file and counts
    here), written in the same transaction as the records it imported."""

    __tablename__ = "import_batch"
    __label__ = "批量导入记录"
    __access__ = READ_ONLY
    #: the importing user's bureau: a district sees its own batches, the province all
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True,
                                      info=label("导入类型"))
    title: Mapped[str] = mapped_column(String(50), nullable=False, info=label("导入内容"))
    file_name: Mapped[str] = mapped_column(String(255), nullable=False, info=label("文件名"))
    created_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                               info=label("新增条数"))
    updated_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                               info=label("更新条数"))
    details: Mapped[Optional[str]] = mapped_column(String(500), info=label("其他"))
    imported_by: Mapped[Optional[str]] = mapped_column(String(ACTOR_NAME_LENGTH),
                                                       info=label("导入人"))
    bureau_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bureau.id"), index=True,
                                                     info=label("导入单位"))
    bureau: Mapped[Optional[Bureau]] = relationship(info=label("导入单位"))

    @property
    def result(self) -> str:
        """结果 (``app.present.import_result_text``)."""
        return present.import_result_text(self.created_count, self.updated_count, self.details)

    def __str__(self) -> str:
        return f"导入{self.title}：{self.file_name}（新增{self.created_count}，更新{self.updated_count}）"


# =========================================================================================
# Notices on a bureau's 工作台 (issue 14): the province reminds districts
# =========================================================================================


class WorkbenchNotice(Model):
    """A reminder the province sends to one bureau (e.g. 年报尚未报送): shown on the 工作台
    of that bureau's officers until the matter is settled (``settles`` names what settles
    it: ``annual_report:<year>`` — the year's report filed). Written once, never edited."""

    __tablename__ = "workbench_notice"
    __label__ = "工作台提醒"
    __access__ = ADMIN_ONLY
    __scope_path__ = ("bureau_id",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), nullable=False, index=True,
                                           info=label("接收单位"))
    bureau: Mapped[Bureau] = relationship(info=label("接收单位"))
    title: Mapped[str] = mapped_column(String(100), nullable=False, info=label("标题"))
    text: Mapped[str] = mapped_column(Text, nullable=False, info=label("内容"))
    settles: Mapped[Optional[str]] = mapped_column(String(64), index=True,
                                                   info=label("办结条件"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=clock.now,
                                                 info=label("发送时间"))
    sender: Mapped[str] = mapped_column(String(ACTOR_NAME_LENGTH), nullable=False,
                                        info=label("发送人"))

    def __str__(self) -> str:
        return self.title



# The carried owner's indexes: a district's first page and count read one index range in
# the list's default order (issue 15; the plans are in the README).
# (the product's application too: a district's 申请编号 filter checks it from the index alone)
Index("ix_product_owner_bureau", Product.owner_bureau_id, Product.id, Product.application_id)
Index("ix_certificate_owner_bureau", Certificate.owner_bureau_id, Certificate.issued_on)
Index("ix_certificate_request_owner_bureau", CertificateRequest.owner_bureau_id,
      CertificateRequest.id)
Index("ix_customs_usage_owner_bureau", CustomsUsage.owner_bureau_id, CustomsUsage.used_on)
Index("ix_usage_record_owner_bureau", UsageRecord.owner_bureau_id, UsageRecord.id)
Index("ix_fast_track_grant_owner_bureau", FastTrackGrant.owner_bureau_id, FastTrackGrant.id)
# 审核时限 sorts by its stored keys (most urgent first, undated rows last, ties newest first):
# a district's first page in either direction is one index range
Index("ix_application_bureau_due_asc", Application.bureau_id, Application.due_sort_asc,
      Application.id.desc())
Index("ix_application_bureau_due_desc", Application.bureau_id, Application.due_sort_desc,
      Application.id)
# ... and the province's (no bureau filter) reads the same order from these
Index("ix_application_due_asc", Application.due_sort_asc, Application.id.desc())
Index("ix_application_due_desc", Application.due_sort_desc, Application.id)
# 剩余有效天数 sorted, a district's first page (carried owner) and the province's
Index("ix_fast_track_grant_owner_valid_asc", FastTrackGrant.owner_bureau_id,
      FastTrackGrant.valid_sort_asc, FastTrackGrant.id.desc())
Index("ix_fast_track_grant_owner_valid_desc", FastTrackGrant.owner_bureau_id,
      FastTrackGrant.valid_sort_desc, FastTrackGrant.id)
Index("ix_fast_track_grant_valid_asc", FastTrackGrant.valid_sort_asc, FastTrackGrant.id.desc())
Index("ix_fast_track_grant_valid_desc", FastTrackGrant.valid_sort_desc, FastTrackGrant.id)

from app.scope import install_carried_owner_listener  # noqa: E402  (scope sits below models)

install_carried_owner_listener()

# Version classes of the audit trail are built when the mappers are configured.
configure_mappers()
