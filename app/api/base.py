"""The one base class of every REST resource under ``/api/v1/``.

What a resource shares with the console screen of the same model — labels, help texts,
validators, record rules, access, writes through the one path — comes from ``app.fab``
(``DomainDoor``, ``ApiAdapter``): the API refuses exactly what the console refuses, with the
same Chinese messages. This module adds the workflow steps (``POST /<id>/<step>``), tag lists
for many-to-many enum tags, and the shared evidence-upload door.
"""
from __future__ import annotations

from typing import Any, ClassVar

from flask import request
from flask_appbuilder.api import ModelRestApi, expose, protect
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError, fields

from app import policy
from app.commands.evidence import UploadEvidence
from app.domain.errors import RecordInvalid
from app.extensions import db
from app.fab import NOT_JSON, ApiAdapter, ChineseApiResponses, DomainDoor, api_errors
from app.models import EnumTagMixin
from app.scope import current_user
from app.security_model import READ_ALL
from app.workflows import run_step


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
                member = enum_cls.__members__.get(raw)
                if member is None:
                    try:
                        member = enum_cls.from_label(raw)
                    except KeyError:
                        member = None
            if member is None:
                raise ValidationError(f"“{raw}”不是有效的取值，可选：" + "、".join(
                    m.label for m in enum_cls) + "。")
            if member not in wanted:
                wanted.append(member)
        tags = db.session.query(self.tag_model).filter(self.tag_model.code.in_(wanted)).all()
        by_code = {t.code: t for t in tags}
        return [by_code[m] for m in wanted if m in by_code]


def evidence_list(files) -> list[dict]:
    return [{"id": f.id, "kind": f.kind.name, "name": f.original_name, "url": f"/files/{f.id}"}
            for f in files]


class DomainModelApi(DomainDoor, ChineseApiResponses, ApiAdapter, ModelRestApi):
    """A REST resource for one domain model (``resource_name`` is its URL segment)."""

    access = READ_ALL
    allow_browser_login = False
    page_size = policy.DEFAULT_PAGE_SIZE
    max_page_size = policy.API_MAX_PAGE_SIZE

    def tag_field(self, related_model):
        if issubclass(related_model, EnumTagMixin):
            return TagList(related_model, required=False)
        return None

    @expose("/<int:pk>/<name>", methods=["POST"])
    @protect()
    @api_errors
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
        body = request.get_json(silent=True) if request.data else {}
        if body is None:
            raise RecordInvalid(NOT_JSON)
        item = run_step(self.workflow, pk, name, current_user(), body)
        item = db.session.get(self.datamodel.obj, item.id)
        step = self.workflow.step(name)
        warning = step.warning_for(item)
        extra = {"warning": warning} if warning else {}
        return self.response(200, result=self.show_model_schema.dump(item), id=item.id,
                             state=item.state.name, message=step.done_message,
                             **extra, **self.step_answer(name, item))

    def step_answer(self, name: str, item) -> dict[str, Any]:
        """What a step answers besides the record and its done-message (e.g. a re-check's
        verdict)."""
        return {}

    def upload(self, owner, kind=None, missing_owner: str | None = None):
        """The shared API door for files: multipart ``file`` (one or more) and ``kind``."""
        files = [(f.stream, f.filename) for f in request.files.getlist("file")
                 if f and f.filename]
        stored = UploadEvidence(owner, files, kind if kind is not None
                                else request.form.get("kind"),
                                missing_owner=missing_owner).execute()
        return self.response(201, evidence=evidence_list(stored))


class EvidenceDoor:
    """``POST /<id>/evidence``: evidence files (photos, videos, PDF — multipart ``file``, one
    or more) for a record, in scope, while the record takes them (``evidence_refusal``).
    Resources that take evidence mix this in and name the roles in ``extra_roles``
    (``can_evidence``)."""

    #: What a record with nowhere to put the files says (see ``evidence_owner``).
    missing_owner: ClassVar[str | None] = None

    def evidence_owner(self, item):
        """The record the files belong to: the item itself, unless a resource says otherwise
        (a certificate's pending request)."""
        return item

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("evidence")
    def evidence(self, pk: int):
        """Attach evidence files to the record (multipart ``file``).
        ---
        post:
          responses:
            201:
              description: the files stored, each with its ``url`` under ``/files/``
        """
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        return self.upload(self.evidence_owner(item), missing_owner=self.missing_owner)
