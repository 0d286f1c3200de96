"""REST resources of DESIGN §5. Field names are the stable outside interface."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect
from flask_appbuilder.security.decorators import permission_name
from marshmallow import fields, validate

from app import clock
from app.api.base import DomainModelApi, EvidenceDoor, evidence_list
from app.api.imports import import_answer
from app.commands import customs_import
from app.commands.accounts import FileTogether
from app.domain.errors import RecordInvalid, RuleViolation
from app.fab import ScopedInterface, api_errors
from app.models import (
    AccountChangeRequest,
    AnnualAccountReport,
    Application,
    Bureau,
    Certificate,
    CustomsUsage,
    Enterprise,
    FastTrackChange,
    FastTrackGrant,
    FastTrackProductLine,
    Product,
    ReviewerAccount,
    UsageRecord,
)
from app.security_model import DISTRICT_OFFICERS, FILERS
from app.services.applications import materials_table, missing_materials
from app.services.certificates import pending_request
from app.services.fast_track import refuse_if_banned
from app.services.imports.registry import KINDS
from app.workflows.account_change import AccountChangeWorkflow
from app.workflows.annual_report import AnnualReportWorkflow
from app.workflows.application import ApplicationWorkflow
from app.workflows.certificate import CertificateWorkflow
from app.workflows.fast_track import FastTrackChangeWorkflow, FastTrackWorkflow


class BureauApi(DomainModelApi):
    resource_name = "bureau"
    model = Bureau
    list_columns = show_columns = ["id", "name", "short_name", "division_code", "level",
                                   "parent_id"]
    add_columns = edit_columns = ["name", "short_name", "division_code", "level", "parent_id"]
    order_columns = ["id", "name", "division_code", "level"]
    search_columns = ["name", "division_code", "level", "parent_id"]


class EnterpriseApi(DomainModelApi):
    resource_name = "enterprise"
    model = Enterprise
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


class FastTrackApi(DomainModelApi):
    resource_name = "fasttrack"
    model = FastTrackGrant
    workflow = FastTrackWorkflow
    list_columns = ["id", "enterprise_id", "state", "valid_from", "valid_to", "applied_on"]
    show_columns = ["id", "enterprise_id", "state", "valid_from", "valid_to", "days_left",
                    "applied_on", "clauses", "self_commitment", "eligibility", "lines",
                    "attachments", "district_recommendation", "district_opinion",
                    "onsite_checked_on", "onsite_check_record", "provincial_opinion",
                    "commerce_confirmed_on",
                    "fast_track_account", "sanction_reason", "sanction_inspection_id",
                    "sanctioned_on", "sanction_remarks", "renewals", "remarks"]
    add_columns = ["enterprise_id", "applied_on", "clauses", "self_commitment", "remarks"]
    edit_columns = add_columns
    order_columns = ["id", "enterprise_id", "state", "valid_to", "applied_on"]
    search_columns = ["enterprise_id", "state", "valid_to"]
    api_fields = {"days_left": fields.String(dump_only=True),
                  "eligibility": fields.Raw(dump_only=True),
                  "lines": fields.Function(_fast_track_lines, dump_only=True),
                  "attachments": fields.Function(lambda grant: evidence_list(grant.attachments), dump_only=True),
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
                and ScopedInterface(Enterprise).get(enterprise_id) is not None:
            try:
                refuse_if_banned(enterprise_id)
            except RuleViolation as exc:
                return self.domain_error_response(exc)
        return super().post_headless()

    @expose("/<int:pk>/attachment", methods=["POST"])
    @protect()
    @api_errors
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
        grant = self.datamodel.get(pk)
        if grant is None:
            return self.response_404()
        return self.upload(grant, kind=request.form.get("kind", ""))


class FastTrackLineApi(DomainModelApi):
    """Rows of an application's product lists, or of a product-list adjustment."""

    resource_name = "fasttrack_line"
    model = FastTrackProductLine
    list_columns = show_columns = ["id", "grant_id", "change_id", "period", "ccc_code",
                                   "purpose", "annual_batches", "entry_port", "handling"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    order_columns = ["id", "grant_id", "change_id", "period"]
    search_columns = ["grant_id", "change_id", "period", "ccc_code"]


class FastTrackChangeApi(DomainModelApi):
    resource_name = "fasttrack_change"
    model = FastTrackChange
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
    list_columns = show_columns = ["id", "bureau_id", "holder_name", "department", "position",
                                   "section_chief_or_above", "account_name", "functions",
                                   "phone", "status", "opened_on", "closed_on",
                                   "password_changed_on", "password_reminder", "remarks"]
    add_columns = edit_columns = [c for c in show_columns if c not in ("id", "password_reminder")]
    api_fields = {"password_reminder": fields.String(dump_only=True)}
    order_columns = ["id", "bureau_id", "holder_name", "account_name", "status"]
    search_columns = ["bureau_id", "holder_name", "account_name", "status",
                      "section_chief_or_above"]


class AccountChangeApi(DomainModelApi):
    resource_name = "account_change"
    model = AccountChangeRequest
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
    @api_errors
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
        body = request.get_json(silent=True)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise RecordInvalid({"ids": ["请以编号列表提供要合并的调整需求，如 {\"ids\": [1, 2]}。"]})
        filing = FileTogether(ids).execute()
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


def _materials(application) -> list[dict]:
    return [{"code": row["kind"].name, "label": row["kind"].label, "required": row["required"],
             "files": evidence_list(row["files"]),
             "reused": evidence_list([row["reused"]])[0] if row["reused"] else None}
            for row in materials_table(application)]


def _reviews(application) -> list[dict]:
    return [{"step": r.step, "passed": r.passed, "reviewer": r.reviewer,
             "reviewer_account": r.reviewer_account,
             "reviewed_at": r.reviewed_at.replace(tzinfo=clock.BEIJING).isoformat(),
             "checks": [{"code": c["code"], "label": c["label"], "ok": c["ok"],
                         "remark": c.get("remark")} for c in r.checks]}
            for r in application.reviews]


class ApplicationApi(DomainModelApi):
    resource_name = "application"
    model = Application
    workflow = ApplicationWorkflow
    list_columns = ["id", "number", "enterprise_id", "clause", "state", "bureau_id",
                    "submitted_at", "approve_due", "return_due", "deadline_status"]
    show_columns = ["id", "number", "enterprise_id", "clause", "research_detail",
                    "applicant_type", "applicant_location", "address_type", "final_use_place",
                    "bureau_id", "bill_of_lading_no", "contract_no", "invoice_no", "reason",
                    "state",
                    "submitted_at", "approve_due", "return_due", "deadline_status",
                    "accepted_at", "first_reviewed_at", "second_reviewed_at", "decided_at",
                    "return_reason", "missing_materials", "attachments", "reviews"]
    add_columns = ["number", "enterprise_id", "clause", "research_detail", "applicant_type",
                   "applicant_location", "address_type", "final_use_place", "bureau_id",
                   "bill_of_lading_no", "contract_no", "invoice_no", "reason", "submitted_at"]
    edit_columns = [c for c in add_columns if c != "number"]
    order_columns = ["id", "number", "enterprise_id", "clause", "state", "submitted_at"]
    search_columns = ["number", "enterprise_id", "clause", "state", "bureau_id",
                      "submitted_at"]
    description_columns = {"submitted_at": "从国家系统载入已提交的申请时填写原提交时间"}
    api_fields = {"number": fields.String(required=False, validate=validate.Length(max=32)),
                  # blank: the unit's registered division (app.services.applications)
                  "applicant_location": fields.String(required=False, allow_none=True,
                                                      validate=validate.Length(max=200)),
                  "approve_due": fields.Date(dump_only=True),
                  "return_due": fields.Date(dump_only=True),
                  "deadline_status": fields.String(dump_only=True),
                  "missing_materials": fields.Function(lambda a: [
                      {"code": k.name, "label": k.label} for k in missing_materials(a)],
                      dump_only=True),
                  "attachments": fields.Function(_materials, dump_only=True),
                  "reviews": fields.Function(_reviews, dump_only=True)}
    extra_roles = {"can_attachment": FILERS}

    @expose("/<int:pk>/attachment", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("attachment")
    def attachment(self, pk: int):
        """Attach a material of the application (multipart ``file`` and ``kind``: the
        material's code, e.g. business_licence, ccc_sample_notice), while it is 未提交 or
        退回.
        ---
        post:
          responses:
            201:
              description: files stored, each with its ``url`` under ``/files/``
            409:
              description: the application was already submitted
            422:
              description: no file, a file that is not an image, video or PDF, or a kind
                the application's clause does not take
        """
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        return self.upload(item, kind=request.form.get("kind", ""))


class ProductApi(DomainModelApi):
    resource_name = "product"
    model = Product
    list_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "quantity"]
    show_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "model", "brand",
                    "manufacturer", "quantity", "unit", "weight_kg", "amount", "currency"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    order_columns = ["id", "application_id", "hs_code", "name", "ccc_code", "quantity"]
    search_columns = ["application_id", "hs_code", "name", "ccc_code"]


def _certificate_requests(cert) -> list[dict]:
    return [{"id": r.id, "kind": r.kind.name, "state": r.state.name, "reason": r.reason,
             "requested_at": r.requested_at.isoformat() if r.requested_at else None,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None,
             "decision_remarks": r.decision_remarks,
             "items": [{"product_id": i.product_id, "field": i.field.name, "before": i.before,
                        "after": i.after} for i in r.items],
             "evidence": evidence_list(r.evidence)} for r in cert.requests]


def _write_off_reviews(cert):
    return [{"id": r.id, "decision": r.decision.name, "complete": r.complete,
             "consistent": r.consistent, "use_unchanged": r.use_unchanged,
             "logical": r.logical, "remarks": r.remarks, "decided_by": r.decided_by,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None}
            for r in cert.write_off_reviews]


class CertificateApi(EvidenceDoor, DomainModelApi):
    resource_name = "certificate"
    model = Certificate
    workflow = CertificateWorkflow
    list_columns = ["id", "number", "application_id", "state", "change_count", "issued_on",
                    "supervision_deadline"]
    show_columns = list_columns + ["requests", "written_off_on", "retention_until",
                                   "follow_up_status", "write_off_reviews"]
    add_columns = ["number", "application_id", "issued_on", "supervision_deadline"]
    order_columns = ["id", "number", "application_id", "state", "issued_on"]
    search_columns = ["number", "application_id", "state", "issued_on"]
    api_fields = {"requests": fields.Function(_certificate_requests, dump_only=True),
                  "retention_until": fields.Date(dump_only=True, allow_none=True),
                  "follow_up_status": fields.String(dump_only=True),
                  "write_off_reviews": fields.Function(_write_off_reviews, dump_only=True)}
    extra_roles = {"can_evidence": FILERS}
    missing_owner = "该证明没有待审核的申请，证据材料须随作废或延期申请上传。"

    def evidence_owner(self, cert):
        """A certificate's evidence goes with its pending void or extension request."""
        return pending_request(cert)


class CustomsUsageApi(DomainModelApi):
    resource_name = "customs_usage"
    model = CustomsUsage
    extra_roles = {"can_import": frozenset()}  # the provincial admin loads the exchange
    list_columns = show_columns = ["id", "certificate_id", "declaration_no", "port", "used_on",
                                   "quantity"]
    add_columns = edit_columns = ["certificate_id", "declaration_no", "port", "used_on",
                                  "quantity"]
    order_columns = ["id", "certificate_id", "declaration_no", "used_on"]
    search_columns = ["certificate_id", "declaration_no", "used_on"]

    @expose("/import", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("import")
    def import_rows(self):
        """Bulk import: a JSON list of {certificate_number, declaration_no, port, used_on,
        quantity}, or a multipart ``file`` (.xlsx or .csv, the template's columns); every row
        is saved, or none (422 with the errors by row).
        ---
        post:
          responses:
            200:
              description: every row saved
            422:
              description: nothing saved; errors listed by row
        """
        upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
        if upload is not None:  # the file door every import kind shares
            return import_answer(self, KINDS["customs_usage"], upload)
        rows = request.get_json(silent=True)
        if not isinstance(rows, list):
            raise RecordInvalid("请求体应为JSON数组，或以multipart表单字段file上传.xlsx/.csv文件。")
        result = customs_import.import_rows(rows)
        if not result.ok:
            return self.response(422, message=[{"row": e.row, "field": e.field,
                                                "message": e.message} for e in result.errors])
        return self.response(200, created=result.created, updated=0)


class UsageRecordApi(EvidenceDoor, DomainModelApi):
    resource_name = "usage_record"
    model = UsageRecord

    extra_roles = {"can_evidence": DISTRICT_OFFICERS}

    list_columns = show_columns = ["id", "product_id", "kind", "quantity", "used_on",
                                   "using_unit", "export_declaration_no", "remarks"]
    add_columns = edit_columns = ["product_id", "kind", "quantity", "used_on", "using_unit",
                                  "export_declaration_no", "remarks"]
    order_columns = ["id", "product_id", "kind", "used_on"]
    search_columns = ["product_id", "kind", "used_on"]


RESOURCES = [BureauApi, EnterpriseApi, FastTrackApi, FastTrackLineApi, FastTrackChangeApi,
             AccountApi,
             AccountChangeApi,
             AnnualReportApi, ApplicationApi, ProductApi, CertificateApi, CustomsUsageApi,
             UsageRecordApi]

from app.api.supervision import SUPERVISION_RESOURCES  # noqa: E402  (they reuse _evidence_upload)

RESOURCES += SUPERVISION_RESOURCES

from app.api.leads import SupervisionLeadApi  # noqa: E402

RESOURCES.append(SupervisionLeadApi)
