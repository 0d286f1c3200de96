"""The data access layer every console view and API resource goes through.

``DomainInterface`` is Flask-AppBuilder's ``SQLAInterface`` with two additions made once for
all doors: integrity errors from the database come back as Chinese messages, and (see
``app.scope``) every query it builds is limited to the rows the current user may see.
"""
from __future__ import annotations

import re
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import RelationshipProperty, joinedload, selectinload

from app import meta
from app.scope import UNRESTRICTED, bureau_scope, scope_clause


class IntegrityMessage(DatabaseException):
    """A database refusal explained in Chinese; ``field`` names the column when known."""

    def __init__(self, message: str, field: str | None = None, constraint: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.constraint = constraint

    def __str__(self) -> str:
        return self.message


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\w+)\.(\w+)")


def _model_for_table(table_name: str):
    from flask_appbuilder.models.sqla import Model

    for mapper in Model.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table_name:
            return mapper.class_
    return None


def _column_label(table: str, column: str) -> str:
    model = _model_for_table(table)
    if model is None:
        return column
    return meta.labels_of(model).get(column, column)


def explain_integrity_error(exc: IntegrityError, deleting: bool = False) -> IntegrityMessage:
    """Turn a database integrity error (SQLite or PostgreSQL) into a Chinese message."""
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
        elif constraint and table:
            model = _model_for_table(table)
            column = None
            if model is not None:
                for uc in model.__table__.constraints:
                    if uc.name == constraint:
                        column = list(uc.columns)[-1].name
        labels = _column_label(table, column) if table and column else "关键字段"
        return IntegrityMessage(f"{labels}已存在，不能重复登记。", field=column,
                                constraint=constraint)
    not_null = _SQLITE_NOT_NULL.search(text)
    if not_null or sqlstate == "23502":
        if not_null:
            table, column = not_null.group(1), not_null.group(2)
        label_text = _column_label(table, column) if table and column else "必填项"
        return IntegrityMessage(f"{label_text}为必填项。", field=column)
    check = _SQLITE_CHECK.search(text)
    if check or sqlstate == "23514":
        name = check.group(1) if check else constraint
        return IntegrityMessage(CHECK_MESSAGES.get(name, f"数据不符合约束（{name}）。"),
                                constraint=name)
    if "FOREIGN KEY" in text or sqlstate == "23503":
        if deleting:
            return IntegrityMessage("该记录已被其他记录引用（如申请、证明或账号），不能删除。")
        return IntegrityMessage("关联的记录不存在，请重新选择。")
    return IntegrityMessage("数据保存失败：违反数据库完整性约束。")


# Messages for named check constraints (names follow app.extensions' naming convention).
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


def text_search_columns(model) -> tuple[str, ...]:
    """Columns a user types into to find a record of a large table (``__search_text__``).
    A leading ``^`` marks a code matched by its beginning (an index range scan) rather than
    anywhere in the text; ``relation.column`` searches a column of a many-to-one relation
    (a 便捷通道 is found by its unit's name)."""
    return tuple(getattr(model, "__search_text__", ()))


def _column_match(model, path: str, value: str):
    prefix = path.startswith("^")
    relation, _, rest = path.lstrip("^").partition(".")
    if rest:
        related = getattr(model, relation)
        target = related.property.mapper.class_
        return related.has(_column_match(target, ("^" if prefix else "") + rest, value))
    column = getattr(model, relation)
    if prefix:
        return and_(column >= value, column < value + "\uffff")
    return column.contains(value)


def text_search_clause(model, value: str):
    value = value.strip()
    return or_(*(_column_match(model, col, value) for col in text_search_columns(model)))


class FilterRelatedText(BaseFilter):
    """Filter by the text of a related record (e.g. 申请单位 contains "华信") instead of a
    select box listing every related record, which does not scale to 100,000 applications."""

    name = "包含"
    arg_name = "rel_ct"

    def apply(self, query, value):
        if value is None or not str(value).strip():
            return query
        relation = getattr(self.model, self.column_name)
        prop = relation.property
        target = prop.mapper.class_
        clause = text_search_clause(target, str(value))
        if prop.uselist:
            return query.filter(relation.any(clause))
        # many-to-one: "fk IN (matching ids)" lets the database use both indexes, where
        # EXISTS per row would walk the whole (large) table being listed
        (local, remote), = prop.local_remote_pairs
        return query.filter(local.in_(select(remote).where(clause)))


class DomainFilterConverter(SQLAFilterConverter):
    def convert(self, col_name):
        if self.datamodel.is_relation(col_name) \
                and text_search_columns(self.datamodel.get_related_model(col_name)):
            return [FilterRelatedText(col_name, self.datamodel)]
        return super().convert(col_name)


class DomainInterface(SQLAInterface):
    """SQLAInterface with Chinese integrity messages, related text search, eager loading of
    the relations a screen shows (no N+1), and row-level scope (``app.scope``)."""

    filter_converter_class = DomainFilterConverter

    def __init__(self, obj, session=None):
        super().__init__(obj, session)
        self.eager_relations: set[str] = set()

    def want_eager(self, columns) -> None:
        """Relations among ``columns`` are loaded with the page's query, not one per row."""
        for col in columns or ():
            name = col.split(".")[0]
            if isinstance(self.list_properties.get(name), RelationshipProperty):
                self.eager_relations.add(name)

    def _apply_inner_all(self, query, filters=None, *args, **kwargs):
        """Every list, count and get of this interface passes here: the row scope of the
        current user is applied once, for all doors."""
        scope = bureau_scope()
        if scope is not UNRESTRICTED:
            query = query.filter(scope_clause(self.obj, scope))
        return super()._apply_inner_all(query, filters, *args, **kwargs)

    def orderable(self, column: str) -> bool:
        """A list can be sorted by a stored column (or a dotted related column), not by a
        computed property such as a deadline text."""
        name = column.split(".")[0]
        if "." in column:
            return self.is_relation(name)
        return name in self.list_columns

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column and not self.orderable(order_column):
            order_column = ""  # an unknown or computed column from the URL: keep the default
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)

    def get_order_columns_list(self, list_columns=None):
        return [c for c in super().get_order_columns_list(list_columns=list_columns)
                if self.orderable(c)]

    def _eager_options(self, collections_only: bool = False):
        options = []
        for name in sorted(self.eager_relations):
            prop = self.list_properties[name]
            attr = getattr(self.obj, name)
            target = prop.mapper.class_
            if prop.uselist:
                loader = selectinload(attr)
            elif not collections_only:
                loader = joinedload(attr)
            else:
                continue
            # what the related record's name is made of (``__str_loads__``), in the same go
            for inner in getattr(target, "__str_loads__", ()):
                loader = loader.joinedload(getattr(target, inner))
            options.append(loader)
        return options

    def apply_all(self, query, filters=None, order_column="", order_direction="", page=None,
                  page_size=None, select_columns=None, outer_default_load=False):
        query = super().apply_all(query, filters, order_column, order_direction, page,
                                  page_size, select_columns, outer_default_load)
        if self.eager_relations:
            # With select_columns (the REST API) the framework shapes the columns itself;
            # collections still need loading in one go.
            query = query.options(*self._eager_options(collections_only=bool(select_columns)))
        return query

    def _commit(self, deleting: bool = False) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise explain_integrity_error(exc, deleting=deleting) from exc
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise DatabaseException("数据库错误，保存未完成。") from exc

    def add(self, item: Any, commit: bool = True) -> None:
        self.session.add(item)
        if commit:
            self._commit()

    def edit(self, item: Any, commit: bool = True) -> None:
        self.session.merge(item)
        if commit:
            self._commit()

    def delete(self, item: Any, commit: bool = True) -> None:
        self._delete_files(item)
        self.session.delete(item)
        if commit:
            self._commit(deleting=True)

    def delete_all(self, items: list[Any]) -> None:
        for item in items:
            self._delete_files(item)
            self.session.delete(item)
        self._commit(deleting=True)
