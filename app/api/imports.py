"""``POST /api/v1/<resource>/import`` (DESIGN §5): a multipart ``file`` (.xlsx or .csv) of one
kind of record, written all or nothing through ``app.commands.imports`` — 200 with
``{"created": n, "updated": m}``, or 422 with ``message`` a list of ``{row, field, message}``
(the sheet's row number, the header being row 1) and nothing written."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.security.decorators import permission_name

from app.commands.imports import run_import
from app.domain.errors import AccessDenied, RecordInvalid
from app.fab import ChineseApiResponses, api_errors
from app.scope import current_user, role_of
from app.security_model import FILERS, Access
from app.services.imports.base import RowsRefused
from app.services.imports.registry import API_KINDS, KINDS

NO_FILE = "请以multipart表单字段file上传.xlsx或.csv文件（可先在控制台下载导入模板）。"


def import_kind_for(resource: str, user):
    """The kind of import at ``resource``, if this user's role may run it."""
    kind = KINDS.get(resource) if resource in API_KINDS else None
    if kind is None:
        return None
    role = role_of(user)
    if role is None or not (role.name == "province_admin" or role in kind.roles):
        raise AccessDenied("您没有导入此类记录的权限。")
    return kind


def import_answer(api, kind, upload):
    """The one answer of every import door of the API."""
    try:
        plan = run_import(kind(), upload.stream, upload.filename or "")
    except RowsRefused as exc:
        return api.response(422, message=[e.as_dict() for e in exc.errors])
    return api.response(200, created=plan.created, updated=plan.updated)


class ImportsApi(ChineseApiResponses, BaseApi):
    route_base = "/api/v1"
    resource_name = "imports"
    class_permission_name = "Imports"
    access = Access()
    base_permissions = ["can_import"]
    extra_permission_roles = {"can_import": FILERS}
    openapi_spec_tag = "Imports"

    @expose("/<resource>/import", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("import")
    def import_file(self, resource: str):
        """Bulk import of one kind of record from an .xlsx or .csv file: every row, or none.
        ---
        post:
          parameters:
          - in: path
            name: resource
            required: true
            schema:
              type: string
              enum: [application, certificate, enterprise, account, customs_usage, ccc_category, calendar_day, product, bureau]
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file:
                      type: string
                      format: binary
          responses:
            200:
              description: every row written
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      created:
                        type: integer
                      updated:
                        type: integer
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        kind = import_kind_for(resource, current_user())
        if kind is None:
            return self.response(404, message="没有这种导入。")
        upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
        if upload is None or not upload.filename:
            raise RecordInvalid(NO_FILE, field="file")
        return import_answer(self, kind, upload)
