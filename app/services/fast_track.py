"""The fast track (便捷通道): eligibility, bans, completeness, validity, renewal and the changes
an open unit reports — the rules of seeds 000 (第五条, 第九条, 第十条, 第十二条), 003 §一–二
and 002 §7, §11. ``app.workflows.fast_track`` wires them into the machine."""
from __future__ import annotations

import dataclasses
import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import clock, meta, policy, present
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import (
    FAST_TRACK_IN_PROGRESS,
    AttachmentKind,
    BureauLevel,
    CreditStanding,
    DecisionState,
    ExemptionClause,
    FastTrackChangeKind,
    FastTrackChangeState,
    FastTrackState,
    ProductListPeriod,
)
from app.extensions import db
from app.meta import Attention
from app.models import (
    DUE_SORT_LAST_ASC,
    DUE_SORT_LAST_DESC,
    Enterprise,
    FastTrackChange,
    FastTrackGrant,
    FastTrackProductLine,
    FastTrackRenewal,
)
from app.scope import bureau_scope, scope_clause
from app.services import records
from app.transaction import lock

S = FastTrackState
#: A unit may hold one grant in these states at a time.
OPEN_STATES = (S.draft, S.submitted, S.district_reviewed, S.approved, S.forwarded, S.active)


# --- bans (seed 000 第十二条) ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Ban:
    until: dt.date  # the first day a new application is accepted again
    because: str


def ban_for(enterprise_id: int, today: dt.date | None = None) -> Ban | None:
    """A suspended unit may not apply again for 6 months, a revoked one for 2 years."""
    today = today or clock.today()
    profile = policy.profile()
    bans = []
    for grant in db.session.scalars(select(FastTrackGrant).where(
            FastTrackGrant.enterprise_id == enterprise_id,
            FastTrackGrant.state.in_([S.suspended, S.revoked]),
            FastTrackGrant.sanctioned_on.is_not(None))):
        months = profile.ban_months_after_revocation if grant.state is S.revoked \
            else profile.ban_months_after_suspension
        until = grant.sanctioned_on + relativedelta(months=months)
        if today < until:
            verb = "被取消" if grant.state is S.revoked else "被暂停"
            bans.append(Ban(until, f"该单位的便捷通道于{clock.chinese_date(grant.sanctioned_on)}{verb}"
                                   f"使用权限，{months}个月内不得再次申请"))
    return max(bans, key=lambda b: b.until) if bans else None


def ban_refusal(grant: FastTrackGrant) -> str | None:
    ban = ban_for(grant.enterprise_id)
    return f"{ban.because}，{clock.chinese_date(ban.until)}起方可重新申请。" if ban else None


def refuse_if_banned(enterprise_id: int) -> None:
    """The first check of a new application, before any other (409 with the date)."""
    ban = ban_for(enterprise_id)
    if ban is not None:
        raise RuleViolation(f"{ban.because}，{clock.chinese_date(ban.until)}起方可重新申请。")


@records.on_save(FastTrackGrant)
def refuse_banned_unit(grant: FastTrackGrant) -> None:
    refuse_if_banned(grant.enterprise.id if grant.enterprise else grant.enterprise_id)


def lock_unit(grant: FastTrackGrant) -> None:
    """Take the unit's row before its one-open-grant rule is checked, so that two
    applications of one unit submitted at once cannot both pass."""
    lock(Enterprise, grant.enterprise_id)


def second_open_grant_refusal(grant: FastTrackGrant) -> str | None:
    """One open application or grant per unit."""
    other = db.session.scalars(select(FastTrackGrant).where(
        FastTrackGrant.enterprise_id == grant.enterprise_id,
        FastTrackGrant.id != (grant.id or 0),
        FastTrackGrant.state.in_([s for s in OPEN_STATES if s is not S.draft]))).first()
    if other is not None:
        return (f"该单位已有{other.state.label}的便捷通道（#{other.id}），不能重复申请；"
                "到期前请办理延用。")
    return None


# --- eligibility (seed 000 第五条, seed 002 §7) -------------------------------------------

@dataclasses.dataclass(frozen=True)
class Check:
    ok: bool
    text: str


def _province_prefix() -> str:
    return policy.profile().province_division_code[:2]


def eligibility(grant: FastTrackGrant) -> list[Check]:
    """Every condition, with what the officer needs to know about it."""
    profile = policy.profile()
    ent: Enterprise | None = grant.enterprise or (
        db.session.get(Enterprise, grant.enterprise_id) if grant.enterprise_id else None)
    if ent is None:
        return [Check(False, "请选择申请单位")]
    checks = []
    registered = ent.bureau is not None and ent.bureau.division_code.startswith(
        _province_prefix()) and ent.bureau.level is not BureauLevel.province
    checks.append(Check(registered, f"注册地在{profile.province_name}" if registered
                        else f"注册地不在{profile.province_name}（所属区局不在本省市）"))
    checks.append(Check(bool(ent.operates_in_province),
                        f"经营地在{profile.province_name}" if ent.operates_in_province
                        else f"经营地不在{profile.province_name}"))
    if profile.has_entry_port_condition:  # seed 000 第五条(一): imports of the customs district
        checks.append(entry_port_check(grant, profile))
    good = ent.credit_standing is CreditStanding.good
    checks.append(Check(good, "信用记录良好" if good
                        else f"信用状况为“{ent.credit_standing.label}”"))
    checks.append(Check(bool(ent.traceability_system), "已建立CCC免办产品追溯管理制度"
                        if ent.traceability_system else "未登记CCC免办产品追溯管理制度"))
    expected = grant.batches_total(ProductListPeriod.expected)
    minimum = profile.fast_track_min_yearly_batches
    checks.append(Check(expected >= minimum, f"预计年申报批次{expected}批（不少于{minimum}批）"
                        if expected >= minimum else
                        f"预计年申报批次{expected}批，少于{minimum}批，业务不具有持续性"))
    ban = ban_for(ent.id)
    checks.append(Check(ban is None, "不在禁止申请期内" if ban is None
                        else f"{ban.because}，{clock.chinese_date(ban.until)}起方可重新申请"))
    return checks


def entry_port_check(grant: FastTrackGrant, profile: policy.PolicyProfile) -> Check:
    """Every 入境口岸 of both product lists is a port of the profile's customs district."""
    district = profile.fast_track_customs_district
    outside = sorted({(line.entry_port or "").strip() for line in grant.lines
                      if not profile.entry_port_inside(line.entry_port)})
    if not outside:
        return Check(True, f"产品清单所列入境口岸均在{district}")
    named = "、".join(f"“{port}”" if port else "（未填写）" for port in outside)
    return Check(False, f"产品清单中的入境口岸{named}不在{district}"
                        f"（{district}的口岸：{'、'.join(profile.fast_track_entry_ports)}）")


@meta.derived(FastTrackGrant, "eligibility", "申请条件核查")
def eligibility_checks(grant: FastTrackGrant) -> list[dict]:
    """The seed's application conditions, each with whether this unit meets it now."""
    return [{"ok": c.ok, "text": c.text} for c in eligibility(grant)]


@meta.derived(FastTrackGrant, "eligibility_text", "申请条件核查")
def eligibility_text(grant: FastTrackGrant) -> str:
    return "；".join(f"{present.check_mark(c.ok)} {c.text}" for c in eligibility(grant))


def ineligibility(grant: FastTrackGrant) -> str | None:
    failed = [c.text for c in eligibility(grant) if not c.ok]
    return "不符合便捷通道申请条件：" + "；".join(failed) + "。" if failed else None


def incompleteness(grant: FastTrackGrant) -> str | None:
    """What the 申请表 needs before it is submitted."""
    clauses = {c.code for c in grant.clauses}
    if not clauses:
        return "请选择申请免办条款。"
    if ExemptionClause.other in clauses:
        return "便捷通道只适用于第1至5项免办条款。"
    if not grant.self_commitment:
        return "申请单位尚未签署自我承诺。"
    if not any(line.period is ProductListPeriod.expected for line in grant.lines):
        return "请填写预计CCC免办产品清单。"
    if not any(a.kind is AttachmentKind.basic_description for a in grant.attachments):
        return ("请上传“基本情况说明”（单位概况、追溯制度制定及执行情况、2年内免办产品申请使用和"
                "后续管理情况）。")
    return None


# --- validity and renewal -------------------------------------------------------------------

def validity_end(valid_from: dt.date) -> dt.date:
    """1 year in Chongqing, 2 in Shanghai (the province's policy profile)."""
    return valid_from + relativedelta(years=policy.profile().fast_track_validity_years) \
        - dt.timedelta(days=1)


def validity_over_refusal(valid_from: dt.date | None) -> str | None:
    if valid_from and validity_end(valid_from) < clock.today():
        ended = clock.chinese_date(validity_end(valid_from))
        return (f"按本省政策有效期{policy.profile().fast_track_validity_years}年，"
                f"自{clock.chinese_date(valid_from)}起算已于{ended}届满，请核对有效期起。")
    return None


def renewed_validity_end(old_valid_to: dt.date) -> dt.date:
    """The end of a renewed term: a new term that starts the day after the old end date, not
    on the day the renewal is approved."""
    return validity_end(old_valid_to + dt.timedelta(days=1))


def renewal_window_opens(grant: FastTrackGrant) -> dt.date:
    return grant.valid_to - dt.timedelta(days=policy.profile().fast_track_renewal_window_days)


#: The states whose grants show 剩余有效天数 (the others show nothing and sort last).
DAYS_LEFT_STATES = (S.active, S.expired, S.suspended)


def days_left_sort_keys(state, valid_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """剩余有效天数's stored sort keys (``valid_sort_asc``, ``valid_sort_desc``): the end date
    of a grant that shows days left, else a date after / before every end date."""
    if state in DAYS_LEFT_STATES and valid_to is not None:
        return valid_to, valid_to
    return DUE_SORT_LAST_ASC, DUE_SORT_LAST_DESC


def keep_days_left_keys(grant: FastTrackGrant) -> None:
    asc, desc = days_left_sort_keys(grant.state, grant.valid_to)
    if grant.valid_sort_asc != asc:
        grant.valid_sort_asc = asc
    if grant.valid_sort_desc != desc:
        grant.valid_sort_desc = desc


@event.listens_for(Session, "before_flush")
def _keep_days_left_keys(session, _context, _instances) -> None:
    """Every new or changed grant gets its 剩余有效天数 sort keys in the same flush."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, FastTrackGrant):
            keep_days_left_keys(obj)


@meta.sorted_by(FastTrackGrant, "days_left")
def days_left_sort(descending: bool) -> list:
    """剩余有效天数 sorts by the stored end date of the grants that show one (its stored key
    of that direction: a district's first page is one range of
    ``ix_fast_track_grant_owner_valid_asc`` / ``_desc``); the others last, ties newest first."""
    if descending:
        return [FastTrackGrant.valid_sort_desc.desc(), FastTrackGrant.id.desc()]
    return [FastTrackGrant.valid_sort_asc.asc(), FastTrackGrant.id.desc()]


@meta.derived(FastTrackGrant, "days_left", "剩余有效天数")
def days_left_text(grant: FastTrackGrant, today: dt.date | None = None) -> str:
    if grant.valid_to is None or grant.state not in DAYS_LEFT_STATES:
        return ""
    today = today or clock.today()
    left = (grant.valid_to - today).days
    if left < 0:
        return f"已于{grant.valid_to:%Y-%m-%d}到期"
    if left <= policy.profile().fast_track_expiry_warning_days:
        return Attention(f"剩{left}天", "warning")
    return f"剩{left}天"


def pending_renewal(grant: FastTrackGrant) -> FastTrackRenewal | None:
    return next((r for r in grant.renewals if r.state is DecisionState.pending), None)


def renewal_refusal(grant: FastTrackGrant) -> str | None:
    """延用 is asked for within the window before expiry, once at a time."""
    if pending_renewal(grant):
        return "已有待审核的延用申请。"
    opens = renewal_window_opens(grant)
    today = clock.today()
    if today < opens:
        window = policy.profile().fast_track_renewal_window_days
        return (f"延用申请在有效期届满前{window}天内办理，{clock.chinese_date(opens)}"
                f"起可以申请（有效期至{clock.chinese_date(grant.valid_to)}）。")
    if today > grant.valid_to:
        return "便捷通道已到期，不能延用，请重新申请。"
    return None


def no_pending_renewal(grant: FastTrackGrant) -> str | None:
    return None if pending_renewal(grant) else "没有待审核的延用申请。"


def not_yet_expired(grant: FastTrackGrant) -> str | None:
    if grant.valid_to is not None and grant.valid_to < clock.today():
        return None
    return "有效期尚未届满。"


def grants_due_to_expire(today: dt.date | None = None) -> list[FastTrackGrant]:
    today = today or clock.today()
    # SKIP LOCKED: every worker runs this check; one that finds a grant locked by another
    # worker's sweep leaves it to that one instead of waiting for it (PostgreSQL; SQLite's
    # write transactions are serial anyway). A grant another worker already turned 已到期
    # is not active any more when this one reads it.
    return db.session.scalars(select(FastTrackGrant).where(
        FastTrackGrant.state == S.active, FastTrackGrant.valid_to < today)
        .with_for_update(skip_locked=True)).all()


# --- changes an open unit reports (seed 000 第十条) ------------------------------------------

def apply_change(change: FastTrackChange) -> None:
    ent = change.grant.enterprise
    if change.kind is FastTrackChangeKind.unit_name:
        ent.name = change.new_name
    elif change.kind is FastTrackChangeKind.address:
        ent.registered_address = change.new_registered_address or ent.registered_address
        ent.business_address = change.new_business_address or ent.business_address
    elif change.kind is FastTrackChangeKind.legal_representative:
        ent.legal_representative = change.new_legal_representative
    elif change.kind is FastTrackChangeKind.product_list:
        grant = change.grant
        for line in [ln for ln in grant.lines if ln.period is ProductListPeriod.expected]:
            grant.lines.remove(line)
        for line in change.lines:
            grant.lines.append(FastTrackProductLine(
                period=ProductListPeriod.expected, ccc_code=line.ccc_code, purpose=line.purpose,
                annual_batches=line.annual_batches, entry_port=line.entry_port,
                handling=line.handling))


def change_incompleteness(change: FastTrackChange) -> str | None:
    if change.grant.state not in (S.active, S.suspended):
        return f"便捷通道{change.grant.state.label}，只有已开通的便捷通道登记变更。"
    needed = {
        FastTrackChangeKind.unit_name: "变更后单位名称",
        FastTrackChangeKind.legal_representative: "变更后法定代表人",
    }.get(change.kind)
    field = {FastTrackChangeKind.unit_name: "new_name",
             FastTrackChangeKind.legal_representative: "new_legal_representative"}.get(change.kind)
    if needed and not getattr(change, field):
        return f"请填写{needed}。"
    if change.kind is FastTrackChangeKind.address and not (
            change.new_registered_address or change.new_business_address):
        return "请填写变更后的注册地址或经营地址。"
    if change.kind is FastTrackChangeKind.product_list and not change.lines:
        return "产品清单调整须填写调整后的预计产品清单。"
    return None


def refuse_incomplete_change(change: FastTrackChange) -> None:
    refusal = change_incompleteness(change)
    if refusal:
        raise RecordInvalid(refusal) if refusal.startswith("请填写") else RuleViolation(refusal)


# --- the reminder board ---------------------------------------------------------------------

@dataclasses.dataclass
class Board:
    today: dt.date
    expiring: list[FastTrackGrant]
    renewals: list[FastTrackRenewal]
    changes: list[FastTrackChange]
    waiting: list[FastTrackGrant]


def reminder_board(user="current") -> Board:
    """Grants expiring within the warning window, renewals and changes awaiting a decision,
    applications under way — within the user's scope."""
    today = clock.today()
    scope = bureau_scope(user)
    horizon = today + dt.timedelta(days=policy.profile().fast_track_expiry_warning_days)
    return Board(
        today=today,
        expiring=db.session.scalars(
            select(FastTrackGrant).where(FastTrackGrant.state == S.active,
                                         FastTrackGrant.valid_to <= horizon,
                                         scope_clause(FastTrackGrant, scope))
            .order_by(FastTrackGrant.valid_to)).all(),
        renewals=db.session.scalars(select(FastTrackRenewal).where(
            FastTrackRenewal.state == DecisionState.pending,
            scope_clause(FastTrackRenewal, scope))).all(),
        changes=db.session.scalars(select(FastTrackChange).where(
            FastTrackChange.state == FastTrackChangeState.submitted,
            scope_clause(FastTrackChange, scope))).all(),
        waiting=db.session.scalars(select(FastTrackGrant).where(
            FastTrackGrant.state.in_(FAST_TRACK_IN_PROGRESS),
            scope_clause(FastTrackGrant, scope)).order_by(FastTrackGrant.submitted_at)).all(),
    )


def open_grants(user="current") -> list[FastTrackGrant]:
    """The units using the fast track now (便捷通道使用单位名单), by district and name."""
    return db.session.scalars(
        select(FastTrackGrant).join(FastTrackGrant.enterprise)
        .where(FastTrackGrant.state == S.active,
               scope_clause(FastTrackGrant, bureau_scope(user)))
        .order_by(Enterprise.bureau_id, Enterprise.name)).all()


def commerce_co_confirms(profile=None) -> bool:
    """Whether the province's fast-track decisions are co-confirmed with the commerce authority
    (the profile's ``fast_track_commerce_co_confirms``): where they are, the decision forms ask
    for the confirmation date, the record shows it and an approval needs it."""
    return (profile or policy.profile()).fast_track_commerce_co_confirms


def commerce_confirmation_refusal(decision: str | None, confirmed_on: dt.date | None) -> str | None:
    """Shanghai approves fast-track applications and renewals together with the commerce
    commission (seed 003 §一、§二 "市市场监管局将会同市商务委确认"; the profile's
    ``fast_track_commerce_co_confirms``): an approval records the date of that confirmation."""
    if confirmed_on is not None and confirmed_on > clock.today():
        return f"确认日期不能晚于今天（{clock.today():%Y-%m-%d}）。"
    if decision == "approve" and commerce_co_confirms() and confirmed_on is None:
        profile = policy.profile()
        return (f"{profile.province_name}便捷通道审核通过须会同商务主管部门"
                f"（{profile.fast_track_commerce_authority}）确认，请填写确认日期。")
    return None
