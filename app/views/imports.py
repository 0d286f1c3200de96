"""The console's bulk imports, for every kind (``app.services.imports``): download the
template, upload a file, read the preview (first rows, counts, created vs updated), confirm.
The upload waits on the server for the confirmation, under the user's own folder; a refused
file shows every error by row and column and can be downloaded with an error column added."""
from __future__ import annotations

import io
import json

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.commands.imports import preview_import, run_import
from app.domain.errors import DomainError
from app.fab import console_refusal
from app.models import ImportBatch
from app.reports.exports import XLSX_MIMETYPE
from app.scope import role_of
from app.security_model import FILERS, Access, Role
from app.services.imports import uploads
from app.services.imports.base import RowsRefused, error_report
from app.services.imports.registry import KINDS
from app.views.base import DomainModelView

#: the record a kind imports into, passed on from its page (an application's products)
CONTEXT_ARGS = ("application_id", "grant_id")


def may_import(user, kind_name: str) -> bool:
    kind = KINDS.get(kind_name)
    role = role_of(user)
    return kind is not None and role is not None and (
        role is Role.province_admin or role in kind.roles)


def import_url(kind_name: str, **context) -> str:
    return url_for("ImportView.upload", kind_name=kind_name, **context)


def record_import_link(kind_name: str, label: str, **context) -> list:
    """The import button on a record's page (an application's products, a grant's list)."""
    from app.views.base import RecordLink

    if may_import(g.user, kind_name):
        return [RecordLink(label, import_url(kind_name, **context), icon="fa-file-import")]
    return []


class ImportView(BaseView):
    route_base = "/imports"
    default_view = "upload"
    access = Access()
    extra_permission_roles = {"can_import": FILERS}

    def _kind(self, kind_name: str):
        if kind_name not in KINDS:
            abort(404)
        if not may_import(g.user, kind_name):
            abort(403)
        return KINDS[kind_name]

    @staticmethod
    def _context() -> dict[str, int]:
        found = {}
        for name in CONTEXT_ARGS:
            raw = request.values.get(name)
            if raw:
                if not raw.isdigit():
                    abort(404)
                found[name] = int(raw)
        return found

    def _page(self, kind, status=200, **kwargs):
        context = self._context()
        back = url_for(kind.list_endpoint) if kind.list_endpoint else "/"
        if context.get("application_id"):
            back = url_for("ApplicationView.show", pk=context["application_id"])
        if context.get("grant_id"):
            back = url_for("FastTrackGrantView.show", pk=context["grant_id"])
        return self.render_template(
            "console/import.html", title=f"导入{kind.title}", kind=kind, context=context,
            back=back, sheets=kind.sheets, **kwargs), status

    @expose("/<kind_name>/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def upload(self, kind_name: str):
        """Upload → preview (nothing written yet)."""
        kind = self._kind(kind_name)
        if request.method == "GET":
            return self._page(kind)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("请选择要导入的Excel（.xlsx）或CSV（.csv）文件。", "danger")
            return self._page(kind, 422)
        try:
            token = uploads.keep(g.user.id, kind.name, upload.filename, upload.stream)
            stream, filename = uploads.open_upload(g.user.id, token, kind.name)
            plan = preview_import(kind(**self._context()), stream, filename)
        except RowsRefused as exc:
            _remember_errors(token, exc)
            return self._page(kind, 422, errors=exc.errors, token=token, filename=upload.filename)
        except DomainError as exc:
            return console_refusal(exc, lambda: self._page(kind, 422), error_pages=())
        return self._page(kind, plan=plan, token=token, filename=upload.filename)

    @expose("/<kind_name>/confirm/<token>", methods=["POST"])
    @has_access
    @permission_name("import")
    def confirm(self, kind_name: str, token: str):
        """Write the previewed file: every row, or none."""
        kind = self._kind(kind_name)
        try:
            stream, filename = uploads.open_upload(g.user.id, token, kind.name)
            plan = run_import(kind(**self._context()), stream, filename)
        except RowsRefused as exc:
            _remember_errors(token, exc)
            return self._page(kind, 422, errors=exc.errors, token=token, filename="")
        except DomainError as exc:
            return console_refusal(exc, lambda: self._page(kind, 422), error_pages=())
        uploads.discard(g.user.id, token)
        extra = "".join(f"，{label}{count}条" for label, count in plan.details.items())
        flash(f"导入完成：新增{plan.created}条，更新{plan.updated}条{extra}。", "success")
        context = self._context()
        if context.get("application_id"):
            return redirect(url_for("ApplicationView.show", pk=context["application_id"]))
        if context.get("grant_id"):
            return redirect(url_for("FastTrackGrantView.show", pk=context["grant_id"]))
        return redirect(url_for(kind.list_endpoint) if kind.list_endpoint else "/")

    @expose("/<kind_name>/template/")
    @has_access
    @permission_name("import")
    def template(self, kind_name: str):
        kind = self._kind(kind_name)
        return send_file(io.BytesIO(kind().template()), as_attachment=True,
                         download_name=kind().template_name(), mimetype=XLSX_MIMETYPE)

    @expose("/<kind_name>/errors/<token>/")
    @has_access
    @permission_name("import")
    def errors(self, kind_name: str, token: str):
        """The uploaded file with an error column (错误说明) added."""
        kind = self._kind(kind_name)
        try:
            stream, filename = uploads.open_upload(g.user.id, token, kind.name)
            found = _remembered_errors(token)
        except DomainError as exc:
            return console_refusal(exc, lambda: self._page(kind, 404), error_pages=())
        data = error_report(kind(), stream, filename, found)
        stem = filename.rsplit(".", 1)[0] or kind.title
        return send_file(io.BytesIO(data), as_attachment=True,
                         download_name=f"{stem}_错误说明.xlsx", mimetype=XLSX_MIMETYPE)


def _errors_path(token: str):
    return uploads._folder(g.user.id) / f"{token}.errors.json"


def _remember_errors(token: str, exc: RowsRefused) -> None:
    if uploads.TOKEN.fullmatch(token or ""):
        _errors_path(token).write_text(json.dumps([e.as_dict() for e in exc.errors],
                                                  ensure_ascii=False), encoding="utf-8")


def _remembered_errors(token: str):
    from app.services.imports.base import RowError

    path = _errors_path(token)
    if not path.exists():
        raise DomainError("没有该文件的错误记录，请重新上传。")
    return [RowError(e["row"], e["field"], e["message"], e.get("sheet"))
            for e in json.loads(path.read_text(encoding="utf-8"))]


class ImportBatchView(DomainModelView):
    """导入记录: every import written (who, when, which file, how many rows), read-only.
    Scoped as every list: a district officer sees his bureau's batches, the province all.
    A refused file writes nothing, so it leaves no batch (its errors are on its page)."""

    model = ImportBatch
    route_base = "/importbatchview"
    list_title = "导入记录"
    show_title = "导入记录详情"
    list_columns = ["created_at", "title", "file_name", "imported_by", "bureau",
                    "created_count", "updated_count", "result"]
    search_columns = ["title", "file_name", "imported_by", "bureau", "created_at"]
    show_columns = ["created_at", "title", "kind", "file_name", "imported_by", "bureau",
                    "created_count", "updated_count", "details", "result"]
    order_columns = ["created_at", "title", "file_name", "imported_by", "created_count",
                     "updated_count"]
    base_order = ("id", "desc")
    label_columns = {"created_at": "导入时间", "title": "导入内容", "kind": "导入类型（代码）",
                     "file_name": "文件名", "imported_by": "导入人", "bureau": "导入单位",
                     "created_count": "新增条数", "updated_count": "更新条数",
                     "details": "其他数量", "result": "结果"}
