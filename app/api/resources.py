"""REST resources of DESIGN §5. Field names are the stable outside interface."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow import fields, validate

from app.api.base import DomainModelApi
from app.datamodel import DomainInterface
from app.domain.errors import DomainError, RuleViolation
from app.models import (
    AccountChangeRequest,
    AnnualAccountReport,
    Application,
    Bureau,
    Certificate,
    CustomsUsage,
    Enterprise,
    AttachmentKind,
    FastTrackChange,
    FastTrackGrant,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
    UsageRecord,
)
from app.extensions import db
from app.security_model import DISTRICT_OFFICERS, DISTRICT_WRITES, FILERS, READ_ALL
from app.services import customs_import
from app.services.account_filings import file_together
from app.workflows.account_change import AccountChangeWorkflow
from app.workflows.annual_report import AnnualReportWorkflow
from app.workflows.application import ApplicationWorkflow
from app.workflows.certificate import CertificateWorkflow
from app.workflows.fast_track import (
    FastTrackChangeWorkflow,
    FastTrackWorkflow,
    refuse_if_banned,
)


class BureauApi(DomainModelApi):
    resource_name = "bureau"
    model = Bureau
    access = READ_ALL
    list_columns = show_columns = ["id", "name", "short_name", "division_code", "level",
                                   "parent_id"]
    add_columns = edit_columns = ["name", "short_name", "division_code", "level", "parent_id"]
    order_columns = ["id", "name", "division_code", "level"]
    search_columns = ["name", "division_code", "level", "parent_id"]


class EnterpriseApi(DomainModelApi):
    resource_name = "enterprise"
    model = Enterprise
    access = DISTRICT_WRITES
    list_columns = ["id", "name", "uscc", "bureau_id", "credit_standing", "economic_nature"]
    show_columns = ["id", "name", "uscc", "bureau_id", "credit_standing", "registered_address",
                    "business_address", "business_categories", "economic_nature",
                    "legal_representative", "legal_representative_phone", "department_head",
                    "department_head_phone", "handler", "handler_phone", "system_account",
                    "operates_in_province", "traceability_system", "created_at", "updated_at"]
    add_columns = edit_columns = [c for c in show_columns
                                  if c not in ("id", "created_at", "updated_at")]
    order_columns = ["id", "name", "uscc", "bureau_id", "credit_standing"]
    search_columns = ["name", "uscc", "bureau_id", "credit_standing", "economic_nature"]


def _fast_track_lines(owner) -> list[dict]:
    return [{"id": line.id, "period": line.period.name, "ccc_code": line.ccc_code,
             "purpose": line.purpose, "annual_batches": line.annual_batches,
             "entry_port": line.entry_port, "handling": line.handling} for line in owner.lines]


def _attachments(grant) -> list[dict]:
    return [{"id": f.id, "kind": f.kind.name, "name": f.original_name, "url": f"/files/{f.id}"}
            for f in grant.attachments]


class FastTrackApi(DomainModelApi):
    resource_name = "fasttrack"
    model = FastTrackGrant
    access = DISTRICT_WRITES
    workflow = FastTrackWorkflow
    list_columns = ["id", "enterprise_id", "state", "valid_from", "valid_to", "applied_on"]
    show_columns = ["id", "enterprise_id", "state", "valid_from", "valid_to", "days_left",
                    "applied_on", "clauses", "self_commitment", "eligibility", "lines",
                    "attachments", "district_recommendation", "district_opinion",
                    "onsite_checked_on", "onsite_check_record", "provincial_opinion",
                    "fast_track_account", "sanction_reason", "sanction_inspection_id",
                    "sanctioned_on", "sanction_remarks", "renewals", "remarks"]
    add_columns = ["enterprise_id", "applied_on", "clauses", "self_commitment", "remarks"]
    edit_columns = add_columns
    order_columns = ["id", "enterprise_id", "state", "valid_to", "applied_on"]
    search_columns = ["enterprise_id", "state", "valid_to"]
    api_fields = {"days_left": fields.String(dump_only=True),
                  "eligibility": fields.Raw(dump_only=True),
                  "lines": fields.Function(_fast_track_lines, dump_only=True),
                  "attachments": fields.Function(_attachments, dump_only=True),
                  "renewals": fields.Function(lambda grant: [
                      {"id": r.id, "state": r.state.name,
                       "old_valid_to": r.old_valid_to.isoformat(),
                       "new_valid_to": r.new_valid_to.isoformat() if r.new_valid_to else None}
                      for r in grant.renewals], dump_only=True)}
    extra_roles = {"can_attachment": FILERS}

    def post_headless(self):
        """A banned unit is refused first, before its application is even read — once the
        unit is known to be the user's (another district's sanction is not theirs to see)."""
        data = request.get_json(silent=True)
        enterprise_id = data.get("enterprise_id") if isinstance(data, dict) else None
        if isinstance(enterprise_id, int) \
                and DomainInterface(Enterprise).get(enterprise_id) is not None:
            try:
                refuse_if_banned(enterprise_id)
            except RuleViolation as exc:
                return self.domain_error_response(exc)
        return super().post_headless()

    @expose("/<int:pk>/attachment", methods=["POST"])
    @protect()
    @safe
    @permission_name("attachment")
    def attachment(self, pk: int):
        """Attach the application's 基本情况说明 or 主体资格证明 (multipart ``file`` and
        ``kind``: basic_description | subject_qualification), before submission.
        ---
        post:
          responses:
            201:
              description: files stored
            409:
              description: the application was already submitted
            422:
              description: no file, or an unknown kind
        """
        kinds = FastTrackGrant.evidence_kinds
        kind = AttachmentKind.__members__.get(request.form.get("kind", ""))
        if kind not in kinds:
            return self.response(422, message={"kind": [
                "请选择材料类型：" + "、".join(f"{k.name}（{k.label}）" for k in kinds) + "。"]})
        grant = self.datamodel.get(pk)
        return _evidence_upload(self, grant, grant, kind=kind)


class FastTrackLineApi(DomainModelApi):
    """Rows of an application's product lists, or of a product-list adjustment."""

    resource_name = "fasttrack_line"
    model = FastTrackProductLine
    access = DISTRICT_WRITES
    list_columns = show_columns = ["id", "grant_id", "change_id", "period", "ccc_code",
                                   "purpose", "annual_batches", "entry_port", "handling"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    order_columns = ["id", "grant_id", "change_id", "period"]
    search_columns = ["grant_id", "change_id", "period", "ccc_code"]


class FastTrackChangeApi(DomainModelApi):
    resource_name = "fasttrack_change"
    model = FastTrackChange
    access = DISTRICT_WRITES
    workflow = FastTrackChangeWorkflow
    list_columns = ["id", "grant_id", "kind", "state", "submitted_at", "decided_at"]
    show_columns = ["id", "grant_id", "kind", "state", "description", "new_name",
                    "new_registered_address", "new_business_address",
                    "new_legal_representative", "district_opinion", "submitted_at",
                    "decided_at", "decided_by", "decision_remarks", "forwarded_at"]
    add_columns = edit_columns = ["grant_id", "kind", "description", "new_name",
                                  "new_registered_address", "new_business_address",
                                  "new_legal_representative"]
    order_columns = ["id", "grant_id", "kind", "state"]
    search_columns = ["grant_id", "kind", "state"]


class AccountApi(DomainModelApi):
    resource_name = "account"
    model = ReviewerAccount
    access = READ_ALL
    base_permissions = ["can_get", "can_info", "can_post", "can_put"]
    list_columns = show_columns = ["id", "bureau_id", "holder_name", "department", "position",
                                   "section_chief_or_above", "account_name", "functions",
                                   "phone", "status", "opened_on", "closed_on", "remarks"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    order_columns = ["id", "bureau_id", "holder_name", "account_name", "status"]
    search_columns = ["bureau_id", "holder_name", "account_name", "status",
                      "section_chief_or_above"]


class AccountChangeApi(DomainModelApi):
    resource_name = "account_change"
    model = AccountChangeRequest
    access = DISTRICT_WRITES
    workflow = AccountChangeWorkflow
    list_columns = show_columns = [
        "id", "bureau_id", "kind", "account_id", "account_name", "functions_before",
        "functions_after", "holder_name", "department", "position", "section_chief_or_above",
        "phone", "letter_ref", "district_contact", "remarks", "staffing_changed_on", "state",
        "submitted_at", "approved_at", "return_reason", "forwarded_at", "effective_at",
        "filing_id", "report_status", "forward_status"]
    add_columns = edit_columns = [
        "bureau_id", "kind", "account_id", "account_name", "functions_before",
        "functions_after", "holder_name", "department", "position", "section_chief_or_above",
        "phone", "letter_ref", "district_contact", "remarks", "staffing_changed_on"]
    order_columns = ["id", "bureau_id", "kind", "state", "staffing_changed_on"]
    api_fields = {"report_status": fields.String(dump_only=True),
                  "forward_status": fields.String(dump_only=True)}
    search_columns = ["bureau_id", "kind", "state", "account_id"]
    extra_roles = {"can_file_together": FILERS}

    @expose("/file_together", methods=["POST"])
    @protect()
    @safe
    @permission_name("file_together")
    def file_together(self):
        """Put requests of one district into one filing (one 账号调整需求信息报表, downloaded
        at ``/reports/account_change/<filing_id>``). JSON body: ``{"ids": [...]}``.
        ---
        post:
          responses:
            201:
              description: the filing (its id is ``filing_id``)
            409:
              description: a request is in another filing, effective, or of another bureau
        """
        ids = self.request_json().get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
            return self.response(422, message={"ids": ["请以编号列表提供要合并的调整需求，如 {\"ids\": [1, 2]}。"]})
        items = [self.datamodel.get(pk) for pk in ids]
        if any(item is None for item in items):
            return self.response_404()
        try:
            filing = file_together(items, g.user)
        except DomainError as exc:
            db.session.rollback()
            return self.domain_error_response(exc)
        return self.response(201, filing_id=filing.id, title=filing.title,
                             request_ids=[r.id for r in filing.requests])


def _report_lines(report: AnnualAccountReport) -> list[dict]:
    return [{"seq": line.seq, "bureau_name": line.bureau_name,
             "holder_name": line.holder_name, "department_position": line.department_position,
             "account_name": line.account_name, "functions": line.functions,
             "phone": line.phone, "remarks": line.remarks} for line in report.lines]


class AnnualReportApi(DomainModelApi):
    resource_name = "annual_report"
    model = AnnualAccountReport
    access = DISTRICT_WRITES
    workflow = AnnualReportWorkflow
    list_columns = ["id", "bureau_id", "year", "state", "filer_name", "filed_on"]
    show_columns = ["id", "bureau_id", "year", "state", "filer_name", "filer_department",
                    "filed_on", "submitted_at", "confirmed_at", "return_reason", "due_status",
                    "lines"]
    add_columns = ["bureau_id", "year", "filer_name", "filer_department"]
    edit_columns = ["filer_name", "filer_department"]
    order_columns = ["id", "bureau_id", "year", "state"]
    search_columns = ["bureau_id", "year", "state"]
    api_fields = {"lines": fields.Function(_report_lines, dump_only=True),
                  "due_status": fields.String(dump_only=True)}


class ApplicationApi(DomainModelApi):
    resource_name = "application"
    model = Application
    access = DISTRICT_WRITES
    workflow = ApplicationWorkflow
    list_columns = ["id", "number", "enterprise_id", "clause", "state", "bureau_id",
                    "submitted_at", "approve_due", "return_due", "deadline_status"]
    show_columns = ["id", "number", "enterprise_id", "clause", "research_detail",
                    "applicant_type", "applicant_location", "final_use_place", "bureau_id",
                    "bill_of_lading_no", "contract_no", "invoice_no", "reason", "state",
                    "submitted_at", "approve_due", "return_due", "deadline_status",
                    "accepted_at", "first_reviewed_at", "second_reviewed_at", "decided_at",
                    "return_reason"]
    add_columns = ["number", "enterprise_id", "clause", "research_detail", "applicant_type",
                   "applicant_location", "final_use_place", "bureau_id", "bill_of_lading_no",
                   "contract_no", "invoice_no", "reason", "submitted_at"]
    edit_columns = [c for c in add_columns if c != "number"]
    order_columns = ["id", "number", "enterprise_id", "clause", "state", "submitted_at"]
    search_columns = ["number", "enterprise_id", "clause", "state", "bureau_id",
                      "submitted_at"]
    description_columns = {"submitted_at": "从国家系统载入已提交的申请时填写原提交时间"}
    api_fields = {"number": fields.String(required=False, validate=validate.Length(max=32)),
                  "approve_due": fields.Date(dump_only=True),
                  "return_due": fields.Date(dump_only=True),
                  "deadline_status": fields.String(dump_only=True)}


class ProductApi(DomainModelApi):
    resource_name = "product"
    model = Product
    access = DISTRICT_WRITES
    list_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "quantity"]
    show_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "model", "brand",
                    "manufacturer", "quantity", "unit", "weight_kg", "amount", "currency"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    order_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "quantity"]
    search_columns = ["application_id", "hs_code", "name", "ccc_code"]


def _evidence_upload(api, item, owner, missing_owner: str | None = None,
                     kind: AttachmentKind = AttachmentKind.evidence):
    """Shared API door for evidence: multipart ``file`` (one or more), in scope. ``owner``
    (the record the files belong to) says when it takes none (``evidence_refusal``)."""
    from app.scope import current_user
    from app.services.evidence import store_evidence

    if item is None:
        return api.response_404()
    refusal = missing_owner if owner is None else owner.evidence_refusal()
    if refusal:
        return api.response(409, message=refusal)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        return api.response(422, message={"file": ["请上传文件（multipart/form-data，字段名file）。"]})
    try:
        stored = [store_evidence(f.stream, f.filename, owner, current_user(), kind=kind)
                  for f in files]
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return api.domain_error_response(exc)
    return api.response(201, evidence=[{"id": e.id, "name": e.original_name,
                                        "url": f"/files/{e.id}"} for e in stored])


def _certificate_requests(cert) -> list[dict]:
    return [{"id": r.id, "kind": r.kind.name, "state": r.state.name, "reason": r.reason,
             "requested_at": r.requested_at.isoformat() if r.requested_at else None,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None,
             "decision_remarks": r.decision_remarks,
             "items": [{"product_id": i.product_id, "field": i.field.name, "before": i.before,
                        "after": i.after} for i in r.items],
             "evidence": [{"id": e.id, "name": e.original_name, "url": f"/files/{e.id}"}
                          for e in r.evidence]} for r in cert.requests]


class CertificateApi(DomainModelApi):
    resource_name = "certificate"
    model = Certificate
    access = READ_ALL
    workflow = CertificateWorkflow
    base_permissions = ["can_get", "can_info", "can_post", "can_put"]
    list_columns = ["id", "number", "application_id", "state", "change_count", "issued_on",
                    "supervision_deadline"]
    show_columns = list_columns + ["requests"]
    add_columns = ["number", "application_id", "issued_on", "supervision_deadline"]
    edit_columns = ["issued_on", "supervision_deadline"]
    order_columns = ["id", "number", "application_id", "state", "issued_on"]
    search_columns = ["number", "application_id", "state", "issued_on"]
    api_fields = {"requests": fields.Function(_certificate_requests, dump_only=True)}
    extra_roles = {"can_evidence": FILERS}

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("evidence")
    def evidence(self, pk: int):
        """Attach evidence files to the certificate's pending void or extension request.
        ---
        post:
          responses:
            201:
              description: files stored
            409:
              description: no pending request to attach them to
        """
        from app.services.certificates import pending_request

        cert = self.datamodel.get(pk)
        req = pending_request(cert) if cert is not None else None
        return _evidence_upload(self, cert, req,
                                missing_owner="该证明没有待审核的申请，证据材料须随作废或延期申请上传。")


class CustomsUsageApi(DomainModelApi):
    resource_name = "customs_usage"
    model = CustomsUsage
    access = READ_ALL
    # customs data is kept as received (CustomsUsage.editing_refusal): no PUT, no DELETE
    base_permissions = ["can_get", "can_info", "can_post", "can_import"]
    list_columns = show_columns = ["id", "certificate_id", "declaration_no", "port", "used_on",
                                   "quantity"]
    add_columns = edit_columns = ["certificate_id", "declaration_no", "port", "used_on",
                                  "quantity"]
    order_columns = ["id", "certificate_id", "declaration_no", "used_on"]
    search_columns = ["certificate_id", "declaration_no", "used_on"]

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name("import")
    def import_rows(self):
        """Bulk import: a JSON list of {certificate_number, declaration_no, port, used_on,
        quantity}; every row is saved, or none (422 with the errors by row).
        ---
        post:
          responses:
            200:
              description: every row saved
            422:
              description: nothing saved; errors listed by row
        """
        from app.scope import current_user

        rows = request.get_json(silent=True)
        if not isinstance(rows, list):
            return self.response(422, message="请求体应为JSON数组。")
        result = customs_import.import_rows(rows, current_user())
        if not result.ok:
            return self.response(422, message=[{"row": e.row, "field": e.field,
                                                "message": e.message} for e in result.errors])
        return self.response(200, created=result.created)


class UsageRecordApi(DomainModelApi):
    resource_name = "usage_record"
    model = UsageRecord
    access = DISTRICT_WRITES

    extra_roles = {"can_evidence": DISTRICT_OFFICERS}

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("evidence")
    def evidence(self, pk: int):
        """Attach evidence files (photos, videos, PDF) to a usage record.
        ---
        post:
          responses:
            201:
              description: files stored
        """
        record = self.datamodel.get(pk)
        return _evidence_upload(self, record, record)
    list_columns = show_columns = ["id", "product_id", "kind", "quantity", "used_on",
                                   "using_unit", "remarks"]
    add_columns = edit_columns = ["product_id", "kind", "quantity", "used_on", "using_unit",
                                  "remarks"]
    order_columns = ["id", "product_id", "kind", "used_on"]
    search_columns = ["product_id", "kind", "used_on"]


RESOURCES = [BureauApi, EnterpriseApi, FastTrackApi, FastTrackLineApi, FastTrackChangeApi,
             AccountApi,
             AccountChangeApi,
             AnnualReportApi, ApplicationApi, ProductApi, CertificateApi, CustomsUsageApi,
             UsageRecordApi]

from app.api.supervision import SUPERVISION_RESOURCES  # noqa: E402  (they reuse _evidence_upload)

RESOURCES += SUPERVISION_RESOURCES
