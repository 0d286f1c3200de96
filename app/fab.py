"""Every adaptation of Flask-AppBuilder (FAB) in one module, checked against FAB 5.3.0.

The console screens are FAB ``ModelView`` s and the REST resources FAB ``ModelRestApi`` s. What
both share for one record type — the model, its labels, help texts and validators, its titles,
its access and permissions, row scope on every query, and writes through the console's one path
(``app.commands.records``) — is :class:`DomainDoor` plus one adapter per kind of door.

Where FAB has a public hook that covers every door it is used. Where it has none, a private
method or attribute is overridden, called or read — here only, never in another module of the
app, which calls what this module offers instead. Each is listed in :data:`PRIVATE_HOOKS`, and
``tests/test_fab_canary.py`` fails when an upgrade removes one or changes its parameters, or
when a module other than this one touches one — an upgrade of FAB starts by reading this
module. (``base_filters`` is FAB's documented row-level mechanism, but its list actions and
related-field queries skip it; scope is applied in ``ScopedInterface._apply_inner_all``, which
every list, count, get and lookup passes.)
"""
from __future__ import annotations

import copy
import functools
import logging
import re
import sys
from typing import Any, ClassVar

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.api import ModelRestApi, protect, safe
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.exceptions import InvalidOperationFilterFABException
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.urltools import get_filter_args
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user as session_user
from marshmallow import ValidationError, validates_schema
from marshmallow import fields as ma_fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from sqlalchemy import select
from sqlalchemy.orm import RelationshipProperty, joinedload, selectinload
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import ValidationError as FormValidationError

from app import clock, meta, policy, present
from app.commands.records import DeleteRecord, SaveRecord
from app.domain.errors import (
    BUSY,
    Busy,
    DomainError,
    FieldInvalid,
    RecordInvalid,
    RuleViolation,
    StaleRecord,
    headers_of,
    payload,
)
from app.domain.validators import check_record
from app.extensions import db
from app.scope import UNRESTRICTED, bureau_scope, scope_clause, scope_paths
from app.security_model import Access
from app.services.records import check_version, deletion_refusal_of, editing_refusal_of
from app.services.search import (
    contains,
    starts_with,
    text_search_clause,
    text_search_clauses,
    text_search_columns,
)
from app.transaction import read_only_from_now
from app.widgets import LabeledEnumField, RemoteSelectField, label_blank_choices

log = logging.getLogger(__name__)

FAB_VERSION_CHECKED = "5.3.0"

#: FAB's private methods and attributes this module overrides, calls or reads, by the class
#: that defines them. No other module of the app touches FAB's private API: it calls what this
#: module offers (``BlankChoiceLabels``, ``ConsoleViewAdapter.list_filters``, ``record_pk``…).
PRIVATE_HOOKS: dict[type, tuple[str, ...]] = {
    SQLAInterface: ("_apply_inner_all", "apply_all", "apply_order_by", "get_order_columns_list"),
    BaseCRUDView: ("_init_properties", "_init_titles", "_init_forms", "_add", "_edit",
                   "_delete", "_get_add_widget", "_get_edit_widget", "_fill_form_exclude_cols",
                   "_deserialize_pk_if_composite", "_get_related_views_widgets",
                   "_filters", "_base_filters", "_related_views"),
    ModelRestApi: ("_init_properties", "_init_titles", "_init_model_schemas", "_get_field_info",
                   "_merge_update_item", "post_headless", "put_headless", "delete_headless",
                   "get_headless", "_handle_filters_args", "_base_filters"),
    Model2SchemaConverter: ("_column2field", "_meta_schema_factory"),
    BaseSecurityManager: ("_has_view_access",),
    FabOpenApi: ("_create_api_spec",),
}
# Also private: ``form._id``, the record's key that FAB's ``_edit`` sets on an edit form for its
# ``Unique`` validator to read; ``ConsoleViewAdapter._edit`` and ``VersionedEdit.edit`` set it
# too (the canary checks that ``Unique`` still reads it).


# =========================================================================================
# Data access: row scope on every query, related text search, eager loading
# =========================================================================================


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
        (local, remote), = prop.local_remote_pairs
        scope = bureau_scope()
        # the relation is the scope path's first hop: a row in scope has its related record
        # in scope, so the related search reads only the user's share of it — a district's
        # 申请编号 prefix is one range of (bureau_id, number)
        scoped = scope is not UNRESTRICTED and bool(scope_paths(self.model)) \
            and all(path[0] == self.column_name for path in scope_paths(self.model))
        share = [scope_clause(target, scope)] if scoped else []
        found: set = set()
        for arm in text_search_clauses(target, str(value)):  # each from its own index
            found.update(db.session.scalars(
                select(remote).where(*share, arm).limit(self.MANY_MATCHES + 1)))
            if len(found) > self.MANY_MATCHES:
                break
        if len(found) <= self.MANY_MATCHES:
            # few matches (a typed number): filter by them as values, so that each database
            # reads just their rows by the foreign key's index (given a sub-select with an
            # OR, PostgreSQL misjudges it at a million rows and walks the whole table in
            # list order)
            return query.filter(local.in_(sorted(found)))
        # many-to-one: "fk IN (matching ids)" lets the database use both indexes, where
        # EXISTS per row would walk the whole (large) table being listed
        matching = select(remote).where(*share, clause)
        if scoped and db.engine.dialect.name == "sqlite":
            # most of the district matches (a prefix all its numbers share): walk the
            # district's own rows in the list's order (the carried owner's covering index)
            # and stop at a page, instead of collecting every match and sorting them; ``+ 0``
            # keeps the planner off the foreign key's index. (PostgreSQL hash-joins the
            # district's index-only range with the matches.)
            return query.filter((local + 0).in_(matching))
        return query.filter(local.in_(matching))

    #: Related records matched up to which a scoped list filters by their ids as values;
    #: above it, it walks its own rows (SQLite) or joins the matches (PostgreSQL).
    MANY_MATCHES = 200


class FilterCodeStartsWith(BaseFilter):
    """开头是: a code's beginning, read from its B-tree index as a range (issue 15)."""

    name = "开头是"
    arg_name = "sw"

    def apply(self, query, value):
        if value is None or not str(value).strip():
            return query
        return query.filter(starts_with(getattr(self.model, self.column_name),
                                        str(value).strip()))


class FilterCodeEqual(BaseFilter):
    name = "等于"
    arg_name = "eq"

    def apply(self, query, value):
        if value is None or not str(value).strip():
            return query
        return query.filter(getattr(self.model, self.column_name) == str(value).strip())


class FilterIndexedContains(BaseFilter):
    """包含: text anywhere in a name, from its trigram index (pg_trgm / SQLite FTS5)."""

    name = "包含"
    arg_name = "ct"

    def apply(self, query, value):
        if value is None or not str(value).strip():
            return query
        return query.filter(contains(self.model, self.column_name, str(value).strip()))


class DomainFilterConverter(SQLAFilterConverter):
    def convert(self, col_name):
        if self.datamodel.is_relation(col_name) \
                and text_search_columns(self.datamodel.get_related_model(col_name)):
            return [FilterRelatedText(col_name, self.datamodel)]
        searched = text_search_columns(self.datamodel.obj)
        if "^" + col_name in searched:  # a code: its beginning or the whole code by default
            return [FilterCodeStartsWith(col_name, self.datamodel),
                    FilterCodeEqual(col_name, self.datamodel)]
        if col_name in searched:  # a name: anywhere in it, from the trigram index
            return [FilterIndexedContains(col_name, self.datamodel)] + [
                f for f in super().convert(col_name) if f.arg_name != "ct"]
        return super().convert(col_name)


class ScopedInterface(SQLAInterface):
    """FAB's data interface with the user's row scope on every query (list, count, get,
    related drop-downs, lookups, exports), related text search, eager loading of the
    relations a screen shows (no N+1), and derived values (``meta.derived``) in lists.
    Writes do not come here: they go through ``app.commands.records``."""

    filter_converter_class = DomainFilterConverter

    def __init__(self, obj, session=None):
        super().__init__(obj, session)
        self.eager_relations: set[str] = set()

    def want_eager(self, columns) -> None:
        for col in columns or ():
            name = col.split(".")[0]
            if isinstance(self.list_properties.get(name), RelationshipProperty):
                self.eager_relations.add(name)

    def _apply_inner_all(self, query, filters=None, *args, **kwargs):
        scope = bureau_scope()
        if scope is not UNRESTRICTED:
            query = query.filter(scope_clause(self.obj, scope))
        return super()._apply_inner_all(query, filters, *args, **kwargs)

    def orderable(self, column: str) -> bool:
        """A list sorts by a stored column (or a dotted related column), or by a computed
        value that declares the stored expression it sorts by (``meta.sorted_by``: 审核时限,
        剩余有效天数), not by any other computed text."""
        name = column.split(".")[0]
        if "." in column:
            return self.is_relation(name)
        return name in self.list_columns or meta.derived_sort_of(self.obj, name) is not None

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column and not self.orderable(order_column):
            order_column = ""  # an unknown or computed column from the URL: keep the default
        sort = meta.derived_sort_of(self.obj, order_column) if order_column else None
        if sort is not None:
            return query.order_by(*sort(order_direction == "desc"))
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)

    def get_order_columns_list(self, list_columns=None):
        stored = [c for c in super().get_order_columns_list(list_columns=list_columns)
                  if self.orderable(c)]
        derived = [c for c in (list_columns or ())
                   if meta.derived_sort_of(self.obj, c) is not None and c not in stored]
        return stored + derived

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
            for inner in getattr(target, "__str_loads__", ()):
                loader = loader.joinedload(getattr(target, inner))
            options.append(loader)
        return options

    def _refusal_options(self):
        """Loaders for the relations the record's edit/delete refusal reads
        (``__refusal_loads__``: dotted paths), so a list decides each row's 编辑/删除 icons
        without a query per row."""
        options = []
        for path in getattr(self.obj, "__refusal_loads__", ()):
            owner, loader = self.obj, None
            for name in path.split("."):
                attr = getattr(owner, name)
                loader = joinedload(attr) if loader is None else loader.joinedload(attr)
                owner = attr.property.mapper.class_
            options.append(loader)
        return options

    def apply_all(self, query, filters=None, order_column="", order_direction="", page=None,
                  page_size=None, select_columns=None, outer_default_load=False):
        query = super().apply_all(query, filters, order_column, order_direction, page,
                                  page_size, select_columns, outer_default_load)
        if self.eager_relations:
            query = query.options(*self._eager_options(collections_only=bool(select_columns)))
        if not select_columns:
            query = query.options(*self._refusal_options())
        return query

    #: Keys of a list row's values (beside its columns) saying why it cannot be edited or
    #: deleted now: the list shows the 编辑/删除 icons only where the door would accept.
    EDIT_REFUSAL, DELETE_REFUSAL = "__edit_refusal__", "__delete_refusal__"

    def get_values(self, lst, list_columns):
        lst = list(lst)
        for item, values in zip(lst, super().get_values(lst, list_columns)):
            values[self.EDIT_REFUSAL] = editing_refusal_of(item)
            values[self.DELETE_REFUSAL] = deletion_refusal_of(item)
            yield values

    def add(self, item, commit=True):
        return SaveRecord(item, creating=True).execute()

    def edit(self, item, commit=True):
        return SaveRecord(item, creating=False).execute()

    def delete(self, item, commit=True):
        return DeleteRecord(item).execute()


# =========================================================================================
# What a console screen and a REST resource of one record type share
# =========================================================================================


def access_of(model) -> Access:
    """A record type's access, declared once beside the model (``__access__``)."""
    return getattr(model, "__access__", Access())


class DomainDoor:
    """The shared base of ``DomainModelView`` (console) and ``DomainModelApi`` (REST)."""

    model: ClassVar[type] = None
    #: The approval flow of this record type, if it has one (``app.workflows``).
    workflow: ClassVar[type | None] = None
    #: Permissions of this door's extra routes (uploads, imports) and the roles holding them.
    extra_roles: ClassVar[dict[str, frozenset]] = {}
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("model")
        if model is not None:
            if cls.__dict__.get("datamodel") is None:
                cls.datamodel = ScopedInterface(model)
            if "access" not in cls.__dict__:
                cls.access = access_of(model)

    @property
    def extra_permission_roles(self) -> dict[str, frozenset]:
        """Extra doors, plus the workflow door for the roles of its steps (each step checks
        its own roles again)."""
        roles = dict(self.extra_roles)
        if self.workflow:
            roles["can_step"] = self.workflow.roles()
        return roles

    def door_permissions(self) -> list[str]:
        """Reading, the write doors the model's access opens, the workflow door, extras
        (``READ_PERMISSIONS`` / ``WRITE_PERMISSIONS``: the FAB names of each kind of door)."""
        perms = list(self.READ_PERMISSIONS)
        perms += [perm for door, perm in self.WRITE_PERMISSIONS.items()
                  if door in self.access.doors]
        if self.workflow is not None:
            perms.append("can_step")
        perms += [p for p in self.extra_roles if p not in perms]
        return perms

    def domain_properties(self, adapt_validator) -> None:
        """Labels, help texts and field validators read from the model's metadata; a door
        may still add or override some (``label_columns`` etc. on the class)."""
        model = self.datamodel.obj
        labels = meta.labels_of(model)
        labels.update(type(self).__dict__.get("label_columns") or {})
        self.label_columns = labels
        help_texts = meta.help_texts_of(model)
        help_texts.update(type(self).__dict__.get("description_columns") or {})
        self.description_columns = help_texts
        self.validators_columns = adapt_validator(meta.validators_of(model),
                                                  type(self).__dict__.get("validators_columns"))

    def domain_titles(self) -> None:
        name = meta.model_label(self.datamodel.obj)
        self.list_title = self.list_title or f"{name}列表"
        self.show_title = self.show_title or f"{name}详情"
        self.add_title = self.add_title or f"新增{name}"
        self.edit_title = self.edit_title or f"编辑{name}"


# =========================================================================================
# Console screens (ModelView)
# =========================================================================================


def wtforms_validator(validate):
    """Adapt a domain field validator (raises FieldInvalid) to WTForms."""

    def _validator(form, field):
        try:
            validate(field.data)
        except FieldInvalid as exc:
            raise FormValidationError(exc.message) from None

    _validator.__name__ = getattr(validate, "__name__", "domain_validator")
    return _validator


def _wtforms_validators(domain, extra) -> dict[str, list]:
    validators = {col: [wtforms_validator(fn) for fn in fns] for col, fns in domain.items()}
    for col, more in (extra or {}).items():
        validators.setdefault(col, []).extend(more)
    return validators


def _console_form(form_cls, rules, datamodel, versioned: bool):
    """A subclass of a generated form whose ``validate`` also runs the model's record rules
    (fields absent from the form are read from the stored record, so a rule sees the whole
    record), carrying the record's ``lock_version`` in a hidden field when it has one."""

    class ConsoleForm(form_cls):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators=extra_validators)
            if not rules:
                return valid
            values: dict[str, Any] = {}
            pk = getattr(self, "_id", None)
            if pk is not None:
                item = datamodel.get(pk)
                if item is not None:
                    values.update({attr.key: getattr(item, attr.key)
                                   for attr in db.inspect(type(item)).column_attrs})
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

    if versioned:
        ConsoleForm.lock_version = HiddenField()
    ConsoleForm.__name__ = form_cls.__name__
    return ConsoleForm


class BlankChoiceLabels:
    """``ModelView`` mixin: the blank choice of every select box FAB generates (add, edit and
    search forms) says 请选择 (``app.widgets.label_blank_choices``) — on our screens and on
    FAB's own (user management, ``app.security``)."""

    def _init_forms(self):
        super()._init_forms()
        for form_cls in (self.add_form, self.edit_form, self.search_form):
            label_blank_choices(form_cls)


class VersionField(HiddenField):
    """The ``lock_version`` a form was opened with: compared, never written onto the record."""

    def populate_obj(self, obj, name) -> None:
        return None


class VersionedEdit:
    """``ModelView`` mixin for Flask-AppBuilder's own screens (user management,
    ``app.security``): the edit form carries the record's ``lock_version``, and a save based on
    a form opened before someone else saved the record is refused — nothing changes; the form
    is shown again as typed, with 「该记录已被他人修改，请刷新后重试。」 above it (409). (Our own
    screens save through ``ConsoleViewAdapter``, which does the same.)"""

    def _init_forms(self):
        super()._init_forms()
        self.edit_form = type(self.edit_form.__name__, (self.edit_form,),
                              {"lock_version": VersionField()})

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        if request.method == "POST":
            item = record_in_view(self, pk)
            if item is None:
                abort(404)
            try:
                check_version(item, (request.form.get("lock_version") or "").strip() or None)
            except StaleRecord as exc:
                flash(exc.message, "danger")
                form = self.edit_form.refresh(request.form)
                form._id = item.id
                widgets = self._get_edit_widget(form=form, exclude_cols=[])
                widgets = self._get_related_views_widgets(
                    item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets)
                return self.render_template(self.edit_template, title=self.edit_title,
                                            widgets=widgets,
                                            related_views=self._related_views), 409
        return super().edit(pk)


#: A list's filter in a URL (``_flt_<n>_<column>``): a related list's 新增 carries its parent's.
_PARENT_FILTER = re.compile(r"_flt_\d+_(\w+)")


def record_pk(view, text: str):
    """A record's key as a FAB view reads it from a URL (a composite key is JSON)."""
    return view._deserialize_pk_if_composite(text)


def record_in_view(view, pk):
    """The record ``pk`` as a console view or an API would show it (its base filters and the
    user's scope applied); None when it is not there or the key is malformed."""
    try:
        key = view._deserialize_pk_if_composite(pk) \
            if hasattr(view, "_deserialize_pk_if_composite") else pk
        return view.datamodel.get(key, view._base_filters)
    except (TypeError, ValueError):
        return None


class ConsoleViewAdapter(BlankChoiceLabels):
    """FAB ``ModelView`` overrides: metadata-driven forms, the optimistic lock, writes through
    the console's one path, refusals said in Chinese and kept on the page, a new record's parent
    filled in from the page it was opened from."""

    READ_PERMISSIONS = ("can_list", "can_show", "can_export")
    WRITE_PERMISSIONS = {"add": "can_add", "edit": "can_edit", "delete": "can_delete"}
    #: FAB's ``/download/<filename>`` serves any file of UPLOAD_FOLDER, unscoped; evidence goes
    #: through ``/files/<id>``, which follows the owner's district.
    exclude_route_methods = {"download"}

    def __init__(self, **kwargs):
        if self.base_permissions is None:
            self.base_permissions = self.door_permissions()
        super().__init__(**kwargs)

    #: Columns a screen shows only in a province whose profile says so: {column: profile ->
    #: bool} (the commerce co-confirmation date, where fast-track decisions have none)
    profile_columns: ClassVar[dict[str, Any]] = {}

    def _drop_profile_columns(self) -> None:
        active = policy.profile()
        hidden = {col for col, shown in self.profile_columns.items() if not shown(active)}
        if not hidden:
            return
        for attr in ("list_columns", "show_columns", "add_columns", "edit_columns",
                     "search_columns", "export_columns"):
            columns = getattr(self, attr, None)
            if columns:
                setattr(self, attr, [c for c in columns if c not in hidden])
        if self.show_fieldsets:
            self.show_fieldsets = [
                (title, {**spec, "fields": [c for c in spec["fields"] if c not in hidden]})
                for title, spec in self.show_fieldsets]

    def _init_properties(self):
        self._drop_profile_columns()
        self.domain_properties(_wtforms_validators)
        formatters = {}
        for col in set(self.list_columns or []) | set(self.show_columns or []) \
                | {c for fs in (self.show_fieldsets or []) for c in fs[1]["fields"]}:
            formatters[col] = present.screen_value
        formatters.update(type(self).__dict__.get("formatters_columns") or {})
        self.formatters_columns = formatters
        super()._init_properties()
        shown = list(self.list_columns or []) + list(self.show_columns or [])
        self.datamodel.want_eager(shown)

    def _init_titles(self):
        self.domain_titles()
        super()._init_titles()

    def _large_relations(self, columns) -> list[str]:
        """Relations to tables too large to list in a select box (``__search_text__``)."""
        dm = self.datamodel
        return [c for c in columns or [] if dm.is_relation(c) and not dm.is_relation_many_to_many(c)
                and text_search_columns(dm.get_related_model(c))]

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
                    # an unticked box means "no", not "missing"
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
        super()._init_forms()  # BlankChoiceLabels: then every blank choice says 请选择
        rules = meta.record_rules_of(self.datamodel.obj)
        versioned = hasattr(self.datamodel.obj, "lock_version")
        self.add_form = _console_form(self.add_form, rules, self.datamodel, False)
        self.edit_form = _console_form(self.edit_form, rules, self.datamodel, versioned)

    def list_filters(self):
        """The filters of the list as its URL sets them (``_flt_…``), joined with the view's
        base filters: the rows the list shows (an export of the list reads these)."""
        get_filter_args(self._filters)
        return self._filters.get_joined_filters(self._base_filters)

    # --- add ---------------------------------------------------------------------------

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        if request.method == "GET":
            self.prefill_from_parent(form)
        return super()._get_add_widget(form=form, exclude_cols=exclude_cols, widgets=widgets)

    def prefill_from_parent(self, form) -> None:
        """A record opened from its parent's page (the related list's 新增 carries
        ``?_flt_0_<relation>=<id>``) has the parent set — if the user may see it."""
        for key, value in request.args.items():
            match = _PARENT_FILTER.fullmatch(key)
            if not match or not value.isdigit():
                continue
            name = match.group(1)
            field = getattr(form, name, None)
            if field is None or field.data or not self.datamodel.is_relation_many_to_one(name):
                continue
            related = ScopedInterface(self.datamodel.get_related_model(name))
            query = related.apply_all(related.session.query(related.obj))
            parent = query.filter(related.obj.id == int(value)).one_or_none()
            if parent is not None:
                field.data = parent

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """A refused record (a banned unit, a closed parent, another district) keeps the
        form as typed, with the reason on the page: at the field when it names one, else
        above the form with HTTP 409."""
        g.console_refusal = None
        widgets = self._add()
        if not widgets:
            return self.post_add_redirect()
        return self.render_template(self.add_template, title=self.add_title,
                                    widgets=widgets), *_refusal_status(g.console_refusal)

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

        def fill(record):
            form.populate_obj(record)

        try:
            fill(item)
            SaveRecord(item, creating=True).execute()
        except DomainError as exc:
            self._show_refusal(form, exc)
            return self._get_add_widget(form=form, exclude_cols=exclude_cols)
        self.post_add(item)
        flash(f"已新增{meta.model_label(self.datamodel.obj)}。", "success")
        return None

    # --- edit --------------------------------------------------------------------------

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Records a workflow has moved on (submitted, issued...) are not edited as forms:
        the page says why instead of showing a form that cannot be saved."""
        item = record_in_view(self, pk)
        if item is None:
            abort(404)
        refusal = editing_refusal_of(item)
        if refusal:
            flash(refusal, "warning")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        g.console_refusal = None
        widgets = self._edit(pk)
        if not widgets:
            return self.post_edit_redirect()
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views), \
            *_refusal_status(g.console_refusal)

    def _edit(self, pk):
        if request.method != "POST":
            return super()._edit(pk)
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        pk = self.datamodel.get_pk_value(item)  # typed, as FAB's unique validators compare it
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(exclude_cols, form)
        form._id = pk
        if not form.validate():
            return self._edit_widgets(item, form, exclude_cols)
        self.process_form(form, False)
        version_field = form._fields.get("lock_version")
        expected = (version_field.data or None) if version_field is not None else None

        def fill(record):
            for name, field in form._fields.items():
                if name != "lock_version":
                    field.populate_obj(record, name)

        try:
            SaveRecord(item, creating=False, apply=fill, expected_version=expected).execute()
        except DomainError as exc:
            self._show_refusal(form, exc)
            return self._edit_widgets(item, form, exclude_cols)
        self.post_update(item)
        flash(f"已保存{meta.model_label(self.datamodel.obj)}。", "success")
        return None

    def _edit_widgets(self, item, form, exclude_cols):
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(item, filters={}, orders={}, pages={},
                                               page_sizes={}, widgets=widgets)

    # --- delete ------------------------------------------------------------------------

    @expose("/delete/<pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        """Deleting changes state: POST only (with the CSRF token), never a plain link."""
        pk = self._deserialize_pk_if_composite(pk)
        self._delete(pk)
        return self.post_delete_redirect()

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        try:
            DeleteRecord(item).execute()
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            self.post_delete(item)
            flash(f"已删除{meta.model_label(self.datamodel.obj)}。", "success")
        self.update_redirect()

    # --- refusals ----------------------------------------------------------------------

    def _show_refusal(self, form, exc: DomainError) -> None:
        """Nothing half-done stays (the command rolled back); the reason is shown at the
        field it names, else above the form."""
        g.console_refusal = exc
        if isinstance(exc, Busy):
            read_only_from_now()  # the form is shown again without waiting for the lock again
        placed = False
        for name, messages in (getattr(exc, "errors", None) or {}).items():
            if name in form and name != "lock_version":
                form[name].errors = list(form[name].errors or []) + list(messages)
                placed = True
        if not placed:
            flash(exc.message, "danger")


def _refusal_status(refusal: DomainError | None) -> tuple[int, dict[str, str]]:
    """The status (and headers) of a console form shown again with a refusal: 409 when a rule
    refused, 503 (``Retry-After``) when the database was busy, else 200 (invalid input)."""
    if isinstance(refusal, Busy):
        return 503, headers_of(refusal)
    return (409 if isinstance(refusal, RuleViolation) else 200), {}


#: Refusals about the door itself — the role may not (403), the record is not there or not in
#: the user's district (404): a console POST answers them with the error page of their status.
DOOR_REFUSALS = (403, 404)


def _flash_refusal(message: str) -> None:
    flash(message, "danger")


def console_refusal(exc: DomainError, back=None, *, invalid=None, error_pages=DOOR_REFUSALS,
                    say=_flash_refusal):
    """The console's answer to a domain refusal: the one mapping (``payload``) told as a page.

    - a busy database is never said on the page: it is raised on to the app's answer to it
      (the 503 page with ``Retry-After``, ``app.web``);
    - a status in ``error_pages`` (by default the role's 403 and the out-of-scope 404) answers
      the error page of that status;
    - invalid input, when ``invalid`` is given, shows its form again: ``invalid(errors)``
      answers (e.g. the step's form with the reasons at its fields, 422), or None to go on;
    - any other refusal is said in Chinese (``say``: flashed by default) and ``back()``
      answers — a URL (redirected to) or a response; without ``back``, None.

    A page whose refusals are all about its contents (a list action, an import, a board)
    passes ``error_pages=()``: it says every refusal on the page."""
    if isinstance(exc, Busy):
        raise exc  # the app's one answer: the 503 page with Retry-After (``app.web``)
    status, _message = payload(exc)
    if status in error_pages:
        abort(status)
    if invalid is not None and isinstance(exc, RecordInvalid):
        answer = invalid(exc.errors)
        if answer is not None:
            return answer
    say(exc.message)
    if back is None:
        return None
    answer = back()
    return redirect(answer) if isinstance(answer, str) else answer


def console_errors(back, *, invalid=None, error_pages=DOOR_REFUSALS):
    """Decorator for a console POST door (a workflow step, an upload, an import, a list
    action): a ``DomainError`` raised by the route is answered by :func:`console_refusal`.
    ``back`` and ``invalid`` are functions of the view and the route's arguments
    (``invalid`` also of the errors: ``invalid(view, errors, *args)``)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except DomainError as exc:
                return console_refusal(
                    exc, lambda: back(self, *args, **kwargs),
                    invalid=None if invalid is None else
                    (lambda errors: invalid(self, errors, *args, **kwargs)),
                    error_pages=error_pages)

        return wrapper

    return decorate


# =========================================================================================
# REST resources (ModelRestApi)
# =========================================================================================


class BeijingDateTime(ma_fields.DateTime):
    """Times are kept as Beijing wall-clock time (``app.clock``); the API says so with the
    +08:00 offset (ISO 8601 / RFC 3339), and takes a time with any offset, or none (Beijing)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=clock.BEIJING)
        return value.isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            moment = moment.astimezone(clock.BEIJING).replace(tzinfo=None)
        return moment


class DomainSchemaConverter(Model2SchemaConverter):
    """FAB's schema converter plus our fields: declared API fields (derived values, lists),
    tag lists for many-to-many enum tags, the model's record rules on input schemas — and
    input schemas that load plain values (``load_instance=False``): a schema is shared by
    every thread, so it must never hold the record being written."""

    def __init__(self, datamodel, validators_columns, api_fields=None, record_rules=(),
                 tag_field=None):
        super().__init__(datamodel, validators_columns)
        self.api_fields = dict(api_fields or {})
        self.record_rules = tuple(record_rules)
        self.tag_field = tag_field

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        if column.name in self.api_fields and datamodel.obj is self.datamodel.obj:
            return copy.deepcopy(self.api_fields[column.name])
        if datamodel.is_relation_many_to_many(column.name) and self.tag_field is not None:
            related = datamodel.get_related_model(column.name)
            field = self.tag_field(related)
            if field is not None:
                return field
        field = super()._column2field(datamodel, column, nested=nested,
                                      parent_schema_name=parent_schema_name)
        if isinstance(field, ma_fields.DateTime) and not isinstance(field, ma_fields.Date):
            field = BeijingDateTime(required=field.required, allow_none=field.allow_none,
                                    dump_only=field.dump_only, load_only=field.load_only)
        col = datamodel.list_columns.get(column.name)
        if col is not None and (col.default is not None or col.server_default is not None):
            field.required = False  # the database (or the model) supplies it
        if col is not None and col.nullable:
            field.allow_none = True  # null clears an optional field
        return field

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        rules = self.record_rules
        writing = bool(parent_schema_name and parent_schema_name.endswith((".post", ".put")))
        if rules and model is self.datamodel.obj and writing:

            class RuledMixin(class_mixin):
                @validates_schema
                def _record_rules(self, data, **kwargs):
                    try:
                        check_record(rules, data)
                    except RecordInvalid as exc:
                        raise ValidationError(exc.errors) from None

            class_mixin = RuledMixin
        _model, _columns, _parent = model, columns, parent_schema_name

        class MetaSchema(SQLAlchemyAutoSchema, class_mixin):
            class Meta:
                model = _model
                fields = _columns or None
                load_instance = False  # values, never a shared instance (see the class doc)
                include_fk = True   # relations are exposed as <name>_id (DESIGN §5)
                sqla_session = db.session
                parent_schema_name = _parent

        return MetaSchema


def marshmallow_validators(domain, extra=None):
    """Adapt domain field validators (raise FieldInvalid) to one marshmallow validator each."""

    def adapt(validates):
        def _validator(value):
            messages = []
            for validate in validates:
                try:
                    validate(value)
                except FieldInvalid as exc:
                    messages.append(exc.message)
            if messages:
                raise ValidationError(messages)

        return _validator

    validators = {col: adapt(fns) for col, fns in domain.items()}
    validators.update(extra or {})
    return validators


NOT_JSON = "请求体应为JSON对象（Content-Type: application/json）。"


def etag_of(item) -> str | None:
    version = getattr(item, "lock_version", None)
    return f'"{version}"' if version is not None else None


def if_match_versions() -> set[str] | None:
    """The versions an API write's ``If-Match`` accepts (None: no precondition)."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


class ApiAdapter:
    """FAB ``ModelRestApi`` overrides: metadata-driven schemas, writes through the console's
    one path with values (never a shared schema instance), ETag / If-Match, and every domain
    refusal answered with its status and a Chinese message."""

    READ_PERMISSIONS = ("can_get", "can_info")
    WRITE_PERMISSIONS = {"add": "can_post", "edit": "can_put", "delete": "can_delete"}
    #: Extra marshmallow fields for derived values and lists, by column name.
    api_fields: ClassVar[dict[str, Any]] = {}

    #: FAB's route method of each write door: a door the model does not have is no route at
    #: all (405 and absent from the spec), not a route that always answers 403.
    DOOR_ROUTES = {"add": "post", "edit": "put", "delete": "delete"}

    def __init__(self):
        if self.base_permissions is None:
            self.base_permissions = self.door_permissions()
        self.exclude_route_methods = set(self.exclude_route_methods) | {
            route for door, route in self.DOOR_ROUTES.items() if door not in self.access.doors}
        super().__init__()

    def _init_properties(self) -> None:
        self.domain_properties(marshmallow_validators)
        super()._init_properties()
        self.datamodel.want_eager(list(self.list_columns or []) + list(self.show_columns or []))

    def _init_model_schemas(self) -> None:
        self.model2schemaconverter = DomainSchemaConverter(
            self.datamodel, self.validators_columns, api_fields=self.api_fields,
            record_rules=meta.record_rules_of(self.datamodel.obj), tag_field=self.tag_field)
        super()._init_model_schemas()

    def _init_titles(self) -> None:
        self.domain_titles()
        self.title = self.list_title

    def tag_field(self, related_model):
        """The marshmallow field for a many-to-many relation to ``related_model`` (or None
        for FAB's default); ``app.api.base`` supplies tag lists."""
        return None

    def _handle_filters_args(self, rison_args):
        """Flask-AppBuilder skips a filter whose operation its column does not have (a typo
        lists every row unfiltered): refused instead, with the operations it has."""
        for item in rison_args.get("filters") or []:
            if not isinstance(item, dict):
                continue
            column, operation = item.get("col"), item.get("opr")
            if column in (self.search_columns or []) \
                    and operation not in _filter_names(self, column):
                raise InvalidOperationFilterFABException(
                    f"Filter operation: {operation} not allowed on column: {column}")
        return super()._handle_filters_args(rison_args)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        # gettext("") returns the catalogue header: an absent text must stay absent.
        info["label"] = self.label_columns.get(field.name) or field.name
        info["description"] = self.description_columns.get(field.name, "")
        return info

    def _body(self) -> dict[str, Any]:
        if not request.is_json:
            raise RecordInvalid(NOT_JSON)
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise RecordInvalid(NOT_JSON)
        return data

    def _values(self, schema, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return schema.load(data)
        except ValidationError as err:
            raise RecordInvalid({key: messages if isinstance(messages, list) else [messages]
                                 for key, messages in err.messages.items()}) from None

    def get_headless(self, pk, **kwargs):
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 200:
            item = db.session.get(self.datamodel.obj, pk)
            tag = etag_of(item) if item is not None else None
            if tag:
                response.headers["ETag"] = tag
        return response

    def post_headless(self):
        try:
            values = self._values(self.add_model_schema, self._body())
            item = self.datamodel.obj()
            for key, value in values.items():
                setattr(item, key, value)
            SaveRecord(item, creating=True).execute()
        except DomainError as exc:
            return self.domain_error_response(exc)
        self.post_add(item)
        response = self.response(201, result=self.add_model_schema.dump(item, many=False),
                                 id=self.datamodel.get_pk_value(item))
        if etag_of(item):
            response.headers["ETag"] = etag_of(item)
        return response

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            body = self._body()
            sent = set(body)
            values = self._values(self.edit_model_schema, self._merge_update_item(item, body))

            def apply(record):
                for key in sent & set(values):
                    setattr(record, key, values[key])

            SaveRecord(item, creating=False, apply=apply, expected_version=if_match_versions(),
                       precondition=True).execute()
        except DomainError as exc:
            return self.domain_error_response(exc)
        self.post_update(item)
        response = self.response(200, result=self.edit_model_schema.dump(item, many=False))
        if etag_of(item):
            response.headers["ETag"] = etag_of(item)
        return response

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            DeleteRecord(item, expected_version=if_match_versions(), precondition=True).execute()
        except DomainError as exc:
            return self.domain_error_response(exc)
        self.post_delete(item)
        return self.response(200, message="已删除。")



def api_errors(method):
    """Decorator for our own API routes (steps, uploads, imports), in place of FAB's ``safe``:
    a ``DomainError`` answers its status with a Chinese message; anything else is logged and
    answers 500 in Chinese."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except DomainError as exc:
            return self.domain_error_response(exc)
        except Exception:  # noqa: BLE001 - logged; the client gets a plain Chinese answer
            log.exception("API error")
            return self.response(500, message=ERROR_TEXTS[500])

    return wrapper


# =========================================================================================
# The framework's own answers, in Chinese
# =========================================================================================

ERROR_TEXTS = {
    400: "请求无效。",
    403: "您没有执行此操作的权限。",
    404: "记录不存在，或不在您的管辖范围内。",
    405: "不支持该请求方法。",
    409: "当前状态不允许此操作。",
    413: "上传的文件过大。",
    422: "提交的数据无效。",
    429: "尝试次数过多，请稍后再试。",
    500: "服务器内部错误，请联系管理员。",
    503: BUSY,
}
#: The API's answer to a request without a valid token (console pages redirect to the login).
API_LOGIN_NEEDED = "未登录或登录已失效：请先通过 /api/v1/security/login 获取令牌，并以“Authorization: Bearer 令牌”提交。"


def edit_refusal_of_path(app, path: str) -> str | None:
    """Why a record type has no edit door (its model's ``__edit_refusal__``), for the 405 of a
    ``PUT`` to one of its records: a certificate's dates are fixed once issued, and the answer
    says so rather than only "method not allowed"."""
    for view in app.appbuilder.baseviews:
        if isinstance(view, ApiAdapter) and path.startswith(view.route_base + "/"):
            return getattr(view.datamodel.obj, "__edit_refusal__", None)
    return None


#: A Chinese character: an answer that has one is already for the user.
_HAN = re.compile(r"[\u4e00-\u9fff]")
#: How jsonschema names the types of ``q``'s values.
_JSON_TYPES = {"integer": "整数", "number": "数字", "string": "文本", "array": "列表",
               "object": "对象", "boolean": "true/false"}
_QUERY_HELP = "（参见 /api/v1/_openapi；例如 (order_column:name,order_direction:asc,page:0,page_size:20)）"


def _names(values) -> str:
    return "、".join(str(v) for v in values or []) or "无"


def _bad_query(detail: str) -> str:
    """jsonschema's first line about the rison ``q`` (Flask-AppBuilder's ``rison`` check)."""
    match = re.fullmatch(r"(.*) is not one of \[(.*)\]", detail)
    if match:
        return f"查询参数q中的 {match.group(1)} 不是允许的取值（可用：{match.group(2)}）。"
    match = re.fullmatch(r"(.*) is not of type '(\w+)'", detail)
    if match:
        kind = _JSON_TYPES.get(match.group(2), match.group(2))
        return f"查询参数q中的 {match.group(1)} 类型不正确（应为{kind}）。"
    match = re.fullmatch(r"'(\w+)' is a required property", detail)
    if match:
        return f"查询参数q的筛选条件缺少 {match.group(1)}（每个条件须有 col、opr、value）。"
    return "查询参数q的内容不符合接口说明" + _QUERY_HELP + "。"


#: Flask-AppBuilder's own English 400 texts (list and item queries, the login), in Chinese:
#: pattern -> function of the API and the match.
FAB_400_TEXTS: list[tuple[re.Pattern, Any]] = [
    (re.compile(r"Request (?:payload )?is not JSON"), lambda api, m: NOT_JSON),
    (re.compile(r"Invalid order by column: (.*)"), lambda api, m:
        f"不能按“{m.group(1)}”排序。可排序的列：{_names(getattr(api, 'order_columns', None))}。"),
    (re.compile(r"Filter column: (.*) not allowed to filter"), lambda api, m:
        f"不能按“{m.group(1)}”筛选。可筛选的列：{_names(getattr(api, 'search_columns', None))}。"),
    (re.compile(r"Filter operation: (.*) not allowed on column: (.*)"), lambda api, m:
        f"列“{m.group(2)}”不支持筛选方式“{m.group(1)}”。可用的筛选方式：{_names(_filter_names(api, m.group(2)))}。"),
    (re.compile(r"Cannot use both select and sel columns"), lambda api, m:
        "查询参数q中 columns 与 select_columns 只能用其一。"),
    (re.compile(r"Not a valid rison(?:/json)? argument"), lambda api, m:
        "查询参数q格式不正确（应为Rison格式，例如 (page:0,page_size:20)）。"),
    (re.compile(r"Not a valid rison schema (.*)", re.S), lambda api, m: _bad_query(m.group(1))),
]


def _filter_names(api, column: str) -> list[str]:
    """The filter operations (``opr``) the API's column ``column`` takes."""
    filters = getattr(getattr(api, "_filters", None), "_search_filters", None) or {}
    return [f.arg_name for f in filters.get(column, [])]


def chinese_400(api, message):
    """A 400 answer's ``message`` in Chinese: Flask-AppBuilder's known texts translated (with
    what would have been accepted), any other English text replaced by 「请求无效。」."""
    if isinstance(message, dict):  # field errors: each said in Chinese
        return {key: chinese_400(api, value) for key, value in message.items()}
    if isinstance(message, list):
        return [chinese_400(api, value) for value in message]
    if not isinstance(message, str) or _HAN.search(message):
        return message
    for pattern, say in FAB_400_TEXTS:
        match = pattern.fullmatch(message.strip())
        if match:
            return say(api, match)
    return MARSHMALLOW_TEXTS.get(message, ERROR_TEXTS[400])


#: marshmallow's default field messages (Flask-AppBuilder's own schemas: the login body).
MARSHMALLOW_TEXTS = {
    "Missing data for required field.": "此项为必填项。",
    "Field may not be null.": "此项不能为空。",
    "Not a valid string.": "应为文本。",
    "Not a valid boolean.": "应为 true 或 false。",
    "Not a valid integer.": "应为整数。",
    "Unknown field.": "不支持的字段。",
    "Invalid input type.": "输入类型不正确。",
}


class ChineseApiResponses:
    """Flask-AppBuilder's API answers its own 400/401/403/404/500 in English ("Not authorized",
    "Forbidden", "Not found", "Invalid order by column: ..."); ours say it in Chinese, with
    the console's texts."""

    def response_400(self, message=None):
        return super().response_400(message=chinese_400(self, message))

    def response_401(self):
        return self.response(401, message=API_LOGIN_NEEDED)

    def response_403(self):
        return self.response(403, message=ERROR_TEXTS[403])

    def response_404(self):
        return self.response(404, message=ERROR_TEXTS[404])

    def domain_error_response(self, exc: DomainError):
        """A domain refusal: its status and Chinese message (``app.domain.errors.payload``)."""
        status, message = payload(exc)
        response = self.response(status, message=message)
        response.headers.update(headers_of(exc))
        return response

    def response_500(self, message: str | None = None):
        """Flask-AppBuilder's ``safe`` answers every exception of its routes with a 500 (its
        text English): a domain refusal met there (a busy database while listing, say) is
        answered as every other door answers it, anything else in Chinese."""
        exc = sys.exc_info()[1]  # ``safe`` calls this inside its ``except`` block
        if isinstance(exc, DomainError):
            return self.domain_error_response(exc)
        return self.response(500, message=ERROR_TEXTS[500])


def install_jwt_messages(jwt_manager) -> None:
    """Missing, invalid or expired tokens answer 401 in Chinese (flask-jwt-extended's own
    texts are English, and an invalid token would answer 422)."""
    def _login_needed(*_args):
        return jsonify(message=API_LOGIN_NEEDED), 401

    jwt_manager.unauthorized_loader(_login_needed)
    jwt_manager.invalid_token_loader(_login_needed)
    jwt_manager.expired_token_loader(_login_needed)
    jwt_manager.revoked_token_loader(_login_needed)
    jwt_manager.user_lookup_error_loader(_login_needed)


# =========================================================================================
# Doors that take a console session or the API's bearer token (reports, files)
# =========================================================================================


def session_or_token(permission: str, formats: tuple[str, ...] | None = None):
    """Console session or ``Authorization: Bearer``; then ``can_<permission>`` on the view.
    With ``formats``, the ``?format=`` argument is checked and passed as ``fmt``."""

    def decorate(view_method):
        @functools.wraps(view_method)
        def wrapper(self, *args, **kwargs):
            if request.headers.get("Authorization", "").startswith("Bearer "):
                verify_jwt_in_request()
                user = getattr(g, "user", None)
            else:
                user = session_user if session_user.is_authenticated else None
                if user is None:
                    return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login",
                                            next=request.url))
            if user is None or not self.appbuilder.sm._has_view_access(
                    user, f"can_{permission}", self.class_permission_name):
                abort(403)
            g.user = user
            if formats is not None:
                fmt = request.args.get("format", formats[0])
                if fmt not in formats:
                    abort(400)
                kwargs["fmt"] = fmt
            return view_method(self, *args, **kwargs)

        wrapper._permission_name = permission
        return wrapper

    return decorate


__all__ = ["ApiAdapter", "ConsoleViewAdapter", "DomainDoor", "ModelRestApi", "ModelView",
           "ScopedInterface", "api_errors", "console_errors", "console_refusal", "session_or_token"]


# =========================================================================================
# The OpenAPI spec at /api/v1/_openapi, made to tell the truth
# =========================================================================================


#: Every refusal a door may answer, and why; the body is always ``{"message": ...}``.
ERROR_STATUSES = {
    "400": "请求无效（格式、参数或内容有误）", "401": "未登录或登录已失效", "403": "角色无此权限",
    "404": "记录不存在，或不在您的管辖范围内", "405": "不支持该请求方法",
    "409": "规则不允许（状态、期限、已存在等），原因见 message",
    "412": "If-Match 所指的版本已不是当前版本（记录已被他人修改）", "413": "请求体过大",
    "422": "输入无效：message 按字段列出原因", "429": "尝试次数过多", "500": "服务器内部错误",
}
ERROR_BODY = {"type": "object", "properties": {"message": {
    "description": "中文原因：一句话，或按字段列出（{字段: [原因…]}），或按行列出（导入）",
    "oneOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]}}}
_INFO_COLUMNS = {"type": "array", "items": {"type": "object"}}


def _step_body(step) -> dict:
    """The JSON schema of a workflow step's inputs (the same rules as its marshmallow schema)."""
    kinds = {"date": {"type": "string", "format": "date"}, "bool": {"type": "boolean"},
             "integer": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
             "items": {"type": "array", "items": {"type": "object"}}}
    properties = {}
    for spec in step.asked_inputs:
        schema = dict(kinds.get(spec.kind, {"type": "string", "maxLength": 4000}))
        if spec.kind == "choice":
            schema["enum"] = [code for code, _text in spec.choices]
        if not spec.required:
            schema["nullable"] = True
        schema["description"] = f"{spec.label}" + (f"：{spec.help}" if spec.help else "")
        properties[spec.name] = schema
    required = [s.name for s in step.asked_inputs if s.required]
    body = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        body["required"] = required
    return body


def _step_answer(step, description: str) -> dict:
    """The 200 answer of a workflow step: the record as it is now, its state and the step's
    done-message — and ``warning`` for a step that warns rather than refuses (``Step.caution``:
    e.g. a void filed on a certificate with customs usage says what evidence is needed)."""
    props = {
        "id": {"type": "integer", "description": "记录编号"},
        "state": {"type": "string", "description": "办理后的状态（代码）"},
        "message": {"type": "string", "description": "完成提示（中文）"},
        "result": {"type": "object", "description": "记录的当前内容"},
    }
    if step.caution is not None:
        props["warning"] = {
            "type": "string",
            "description": "提醒（不阻止办理）：该记录办理此步骤时须注意的事项及所需材料，"
                           "例如对已有海关调用记录的证明申请作废时须提供产品未实际进口的证据；"
                           "无须提醒时不返回此项",
        }
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": props, "required": ["id", "state", "message", "result"]}}}}


def _loosen(schema: dict) -> None:
    """Derived (read-only) values may be empty; numbers of money and ratios travel as text."""
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        if prop.get("readOnly"):
            prop["nullable"] = True
        if prop.get("type") == "number" and prop.get("format") != "float":
            prop.update(type="string", format="decimal")
            prop.pop("minimum", None), prop.pop("maximum", None)


def truthful_spec(spec: dict, apis) -> dict:
    """FAB's generated spec, corrected: integer ids, the ``_info`` columns as lists, every
    refusal status documented with the one error body, declared path parameters, read-only
    derived values nullable, and each workflow step as its own path with its input schema."""
    components = spec.setdefault("components", {})
    responses = components.setdefault("responses", {})
    for status, text in ERROR_STATUSES.items():
        responses[status] = {"description": text,
                             "content": {"application/json": {"schema": ERROR_BODY}}}
    for schema in components.get("schemas", {}).values():
        _loosen(schema)
    steps_of = {f"/api/v1/{api.resource_name}/{{pk}}/{{name}}": api
                for api in apis if getattr(api, "workflow", None) is not None}
    paths = spec.setdefault("paths", {})
    for path in list(paths):
        api = steps_of.get(path)
        if api is not None:
            generic = paths.pop(path)["post"]
            for step in api.workflow.steps:
                operation = copy.deepcopy(generic)
                operation["summary"] = str(step.label)
                operation["description"] = step.done_message
                operation["parameters"] = [p for p in operation.get("parameters", [])
                                           if p.get("name") != "name"]
                operation["requestBody"] = {"required": False, "content": {
                    "application/json": {"schema": _step_body(step)}}}
                operation["operationId"] = f"{api.resource_name}_{step.name}"
                operation["responses"]["200"] = _step_answer(
                    step, operation["responses"].get("200", {}).get(
                        "description", "the step was taken"))
                paths[path.replace("{name}", step.name)] = {"post": operation}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            if "{pk}" in path and not any(p.get("name") == "pk"
                                          for p in operation.get("parameters", [])):
                operation.setdefault("parameters", []).insert(0, {
                    "in": "path", "name": "pk", "required": True,
                    "schema": {"type": "integer", "minimum": 1}})
            answers = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                answers[status] = {"$ref": f"#/components/responses/{status}"}
            ok = answers.get("200", {}).get("content", {}).get("application/json", {})
            body = ok.get("schema", {})
            props = body.get("properties", {}) if isinstance(body, dict) else {}
            if "ids" in props:
                props["ids"]["items"] = {"type": "integer"}
            if "id" in props:
                props["id"] = {"type": "integer", "description": "记录编号"}
            if "count" in props:
                props["count"] = {"type": "integer", "description": "符合条件的记录数"}
            for key in ("add_columns", "edit_columns"):
                if key in props:
                    props[key] = dict(_INFO_COLUMNS)
            created = answers.get("201", {}).get("content", {}).get("application/json", {})
            created_props = (created.get("schema") or {}).get("properties", {})
            if "id" in created_props:
                created_props["id"] = {"type": "integer", "description": "新记录的编号"}
    return spec


class OpenApi(FabOpenApi):
    """``/api/v1/_openapi``: FAB's spec, corrected by :func:`truthful_spec` (the class keeps
    FAB's name, so its permission stays the same). Every signed-in role may read it."""

    access = Access()

    @api_expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI spec of one API version.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
        """
        from flask import current_app
        from flask_appbuilder.api import BaseApi

        apis = [v for v in current_app.appbuilder.baseviews
                if isinstance(v, BaseApi) and v.version == version]
        if not apis:
            return self.response_404()
        api_spec = self._create_api_spec(version)
        for base_api in apis:
            base_api.add_api_spec(api_spec)
        return self.response(200, **truthful_spec(api_spec.to_dict(), apis))
