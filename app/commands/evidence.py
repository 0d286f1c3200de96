"""One upload door for evidence files and application materials, for the console and the API."""
from __future__ import annotations

from typing import Any, BinaryIO

from app.commands import Command
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import AttachmentKind
from app.services.evidence import accepted_kinds, store_evidence


class UploadEvidence(Command):
    """Store ``files`` ([(stream, file name)]) for ``owner`` — a record that says whether it
    takes files now (``evidence_refusal``) and of which kinds (``evidence_kinds``)."""

    def __init__(self, owner, files: list[tuple[BinaryIO, str]],
                 kind: AttachmentKind | str | None = None, user: Any = "current",
                 missing_owner: str | None = None):
        self.owner = owner
        self.files = files
        self.kind = kind
        self.user = user
        self.missing_owner = missing_owner

    def validate(self) -> None:
        if self.owner is None:
            raise RuleViolation(self.missing_owner or "没有可以上传材料的记录。")
        kinds = accepted_kinds(self.owner)
        if self.kind in (None, "") and len(kinds) == 1:
            self.kind = kinds[0]
        if isinstance(self.kind, str):
            self.kind = AttachmentKind.__members__.get(self.kind)
        if self.kind not in kinds:
            raise RecordInvalid({"kind": ["请选择材料类型：" + "、".join(
                f"{k.name}（{k.label}）" for k in kinds) + "。"]})
        refusal = self.owner.evidence_refusal()
        if refusal:
            raise RuleViolation(refusal)
        if not self.files:
            raise RecordInvalid({"file": ["请选择要上传的文件（multipart/form-data，字段名file）。"]})

    def run(self):
        from app.scope import current_user

        user = current_user()
        return [store_evidence(stream, name, self.owner, user, kind=self.kind)
                for stream, name in self.files]
