"""Console-wide web wiring: page banners and Chinese error pages."""
from __future__ import annotations

from flask import Flask, g, jsonify, request


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


def install_web(app: Flask) -> None:
    app.jinja_env.globals["console_banners"] = console_banners

    @app.context_processor
    def _appbuilder():
        # Flask-AppBuilder passes ``appbuilder`` to its own views' templates; error pages
        # and our own plain views need it too for the shared layout.
        return {"appbuilder": app.appbuilder}

    def _error(exc):
        code = getattr(exc, "code", 500) or 500
        if "user" not in g:
            # the error may come before Flask-AppBuilder's own before_request (e.g. CSRF)
            from flask_login import current_user

            g.user = current_user
        text = ERROR_TEXTS.get(code, "请求失败。")
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(message=text), code
        from flask import render_template

        return render_template("error.html", code=code, text=text), code

    for code in ERROR_TEXTS:
        if code != 500:
            app.register_error_handler(code, _error)
