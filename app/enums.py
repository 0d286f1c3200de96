"""Enumerations of the domain (DESIGN §2): each a ``LabeledEnum`` whose member name is the
English code stored in the database and served by the API, and whose value is the Chinese
label every screen, export and report shows. State groups used by several areas sit beside
their enum."""
from __future__ import annotations

from app.domain.checklists import CHECKLISTS
from app.meta import LabeledEnum
from app.policy import local


class BureauLevel(LabeledEnum):
    province = "省级"
    prefecture = "地市级"
    county = "区县级"


class CreditStanding(LabeledEnum):
    good = "良好"
    serious_violation = "列入严重违法失信名单"
    blacklisted = "列入黑名单"


class EconomicNature(LabeledEnum):
    state_owned = "国有"
    private = "民营"
    joint_venture = "合资"
    sole_foreign = "独资"
    other = "其他"


class BusinessCategoryCode(LabeledEnum):
    production = "生产加工"
    research_testing = "科研测试"
    repair = "维修"
    repair_agent = "维修代理"
    display = "商业展示"
    other = "其他"


class ExemptionClause(LabeledEnum):
    """The six 免办条款 of the national service guide (seed 001); the first five are the
    clauses a fast-track unit may apply for (seed 000 第四条)."""

    research_test = "为科研、测试和认证检测所需的产品和样品"
    repair = "直接为最终用户维修目的所需的零部件/产品"
    production_line = "工厂生产线/成套生产线配套所需的设备/零部件（不含办公用品）"
    display = "仅用于商业展示但不销售的产品"
    export_parts = "以整机全数出口为目的进口的零部件"
    other = "其他因特殊用途免予办理强制性产品认证的情形"

    @property
    def number(self) -> int:
        return list(ExemptionClause).index(self) + 1

    @property
    def short_label(self) -> str:
        return f"条款{self.number}"

    @classmethod
    def fast_track_clauses(cls) -> list["ExemptionClause"]:
        return [c for c in cls if c is not cls.other]


class ResearchDetail(LabeledEnum):
    """Second-level detail required for clause 1 (seed 004 §2.1.1)."""

    research = "科研"
    testing = "测试"
    ccc_testing = "CCC认证检测"


class ApplicantType(LabeledEnum):
    """申请人类型 — required for clauses 1 and 2 (seed 004 §2.1.1); the kinds are seed 001's
    申请人要求 of each clause (and seed 002 §3's purchasers); which clause allows which:
    ``app.domain.dossier.APPLICANT_TYPES``."""

    research_institution = "研究、开发、测试机构"
    ccc_client = "CCC认证委托人"
    repair_unit = "维修单位"
    central_purchaser = "整机/整车集中采购商"
    warehouse = "仓储商"
    parts_purchaser = "指定的零部件采购商"
    end_user = "最终用户"
    using_factory = "使用该设备/零部件的工厂/公司"
    display_company = "负责商业展示的公司"


CLAUSES_REQUIRING_APPLICANT_TYPE = (ExemptionClause.research_test, ExemptionClause.repair)


class ApplicationState(LabeledEnum):
    draft = "未提交"
    submitted = "已提交"
    accepted = "已受理"
    first_reviewed = "已初审"
    second_reviewed = "已复审"
    issued = "已发证"
    returned = "已退回"


#: Submitted and not yet decided: the review deadlines run.
APPLICATION_IN_REVIEW = (ApplicationState.submitted, ApplicationState.accepted,
                         ApplicationState.first_reviewed, ApplicationState.second_reviewed)


class ReviewVerdict(LabeledEnum):
    """One check of a recorded review (seed 001 流程3): ✓ or ✗."""

    passed = "✓ 符合"
    failed = "✗ 不符合"


class CertificateState(LabeledEnum):
    valid = "有效"
    changed = "已变更"
    voided = "已作废"
    extended = "已延期"
    written_off = "已核销"
    # every product accounted for: the authority reviews the write-off (seed 002 §13)
    write_off_pending = "核销待审"
    write_off_returned = "核销补正"


#: A certificate goods may still be imported and used under.
CERTIFICATE_IN_FORCE = (CertificateState.valid, CertificateState.changed,
                        CertificateState.extended)


class UsageKind(LabeledEnum):
    use = "使用"
    returned = "退运"
    destroyed = "销毁"


class Currency(LabeledEnum):
    CNY = "人民币"
    USD = "美元"
    EUR = "欧元"
    JPY = "日元"
    HKD = "港元"
    GBP = "英镑"
    KRW = "韩元"
    CHF = "瑞士法郎"


class FunctionCode(LabeledEnum):
    """Functions of a national-system reviewer account (seed 003 附件1 备注2)."""

    first_review = "初审"
    second_review = "复审"
    issue = "发证"
    supervision = "监管"
    admin = "管理员"


class AccountStatus(LabeledEnum):
    active = "在用"
    closed = "已注销"


class AccountChangeKind(LabeledEnum):
    open = "开通"
    close = "注销"
    add_functions = "增加功能"
    remove_functions = "减少功能"


class AccountChangeState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    approved = "省局已审核"
    returned = "已退回"
    forwarded = "已报总局"
    effective = "已生效"


class AnnualReportState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    returned = "已退回"
    confirmed = "已确认"


class FastTrackState(LabeledEnum):
    draft = "草稿"
    submitted = "已提交"
    district_reviewed = "区局已初审"
    approved = local("{province_bureau_short}已审核")
    forwarded = "已报总局"
    active = "已开通"
    rejected = "不予通过"
    expired = "已到期"
    suspended = "已暂停"
    revoked = "已取消"


#: Submitted and on its way to a decision (the reminder board's 办理中).
FAST_TRACK_IN_PROGRESS = (FastTrackState.submitted, FastTrackState.district_reviewed,
                          FastTrackState.approved, FastTrackState.forwarded)


class CertificateRequestKind(LabeledEnum):
    change = "变更"
    void = "作废"
    extend = "延期"


class CertificateRequestState(LabeledEnum):
    pending = "待审核"
    approved = "已批准"
    rejected = "已驳回"


class ProductField(LabeledEnum):
    """What a certificate change may alter: the product fields (seed 002 §4) and the
    certificate's 主体信息, the application's own fields (seed 004 §2.3 修改证明主体信息)."""

    name = "产品名称"
    manufacturer = "制造商"
    model = "型号规格"
    brand = "商标/品牌"
    quantity = "数量"
    weight_kg = "重量（千克）"
    amount = "金额"
    applicant_location = "申请单位所在地"
    final_use_place = "产品最终使用地"
    bill_of_lading_no = "提运单号"
    contract_no = "进口合同号"
    invoice_no = "发票号"


#: The 主体信息 a change may alter: fields of the application, not of one product
SUBJECT_FIELDS = (ProductField.applicant_location, ProductField.final_use_place,
                  ProductField.bill_of_lading_no, ProductField.contract_no,
                  ProductField.invoice_no)
PRODUCT_FIELDS = tuple(f for f in ProductField if f not in SUBJECT_FIELDS)


class AddressType(LabeledEnum):
    """The kind of 申请单位所在地 (seed 004 §2.1.1-3 "地址类型必须选择"): the unit's own address,
    or — for testing, display and repair — where that happens (seed 002 §15: 也可以向检测地、
    商品展示地和维修地所在市场监管部门提出申请)."""

    registered = "注册地址"
    business = "经营地址"
    testing = "检测地"
    display = "商品展示地"
    repair = "维修地"


#: Address types that belong to one clause only (seed 002 §15)
ADDRESS_TYPE_CLAUSE = {"testing": "research_test", "display": "display", "repair": "repair"}


class LeadKind(LabeledEnum):
    """On-site triggers other than the key-target rules (seed 001 流程8)."""

    failed_random_check = "系统随机抽查结果不合格"
    unreachable = "企业无法正常联系"
    changed_final_use = "变更产品最终使用地"
    complaint = "违法违规线索或举报投诉"


class WriteOffDecision(LabeledEnum):
    """The authority's decision on a certificate's write-off records (seed 002 §13)."""

    approved = "核销通过"
    returned = "退回补正"


#: What the write-off review checks (seed 002 §13 "重点审查资料是否完整、相关凭证产品信息是否与
#: CCC免办证明一致、产品使用用途是否变化以及相关材料之间逻辑关系是否合理"), as step inputs.
WRITE_OFF_CHECKS = (
    ("complete", "资料完整"),
    ("consistent", "凭证产品信息与免办证明一致"),
    ("use_unchanged", "产品使用用途未变化"),
    ("logical", "相关材料之间逻辑关系合理"),
)


class UseFinding(LabeledEnum):
    """What the reviewer found before extending a certificate (seed 002 §6)."""

    unused = "产品未使用"
    use_unchanged = "产品用途未变化"


DecisionState = CertificateRequestState  # 待审核 / 已批准 / 已驳回, for every request decided once


class FastTrackChangeKind(LabeledEnum):
    """Changes a fast-track unit must report (seed 000 第十条)."""

    product_list = "CCC免办产品清单调整"
    unit_name = "单位名称变更"
    address = "注册地、经营地变更"
    legal_representative = "法定代表人变更"
    other = "其他重大变更事项"


class FastTrackChangeState(LabeledEnum):
    draft = "草稿"
    submitted = local("已报{province_bureau_short}")
    approved = "已批准"
    rejected = "已驳回"
    forwarded = "已报总局调整"  # seed 000 第十条: 市市场监管局审核后报总局调整


class AttachmentKind(LabeledEnum):
    subject_qualification = "主体资格证明材料"
    basic_description = "基本情况说明"
    evidence = "证据材料"
    # 免办申请材料 (seed 001 所需材料; seed 004 §2.1.3): which clause needs which is declared
    # once in ``app.domain.dossier`` (``materials_for``; all of them: ``APPLICATION_MATERIALS``)
    business_licence = "申请人营业执照"
    undertaking = "后续管理承诺书（附件2-1）"
    catalogue_table = "申请产品与CCC目录对照表（附件2-2）"
    plan = "研究、开发、测试计划书/项目书"
    trade_documents = "附有产品明细的进口合同、发票或提单"
    ccc_sample_notice = "CCC认证送样通知书"
    safety_undertaking = "产品符合国内安全标准的承诺"
    production_line_proof = "工厂生产线/成套设备生产线的相关证明材料"
    display_statement = "展示期及产品后续处理情况说明"
    export_contract = "成品出口合同"
    entrustment_letter = "委托函（指定的零部件采购商）"


class CalendarDayKind(LabeledEnum):
    holiday = "法定节假日（休息）"
    adjusted_workday = "调休上班"

    @property
    def is_workday(self) -> bool:
        return self is CalendarDayKind.adjusted_workday


class ProductListPeriod(LabeledEnum):
    past = "过去两年"
    expected = "预计"


class SanctionReason(LabeledEnum):
    """The five grounds for suspending or revoking a fast-track grant (seed 000 第十二条)."""

    no_longer_eligible = "无法持续满足CCC免办便捷通道申请条件"
    false_declaration = "申报材料应报未报或者申报不实"
    outside_catalogue = "不属于CCC目录内的产品通过CCC免办系统申报"
    misuse = "未按承诺使用或处理相关CCC免办产品"
    non_cooperation = "无正当理由，不配合或不接受市场监管部门监督检查"


# --- 双随机 supervision (seed 002 §8–§19, 附件1/附件2) --------------------------------------


class PlanState(LabeledEnum):
    draft = "草稿"
    published = "已发布"
    completed = "已完成"


class TargetKind(LabeledEnum):
    """类别 on the 抽查名单: drawn at the ratio, fast-track (全覆盖), key target (always)."""

    general = "一般"
    fast_track = "便捷通道"
    key = "重点"


class ChecklistKind(LabeledEnum):
    general = "一般CCC免办单位（附件1）"
    fast_track = "便捷通道使用单位（附件2）"

    @property
    def checklist(self):
        return CHECKLISTS[self.name]


class InspectionOrigin(LabeledEnum):
    plan = "双随机抽查"
    complaint = "投诉举报"
    clue = "违法违规线索"
    other = "其他"


class InspectionMethod(LabeledEnum):
    """Seed 002 §9: 网上核查和现场检查相结合."""

    onsite = "现场检查"
    online = "网上核查"


class InspectionState(LabeledEnum):
    pending = "待检查"
    passed = "合格"
    failed = "不合格"
    correcting = "整改中"
    corrected = "已整改"
    overdue = "逾期未改正"
    reported_city = local("已上报{province_bureau_short}")
    reported_samr = "已报总局"
    case_opened = "已立案调查"
    #: closed by the grant's sanction that names the inspection (seed 000 第十二条)
    suspended = "已暂停便捷通道"
    revoked = "已取消便捷通道"


#: Inspections whose findings are still being followed up (the board's 跟进中).
INSPECTION_FOLLOW_UP = (InspectionState.failed, InspectionState.correcting,
                        InspectionState.overdue, InspectionState.reported_city)

# "pass" is a Python keyword: the functional form keeps the English codes of DESIGN §5.
InspectionResult = LabeledEnum("InspectionResult", [("pass", "合格"), ("fail", "不合格")])


class Answer(LabeledEnum):
    yes = "是"
    no = "否"


class RemoteUseType(LabeledEnum):
    """使用类型 of a batch used in another province (附件 其他检查发现的情况)."""

    repair = "直接维修"
    display = "商业展示"
    research = "科研测试"


class SanctionMeasure(LabeledEnum):
    suspend = "暂停"
    revoke = "取消"


class LetterDirection(LabeledEnum):
    outgoing = "发出"
    incoming = "收到"


class LetterState(LabeledEnum):
    draft = "草稿"
    sent = "已发函"
    received = "已收函"
    replied = "已反馈"


class ReplyResult(LabeledEnum):
    verified = "核实无异常"
    problem = "核实发现问题"
    unverifiable = "无法核实"
