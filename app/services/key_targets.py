"""重点检查对象 (seed 001 step 8): certificates the supervisors look at first — no usage
record 12 months after issue; a single batch of large quantity or amount; an enterprise
with many batches within 12 months."""
from __future__ import annotations

import dataclasses
import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app import clock, policy
from app.enums import CERTIFICATE_IN_FORCE
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
    return ("依据《免予办理强制性产品认证证明办事指南》：单批次数量较多（≥"
            f"{profile.key_target_single_batch_quantity}）或金额较大（≥"
            f"{profile.key_target_single_batch_amount_cny:,}元）、"
            f"{profile.key_target_batch_window_months}个月内批次较多（≥"
            f"{profile.key_target_batches_in_window}批），以及签发超过"
            f"{profile.key_target_no_usage_months}个月未填写使用记录的，列为重点检查对象。")


def key_targets(user="current", today: dt.date | None = None) -> list[KeyTarget]:
    profile = policy.profile()
    today = today or clock.today()
    scope = bureau_scope(user)
    in_scope = scope_clause(Certificate, scope)
    reasons: dict[int, list[str]] = {}

    no_usage_since = today - relativedelta(months=profile.key_target_no_usage_months)
    no_usage = select(Certificate.id).where(
        in_scope, Certificate.state.in_(CERTIFICATE_IN_FORCE),
        Certificate.issued_on <= no_usage_since,
        ~exists().where(UsageRecord.product_id == Product.id,
                        Product.application_id == Certificate.application_id))
    for (cid,) in db.session.execute(no_usage):
        reasons.setdefault(cid, []).append(
            f"签发超过{profile.key_target_no_usage_months}个月未填写使用记录")

    large = select(Certificate.id).where(in_scope, exists().where(
        Product.application_id == Certificate.application_id,
        or_(Product.quantity >= profile.key_target_single_batch_quantity,
            _amount_in_cny() >= profile.key_target_single_batch_amount_cny)))
    for (cid,) in db.session.execute(large):
        reasons.setdefault(cid, []).append(
            f"单批次数量≥{profile.key_target_single_batch_quantity}或金额≥"
            f"{profile.key_target_single_batch_amount_cny // 10000}万元")

    window = profile.key_target_batch_window_months
    window_start = today - relativedelta(months=window)
    frequent = select(Application.enterprise_id).join(Certificate).where(
        in_scope, Certificate.issued_on >= window_start).group_by(Application.enterprise_id)\
        .having(func.count(Certificate.id) >= profile.key_target_batches_in_window)
    many = select(Certificate.id).join(Application).where(
        in_scope, Certificate.issued_on >= window_start,
        Application.enterprise_id.in_(frequent))
    for (cid,) in db.session.execute(many):
        reasons.setdefault(cid, []).append(
            f"同一单位{window}个月内免办批次≥{profile.key_target_batches_in_window}")

    certificates = {c.id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.id.in_(reasons)).options(
            joinedload(Certificate.application).joinedload(Application.enterprise),
            joinedload(Certificate.application).joinedload(Application.bureau)))} \
        if reasons else {}
    return [KeyTarget(certificates[cid], why) for cid, why in
            sorted(reasons.items(), key=lambda kv: certificates[kv[0]].issued_on)]
