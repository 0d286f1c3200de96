"""Uploads waiting for their import to be confirmed: kept on the server (under the instance
folder, never sent back to the browser), one folder per user, so that a token only opens
its own user's file. Old ones are removed when a new one is kept."""
from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app

from app import policy
from app.domain.errors import DomainError

#: an upload not confirmed within this many seconds is discarded
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _folder(user_id: int) -> Path:
    return Path(current_app.instance_path) / "imports" / str(int(user_id))


def keep(user_id: int, kind: str, filename: str, stream) -> str:
    """Store the upload for ``user_id``; returns its token."""
    folder = _folder(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    token = secrets.token_urlsafe(18)
    data = stream.read(policy.MAX_UPLOAD_BYTES + 1)
    if len(data) > policy.MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大：单个文件不超过{policy.MAX_UPLOAD_BYTES // (1024 * 1024)}MB。")
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"kind": kind, "filename": filename}),
                                          encoding="utf-8")
    return token


def open_upload(user_id: int, token: str, kind: str) -> tuple[io.BytesIO, str]:
    """The stored upload of this user for this kind, or a Chinese refusal."""
    folder = _folder(user_id)
    if not TOKEN.fullmatch(token or "") or not (folder / f"{token}.bin").exists():
        raise DomainError("上传的文件已过期或不存在，请重新上传。")
    info = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
    if info.get("kind") != kind:
        raise DomainError("上传的文件已过期或不存在，请重新上传。")
    return io.BytesIO((folder / f"{token}.bin").read_bytes()), info.get("filename") or ""


def discard(user_id: int, token: str) -> None:
    folder = _folder(user_id)
    if TOKEN.fullmatch(token or ""):
        for suffix in (".bin", ".json"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink() if path.is_file() else shutil.rmtree(path)
        except OSError:
            continue
