"""Write-off review (seed 002 §13, seed 001 流程6–7): when every product of a certificate is
accounted for it waits for the authority's review (核销待审); the reviewer checks that the
records are complete, consistent with the certificate, the use unchanged and the materials
logical, and writes it off (已核销) or returns it for 补正. Each clause has its follow-up
evidence; records are kept 24 months (``policy.RECORD_RETENTION_MONTHS``, seed 001 流程7) from the
write-off."""
from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

from app import clock, meta, policy
from app.domain.errors import RecordInvalid
from app.enums import (
    WRITE_OFF_CHECKS,
    CertificateState,
    ExemptionClause,
    UsageKind,
    WriteOffDecision,
)
from app.extensions import db
from app.models import Certificate, UsageRecord, WriteOffReview
from app.scope import signature_of


@meta.derived(Certificate, "retention_until", "保存期限")
def retention_until(cert: Certificate) -> dt.date | None:
    """The last day the application, usage records and evidence must be kept: 24 months from
    the write-off (seed 001 流程7 "以所涉产品依法依规核销完毕之日起算")."""
    if cert.state is not CertificateState.written_off or cert.written_off_on is None:
        return None
    return cert.written_off_on + relativedelta(months=policy.RECORD_RETENTION_MONTHS)


def usage_records(cert: Certificate) -> list[UsageRecord]:
    ids = [p.id for p in cert.application.products]
    if not ids:
        return []
    return list(db.session.query(UsageRecord).filter(UsageRecord.product_id.in_(ids))
                .order_by(UsageRecord.used_on, UsageRecord.id))


def _is_picture_or_video(evidence) -> bool:
    kind = (evidence.content_type or "").lower()
    return kind.startswith("image/") or kind.startswith("video/")


def missing_follow_up(cert: Certificate) -> list[str]:
    """What each usage record still lacks of its clause's follow-up evidence (seed 001 materials
    table 「所涉产品后续管理要求」 and 流程6): 销毁 — destruction proof (photos or video); 退运 —
    the 《出口报关单》 number and file; a 使用 record under 条款2 — the end user's confirmation
    (e.g. the signed repair record), under 条款3 — the written proof of use with photos or
    videos (「须提供被使用的文字证明材料及照片、视频等佐证材料」), under 条款5 — the finished goods'
    《出口报关单》 number and file. Under 条款1 and 条款4 the seed asks proof of 销毁 and 退运
    only, so their 使用 records need none (nor under 条款6, which the seed's table does not
    list)."""
    clause = cert.application.clause
    missing = []
    for record in usage_records(cert):
        what = f"{record.product.name}{record.kind.label}{record.quantity}{record.product.unit}" \
               f"（{record.used_on:%Y-%m-%d}）"
        files = list(record.evidence)
        if record.kind is UsageKind.destroyed and not any(map(_is_picture_or_video, files)):
            missing.append(f"{what}缺少销毁处理证明材料（视频、照片）")
        elif record.kind is UsageKind.returned:
            if not record.export_declaration_no:
                missing.append(f"{what}缺少《出口报关单》号")
            if not files:
                missing.append(f"{what}缺少《出口报关单》文件")
        elif record.kind is UsageKind.use and clause is ExemptionClause.repair and not files:
            missing.append(f"{what}缺少最终用户确认的维修记录等证明文件")
        elif record.kind is UsageKind.use and clause is ExemptionClause.production_line \
                and not files:
            missing.append(f"{what}缺少被使用的文字证明材料及照片、视频等佐证材料")
        elif record.kind is UsageKind.use and clause is ExemptionClause.export_parts:
            if not record.export_declaration_no:
                missing.append(f"{what}缺少整机出口的《出口报关单》号")
            if not files:
                missing.append(f"{what}缺少整机出口的《出口报关单》文件")
    return missing


def follow_up_refusal(cert: Certificate) -> str | None:
    """Write-off only on complete follow-up evidence."""
    missing = missing_follow_up(cert)
    if missing:
        return "后续处理证明材料不全，不能核销：" + "；".join(missing) + "。请退回补正。"
    return None


@meta.derived(Certificate, "follow_up_status", "后续处理材料")
def follow_up_status(cert: Certificate) -> str:
    if cert.state not in (CertificateState.write_off_pending, CertificateState.write_off_returned):
        return ""
    missing = missing_follow_up(cert)
    return "齐全" if not missing else "缺：" + "；".join(missing)


def _checks(values: dict) -> dict[str, bool]:
    return {name: bool(values.get(name)) for name, _text in WRITE_OFF_CHECKS}


def refuse_incomplete_approval(values: dict) -> None:
    """核销通过 needs every check ✓."""
    unchecked = {name: [f"核销通过须确认“{text}”；不符合的请退回补正。"]
                 for name, text in WRITE_OFF_CHECKS if not values.get(name)}
    if unchecked:
        raise RecordInvalid(unchecked)


def refuse_unfounded_return(values: dict) -> None:
    """退回补正 says which check failed (at least one ✗) and why."""
    if not (values.get("remarks") or "").strip():
        raise RecordInvalid({"remarks": ["请填写退回补正的原因。"]})
    if all(values.get(name) for name, _text in WRITE_OFF_CHECKS):
        raise RecordInvalid({"complete": ["退回补正须至少有一项审核要点不符合（取消勾选）。"]})


def record_review(cert: Certificate, actor, decision: WriteOffDecision, values: dict) -> None:
    review = WriteOffReview(certificate=cert, decision=decision, remarks=values.get("remarks"),
                            decided_at=clock.now(), decided_by=signature_of(actor),
                            **_checks(values))
    db.session.add(review)
    if decision is WriteOffDecision.approved:
        cert.written_off_on = clock.today()
