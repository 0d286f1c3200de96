"""Console-wide web wiring: page banners and Chinese error pages."""
from __future__ import annotations

import gc
import re

from flask import Flask, g, jsonify, request

_HAN = re.compile(r"[\u4e00-\u9fff]")


def console_banners() -> list[dict]:
    """Warnings shown on every console page (e.g. a missing holiday calendar)."""
    from app.services.banners import current_banners

    return current_banners()


ERROR_TEXTS = {
    400: "请求无效。",
    403: "您没有执行此操作的权限。",
    404: "记录不存在，或不在您的管辖范围内。",
    405: "不支持该请求方法。",
    409: "当前状态不允许此操作。",
    413: "上传的文件过大。",
    422: "提交的数据无效。",
    429: "尝试次数过多，请稍后再试。",
    500: "服务器内部错误，请联系管理员。",
}
#: The API's answer to a request without a valid token (console pages redirect to the login).
API_LOGIN_NEEDED = "未登录或登录已失效：请先通过 /api/v1/security/login 获取令牌，并以“Authorization: Bearer 令牌”提交。"


class ChineseApiResponses:
    """Flask-AppBuilder's API answers its own 401/403/404 in English ("Not authorized",
    "Forbidden", "Not found"); ours say it in Chinese, with the console's texts."""

    def response_401(self):
        return self.response(401, message=API_LOGIN_NEEDED)

    def response_403(self):
        return self.response(403, message=ERROR_TEXTS[403])

    def response_404(self):
        return self.response(404, message=ERROR_TEXTS[404])


def install_jwt_messages(jwt_manager) -> None:
    """Missing, invalid or expired tokens answer 401 in Chinese (flask-jwt-extended's own
    texts are English, and an invalid token would answer 422)."""
    def _login_needed(*_args):
        return jsonify(message=API_LOGIN_NEEDED), 401

    jwt_manager.unauthorized_loader(_login_needed)
    jwt_manager.invalid_token_loader(_login_needed)
    jwt_manager.expired_token_loader(_login_needed)
    jwt_manager.revoked_token_loader(_login_needed)
    jwt_manager.user_lookup_error_loader(_login_needed)


def install_web(app: Flask) -> None:
    app.jinja_env.globals["console_banners"] = console_banners

    @app.context_processor
    def _appbuilder():
        # Flask-AppBuilder passes ``appbuilder`` to its own views' templates; error pages
        # and our own plain views need it too for the shared layout.
        return {"appbuilder": app.appbuilder}

    def _error(exc):
        code = getattr(exc, "code", 500) or 500
        if code == 500:  # the failed transaction must not break the error page as well
            from app.extensions import db

            db.session.rollback()
        if "user" not in g:
            # the error may come before Flask-AppBuilder's own before_request (e.g. CSRF)
            from flask_login import current_user

            g.user = current_user
        # a Chinese description given with abort() (e.g. by app.http_guards) says exactly
        # what was wrong; the framework's English descriptions are not shown
        description = getattr(exc, "description", None)
        text = description if isinstance(description, str) and _HAN.search(description) \
            else ERROR_TEXTS.get(code, "请求失败。")
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(message=text), code
        from flask import render_template

        return render_template("error.html", code=code, text=text), code

    install_expiry_timer(app)
    from app.headers import install_headers
    from app.http_guards import install_guards

    install_guards(app)
    install_headers(app)

    for code in ERROR_TEXTS:
        app.register_error_handler(code, _error)


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
        from app.extensions import db
        from app.scope import SYSTEM, acting_as
        from app.workflows.fast_track import expire_due_grants

        try:
            with acting_as(SYSTEM):  # the console's doing, not this request's user's
                expire_due_grants()
        except Exception:  # noqa: BLE001 - a failed sweep must not fail the user's request
            db.session.rollback()
            app.logger.exception("fast-track expiry check failed")


def freeze_startup_heap() -> None:
    """Put what start-up built (mappers, views, translations, fonts: some 350,000 objects) out
    of the garbage collector's reach. Otherwise each full collection rescans all of it: a
    ~200 ms pause on about every twentieth request (seen with ``bench/bench_lists.py``).
    Call it once the app is built and again after a bulk load; a server forked after it
    also keeps those pages shared."""
    gc.collect()
    gc.freeze()
