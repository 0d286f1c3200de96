"""Evidence files: upload on the record they belong to, download through ``/files/<id>``
only for users who may see that record (the file's scope follows its owner's)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.datamodel import DomainInterface
from app.domain.errors import DomainError
from app.extensions import db
from app.models import AttachmentKind, EvidenceFile
from app.security_model import ALL_ROLES, Access
from app.services.evidence import evidence_path, is_inline, store_evidence, upload_help
from app.views.base import RecordLink
from app.views.doors import session_or_token


def evidence_links(files) -> list[RecordLink]:
    return [RecordLink(f"{f.kind.label}：{f.original_name}", url_for("FilesView.download",
                                                                   pk=f.id),
                       icon="fa-paperclip") for f in files]


def upload_evidence(view, pk: int):
    """Shared upload door of a record's show page (CSRF-protected POST, in scope). The record
    says whether it takes files now (``evidence_refusal``) and of which kinds."""
    item = view.datamodel.get(pk)
    if item is None:
        abort(404)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kinds = evidence_kinds(item)
    kind = AttachmentKind.__members__.get(request.form.get("kind", ""), kinds[0])
    try:
        if kind not in kinds:
            raise DomainError("请选择材料类型。")
        if item.evidence_refusal():
            raise DomainError(item.evidence_refusal())
        if not files:
            raise DomainError("请选择要上传的文件。")
        for upload in files:
            store_evidence(upload.stream, upload.filename, item, g.user, kind=kind)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(f"已上传{len(files)}个证据文件。", "success")
    return redirect(url_for(f"{view.endpoint}.show", pk=pk))


def evidence_kinds(item) -> tuple[AttachmentKind, ...]:
    return getattr(item, "evidence_kinds", (AttachmentKind.evidence,))


class EvidenceUploads:
    """For a view whose records take evidence files on their show page: the upload form
    (shown while the record takes files and the user may upload) and its door."""

    @property
    def upload_help(self) -> str:
        return upload_help()

    def upload_url(self, pk) -> str | None:
        item = self.datamodel.get(pk)
        if item is None or item.evidence_refusal() \
                or not self.appbuilder.sm.has_access("can_upload", self.class_permission_name):
            return None
        return url_for(f"{self.endpoint}.upload", pk=pk)

    def upload_kinds(self, pk) -> list[tuple[str, str]]:
        kinds = evidence_kinds(self.datamodel.get(pk))
        return [(k.name, k.label) for k in kinds] if len(kinds) > 1 else []

    @expose("/upload/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def upload(self, pk: int):
        return upload_evidence(self, pk)


class FilesView(BaseView):
    route_base = "/files"
    default_view = "download"
    access = Access(read=ALL_ROLES)
    extra_permission_roles = {"can_download": ALL_ROLES}

    @expose("/<int:pk>")
    @session_or_token("download")
    def download(self, pk: int):
        evidence = DomainInterface(EvidenceFile).get(pk)
        if evidence is None:
            abort(404)
        path = evidence_path(evidence)
        if not path.exists():
            abort(404)
        response = send_file(path, mimetype=evidence.content_type,
                             as_attachment=not is_inline(evidence),
                             download_name=evidence.original_name)
        # nosniff and a sandboxing Content-Security-Policy: app.headers.EVIDENCE_POLICY
        return response
