"""The customs data exchange (海关调用记录) as a kind of import: its rows are checked by
``app.services.customs_import`` (the same rules as the form and the JSON import)."""
from __future__ import annotations

from app.models import CustomsUsage
from app.services import customs_import
from app.services.certificates import record_customs_usage
from app.services.imports.base import Column, ImportKind, Plan, RowError, RowsRefused, Sheet

CUSTOMS_SHEET = Sheet("海关调用记录", tuple(
    Column(header, field, True, customs_import.TEMPLATE_ROW[header])
    for header, field in customs_import.COLUMNS.items()))


class CustomsUsageImport(ImportKind):
    name = "customs_usage"
    title = "海关调用记录"
    model = CustomsUsage
    sheets = (CUSTOMS_SHEET,)
    list_endpoint = "CustomsUsageView.list"
    note = "海关数据交换提供的调用记录：按证明编号登记；同一证明下的报关单号不能重复导入。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        try:
            usages = customs_import.check_rows(rows)
        except RowsRefused as exc:
            errors.extend(exc.errors)
            return
        for row, usage in zip(rows, usages):
            plan.items.append(usage)
            plan.record(row, "新增", sheet)

    def write(self, plan: Plan) -> None:
        for usage in plan.items:
            record_customs_usage(usage)
