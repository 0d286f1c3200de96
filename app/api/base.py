"""The one base class of every REST resource under ``/api/v1/``.

Like ``app.views.base`` for the console, it reads labels, help texts, field validators and
record rules from the model, so the API refuses exactly what the console refuses, with the
same Chinese messages (422 per field), and database refusals never surface as English.
"""
from __future__ import annotations

import copy
from typing import Any, ClassVar

from flask import request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.exceptions import DatabaseException
from marshmallow import ValidationError, fields, validates_schema
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app import meta
from app.datamodel import DomainInterface, IntegrityMessage
from app.domain.errors import DomainError, FieldInvalid, RecordInvalid, RuleViolation
from app.domain.validators import check_record
from app.extensions import db
from app.models import EnumTagMixin
from app.services.writes import prepare_write
from app.security_model import READ_ALL, Access
from app.web import ChineseApiResponses


def marshmallow_validator(validates):
    """Adapt domain field validators (raise FieldInvalid) to one marshmallow validator."""

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


NOT_JSON = "请求体应为JSON（Content-Type: application/json）。"


class TagList(fields.Field):
    """A many-to-many set of enum tags (account functions, clauses, categories) as a list of
    Chinese labels; accepts labels or English codes on input."""

    def __init__(self, tag_model: type[EnumTagMixin], **kwargs):
        super().__init__(**kwargs)
        self.tag_model = tag_model

    def _serialize(self, value, attr, obj, **kwargs):
        return [tag.label for tag in value or []]

    def _deserialize(self, value, attr, data, **kwargs):
        enum_cls = self.tag_model.enum_cls
        if not isinstance(value, (list, tuple)):
            raise ValidationError("应为列表，例如[" + "，".join(
                f"“{m.label}”" for m in list(enum_cls)[:2]) + "]。")
        wanted = []
        for raw in value:
            member = None
            if isinstance(raw, str):
                if raw in enum_cls.__members__:
                    member = enum_cls.__members__[raw]
                else:
                    try:
                        member = enum_cls.from_label(raw)
                    except KeyError:
                        member = None
            if member is None:
                raise ValidationError(f"“{raw}”不是有效的取值，可选：" + "、".join(
                    m.label for m in enum_cls) + "。")
            if member not in wanted:
                wanted.append(member)
        tags = db.session.query(self.tag_model).filter(
            self.tag_model.code.in_(wanted)).all()
        by_code = {t.code: t for t in tags}
        return [by_code[m] for m in wanted if m in by_code]


class DomainSchemaConverter(Model2SchemaConverter):
    """FAB's schema converter plus our fields: declared API fields (properties, dates),
    tag lists for many-to-many enum tags, and the model's record rules on input schemas."""

    api_fields: dict[str, fields.Field] = {}
    record_rules: tuple = ()

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        if column.name in self.api_fields and datamodel.obj is self.datamodel.obj:
            return copy.deepcopy(self.api_fields[column.name])
        if datamodel.is_relation_many_to_many(column.name):
            related = datamodel.get_related_model(column.name)
            if issubclass(related, EnumTagMixin):
                return TagList(related, required=False)
        field = super()._column2field(datamodel, column, nested=nested,
                                      parent_schema_name=parent_schema_name)
        col = datamodel.list_columns.get(column.name)
        if col is not None and (col.default is not None or col.server_default is not None):
            field.required = False  # the database (or the model) supplies it
        if col is not None and col.nullable:
            field.allow_none = True  # null clears an optional field
        return field

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        rules = self.record_rules
        if rules and model is self.datamodel.obj and parent_schema_name \
                and parent_schema_name.endswith((".post", ".put")):

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
                load_instance = True
                include_fk = True   # relations are exposed as <name>_id (DESIGN §5)
                sqla_session = db.session
                parent_schema_name = _parent

        return MetaSchema


class DomainModelApi(ChineseApiResponses, ModelRestApi):
    """A REST resource for one domain model (``resource_name`` is its URL segment)."""

    model: ClassVar[type] = None
    access: ClassVar[Access] = READ_ALL
    #: Extra marshmallow fields for properties and computed values, by column name.
    api_fields: ClassVar[dict[str, fields.Field]] = {}
    allow_browser_login = False
    model2schemaconverter = DomainSchemaConverter
    page_size = 20
    max_page_size = 200

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("model") is not None and cls.__dict__.get("datamodel") is None:
            cls.datamodel = DomainInterface(cls.model)

    def _init_properties(self) -> None:
        model = self.datamodel.obj
        labels = meta.labels_of(model)
        labels.update(self.__class__.__dict__.get("label_columns") or {})
        self.label_columns = labels
        help_texts = meta.help_texts_of(model)
        help_texts.update(self.__class__.__dict__.get("description_columns") or {})
        self.description_columns = help_texts
        self.validators_columns = {col: marshmallow_validator(fns)
                                   for col, fns in meta.validators_of(model).items()}
        super()._init_properties()
        self.datamodel.want_eager(list(self.list_columns or []) + list(self.show_columns or []))

    def _init_model_schemas(self) -> None:
        converter = self.model2schemaconverter
        converter.api_fields = dict(self.api_fields)
        converter.record_rules = meta.record_rules_of(self.datamodel.obj)
        super()._init_model_schemas()

    #: The approval flow of this record type, if any: POST /<id>/<step> runs its steps.
    workflow: ClassVar[type | None] = None

    #: Permissions of this resource's extra doors (uploads, imports) and their roles.
    extra_roles: ClassVar[dict[str, frozenset]] = {}

    @property
    def extra_permission_roles(self) -> dict[str, frozenset]:
        roles = dict(self.extra_roles)
        if self.workflow:
            roles["can_step"] = self.workflow.roles()
        return roles

    def __init__(self):
        super().__init__()
        if self.workflow is not None and "can_step" not in self.base_permissions:
            self.base_permissions = list(self.base_permissions) + ["can_step"]
        if self.workflow is None and "can_step" in self.base_permissions:
            self.base_permissions = [p for p in self.base_permissions if p != "can_step"]
        missing = [p for p in self.extra_roles if p not in self.base_permissions]
        if missing:
            self.base_permissions = list(self.base_permissions) + missing

    @expose("/<int:pk>/<name>", methods=["POST"])
    @protect()
    @safe
    @permission_name("step")
    def step(self, pk: int, name: str):
        """Run workflow step ``name`` on record ``pk``. JSON body: the step's inputs.
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          - in: path
            name: name
            schema:
              type: string
          responses:
            200:
              description: the step was taken; the record as it is now
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: a rule forbids the step now; the reason is in ``message``
            422:
              $ref: '#/components/responses/422'
        """
        if self.workflow is None:
            return self.response_404()
        from app.scope import current_user
        from app.workflows import run_step

        body = request.get_json(silent=True) if request.data else {}
        if body is not None and not isinstance(body, dict):
            return self.response(422, message="请求体应为JSON对象。")
        try:
            item = run_step(self.workflow, pk, name, current_user(), body or {})
        except DomainError as exc:
            return self.domain_error_response(exc)
        return self.response(200, result=self.show_model_schema.dump(item), id=item.id,
                             state=item.state.name, **self.step_answer(name, item))

    def step_answer(self, name: str, item) -> dict[str, Any]:
        """What a step answers besides the record (e.g. a re-check's verdict)."""
        return {}

    def pre_add(self, item):
        prepare_write(item, creating=True)

    def pre_update(self, item):
        prepare_write(item, creating=False)

    def pre_delete(self, item):
        refusal = getattr(item, "deletion_refusal", lambda: None)()
        if refusal:
            raise RuleViolation(refusal)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        # gettext("") returns the catalogue header: an absent text must stay absent.
        info["label"] = self.label_columns.get(field.name) or field.name
        info["description"] = self.description_columns.get(field.name, "")
        return info

    # --- domain errors become the right status with a Chinese message -----------------

    def _database_refusal(self, exc: DatabaseException, status: int = 422):
        if isinstance(exc, IntegrityMessage) and exc.field:
            return self.response(status, message={exc.field: [exc.message]})
        return self.response(status, message=str(exc))

    def domain_error_response(self, exc: DomainError):
        if isinstance(exc, RecordInvalid):
            return self.response(exc.status_code, message=exc.errors)
        return self.response(exc.status_code, message=exc.message)

    # FAB's own handlers answer database errors in English; these follow the same steps
    # (load, pre-hook, save, post-hook) and answer in Chinese with the right status.

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=NOT_JSON)
        try:
            item = self.add_model_schema.load(request.json)
            self.pre_add(item)
            self.datamodel.add(item)
            self.post_add(item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DatabaseException as exc:
            return self._database_refusal(exc)
        except DomainError as exc:
            db.session.rollback()
            return self.domain_error_response(exc)
        return self.response(201, result=self.add_model_schema.dump(item, many=False),
                             id=self.datamodel.get_pk_value(item))

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message=NOT_JSON)
        if not item:
            return self.response_404()
        try:
            data = self._merge_update_item(item, request.json)
            item = self.edit_model_schema.load(data, instance=item)
            self.pre_update(item)
            self.datamodel.edit(item)
            self.post_update(item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except DatabaseException as exc:
            return self._database_refusal(exc)
        except DomainError as exc:
            db.session.rollback()
            return self.domain_error_response(exc)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except DatabaseException as exc:
            return self._database_refusal(exc, status=409)
        except DomainError as exc:
            db.session.rollback()
            return self.domain_error_response(exc)
        return self.response(200, message="已删除。")

    def _init_titles(self) -> None:
        label = meta.model_label(self.datamodel.obj)
        self.list_title = self.list_title or f"{label}列表"
        self.add_title = self.add_title or f"新增{label}"
        self.edit_title = self.edit_title or f"编辑{label}"
        self.show_title = self.show_title or f"查看{label}"
        self.title = self.list_title

    def response_400(self, message: str | None = None):
        if message == "Request is not JSON":
            message = NOT_JSON
        return super().response_400(message=message)

    @staticmethod
    def request_json() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
