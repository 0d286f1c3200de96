"""Exemption applications, their products, certificates and certificate requests."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.security.decorators import permission_name
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.domain.dossier import applicant_types_help, materials_help
from app.domain.errors import RecordInvalid
from app.enums import PRODUCT_FIELDS, SUBJECT_FIELDS, CertificateRequestState
from app.fab import console_errors
from app.models import Application, Certificate, CertificateChangeItem, CertificateRequest, Product
from app.security_model import FILERS
from app.services.applications import REVIEW_STEPS, materials_table
from app.services.certificates import batch_approval_refusal
from app.views.base import BatchMove, DomainModelView, RecordLink
from app.views.customs import CustomsUsageView
from app.views.files import EvidenceUploads, evidence_links
from app.views.imports import record_import_link
from app.workflows import run_step
from app.workflows.application import ApplicationWorkflow
from app.workflows.certificate import APPROVE_STEPS, CertificateWorkflow


class ProductView(DomainModelView):
    model = Product
    import_kind = "product"
    list_columns = ["application", "name", "hs_code", "ccc_category", "model", "brand",
                    "quantity", "unit", "amount", "currency"]
    search_columns = ["application", "name", "hs_code", "ccc_category", "brand",
                      "manufacturer"]
    show_columns = ["application", "hs_code", "name", "ccc_category", "model", "brand",
                    "manufacturer", "quantity", "unit", "weight_kg", "amount", "currency"]
    add_columns = edit_columns = ["application", "hs_code", "name", "ccc_category", "model",
                                  "brand", "manufacturer", "quantity", "unit", "weight_kg",
                                  "amount", "currency"]
    base_order = ("id", "desc")


class ApplicationView(EvidenceUploads, DomainModelView):
    """Applications; their materials are uploaded on the show page (kinds of the clause, 必传
    marked) and their recorded reviews shown there (``console/application_show.html``)."""

    model = Application
    import_kind = "application"
    workflow = ApplicationWorkflow
    show_template = "console/application_show.html"
    extra_roles = {"can_upload": FILERS}
    list_columns = ["number", "enterprise", "clause", "state", "bureau", "submitted_at",
                    "deadline_status"]
    search_columns = ["number", "enterprise", "clause", "state", "bureau", "submitted_at",
                      "bill_of_lading_no", "contract_no", "invoice_no"]
    show_fieldsets = [
        ("申请单信息", {"fields": ["number", "enterprise", "clause", "research_detail",
                               "applicant_type", "applicant_location", "address_type",
                               "final_use_place", "bureau"]}),
        ("单证", {"fields": ["bill_of_lading_no", "contract_no", "invoice_no"]}),
        ("申请理由", {"fields": ["reason"]}),
        ("办理情况", {"fields": ["state", "submitted_at", "approve_due", "return_due",
                              "deadline_status", "accepted_at", "first_reviewed_at",
                              "second_reviewed_at", "decided_at", "return_reason",
                              "certificate"]}),
        ("申请材料与审核", {"fields": ["missing_materials", "review_summary"]}),
    ]
    description_columns = {"clause": materials_help(),
                           "applicant_type": applicant_types_help()}
    add_columns = ["enterprise", "clause", "research_detail", "applicant_type",
                   "applicant_location", "address_type", "final_use_place", "bureau",
                   "bill_of_lading_no", "contract_no", "invoice_no", "reason"]
    edit_columns = add_columns
    # 申请单位所在地 may be left blank: it is then the unit's registered division
    add_form_extra_fields = edit_form_extra_fields = {"applicant_location": StringField(
        "申请单位所在地", validators=[Optional(), Length(max=200)], widget=BS3TextFieldWidget(),
        description="留空则为申请单位注册地所在行政区划")}
    related_views = [ProductView]
    base_order = ("id", "desc")

    def upload_kinds(self, pk) -> list[tuple[str, str]]:
        item = self.datamodel.get(pk)
        if item is None:
            return []
        return [(row["kind"].name, row["kind"].label + ("（必传）" if row["required"] else ""))
                for row in materials_table(item)]

    def materials_rows(self, pk) -> list[dict]:
        item = self.datamodel.get(pk)
        return materials_table(item) if item is not None else []

    def reviews_of(self, pk) -> list[dict]:
        item = self.datamodel.get(pk)
        if item is None:
            return []
        return [{"step_label": REVIEW_STEPS.get(r.step, r.step), "reviewer": r.reviewer,
                 "reviewer_account": r.reviewer_account, "reviewed_at": r.reviewed_at,
                 "checks": r.checks} for r in item.reviews]

    def record_links(self, pk):
        links = super().record_links(pk)
        item = self.datamodel.get(pk)
        if item is not None and item.certificate is not None:
            links.insert(0, RecordLink(f"免办证明 {item.certificate.number}",
                                       url_for("CertificateView.show", pk=item.certificate.id),
                                       icon="fa-certificate"))
        return links

    def report_links(self, item):
        """A draft's products can be imported from a sheet (template of the 产品 sheet)."""
        if item.editing_refusal() is None:
            return record_import_link("product", "导入产品", application_id=item.id)
        return []


class CertificateChangeItemView(DomainModelView):
    model = CertificateChangeItem
    list_columns = ["product", "field", "before", "after"]
    show_columns = ["request"] + list_columns
    search_columns = ["field"]


class CertificateRequestView(EvidenceUploads, DomainModelView):
    """Change, void and extension requests: the reviewers' work queue. Decisions are taken
    on the certificate's page; evidence is uploaded here."""

    model = CertificateRequest
    list_columns = ["certificate", "kind", "state", "reason", "requested_at", "requested_by",
                    "decided_at", "decided_by"]
    search_columns = ["certificate", "kind", "state", "requested_at"]
    show_fieldsets = [
        ("申请", {"fields": ["certificate", "kind", "state", "reason", "requested_at",
                           "requested_by"]}),
        ("作废 / 延期", {"fields": ["not_imported", "new_supervision_deadline",
                                 "onsite_check_record"]}),
        ("审核", {"fields": ["use_finding", "decided_at", "decided_by", "decision_remarks"]}),
    ]
    related_views = [CertificateChangeItemView]
    base_order = ("id", "desc")
    # FAB names an action's permission after it; the roles that decide requests (each
    # record is still checked by its step: role, scope, the 复审 duty, the rules)
    extra_roles = {"can_upload": FILERS, **dict.fromkeys(
        ("can_action_post", "approve_many"), frozenset().union(
            *(CertificateWorkflow.step(name).roles for name in APPROVE_STEPS.values())))}

    @action("approve_many", "批量批准", "批准勾选的证明申请？（延期申请、已有海关调用的作废申请须逐项办理）",
            "fa-check", single=False)
    def approve_many(self, items):
        return self.run_batch(items, None, "项", plan=_approval_move, done="证明申请已批准")

    def record_links(self, pk):
        links = super().record_links(pk)
        item = self.datamodel.get(pk)
        if item is not None:
            links.insert(0, RecordLink("查看证明", url_for("CertificateView.show",
                                                         pk=item.certificate_id),
                                       icon="fa-certificate"))
            links[1:1] = decision_links(item)
            links.extend(evidence_links(item.evidence))
        return links


def _approval_move(req) -> BatchMove | str:
    """The certificate's step that approves ``req`` (the same step as on its page), or why
    the batch leaves it alone."""
    refusal = batch_approval_refusal(req)
    if refusal:
        return refusal
    return BatchMove(CertificateWorkflow, req.certificate_id, APPROVE_STEPS[req.kind],
                     {"request_id": req.id})


def decision_links(req) -> list[RecordLink]:
    """The certificate's steps that decide this pending request (批准/驳回), for the user's
    role: a request is approved from its own page as well as from its certificate's."""
    if req.state is not CertificateRequestState.pending:
        return []
    suffix = f"_{req.kind.name}"
    return [RecordLink(step.label, url_for("CertificateView.step", pk=req.certificate_id,
                                           name=step.name, request_id=req.id),
                       icon="fa-gavel", style=step.style)
            for step in CertificateWorkflow.offered_steps(req.certificate, g.user)
            if step.name.endswith(suffix) and step.name != req.kind.name]


class CertificateView(DomainModelView):
    model = Certificate
    import_kind = "certificate"
    workflow = CertificateWorkflow
    list_columns = ["number", "application", "applicant_name", "issued_on", "state",
                    "supervision_deadline", "change_count", "usages"]
    search_columns = ["number", "application", "issued_on", "state", "supervision_deadline"]
    show_columns = ["number", "application", "applicant_name", "issued_on", "state",
                    "supervision_deadline", "change_count", "usages", "follow_up_status",
                    "write_off_reviews", "written_off_on", "retention_until", "created_at",
                    "updated_at"]
    add_columns = ["number", "application", "issued_on", "supervision_deadline"]
    related_views = [CustomsUsageView, CertificateRequestView]
    base_order = ("issued_on", "desc")

    def record_links(self, pk):
        """Besides its steps: its application, and the request pending on it (while one is
        open the steps that would file a second are not offered)."""
        links = super().record_links(pk)
        item = self.datamodel.get(pk)
        if item is None:
            return links
        first = [RecordLink(f"免办申请 {item.application.number}",
                            url_for("ApplicationView.show", pk=item.application_id),
                            icon="fa-file-alt")]
        for req in item.requests:
            if req.state is CertificateRequestState.pending:
                first.append(RecordLink(f"待审核的{req.kind.label}申请",
                                        url_for("CertificateRequestView.show", pk=req.id),
                                        icon="fa-hourglass-half", style="warning"))
        return first + links

    @expose("/step/<int:pk>/change", methods=["GET", "POST"])
    @has_access
    @permission_name("step")
    @console_errors(back=lambda view, pk: url_for(f"{view.endpoint}.show", pk=pk))
    def change_form(self, pk: int):
        """The change request needs a table of product fields, not a plain form."""
        cert = self.datamodel.get(pk)
        if cert is None:
            abort(404)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        products = cert.application.products
        fields = list(PRODUCT_FIELDS)
        application = cert.application
        errors = {}
        if request.method == "POST":
            items = []
            for product in products:
                for field in fields:
                    raw = request.form.get(f"p{product.id}_{field.name}")
                    if raw is not None and str(raw).strip() != str(
                            getattr(product, field.name) or "").strip():
                        items.append({"product_id": product.id, "field": field.name,
                                      "after": raw})
            for field in SUBJECT_FIELDS:  # 主体信息 (seed 004 §2.3)
                raw = request.form.get(f"s_{field.name}")
                if raw is not None and str(raw).strip() != str(
                        getattr(application, field.name) or "").strip():
                    items.append({"field": field.name, "after": raw})
            try:
                run_step(CertificateWorkflow, pk, "change", g.user,
                         {"reason": request.form.get("reason"), "items": items})
            except RecordInvalid as exc:
                errors = exc.errors
            else:
                flash(CertificateWorkflow.step("change").done_message, "success")
                return redirect(show_url)
        return self.render_template("console/certificate_change.html", title="申请变更",
                                    cert=cert, products=products, fields=fields,
                                    subject_fields=SUBJECT_FIELDS, application=application,
                                    form=request.form, errors=errors, back=show_url)
