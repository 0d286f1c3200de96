"""Exemption applications, their products and certificates."""
from __future__ import annotations

from app.models import Application, Certificate, Product
from app.security_model import DISTRICT_WRITES, READ_ALL
from app.services.numbering import next_application_number
from app.views.base import DomainModelView
from app.views.customs import CustomsUsageView


class ProductView(DomainModelView):
    model = Product
    access = DISTRICT_WRITES
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


class ApplicationView(DomainModelView):
    model = Application
    access = DISTRICT_WRITES
    list_columns = ["number", "enterprise", "clause", "state", "bureau", "submitted_at"]
    search_columns = ["number", "enterprise", "clause", "state", "bureau", "submitted_at",
                      "bill_of_lading_no", "contract_no", "invoice_no"]
    show_fieldsets = [
        ("申请单信息", {"fields": ["number", "enterprise", "clause", "research_detail",
                               "applicant_type", "applicant_location", "final_use_place",
                               "bureau"]}),
        ("单证", {"fields": ["bill_of_lading_no", "contract_no", "invoice_no"]}),
        ("申请理由", {"fields": ["reason"]}),
        ("办理情况", {"fields": ["state", "submitted_at", "decided_at", "return_reason"]}),
    ]
    add_columns = ["enterprise", "clause", "research_detail", "applicant_type",
                   "applicant_location", "final_use_place", "bureau", "bill_of_lading_no",
                   "contract_no", "invoice_no", "reason"]
    edit_columns = add_columns
    related_views = [ProductView]
    base_order = ("id", "desc")

    def pre_add(self, item):
        super().pre_add(item)
        if not item.number:
            item.number = next_application_number(item.bureau or item.bureau_id)


class CertificateView(DomainModelView):
    model = Certificate
    access = READ_ALL  # issued by the review workflow; loaded by the provincial admin
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_columns = ["number", "application", "issued_on", "state", "supervision_deadline",
                    "change_count"]
    search_columns = ["number", "application", "issued_on", "state", "supervision_deadline"]
    show_columns = list_columns + ["created_at", "updated_at"]
    add_columns = ["number", "application", "issued_on", "supervision_deadline"]
    edit_columns = ["issued_on", "supervision_deadline"]
    related_views = [CustomsUsageView]
    base_order = ("issued_on", "desc")
