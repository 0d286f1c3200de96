"""REST resource of 线索 (seed 001 流程8)."""
from __future__ import annotations

from app.api.base import DomainModelApi
from app.models import SupervisionLead
from app.services import leads  # noqa: F401  (installs the lead's save rules)


class SupervisionLeadApi(DomainModelApi):
    resource_name = "supervision_lead"
    model = SupervisionLead
    list_columns = show_columns = ["id", "enterprise_id", "certificate_id", "kind", "source",
                                   "received_on", "description", "recorded_by"]
    add_columns = edit_columns = ["enterprise_id", "certificate_id", "kind", "source",
                                  "received_on", "description"]
    order_columns = ["id", "enterprise_id", "kind", "received_on"]
    search_columns = ["enterprise_id", "kind", "received_on"]
