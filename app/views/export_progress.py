"""Progress of a long list export, readable by the list page while the file is prepared.

The page gives the export a random token (``?progress=``); the export writes how many rows
it has written to a small file named after the token in the temporary directory, which
every worker process of this machine reads, so the poll may land on any worker. Files older
than an hour are swept on the next write.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time

_TOKEN = re.compile(r"[A-Za-z0-9]{16,64}")
_KEY = re.compile(r"(\d+u)?[A-Za-z0-9]{16,64}")
_DIR = os.path.join(tempfile.gettempdir(), "ccc-export-progress")
_MAX_AGE_S = 3600


def valid_token(token: str | None, user_id: int | None = None) -> str | None:
    """The page's token, bound to the user who asked (another user holding the token reads
    and writes nothing of this export: the progress is kept under ``<user id>u<token>``)."""
    if not (token and _TOKEN.fullmatch(token)):
        return None
    return f"{int(user_id)}u{token}" if user_id is not None else token


def _path(token: str) -> str:
    return os.path.join(_DIR, f"{token}.json")


def report(token: str | None, done: int, total: int, error: str | None = None) -> None:
    if token is None:
        return
    os.makedirs(_DIR, exist_ok=True)
    finished = error is not None or (total and done >= total)
    state = {"done": done, "total": total, "finished": bool(finished), "error": error}
    tmp = _path(token) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False)
    os.replace(tmp, _path(token))
    if done == 0:
        _sweep()


def read(token: str) -> dict:
    if not (token and _KEY.fullmatch(token)):
        return {"done": 0, "total": 0, "finished": False, "error": None}
    try:
        with open(_path(token), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {"done": 0, "total": 0, "finished": False, "error": None}


def _sweep() -> None:
    cutoff = time.time() - _MAX_AGE_S
    with contextlib.suppress(OSError):
        for name in os.listdir(_DIR):
            path = os.path.join(_DIR, name)
            with contextlib.suppress(OSError):
                if os.path.getmtime(path) < cutoff:
                    os.unlink(path)
