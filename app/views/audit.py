"""The audit trail on screen (provincial admin only): a record's 历史, and the searchable log
of every change. Read-only: there is no door that edits or deletes the trail."""
from __future__ import annotations

import datetime as dt
import operator

from flask import abort, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from markupsafe import Markup
from wtforms import SelectField

from app import clock, meta
from app.fab import DomainFilterConverter, ScopedInterface
from app.present import format_value
from app.scope import signature_of
from app.services import audit
from app.workflows import step_of_transition


class HistoryView(BaseView):
    """``/history/<table>/<pk>``: every change of one record, with before and after."""

    route_base = "/history"
    default_view = "record"

    @expose("/<table>/<pk>")
    @has_access
    def record(self, table: str, pk: str):
        model = {m.__tablename__: m for m in audit.audited_models().values()}.get(table)
        if model is None:
            abort(404)
        try:
            key = audit.parse_primary_key(model, pk)
        except ValueError:
            abort(404)
        entries = audit.record_history(model, key)
        if not entries:
            abort(404)
        return self.render_template(
            "console/history.html", title=f"{meta.model_label(model)}历史记录",
            entries=list(reversed(entries)), record=entries[0].record)


class FilterRecordType(BaseFilter):
    name = "为"
    arg_name = "rec_type"

    def apply(self, query, value):
        if not value:
            return query
        changes = audit.transaction_model().changes
        return query.filter(changes.any(entity_name=value))


def _beijing_time(value) -> dt.datetime | None:
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class FilterIssuedFrom(BaseFilter):
    """The trail stores UTC; users type Beijing time."""

    name = "不早于"
    arg_name = "bj_from"
    compare = staticmethod(operator.ge)

    def apply(self, query, value):
        moment = _beijing_time(value)
        if moment is None:
            return query
        column = getattr(self.model, self.column_name)
        return query.filter(self.compare(column, clock.to_utc(moment)))


class FilterIssuedBefore(FilterIssuedFrom):
    name = "早于"
    arg_name = "bj_before"
    compare = staticmethod(operator.lt)


class AuditFilterConverter(DomainFilterConverter):
    def convert(self, col_name):
        if col_name == "changes":
            return [FilterRecordType(col_name, self.datamodel)]
        if col_name == "issued_at":
            return [FilterIssuedFrom(col_name, self.datamodel),
                    FilterIssuedBefore(col_name, self.datamodel)]
        return super().convert(col_name)


#: Columns of the audit log computed for the whole page at once (``audit.records_touched``).
PAGE_COLUMNS = ("action", "records")
#: At most this many records are named in one row; the row's 详情 lists them all.
RECORDS_SHOWN = 5


class AuditInterface(ScopedInterface):
    filter_converter_class = AuditFilterConverter

    def get_values(self, lst, list_columns):
        """The stored columns per row, plus what each transaction did to which records —
        derived for the whole page in a few queries (not one per row)."""
        lst = list(lst)
        touched = audit.records_touched(lst)
        stored = [c for c in list_columns if c not in PAGE_COLUMNS]
        for item, values in zip(lst, super().get_values(lst, stored)):
            for col in PAGE_COLUMNS:
                if col in list_columns:
                    values[col] = touched.get(item.id, [])
            yield values


def action_text(touch: audit.RecordTouch) -> str:
    """新增/修改/删除, or the workflow step when the change moved the record's state and one
    declared step makes that move; another state move says from what to what."""
    if not touch.state_changed:
        return touch.operation
    step = step_of_transition(touch.model, touch.state_before, touch.state_after)
    if step is not None:
        return str(step.label)  # a label may name the provincial bureau (``policy.LocalText``)
    return f"{touch.operation}（{format_value(touch.state_before) or '无'}→" \
           f"{format_value(touch.state_after) or '无'}）"


def _actions(touches) -> str:
    return "、".join(dict.fromkeys(action_text(t) for t in touches or []))


def _records(touches) -> Markup:
    touches = list(touches or [])
    links = [Markup('<a href="{}">{} {}</a>').format(
        url_for("HistoryView.record", table=t.table, pk=t.pk), meta.model_label(t.model),
        t.label or f"#{t.pk}")
        for t in touches[:RECORDS_SHOWN]]
    more = Markup("…等共{}条").format(len(touches)) if len(touches) > RECORDS_SHOWN else ""
    return Markup("<br>").join(links) + more


def _record_types(changes) -> str:
    models = audit.audited_models()
    return "、".join(meta.model_label(models[c.entity_name]) if c.entity_name in models
                    else c.entity_name for c in changes or [])


def _user(user) -> str:
    return signature_of(user) or "系统"


class AuditLogView(ModelView):
    """One row per saved transaction: when, who, from where, what it did (新增/修改/删除 or the
    workflow step) to which records (each linking to its 历史), which record types."""

    route_base = "/auditlog"
    base_permissions = ["can_list", "can_show"]
    list_title = "操作审计日志"
    show_title = "操作详情"
    list_columns = ["issued_at", "user", "remote_addr", "action", "records", "changes"]
    search_columns = ["issued_at", "user", "remote_addr", "changes"]
    order_columns = ["issued_at"]
    base_order = ("id", "desc")
    label_columns = {"id": "编号", "issued_at": "时间", "user": "操作人",
                     "remote_addr": "来源地址", "action": "操作", "records": "记录",
                     "changes": "记录类型"}
    formatters_columns = {"changes": _record_types, "user": _user,
                          "action": _actions, "records": _records,
                          "remote_addr": lambda v: v or "",
                          "issued_at": lambda v: f"{clock.from_utc(v):%Y-%m-%d %H:%M:%S}"
                          if v else ""}
    show_template = "console/transaction.html"
    page_size = 50

    def __init__(self, **kwargs):
        self.datamodel = AuditInterface(audit.transaction_model())
        self.datamodel.want_eager(["user", "changes"])
        self.search_form_extra_fields = {"changes": SelectField(
            "记录类型", choices=[(name, meta.model_label(model))
                             for name, model in sorted(audit.audited_models().items(),
                                                       key=lambda kv: meta.model_label(kv[1]))])}
        super().__init__(**kwargs)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        tx = self.datamodel.get(pk)
        if tx is None:
            abort(404)
        return self.render_template(self.show_template, title=self.show_title, tx=tx,
                                    user=_user(tx.user), issued_at=clock.from_utc(tx.issued_at),
                                    entries=audit.transaction_details(int(pk)))
