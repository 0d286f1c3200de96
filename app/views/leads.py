"""线索 (seed 001 流程8): the on-site triggers a district records, feeding the draw."""
from __future__ import annotations

from app.models import SupervisionLead
from app.services import leads  # noqa: F401  (installs the lead's save rules)
from app.views.base import DomainModelView


class SupervisionLeadView(DomainModelView):
    model = SupervisionLead
    list_columns = ["enterprise", "kind", "source", "received_on", "certificate", "recorded_by"]
    search_columns = ["enterprise", "kind", "source", "received_on"]
    show_columns = ["enterprise", "certificate", "kind", "source", "received_on", "description",
                    "recorded_by", "created_at"]
    add_columns = edit_columns = ["enterprise", "certificate", "kind", "source", "received_on",
                                  "description"]
    base_order = ("received_on", "desc")
    description_columns = {
        "kind": "系统随机抽查不合格、企业无法正常联系、变更产品最终使用地、违法违规线索或举报投诉"
                "（办事指南流程8）：收到日期在抽取回溯期内的，该单位列为重点检查对象"}
