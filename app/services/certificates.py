"""免办证明 after issue: change once while unused, void only without customs usage (or with
evidence the goods never came in), extend on evidence, write off when every product is
accounted for (seed 002 §4–6, seed 001 steps 6–8, seed 004 §2.3–2.6).

Every rule that depends on customs usage takes the certificate row FOR UPDATE first, and so
does every insert of a usage record: on PostgreSQL a void and a usage arriving together are
serialised, and whichever comes second sees the other."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app import clock, meta, policy
from app.domain.errors import DomainError, RecordInvalid, RuleViolation
from app.enums import (
    SUBJECT_FIELDS,
    CertificateRequestKind,
    CertificateRequestState,
    CertificateState,
    ExemptionClause,
    ProductField,
    UsageKind,
)
from app.extensions import db
from app.models import (
    Application,
    Certificate,
    CertificateChangeItem,
    CertificateRequest,
    CustomsUsage,
    Product,
    UsageRecord,
)
from app.services import records
from app.services.numbering import next_certificate_number


def lock_certificate(certificate_id: int) -> Certificate:
    with db.session.no_autoflush:  # a record being built may point at it already
        cert = db.session.query(Certificate).filter(Certificate.id == certificate_id)\
            .with_for_update().populate_existing().one_or_none()
    if cert is None:
        raise RecordInvalid({"certificate_id": ["免办证明不存在，或不在您的管辖范围内。"]})
    return cert


def usage_declarations(cert: Certificate) -> list[str]:
    return list(db.session.scalars(select(CustomsUsage.declaration_no).where(
        CustomsUsage.certificate_id == cert.id).order_by(CustomsUsage.used_on)))


# --- issue -------------------------------------------------------------------------------

def issue_certificate(application: Application) -> Certificate:
    """The certificate, created in the transaction that marks the application issued."""
    today = clock.today()
    cert = Certificate(
        number=next_certificate_number(application.bureau_id, today), application=application,
        issued_on=today, state=CertificateState.valid,
        supervision_deadline=today + relativedelta(months=policy.profile().supervision_months),
        change_count=0)
    db.session.add(cert)
    return cert


# --- requests (change, void, extend) ------------------------------------------------------

def pending_request(cert: Certificate, kind: CertificateRequestKind | None = None):
    for req in cert.requests:
        if req.state is CertificateRequestState.pending and (kind is None or req.kind is kind):
            return req
    return None


def pending_refusal(cert: Certificate) -> str | None:
    """One request at a time: a second one waits for the first to be decided."""
    other = pending_request(cert)
    if other is not None:
        return f"该证明已有待审核的{other.kind.label}申请，请先审核或驳回。"
    return None


def nothing_pending(kind: CertificateRequestKind):
    """Refusal function for the decision steps of requests of ``kind``."""

    def refusal(cert: Certificate) -> str | None:
        if pending_request(cert, kind) is None:
            return f"该证明没有待审核的{kind.label}申请。"
        return None

    refusal.__name__ = f"no_pending_{kind.name}"
    return refusal


def usage_refusal(cert: Certificate) -> str | None:
    """A change is allowed only while the certificate is unused (no customs usage)."""
    declarations = usage_declarations(cert)
    if declarations:
        return "该证明已有海关调用记录（报关单号：" + "、".join(declarations) + "），不能再变更。"
    return None


def validity_refusal(cert: Certificate, today: dt.date | None = None) -> str | None:
    """A change only 「在有效期内」 (seed 002 §4): up to and including the supervision deadline."""
    today = today or clock.today()
    if cert.supervision_deadline is not None and today > cert.supervision_deadline:
        return (f"证明已超过监管期限（{cert.supervision_deadline:%Y-%m-%d}），不在有效期内，不能变更"
                "（长三角CCC免办联动机制工作指引第4条：在有效期内尚未使用的证明方可变更）。")
    return None


def changed_once_refusal(cert: Certificate) -> str | None:
    """「证明仅允许修改一次」 (seed 004 §2.3), counted by ``change_count``."""
    if (cert.change_count or 0) >= 1:
        return "免办证明仅允许变更一次，该证明已经变更过。"
    return None


CHANGEABLE = {ProductField.name, ProductField.manufacturer, ProductField.model,
              ProductField.brand, ProductField.quantity, ProductField.weight_kg,
              ProductField.amount}


def _parse_value(field: ProductField, raw):
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise RecordInvalid({"items": [f"{field.label}的新值不能为空。"]})
    if field is ProductField.quantity:
        try:
            value = int(text)
        except ValueError:
            raise RecordInvalid({"items": ["数量应为正整数。"]}) from None
        if value <= 0:
            raise RecordInvalid({"items": ["数量必须大于0。"]})
        return value
    if field in (ProductField.weight_kg, ProductField.amount):
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise RecordInvalid({"items": [f"{field.label}应为数字。"]}) from None
        if not value.is_finite() or value <= 0:
            raise RecordInvalid({"items": [f"{field.label}必须大于0。"]})
        return value
    return text


def build_change_items(cert: Certificate, items: list[dict]) -> list[CertificateChangeItem]:
    """``items``: [{"product_id", "field", "after"}] -> change items with their before value;
    a 主体信息 field (``SUBJECT_FIELDS``, seed 004 §2.3) names no product. Items that do not
    change anything are dropped; nothing left is an error."""
    if not isinstance(items, list) or not items:
        raise RecordInvalid({"items": ["请填写要变更的产品信息（产品名称、制造商、型号规格、商标、数/重量、金额）"
                                       "或主体信息（申请单位所在地、产品最终使用地、提运单号、进口合同号、发票号）。"]})
    application = cert.application
    products = {p.id: p for p in application.products}
    result = []
    for raw in items:
        if not isinstance(raw, dict):
            raise RecordInvalid({"items": ["变更内容格式不正确。"]})
        field = ProductField.__members__.get(str(raw.get("field")))
        if field is None:
            raise RecordInvalid({"items": ["可变更的项目为：" + "、".join(
                f.label for f in ProductField) + "。"]})
        if field in SUBJECT_FIELDS:
            product, owner = None, application
        else:
            product = products.get(raw.get("product_id"))
            if product is None:
                raise RecordInvalid({"items": ["变更的产品不属于该证明。"]})
            owner = product
        value = _parse_value(field, raw.get("after"))
        before = getattr(owner, field.name)
        if before == value or str(before) == str(value):
            continue
        result.append(CertificateChangeItem(
            product=product, field=field, before=None if before is None else str(before),
            after=str(value)))
    if not result:
        raise RecordInvalid({"items": ["变更内容与证明现有信息相同，没有需要变更的项目。"]})
    return result


def apply_change(req: CertificateRequest) -> None:
    for item in req.items:
        owner = item.product if item.product is not None else req.certificate.application
        setattr(owner, item.field.name, _parse_value(item.field, item.after))


def void_refusal(cert: Certificate) -> str | None:
    """Void only without customs usage, or with evidence that the goods were not actually
    imported (seed 002 §5)."""
    req = pending_request(cert, CertificateRequestKind.void)
    declarations = usage_declarations(cert)
    if req is None or not declarations:
        return None
    if req.not_imported and req.evidence:
        return None
    return ("该证明已有海关调用记录（报关单号：" + "、".join(declarations)
            + "），且未提供产品未实际进口的证据材料，不能作废。")


def void_usage_caution(cert: Certificate) -> str | None:
    """Filing a void on a certificate with customs usage: say, before and after filing, what
    evidence the reviewer will need (seed 002 §5) — until the request has it."""
    declarations = usage_declarations(cert)
    if not declarations:
        return None
    req = pending_request(cert, CertificateRequestKind.void)
    if req is not None and req.not_imported and req.evidence:
        return None
    return ("注意：该证明已有海关调用记录（报关单号：" + "、".join(declarations) + "）。"
            "作废须有产品未实际进口的证据材料（如报关单撤销或删单证明、退运证明、货物仍在"
            "境外的证明等）：请勾选“有证据证明产品未实际进口”，并在作废申请中上传证据材料，"
            "否则复审人员不能批准作废。")


def refuse_unconfirmed_void(cert: Certificate, confirm_not_imported: bool) -> None:
    """With customs usage, the reviewer confirms the evidence shows the goods never came in."""
    declarations = usage_declarations(cert)
    if declarations and not confirm_not_imported:
        raise RuleViolation("该证明已有海关调用记录（报关单号：" + "、".join(declarations)
                            + "）：审核人须确认证据表明产品未实际进口，方可作废。")


def request_to_decide(cert: Certificate, kind: CertificateRequestKind,
                      request_id: int | None = None) -> CertificateRequest | None:
    """The pending request of ``kind`` a decision is about. When the decider named one
    (the batch, a request's own page, an API client), only that one: a request decided by
    someone else meanwhile, and another filed since, is never decided in its place."""
    req = pending_request(cert, kind)
    if request_id is not None and (req is None or req.id != request_id):
        raise RuleViolation("该证明申请已不是待审核状态（可能已由他人处理），请刷新后重试。")
    return req


def batch_approval_refusal(req: CertificateRequest) -> str | None:
    """Why a request is not approved together with others (the request list's 批量批准):
    it is not pending, or its approval needs what the reviewer gives for this record only
    — a 延期's 核查结论, a 作废's confirmation that the goods never came in when the
    certificate has customs usage. Those are approved on the request's own page."""
    if req.state is not CertificateRequestState.pending:
        return f"申请状态为“{req.state.label}”，不是待审核的申请。"
    if req.kind is CertificateRequestKind.extend:
        return "批准延期须填写核查结论，请在该申请页面逐项批准。"
    if req.kind is CertificateRequestKind.void and usage_declarations(req.certificate):
        return ("该证明已有海关调用记录，批准作废须核对证据并确认产品未实际进口，"
                "请在该申请页面逐项批准。")
    return None


def refuse_extension_request(cert: Certificate, new_deadline: dt.date | None) -> None:
    if new_deadline is None:
        raise RecordInvalid({"new_deadline": ["请填写申请延期至的日期。"]})
    if new_deadline <= cert.supervision_deadline:
        raise RecordInvalid({"new_deadline": [
            f"延期后的监管期限应晚于现监管期限（{cert.supervision_deadline:%Y-%m-%d}）。"]})


def extension_evidence_refusal(cert: Certificate) -> str | None:
    """Extension only on evidence (video, photos) or an on-site check (seed 002 §6)."""
    req = pending_request(cert, CertificateRequestKind.extend)
    if req is not None and not req.evidence and not (req.onsite_check_record or "").strip():
        return "延期须有证明材料（视频、照片等）或现场核查记录，目前两者均无，不能批准。"
    return None


# --- customs usage -----------------------------------------------------------------------

def record_customs_usage(usage: CustomsUsage) -> CustomsUsage:
    """Add a customs usage record: the certificate is locked first, and a voided one refuses
    it (the other half of the void rule)."""
    cert = lock_certificate(usage.certificate_id or usage.certificate.id)
    refusal = customs_usage_refusal(cert, usage.used_on)
    if refusal:
        raise refusal
    excess = quantity_refusal(cert, usage.quantity)
    if excess:
        raise RecordInvalid({"quantity": [excess]})
    usage.certificate = cert
    db.session.add(usage)
    return usage


def customs_usage_refusal(cert: Certificate, used_on: dt.date | None) -> DomainError | None:
    """What refuses a customs usage of ``cert``: a voided certificate (the other half of the
    void rule), or a date before the certificate was issued or after today (Beijing) — a
    declaration is used when the goods come in, never ahead. One rule for the console form,
    the API and the customs import."""
    if cert.state is CertificateState.voided:
        return RuleViolation(f"免办证明{cert.number}已作废，不能再登记海关调用记录。")
    if used_on is not None and used_on < cert.issued_on:
        return RecordInvalid({"used_on": [
            f"调用日期早于证明签发日期（{cert.issued_on:%Y-%m-%d}）。"]})
    today = clock.today()
    if used_on is not None and used_on > today:
        return RecordInvalid({"used_on": [f"调用日期不能晚于今天（{today:%Y-%m-%d}）。"]})
    return None


def certificate_quantity(cert: Certificate) -> int:
    """The quantity the certificate covers: its products' quantities added up."""
    return sum(p.quantity or 0 for p in cert.application.products)


def customs_used_quantity(cert: Certificate) -> int:
    """The quantity customs declarations have already used under the certificate."""
    return int(db.session.scalar(select(func.coalesce(func.sum(CustomsUsage.quantity), 0))
                                 .where(CustomsUsage.certificate_id == cert.id)) or 0)


def quantity_refusal(cert: Certificate, quantity: int | None, earlier: int = 0) -> str | None:
    """A declaration may not use more than the certificate has left (issue 14: 999 units
    against a 10-unit certificate must not go in silently). ``earlier``: what rows before
    this one in the same import already use."""
    if quantity is None:
        return None
    total = certificate_quantity(cert)
    used = customs_used_quantity(cert) + earlier
    left = max(total - used, 0)
    if quantity > left:
        return (f"数量{quantity}超过免办证明{cert.number}的剩余数量{left}"
                f"（证明数量{total}，已调用{used}）。")
    return None


@records.on_save(CustomsUsage)
def _record_customs_usage(usage: CustomsUsage) -> None:
    record_customs_usage(usage)


# --- usage records and write-off -----------------------------------------------------------

def accounted_quantity(product: Product, excluding: UsageRecord | None = None) -> int:
    query = select(func.coalesce(func.sum(UsageRecord.quantity), 0)).where(
        UsageRecord.product_id == product.id)
    if excluding is not None and excluding.id is not None:
        query = query.where(UsageRecord.id != excluding.id)
    return db.session.scalar(query) or 0


def record_usage(record: UsageRecord) -> UsageRecord:
    """Add or correct a 使用/退运/销毁 record; the total can never exceed the imported
    quantity. When every product is accounted for, the certificate is written off."""
    product = db.session.get(Product, record.product_id) if record.product is None \
        else record.product
    cert = product.application.certificate
    if cert is None:
        raise RuleViolation("该产品所属申请尚未发证，不能登记使用记录。")
    cert = lock_certificate(cert.id)
    if cert.state is CertificateState.voided:
        raise RuleViolation(f"免办证明{cert.number}已作废，不能登记使用记录。")
    if cert.state is CertificateState.written_off and record.id is None:
        raise RuleViolation(f"免办证明{cert.number}已核销，不能再登记使用记录。")
    if cert.state is CertificateState.write_off_pending and record.id is None:
        raise RuleViolation(f"免办证明{cert.number}核销待审，不能再登记使用记录；"
                            "审核退回补正后方可补登。")
    refusal = usage_date_refusal(cert, record.used_on)
    if refusal:
        raise RecordInvalid({"used_on": [refusal]})
    refusal = export_declaration_refusal(cert, record)
    if refusal:
        raise RecordInvalid({"export_declaration_no": [refusal]})
    used = accounted_quantity(product, excluding=record)
    if used + (record.quantity or 0) > product.quantity:
        raise RecordInvalid({"quantity": [
            f"超过进口数量：{product.name}进口{product.quantity}{product.unit}，"
            f"已登记{used}{product.unit}，本次最多{product.quantity - used}{product.unit}。"]})
    db.session.add(record)
    return record


def usage_date_refusal(cert: Certificate, used_on: dt.date | None,
                       today: dt.date | None = None) -> str | None:
    """A usage (使用/退运/销毁) is never dated before the certificate's issue nor in the future:
    one rule for the console form, the API and any import."""
    if used_on is None:
        return None
    today = today or clock.today()
    if used_on < cert.issued_on:
        return f"日期早于证明签发日期（{cert.issued_on:%Y-%m-%d}）。"
    if used_on > today:
        return f"日期不能晚于今天（{today:%Y-%m-%d}）。"
    return None


def export_declaration_refusal(cert: Certificate, record: UsageRecord) -> str | None:
    """退运 keeps the 《出口报关单》 (seed 001 materials table); under 条款5 the finished goods'
    《出口报关单》 proves the parts left in whole machines."""
    if (record.export_declaration_no or "").strip():
        return None
    if record.kind is UsageKind.returned:
        return "退运须填写《出口报关单》号（并上传报关单文件）。"
    if record.kind is UsageKind.use and cert.application.clause is ExemptionClause.export_parts:
        return "条款5（以整机全数出口为目的进口的零部件）的使用记录须填写整机出口的《出口报关单》号。"
    return None


@records.on_save(UsageRecord, creating=True, updating=True)
def _record_usage(record: UsageRecord) -> None:
    record_usage(record)


def certificate_of(record: UsageRecord) -> Certificate | None:
    product = record.product or db.session.get(Product, record.product_id)
    return product.application.certificate if product is not None else None


def unaccounted_refusal(cert: Certificate) -> str | None:
    """Write-off comes when every product's quantity is accounted for (使用/退运/销毁)."""
    for product in cert.application.products:
        used = accounted_quantity(product)
        if used < product.quantity:
            return (f"{product.name}进口{product.quantity}{product.unit}，"
                    f"已登记{used}{product.unit}，尚未全部核销。")
    return None


@meta.derived(Certificate, "applicant_name", "申请单位")
def applicant_name(cert: Certificate) -> str:
    """The unit the certificate was issued to (its application's 申请单位)."""
    application = cert.application
    return application.enterprise.name if application is not None and application.enterprise \
        else ""
