"""Console-wide web wiring: page banners and Chinese error pages."""
from __future__ import annotations

import gc

from flask import Flask, g, jsonify, request

from app.domain.errors import DomainError, headers_of, payload
from app.fab import _HAN, ERROR_TEXTS, edit_refusal_of_path


def console_banners() -> list[dict]:
    """Warnings shown on every console page (e.g. a missing holiday calendar)."""
    from app.services.banners import current_banners

    return current_banners()


def console_menu_counts() -> dict[str, int]:
    """{menu entry: records waiting for the signed-in user} (the numbers in the menu)."""
    from app.views.home import menu_counts

    return menu_counts()


class _ActiveProfile:
    """The profile of the request's console, read when a template asks."""

    def __getattr__(self, name: str):
        from app import policy

        return getattr(policy.profile(), name)


def install_web(app: Flask) -> None:
    app.jinja_env.globals["console_banners"] = console_banners
    app.jinja_env.globals["console_menu_counts"] = console_menu_counts
    # the active province's profile (``app.policy``): templates name the provincial bureau
    # as it does (``{{ province.province_bureau_short }}``: 市局, 省局)
    app.jinja_env.globals["province"] = _ActiveProfile()

    @app.context_processor
    def _appbuilder():
        # Flask-AppBuilder passes ``appbuilder`` to its own views' templates; error pages
        # and our own plain views need it too for the shared layout.
        return {"appbuilder": app.appbuilder}

    def _answer(code: int, text: str, json_message=None, headers=None):
        """An error page (or, for the API and JSON clients, ``{"message": ...}``). The rest of
        the request only reads: the page must not wait for a write lock (busy database)."""
        from app.transaction import read_only_from_now

        read_only_from_now()
        if "user" not in g:
            # the error may come before Flask-AppBuilder's own before_request (e.g. CSRF)
            from flask_login import current_user

            g.user = current_user
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(message=text if json_message is None else json_message), code, \
                headers or {}
        from flask import render_template

        return render_template("error.html", code=code, text=text), code, headers or {}

    def _error(exc):
        code = getattr(exc, "code", 500) or 500
        if code == 500:  # the failed transaction must not break the error page as well
            from app.extensions import db

            db.session.rollback()
        # a Chinese description given with abort() (e.g. by app.http_guards) says exactly
        # what was wrong; the framework's English descriptions are not shown
        description = getattr(exc, "description", None)
        text = description if isinstance(description, str) and _HAN.search(description) \
            else ERROR_TEXTS.get(code, "请求失败。")
        if code == 405 and request.method in ("PUT", "PATCH"):
            text = edit_refusal_of_path(app, request.path) or text
        return _answer(code, text)

    def _domain_error(exc: DomainError):
        """A domain refusal no door caught — above all a busy database met before the view
        (loading the signed-in user, the login's password check): its status, its Chinese
        message and headers (503 with ``Retry-After``), through the one mapping
        (``app.domain.errors``), never a 500."""
        from app.extensions import db

        db.session.rollback()
        status, message = payload(exc)
        return _answer(status, exc.message, json_message=message, headers=headers_of(exc))

    install_expiry_timer(app)
    from app.headers import install_headers
    from app.http_guards import install_guards

    install_guards(app)
    install_headers(app)

    for code in ERROR_TEXTS:
        app.register_error_handler(code, _error)
    app.register_error_handler(DomainError, _domain_error)


EXPIRY_CHECK_SECONDS = 600


def install_expiry_timer(app: Flask) -> None:
    """Fast-track grants past their end date turn 已到期 on their own: checked on the first
    request of each (Beijing) day and at most every ten minutes after that, per process,
    before the request is served (no scheduler to install)."""
    import time

    from app import clock

    state = {"last": 0.0, "day": None}

    @app.before_request
    def _expire_fast_track_grants():
        today = clock.today()
        if today == state["day"] and time.monotonic() - state["last"] < EXPIRY_CHECK_SECONDS:
            return
        state["last"], state["day"] = time.monotonic(), today
        from app.commands.due_dates import RefreshDueDates
        from app.commands.fast_track import ExpireGrants

        try:
            ExpireGrants().execute()
        except Exception:  # noqa: BLE001 - a failed sweep must not fail the user's request
            app.logger.exception("fast-track expiry check failed")
        try:  # a calendar edited since, or rows of an upgraded database: due dates kept right
            RefreshDueDates().execute()
        except Exception:  # noqa: BLE001
            app.logger.exception("due-date refresh failed")


def freeze_startup_heap() -> None:
    """Put what start-up built (mappers, views, translations, fonts: some 350,000 objects) out
    of the garbage collector's reach. Otherwise each full collection rescans all of it: a
    ~200 ms pause on about every twentieth request (seen with ``bench/bench_lists.py``).
    Call it once the app is built and again after a bulk load; a server forked after it
    also keeps those pages shared."""
    gc.collect()
    gc.freeze()
