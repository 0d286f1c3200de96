"""Evidence files: upload on the record they belong to, download through ``/files/<id>``
only for users who may see that record (the file's scope follows its owner's)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose

from app.datamodel import DomainInterface
from app.domain.errors import DomainError
from app.extensions import db
from app.models import AttachmentKind, EvidenceFile
from app.security_model import Access, Role
from app.services.evidence import evidence_path, is_inline, store_evidence
from app.views.base import RecordLink
from app.views.doors import session_or_token


def evidence_links(files) -> list[RecordLink]:
    return [RecordLink(f"{f.kind.label}：{f.original_name}", url_for("FilesView.download",
                                                                   pk=f.id),
                       icon="fa-paperclip") for f in files]


def upload_evidence(view, pk: int, allowed, refusal: str):
    """Shared upload door of a record's show page (CSRF-protected POST, in scope)."""
    item = view.datamodel.get(pk)
    if item is None:
        abort(404)
    show_url = url_for(f"{view.endpoint}.show", pk=pk)
    if not allowed(item):
        flash(refusal, "danger")
        return redirect(show_url)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kinds = dict(view.upload_kinds()) if hasattr(view, "upload_kinds") else {}
    kind = AttachmentKind[request.form["kind"]] if request.form.get("kind") in kinds \
        else AttachmentKind.evidence
    try:
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
    return redirect(show_url)


class FilesView(BaseView):
    route_base = "/files"
    default_view = "download"
    access = Access(read=frozenset(Role))
    extra_permission_roles = {"can_download": frozenset(Role)}

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
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "sandbox"
        return response
