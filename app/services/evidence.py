"""Evidence files (photos, videos, PDFs) kept outside the database, under UPLOAD_FOLDER.

The type is decided by the file's own bytes (``filetype``), not by its name; the size is
limited by policy. The database keeps the name, type, size and SHA-256 of each file."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app

from app import clock, policy
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import AttachmentKind
from app.extensions import db
from app.models import CertificateRequest, EvidenceFile, FastTrackGrant, UsageRecord
from app.scope import signature_of

ALLOWED_TYPES = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/bmp": ".bmp", "video/mp4": ".mp4", "video/quicktime": ".mov",
    "video/x-msvideo": ".avi", "video/x-matroska": ".mkv", "video/webm": ".webm",
    "application/pdf": ".pdf",
}
TYPE_TEXT = "图片（JPG、PNG、GIF、WEBP、BMP）、视频（MP4、MOV、AVI、MKV、WEBM）或PDF文件"


def size_limit_text() -> str:
    return f"单个文件不超过{policy.MAX_UPLOAD_BYTES // (1024 * 1024)}MB"


def upload_help() -> str:
    """The line under an upload form."""
    return f"图片、视频或PDF，{size_limit_text()}"


def upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def accepted_kinds(owner) -> tuple[AttachmentKind, ...]:
    """The kinds of file a record takes (its ``evidence_kinds``; plain evidence otherwise)."""
    return tuple(getattr(owner, "evidence_kinds", (AttachmentKind.evidence,)))


def store_evidence(stream: BinaryIO, original_name: str, owner, user=None,
                   kind: AttachmentKind = AttachmentKind.evidence) -> EvidenceFile:
    """Check and store one file for ``owner`` (a certificate request, a usage record, or a
    fast-track application's 主体资格证明 / 基本情况说明); the owner says when it takes none."""
    refusal = owner.evidence_refusal()
    if refusal:
        raise RuleViolation(refusal)
    data = stream.read(policy.MAX_UPLOAD_BYTES + 1)
    if not data:
        raise RecordInvalid({"file": ["请选择要上传的文件。"]})
    if len(data) > policy.MAX_UPLOAD_BYTES:
        raise RecordInvalid({"file": [f"文件过大：{size_limit_text()}。"]})
    sniffed = filetype.guess(data)
    mime = sniffed.mime if sniffed else None
    if mime not in ALLOWED_TYPES:
        raise RecordInvalid({"file": [f"“{original_name}”不是可接受的证据材料：只能上传{TYPE_TEXT}。"]})
    stored_name = f"{clock.today():%Y/%m}/{uuid.uuid4().hex}{ALLOWED_TYPES[mime]}"
    _write(stored_name, data)
    evidence = EvidenceFile(
        original_name=(original_name or "未命名")[-255:], stored_name=stored_name,
        content_type=mime, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=clock.now(), uploaded_by=signature_of(user), kind=kind)
    return _attach(evidence, owner)


def copy_evidence(source: EvidenceFile, owner) -> EvidenceFile:
    """A copy of ``source`` that belongs to ``owner``: its own stored file with the same
    bytes (checked against the recorded SHA-256), name, type, kind and upload time and
    uploader, so removing the source's record later leaves the copy whole. The caller decides
    that ``owner`` may have it (e.g. an application submitted with an earlier 营业执照)."""
    try:
        data = evidence_path(source).read_bytes()
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != source.sha256:
        raise RuleViolation(f"沿用的{source.kind.label}“{source.original_name}”的文件已缺失或损坏，"
                            "请重新上传。")
    stored_name = f"{clock.today():%Y/%m}/{uuid.uuid4().hex}{Path(source.stored_name).suffix}"
    _write(stored_name, data)
    return _attach(EvidenceFile(
        original_name=source.original_name, stored_name=stored_name,
        content_type=source.content_type, size_bytes=source.size_bytes, sha256=source.sha256,
        uploaded_at=source.uploaded_at, uploaded_by=source.uploaded_by, kind=source.kind),
        owner)


def _write(stored_name: str, data: bytes) -> None:
    path = upload_root() / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)


def _attach(evidence: EvidenceFile, owner) -> EvidenceFile:
    """Give ``evidence`` its owner (the one relation it has) and add it to the session."""
    if isinstance(owner, FastTrackGrant):
        evidence.fast_track_grant = owner
    elif isinstance(owner, CertificateRequest):
        evidence.certificate_request = owner
    elif isinstance(owner, UsageRecord):
        evidence.usage_record = owner
    elif getattr(owner, "evidence_owner", None):  # supervision records name their relation
        setattr(evidence, owner.evidence_owner, owner)
    else:
        raise TypeError(f"evidence cannot belong to {type(owner).__name__}")
    db.session.add(evidence)
    return evidence


def evidence_path(evidence: EvidenceFile) -> Path:
    return upload_root() / evidence.stored_name


def is_inline(evidence: EvidenceFile) -> bool:
    """Photos and PDFs open in the browser; videos download."""
    return evidence.content_type.startswith("image/") or evidence.content_type == "application/pdf"
