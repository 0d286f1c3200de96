"""Doors that take either a console session or the REST API's JWT bearer token (report and
file downloads), with the same permission check and the same district scope."""
from __future__ import annotations

import functools

from flask import abort, g, redirect, request, url_for
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user as session_user


def session_or_token(permission: str, formats: tuple[str, ...] | None = None):
    """Console session or ``Authorization: Bearer``; then ``can_<permission>`` on the view.
    With ``formats``, the ``?format=`` argument is checked and passed as ``fmt``."""

    def decorate(view_method):
        @functools.wraps(view_method)
        def wrapper(self, *args, **kwargs):
            if request.headers.get("Authorization", "").startswith("Bearer "):
                verify_jwt_in_request()
                user = getattr(g, "user", None)
            else:
                user = session_user if session_user.is_authenticated else None
                if user is None:
                    return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login",
                                            next=request.url))
            if user is None or not self.appbuilder.sm._has_view_access(
                    user, f"can_{permission}", self.class_permission_name):
                abort(403)
            g.user = user
            if formats is not None:
                fmt = request.args.get("format", formats[0])
                if fmt not in formats:
                    abort(400)
                kwargs["fmt"] = fmt
            return view_method(self, *args, **kwargs)

        wrapper._permission_name = permission
        return wrapper

    return decorate
