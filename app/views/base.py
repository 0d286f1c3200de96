"""The one base class of every console CRUD screen.

A concrete view names its model and the columns it shows; everything a user reads about a
field (label, help text, validation message, enum label) comes from the model's metadata
(``app.meta``), and record rules run on the whole form so their message lands at the field.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access, permission_name
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from sqlalchemy import inspect as sa_inspect
from wtforms import BooleanField, StringField
from wtforms.validators import ValidationError

from app import meta, policy
from app.domain.errors import (
    AccessDenied,
    DomainError,
    FieldInvalid,
    RecordInvalid,
    RecordNotFound,
    RuleViolation,
)
from app.domain.validators import check_record
from app.services.exports import export_table
from app.services.writes import prepare_write
from app.workflows import run_step
from app.security_model import Access
from app.datamodel import DomainInterface, text_search_columns
from app.views.widgets import LabeledEnumField, RemoteSelectField, label_blank_choices


def wtforms_validator(validate):
    """Adapt a domain field validator (raises FieldInvalid) to WTForms."""

    def _validator(form, field):
        try:
            validate(field.data)
        except FieldInvalid as exc:
            raise ValidationError(exc.message) from None

    _validator.__name__ = getattr(validate, "__name__", "domain_validator")
    return _validator


def format_value(value: Any) -> Any:
    """How a value reads in lists and show pages: dates without microseconds, yes/no in
    Chinese, several related records joined with the Chinese enumeration comma."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent == -2 else f"{value.normalize():f}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(x) for x in value)
    if isinstance(value, meta.LabeledEnum):
        return value.label
    return value


def screen_value(value: Any) -> Any:
    """``format_value`` for a screen: a status that asks for attention (``meta.Attention``:
    逾期, 即将到期) is coloured, so it stands out in a long list."""
    if isinstance(value, meta.Attention):
        return Markup('<span class="text-{} attention">{}</span>').format(value.level, value)
    return format_value(value)


def report_downloads(endpoint: str, name: str = "下载", **params) -> list[RecordLink]:
    """The PDF and .xlsx buttons of one official table (``/reports/...?format=``)."""
    return [RecordLink(f"{name}PDF", url_for(endpoint, format="pdf", **params), icon="fa-file-pdf"),
            RecordLink(f"{name}Excel", url_for(endpoint, format="xlsx", **params),
                       icon="fa-file-excel")]


def _form_with_record_rules(form_cls, rules, datamodel):
    """A subclass of a generated form whose ``validate`` also runs the model's record rules.

    Fields absent from the form (an edit form that omits some columns) are read from the
    stored record, so a rule always sees the whole record."""
    if not rules:
        return form_cls

    class RuledForm(form_cls):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators=extra_validators)
            values: dict[str, Any] = {}
            pk = getattr(self, "_id", None)
            if pk is not None:
                item = datamodel.get(pk)
                if item is not None:
                    mapper = sa_inspect(type(item))
                    values.update({attr.key: getattr(item, attr.key)
                                   for attr in mapper.column_attrs})
            values.update({name: field.data for name, field in self._fields.items()})
            try:
                check_record(rules, values)
            except RecordInvalid as exc:
                for name, messages in exc.errors.items():
                    field = self._fields.get(name)
                    if field is None:
                        self.form_errors.append("；".join(messages))
                    else:
                        field.errors = list(field.errors) + messages
                return False
            return valid

    RuledForm.__name__ = form_cls.__name__
    return RuledForm


@dataclasses.dataclass
class RecordLink:
    """A button on a record's show page: a workflow step (POST), a download or a page."""

    label: str
    url: str
    icon: str = "fa-link"
    style: str = "default"
    method: str = "GET"
    confirm: str | None = None


class DomainModelView(ModelView):
    """Generated CRUD for one domain model, labelled and validated from its metadata."""

    model: ClassVar[type] = None
    #: Which roles may read and write through this view (see ``app.security_model``).
    access: ClassVar[Access] = Access()
    page_size = policy.DEFAULT_PAGE_SIZE
    list_template = "console/list.html"
    show_template = "console/show.html"
    #: Columns of the .xlsx/.csv export; default: every column of the show page.
    export_columns: ClassVar[list[str] | None] = None
    #: The approval flow of this record type, if it has one (``app.workflows``).
    workflow: ClassVar[type | None] = None

    #: Permissions of this view's extra doors (uploads, imports) and the roles holding them.
    extra_roles: ClassVar[dict[str, frozenset]] = {}
    #: FAB's ``/download/<filename>`` serves any file of UPLOAD_FOLDER, unscoped; evidence goes
    #: through ``/files/<id>`` (FilesView), which follows the owner's district.
    exclude_route_methods = {"download"}

    @property
    def extra_permission_roles(self) -> dict[str, frozenset]:
        """Extra doors, plus the workflow door for the roles of its steps (each step
        checks its own roles again)."""
        roles = dict(self.extra_roles)
        if self.workflow:
            roles["can_step"] = self.workflow.roles()
        return roles

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.workflow is not None and "can_step" not in self.base_permissions:
            self.base_permissions.append("can_step")
        if self.workflow is None and "can_step" in self.base_permissions:
            self.base_permissions.remove("can_step")
        for permission in self.extra_roles:  # an explicit base_permissions list keeps them
            if permission not in self.base_permissions:
                self.base_permissions.append(permission)

    add_row_message = lazy_gettext("Added Row")
    edit_row_message = lazy_gettext("Changed Row")
    delete_row_message = lazy_gettext("Deleted Row")
    database_error_message = "保存失败：数据不符合数据库约束，请检查后重试。"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("model") is not None and cls.__dict__.get("datamodel") is None:
            cls.datamodel = DomainInterface(cls.model)

    # --- metadata-driven properties ---------------------------------------------------

    def _init_properties(self):
        model = self.datamodel.obj
        labels = meta.labels_of(model)
        labels.update(self.__class__.__dict__.get("label_columns") or {})
        self.label_columns = labels
        help_texts = meta.help_texts_of(model)
        help_texts.update(self.__class__.__dict__.get("description_columns") or {})
        self.description_columns = help_texts
        validators = {col: [wtforms_validator(fn) for fn in fns]
                      for col, fns in meta.validators_of(model).items()}
        for col, extra in (self.__class__.__dict__.get("validators_columns") or {}).items():
            validators.setdefault(col, []).extend(extra)
        self.validators_columns = validators
        formatters = {}
        for col in set(self.list_columns or []) | set(self.show_columns or []) \
                | {c for fs in (self.show_fieldsets or []) for c in fs[1]["fields"]}:
            formatters[col] = screen_value
        formatters.update(self.__class__.__dict__.get("formatters_columns") or {})
        self.formatters_columns = formatters
        super()._init_properties()
        shown = list(self.list_columns or []) + list(self.show_columns or [])
        self.datamodel.want_eager(shown)

    def _large_relations(self, columns) -> list[str]:
        """Relations to tables too large to list in a select box (``__search_text__``)."""
        dm = self.datamodel
        return [c for c in columns or [] if dm.is_relation(c) and not dm.is_relation_many_to_many(c)
                and text_search_columns(dm.get_related_model(c))]

    def _init_titles(self):
        name = meta.model_label(self.datamodel.obj)
        self.list_title = self.list_title or f"{name}列表"
        self.show_title = self.show_title or f"{name}详情"
        self.add_title = self.add_title or f"新增{name}"
        self.edit_title = self.edit_title or f"编辑{name}"
        super()._init_titles()

    def render_template(self, template, **kwargs):
        kwargs.setdefault("view", self)
        return super().render_template(template, **kwargs)

    # --- record links (show page) and exports (list page) -----------------------------

    def record_links(self, pk) -> list[RecordLink]:
        """Buttons on the show page: workflow steps the user may take now, then reports
        (``report_links``), then the record's 历史."""
        links = []
        item = self.datamodel.get(pk)
        if item is not None and self.workflow is not None:
            for step in self.workflow.allowed_steps(item, g.user):
                links.append(RecordLink(
                    step.label, url_for(f"{self.endpoint}.step", pk=pk, name=step.name),
                    icon="fa-arrow-right", style=step.style,
                    method="GET" if step.inputs else "POST", confirm=step.confirm))
        if item is not None:
            links.extend(self.report_links(item))
        if self.appbuilder.sm.has_access("can_record", "HistoryView"):
            links.append(RecordLink("历史", url_for("HistoryView.record",
                                                  table=self.datamodel.obj.__tablename__, pk=pk),
                                    icon="fa-history"))
        return links

    def list_links(self) -> list[RecordLink]:
        """Buttons above a list (imports, boards); subclasses add theirs."""
        return []

    def report_links(self, item) -> list[RecordLink]:
        """Official report downloads for this record (subclasses)."""
        return []

    @expose("/step/<int:pk>/<name>", methods=["GET", "POST"])
    @has_access
    @permission_name("step")
    def step(self, pk: int, name: str):
        """A workflow step: GET shows the form for its inputs, POST takes the step."""
        if self.workflow is None:
            abort(404)
        try:
            step = self.workflow.step(name)
        except RecordNotFound:
            abort(404)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        if self.datamodel.get(pk) is None:
            abort(404)
        if request.method == "GET":
            if not step.inputs:
                return redirect(show_url)
            return self.render_template("console/step.html", title=step.label, step=step,
                                        back=show_url, values={}, errors={})
        values = {spec.name: request.form.get(spec.name) for spec in step.inputs}
        try:
            run_step(self.workflow, pk, name, g.user, values)
        except RecordInvalid as exc:
            if step.inputs:
                return self.render_template("console/step.html", title=step.label, step=step,
                                            back=show_url, values=values, errors=exc.errors)
            flash(exc.message, "danger")
        except AccessDenied:
            abort(403)
        except RecordNotFound:
            abort(404)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"已{step.label}。", "success")
        return redirect(show_url)

    def pre_update(self, item):
        prepare_write(item, creating=False)

    def can_export(self) -> bool:
        return self.appbuilder.sm.has_access("can_export", self.class_permission_name)

    def _export_columns(self) -> list[str]:
        if self.export_columns:
            return list(self.export_columns)
        if self.show_fieldsets:
            return [c for _name, fs in self.show_fieldsets for c in fs["fields"]]
        return list(self.show_columns or self.list_columns)

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self):
        """The filtered list as .xlsx or .csv (``?format=``), within the user's scope."""
        fmt = request.args.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            abort(400)
        order = get_order_args().get(self.__class__.__name__) or self.base_order or ("", "")
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        count, items = self.datamodel.query(joined, order[0], order[1], page=0,
                                            page_size=policy.EXPORT_MAX_ROWS)
        columns = self._export_columns()
        values = self.datamodel.get_values(items, columns)
        rows = [[str(format_value(row[c])) for c in columns] for row in values]
        labels = [str(self.label_columns.get(c, c)) for c in columns]
        user = g.user
        content, mimetype, filename = export_table(
            self.datamodel.obj.__tablename__, meta.model_label(self.datamodel.obj), labels,
            rows, fmt, exported_by=user.get_full_name(),
            bureau=user.bureau.name if getattr(user, "bureau", None) else "", total=count)
        return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                         download_name=filename)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Records a workflow has moved on (submitted, issued...) are no longer edited as
        forms: the page says why instead of showing a form that cannot be saved."""
        pk = self._deserialize_pk_if_composite(pk)
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        refusal = getattr(item, "editing_refusal", lambda: None)()
        if refusal:
            flash(refusal, "warning")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        widgets = self._edit(pk)
        if not widgets:
            return self.post_edit_redirect()
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    @expose("/delete/<pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        """Deleting changes state: POST only (with the CSRF token), never a plain link."""
        pk = self._deserialize_pk_if_composite(pk)
        self._delete(pk)
        return self.post_delete_redirect()

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """A refused record (a banned unit, a closed parent, another district) keeps the
        form as typed, with the reason on the page: at the field when it names one, else
        above the form with HTTP 409."""
        g.add_refusal = None
        widgets = self._add()
        if not widgets:
            return self.post_add_redirect()
        status = 409 if isinstance(g.add_refusal, RuleViolation) else 200
        return self.render_template(self.add_template, title=self.add_title,
                                    widgets=widgets), status

    def _add(self):
        if request.method != "POST":
            return super()._add()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._fill_form_exclude_cols(exclude_cols, form)
        if not form.validate():
            return self._get_add_widget(form=form, exclude_cols=exclude_cols)
        self.process_form(form, True)
        item = self.datamodel.obj()
        form.populate_obj(item)
        try:
            self.pre_add(item)
            self.datamodel.add(item)
        except DomainError as exc:
            # nothing half-done stays: the refused record, and its place in a related
            # record's collection, are undone before the form is shown again
            self.datamodel.session.rollback()
            g.add_refusal = exc
            placed = False
            for name, messages in (getattr(exc, "errors", None) or {}).items():
                if name in form:
                    form[name].errors = list(form[name].errors or []) + list(messages)
                    placed = True
            if not placed:
                flash(exc.message, "danger")
            return self._get_add_widget(form=form, exclude_cols=exclude_cols)
        except Exception as exc:  # the framework's own database error: said, not shown raw
            flash(str(exc), "danger")
            return None
        self.post_add(item)
        flash(self.add_row_message, "success")
        return None

    def pre_add(self, item):
        prepare_write(item, creating=True)

    def upload_url(self, pk) -> str | None:
        """Where the show page's evidence upload form posts (views that take evidence)."""
        return None

    def pre_delete(self, item):
        refusal = getattr(item, "deletion_refusal", lambda: None)()
        if refusal:
            raise RuleViolation(refusal)

    def _init_forms(self):
        search_extra = dict(self.search_form_extra_fields or {})
        for col in self._large_relations(self.search_columns):
            search_extra.setdefault(col, StringField(self.label_columns.get(col, col),
                                                     widget=BS3TextFieldWidget()))
        self.search_form_extra_fields = search_extra
        for attr, columns in (("add_form_extra_fields", self.add_columns),
                              ("edit_form_extra_fields", self.edit_columns)):
            extra = dict(getattr(self, attr) or {})
            for col in columns or []:
                if self.datamodel.is_enum(col):
                    column = self.datamodel.list_columns[col]
                    extra.setdefault(col, LabeledEnumField(
                        self.label_columns.get(col, col), enum_cls=column.type.enum_class,
                        required=not column.nullable,
                        description=self.description_columns.get(col, ""),
                        default=column.default.arg if column.default is not None else None))
                if self.datamodel.is_boolean(col):
                    # A checkbox left unticked means "no", not "missing" (the framework
                    # would demand input for a NOT NULL boolean).
                    extra.setdefault(col, BooleanField(
                        self.label_columns.get(col, col),
                        description=self.description_columns.get(col, ""),
                        default=self.datamodel.get_col_default(col)))
            for col in self._large_relations(columns):
                extra.setdefault(col, RemoteSelectField(
                    self.label_columns.get(col, col), datamodel=self.datamodel, col_name=col,
                    required=not self.datamodel.is_nullable(col),
                    description=self.description_columns.get(col, "")))
            setattr(self, attr, extra)
        super()._init_forms()
        for form_cls in (self.add_form, self.edit_form, self.search_form):
            label_blank_choices(form_cls)
        rules = meta.record_rules_of(self.datamodel.obj)
        self.add_form = _form_with_record_rules(self.add_form, rules, self.datamodel)
        self.edit_form = _form_with_record_rules(self.edit_form, rules, self.datamodel)


def link_to(endpoint_view: str, pk: Any, text: Any) -> Markup:
    """A link to a record's show page, for list formatters."""
    return Markup('<a href="{}">{}</a>').format(
        url_for(f"{endpoint_view}.show", pk=pk), escape(text))
