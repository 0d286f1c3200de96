"""Domain exceptions. Each carries a Chinese message for the user; the web layer maps
them to HTTP status codes once (422 invalid input, 409 rule refused, 404/403 access,
503 database busy)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user should read. ``message`` is Chinese."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FieldInvalid(DomainError):
    """One field's value is wrong (raised by field validators)."""

    status_code = 422


class RecordInvalid(DomainError):
    """Input is wrong; ``errors`` maps field names to lists of messages."""

    status_code = 422

    def __init__(self, errors: dict[str, list[str]] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "_schema": [errors]}
        self.errors = errors
        super().__init__("；".join(m for msgs in errors.values() for m in msgs))


class RuleViolation(DomainError):
    """A rule forbids this step now (wrong state, deadline, ban, usage exists...)."""

    status_code = 409


class AccessDenied(DomainError):
    """The user's role may not do this."""

    status_code = 403


class RecordNotFound(DomainError):
    """The record does not exist or lies outside the user's district."""

    status_code = 404


#: What a user reads when someone else saved the record after they opened it.
STALE_RECORD = "该记录已被他人修改，请刷新后重试。"


class StaleRecord(RuleViolation):
    """The record changed since the user read it (optimistic lock): nothing was saved."""

    def __init__(self, message: str = STALE_RECORD):
        super().__init__(message)


class PreconditionFailed(DomainError):
    """An API write's ``If-Match`` names a version that is no longer current (HTTP 412)."""

    status_code = 412

    def __init__(self, message: str = STALE_RECORD):
        super().__init__(message)


#: What a user reads when other writers held the database past the lock wait.
BUSY = "系统繁忙，请稍后重试。"


class Busy(DomainError):
    """The database stayed locked by other writers longer than a write may wait (SQLite's
    busy timeout, PostgreSQL's ``lock_timeout``, a serialization failure or deadlock):
    nothing was saved, and the same request may simply be sent again (HTTP 503 with
    ``Retry-After``)."""

    status_code = 503
    #: Seconds after which trying again is sensible (the ``Retry-After`` header).
    retry_after = 5

    def __init__(self, message: str = BUSY):
        super().__init__(message)


def payload(exc: DomainError) -> tuple[int, object]:
    """The one mapping of a domain refusal to HTTP: (status, ``message``). Invalid input
    names its fields ({field: [messages]}); every other refusal is one Chinese sentence."""
    if isinstance(exc, RecordInvalid):
        return exc.status_code, exc.errors
    return exc.status_code, exc.message


def headers_of(exc: DomainError) -> dict[str, str]:
    """HTTP headers that go with the refusal: ``Retry-After`` when trying again later helps."""
    retry_after = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else {}
