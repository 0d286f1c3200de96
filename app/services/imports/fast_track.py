"""A 便捷通道 grant's product list (seed 000 附件2: 过去两年 / 预计 lines), from its page."""
from __future__ import annotations

from app.enums import ProductListPeriod
from app.models import FastTrackGrant, FastTrackProductLine
from app.security_model import DISTRICT_OFFICERS
from app.services.imports.base import (
    Column,
    ImportKind,
    Plan,
    RowError,
    Sheet,
    enum_value,
    parse_int,
)
from app.services.imports.lookups import in_scope

LINE_SHEET = Sheet("产品清单", (
    Column("清单", "period", True, ProductListPeriod.expected.value,
           parse=enum_value(ProductListPeriod)),
    Column("产品小类代码", "ccc_code", True, "0901"),
    Column("用途", "purpose", True, "研发测试"),
    Column("批次（年均）", "annual_batches", True, "4", parse=parse_int),
    Column("入境口岸", "entry_port", True, "洋山港"),
    Column("产品入关后的处理方式", "handling", True, "使用"),
))


class FastTrackLinesImport(ImportKind):
    name = "fasttrack_line"
    title = "便捷通道产品清单"
    model = FastTrackProductLine
    sheets = (LINE_SHEET,)
    roles = DISTRICT_OFFICERS
    list_endpoint = "FastTrackGrantView.list"
    note = "便捷通道申请表中的产品清单（过去两年 / 预计）：导入的行追加到本申请的清单中。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        grant = in_scope(FastTrackGrant, self.context.get("grant_id"))
        if grant is None:
            errors.append(RowError(1, "文件", "请从便捷通道申请的页面导入其产品清单。"))
            return
        for row in sheets[sheet.title]:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            if not self.check_values(FastTrackProductLine, sheet, row,
                                     dict(values, grant_id=grant.id), errors):
                continue
            line = FastTrackProductLine(**values)
            line.grant = grant
            if self.prepare(line, True, sheet, row, errors):
                plan.items.append(line)
                plan.record(row, "新增", sheet)
