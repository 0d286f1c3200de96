"""Customs usage records (from the customs data exchange) and usage / write-off records."""
from __future__ import annotations

from app.models import CustomsUsage, UsageRecord
from app.security_model import DISTRICT_WRITES, READ_ALL
from app.views.base import DomainModelView


class CustomsUsageView(DomainModelView):
    model = CustomsUsage
    access = READ_ALL  # the customs data exchange is loaded by the provincial admin
    list_columns = ["certificate", "declaration_no", "port", "used_on", "quantity"]
    search_columns = ["certificate", "declaration_no", "port", "used_on"]
    show_columns = list_columns + ["created_at"]
    add_columns = edit_columns = ["certificate", "declaration_no", "port", "used_on",
                                  "quantity"]
    base_order = ("used_on", "desc")


class UsageRecordView(DomainModelView):
    model = UsageRecord
    access = DISTRICT_WRITES
    list_columns = ["product", "kind", "quantity", "used_on", "using_unit"]
    search_columns = ["product", "kind", "used_on", "using_unit"]
    show_columns = list_columns + ["remarks", "created_at"]
    add_columns = edit_columns = ["product", "kind", "quantity", "used_on", "using_unit",
                                  "remarks"]
    base_order = ("used_on", "desc")
