"""Flask-AppBuilder security for the console: users belong to a bureau, and each role's
permissions are generated from the ``access`` every view and API declares."""
from __future__ import annotations

import logging
import re

from flask import g, has_request_context

from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from wtforms.validators import DataRequired, ValidationError

from app.models import ConsoleUser
from app.security_model import Role
from app.web import ChineseApiResponses, install_jwt_messages

log = logging.getLogger(__name__)


def _yes_no(value) -> str:
    return "是" if value else "否"


def _joined(values) -> str:
    return "、".join(str(v) for v in values or [])


def _bureau_matches_role(form, field):
    """A district officer works for a county or a city (地市级) bureau — a city's officer
    supervises its counties through ``app.scope.bureau_subtree`` — and province-wide roles for
    the province."""
    bureau, roles = field.data, form["roles"].data or []
    if bureau is None:
        raise ValidationError("请选择所属部门。")
    names = {r.name for r in roles}
    if Role.district_officer.value in names and bureau.level.name == "province":
        raise ValidationError("区局经办人应属于区县级或地市级市场监管部门（地市级经办人可查看和办理所辖区县的记录）。")
    if names & {r.value for r in Role if r.province_wide} and bureau.level.name != "province":
        raise ValidationError("省级角色（省级管理员、省级审核员、只读）应属于省级市场监管部门。")


class ConsoleUserView(UserDBModelView):
    """User management with the bureau each user works for."""

    validators_columns = {
        "roles": [DataRequired(message="请选择角色。")],
        "bureau": [_bureau_matches_role],
    }
    formatters_columns = {"active": _yes_no, "roles": _joined}

    def _init_forms(self):
        from app.views.widgets import label_blank_choices

        super()._init_forms()
        for form_cls in (self.add_form, self.edit_form, self.search_form):
            label_blank_choices(form_cls)

    list_columns = ["username", "first_name", "last_name", "bureau", "roles", "active"]
    search_columns = ["username", "first_name", "last_name", "bureau", "roles", "active"]
    add_columns = ["username", "first_name", "last_name", "email", "bureau", "roles", "active",
                   "password", "conf_password"]
    edit_columns = ["username", "first_name", "last_name", "email", "bureau", "roles", "active"]
    show_fieldsets = [
        ("用户信息", {"fields": ["username", "active", "roles", "bureau", "login_count"]}),
        ("个人信息", {"fields": ["last_name", "first_name", "email"], "expanded": True}),
        ("登录记录", {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"],
                  "expanded": False}),
    ]
    user_show_fieldsets = [
        ("用户信息", {"fields": ["username", "roles", "bureau"]}),
        ("个人信息", {"fields": ["last_name", "first_name", "email"], "expanded": True}),
    ]
    label_columns = dict(UserDBModelView.label_columns, bureau="所属部门")


PERMISSION_TEXT = {
    "can_list": "查看列表", "can_show": "查看详情", "can_add": "新增", "can_edit": "编辑",
    "can_delete": "删除", "can_get": "接口读取", "can_post": "接口新增", "can_put": "接口修改",
    "can_info": "接口说明", "can_export": "导出", "can_download": "下载", "can_history": "历史",
    "menu_access": "菜单",
}


def _permission_text(permission_views) -> str:
    return "；".join(f"{PERMISSION_TEXT.get(pv.permission.name, pv.permission.name)}·"
                    f"{pv.view_menu.name}" for pv in permission_views or [])


class ConsoleRoleView(RoleModelView):
    """Roles are defined in code (``ensure_roles``): the console shows them, it does not edit
    them, so a change made here cannot silently vanish at the next start."""

    base_permissions = ["can_list", "can_show"]
    list_columns = ["name"]
    show_columns = ["name", "permissions"]
    search_columns = ["name"]
    label_columns = {"name": "角色名称", "permissions": "权限"}
    formatters_columns = {"permissions": _permission_text}


class ConsoleSecurityApi(ChineseApiResponses, SecurityApi):
    """``/api/v1/security/login``: a wrong user name or password is said in Chinese."""

    def response_401(self):
        return self.response(401, message="用户名或密码错误，或账号已停用。")


class ConsoleSecurityManager(SecurityManager):
    user_model = ConsoleUser
    userdbmodelview = ConsoleUserView
    rolemodelview = ConsoleRoleView
    userstatschartview = None  # its chart loads Google's scripts from the internet
    security_api = ConsoleSecurityApi

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        install_jwt_messages(jwt_manager)
        return jwt_manager

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        """Answer from the roles' whole permission set, read once per request: a page asks
        this for every menu entry and button, and one query beats thirty."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("_console_permissions", {})
        key = tuple(sorted(role_ids))
        if key not in cache:
            pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
            rows = (self.session.query(perm.name, view.name)
                    .select_from(pv).join(perm, pv.permission_id == perm.id)
                    .join(view, pv.view_menu_id == view.id)
                    .join(assoc_permissionview_role,
                          assoc_permissionview_role.c.permission_view_id == pv.id)
                    .filter(assoc_permissionview_role.c.role_id.in_(key)).all())
            cache[key] = {(p, v) for p, v in rows}
        return (permission_name, view_name) in cache[key]


def self_service_permissions(sm) -> list[tuple[str, str]]:
    """What every signed-in user needs for their own profile and password."""
    user_view = sm.user_view.class_permission_name
    return [
        ("can_userinfo", user_view),
        ("resetmypassword", user_view),
        ("userinfoedit", user_view),
        ("can_this_form_get", sm.resetmypasswordview.__name__),
        ("can_this_form_post", sm.resetmypasswordview.__name__),
        ("can_this_form_get", sm.userinfoeditview.__name__),
        ("can_this_form_post", sm.userinfoeditview.__name__),
    ]


def declared_permissions(appbuilder) -> dict[Role, set[tuple[str, str]]]:
    """(permission, view) pairs each role gets, from the views' and APIs' ``access``."""
    granted: dict[Role, set[tuple[str, str]]] = {role: set() for role in Role}
    menu_names: dict[str, str] = {}
    for item in appbuilder.menu.get_list():
        for child in item.childs or []:
            if child.baseview is not None:
                menu_names[child.name] = item.name
    for view in appbuilder.baseviews:
        access = getattr(view, "access", None)
        if access is None:
            continue
        for permission in view.base_permissions or []:
            for role in access.roles_for(permission):
                granted[role].add((permission, view.class_permission_name))
        for extra_permission, roles in getattr(view, "extra_permission_roles", {}).items():
            for role in roles:
                granted[role].add((extra_permission, view.class_permission_name))
        for item in appbuilder.menu.get_list():
            for child in item.childs or []:
                if child.baseview is view:
                    for role in access.roles_for("menu_access"):
                        granted[role].add(("menu_access", child.name))
                        granted[role].add(("menu_access", item.name))
    for role in Role:
        granted[role].update(self_service_permissions(appbuilder.sm))
    return granted


def ensure_role_rows(session, public_role: str) -> None:
    """The role rows must exist before Flask-AppBuilder registers views (it grants the admin
    role every new permission as it goes); with FAB_CREATE_DB off we create them here."""
    from flask_appbuilder.security.sqla.models import Role as FabRole

    have = {name for (name,) in session.query(FabRole.name)}
    for name in [r.value for r in Role] + [public_role]:
        if name not in have:
            session.add(FabRole(name=name))
    session.commit()


def ensure_roles(sm) -> None:
    """Create the four roles and set their permissions to exactly what the code declares.

    Roles are code, not data: a permission dropped from a view's ``access`` is withdrawn on
    the next start. ``省级管理员`` is Flask-AppBuilder's admin role and holds every permission.
    """
    granted = declared_permissions(sm.appbuilder)
    for role in Role:
        fab_role = sm.find_role(role.value) or sm.add_role(role.value)
        if role is Role.province_admin:
            continue
        wanted = set()
        for permission, view_name in granted[role]:
            pv = sm.find_permission_view_menu(permission, view_name)
            if pv is None:
                pv = sm.add_permission_view_menu(permission, view_name)
            wanted.add(pv)
        current = set(fab_role.permissions)
        if current != wanted:
            fab_role.permissions = sorted(wanted, key=lambda pv: pv.id)
            sm.session.commit()
            log.info("Role %s: %d permissions", role.value, len(wanted))


def password_policy(password: str) -> None:
    """At least PASSWORD_MIN_LENGTH characters, with both letters and digits."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from app import policy

    password = password or ""
    if len(password) < policy.PASSWORD_MIN_LENGTH or not re.search(r"[A-Za-z]", password) \
            or not re.search(r"\d", password):
        raise PasswordComplexityValidationError(
            f"密码至少{policy.PASSWORD_MIN_LENGTH}位，且须同时包含字母和数字。")


def _login_username() -> str:
    from flask import request

    data = request.get_json(silent=True) if request.is_json else None
    name = (data or {}).get("username") if isinstance(data, dict) else None
    name = name or request.form.get("username") or ""
    return "login-user:" + str(name).strip().lower()


def _login_failed(response) -> bool:
    """A login attempt failed if it did not leave a signed-in user (console) or answered
    401 (API). Only failures count towards the limit."""
    from flask_login import current_user

    if response.status_code == 401:
        return True
    return response.status_code < 400 and not current_user.is_authenticated


def install_login_throttle(app, sm) -> None:
    """Failed-login throttling on the console login and the API login alike: after too many
    failures for one user name, or from one address, further attempts answer 429 until the
    window has passed (Flask-Limiter, through the framework's own limiter)."""
    from flask_limiter.util import get_remote_address

    from app import policy

    window = f"{policy.LOGIN_WINDOW_MINUTES} minutes"
    # shared limits: a failure at the console login and one at the API login add up
    per_user = sm.limiter.shared_limit(
        f"{policy.LOGIN_MAX_FAILURES_PER_USER} per {window}", scope="login-user",
        key_func=_login_username, methods=["POST"], deduct_when=_login_failed)
    per_address = sm.limiter.shared_limit(
        f"{policy.LOGIN_MAX_FAILURES_PER_ADDRESS} per {window}", scope="login-address",
        key_func=lambda: "login-addr:" + get_remote_address(), methods=["POST"],
        deduct_when=_login_failed)
    for endpoint in (f"{sm.auth_view.endpoint}.login", f"{sm.security_api.__name__}.login"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = per_user(per_address(app.view_functions[endpoint]))


def role_of(user) -> Role | None:
    """The console role of a user (the first of ours they hold)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    names = {r.name for r in getattr(user, "roles", [])}
    for role in Role:
        if role.value in names:
            return role
    return None
