"""Database refusals (unique keys, NOT NULL, CHECK, foreign keys) explained in Chinese, for
SQLite and PostgreSQL alike. The transaction boundary (``app.transaction``) turns every
``IntegrityError`` into one of these ``DomainError`` s, so no door shows a driver's English."""
from __future__ import annotations

import re

from flask_appbuilder.models.sqla import Model
from sqlalchemy.exc import IntegrityError

from app import meta
from app.domain.errors import DomainError, RecordInvalid, RuleViolation

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\w+)\.(\w+)")

#: Messages for named check constraints (names follow app.extensions' naming convention).
CHECK_MESSAGES = {
    "ck_product_quantity_positive": "产品数量必须大于0。",
    "ck_product_amount_positive": "金额必须大于0。",
    "ck_product_weight_positive": "重量必须大于0。",
    "ck_product_hs_code_length": "HS编码应为10位数字。",
    "ck_customs_usage_quantity_positive": "调用数量必须大于0。",
    "ck_usage_record_quantity_positive": "数量必须大于0。",
    "ck_fast_track_product_line_annual_batches_positive": "年均批次必须大于0。",
    "ck_certificate_change_once": "免办证明仅允许变更一次。",
    "ck_certificate_deadline_after_issue": "监管期限不能早于签发日期。",
    "ck_application_shipping_reference": "提运单号、进口合同号、发票号至少填写一项。",
    "ck_application_clause1_needs_detail": "条款1必须选择二级明细条款。",
    "ck_application_detail_only_for_clause1": "只有条款1需要选择二级明细条款。",
    "ck_bureau_division_code_length": "行政区划代码应为6位数字。",
    "ck_annual_account_report_year_range": "年度不在有效范围内。",
}

#: Unique keys whose violation is a rule refused (409), not a mistyped field (422): a second
#: record of something there may be only one of, which a parallel request may have just made.
CONFLICT_MESSAGES = {
    "uq_annual_account_report_bureau_year":
        "该单位该年度的账号使用人信息汇总表已经存在，不能重复创建；请在原表上修改。",
}


def _model_for_table(table_name: str):
    for mapper in Model.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table_name:
            return mapper.class_
    return None


def _column_label(table: str, column: str) -> str:
    model = _model_for_table(table)
    if model is None:
        return column
    return meta.labels_of(model).get(column, column)


def _unique_constraint_name(table: str | None, columns: list[str]) -> str | None:
    model = _model_for_table(table) if table else None
    if model is None:
        return None
    for constraint in model.__table__.constraints:
        if [c.name for c in getattr(constraint, "columns", [])] == columns and constraint.name:
            return constraint.name
    return None


def explain_integrity_error(exc: IntegrityError, deleting: bool = False) -> DomainError:
    """The Chinese refusal for a database integrity error (SQLite or PostgreSQL)."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    text = str(orig)
    constraint = getattr(diag, "constraint_name", None) if diag else None
    table = getattr(diag, "table_name", None) if diag else None
    column = getattr(diag, "column_name", None) if diag else None
    sqlstate = getattr(orig, "sqlstate", None)

    unique = _SQLITE_UNIQUE.search(text)
    if unique or sqlstate == "23505":
        if unique:
            cols = [c.split(".") for c in unique.group(1).split(", ")]
            table, column = cols[0][0], cols[-1][1]
            constraint = _unique_constraint_name(table, [c[1] for c in cols])
        elif constraint and table:
            model = _model_for_table(table)
            column = None
            if model is not None:
                for uc in model.__table__.constraints:
                    if uc.name == constraint:
                        column = list(uc.columns)[-1].name
        if constraint in CONFLICT_MESSAGES:
            return RuleViolation(CONFLICT_MESSAGES[constraint])
        label = _column_label(table, column) if table and column else "关键字段"
        return RecordInvalid({column or "_schema": [f"{label}已存在，不能重复登记。"]})
    not_null = _SQLITE_NOT_NULL.search(text)
    if not_null or sqlstate == "23502":
        if not_null:
            table, column = not_null.group(1), not_null.group(2)
        label = _column_label(table, column) if table and column else "必填项"
        return RecordInvalid({column or "_schema": [f"{label}为必填项。"]})
    check = _SQLITE_CHECK.search(text)
    if check or sqlstate == "23514":
        name = check.group(1) if check else constraint
        return RecordInvalid(CHECK_MESSAGES.get(name, f"数据不符合约束（{name}）。"))
    if "FOREIGN KEY" in text or sqlstate == "23503":
        if deleting:
            return RuleViolation("该记录已被其他记录引用（如申请、证明或账号），不能删除。")
        return RecordInvalid("关联的记录不存在，请重新选择。")
    return RecordInvalid("数据保存失败：违反数据库完整性约束。")
