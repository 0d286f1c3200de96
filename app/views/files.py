"""Evidence files: upload on the record they belong to, download through ``/files/<id>``
only for users who may see that record (the file's scope follows its owner's)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.commands.evidence import UploadEvidence
from app.fab import ScopedInterface, console_errors, session_or_token
from app.models import EvidenceFile
from app.security_model import ALL_ROLES, Access
from app.services.evidence import accepted_kinds, evidence_path, is_inline, upload_help
from app.views.base import RecordLink


def evidence_links(files) -> list[RecordLink]:
    return [RecordLink(f"{f.kind.label}：{f.original_name}", url_for("FilesView.download",
                                                                   pk=f.id),
                       icon="fa-paperclip") for f in files]


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
        kinds = accepted_kinds(self.datamodel.get(pk))
        return [(k.name, k.label) for k in kinds] if len(kinds) > 1 else []

    @expose("/upload/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    @console_errors(back=lambda view, pk: url_for(f"{view.endpoint}.show", pk=pk))
    def upload(self, pk: int):
        """The show page's upload form (CSRF-protected POST, in scope); the record says
        whether it takes files now and of which kinds (``app.commands.evidence``)."""
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        files = [(f.stream, f.filename) for f in request.files.getlist("file")
                 if f and f.filename]
        stored = UploadEvidence(item, files, request.form.get("kind") or None).execute()
        flash(f"已上传{len(stored)}个文件。", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


class FilesView(BaseView):
    route_base = "/files"
    default_view = "download"
    access = Access(read=ALL_ROLES)
    extra_permission_roles = {"can_download": ALL_ROLES}

    @expose("/<int:pk>")
    @session_or_token("download")
    def download(self, pk: int):
        evidence = ScopedInterface(EvidenceFile).get(pk)
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
