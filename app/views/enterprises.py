"""Enterprises (申请单位) and the fast track (便捷通道): applications, product lists, renewals,
reported changes, and the reminder board."""
from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from markupsafe import Markup

from app import policy
from app.enums import ExemptionClause
from app.models import (
    Enterprise,
    FastTrackChange,
    FastTrackGrant,
    FastTrackProductLine,
    FastTrackRenewal,
)
from app.policy import local
from app.present import check_mark
from app.security_model import ALL_ROLES, FILERS, Access
from app.services.fast_track import commerce_co_confirms, reminder_board
from app.views.applications import ApplicationView
from app.views.base import DomainModelView, RecordLink, report_downloads
from app.views.files import EvidenceUploads, evidence_links
from app.views.imports import record_import_link
from app.workflows.fast_track import FastTrackChangeWorkflow, FastTrackWorkflow


class FastTrackProductLineView(DomainModelView):
    model = FastTrackProductLine
    list_columns = ["period", "ccc_category", "purpose", "annual_batches", "entry_port",
                    "handling"]
    show_columns = ["grant", "change"] + list_columns
    add_columns = edit_columns = ["grant", "change", "period", "ccc_category", "purpose",
                                  "annual_batches", "entry_port", "handling"]
    search_columns = ["grant", "period", "ccc_category", "entry_port"]


class FastTrackRenewalView(DomainModelView):
    """延用记录: requested on the grant's page, decided by the province."""

    model = FastTrackRenewal
    list_columns = ["grant", "state", "requested_at", "old_valid_to", "new_valid_to",
                    "decided_at", "decided_by"]
    show_columns = ["grant", "state", "reason", "requested_at", "requested_by", "old_valid_to",
                    "new_valid_to", "decided_at", "decided_by", "decision_remarks",
                    "commerce_confirmed_on"]
    profile_columns = {"commerce_confirmed_on": commerce_co_confirms}
    search_columns = ["grant", "state", "requested_at"]
    base_order = ("id", "desc")


class FastTrackChangeView(DomainModelView):
    model = FastTrackChange
    workflow = FastTrackChangeWorkflow
    list_columns = ["grant", "kind", "state", "submitted_at", "decided_at"]
    search_columns = ["grant", "kind", "state"]
    show_fieldsets = [
        ("变更事项", {"fields": ["grant", "kind", "description", "new_name",
                              "new_registered_address", "new_business_address",
                              "new_legal_representative"]}),
        ("办理情况", {"fields": ["state", "district_opinion", "submitted_at", "decided_at",
                              "decided_by", "decision_remarks", "forwarded_at"]}),
    ]
    add_columns = edit_columns = ["grant", "kind", "description", "new_name",
                                  "new_registered_address", "new_business_address",
                                  "new_legal_representative"]
    related_views = [FastTrackProductLineView]
    base_order = ("id", "desc")
    description_columns = {"kind": "产品清单调整：保存后在“产品清单”页签中填写调整后的预计清单"}


def eligibility_list(checks) -> Markup:
    """Each condition on its own line, met in green and unmet in red."""
    return Markup("<ul class=\"list-unstyled eligibility\">{}</ul>").format(Markup("").join(
        Markup("<li class=\"{}\">{} {}</li>").format(
            "text-success" if c["ok"] else "text-danger", check_mark(c["ok"]), c["text"])
        for c in checks or []))


class FastTrackGrantView(EvidenceUploads, DomainModelView):
    model = FastTrackGrant
    workflow = FastTrackWorkflow
    list_columns = ["enterprise", "bureau_name", "state", "clauses", "applied_on", "valid_from",
                    "valid_to", "days_left"]
    search_columns = ["enterprise", "state", "applied_on", "valid_from", "valid_to",
                      "fast_track_account"]
    show_fieldsets = [
        ("申请信息", {"fields": ["enterprise", "state", "applied_on", "clauses",
                              "self_commitment", "attachments"]}),
        ("申请条件核查", {"fields": ["eligibility"]}),
        ("区局初审", {"fields": ["onsite_checked_on", "onsite_check_record",
                              "district_recommendation", "district_opinion",
                              "district_reviewer", "district_reviewed_at"]}),
        (local("{province_bureau_short}审核与开通"), {"fields": [
            "provincial_opinion", "decided_by", "decided_at", "commerce_confirmed_on",
            "forwarded_at", "fast_track_account", "activated_at", "valid_from", "valid_to",
            "days_left"]}),
        ("暂停与取消", {"fields": ["sanction_reason", "sanction_inspection", "sanctioned_on",
                               "sanction_remarks", "remarks"]}),
    ]
    add_columns = ["enterprise", "clauses", "self_commitment", "remarks"]
    edit_columns = ["enterprise", "clauses", "self_commitment", "remarks"]
    # the 申请表 (seed 000 附件2) has the five clauses a fast-track unit may apply for
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "clauses": [["code", FilterNotEqual, ExemptionClause.other]]}
    export_columns = ["enterprise", "bureau_name", "state", "clauses", "applied_on",
                      "eligibility_text", "district_recommendation", "district_opinion",
                      "provincial_opinion", "fast_track_account", "valid_from", "valid_to",
                      "days_left", "sanction_reason", "sanctioned_on", "remarks"]
    related_views = [FastTrackProductLineView, FastTrackRenewalView, FastTrackChangeView]
    profile_columns = {"commerce_confirmed_on": commerce_co_confirms}
    base_order = ("id", "desc")
    extra_roles = {"can_upload": FILERS}
    formatters_columns = {"attachments": lambda files: "、".join(
        f"{f.kind.label}：{f.original_name}" for f in files or []) or "（未上传）",
        "eligibility": eligibility_list}

    def report_links(self, item):
        lines = record_import_link("fasttrack_line", "导入产品清单", grant_id=item.id) \
            if item.editing_refusal() is None else []
        return report_downloads("ReportsView.fasttrack", "申请表", pk=item.id) \
            + evidence_links(item.attachments) + lines

    def list_links(self):
        return fast_track_list_downloads(self.appbuilder.sm)


class EnterpriseView(DomainModelView):
    model = Enterprise
    import_kind = "enterprise"
    list_columns = ["name", "uscc", "bureau", "economic_nature", "credit_standing",
                    "traceability_system"]
    search_columns = ["name", "uscc", "bureau", "economic_nature", "credit_standing",
                      "traceability_system", "legal_representative"]
    show_fieldsets = [
        ("基本信息", {"fields": ["name", "uscc", "registered_address", "business_address",
                              "bureau", "business_categories", "economic_nature"]}),
        ("联系人", {"fields": ["legal_representative", "legal_representative_phone",
                             "department_head", "department_head_phone", "handler",
                             "handler_phone"]}),
        ("监管信息", {"fields": ["system_account", "credit_standing", "operates_in_province",
                              "traceability_system", "created_at", "updated_at"]}),
    ]
    add_columns = edit_columns = [
        "name", "uscc", "registered_address", "business_address", "bureau",
        "business_categories", "economic_nature", "legal_representative",
        "legal_representative_phone", "department_head", "department_head_phone", "handler",
        "handler_phone", "system_account", "credit_standing", "operates_in_province",
        "traceability_system"]
    related_views = [FastTrackGrantView, ApplicationView]
    base_order = ("name", "asc")


def fast_track_list_downloads(security_manager) -> list[RecordLink]:
    """便捷通道使用单位名单 (the official list of open units), for those who may download it."""
    if not security_manager.has_access("can_fasttrack_list", "ReportsView"):
        return []
    return report_downloads("ReportsView.fasttrack_list", "使用单位名单")


class FastTrackBoardView(BaseView):
    """Reminders: grants expiring soon, renewals and changes awaiting a decision."""

    route_base = "/fasttrackboard"
    default_view = "board"
    access = Access()
    extra_permission_roles = {"can_board": ALL_ROLES}

    @expose("/")
    @has_access
    def board(self):
        board = reminder_board()
        profile = policy.profile()
        return self.render_template(
            "console/fast_track_board.html", title="便捷通道提醒", today=board.today,
            warning_days=profile.fast_track_expiry_warning_days, expiring=board.expiring,
            urgent_days=profile.fast_track_expiry_urgent_days,
            downloads=fast_track_list_downloads(self.appbuilder.sm),
            renewals=board.renewals, changes=board.changes, waiting=board.waiting)
