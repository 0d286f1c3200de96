"""重点检查对象 (seed 001 流程8): certificates the supervisors look at first — a batch (one
certificate) of large total quantity or amount; an enterprise with many batches AND a large
cumulative quantity within 12 months; no usage record more than 12 months after issue (from
the day after the anniversary). Thresholds: the province profile (``app/profiles``)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app import clock, policy
from app.enums import CERTIFICATE_IN_FORCE, CertificateState
from app.extensions import db
from app.models import Application, Certificate, Product, UsageRecord
from app.scope import bureau_scope, scope_clause


@dataclasses.dataclass
class KeyTarget:
    certificate: Certificate
    reasons: list[str]


def _amount_in_cny():
    rates = policy.INDICATIVE_CNY_RATES
    return Product.amount * case(
        *[(Product.currency == code, rate) for code, rate in rates.items()], else_=1.0)


def key_target_rules() -> str:
    """The rules as the board states them, with this province's thresholds."""
    profile = policy.profile()
    return ("依据《免予办理强制性产品认证证明办事指南》流程8：单批次（一张证明）免办进口产品数量合计≥"
            f"{profile.key_target_single_batch_quantity}或金额合计≥"
            f"{profile.key_target_single_batch_amount_cny:,}元的；"
            f"{policy.KEY_TARGET_BATCH_WINDOW_MONTHS}个月内免办批次≥"
            f"{profile.key_target_batches_in_window}批且累计数量≥"
            f"{profile.key_target_cumulative_quantity}的，列为重点检查对象；签发之日起超过"
            f"{policy.KEY_TARGET_NO_USAGE_MONTHS}个月（周年日的次日起）未填写使用记录的，"
            "以及登记的线索（系统随机抽查不合格、企业无法正常联系、变更产品最终使用地、"
            "违法违规线索或举报投诉），进行现场检查。")


def _batch_quantity():
    """A certificate's total quantity (the batch, seed 001 流程8 "单批次…数量较多")."""
    return select(func.coalesce(func.sum(Product.quantity), 0)).where(
        Product.application_id == Certificate.application_id).scalar_subquery()


def _batch_amount_cny():
    return select(func.coalesce(func.sum(_amount_in_cny()), 0)).where(
        Product.application_id == Certificate.application_id).scalar_subquery()


def key_targets(user="current", today: dt.date | None = None) -> list[KeyTarget]:
    profile = policy.profile()
    today = today or clock.today()
    scope = bureau_scope(user)
    in_scope = scope_clause(Certificate, scope)
    reasons: dict[int, list[str]] = {}

    # 「超过12个月」: from the day after the anniversary of the issue (the anniversary itself
    # is still within 12 months); relativedelta keeps 29 February's anniversary on 28 February
    months = policy.KEY_TARGET_NO_USAGE_MONTHS
    no_usage_since = today - relativedelta(months=months)
    no_usage = select(Certificate.id).where(
        in_scope, Certificate.state.in_(CERTIFICATE_IN_FORCE),
        Certificate.issued_on < no_usage_since,
        ~exists().where(UsageRecord.product_id == Product.id,
                        Product.application_id == Certificate.application_id))
    for (cid,) in db.session.execute(no_usage):
        reasons.setdefault(cid, []).append(f"签发超过{months}个月未填写使用记录")

    large = select(Certificate.id).where(
        in_scope, Certificate.state != CertificateState.voided,
        or_(_batch_quantity() >= profile.key_target_single_batch_quantity,
            _batch_amount_cny() >= profile.key_target_single_batch_amount_cny))
    for (cid,) in db.session.execute(large):
        reasons.setdefault(cid, []).append(
            f"单批次数量合计≥{profile.key_target_single_batch_quantity}或金额合计≥"
            f"{profile.key_target_single_batch_amount_cny // 10000}万元")

    # 「在12个月内免办进口产品批次较多，累计数量较大」: many batches AND a large cumulative
    # quantity, over the certificates issued in the window (its first day included)
    window = policy.KEY_TARGET_BATCH_WINDOW_MONTHS
    window_start = today - relativedelta(months=window)
    recent = and_(in_scope, Certificate.issued_on >= window_start, Certificate.issued_on <= today,
                  Certificate.state != CertificateState.voided)
    batches = select(Application.enterprise_id, func.count(Certificate.id).label("n")) \
        .join(Certificate).where(recent).group_by(Application.enterprise_id).subquery()
    quantities = select(Application.enterprise_id, func.sum(Product.quantity).label("q")) \
        .join(Certificate, Certificate.application_id == Application.id) \
        .join(Product, Product.application_id == Application.id).where(recent) \
        .group_by(Application.enterprise_id).subquery()
    frequent = select(batches.c.enterprise_id).join(
        quantities, quantities.c.enterprise_id == batches.c.enterprise_id).where(
        batches.c.n >= profile.key_target_batches_in_window,
        quantities.c.q >= profile.key_target_cumulative_quantity)
    many = select(Certificate.id).join(Application).where(
        recent, Application.enterprise_id.in_(frequent))
    for (cid,) in db.session.execute(many):
        reasons.setdefault(cid, []).append(
            f"同一单位{window}个月内免办批次≥{profile.key_target_batches_in_window}且累计数量≥"
            f"{profile.key_target_cumulative_quantity}")

    certificates = {c.id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.id.in_(reasons)).options(
            joinedload(Certificate.application).joinedload(Application.enterprise),
            joinedload(Certificate.application).joinedload(Application.bureau)))} \
        if reasons else {}
    return [KeyTarget(certificates[cid], why) for cid, why in
            sorted(reasons.items(), key=lambda kv: certificates[kv[0]].issued_on)]
