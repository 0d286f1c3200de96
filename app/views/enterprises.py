"""Enterprises (申请单位) and their fast-track (便捷通道) grants."""
from __future__ import annotations

from app.models import Enterprise, FastTrackGrant, FastTrackProductLine
from app.security_model import DISTRICT_WRITES
from app.views.applications import ApplicationView
from app.views.base import DomainModelView


class FastTrackProductLineView(DomainModelView):
    model = FastTrackProductLine
    access = DISTRICT_WRITES
    list_columns = ["period", "ccc_category", "purpose", "annual_batches", "entry_port",
                    "handling"]
    show_columns = ["grant"] + list_columns
    add_columns = edit_columns = ["grant", "period", "ccc_category", "purpose",
                                  "annual_batches", "entry_port", "handling"]
    search_columns = ["grant", "period", "ccc_category", "entry_port"]


class FastTrackGrantView(DomainModelView):
    model = FastTrackGrant
    access = DISTRICT_WRITES
    list_columns = ["enterprise", "state", "clauses", "applied_on", "valid_from", "valid_to"]
    search_columns = ["enterprise", "state", "applied_on", "valid_from", "valid_to"]
    show_fieldsets = [
        ("申请信息", {"fields": ["enterprise", "state", "applied_on", "clauses",
                              "self_commitment"]}),
        ("区局初审", {"fields": ["onsite_checked_on", "onsite_check_record",
                              "district_recommendation", "district_opinion"]}),
        ("市局审核与开通", {"fields": ["provincial_opinion", "fast_track_account", "valid_from",
                                  "valid_to"]}),
        ("暂停与取消", {"fields": ["sanction_reason", "sanctioned_on", "remarks"]}),
    ]
    add_columns = ["enterprise", "applied_on", "clauses", "self_commitment", "remarks"]
    edit_columns = ["enterprise", "applied_on", "clauses", "self_commitment",
                    "onsite_checked_on", "onsite_check_record", "district_recommendation",
                    "district_opinion", "remarks"]
    related_views = [FastTrackProductLineView]
    base_order = ("id", "desc")


class EnterpriseView(DomainModelView):
    model = Enterprise
    access = DISTRICT_WRITES
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
